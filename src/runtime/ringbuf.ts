/**
 * Consumer of a BPF ring buffer (BPF_MAP_TYPE_RINGBUF, 5.8), read from Node through mmap with no copy.
 *
 * Memory layout (kernel/bpf/ringbuf.c, `struct bpf_ringbuf`), as mapped into user space:
 *
 *   mmap offset 0          one page, read-write: consumer_pos (u64 at byte 0), advanced by us
 *   mmap offset page       one page, read-only:  producer_pos (u64 at byte 0), advanced by the kernel
 *   mmap offset 2*page     data, read-only, size = max_entries; the kernel maps it twice back to back so a
 *                          record that wraps around the end stays contiguous, but those pages are all resident
 *                          (the ring's size counts twice in RSS), so we map it once and copy the rare
 *                          wrapping record into a scratch buffer
 *
 * Each record starts with an 8-byte header:
 *
 *   bits 0..29  length of the payload     bit 30 DISCARD     bit 31 BUSY (still being written)
 *   u32         page offset (kernel use)
 *
 * and occupies roundup(length + 8, 8) bytes. Waiting happens on a koffi worker thread (epoll_wait), so the
 * event loop is never blocked; with BPF_RB_NO_WAKEUP in the programs, the wait's timeout bounds the latency.
 */
import type { BpfMap } from '../loader/index.js';
import { Epoll, EventFd, type MappedRegion, mmapFd, uapi } from '../sys/index.js';

const PAGE_SIZE = 4096;
/** Records in one drain from which run() drains again without waiting. */
const BUSY_BATCH = 32;

/** Called for each record: the payload is `length` bytes of `view` at `offset`, valid only during the call. */
export type RecordHandler = (view: DataView, offset: number, length: number) => void;

/** Reads records from one ring-buffer map. */
export class RingBufferReader implements Disposable {
  readonly #consumer: MappedRegion;
  readonly #producer: MappedRegion;
  readonly #cons: Uint32Array;
  readonly #prod: Uint32Array;
  readonly #data: DataView;
  readonly #mask: number;
  readonly #size: number;
  /** Holds a record that wraps around the end of the data area, grown on demand. */
  #wrapped = new DataView(new ArrayBuffer(0));
  readonly #epoll: Epoll;
  /** In the epoll set so an abort ends a pending wait at once rather than after its poll period. */
  readonly #wakeup: EventFd;
  #closed = false;
  /** Records delivered so far. */
  records = 0;

  constructor(readonly map: BpfMap) {
    if (map.spec.kind !== 'ringbuf') throw new Error(`map ${map.name} is not a ring buffer`);
    const size = map.spec.maxEntries;
    this.#mask = size - 1;
    this.#size = size;
    this.#consumer = mmapFd(map.fd.raw, PAGE_SIZE, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, 0, `ringbuf ${map.name} consumer`);
    try {
      this.#producer = mmapFd(map.fd.raw, PAGE_SIZE + size, uapi.PROT_READ, uapi.MAP_SHARED, PAGE_SIZE, `ringbuf ${map.name} data`);
    } catch (e) {
      this.#consumer.close();
      throw e;
    }
    this.#cons = new Uint32Array(this.#consumer.buffer, 0, 2);
    this.#prod = new Uint32Array(this.#producer.buffer, 0, 2);
    this.#data = new DataView(this.#producer.buffer, PAGE_SIZE, size);
    this.#epoll = new Epoll();
    this.#wakeup = new EventFd();
    this.#epoll.add(map.fd.raw);
    this.#epoll.add(this.#wakeup.fd.raw);
  }

  /** Bytes written by the kernel and not yet consumed. */
  get pending(): number {
    return readPos(this.#prod) - readPos(this.#cons);
  }

  /**
   * Delivers every complete record now in the buffer, in order, and returns how many. Stops at a record still
   * being written (BUSY); the next call resumes there.
   */
  drain(onRecord: RecordHandler): number {
    let cons = readPos(this.#cons);
    // x86-64 loads are not reordered with other loads, and the kernel publishes producer_pos with a release
    // store: reading it before the headers is the acquire the protocol needs. Atomics.load keeps the JIT honest.
    const prod = readPos(this.#prod);
    let n = 0;
    const data = this.#data;
    while (cons < prod) {
      const at = cons & this.#mask;
      const hdr = data.getUint32(at, true);
      if (hdr & uapi.BPF_RINGBUF_BUSY_BIT) break;
      const len = hdr & 0x3fffffff;
      if (!(hdr & uapi.BPF_RINGBUF_DISCARD_BIT)) {
        // Headers are 8-byte aligned and the size a power of two, so only a payload can wrap.
        const start = (at + uapi.BPF_RINGBUF_HDR_SZ) & this.#mask;
        if (start + len <= this.#size) onRecord(data, start, len);
        else onRecord(this.#unwrap(start, len), 0, len);
        n++;
      }
      cons += (len + uapi.BPF_RINGBUF_HDR_SZ + 7) & ~7;
      // Release the space record by record so a busy producer can reuse it while we read on.
      writePos(this.#cons, cons);
    }
    this.records += n;
    return n;
  }

  /** Copies a payload that runs past the end of the data area (and on from its start) into one view. */
  #unwrap(start: number, len: number): DataView {
    if (this.#wrapped.byteLength < len) this.#wrapped = new DataView(new ArrayBuffer(Math.max(len, 2 * this.#wrapped.byteLength)));
    const data = new Uint8Array(this.#data.buffer, this.#data.byteOffset, this.#size);
    const out = new Uint8Array(this.#wrapped.buffer);
    const head = this.#size - start;
    out.set(data.subarray(start), 0);
    out.set(data.subarray(0, len - head), head);
    return this.#wrapped;
  }

  /** Waits for a wakeup or `timeoutMs`, off the event loop; resolves true when woken with data. */
  async wait(timeoutMs: number): Promise<boolean> {
    if (this.#closed) return false;
    try {
      return (await this.#epoll.wait(timeoutMs)) > 0;
    } catch (e) {
      // close() while the wait was queued on the worker thread: epoll_wait then fails with EBADF. The reader
      // is done, so run() ends quietly instead of rejecting.
      if (this.#closed) return false;
      throw e;
    }
  }

  /**
   * Drains until `signal` aborts: drain, then wait up to `pollMs` (the latency bound when programs submit
   * with BPF_RB_NO_WAKEUP), then drain again. A last drain runs after the abort so nothing already
   * written is left unread.
   */
  async run(onRecord: RecordHandler, o: { pollMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const pollMs = o.pollMs ?? 20;
    // stop() awaits this loop: without the wake-up it would sit out the rest of a poll period after the abort.
    const onAbort = () => this.#wakeup.signal();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    while (!o.signal?.aborted && !this.#closed) {
      // After a real batch the producer is busy: drain again as soon as the event loop has handled this one
      // (printed it) rather than sleeping a poll period while the ring fills. A few records mean a quiet
      // producer: wait, so a trickle of events does not keep a CPU spinning.
      if (this.drain(onRecord) >= BUSY_BATCH) await new Promise<void>((r) => setImmediate(r));
      else await this.wait(pollMs);
    }
    o.signal?.removeEventListener('abort', onAbort);
    if (!this.#closed) this.drain(onRecord);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Best effort for a wait in progress: it ends at once only if the worker sees the eventfd before the close
    // below drops it from the epoll set, else at its timeout. The fds are released now either way (the worker
    // holds the epoll file itself, not its number), so callers can check for leaks as soon as close() returns.
    this.#wakeup.signal();
    this.#epoll.close();
    this.#wakeup.close();
    this.#producer.close();
    this.#consumer.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function readPos(words: Uint32Array): number {
  // A u64 read as two words: retry if the high word changed meanwhile (the position crossed 4 GiB), so the
  // value is never torn. Positions never reach 2^53 bytes.
  for (;;) {
    const hi = Atomics.load(words, 1);
    const lo = Atomics.load(words, 0);
    if (Atomics.load(words, 1) === hi) return lo + hi * 0x1_0000_0000;
  }
}

function writePos(words: Uint32Array, pos: number): void {
  // The kernel reads consumer_pos as one u64; it only needs to see a value <= the true one. Write the high
  // word first only when it changes, so a torn read is never larger than the truth.
  const hi = Math.floor(pos / 0x1_0000_0000);
  if (Atomics.load(words, 1) !== hi) {
    Atomics.store(words, 0, 0);
    Atomics.store(words, 1, hi);
  }
  Atomics.store(words, 0, pos >>> 0);
}

/** Sums a per-CPU u64 counter (e.g. records dropped because the ring buffer was full) at `index`. */
export function sumPerCpuCounter(map: BpfMap, index = 0): bigint {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, index, true);
  const slots = map.lookupPerCpu(key);
  if (!slots) return 0n;
  let total = 0n;
  for (const s of slots) total += new DataView(s.buffer, s.byteOffset, 8).getBigUint64(0, true);
  return total;
}

/**
 * Records of the kernel programs (layout in program.ts) decoded into plain values, and the calls they form.
 */
import type { Provenance } from '../capture/mechanisms.js';
import { KIND_ENTER, KIND_GENERATE, KIND_SIGNAL, RECORD_HEADER, STR_SIZE } from './program.js';

/** User memory captured for one argument: the bytes, the helper's result and where they came from. */
export interface Capture {
  bytes: Uint8Array;
  /** bpf_probe_read_user(_str) result: bytes read (strings: including the NUL), or -errno. */
  result: number;
  /** `exact` read at entry, `exit` re-read at exit, `lost` unreadable. */
  provenance: Provenance;
}

/** One decoded record. */
export interface TraceRecord {
  /**
   * A syscall's entry or exit; a signal delivered (nr = the signal, args = [sa_handler, siginfo address]); a
   * signal sent to tid (nr = the signal, args = [si_code, sender pid_tgid, sender uid_gid]).
   */
  kind: 'enter' | 'exit' | 'signal' | 'generate';
  tid: number;
  tgid: number;
  nr: number;
  ns: bigint;
  /** Entry: the six arguments; exit: [return value]. */
  args: bigint[];
  str: [Capture | null, Capture | null];
  buf: Capture | null;
  /** The second region: entry, the second input; exit, output 2 or the first input re-read (see `reread`). */
  buf2?: Capture | null;
  /** -a: the thread's comm (exit records carry it). */
  comm?: string;
  /**
   * Exit: which strings/input buffer were re-read now, whether an output buffer was read, and what the second
   * region holds (the first input re-read: `inbuf2`; the second output: `outbuf2`; the second input read again
   * after its entry read failed: `regather`; recvfrom's address length written back, in `args[1]`: `addrlen`).
   */
  reread: { str0: boolean; str1: boolean; inbuf: boolean; outbuf: boolean; inbuf2?: boolean; outbuf2?: boolean; regather?: boolean; addrlen?: boolean };
}

const latin1 = new TextDecoder('latin1');

/** A byte view of the last DataView seen: the ring buffer's, the same for every record. */
let lastView: DataView | null = null;
let lastBytes: Uint8Array = new Uint8Array(0);

function capture(view: DataView, at: number, size: number, result: number, provenance: Provenance): Capture {
  const n = result > 0 ? Math.min(result, size) : 0;
  if (view !== lastView) {
    lastView = view;
    lastBytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  }
  // Copied byte by byte when short (most paths): cheaper than a subarray view and a set().
  const bytes = new Uint8Array(n);
  if (n <= 64) for (let k = 0; k < n; k++) bytes[k] = lastBytes[at + k]!;
  else bytes.set(lastBytes.subarray(at, at + n));
  return { bytes, result, provenance: result >= 0 ? provenance : 'lost' };
}

const NO_REREAD = Object.freeze({ str0: false, str1: false, inbuf: false, outbuf: false, inbuf2: false, outbuf2: false, regather: false, addrlen: false });

/** The most a second region holds (8 iovec chunks of at most 512 bytes). */
const SECOND_MAX = 4096;

/** Arguments an exit record carries: the return value only. */
const EXIT_ARGS = 1;

/** Decodes the record at `offset` of `view` (copies what it keeps: the view is only valid during the callback). */
export function decodeRecord(view: DataView, offset: number, bufSize: number, withComm = false): TraceRecord {
  const k = view.getUint32(offset, true);
  const kind = k === KIND_ENTER ? 'enter' : k === KIND_SIGNAL ? 'signal' : k === KIND_GENERATE ? 'generate' : 'exit';
  const count = kind === 'enter' ? 6 : kind === 'signal' ? 2 : kind === 'generate' ? 3 : EXIT_ARGS;
  const args = new Array<bigint>(count);
  for (let i = 0; i < count; i++) args[i] = view.getBigUint64(offset + 24 + 8 * i, true);
  // An exit record's args[5] slot holds the address length recvfrom's kernel wrote back (flag bit 7).
  if (kind === 'exit' && (view.getUint16(offset + 84, true) & 128) !== 0) args.push(view.getBigUint64(offset + 64, true));
  const len0 = view.getInt32(offset + 72, true);
  const len1 = view.getInt32(offset + 76, true);
  const blen = view.getInt32(offset + 80, true);
  const flags = view.getUint16(offset + 84, true);
  const len2 = view.getInt16(offset + 86, true);
  const reread = flags === 0 ? NO_REREAD : {
    str0: (flags & 1) !== 0, str1: (flags & 2) !== 0, inbuf: (flags & 4) !== 0, outbuf: (flags & 8) !== 0,
    inbuf2: (flags & 16) !== 0, outbuf2: (flags & 32) !== 0, regather: (flags & 64) !== 0, addrlen: (flags & 128) !== 0,
  };
  const prov: Provenance = kind === 'exit' ? 'exit' : 'exact';
  // Captures are packed after the header, each as long as its (positive) read result.
  const at1 = offset + RECORD_HEADER + (len0 > 0 ? Math.min(len0, STR_SIZE) : 0);
  const atBuf = at1 + (len1 > 0 ? Math.min(len1, STR_SIZE) : 0);
  const str: [Capture | null, Capture | null] = [
    len0 !== 0 || reread.str0 ? capture(view, offset + RECORD_HEADER, STR_SIZE, len0, prov) : null,
    len1 !== 0 || reread.str1 ? capture(view, at1, STR_SIZE, len1, prov) : null,
  ];
  const buf = blen !== 0 || reread.inbuf || reread.outbuf ? capture(view, atBuf, bufSize, blen, prov) : null;
  const at2 = atBuf + (blen > 0 ? Math.min(blen, bufSize) : 0);
  const buf2 = len2 !== 0 || reread.inbuf2 || reread.outbuf2 || reread.regather ? capture(view, at2, SECOND_MAX, len2, prov) : null;
  const r: TraceRecord = {
    kind, tid: view.getUint32(offset + 4, true), tgid: view.getUint32(offset + 8, true), nr: view.getUint32(offset + 12, true),
    ns: view.getBigUint64(offset + 16, true), args, str, buf, buf2, reread,
  };
  if (withComm && kind === 'exit') {
    const raw = new Uint8Array(view.buffer, view.byteOffset + offset + 32, 16);
    const end = raw.indexOf(0);
    r.comm = latin1.decode(raw.subarray(0, end < 0 ? 16 : end));
  }
  return r;
}

/** A syscall: its entry, and its exit once seen. Captures merge entry reads with exit re-reads. */
export interface SyscallCall {
  tid: number;
  tgid: number;
  nr: number;
  args: bigint[];
  enterNs: bigint;
  str: [Capture | null, Capture | null];
  /** Input buffer (read by the kernel: write data, open_how), captured at entry or re-read at exit. */
  inbuf: Capture | null;
  /** The second input region (sendto's address, ppoll's timeout, writev's data), captured at entry. */
  inbuf2?: Capture | null;
  exit?: { ret: bigint; ns: bigint; outbuf: Capture | null; outbuf2?: Capture | null; addrlen?: number };
}

/** The call begun by an entry record. */
export function callFromEnter(r: TraceRecord): SyscallCall {
  return { tid: r.tid, tgid: r.tgid, nr: r.nr, args: r.args, enterNs: r.ns, str: [r.str[0], r.str[1]], inbuf: r.buf, inbuf2: r.buf2 ?? null };
}

/** Completes `c` with its exit record: re-read strings replace entry reads that failed. */
export function completeCall(c: SyscallCall, r: TraceRecord): void {
  if (r.reread.str0 && r.str[0] && r.str[0].result > 0) c.str[0] = r.str[0];
  else if (r.reread.str0 && c.str[0]) c.str[0] = { ...c.str[0], provenance: 'lost' };
  if (r.reread.str1 && r.str[1] && r.str[1].result > 0) c.str[1] = r.str[1];
  else if (r.reread.str1 && c.str[1]) c.str[1] = { ...c.str[1], provenance: 'lost' };
  if (r.reread.inbuf && r.buf) c.inbuf = r.buf.result >= 0 ? r.buf : { ...r.buf, provenance: 'lost' };
  if (r.reread.inbuf2 && r.buf2) c.inbuf = r.buf2.result >= 0 ? r.buf2 : { ...r.buf2, provenance: 'lost' };
  if (r.reread.regather && r.buf2) c.inbuf2 = r.buf2;
  c.exit = { ret: r.args[0]!, ns: r.ns, outbuf: r.reread.outbuf ? r.buf : null, outbuf2: r.reread.outbuf2 ? (r.buf2 ?? null) : null };
  if (r.reread.addrlen && r.args[1] !== undefined) c.exit.addrlen = Number(r.args[1]);
}

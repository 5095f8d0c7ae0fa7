/**
 * A running script: loads the compiled collection, runs begin probes, attaches the others, turns ring-buffer
 * records into events, and at the end detaches, runs end probes and reads the final maps. Every kernel object
 * is released by `close()`, whatever happened before.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { LinkedProgram } from '../asm/index.js';
import type { Link } from '../attach/index.js';
import { type CompiledScript, EVENT } from '../codegen/index.js';
import { kernelTypes } from '../kernel/btf.js';
import { possibleCpus } from '../kernel/cpus.js';
import { type Collection, loadCollection } from '../loader/index.js';
import type { MapData, Value } from '../output/index.js';
import { errnoMessage, errnoName, progTestRun } from '../sys/index.js';
import { attachProbe } from './attach-plan.js';
import { type DeferredReadStats, deferredReadStats, settleDeferredReads, warmUpDeferredReads } from './deferred-reads.js';
import { type DecodedArg, type DecodeOptions, decodeRecordArgs, type ReadProvenance, formatDecodedPrintf, recordView } from './decode.js';
import { readScriptMap } from './map-reader.js';
import { Symbolizer } from './symbolize.js';
import { RingBufferReader, sumPerCpuCounter } from './ringbuf.js';
import { childProcess } from '../util/lazy-builtins.js';

/** Something a script produced. */
export type SessionEvent =
  | { type: 'printf'; text: string; provenance?: ReadProvenance[] }
  | { type: 'errorf' | 'warnf'; text: string; loc?: { file: string; line: number; column: number } }
  | { type: 'time'; format: string; date: Date }
  | { type: 'print'; map: MapData; top: number; div: number }
  | { type: 'value'; value: Value }
  | { type: 'clear' | 'zero'; map: string }
  | { type: 'system'; command: string }
  | { type: 'cat'; text: string }
  | { type: 'exit'; code: number }
  /** A printf whose user reads do not meet the floor: reported, not printed as if complete. */
  | { type: 'incomplete'; text: string; reasons: string[] }
  /** A user read that failed (for -k). */
  | { type: 'lost-read'; errno: number; probe: string }
  /** The line of a join() call. */
  | { type: 'join'; text: string }
  /** A failed helper call other than a user read (-k): the helper, its negative result and the script location. */
  | { type: 'helper-error'; helper: string; retcode: number; loc?: { file: string; line: number; column: number; endColumn?: number } };

/** Session options. */
export interface SessionOptions {
  /** Restrict uprobes to this process (-p). */
  pid?: number;
  /** Verifier log level when loading (-v). */
  logLevel?: number;
  /** Allow system() (--unsafe). */
  unsafe?: boolean;
  /** Ring-buffer poll period: the latency bound of batched wake-ups. */
  pollMs?: number;
  /** Mark user-memory values not read exactly at the event (default true): `value~` recovered, `<lost:EFAULT>`. */
  marks?: boolean;
  /**
   * The weakest provenance an event's user reads may have to be printed as complete: 'any' (default),
   * 'recovered' (exact or re-read at syscall exit), 'exact'. Events below it are reported as incomplete.
   */
  floor?: 'any' | 'recovered' | 'exact';
  /** The pid of the command started for the script (-c): the value of `cpid`. */
  cpid?: number;
  /** The most bytes of a file cat() prints (bpftrace's max_cat_bytes; default 10240). */
  maxCatBytes?: number;
}

/** Counts of user-memory reads by provenance. */
export interface ReadCounts {
  exact: number;
  exit: number;
  /** The kernel's path of the descriptor an open call returned, in place of a path read lost at exit. */
  kernel: number;
  /** Read by a bpf_wq callback after the call returned (what the exit re-read could not recover). */
  deferred: number;
  lost: number;
}

/** Totals reported at the end. */
export interface SessionSummary {
  /** Records the programs could not write because the ring buffer was full. */
  lost: bigint;
  /** Exit code requested by exit(), if any. */
  exitCode: number | null;
  /** User-memory reads by provenance. */
  reads: ReadCounts;
  /** The bpf_wq slot pools of deferred reads, when the script uses them. */
  deferredReads?: DeferredReadStats;
}

/** A loaded and running script. */
export class Session {
  readonly #script: CompiledScript;
  readonly #coll: Collection;
  readonly #links: Link[] = [];
  readonly #reader: RingBufferReader;
  readonly #abort = new AbortController();
  readonly #queue: SessionEvent[] = [];
  #wake: (() => void) | null = null;
  #running: Promise<void> | null = null;
  #exitCode: number | null = null;
  #closed = false;
  readonly #options: SessionOptions;
  /** The deferred-read pools' warm-up (deferred-reads.ts), running after the attach; ended by stop() or close(). */
  #warming: Promise<void> = Promise.resolve();
  readonly #warmAbort = new AbortController();
  /** Number of probes attached (begin/end count, as in bpftrace's "Attached N probes"). */
  readonly attached: number;
  /**
   * Probes whose sleepable program (faulting user reads) the verifier refused, so their plain program was
   * loaded instead and loses reads of pages that are not resident: the probe's name and the verifier's reason.
   * A syscall tracepoint's plain program re-reads at the syscall's exit, so its fallback is not listed.
   */
  get sleepFallbacks(): { probe: string; reason: string }[] {
    return this.refusedSleepable.flatMap((f) => (f.fallbackReads === 'exit' ? [] : [{ probe: f.probe, reason: f.reason }]));
  }
  /** Every probe whose sleepable program the verifier refused, with how its plain program reads instead (for -v). */
  get refusedSleepable(): { probe: string; reason: string; fallbackReads: 'exit' | 'entry' }[] {
    return this.#script.resources.programs.flatMap((p) => {
      const rejected = this.#coll.programs.get(p.name)?.rejected;
      return rejected ? [{ probe: p.probe.name, reason: rejected.reason || rejected.summary, fallbackReads: p.fallbackReads ?? 'entry' }] : [];
    });
  }
  /**
   * Every loaded program (the plain one where a sleepable one was refused): its name, the probe it serves, its
   * instructions and the verifier's log (a statistics line; the whole log with logLevel 2). For `-v`.
   */
  get loadedPrograms(): { name: string; probe: string; internal: boolean; code: LinkedProgram; log: string }[] {
    return this.#script.resources.programs.flatMap((p) => {
      const prog = this.#coll.programs.get(p.name);
      return prog ? [{ name: p.name, probe: p.probe.name, internal: p.internal ?? false, code: prog.spec.code, log: prog.log }] : [];
    });
  }
  /** User-memory reads seen so far, by provenance. */
  readonly reads: ReadCounts = { exact: 0, exit: 0, kernel: 0, deferred: 0, lost: 0 };

  private constructor(script: CompiledScript, coll: Collection, options: SessionOptions) {
    this.#script = script;
    this.#coll = coll;
    this.#options = options;
    this.#reader = new RingBufferReader(coll.map(script.resources.eventsMap));
    this.attached = script.resources.programs.filter((p) => !p.internal).length;
  }

  /** Loads `script`, runs its begin probes and attaches the rest. On failure everything is released. */
  static start(script: CompiledScript, options: SessionOptions = {}): Session {
    const coll = loadCollection(script.spec, { kernel: kernelTypes, ...(options.logLevel ? { logLevel: options.logLevel } : {}) });
    let s: Session | undefined;
    try {
      s = new Session(script, coll, options);
      // elapsed counts from here (CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns).
      const now = new Uint8Array(8);
      new DataView(now.buffer).setBigUint64(0, process.hrtime.bigint(), true);
      coll.map(script.resources.globalsMap).update(new Uint8Array(4), now);
      if (options.cpid !== undefined) {
        const key = new Uint8Array([1, 0, 0, 0]), value = new Uint8Array(8); // GLOBAL_CPID
        new DataView(value.buffer).setBigUint64(0, BigInt(options.cpid), true);
        coll.map(script.resources.globalsMap).update(key, value);
      }
      for (const p of script.resources.programs) {
        if (p.probe.kind === 'begin') progTestRun(coll.program(p.name).fd.raw);
      }
      for (const p of script.resources.programs) {
        const link = attachProbe(coll.program(p.name), p.probe, options.pid);
        if (link) s.#links.push(link);
      }
      // Once the exit programs are attached (they do it); in the background, so start-up does not wait for it.
      s.#warming = warmUpDeferredReads(coll, script.resources, { signal: s.#warmAbort.signal }).then(() => {}, () => {});
      s.#watchMappings(options.cpid ?? options.pid);
      s.#running = s.#reader.run((view, offset, length) => s!.#onRecord(view, offset, length), {
        signal: s.#abort.signal, pollMs: options.pollMs ?? 20,
      });
      return s;
    } catch (e) {
      if (s) s.close();
      else coll.close();
      throw e;
    }
  }

  #push(ev: SessionEvent): void {
    if (this.#listener) {
      this.#listener(ev);
      return;
    }
    this.#queue.push(ev);
    this.#wake?.();
  }

  #listener: ((ev: SessionEvent) => void) | null = null;

  /**
   * Hands every event to `listener` synchronously as its record is drained, starting with those already
   * queued, instead of through events() (use one or the other). The CLI prints this way: an async generator
   * step and a queued object per event cost more than formatting the event.
   */
  listen(listener: (ev: SessionEvent) => void): void {
    for (let ev = this.#queue.shift(); ev; ev = this.#queue.shift()) listener(ev);
    this.#listener = listener;
  }

  #onRecord(ring: DataView, at: number, length: number): void {
    // A view of this record alone, so damaged lengths or offsets never read into the next record.
    const view = recordView(ring, at, length);
    const offset = 0;
    if (length < 8) return;
    const kind = view.getUint32(offset, true);
    const id = view.getUint32(offset + 4, true);
    const res = this.#script.resources;
    switch (kind) {
      case EVENT.printf:
      case EVENT.errorf:
      case EVENT.warnf:
      case EVENT.system:
      case EVENT.cat: {
        const f = res.formats[id];
        if (!f) return;
        const args = decodeRecordArgs(view, offset, f.args, this.#decodeOptions);
        // Runs per event: no array is built unless an argument was read from user memory.
        let reasons: string[] | undefined;
        let provenance: ReadProvenance[] | undefined;
        const floor = this.#options.floor ?? 'any';
        for (const a of args) {
          if (!a.provenance) continue;
          (provenance ??= []).push(a.provenance);
          this.reads[a.provenance]++;
          if (a.lost) this.#push({ type: 'lost-read', errno: a.lost.errno, probe: f.loc ? `${f.loc.file}:${f.loc.line}:${f.loc.column}` : '' });
          if (a.provenance === 'lost' && floor !== 'any') (reasons ??= []).push(`a user read was lost (${errnoName(a.lost?.errno ?? 0)})`);
          else if (a.provenance === 'exit' && floor === 'exact') (reasons ??= []).push('a user read was only recovered at syscall exit');
          else if (a.provenance === 'kernel' && floor === 'exact') (reasons ??= []).push('a path read was replaced by the kernel\'s path of the returned descriptor');
          else if (a.provenance === 'deferred' && floor !== 'any') (reasons ??= []).push('a user read was only deferred (read after the call returned)');
        }
        const text = formatDecodedPrintf(f, args, (this.#options.marks ?? true) ? MARKED : UNMARKED);
        if (reasons) this.#push({ type: 'incomplete', text, reasons });
        else if (f.kind === 'printf') this.#push(provenance ? { type: 'printf', text, provenance } : { type: 'printf', text });
        else if (f.kind === 'system') this.#push({ type: 'system', command: text });
        else if (f.kind === 'cat') {
          const cat = readCat(text, this.#options.maxCatBytes ?? this.#script.config.max_cat_bytes ?? 10240);
          this.#push(typeof cat === 'string' ? { type: 'cat', text: cat } : { type: 'errorf', text: `failed to open file '${text}' (${errnoMessage(cat.errno)})` });
        }
        else this.#push({ type: f.kind, text, ...(f.loc ? { loc: f.loc } : {}) });
        return;
      }
      case EVENT.exit:
        this.#exitCode = Number(view.getBigInt64(offset + 8, true));
        this.#push({ type: 'exit', code: this.#exitCode });
        this.#abort.abort();
        return;
      case EVENT.print_map: {
        const sm = res.maps[id];
        if (!sm) return;
        const top = Number(view.getBigInt64(offset + 8, true)), div = Number(view.getBigInt64(offset + 16, true));
        this.#push({ type: 'print', map: this.#readMap(sm.name), top, div });
        return;
      }
      case EVENT.clear_map:
      case EVENT.zero_map: {
        const sm = res.maps[id];
        if (!sm) return;
        const m = this.#coll.map(sm.bpfName);
        if (kind === EVENT.clear_map || sm.agg) m.clear();
        else {
          const zero = new Uint8Array(m.valueBytes);
          for (const k of [...m.keys()]) m.update(k, zero);
        }
        return;
      }
      case EVENT.time: {
        const fmt = res.timeFormats[id] ?? '%H:%M:%S\n';
        this.#push({ type: 'time', format: fmt, date: new Date() });
        return;
      }
      case EVENT.print_value: {
        const pv = res.printValues[id];
        if (!pv) return;
        const [arg] = decodeRecordArgs(view, offset, [pv.arg], this.#decodeOptions);
        if (arg) this.#push({ type: 'value', value: arg.value });
        return;
      }
      case EVENT.join:
        this.#onJoin(view, id);
        return;
      case EVENT.helper_error: {
        const site = res.helperErrors[id];
        if (site && length >= 16) this.#push({ type: 'helper-error', helper: site.helper, retcode: Number(view.getBigInt64(8, true)), ...(site.loc ? { loc: site.loc } : {}) });
        return;
      }
      default:
        return;
    }
  }

  /** A join() record (codegen/join.ts): the strings read, joined by the call's separator. */
  #onJoin(view: DataView, id: number): void {
    const j = this.#script.resources.joins[id];
    if (!j || view.byteLength < j.size) return;
    const count = Math.min(j.argNum, Number(view.getBigUint64(8, true)));
    const parts: string[] = [];
    for (let i = 0; i < count; i++) {
      const slot = new Uint8Array(view.buffer, view.byteOffset + 16 + i * j.argSize, j.argSize);
      const nul = slot.indexOf(0);
      parts.push(joinDecoder.decode(nul < 0 ? slot : slot.subarray(0, nul)));
    }
    const status = Number(view.getBigInt64(j.size - 8, true));
    if (status < 0) {
      this.reads.lost++;
      this.#push({ type: 'lost-read', errno: -status, probe: 'join()' });
    }
    this.#push({ type: 'join', text: parts.join(j.sep) });
  }

  /**
   * Keeps the mappings of the traced process (-c or -p) read while it runs (every 50 ms), so user stacks in
   * maps printed after it exited are still symbolised (bpftrace likewise resolves the target's symbols early).
   */
  #watchMappings(pid: number | undefined): void {
    if (pid === undefined || !this.#script.resources.userSymbols) return;
    const timer = setInterval(() => this.#symbolizer.addresses.refresh(pid), 50);
    timer.unref();
    this.#abort.signal.addEventListener('abort', () => clearInterval(timer));
  }

  /** How values needing the host are decoded: stacks symbolised, strftime() against the monotonic clock. */
  readonly #symbolizer = new Symbolizer((limit, id) => {
    const m = this.#script.resources.stackMaps.find((x) => x.limit === limit);
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, id, true);
    try {
      return m ? this.#coll.map(m.name).lookup(key) : null;
    } catch {
      return null;
    }
  });
  readonly #decodeOptions: DecodeOptions = {
    stack: (raw, t) => this.#symbolizer.stack(raw, t),
    symbolize: (address, user, pid) => this.#symbolizer.symbol(address, user, pid),
  };

  #readMap(name: string): MapData {
    const sm = this.#script.resources.maps.find((m) => m.name === name)!;
    return readScriptMap(sm, this.#coll.map(sm.bpfName), possibleCpus().length, this.#decodeOptions);
  }

  /**
   * Resolves once the deferred-read slot pools are initialised (or the warm-up's time budget ran out): await it
   * before starting a traced command, so its first reads find slots ready. Immediate when nothing is deferred.
   */
  get deferredReadsReady(): Promise<void> {
    return this.#warming;
  }

  /** Events as they arrive; ends after stop(). */
  async *events(): AsyncGenerator<SessionEvent> {
    for (;;) {
      const ev = this.#queue.shift();
      if (ev) {
        yield ev;
        continue;
      }
      if (this.#abort.signal.aborted && !this.#running) return;
      // The timer goes once woken: a pending 50 ms timer kept Node alive that long after the last event.
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((r) => {
        this.#wake = r;
        timer = setTimeout(r, 50);
      });
      clearTimeout(timer);
      this.#wake = null;
      if (this.#abort.signal.aborted && this.#queue.length === 0 && this.#stopped) return;
    }
  }

  #stopped = false;

  /** Resolves when exit() was called by the script. */
  get exitRequested(): boolean {
    return this.#exitCode !== null;
  }

  /** The abort signal that fires when the script calls exit(). */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /**
   * Stops tracing: detaches every probe, runs end probes, delivers the last records, and returns the final
   * values of every map plus the totals.
   */
  async stop(): Promise<{ maps: MapData[]; summary: SessionSummary }> {
    this.#warmAbort.abort();
    await this.#warming;
    for (const l of this.#links.splice(0)) l.close();
    const res = this.#script.resources;
    for (const p of res.programs) {
      if (p.probe.kind === 'end') progTestRun(this.#coll.program(p.name).fd.raw);
    }
    await settleDeferredReads(this.#coll, res);
    this.#abort.abort();
    await this.#running;
    this.#running = null;
    this.#reader.drain((view, offset, length) => this.#onRecord(view, offset, length));
    this.#stopped = true;
    this.#wake?.();
    const maps = res.maps.map((m) => this.#readMap(m.name));
    const lost = sumPerCpuCounter(this.#coll.map(res.dropsMap));
    const deferredReads = deferredReadStats(this.#coll, res);
    return { maps, summary: { lost, exitCode: this.#exitCode, reads: { ...this.reads }, ...(deferredReads ? { deferredReads } : {}) } };
  }

  /** Releases every kernel object of the session. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    this.#warmAbort.abort();
    for (const l of this.#links.splice(0)) l.close();
    this.#reader.close();
    this.#coll.close();
    // Closed without stop(): events() must still end once its queue is empty, or it would poll forever.
    this.#stopped = true;
    this.#wake?.();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Runs a system() command (only with --unsafe). */
  runSystem(command: string): string {
    if (!this.#options.unsafe) return '';
    try {
      return childProcess().execSync(command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    } catch (e) {
      return (e as { stdout?: string }).stdout ?? '';
    }
  }
}

const joinDecoder = new TextDecoder('utf-8');
/** printf options with and without provenance marks, shared by every event. */
const MARKED = { markRead: (text: string, arg: DecodedArg) => markRead(text, arg) }, UNMARKED = {};

/** The first `max` bytes of a file for cat(), or the errno that kept it from being read. */
function readCat(path: string, max: number): string | { errno: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return { errno: -((e as { errno?: number }).errno ?? -2) };
  }
  try {
    const buf = Buffer.alloc(Math.max(0, max));
    let n = 0;
    // /proc files come in pieces: read until the limit or the end of the file.
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    return buf.subarray(0, n).toString('utf8');
  } catch (e) {
    return { errno: -((e as { errno?: number }).errno ?? -5) };
  } finally {
    closeSync(fd);
  }
}

/**
 * The documented provenance markers of text output: a value recovered at syscall exit gets a `~` suffix, one
 * read later by a bpf_wq callback (after the call returned) `~~`, the kernel's path of the descriptor an open
 * call returned (standing in for a lost path read) `~fd`; a lost value prints as `<lost:ERRNO>`
 * instead of an empty string or zero.
 */
export function markRead(text: string, arg: DecodedArg): string {
  if (arg.provenance === 'lost') return `<lost:${errnoName(arg.lost?.errno ?? 0)}>`;
  if (arg.provenance === 'exit') return `${text}~`;
  if (arg.provenance === 'deferred') return `${text}~~`;
  if (arg.provenance === 'kernel') return `${text}~fd`;
  return text;
}

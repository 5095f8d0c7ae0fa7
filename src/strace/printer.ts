/**
 * Turning records into strace's lines: entry and exit joined into one line, `<unfinished ...>` and
 * `<... NAME resumed>` when other threads' calls come in between, `[pid N]` prefixes with -f, timestamps,
 * -T durations, `+++ exited with N +++`, and one JSON object per call with --json.
 */
import { jsonString } from '../output/escape.js';
import { callErrno, type DecodeOptions, decodeArgs, type DecodedArg, formatReturn } from './decode.js';
import { callFromEnter, completeCall, type SyscallCall, type TraceRecord } from './events.js';
import type { StatusFilter } from './filter.js';
import { SYSCALL_SPECS, type SyscallSpec } from './syscalls.js';

/** Options of the printer (strace's flags). */
export interface PrinterOptions extends DecodeOptions {
  follow: boolean;
  /** With -f to a file, strace prefixes `PID `; to a terminal, `[pid N] ` once there are several tracees. */
  pidStyle: 'bracket' | 'plain';
  timestamps: 'none' | 't' | 'tt' | 'ttt' | 'r';
  syscallTimes: boolean;
  json: boolean;
  /** Syscalls to print (undefined: all). */
  trace?: ReadonlySet<number>;
  status?: StatusFilter;
  /** CLOCK_MONOTONIC ns → Unix epoch ns (for -t/-tt/-ttt). */
  monoToEpochNs: bigint;
}

interface Pending {
  call: SyscallCall;
  spec: SyscallSpec;
  unfinished: boolean;
}

function unknownSpec(nr: number): SyscallSpec {
  return {
    nr, name: `syscall_0x${nr.toString(16)}`, args: null, ret: 'int',
    decode: Array.from({ length: 6 }, (_, i) => ({ name: `arg${i}`, kind: 'hex' as const })),
  };
}

/** The strace-compatible printer; `write` receives whole lines. */
export class TracePrinter {
  readonly #pending = new Map<number, Pending>();
  readonly #seen = new Set<number>();
  #lastNs: bigint | null = null;
  /** Calls printed. */
  printed = 0;

  constructor(readonly o: PrinterOptions, readonly write: (line: string) => void) {}

  /** Handles one record in ring-buffer order. */
  onRecord(r: TraceRecord): void {
    this.#seen.add(r.tid);
    if (r.kind === 'enter') {
      this.#interrupt(r.tid);
      const spec = SYSCALL_SPECS.get(r.nr) ?? unknownSpec(r.nr);
      const call = callFromEnter(r);
      const p = { call, spec, unfinished: false };
      this.#pending.set(r.tid, p);
      // Calls that never return: print now (strace prints `exit_group(0) = ?` at once).
      if (spec.ret === 'none') {
        this.#pending.delete(r.tid);
        this.#emit(p, 'whole');
        if (spec.name === 'exit' || spec.name === 'exit_group') {
          // The root command's status comes from its parent's wait; other tracees' from the call.
          if (this.o.exec?.tgid !== r.tgid || r.tid !== r.tgid) this.exited(r.tid, Number(BigInt.asIntN(32, r.args[0] ?? 0n)));
        }
      }
      return;
    }
    const p = this.#pending.get(r.tid);
    if (!p || p.call.nr !== r.nr) return; // the exit of a call begun before tracing (or a new task's clone)
    this.#pending.delete(r.tid);
    completeCall(p.call, r);
    if (p.unfinished) this.#interrupt(r.tid);
    this.#emit(p, p.unfinished ? 'resumed' : 'whole');
  }

  /** The tracee `tid` is gone: calls it left pending print as `= ?`, then strace's exit line. */
  exited(tid: number, status: number, signal?: string): void {
    const p = this.#pending.get(tid);
    if (p) {
      this.#pending.delete(tid);
      this.#emit(p, p.unfinished ? 'resumed' : 'whole');
    }
    if (this.o.json) return;
    const text = signal ? `+++ killed by ${signal} +++` : `+++ exited with ${status} +++`;
    this.write(`${this.#prefix(tid)}${text}\n`);
  }

  /** Flushes every pending call as unfinished (at the end of tracing). */
  flush(): void {
    for (const tid of [...this.#pending.keys()]) this.#interrupt(-1, tid);
  }

  #interrupt(except: number, only?: number): void {
    for (const [tid, p] of this.#pending) {
      if (tid === except || p.unfinished || (only !== undefined && tid !== only)) continue;
      p.unfinished = true;
      this.#emit(p, 'unfinished');
    }
  }

  #wanted(p: Pending): boolean {
    if (this.o.trace && !this.o.trace.has(p.call.nr)) return false;
    const st = this.o.status;
    if (!st) return true;
    if (!p.call.exit) return p.spec.ret === 'none' ? st.successful || st.unfinished : st.unfinished;
    return callErrno(p.call) === undefined ? st.successful : st.failed;
  }

  #prefix(tid: number): string {
    if (!this.o.follow) return '';
    if (this.o.pidStyle === 'plain') return `${tid} `;
    return this.#seen.size > 1 ? `[pid ${String(tid).padStart(5)}] ` : '';
  }

  #stamp(ns: bigint): string {
    switch (this.o.timestamps) {
      case 'none': return '';
      case 'r': {
        const d = this.#lastNs === null ? 0n : ns - this.#lastNs;
        this.#lastNs = ns;
        return `${String(d / 1_000_000_000n).padStart(6)}.${String((d % 1_000_000_000n) / 1000n).padStart(6, '0')} `;
      }
      default: {
        const epoch = ns + this.o.monoToEpochNs;
        const secs = epoch / 1_000_000_000n;
        const usec = String((epoch % 1_000_000_000n) / 1000n).padStart(6, '0');
        if (this.o.timestamps === 'ttt') return `${secs}.${usec} `;
        const d = new Date(Number(secs) * 1000);
        const hms = [d.getHours(), d.getMinutes(), d.getSeconds()].map((x) => String(x).padStart(2, '0')).join(':');
        return this.o.timestamps === 'tt' ? `${hms}.${usec} ` : `${hms} `;
      }
    }
  }

  #emit(p: Pending, how: 'whole' | 'unfinished' | 'resumed'): void {
    if (!this.#wanted(p) && !(how !== 'whole' && (!this.o.trace || this.o.trace.has(p.call.nr)) && !this.o.status)) return;
    const { call, spec } = p;
    const args = decodeArgs(spec, call, this.o);
    if (this.o.json) {
      if (how !== 'unfinished') this.#json(p, args);
      return;
    }
    const split = args.findIndex((a) => a.phase === 'exit');
    const before = split < 0 ? args : args.slice(0, split);
    const after = split < 0 ? [] : args.slice(split);
    const prefix = this.#prefix(call.tid) + this.#stamp(how === 'resumed' ? (call.exit?.ns ?? call.enterNs) : call.enterNs);
    const ret = spec.ret === 'none' && !call.exit ? '?' : call.exit ? formatReturn(spec, call.exit.ret) : '?';
    const dur = this.o.syscallTimes && call.exit ? ` <${formatDuration(call.exit.ns - call.enterNs)}>` : '';
    let line: string;
    if (how === 'unfinished') {
      const head = `${prefix}${spec.name}(${before.map((a) => a.text).join(', ')}${before.length && after.length ? ', ' : ''}`;
      this.write(`${head} <unfinished ...>\n`);
      return;
    }
    if (how === 'resumed') {
      line = `${prefix}<... ${spec.name} resumed>${after.map((a) => a.text).join(', ')})`;
    } else {
      line = `${prefix}${spec.name}(${args.map((a) => a.text).join(', ')})`;
    }
    line = line.length < 40 ? `${line.padEnd(40)}= ${ret}` : `${line} = ${ret}`;
    this.write(`${line}${dur}\n`);
    this.printed++;
  }

  #json(p: Pending, args: DecodedArg[]): void {
    const { call, spec } = p;
    const errno = callErrno(call);
    const fields = [
      `"pid":${call.tgid}`, `"tid":${call.tid}`, `"syscall":${jsonString(spec.name)}`, `"nr":${call.nr}`,
      `"args":[${args.map((a) => `{"name":${jsonString(a.name)},"value":${jsonString(a.text)}${a.provenance ? `,"provenance":"${a.provenance}"` : ''}}`).join(',')}]`,
      `"ret":${call.exit ? BigInt.asIntN(64, call.exit.ret).toString() : 'null'}`,
      `"return":${jsonString(call.exit ? formatReturn(spec, call.exit.ret) : '?')}`,
      ...(errno !== undefined ? [`"errno":${errno}`] : []),
      `"ts_ns":${(call.enterNs + this.o.monoToEpochNs).toString()}`,
      ...(call.exit ? [`"duration_ns":${(call.exit.ns - call.enterNs).toString()}`] : []),
    ];
    this.write(`{${fields.join(',')}}\n`);
    this.printed++;
  }
}

/** `0.000012`: seconds with microseconds, as -T prints them. */
export function formatDuration(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${String((ns % 1_000_000_000n) / 1000n).padStart(6, '0')}`;
}

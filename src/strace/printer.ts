/**
 * Turning records into strace's lines: entry and exit joined into one line, `<unfinished ...>` and
 * `<... NAME resumed>` when other threads' calls come in between, `[pid N]` prefixes with -f, timestamps,
 * -T durations, `+++ exited with N +++`, and one JSON object per call with --json.
 */
import { readFileSync } from 'node:fs';
import { jsonString } from '../output/escape.js';
import { callErrno, type DecodeOptions, decodeArgs, type DecodedArg, formatReturn } from './decode.js';
import { callFromEnter, completeCall, type SyscallCall, type TraceRecord } from './events.js';
import type { StatusFilter } from './filter.js';
import { FD_RETURNING, type FdTable } from './fds.js';
import { escapeBytes } from './quote.js';
import { fatalByDefault, formatSiginfo, formatSignal, SIGNAL_NUMBERS } from './signals.js';
import type { SyscallTotals } from './summary.js';
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
  /** -y/-yy: descriptors print with what they refer to. */
  fds?: FdTable;
  /** -a: every line starts with the thread's pid and comm. */
  all?: boolean;
  /** -C: per-syscall totals of the printed calls, for the table at the end. */
  totals?: Map<string, SyscallTotals>;
  /** --marks: values re-read at the syscall's exit (their entry read failed) end with `~` in text lines. */
  marks?: boolean;
  /** -e signal=: the signals whose `---` and `+++ killed by` lines print (undefined: all). */
  signals?: ReadonlySet<number>;
  /** -e quiet=exit (-qq): no `+++ exited with N +++` lines. */
  quietExit?: boolean;
}

/** User-memory values of the printed calls, by how they were obtained (the summary at the end). */
export interface ReadCounts {
  exact: number;
  exit: number;
  lost: number;
}

/**
 * What a lost value prints after its address in text lines: strace prints an address for memory it cannot
 * read, which here would pass for a bad pointer; the comment says siesta could not read it (the page was not
 * resident at entry nor at exit). Always shown: a lost value is never printed as if it were real.
 */
export const LOST_MARK = ' /* lost */';
/** What `--marks` appends to a value re-read at the syscall's exit, as script mode's marks do. */
export const EXIT_MARK = '~';

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
  /** Processes that called exit_group: the SIGKILL their other threads then get is not a kill. */
  readonly #exiting = new Set<number>();
  /** Tracees whose end was printed (`+++ killed by ... +++` from a signal record). */
  readonly #ended = new Set<number>();
  /** The last signal sent to each traced thread: what a SIGKILL that ends a group exit really was. */
  readonly #generated = new Map<number, TraceRecord>();
  /**
   * Calls that returned -ERESTART*, held until the thread's next record: when that is a kill, the call never
   * returned for strace either (`<unfinished ...>) = ?`), otherwise it prints as usual.
   */
  readonly #held = new Map<number, Pending>();
  /** -a: the comm of each thread, from its last exit record. */
  readonly #comms = new Map<number, string>();
  #lastNs: bigint | null = null;
  /** Calls printed. */
  printed = 0;
  /** User-memory values of the calls printed, by provenance. */
  readonly reads: ReadCounts = { exact: 0, exit: 0, lost: 0 };

  constructor(readonly o: PrinterOptions, readonly write: (line: string) => void) {}

  /** Handles one record in ring-buffer order. */
  onRecord(r: TraceRecord): void {
    this.#seen.add(r.tid);
    if (r.comm !== undefined) this.#comms.set(r.tid, r.comm);
    if (r.kind === 'generate') {
      this.#generated.set(r.tid, r);
      return;
    }
    const held = this.#held.get(r.tid);
    if (held) {
      this.#held.delete(r.tid);
      if (this.#groupKill(r) !== 9) this.#emit(held, held.unfinished ? 'resumed' : 'whole');
      else this.#pending.set(r.tid, held);
    }
    if (r.kind === 'signal') {
      this.#signal(r);
      return;
    }
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
        if (spec.name === 'exit_group') this.#exiting.add(r.tgid);
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
    const ret = BigInt.asIntN(64, r.args[0] ?? 0n);
    if (ret <= -512n && ret >= -516n) {
      this.#held.set(r.tid, p);
      return;
    }
    if (p.unfinished) this.#interrupt(r.tid);
    this.#emit(p, p.unfinished ? 'resumed' : 'whole');
  }

  /**
   * A signal delivered to `r.tid`: `--- SIGCHLD {si_signo=SIGCHLD, ...} ---`, and when its default action
   * kills the process, its calls left pending (`<unfinished ...>) = ?`) and `+++ killed by SIG +++`. SIGKILL
   * has no siginfo (the kernel turns a group exit into it) and prints no `---` line, as with strace.
   */
  #signal(r: TraceRecord): void {
    let sig = r.nr;
    const handler = r.args[0] ?? 0n;
    let info = r.args[1] !== 0n && r.buf && r.buf.result >= 48 ? r.buf.bytes : null;
    if (!info && sig === 9) {
      if (this.#exiting.has(r.tgid) || this.#ended.has(r.tgid)) return;
      // A group exit: show the signal that caused it, with what its sender left (pid, uid, si_code).
      const g = this.#generated.get(r.tgid) ?? this.#generated.get(r.tid);
      if (g && this.#groupKill(r) !== 9) {
        sig = g.nr;
        info = new Uint8Array(48);
        const v = new DataView(info.buffer);
        const code = Number(BigInt.asIntN(32, g.args[0] ?? 0n));
        v.setInt32(0, sig, true);
        v.setInt32(8, code, true);
        if (code <= 0) {
          v.setInt32(16, Number((g.args[1] ?? 0n) >> 32n), true);
          v.setUint32(20, Number((g.args[2] ?? 0n) & 0xffffffffn), true);
        }
      }
    }
    const name = formatSignal(sig);
    if (info && (!this.o.signals || this.o.signals.has(sig))) {
      this.#interrupt(r.tid);
      if (this.o.json) {
        this.write(`{"pid":${r.tgid},"tid":${r.tid},"signal":${jsonString(name)},"siginfo":${jsonString(formatSiginfo(info))},"ts_ns":${(r.ns + this.o.monoToEpochNs).toString()}}\n`);
      } else {
        this.write(`${this.#prefix(r.tid)}${this.#stamp(r.ns)}--- ${name} ${formatSiginfo(info)} ---\n`);
      }
    }
    if (handler === 0n && fatalByDefault(sig)) this.#killed(r.tid, r.tgid, sig);
  }

  /**
   * For the SIGKILL that ends a process (not the one exit_group sends to its other threads): the signal that
   * killed it, which is another one when its default action was turned into a group exit; else undefined.
   */
  #groupKill(r: TraceRecord): number | undefined {
    if (r.kind !== 'signal' || r.nr !== 9 || r.args[1] !== 0n || this.#exiting.has(r.tgid)) return undefined;
    const g = this.#generated.get(r.tgid) ?? this.#generated.get(r.tid);
    return g && g.nr !== 9 && fatalByDefault(g.nr) ? g.nr : 9;
  }

  #killed(tid: number, tgid: number, sig: number): void {
    for (const [t, p] of this.#pending) {
      if (p.call.tgid !== tgid) continue;
      this.#pending.delete(t);
      this.#emit(p, 'killed');
    }
    this.#ended.add(tid);
    if (!this.o.json && (!this.o.signals || this.o.signals.has(sig))) this.write(`${this.#prefix(tid)}+++ killed by ${formatSignal(sig)} +++\n`);
  }

  /** The tracee `tid` is gone: calls it left pending print as `= ?`, then strace's exit line. */
  exited(tid: number, status: number, signal?: string): void {
    this.#release(tid);
    if (this.#ended.has(tid)) return;
    if (signal) {
      this.#killed(tid, tid, SIGNAL_NUMBERS.get(signal) ?? 0);
      return;
    }
    const p = this.#pending.get(tid);
    if (p) {
      this.#pending.delete(tid);
      this.#emit(p, p.unfinished ? 'resumed' : 'whole');
    }
    if (this.o.json || this.o.quietExit) return;
    this.write(`${this.#prefix(tid)}+++ exited with ${status} +++\n`);
  }

  /** Flushes every pending call as unfinished (at the end of tracing). */
  flush(): void {
    for (const tid of [...this.#held.keys()]) this.#release(tid);
    for (const tid of [...this.#pending.keys()]) this.#interrupt(-1, tid);
  }

  #release(tid: number): void {
    const held = this.#held.get(tid);
    if (!held) return;
    this.#held.delete(tid);
    this.#emit(held, held.unfinished ? 'resumed' : 'whole');
  }

  #interrupt(except: number, only?: number): void {
    if (this.#pending.size === 0) return;
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
    if (this.o.all) return `[pid ${String(tid).padStart(5)} ${escapeBytes(new TextEncoder().encode(this.#comm(tid)))}] `;
    if (!this.o.follow) return '';
    if (this.o.pidStyle === 'plain') return `${tid} `;
    return this.#seen.size > 1 ? `[pid ${String(tid).padStart(5)}] ` : '';
  }

  #comm(tid: number): string {
    let c = this.#comms.get(tid);
    if (c === undefined) {
      try {
        c = readFileSync(`/proc/${tid}/comm`, 'latin1').trimEnd();
      } catch {
        c = '?';
      }
      this.#comms.set(tid, c);
    }
    return c;
  }

  /** -y: `3</path>` for descriptor arguments, `AT_FDCWD</cwd>` for directory ones. */
  #decorate(spec: SyscallSpec, call: SyscallCall, args: DecodedArg[]): DecodedArg[] {
    const fds = this.o.fds!;
    return args.map((a) => {
      const kind = spec.decode.find((d) => d.name === a.name)?.kind;
      if (kind !== 'fd' && kind !== 'dirfd') return a;
      if (a.text === 'AT_FDCWD') return { ...a, text: fds.decorateCwd(call.tgid, a.text) };
      const fd = /^\d+$/.test(a.text) ? Number(a.text) : -1;
      return fd < 0 ? a : { ...a, text: fds.decorate(call.tgid, fd, a.text) };
    });
  }

  #count(p: Pending): void {
    const { call, spec } = p;
    if (!this.o.totals || !call.exit) return;
    let t = this.o.totals.get(spec.name);
    if (!t) this.o.totals.set(spec.name, (t = { name: spec.name, calls: 0, errors: 0, ns: 0n }));
    t.calls++;
    if (callErrno(call) !== undefined) t.errors++;
    t.ns += call.exit.ns - call.enterNs;
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

  #emit(p: Pending, how: 'whole' | 'unfinished' | 'resumed' | 'killed'): void {
    if (!this.#wanted(p) && !(how !== 'whole' && (!this.o.trace || this.o.trace.has(p.call.nr)) && !this.o.status)) return;
    const { call, spec } = p;
    if (how === 'whole' || how === 'resumed') this.#count(p);
    let args = decodeArgs(spec, call, this.o);
    const fds = this.o.fds;
    if (fds) args = this.#decorate(spec, call, args);
    const newFd = fds && call.exit && how !== 'killed' && FD_RETURNING.has(spec.name);
    if (newFd) fds.update(call.tgid, spec.name, call.args, pathOf(call), BigInt.asIntN(64, call.exit!.ret));
    if (how !== 'unfinished') this.#countReads(args);
    if (this.o.json) {
      if (how !== 'unfinished') this.#json(p, args);
      return;
    }
    args = this.#marked(args, call);
    let split = args.length;
    for (let k = 0; k < args.length; k++) {
      if (args[k]!.phase === 'exit') {
        split = k;
        break;
      }
    }
    const prefix = this.#prefix(call.tid) + this.#stamp(how === 'resumed' ? (call.exit?.ns ?? call.enterNs) : call.enterNs);
    let ret = how === 'killed' || !call.exit ? '?' : formatReturn(spec, call.exit.ret, call);
    if (newFd && /^\d+$/.test(ret)) ret = fds.decorate(call.tgid, Number(ret), ret);
    const dur = this.o.syscallTimes && call.exit ? ` <${formatDuration(call.exit.ns - call.enterNs)}>` : '';
    let line: string;
    if (how === 'unfinished') {
      const head = `${prefix}${spec.name}(${texts(args, 0, split)}${split > 0 && split < args.length ? ', ' : ''}`;
      this.write(`${head} <unfinished ...>\n`);
      return;
    }
    if (how === 'killed') {
      // strace: the call never returned; arguments it decodes at exit are left out (`<unfinished ...>`).
      line = p.unfinished
        ? `${prefix}<... ${spec.name} resumed> <unfinished ...>)`
        : split < args.length
          ? `${prefix}${spec.name}(${texts(args, 0, split)}${split > 0 ? ', ' : ''} <unfinished ...>)`
          : `${prefix}${spec.name}(${texts(args, 0, args.length)})`;
    } else if (how === 'resumed') {
      line = `${prefix}<... ${spec.name} resumed>${texts(args, split, args.length)})`;
    } else {
      line = `${prefix}${spec.name}(${texts(args, 0, args.length)})`;
    }
    line = line.length < 40 ? `${line}${PAD.slice(line.length)}= ${ret}` : `${line} = ${ret}`;
    this.write(dur ? `${line}${dur}\n` : `${line}\n`);
    if (fds && !newFd && call.exit && how !== 'killed') fds.update(call.tgid, spec.name, call.args, undefined, BigInt.asIntN(64, call.exit.ret));
    this.printed++;
  }

  #countReads(args: readonly DecodedArg[]): void {
    for (const a of args) {
      const pr = a.provenance;
      if (pr === 'exact') this.reads.exact++;
      else if (pr === 'lost') this.reads.lost++;
      else if (pr !== undefined) this.reads.exit++;
    }
  }

  /**
   * Texts with their provenance shown: a lost value's address gets LOST_MARK, unless the call itself failed
   * with EFAULT (the kernel could not read it either, and strace prints the same address); with --marks, a
   * value re-read at exit gets EXIT_MARK. Exact values print as strace prints them.
   */
  #marked(args: DecodedArg[], call: SyscallCall): DecodedArg[] {
    let out: DecodedArg[] | null = null;
    for (let k = 0; k < args.length; k++) {
      const a = args[k]!;
      let mark = '';
      if (a.provenance === 'lost' && callErrno(call) !== EFAULT) mark = LOST_MARK;
      else if (a.provenance === 'exit' && this.o.marks) mark = EXIT_MARK;
      if (!mark) continue;
      out ??= args.slice();
      out[k] = { ...a, text: a.text + mark };
    }
    return out ?? args;
  }

  #json(p: Pending, args: DecodedArg[]): void {
    const { call, spec } = p;
    const errno = callErrno(call);
    const fields = [
      `"pid":${call.tgid}`, `"tid":${call.tid}`, `"syscall":${jsonString(spec.name)}`, `"nr":${call.nr}`,
      `"args":[${args.map((a) => `{"name":${jsonString(a.name)},"value":${jsonString(a.text)}${a.provenance ? `,"provenance":"${a.provenance}"` : ''}}`).join(',')}]`,
      `"ret":${call.exit ? BigInt.asIntN(64, call.exit.ret).toString() : 'null'}`,
      `"return":${jsonString(call.exit ? formatReturn(spec, call.exit.ret, call) : '?')}`,
      ...(errno !== undefined ? [`"errno":${errno}`] : []),
      `"ts_ns":${(call.enterNs + this.o.monoToEpochNs).toString()}`,
      ...(call.exit ? [`"duration_ns":${(call.exit.ns - call.enterNs).toString()}`] : []),
    ];
    this.write(`{${fields.join(',')}}\n`);
    this.printed++;
  }
}

const EFAULT = 14;

/** The end-of-trace line on stderr when some user-memory value was not read exactly (null when all were). */
export function readsSummary(r: ReadCounts): string | null {
  if (r.exit === 0 && r.lost === 0) return null;
  return `siesta trace: user-memory reads: ${r.exact} exact, ${r.exit} recovered at syscall exit, ${r.lost} lost\n`;
}

/** Forty spaces: strace pads a call to column 40 before its ` = `. */
const PAD = ' '.repeat(40);

/** The texts of `args[from..to)` joined with `, ` (a loop: this runs for every line printed). */
function texts(args: readonly DecodedArg[], from: number, to: number): string {
  if (from >= to) return '';
  let out = args[from]!.text;
  for (let k = from + 1; k < to; k++) out += `, ${args[k]!.text}`;
  return out;
}

/** The first string argument's text up to its NUL (for -y: the path a new descriptor refers to). */
function pathOf(call: SyscallCall): string | undefined {
  const c = call.str[0];
  return c ? new TextDecoder().decode(c.bytes).replace(/\0.*$/s, '') : undefined;
}

/** `0.000012`: seconds with microseconds, as -T prints them. */
export function formatDuration(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${String((ns % 1_000_000_000n) / 1000n).padStart(6, '0')}`;
}

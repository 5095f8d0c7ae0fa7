/**
 * The `trace` mode: load and attach the programs, start the command stopped until they are attached (or
 * follow `-p` pids), print its calls as strace does, and return its exit status.
 */
import type { ChildProcess } from 'node:child_process';
import { childProcess } from '../util/lazy-builtins.js';
import { accessSync, constants as fsConstants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { attachRawTracepoint, attachTracepoint, type Link } from '../attach/index.js';
import { type Collection, loadCollection } from '../loader/index.js';
import { RingBufferReader, sumPerCpuCounter } from '../runtime/ringbuf.js';
import { type ExactChild, startExact } from '../capture/exact.js';
import { blockingStdio } from '../sys/index.js';
import { decodeRecord } from './events.js';
import { type FdDetail, FdTable } from './fds.js';
import type { StatusFilter } from './filter.js';
import { readsSummary, TracePrinter } from './printer.js';
import { SIGNAL_NUMBERS } from './signals.js';
import type { HexMode } from './quote.js';
import { formatSummary, type SyscallTotals, sumCounts } from './summary.js';
import { encodeCaptureSpec, iovChunkFor, traceCollection } from './program.js';
import { captureSpec, entryReads, SYSCALL_SLOTS, SYSCALL_SPECS } from './syscalls.js';

/**
 * The ring buffer: 64 MiB holds about 600,000 records of the usual size (an openat entry is about 110 bytes
 * with the ring's header, an exit 96), so a tracee looping on syscalls faster than Node can print them loses
 * nothing for its first ~300,000 calls. The memory is only touched as records are written.
 */
const RING_SIZE = 64 << 20;

const PERL = '/usr/bin/perl';
/** Waits for the line on fd 3, closes it, then execs ARGV[0] with argv ARGV[1..] (so argv[0] is as typed). */
const PERL_STUB = 'open(my $f, "<&=", 3) or die; <$f>; close $f; my $p = shift @ARGV; exec { $p } @ARGV; exit 127;';

/** Options of `siesta trace`. */
export interface TraceOptions {
  command?: readonly string[];
  pids?: readonly number[];
  follow: boolean;
  summary: boolean;
  strsize: number;
  hex: HexMode;
  timestamps: 'none' | 't' | 'tt' | 'ttt' | 'r';
  syscallTimes: boolean;
  json: boolean;
  trace?: ReadonlySet<number>;
  status?: StatusFilter;
  /** -y (`path`), -yy (`full`). */
  fds?: FdDetail;
  /** -C: lines, then the -c table (counted from the lines' calls). */
  summaryToo?: boolean;
  /**
   * -w: the -c table sums wall time from entry to exit. siesta's kernel times are always that (the kernel
   * programs see the entry and exit instants, not the thread's CPU time), so -w changes nothing but is accepted.
   */
  wallTime?: boolean;
  /** -a: every process on the machine but siesta, each line with pid and comm. */
  all?: boolean;
  /** -v: structures whole. */
  verbose?: boolean;
  /**
   * --exact: the command runs under a seccomp supervisor that reads (faults in) the memory each traced call
   * reads at entry while the caller waits, so the entry reads find resident pages. Only for a command siesta
   * starts.
   */
  exact?: boolean;
  /** --marks: text lines end values re-read at the syscall's exit with `~`. */
  marks?: boolean;
  /** -e signal=SET: the signals whose lines print. */
  signals?: ReadonlySet<number>;
  /** -e quiet=exit, -qq: no `+++ exited with N +++`. */
  quietExit?: boolean;
  /** Where trace lines go (strace writes them to stderr unless -o). */
  write: (s: string) => void;
  /** True when writing to a file (-f then prefixes `PID ` as strace does). */
  toFile: boolean;
  /** Resolves when tracing should stop early (Ctrl-C). */
  interrupted?: Promise<void>;
  /** Called once the programs are attached (tests, benchmarks). */
  onAttached?: () => void;
}

/** A failure a user caused (a command that cannot run, a missing pid): message and exit code, strace-style. */
export class TraceError extends Error {
  override readonly name = 'TraceError';
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** Finds `name` as execvp would (strace resolves the path itself and execs it once). */
export function resolveCommand(name: string, path = process.env.PATH ?? '/usr/bin:/bin'): string {
  const executable = (p: string) => {
    try {
      return statSync(p).isFile() && (accessSync(p, fsConstants.X_OK), true);
    } catch {
      return false;
    }
  };
  if (name.includes('/')) {
    if (!existsSync(name)) throw new TraceError(`Can't stat '${name}': No such file or directory`);
    if (!executable(name)) throw new TraceError(`Can't execute '${name}': Permission denied`);
    return name;
  }
  for (const dir of path.split(delimiter)) {
    const p = join(dir || '.', name);
    if (executable(p)) return p;
  }
  throw new TraceError(`Can't stat '${name}': No such file or directory`);
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** Threads of process `pid` (with -f), or just `pid`. */
function tidsOf(pid: number, follow: boolean): number[] {
  if (!existsSync(`/proc/${pid}`)) throw new TraceError(`-p ${pid}: No such process`);
  if (!follow) return [pid];
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [pid];
  }
}

/** Runs `siesta trace`; resolves to the traced command's exit status (128+N when killed by signal N). */
export async function runTrace(o: TraceOptions): Promise<number> {
  if (!o.command?.length && !o.pids?.length && !o.all) throw new TraceError('must have PROG [ARGS] or -p PID', 1);
  if (o.exact && !o.command?.length) throw new TraceError(EXACT_NEEDS_COMMAND, 1);
  const path = o.command?.length ? resolveCommand(o.command[0]!) : undefined;
  const pidTids = (o.pids ?? []).flatMap((p) => tidsOf(p, o.follow));
  const bufSize = Math.min(4096, Math.max(256, Math.ceil((o.strsize + 1) / 8) * 8));
  const links: Link[] = [];
  let coll: Collection | undefined;
  let reader: RingBufferReader | undefined;
  let child: ChildProcess | undefined;
  let exact: ExactChild | undefined;
  try {
    coll = loadCollection(traceCollection({ summary: o.summary, follow: o.follow, bufSize, iovChunk: iovChunkFor(o.strsize), ringSize: RING_SIZE, ...(o.all ? { all: process.pid } : {}) }));
    if (!o.summary) {
      const sysinfo = coll.map('sysinfo');
      for (const spec of SYSCALL_SPECS.values()) if (spec.nr < SYSCALL_SLOTS) sysinfo.update(u32(spec.nr), encodeCaptureSpec(captureSpec(spec)));
      reader = new RingBufferReader(coll.map('events'));
    }
    const pids = coll.map('pids');
    for (const tid of pidTids) pids.update(u32(tid), u32(2));
    links.push(attachTracepoint(coll.program('sys_enter'), 'raw_syscalls', 'sys_enter'));
    links.push(attachTracepoint(coll.program('sys_exit'), 'raw_syscalls', 'sys_exit'));
    if (!o.summary) {
      links.push(attachRawTracepoint(coll.program('signal'), 'signal_deliver'));
      if (!o.all) links.push(attachTracepoint(coll.program('generate'), 'signal', 'signal_generate'));
    }
    if (o.follow && !o.all) links.push(attachTracepoint(coll.program('fork'), 'sched', 'sched_process_fork'));

    const env = { ...process.env };
    // The environment as the command gets it (execve's envp, in order): printed whole with -v.
    const envp = Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
    let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
    if (path && o.exact && !o.summary) {
      // The stub installs the filter, then waits on fd 3 like the perl one; it execs argv[0] as typed.
      const { trapped, iovecs } = entryReads(o.trace);
      exact = await startExact(o.command!, trapped, { iovecs });
      child = exact.child;
      const c = child;
      exited = new Promise((resolve) => c.on('exit', (code, signal) => resolve({ code, signal })));
      pids.update(u32(child.pid!), u32(1));
    } else if (path) {
      // The child waits on fd 3 until the probes are attached, closes it, then becomes the command (same pid):
      // its pid is armed in `pids` and becomes traced at its execve.
      blockingStdio();
      // perl (in perl-base, always there on Debian and Ubuntu) can exec with the argv[0] the user typed, as
      // strace does; sh cannot, so without perl the command gets its resolved path as argv[0].
      const argv0 = o.command![0]!;
      child = existsSync(PERL)
        ? childProcess().spawn(PERL, ['-e', PERL_STUB, path, argv0, ...o.command!.slice(1)], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'], env })
        : childProcess().spawn('/bin/sh', ['-c', 'read -r _ <&3; exec 3<&-; exec "$0" "$@"', path, ...o.command!.slice(1)], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'], env });
      const c = child;
      exited = new Promise((resolve) => c.on('exit', (code, signal) => resolve({ code, signal })));
      if (child.pid === undefined) throw new TraceError(`Can't start '${path}'`);
      pids.update(u32(child.pid), u32(1));
    }
    const monoToEpochNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
    const out = new LineBatch(o.write);
    const flushOut = (): void => out.flush();
    const totals = o.summaryToo && !o.summary ? new Map<string, SyscallTotals>() : undefined;
    const printer = new TracePrinter({
      strsize: o.strsize, hex: o.hex, follow: o.follow || (o.pids?.length ?? 0) > 1, pidStyle: o.toFile ? 'plain' : 'bracket', timestamps: o.timestamps,
      syscallTimes: o.syscallTimes, json: o.json, monoToEpochNs,
      ...(o.verbose ? { verbose: true } : {}), ...(o.marks ? { marks: true } : {}),
      ...(o.signals ? { signals: o.signals } : {}), ...(o.quietExit ? { quietExit: true } : {}), ...(o.fds ? { fds: new FdTable(o.fds) } : {}), ...(o.all ? { all: true } : {}), ...(totals ? { totals } : {}),
      ...(o.trace ? { trace: o.trace } : {}), ...(o.status ? { status: o.status } : {}),
      ...(child?.pid !== undefined ? { exec: { tgid: child.pid, argv: [exact || existsSync(PERL) ? o.command![0]! : path!, ...o.command!.slice(1)], envCount: envp.length, env: envp } } : {}),
    }, (line) => out.write(line));
    const stop = new AbortController();
    const rb = reader;
    const reading = rb ? (async () => {
      const onRecord = (view: DataView, offset: number) => printer.onRecord(decodeRecord(view, offset, bufSize, o.all));
      while (!stop.signal.aborted) {
        const n = rb.drain(onRecord);
        flushOut();
        // Behind a tracee that loops on syscalls: drain again at once rather than sleeping 10 ms.
        if (n > 0) await new Promise((r) => setImmediate(r));
        else await rb.wait(10);
      }
      rb.drain(onRecord);
    })() : undefined;
    o.onAttached?.();
    if (exact) exact.release();
    else (child?.stdio[3] as NodeJS.WritableStream | undefined)?.end('\n');

    let status = 0;
    let signal: string | undefined;
    const gone = o.pids?.length ? waitForExit(o.pids, stop.signal) : undefined;
    const ended = await Promise.race([
      exited?.then((r) => ({ kind: 'exit' as const, ...r })),
      gone?.then(() => ({ kind: 'gone' as const, code: 0, signal: null })),
      o.interrupted?.then(() => ({ kind: 'interrupted' as const, code: 0, signal: null })),
    ].filter((p) => p !== undefined));
    stop.abort();
    await reading;
    if (ended.kind === 'exit') {
      status = ended.signal ? 128 + (SIGNAL_NUMBERS.get(ended.signal) ?? 0) : (ended.code ?? 0);
      if (ended.signal) signal = ended.signal;
      if (!o.summary) printer.exited(child!.pid!, ended.code ?? 0, signal);
    } else if (!o.summary) {
      printer.flush();
    }
    flushOut();
    if (reader) {
      const lost = sumPerCpuCounter(coll.map('drops'));
      if (lost > 0n) process.stderr.write(lostReport(lost, reader.records));
    }
    // Not every value exact: say how many were recovered or lost (json: one last object in the stream).
    const reads = readsSummary(printer.reads);
    if (reads && o.json) o.write(`{"reads":${JSON.stringify(printer.reads)}}\n`);
    else if (reads) process.stderr.write(reads);
    if (o.summary) o.write(formatSummary(readCounts(coll, o.trace)));
    else if (totals) o.write(formatSummary([...totals.values()]));
    return status;
  } finally {
    for (const l of links) l.close();
    reader?.close();
    coll?.close();
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // The supervisor's loop ends with the command; it closes the listener itself.
    await exact?.supervised.catch(() => {});
  }
}

/** Why `--exact` is refused with -p and -a. */
export const EXACT_NEEDS_COMMAND = '--exact needs a command that siesta starts (siesta trace --exact -- CMD): a seccomp filter can only be installed by a process in itself before it execs, so a process already running (-p) or every process (-a) cannot be put under the supervisor without restarting it';

/**
 * Lines written once per drained batch (or every 64 KiB): one write per line costs more than decoding it. The
 * batch is an array joined once, which is three times cheaper than growing one string line by line (V8 then
 * has to flatten a rope of thousands of pieces).
 */
class LineBatch {
  #lines: string[] = [];
  #chars = 0;

  constructor(readonly sink: (s: string) => void) {}

  write(line: string): void {
    this.#lines.push(line);
    this.#chars += line.length;
    if (this.#chars > 1 << 16) this.flush();
  }

  flush(): void {
    if (!this.#lines.length) return;
    this.sink(this.#lines.join(''));
    this.#lines = [];
    this.#chars = 0;
  }
}

/** The end-of-trace warning about records the kernel could not write (strace never loses a call; siesta can). */
export function lostReport(lost: bigint, delivered: number): string {
  const total = Number(lost) + delivered;
  const pct = ((Number(lost) * 100) / total).toFixed(1);
  return `siesta trace: ${lost} of ${total} records lost (${pct}%): the ring buffer was full while the tracee made calls faster than they could be printed; calls missing their entry are not shown and calls missing their exit end with "= ?"; -c counts in the kernel and loses nothing\n`;
}

function readCounts(coll: Collection, trace: ReadonlySet<number> | undefined): SyscallTotals[] {
  const counts = coll.map('counts');
  const rows: SyscallTotals[] = [];
  for (const key of counts.keys()) {
    const nr = new DataView(key.buffer, key.byteOffset).getUint32(0, true);
    if (trace && !trace.has(nr)) continue;
    const per = counts.lookupPerCpu(key);
    if (!per) continue;
    rows.push({ name: SYSCALL_SPECS.get(nr)?.name ?? `syscall_0x${nr.toString(16)}`, ...sumCounts(per) });
  }
  return rows;
}

/** True while `pid` runs: a zombie (exited, not yet reaped by its parent) has no more calls to trace. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

async function waitForExit(pids: readonly number[], signal: AbortSignal): Promise<void> {
  while (!signal.aborted && pids.some(alive)) await new Promise((r) => setTimeout(r, 100));
}

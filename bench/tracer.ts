/**
 * A tracer (siesta's CLI, bpftrace, or bare `node -e 0` as the floor) run as a child process of the bench, with
 * what the language benchmarks read from it:
 *
 *   - the wall time from spawn() to a line on its stdout or stderr (`__BPFTRACE_NOTIFY_PROBES_ATTACHED`) or to
 *     its exit;
 *   - its peak RSS: GNU time's `%M` (the child's ru_maxrss) when /usr/bin/time exists, else VmHWM polled from
 *     /proc/PID/status every 5 ms (which can miss a peak reached in the last few ms of the process);
 *   - readiness without reading its output: BPF_ENABLE_STATS stays on until every tracepoint program that was
 *     not loaded before the spawn has run on an openat of the bench's own (stats are off again before
 *     anything is timed);
 *   - its stderr, and a stop by SIGINT (SIGKILL after a grace period), as Ctrl-C would.
 *
 * Every tracer runs in its own process group (GNU time ignores SIGINT while it waits, so the signal goes to the
 * group), and every group still alive when the bench exits is killed, so no tracer outlives the bench.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { enableStats, listObjects, type ProgInfo, uapi } from '../src/sys/index.js';

const TIME = '/usr/bin/time';

/** How peak RSS is measured: GNU time's %M, or VmHWM polled from /proc. */
export type RssMethod = 'gnu-time' | 'vmhwm-poll';

let rssMethod: RssMethod | undefined;

/** GNU time when /usr/bin/time understands `-f %M -o FILE`, else polling. Decided once. */
export function peakRssMethod(): RssMethod {
  if (rssMethod) return rssMethod;
  rssMethod = 'vmhwm-poll';
  if (existsSync(TIME)) {
    const dir = mkdtempSync(join(tmpdir(), 'siesta-bench-time-'));
    try {
      const r = spawnSync(TIME, ['-f', '%M', '-o', join(dir, 'rss'), 'true'], { stdio: 'ignore' });
      if (r.status === 0 && /^\d+\s*$/.test(readFileSync(join(dir, 'rss'), 'utf8'))) rssMethod = 'gnu-time';
    } catch {
      // Not GNU time: poll.
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rssMethod;
}

const groups = new Set<number>();
let exitHook = false;

function killGroups(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  groups.clear();
}

/** How a tracer ended. */
export interface TracerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Wall time from spawn() to the exit, ms. */
  ms: number;
  /** Peak resident set, KiB (undefined when it could not be read). */
  peakRssKiB?: number;
  stderr: string;
}

/** What to spawn. */
export interface TracerOptions {
  cmd: string;
  args: readonly string[];
  /** 'pipe' to read it (lines are matched by waitForLine), 'ignore' for /dev/null, or a file path. */
  stdout: 'pipe' | 'ignore' | { file: string };
  env?: Record<string, string>;
  /** Measure peak RSS (wraps the command in GNU time when available). */
  rss?: boolean;
  /** Record the programs loaded before the spawn, for waitUntilFiring(). */
  watchPrograms?: boolean;
}

/** A running tracer. */
export class Tracer {
  readonly child: ChildProcess;
  /** performance.now() just before spawn(). */
  readonly t0: number;
  readonly exited: Promise<TracerExit>;
  #stderr = '';
  #lines: Array<{ re: RegExp; resolve: (ms: number) => void }> = [];
  #partial = { out: '', err: '' };
  readonly #before: Set<number> | undefined;
  readonly #dir: string | undefined;

  private constructor(o: TracerOptions) {
    this.#before = o.watchPrograms ? new Set(listObjects('prog').map((p) => p.id)) : undefined;
    const method = o.rss ? peakRssMethod() : undefined;
    this.#dir = method === 'gnu-time' ? mkdtempSync(join(tmpdir(), 'siesta-bench-rss-')) : undefined;
    const rssFile = this.#dir ? join(this.#dir, 'rss') : undefined;
    const [cmd, args] = rssFile ? [TIME, ['-f', '%M', '-o', rssFile, o.cmd, ...o.args]] : [o.cmd, o.args];
    const out = typeof o.stdout === 'object' ? openSync(o.stdout.file, 'w') : o.stdout;
    const env = { ...process.env, ...o.env };
    if (!exitHook) {
      exitHook = true;
      process.on('exit', killGroups);
    }
    this.t0 = performance.now();
    try {
      this.child = spawn(cmd, args, { stdio: ['ignore', out, 'pipe'], env, detached: true });
    } finally {
      if (typeof out === 'number') closeSync(out);
    }
    const pid = this.child.pid;
    if (pid !== undefined) groups.add(pid);
    this.child.stdout?.on('data', (d: Buffer) => this.#onData('out', d));
    this.child.stderr?.on('data', (d: Buffer) => {
      this.#stderr += d.toString();
      this.#onData('err', d);
    });
    let hwm = 0;
    const poll = method === 'vmhwm-poll' && pid !== undefined
      ? setInterval(() => (hwm = Math.max(hwm, readVmHwm(pid))), 5)
      : undefined;
    if (pid !== undefined && poll) hwm = readVmHwm(pid);
    this.exited = new Promise<TracerExit>((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => {
        const ms = performance.now() - this.t0;
        if (poll) clearInterval(poll);
        if (pid !== undefined) groups.delete(pid);
        let peak: number | undefined = hwm || undefined;
        if (rssFile) {
          // GNU time prints "Command exited with non-zero status N" before the format when the child fails.
          const m = /(\d+)\s*$/.exec(safeRead(rssFile));
          peak = m ? Number(m[1]) : undefined;
        }
        if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
        resolve({ code, signal, ms, ...(peak !== undefined ? { peakRssKiB: peak } : {}), stderr: this.#stderr });
      });
    });
    // The exit is always awaited by someone; this keeps a spawn error from becoming an unhandled rejection early.
    this.exited.catch(() => undefined);
  }

  /** Spawns `o.cmd`; the clock (t0) starts just before spawn(). */
  static spawn(o: TracerOptions): Tracer {
    return new Tracer(o);
  }

  get stderr(): string {
    return this.#stderr;
  }

  #onData(which: 'out' | 'err', d: Buffer): void {
    if (this.#lines.length === 0) return;
    const text = this.#partial[which] + d.toString();
    const nl = text.lastIndexOf('\n');
    this.#partial[which] = nl < 0 ? text.slice(-4096) : text.slice(nl + 1);
    if (nl < 0) return;
    const now = performance.now() - this.t0;
    for (const line of text.slice(0, nl).split('\n')) {
      this.#lines = this.#lines.filter((w) => {
        if (!w.re.test(line)) return true;
        w.resolve(now);
        return false;
      });
    }
  }

  /**
   * Resolves with the ms from spawn to the first stdout or stderr line matching `re` (stdout must be 'pipe' to
   * be seen); rejects when the tracer exits first or after `timeoutMs`.
   */
  async waitForLine(re: RegExp, timeoutMs = 30_000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        new Promise<number>((resolve) => this.#lines.push({ re, resolve })),
        this.exited.then((e) => {
          throw new Error(`${this.child.spawnfile} exited (${e.code ?? e.signal}) before printing ${re}: ${e.stderr.trim()}`);
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no ${re} within ${timeoutMs} ms: ${this.#stderr.trim()}`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Resolves once every tracepoint program loaded since the spawn has run (needs `watchPrograms`), making an
   * openat of a missing path every 20 ms so that openat programs fire. A program that has not run a second
   * after the first did (one attached to something else) is not waited for. Resolves with the ms since spawn.
   */
  async waitUntilFiring(timeoutMs = 60_000): Promise<number> {
    const before = this.#before;
    if (!before) throw new Error('waitUntilFiring needs watchPrograms');
    const stats = enableStats();
    try {
      const deadline = performance.now() + timeoutMs;
      let firstFired: number | undefined;
      for (;;) {
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          throw new Error(`${this.child.spawnfile} exited (${this.child.exitCode ?? this.child.signalCode}) before its programs ran: ${this.#stderr.trim()}`);
        }
        try {
          closeSync(openSync('/nonexistent-siesta-bench/ready', 'r'));
        } catch {
          // ENOENT: the openat happened, which is all a tracer needs to see.
        }
        const mine = listObjects('prog').filter((p) => !before.has(p.id) && (p as ProgInfo).type === uapi.BPF_PROG_TYPE_TRACEPOINT) as ProgInfo[];
        const fired = mine.filter((p) => p.runCnt > 0n).length;
        if (fired > 0) firstFired ??= performance.now();
        if (fired > 0 && (fired === mine.length || performance.now() - firstFired! > 1000)) return performance.now() - this.t0;
        if (performance.now() > deadline) throw new Error(`${this.child.spawnfile}: no program ran within ${timeoutMs} ms: ${this.#stderr.trim()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      stats.close();
    }
  }

  /** Sends `signal` to the tracer's process group (to the tracer itself through GNU time). */
  signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // Exited meanwhile.
    }
  }

  /** The tracer's own pid: GNU time's child when wrapped (undefined once gone). */
  #tracerPid(): number | undefined {
    const pid = this.child.pid;
    if (pid === undefined || !this.#dir) return pid;
    const kids = safeRead(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/).filter(Boolean).map(Number);
    return kids[0];
  }

  /**
   * SIGINT, repeated every second (bpftrace 0.17 can miss one that lands between its exit check and its
   * epoll_wait, and then sleeps until its next event, which a count() script never sends), then after
   * `graceMs` SIGKILL to the tracer alone (so GNU time still reports its peak RSS), and to the whole group a
   * second later; resolves with the exit. `sigints` counts the SIGINTs sent; `hung` records where the tracer's
   * threads were waiting (/proc/PID/task/TID/wchan) when the grace period ran out.
   */
  async stop(graceMs = 5000): Promise<TracerExit & { sigints: number; hung?: string }> {
    this.signal('SIGINT');
    let sigints = 1;
    const again = setInterval(() => {
      sigints++;
      this.signal('SIGINT');
    }, 1000);
    let hung: string | undefined;
    let last: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      clearInterval(again);
      const pid = this.#tracerPid();
      if (pid !== undefined) {
        hung = wchans(pid);
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
      last = setTimeout(() => this.signal('SIGKILL'), 1000);
    }, graceMs);
    try {
      const e = await this.exited;
      return { ...e, sigints, ...(hung !== undefined ? { hung } : {}) };
    } finally {
      clearInterval(again);
      clearTimeout(timer);
      clearTimeout(last);
    }
  }
}

/** "tid:wchan" of every thread of `pid`, e.g. "812:do_epoll_wait 815:futex_wait_queue". */
function wchans(pid: number): string {
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return '';
  }
  return tids.map((tid) => `${tid}:${safeRead(`/proc/${pid}/task/${tid}/wchan`) || '?'}`).join(' ');
}

function readVmHwm(pid: number): number {
  const m = /^VmHWM:\s*(\d+) kB/m.exec(safeRead(`/proc/${pid}/status`));
  return m ? Number(m[1]) : 0;
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

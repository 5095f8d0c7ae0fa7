/**
 * The traced workload: bench/c/openat-loop.c, compiled with gcc at bench time into a temporary directory and
 * run as a child process, optionally pinned to one CPU with taskset. It times its own loop with
 * clock_gettime(CLOCK_MONOTONIC), so the bench measures the cost inside the traced process and nothing of
 * Node's. Also the child-process bookkeeping of the bench: every child is killed when the bench exits.
 */
import { type ChildProcess, execFileSync, spawn, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The C source, found from dist/bench/ or bench/ alike (it is not copied by tsc). */
const SOURCE = fileURLToPath(new URL('../../bench/c/openat-loop.c', import.meta.url));

/**
 * A path whose openat fails with ENOENT: one system call per iteration and no close. It is 27 bytes, so it
 * fits the openat program's 32-byte filename field.
 */
export const MISSING_PATH = '/nonexistent-siesta-bench/x';

/** The workload binary's name, which is also its comm (taskset execs it), for `/comm == "..."/` filters. */
export const WORKLOAD_COMM = 'openat-loop';

/** What the workload prints. */
export interface WorkloadResult {
  pid: number;
  /** Timed calls. */
  calls: number;
  /** Untimed calls made before the timed loop (they are traced too). */
  warmup: number;
  /** Calls that failed (all of them, with MISSING_PATH). */
  failed: number;
  nsTotal: number;
  nsPerCall: number;
}

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every child still running (SIGKILL); safe to call from an 'exit' handler. */
export function killChildren(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  children.clear();
}

/** spawn(), with the child killed if the bench exits first. */
export function spawnTracked(cmd: string, args: readonly string[], o: SpawnOptions): ChildProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killChildren);
  }
  const child = spawn(cmd, args, o);
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** The compiled workload in its temporary directory; `close()` removes the directory. */
export class Workload implements Disposable {
  readonly #dir: string;
  readonly binary: string;
  readonly #removeOnExit = (): void => this.close();

  private constructor(dir: string) {
    this.#dir = dir;
    this.binary = join(dir, WORKLOAD_COMM);
    process.on('exit', this.#removeOnExit);
  }

  /** Compiles bench/c/openat-loop.c with `gcc -O2`; throws with gcc's message when that fails. */
  static build(): Workload {
    const w = new Workload(mkdtempSync(join(tmpdir(), 'siesta-bench-')));
    try {
      execFileSync('gcc', ['-O2', '-Wall', '-o', w.binary, SOURCE], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      w.close();
      const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(`gcc could not build ${SOURCE}${stderr ? `:\n${stderr}` : ` (${String(e)})`}`);
    }
    return w;
  }

  /**
   * Runs `calls` timed openat calls on `path` (after `warmup` untimed ones), pinned to `cpu` when given, and
   * resolves with what the workload printed. `rate` paces the timed calls at that many a second (flat out when
   * absent). `onStart` gets the child's pid as soon as it is spawned.
   */
  async run(o: { calls: number; warmup: number; path?: string; cpu?: number; rate?: number; onStart?: (pid: number) => void }): Promise<WorkloadResult> {
    const args = [String(o.calls), o.path ?? MISSING_PATH, String(o.warmup), ...(o.rate ? [String(o.rate)] : [])];
    const [cmd, argv] = o.cpu === undefined ? [this.binary, args] : ['taskset', ['-c', String(o.cpu), this.binary, ...args]];
    const child = spawnTracked(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) o.onStart?.(child.pid);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c) => resolve(c));
    });
    if (code !== 0) throw new Error(`workload exited with ${code}: ${err.trim()}`);
    const j = JSON.parse(out) as Record<string, number>;
    if (child.pid !== undefined && j.pid !== child.pid) throw new Error(`workload pid ${j.pid} is not the child's ${child.pid}`);
    return {
      pid: j.pid!, calls: j.calls!, warmup: j.warmup!, failed: j.failed!, nsTotal: j.ns_total!, nsPerCall: j.ns_per_call!,
    };
  }

  close(): void {
    process.off('exit', this.#removeOnExit);
    rmSync(this.#dir, { recursive: true, force: true });
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * bpftrace as the point of comparison: the traced-process cost of
 *
 *   bpftrace -e 'tracepoint:syscalls:sys_enter_openat { printf("%d %s\n", pid, str(args.filename)); }' > /dev/null
 *
 * measured by the same workload as siesta's modes. bpftrace before 0.21 spells the field `args->filename`; the
 * spelling this bpftrace accepts is found by compiling both with `--emit-elf` (no attach).
 *
 * Its output goes to /dev/null as in the command above, so readiness cannot be read from "Attaching 1
 * probe...". Instead the bench turns on BPF_ENABLE_STATS and waits until a tracepoint program that was not
 * there before bpftrace started has run on an openat of the bench's own; stats are then turned off again
 * before anything is measured.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enableStats, listObjects, type ProgInfo, uapi } from '../src/sys/index.js';
import { spawnTracked } from './workload.js';

/** A usable bpftrace, or why there is none. */
export type BpftraceProbe =
  | { ok: true; path: string; version: string; program: string; installed: boolean }
  | { ok: false; why: string };

const program = (field: string): string =>
  `tracepoint:syscalls:sys_enter_openat { printf("%d %s\\n", pid, str(${field})); }`;

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/**
 * Finds bpftrace. When it is missing, running as root and CI is not set, tries `apt-get install -y bpftrace`
 * once (output in `logDir`/apt-get.log); a failed install is reported, never thrown.
 */
export function findBpftrace(o: { install: boolean; logDir: string }): BpftraceProbe {
  let path = which('bpftrace');
  let installed = false;
  if (!path && o.install && process.getuid?.() === 0 && !process.env['CI'] && which('apt-get')) {
    mkdirSync(o.logDir, { recursive: true });
    const log = join(o.logDir, 'apt-get.log');
    process.stdout.write(`bpftrace: not installed; trying apt-get install -y bpftrace (log: ${log}) ...\n`);
    const fd = openSync(log, 'w');
    try {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      const opts = { stdio: ['ignore', fd, fd] as ['ignore', number, number], env, timeout: 600_000 };
      let r = spawnSync('apt-get', ['install', '-y', '-qq', 'bpftrace'], opts);
      if (r.status !== 0) {
        spawnSync('apt-get', ['update', '-qq'], opts);
        r = spawnSync('apt-get', ['install', '-y', '-qq', 'bpftrace'], opts);
      }
    } finally {
      closeSync(fd);
    }
    path = which('bpftrace');
    installed = path !== null;
    if (!path) return { ok: false, why: `not installed (apt-get install failed, see ${log})` };
  }
  if (!path) return { ok: false, why: 'not installed' };
  const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), 'siesta-bench-bt-'));
  try {
    for (const field of ['args.filename', 'args->filename']) {
      const r = spawnSync(path, ['--emit-elf', join(dir, 'probe.elf'), '-e', program(field)], { stdio: 'ignore', timeout: 60_000 });
      if (r.status === 0) return { ok: true, path, version, program: program(field), installed };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { ok: false, why: `${version} compiles neither args.filename nor args->filename` };
}

/** A running bpftrace; `stop()` ends it. */
export class BpftraceSession {
  private constructor(readonly child: ChildProcess, readonly stderr: () => string) {}

  /** Starts bpftrace with stdout to /dev/null and resolves once its program has run on an openat. */
  static async start(bt: Extract<BpftraceProbe, { ok: true }>, o: { timeoutMs?: number } = {}): Promise<BpftraceSession> {
    const before = new Set(listObjects('prog').map((p) => p.id));
    const devnull = openSync('/dev/null', 'w');
    let child: ChildProcess;
    try {
      child = spawnTracked(bt.path, ['-e', bt.program], { stdio: ['ignore', devnull, 'pipe'] });
    } finally {
      closeSync(devnull);
    }
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const session = new BpftraceSession(child, () => err);
    try {
      await waitUntilFiring(child, before, o.timeoutMs ?? 60_000, () => err);
    } catch (e) {
      await session.stop();
      throw e;
    }
    return session;
  }

  /** SIGINT, then SIGKILL after two seconds; resolves when the process is gone. */
  async stop(): Promise<void> {
    const c = this.child;
    if (c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGINT');
    const timer = setTimeout(() => c.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(timer);
  }
}

async function waitUntilFiring(child: ChildProcess, before: Set<number>, timeoutMs: number, stderr: () => string): Promise<void> {
  const stats = enableStats();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`bpftrace exited (${child.exitCode ?? child.signalCode}) before attaching: ${stderr().trim()}`);
      }
      try {
        closeSync(openSync('/nonexistent-siesta-bench/ready', 'r'));
      } catch {
        // ENOENT: the openat happened, which is all bpftrace needs to see.
      }
      const fired = listObjects('prog').some((p) => {
        const info = p as ProgInfo;
        return !before.has(info.id) && info.type === uapi.BPF_PROG_TYPE_TRACEPOINT && info.runCnt > 0n;
      });
      if (fired) return;
      if (Date.now() > deadline) throw new Error(`bpftrace did not attach within ${timeoutMs} ms: ${stderr().trim()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    stats.close();
  }
}


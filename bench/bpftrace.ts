/**
 * bpftrace as the point of comparison: the traced-process cost of
 *
 *   bpftrace -e 'tracepoint:syscalls:sys_enter_openat { printf("%d %s\n", pid, str(args.filename)); }' > /dev/null
 *
 * measured by the same workload as siesta's modes. bpftrace before 0.21 spells the field `args->filename`; the
 * spelling this bpftrace accepts is found by compiling both with `--emit-elf` (no attach).
 *
 * Its output goes to /dev/null as in the command above, so readiness cannot be read from "Attaching 1
 * probe...". Instead the bench waits until its tracepoint program has run on an openat of the bench's own
 * (Tracer.waitUntilFiring, with BPF_ENABLE_STATS on only while it waits).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tracer } from './tracer.js';

/** A usable bpftrace, or why there is none. */
export type BpftraceProbe =
  | {
    ok: true; path: string; version: string; program: string; installed: boolean;
    /** How this bpftrace spells a tracepoint argument: `args.filename` (0.21+) or `args->filename`. */
    args: 'args.' | 'args->';
  }
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
      if (r.status === 0) return { ok: true, path, version, program: program(field), installed, args: field === 'args.filename' ? 'args.' : 'args->' };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { ok: false, why: `${version} compiles neither args.filename nor args->filename` };
}

/** A running bpftrace; `stop()` ends it. */
export class BpftraceSession {
  private constructor(readonly tracer: Tracer) {}

  /** Starts bpftrace with stdout to /dev/null and resolves once its program has run on an openat. */
  static async start(bt: Extract<BpftraceProbe, { ok: true }>, o: { timeoutMs?: number } = {}): Promise<BpftraceSession> {
    const tracer = Tracer.spawn({ cmd: bt.path, args: ['-e', bt.program], stdout: 'ignore', watchPrograms: true });
    try {
      await tracer.waitUntilFiring(o.timeoutMs ?? 60_000);
    } catch (e) {
      await tracer.stop(2000);
      throw e;
    }
    return new BpftraceSession(tracer);
  }

  /** SIGINT, then SIGKILL after two seconds; resolves when the process is gone. */
  async stop(): Promise<void> {
    await this.tracer.stop(2000);
  }
}

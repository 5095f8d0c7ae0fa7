/**
 * `--exact`: synchronous, exact reads of syscall arguments for commands siesta starts. A seccomp filter in the
 * command traps only the syscalls whose user arguments the script reads; for each trapped call the
 * supervisor reads the caller's argument memory with process_vm_readv while the caller sleeps, which faults
 * the pages in, then lets the call continue. The tracepoint program that runs next at the syscall's entry
 * then reads resident pages: its values are exact. Tracee memory is never written.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedProbe } from '../passes/probes.js';
import { blockingStdio, type Fd, takeFd } from '../sys/index.js';
import { childProcess, workerThreads } from '../util/lazy-builtins.js';
import type { ExactWorkerData } from './exact-worker.js';

/** x86-64 numbers of the syscalls whose entry tracepoints take user pointers (arch/x86/entry/syscalls/syscall_64.tbl). */
export const SYSCALL_NR: Readonly<Record<string, number>> = {
  read: 0, write: 1, open: 2, stat: 4, lstat: 6, poll: 7, access: 21, pipe: 22, select: 23, nanosleep: 35, connect: 42,
  sendto: 44, recvfrom: 45, sendmsg: 46, recvmsg: 47, bind: 49, execve: 59, uname: 63, truncate: 76, getcwd: 79, chdir: 80,
  rename: 82, mkdir: 83, rmdir: 84, creat: 85, link: 86, unlink: 87, symlink: 88, readlink: 89, chmod: 90, chown: 92,
  lchown: 94, statfs: 137, chroot: 161, mount: 165, umount2: 166, setxattr: 188, getxattr: 191, openat: 257, mkdirat: 258,
  mknodat: 259, fchownat: 260, newfstatat: 262, unlinkat: 263, renameat: 264, linkat: 265, symlinkat: 266, readlinkat: 267,
  fchmodat: 268, faccessat: 269, utimensat: 280, renameat2: 316, execveat: 322, statx: 332, openat2: 437, faccessat2: 439,
};

/** Bytes read at each pointer: enough to fault in a path (PATH_MAX) or any argument struct. */
const READ_BYTES = 4096;

/** The syscalls to trap for `probes`, with the indexes of their pointer arguments. */
export function trappedSyscalls(probes: readonly ResolvedProbe[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const p of probes) {
    if (p.kind !== 'tracepoint' || p.tracepoint?.category !== 'syscalls' || !p.tracepoint.event.startsWith('sys_enter_')) continue;
    const nr = SYSCALL_NR[p.tracepoint.event.slice(10)];
    if (nr === undefined) continue;
    const ptrs = (p.tracepoint.args.fields ?? []).filter((f) => f.name !== '__syscall_nr').flatMap((f, i) => (f.type.kind === 'pointer' ? [i] : []));
    if (ptrs.length) out.set(nr, ptrs);
  }
  return out;
}

/** A command started under the supervisor. */
export interface ExactChild {
  child: ChildProcess;
  /** Lets the command run (after the probes are attached). */
  release(): void;
  /** Resolves when the listener closes (every traced process has exited). */
  supervised: Promise<void>;
  /** Calls trapped and served so far. */
  served(): number;
}

function compiledPath(file: string): string {
  // Works from dist/src/capture and from the CLI bundle: find the package root, then the compiled file.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (dir !== '/' && !existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return join(dir, 'dist/src/capture', file);
}

/** What else the supervisor reads for some trapped syscalls. */
export interface ExactOptions {
  /**
   * Syscall number → [argument holding an iovec array, argument holding its count]: the data of the first
   * `IOV_READ` elements is read too (writev's buffers, which the entry probe reads through the array).
   */
  iovecs?: ReadonlyMap<number, readonly [number, number]>;
}

/** iovec elements whose data the supervisor reads (the trace programs capture the first 8). */
const IOV_READ = 8;

/** Starts `words` stopped, under a seccomp supervisor for `trapped`. */
export async function startExact(words: readonly string[], trapped: Map<number, number[]>, options: ExactOptions = {}): Promise<ExactChild> {
  blockingStdio();
  const child = childProcess().spawn(process.execPath, [compiledPath('exact-stub.js'), [...trapped.keys()].join(','), ...words], { stdio: ['inherit', 'inherit', 'inherit', 'pipe', 'pipe'] });
  const report = child.stdio[4] as NodeJS.ReadableStream;
  const line = await new Promise<string>((resolve) => {
    let text = '';
    report.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) resolve(text.trim());
    });
    report.on('end', () => resolve(text.trim()));
  });
  const fdNum = Number(line);
  if (!Number.isInteger(fdNum) || !child.pid) throw new Error(`--exact: the command could not be started (${line || 'no listener'})`);
  const listener = await takeListener(child, fdNum);
  const shared = new SharedArrayBuffer(8);
  const supervised = serve(listener, trapped, shared, child, options);
  const gate = child.stdio[3] as NodeJS.WritableStream;
  return { child, release: () => gate.end('\n'), supervised, served: () => Atomics.load(new Int32Array(shared), 1) };
}

/**
 * The listener, once the stub has installed its filter: the stub names the descriptor number first (see
 * exact-stub.ts), so the number may still be /dev/null when asked; a few milliseconds later it is the listener.
 */
async function takeListener(child: ChildProcess, fdNum: number): Promise<Fd> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('--exact: the command exited before its seccomp filter was installed');
    const fd = takeFd(child.pid!, fdNum);
    let target = '';
    try {
      target = readlinkSync(`/proc/self/fd/${fd.raw}`);
    } catch {
      // gone meanwhile: ask again
    }
    if (target === 'anon_inode:seccomp notify') return fd;
    fd.close();
    if (Date.now() > deadline) throw new Error('--exact: the command did not install its seccomp filter within 30 s');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * Runs the supervisor loop (exact-worker.ts) on a worker thread of its own, so a trapped call waits only for
 * that thread's poll → recv → process_vm_readv → send, never for this thread's event loop. Resolves once the
 * worker has stopped (the command and everything it started under the filter exited, or the command itself
 * exited: then the stop flag is set), and only then closes the listener.
 */
function serve(listener: Fd, trapped: Map<number, number[]>, shared: SharedArrayBuffer, child: ChildProcess, options: ExactOptions): Promise<void> {
  const data: ExactWorkerData = {
    fd: listener.raw, trapped: [...trapped], iovecs: [...(options.iovecs ?? [])].map(([nr, [a, c]]) => [nr, [a, c]]),
    readBytes: READ_BYTES, iovRead: IOV_READ, shared,
  };
  const stop = () => Atomics.store(new Int32Array(shared), 0, 1);
  // As before the worker: the loop ends with the command (processes it left behind under the filter then
  // see their trapped calls fail with ENOSYS once the listener is closed, rather than wait for nobody).
  if (child.exitCode !== null || child.signalCode !== null) stop();
  else child.once('exit', stop);
  return new Promise<void>((resolve, reject) => {
    const worker = new (workerThreads().Worker)(compiledPath('exact-worker.js'), { workerData: data });
    // 'exit' follows 'error' too: the listener is closed there, once the thread no longer uses it.
    worker.once('error', reject);
    worker.once('exit', () => {
      child.off('exit', stop);
      listener.close();
      resolve();
    });
  });
}

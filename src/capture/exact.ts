/**
 * `--exact`: synchronous, exact reads of syscall arguments for commands siesta starts. A seccomp filter in the
 * command traps only the syscalls whose user arguments the script reads; for each trapped call the
 * supervisor reads the caller's argument memory with process_vm_readv while the caller sleeps, which faults
 * the pages in, then lets the call continue. The tracepoint program that runs next at the syscall's entry
 * then reads resident pages: its values are exact. Tracee memory is never written.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedProbe } from '../passes/probes.js';
import { blockingStdio, continueSyscall, Epoll, type Fd, notifIdValid, readProcessMemory, receiveNotif, takeFd } from '../sys/index.js';

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

function stubPath(): string {
  // Works from dist/src/capture and from the CLI bundle: find the package root, then the compiled stub.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (dir !== '/' && !existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return join(dir, 'dist/src/capture/exact-stub.js');
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
  const child = spawn(process.execPath, [stubPath(), [...trapped.keys()].join(','), ...words], { stdio: ['inherit', 'inherit', 'inherit', 'pipe', 'pipe'] });
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
  let served = 0;
  const supervised = serve(listener, trapped, () => served++, child, options);
  const gate = child.stdio[3] as NodeJS.WritableStream;
  return { child, release: () => gate.end('\n'), supervised, served: () => served };
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

/** Reads the data of the first elements of the iovec array at `array` (count `count`) in `pid`. */
function readIovecs(pid: number, array: bigint, count: bigint): void {
  const n = Number(count > BigInt(IOV_READ) ? BigInt(IOV_READ) : count);
  if (array === 0n || n <= 0) return;
  const iov = new Uint8Array(16 * n);
  const got = readProcessMemory(pid, array, iov.length, iov);
  const v = new DataView(iov.buffer);
  for (let k = 0; k < Math.floor(Math.max(got, 0) / 16); k++) {
    const base = v.getBigUint64(16 * k, true);
    const len = v.getBigUint64(16 * k + 8, true);
    if (base !== 0n && len > 0n) readProcessMemory(pid, base, Number(len < BigInt(READ_BYTES) ? len : BigInt(READ_BYTES)));
  }
}

async function serve(listener: Fd, trapped: Map<number, number[]>, count: () => void, child: ChildProcess, options: ExactOptions): Promise<void> {
  const poll = new Epoll();
  try {
    poll.add(listener.raw);
    // Poll rather than block in NOTIF_RECV: a blocked worker thread could not be woken when the command exits.
    while (child.exitCode === null && child.signalCode === null) {
      if (!(await poll.wait(50))) continue;
      const n = receiveNotif(listener);
      if (n === 'closed') return;
      if (!n) continue;
      for (const i of trapped.get(n.nr) ?? []) {
        const address = n.args[i] ?? 0n;
        if (address !== 0n) readProcessMemory(n.pid, address, READ_BYTES);
      }
      const iov = options.iovecs?.get(n.nr);
      if (iov) readIovecs(n.pid, n.args[iov[0]] ?? 0n, n.args[iov[1]] ?? 0n);
      // The caller may have been killed while we read: answer only a notification that is still pending.
      if (notifIdValid(listener, n.id)) continueSyscall(listener, n.id);
      count();
    }
  } finally {
    poll.close();
    listener.close();
  }
}

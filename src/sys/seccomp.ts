/**
 * seccomp user notification (5.0) and the calls around it: the supervisor of `--exact` mode. A filter in the
 * traced command sends chosen syscalls to siesta, which reads the caller's memory while the caller sleeps
 * (process_vm_readv faults its pages in) and then lets the syscall continue (SECCOMP_USER_NOTIF_FLAG_CONTINUE,
 * 5.5). pidfd_getfd (5.6) takes the listener from the child.
 */
import { sys } from './backend.js';
import { SysError } from './errors.js';
import { Fd } from './fd.js';

// x86-64 syscall numbers.
const NR_prctl = 157, NR_seccomp = 317, NR_pidfd_open = 434, NR_pidfd_getfd = 438, NR_process_vm_readv = 310, NR_ioctl = 16;
const PR_SET_NO_NEW_PRIVS = 38;
const NR_fcntl = 72, F_SETFD = 2, NR_dup3 = 292, O_CLOEXEC = 0o2000000, NR_close = 3;
const SECCOMP_SET_MODE_FILTER = 1, SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;
const SECCOMP_RET_ALLOW = 0x7fff0000, SECCOMP_RET_USER_NOTIF = 0x7fc00000;
const AUDIT_ARCH_X86_64 = 0xc000003e;
/** ioctls: _IOWR('!', 0, struct seccomp_notif), _IOWR('!', 1, struct seccomp_notif_resp). */
const SECCOMP_IOCTL_NOTIF_RECV = 0xc0502100, SECCOMP_IOCTL_NOTIF_SEND = 0xc0182101;
const SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;
const EINTR = 4;

function check(call: string, r: number): number {
  if (r < 0) throw new SysError(call, -r);
  return r;
}

/**
 * A classic-BPF seccomp filter (struct sock_filter: u16 code, u8 jt, u8 jf, u32 k) that sends the given
 * syscall numbers to the listener and allows everything else.
 */
export function userNotifFilter(nrs: readonly number[]): Uint8Array {
  const insns: Array<[number, number, number, number]> = [];
  const LD_W_ABS = 0x20, JEQ_K = 0x15, RET_K = 0x06;
  insns.push([LD_W_ABS, 0, 0, 4]); // A = seccomp_data.arch
  insns.push([JEQ_K, 0, nrs.length + 1, AUDIT_ARCH_X86_64]); // other arch: allow
  insns.push([LD_W_ABS, 0, 0, 0]); // A = seccomp_data.nr
  nrs.forEach((nr, i) => insns.push([JEQ_K, nrs.length - i, 0, nr])); // → notify
  insns.push([RET_K, 0, 0, SECCOMP_RET_ALLOW]);
  insns.push([RET_K, 0, 0, SECCOMP_RET_USER_NOTIF]);
  const out = new Uint8Array(insns.length * 8);
  const v = new DataView(out.buffer);
  insns.forEach(([code, jt, jf, k], i) => {
    v.setUint16(i * 8, code, true);
    v.setUint8(i * 8 + 2, jt);
    v.setUint8(i * 8 + 3, jf);
    v.setUint32(i * 8 + 4, k >>> 0, true);
  });
  return out;
}

/**
 * In the process to be traced: sets no_new_privs and installs `filter`; returns the listener fd number. With
 * `at`, the listener is moved to that fd number (dup2, which replaces what was there): a caller can then tell its
 * supervisor the number before installing, since once the filter is in place any syscall it traps (a write
 * of the number, say) would wait for a supervisor that does not have the listener yet.
 */
export function installUserNotifFilter(filter: Uint8Array, at?: number): number {
  const s = sys();
  check('prctl(PR_SET_NO_NEW_PRIVS)', s.syscall(NR_prctl, [PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0]));
  const fprog = new Uint8Array(16); // struct sock_fprog { u16 len; u64 filter; }
  const v = new DataView(fprog.buffer);
  v.setUint16(0, filter.byteLength / 8, true);
  v.setBigUint64(8, s.addressOf(filter), true);
  const fd = check('seccomp(SECCOMP_SET_MODE_FILTER)', s.syscall(NR_seccomp, [SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, s.addressOf(fprog)]));
  if (at === undefined || at === fd) return fd;
  // dup3 keeps the listener close-on-exec, as seccomp() made it: the command must not inherit it (holding it
  // would keep its own trapped calls waiting forever once the supervisor is gone, instead of failing them).
  check('dup3', s.syscall(NR_dup3, [fd, at, O_CLOEXEC]));
  s.syscall(NR_close, [fd]);
  return at;
}

/** Duplicates fd `targetFd` of process `pid` into this process (pidfd_open + pidfd_getfd). */
export function takeFd(pid: number, targetFd: number): Fd {
  const s = sys();
  const pidfd = new Fd(check('pidfd_open', s.syscall(NR_pidfd_open, [pid, 0])), 'other', `pidfd ${pid}`);
  try {
    return new Fd(check('pidfd_getfd', s.syscall(NR_pidfd_getfd, [pidfd.raw, targetFd, 0])), 'other', 'seccomp listener');
  } finally {
    pidfd.close();
  }
}

/** execve(2) of `path`: replaces this process; throws only on failure. */
export function execProgram(path: string, argv: readonly string[], env: NodeJS.ProcessEnv): never {
  const envp = Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  // Node marks its stdio close-on-exec at start-up: the command must inherit them.
  for (const fd of [0, 1, 2]) sys().syscall(NR_fcntl, [fd, F_SETFD, 0]);
  const r = sys().execve(path, argv, envp);
  throw new SysError(`execve(${path})`, -r);
}

/** _IOW('!', 4, __u64) and its one flag (6.6): wake the other side on the waker's CPU (WF_CURRENT_CPU). */
const SECCOMP_IOCTL_NOTIF_SET_FLAGS = 0x40082104, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP = 1;
const NR_poll = 7, POLLIN = 0x1, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;

// The arena of NotifLoop: every buffer the kernel reads or writes, at fixed offsets of one off-heap
// ArrayBuffer (larger than V8's 64-byte on-heap limit), so their addresses are taken once and never move.
const A_POLLFD = 0; // struct pollfd { int fd; short events; short revents; }
const A_NOTIF = 8; // struct seccomp_notif (80 bytes): id u64, pid u32, flags u32, seccomp_data { nr, arch, ip, args[6] }
const A_RESP = 88; // struct seccomp_notif_resp (24 bytes)
const A_LIOV = 112, A_RIOV = 128; // one struct iovec each for process_vm_readv
const A_IOVECS = 144; // an array of the tracee's struct iovec, read by readIovecArray
const A_SCRATCH = 512;

/**
 * A supervisor's receive → read → continue loop on one listener, allocation-free per notification: made for
 * a dedicated thread that blocks in poll(2) (never in NOTIF_RECV, which the kernel does not wake when the
 * last filtered task exits; poll reports POLLHUP then).
 */
export class NotifLoop {
  /** The syscall arguments of the last notification received (seccomp_data.args). */
  readonly args: BigUint64Array;
  readonly #fd: number;
  readonly #view: DataView;
  readonly #bytes: Uint8Array;
  readonly #scratchBytes: number;
  /** Addresses of the arena's parts, computed once: BigInt arithmetic per call shows in a trap's cost. */
  readonly #pollAddr: bigint;
  readonly #notifAddr: bigint;
  readonly #respAddr: bigint;
  readonly #liovAddr: bigint;
  readonly #riovAddr: bigint;
  readonly #iovecsAddr: bigint;
  readonly #scratchAddr: bigint;
  /** BigInt(n) of the last read length, reused while lengths repeat (they usually do). */
  #lastLength = -1;
  #lastLengthBig = 0n;

  /** `fd` is a listener this loop uses but does not own; `scratchBytes` is the most one read() copies. */
  constructor(fd: number, scratchBytes: number, maxIovecs: number) {
    if (A_IOVECS + 16 * maxIovecs > A_SCRATCH) throw new Error(`NotifLoop: at most ${(A_SCRATCH - A_IOVECS) / 16} iovecs`);
    const arena = new ArrayBuffer(A_SCRATCH + scratchBytes);
    this.#fd = fd;
    this.#view = new DataView(arena);
    this.#bytes = new Uint8Array(arena);
    const base = sys().addressOf(this.#bytes);
    this.#pollAddr = base + BigInt(A_POLLFD);
    this.#notifAddr = base + BigInt(A_NOTIF);
    this.#respAddr = base + BigInt(A_RESP);
    this.#liovAddr = base + BigInt(A_LIOV);
    this.#riovAddr = base + BigInt(A_RIOV);
    this.#iovecsAddr = base + BigInt(A_IOVECS);
    this.#scratchAddr = base + BigInt(A_SCRATCH);
    this.#scratchBytes = scratchBytes;
    this.args = new BigUint64Array(arena, A_NOTIF + 32, 6);
    this.#view.setInt32(A_POLLFD, fd, true);
    this.#view.setInt16(A_POLLFD + 4, POLLIN, true);
    this.#view.setUint32(A_RESP + 20, SECCOMP_USER_NOTIF_FLAG_CONTINUE, true);
    this.#view.setBigUint64(A_LIOV, this.#scratchAddr, true);
  }

  /**
   * Asks for synchronous wake-ups (6.6+): the trapped task and the supervisor then hand over on one CPU, as a
   * pair of context switches instead of a cross-CPU wake-up each way. Returns false where the kernel lacks it
   * (EINVAL/ENOTTY), which changes speed only.
   */
  syncWakeUps(): boolean {
    return sys().syscall(NR_ioctl, [this.#fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP]) === 0;
  }

  /**
   * Waits up to `timeoutMs` for a notification: 'ready' when one is pending, 'idle' on timeout or a signal,
   * 'closed' when no task is left under the filter (or the listener is gone).
   */
  wait(timeoutMs: number): 'ready' | 'idle' | 'closed' {
    this.#view.setInt16(A_POLLFD + 6, 0, true);
    const r = sys().syscall(NR_poll, [this.#pollAddr, 1, timeoutMs]);
    if (r === -EINTR || r === 0) return 'idle';
    if (r < 0) return 'closed';
    const revents = this.#view.getInt16(A_POLLFD + 6, true);
    // POLLIN first: notifications still pending when the last task exits are answered as usual.
    if (revents & POLLIN) return 'ready';
    return revents & (POLLHUP | POLLERR | POLLNVAL) ? 'closed' : 'idle';
  }

  /**
   * Takes the pending notification into `pid`, `nr` and `args`. False when there was none after all (the
   * caller was killed meanwhile, or a signal interrupted the call).
   */
  receive(): boolean {
    // NOTIF_RECV requires a zeroed struct (EINVAL otherwise, 5.9+).
    this.#bytes.fill(0, A_NOTIF, A_NOTIF + 80);
    return sys().syscall(NR_ioctl, [this.#fd, SECCOMP_IOCTL_NOTIF_RECV, this.#notifAddr]) === 0;
  }

  /** The thread that made the last notification's call. */
  get pid(): number {
    return this.#view.getUint32(A_NOTIF + 8, true);
  }

  /** The syscall number of the last notification. */
  get nr(): number {
    return this.#view.getInt32(A_NOTIF + 16, true);
  }

  /** Reads (and so faults in) up to `length` bytes of `pid`'s memory at `address`; returns the bytes read or -errno. */
  read(pid: number, address: bigint, length: number): number {
    const n = Math.min(length, this.#scratchBytes);
    if (n !== this.#lastLength) {
      this.#lastLength = n;
      this.#lastLengthBig = BigInt(n);
    }
    this.#view.setBigUint64(A_LIOV + 8, this.#lastLengthBig, true);
    this.#view.setBigUint64(A_RIOV, address, true);
    this.#view.setBigUint64(A_RIOV + 8, this.#lastLengthBig, true);
    return sys().syscall(NR_process_vm_readv, [pid, this.#liovAddr, 1, this.#riovAddr, 1, 0]);
  }

  /** Reads `count` struct iovec of `pid` at `address`; returns how many were read whole (see iovec()). */
  readIovecArray(pid: number, address: bigint, count: number): number {
    const bytes = 16 * Math.min(count, (A_SCRATCH - A_IOVECS) / 16);
    this.#view.setBigUint64(A_LIOV + 8, BigInt(bytes), true);
    this.#view.setBigUint64(A_RIOV, address, true);
    this.#view.setBigUint64(A_RIOV + 8, BigInt(bytes), true);
    // Aim the local iovec at the iovec region for this read, then back at the scratch.
    this.#view.setBigUint64(A_LIOV, this.#iovecsAddr, true);
    const r = sys().syscall(NR_process_vm_readv, [pid, this.#liovAddr, 1, this.#riovAddr, 1, 0]);
    this.#view.setBigUint64(A_LIOV, this.#scratchAddr, true);
    return r > 0 ? Math.floor(r / 16) : 0;
  }

  /** Element `k` of the array readIovecArray read: [iov_base, iov_len]. */
  iovec(k: number): [bigint, bigint] {
    return [this.#view.getBigUint64(A_IOVECS + 16 * k, true), this.#view.getBigUint64(A_IOVECS + 16 * k + 8, true)];
  }

  /**
   * Lets the last notification's syscall run as if it had not been trapped. A caller killed meanwhile makes
   * the kernel answer ENOENT, which is fine: nothing was done on its behalf (no NOTIF_ID_VALID round trip).
   */
  continue(): void {
    this.#view.setBigUint64(A_RESP, this.#view.getBigUint64(A_NOTIF, true), true);
    let r: number;
    do r = sys().syscall(NR_ioctl, [this.#fd, SECCOMP_IOCTL_NOTIF_SEND, this.#respAddr]);
    while (r === -EINTR);
  }
}

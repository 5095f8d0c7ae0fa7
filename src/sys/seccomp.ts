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
/** ioctls: _IOWR('!', 0, struct seccomp_notif), _IOWR('!', 1, struct seccomp_notif_resp), _IOW('!', 2, __u64). */
const SECCOMP_IOCTL_NOTIF_RECV = 0xc0502100, SECCOMP_IOCTL_NOTIF_SEND = 0xc0182101, SECCOMP_IOCTL_NOTIF_ID_VALID = 0x40082102;
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

/** One notification: the id, the calling thread, the syscall and its arguments (struct seccomp_notif). */
export interface SeccompNotif {
  id: bigint;
  pid: number;
  nr: number;
  args: bigint[];
}

/**
 * Takes the pending notification (call after the listener polled readable). Returns null when none is
 * pending (EAGAIN/ENOENT: the caller was killed meanwhile) and 'closed' when no traced process is left.
 */
export function receiveNotif(listener: Fd): SeccompNotif | null | 'closed' {
  const buf = new Uint8Array(80);
  const s = sys();
  const r = s.syscall(NR_ioctl, [listener.raw, SECCOMP_IOCTL_NOTIF_RECV, s.addressOf(buf)]);
  if (r < 0) return -r === 4 || -r === 2 || -r === 11 ? null : 'closed';
  const v = new DataView(buf.buffer);
  return {
    id: v.getBigUint64(0, true), pid: v.getUint32(8, true), nr: v.getInt32(16, true),
    args: [0, 1, 2, 3, 4, 5].map((i) => v.getBigUint64(32 + i * 8, true)),
  };
}

/**
 * Reads up to `length` bytes of `pid`'s memory at `address` (faulting its pages in) into `into` (a scratch
 * buffer when absent); returns the bytes read, or -errno.
 */
export function readProcessMemory(pid: number, address: bigint, length: number, into?: Uint8Array): number {
  const s = sys();
  const local = into && into.length >= length ? into : new Uint8Array(length);
  const liov = new Uint8Array(16), riov = new Uint8Array(16);
  const lv = new DataView(liov.buffer), rv = new DataView(riov.buffer);
  lv.setBigUint64(0, s.addressOf(local), true);
  lv.setBigUint64(8, BigInt(length), true);
  rv.setBigUint64(0, address, true);
  rv.setBigUint64(8, BigInt(length), true);
  return s.syscall(NR_process_vm_readv, [pid, s.addressOf(liov), 1, s.addressOf(riov), 1, 0]);
}

/** True while notification `id` is still pending (the caller was not killed meanwhile). */
export function notifIdValid(listener: Fd, id: bigint): boolean {
  const s = sys();
  const buf = new Uint8Array(8);
  new DataView(buf.buffer).setBigUint64(0, id, true);
  // The kernel takes the listener's lock interruptibly (EINTR when a signal is pending): ask again then.
  let r: number;
  do r = s.syscall(NR_ioctl, [listener.raw, SECCOMP_IOCTL_NOTIF_ID_VALID, s.addressOf(buf)]);
  while (r === -EINTR);
  return r === 0;
}

/** Lets the syscall of notification `id` run as if it had not been trapped. */
export function continueSyscall(listener: Fd, id: bigint): void {
  const s = sys();
  const resp = new Uint8Array(24); // struct seccomp_notif_resp { u64 id; s64 val; s32 error; u32 flags; }
  const v = new DataView(resp.buffer);
  v.setBigUint64(0, id, true);
  v.setUint32(20, SECCOMP_USER_NOTIF_FLAG_CONTINUE, true);
  let r: number;
  do r = s.syscall(NR_ioctl, [listener.raw, SECCOMP_IOCTL_NOTIF_SEND, s.addressOf(resp)]);
  while (r === -EINTR);
}

/** execve(2) of `path`: replaces this process; throws only on failure. */
export function execProgram(path: string, argv: readonly string[], env: NodeJS.ProcessEnv): never {
  const envp = Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  // Node marks its stdio close-on-exec at start-up: the command must inherit them.
  for (const fd of [0, 1, 2]) sys().syscall(NR_fcntl, [fd, F_SETFD, 0]);
  const r = sys().execve(path, argv, envp);
  throw new SysError(`execve(${path})`, -r);
}

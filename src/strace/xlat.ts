/**
 * Named constants of the x86_64 UAPI that strace prints for descriptors, sockets, signals, processes and
 * resources, in strace's print order. Values from include/uapi/asm-generic/{fcntl,signal,resource}.h,
 * linux/{socket,in,netlink,sched,wait,futex,stat,random,poll,time}.h, asm/prctl.h and asm-generic/ioctls.h.
 */
import { type FlagTable, formatFlags, OPEN_FLAGS } from './flags.js';
import { formatSignal, signalShortName } from './signals.js';

/** `NAME` for a value of an enum table, else strace's `0x4d2 /* F_??? *\/` (hex, with the table's prefix). */
export function formatEnum(value: number, table: FlagTable, unknownPrefix: string, decimal = false): string {
  const name = table.find(([v]) => v === value)?.[1];
  if (name) return name;
  return `${decimal ? String(value) : `0x${(value >>> 0).toString(16)}`} /* ${unknownPrefix}??? */`;
}

/**
 * A sigset of `bytes` bytes as strace prints it: `[USR1 CHLD]`, or `~[KILL STOP]` (the complement) when more
 * than two thirds of the signals are in it.
 */
export function formatSigset(b: Uint8Array): string {
  const nsig = b.length * 8;
  let count = 0;
  for (const x of b) for (let v = x; v; v &= v - 1) count++;
  const invert = count * 3 > nsig * 2;
  const names: string[] = [];
  for (let i = 0; i < nsig; i++) {
    const set = ((b[i >> 3]! >> (i & 7)) & 1) === 1;
    if (set !== invert) names.push(signalShortName(i + 1) ?? String(i + 1));
  }
  return `${invert ? '~' : ''}[${names.join(' ')}]`;
}

/** rt_sigprocmask's `how`. */
export const SIGPROCMASK_HOW: FlagTable = [[0, 'SIG_BLOCK'], [1, 'SIG_UNBLOCK'], [2, 'SIG_SETMASK']];

/** sa_flags (x86_64), in strace's order. */
export const SA_FLAGS: FlagTable = [
  [0x04000000, 'SA_RESTORER'], [0x08000000, 'SA_ONSTACK'], [0x10000000, 'SA_RESTART'], [0x40000000, 'SA_NODEFER'],
  [0x80000000, 'SA_RESETHAND'], [4, 'SA_SIGINFO'], [1, 'SA_NOCLDSTOP'], [2, 'SA_NOCLDWAIT'], [0x400, 'SA_UNSUPPORTED'],
  [0x800, 'SA_EXPOSE_TAGBITS'],
];

/** SA_RESTORER: sa_restorer is printed only when it is set. */
export const SA_RESTORER = 0x04000000;

/** Flags of pipe2, dup3, eventfd2 etc.: open flags without the access mode. */
export function formatFdFlags(v: number): string {
  return formatFlags(v, OPEN_FLAGS);
}

/** fcntl commands (asm-generic/fcntl.h and linux/fcntl.h). */
export const FCNTL_CMDS: FlagTable = [
  [0, 'F_DUPFD'], [1, 'F_GETFD'], [2, 'F_SETFD'], [3, 'F_GETFL'], [4, 'F_SETFL'], [5, 'F_GETLK'], [6, 'F_SETLK'],
  [7, 'F_SETLKW'], [8, 'F_SETOWN'], [9, 'F_GETOWN'], [10, 'F_SETSIG'], [11, 'F_GETSIG'], [15, 'F_SETOWN_EX'],
  [16, 'F_GETOWN_EX'], [17, 'F_GETOWNER_UIDS'], [36, 'F_OFD_GETLK'], [37, 'F_OFD_SETLK'], [38, 'F_OFD_SETLKW'],
  [1024, 'F_SETLEASE'], [1025, 'F_GETLEASE'], [1026, 'F_NOTIFY'], [1030, 'F_DUPFD_CLOEXEC'], [1031, 'F_SETPIPE_SZ'],
  [1032, 'F_GETPIPE_SZ'], [1033, 'F_ADD_SEALS'], [1034, 'F_GET_SEALS'],
];

/** FD_CLOEXEC, the only fd flag. */
export const FD_FLAGS: FlagTable = [[1, 'FD_CLOEXEC']];

/** File seals of F_ADD_SEALS / F_GET_SEALS. */
export const SEALS: FlagTable = [[1, 'F_SEAL_SEAL'], [2, 'F_SEAL_SHRINK'], [4, 'F_SEAL_GROW'], [8, 'F_SEAL_WRITE'], [0x10, 'F_SEAL_FUTURE_WRITE'], [0x20, 'F_SEAL_EXEC']];

/** lseek whence. */
export const WHENCE: FlagTable = [[0, 'SEEK_SET'], [1, 'SEEK_CUR'], [2, 'SEEK_END'], [3, 'SEEK_DATA'], [4, 'SEEK_HOLE']];

/** Address families (linux/socket.h), the common ones. */
export const ADDRESS_FAMILIES: FlagTable = [
  [0, 'AF_UNSPEC'], [1, 'AF_UNIX'], [2, 'AF_INET'], [10, 'AF_INET6'], [16, 'AF_NETLINK'], [17, 'AF_PACKET'],
  [4, 'AF_IPX'], [5, 'AF_APPLETALK'], [9, 'AF_X25'], [15, 'AF_KEY'], [29, 'AF_CAN'], [31, 'AF_BLUETOOTH'],
  [38, 'AF_ALG'], [40, 'AF_VSOCK'], [44, 'AF_XDP'], [45, 'AF_MCTP'],
];

const SOCK_TYPES: FlagTable = [[1, 'SOCK_STREAM'], [2, 'SOCK_DGRAM'], [3, 'SOCK_RAW'], [4, 'SOCK_RDM'], [5, 'SOCK_SEQPACKET'], [6, 'SOCK_DCCP'], [10, 'SOCK_PACKET']];

/** Flags of socket types and accept4, SOCK_CLOEXEC first as strace prints them. */
export const SOCK_FLAGS: FlagTable = [[0o2000000, 'SOCK_CLOEXEC'], [0o4000, 'SOCK_NONBLOCK']];

/** `SOCK_STREAM|SOCK_CLOEXEC`: the type (low 4 bits), then SOCK_NONBLOCK / SOCK_CLOEXEC. */
export function formatSockType(v: number): string {
  const type = SOCK_TYPES.find(([t]) => t === (v & 0xf))?.[1] ?? `0x${(v & 0xf).toString(16)} /* SOCK_??? */`;
  const rest = v & ~0xf;
  return rest ? `${type}|${formatFlags(rest, SOCK_FLAGS)}` : type;
}


const IP_PROTOCOLS: FlagTable = [
  [0, 'IPPROTO_IP'], [1, 'IPPROTO_ICMP'], [2, 'IPPROTO_IGMP'], [6, 'IPPROTO_TCP'], [17, 'IPPROTO_UDP'],
  [41, 'IPPROTO_IPV6'], [47, 'IPPROTO_GRE'], [58, 'IPPROTO_ICMPV6'], [132, 'IPPROTO_SCTP'], [136, 'IPPROTO_UDPLITE'],
  [255, 'IPPROTO_RAW'], [262, 'IPPROTO_MPTCP'],
];

const NETLINK_PROTOCOLS: FlagTable = [
  [0, 'NETLINK_ROUTE'], [2, 'NETLINK_USERSOCK'], [4, 'NETLINK_SOCK_DIAG'], [6, 'NETLINK_XFRM'], [7, 'NETLINK_SELINUX'],
  [9, 'NETLINK_AUDIT'], [12, 'NETLINK_NETFILTER'], [15, 'NETLINK_KOBJECT_UEVENT'], [16, 'NETLINK_GENERIC'],
];

/** socket()'s protocol: IPPROTO_* for inet sockets, NETLINK_* for netlink, a number otherwise. */
export function formatSockProtocol(family: number, v: number): string {
  const table = family === 2 || family === 10 ? IP_PROTOCOLS : family === 16 ? NETLINK_PROTOCOLS : null;
  return table?.find(([p]) => p === v)?.[1] ?? String(v);
}

/** send/recv flags (linux/socket.h). */
export const MSG_FLAGS: FlagTable = [
  [1, 'MSG_OOB'], [2, 'MSG_PEEK'], [4, 'MSG_DONTROUTE'], [8, 'MSG_CTRUNC'], [0x10, 'MSG_PROXY'], [0x20, 'MSG_TRUNC'],
  [0x40, 'MSG_DONTWAIT'], [0x80, 'MSG_EOR'], [0x100, 'MSG_WAITALL'], [0x200, 'MSG_FIN'], [0x400, 'MSG_SYN'],
  [0x800, 'MSG_CONFIRM'], [0x1000, 'MSG_RST'], [0x2000, 'MSG_ERRQUEUE'], [0x4000, 'MSG_NOSIGNAL'], [0x8000, 'MSG_MORE'],
  [0x10000, 'MSG_WAITFORONE'], [0x20000, 'MSG_SENDPAGE_NOTLAST'], [0x40000000, 'MSG_CMSG_CLOEXEC'],
];

/** clone flags above the exit signal (linux/sched.h), in value order as strace prints them. */
export const CLONE_FLAGS: FlagTable = [
  [0x100, 'CLONE_VM'], [0x200, 'CLONE_FS'], [0x400, 'CLONE_FILES'], [0x800, 'CLONE_SIGHAND'], [0x1000, 'CLONE_PIDFD'],
  [0x2000, 'CLONE_PTRACE'], [0x4000, 'CLONE_VFORK'], [0x8000, 'CLONE_PARENT'], [0x10000, 'CLONE_THREAD'],
  [0x20000, 'CLONE_NEWNS'], [0x40000, 'CLONE_SYSVSEM'], [0x80000, 'CLONE_SETTLS'], [0x100000, 'CLONE_PARENT_SETTID'],
  [0x200000, 'CLONE_CHILD_CLEARTID'], [0x400000, 'CLONE_DETACHED'], [0x800000, 'CLONE_UNTRACED'],
  [0x1000000, 'CLONE_CHILD_SETTID'], [0x2000000, 'CLONE_NEWCGROUP'], [0x4000000, 'CLONE_NEWUTS'],
  [0x8000000, 'CLONE_NEWIPC'], [0x10000000, 'CLONE_NEWUSER'], [0x20000000, 'CLONE_NEWPID'], [0x40000000, 'CLONE_NEWNET'],
  [0x80000000, 'CLONE_IO'],
];

/** clone()'s flags: the flag names, then the exit signal (`CLONE_CHILD_SETTID|SIGCHLD`). */
export function formatCloneFlags(v: bigint): string {
  const low = Number(v & 0xffn);
  const high = Number(BigInt.asUintN(32, v) & ~0xffn);
  const parts: string[] = [];
  if (high) parts.push(formatFlags(high, CLONE_FLAGS));
  if (low) parts.push(formatSignal(low));
  const above = v >> 32n;
  if (above) parts.push(`0x${(above << 32n).toString(16)}`);
  return parts.length ? parts.join('|') : '0';
}

/** wait4/waitid options. */
export const WAIT_OPTIONS: FlagTable = [
  [1, 'WNOHANG'], [2, 'WUNTRACED'], [4, 'WEXITED'], [8, 'WCONTINUED'], [0x01000000, 'WNOWAIT'],
  [0x20000000, '__WNOTHREAD'], [0x40000000, '__WALL'], [0x80000000, '__WCLONE'],
];

/** A wait status as strace prints it inside `[{...}]`: `WIFEXITED(s) && WEXITSTATUS(s) == 0` etc. */
export function formatWaitStatus(s: number): string {
  const sig = s & 0x7f;
  if (sig === 0) return `[{WIFEXITED(s) && WEXITSTATUS(s) == ${(s >> 8) & 0xff}}]`;
  if (s === 0xffff) return '[{WIFCONTINUED(s)}]';
  if ((s & 0xff) === 0x7f) {
    const event = s >>> 16;
    return `[{WIFSTOPPED(s) && WSTOPSIG(s) == ${formatSignal((s >> 8) & 0xff)}}${event ? ` | PTRACE_EVENT_${event} << 16` : ''}]`;
  }
  return `[{WIFSIGNALED(s) && WTERMSIG(s) == ${formatSignal(sig)}${s & 0x80 ? ' && WCOREDUMP(s)' : ''}}]`;
}

/** Resources of getrlimit/prlimit64 (asm-generic/resource.h). */
export const RLIMIT_RESOURCES: FlagTable = [
  [0, 'RLIMIT_CPU'], [1, 'RLIMIT_FSIZE'], [2, 'RLIMIT_DATA'], [3, 'RLIMIT_STACK'], [4, 'RLIMIT_CORE'], [5, 'RLIMIT_RSS'],
  [6, 'RLIMIT_NPROC'], [7, 'RLIMIT_NOFILE'], [8, 'RLIMIT_MEMLOCK'], [9, 'RLIMIT_AS'], [10, 'RLIMIT_LOCKS'],
  [11, 'RLIMIT_SIGPENDING'], [12, 'RLIMIT_MSGQUEUE'], [13, 'RLIMIT_NICE'], [14, 'RLIMIT_RTPRIO'], [15, 'RLIMIT_RTTIME'],
];

/** Clocks (linux/time.h). */
export const CLOCKS: FlagTable = [
  [0, 'CLOCK_REALTIME'], [1, 'CLOCK_MONOTONIC'], [2, 'CLOCK_PROCESS_CPUTIME_ID'], [3, 'CLOCK_THREAD_CPUTIME_ID'],
  [4, 'CLOCK_MONOTONIC_RAW'], [5, 'CLOCK_REALTIME_COARSE'], [6, 'CLOCK_MONOTONIC_COARSE'], [7, 'CLOCK_BOOTTIME'],
  [8, 'CLOCK_REALTIME_ALARM'], [9, 'CLOCK_BOOTTIME_ALARM'], [11, 'CLOCK_TAI'],
];

/** clock_nanosleep flags. */
export const TIMER_FLAGS: FlagTable = [[1, 'TIMER_ABSTIME']];

/** poll events (asm-generic/poll.h), in strace's order. */
export const POLL_EVENTS: FlagTable = [
  [1, 'POLLIN'], [2, 'POLLPRI'], [4, 'POLLOUT'], [8, 'POLLERR'], [0x10, 'POLLHUP'], [0x20, 'POLLNVAL'],
  [0x40, 'POLLRDNORM'], [0x80, 'POLLRDBAND'], [0x100, 'POLLWRNORM'], [0x200, 'POLLWRBAND'], [0x400, 'POLLMSG'],
  [0x2000, 'POLLRDHUP'],
];

/** ioctl requests whose names strace prints (asm-generic/ioctls.h, the tty and file ones). */
export const IOCTL_REQUESTS: FlagTable = [
  [0x5401, 'TCGETS'], [0x5402, 'TCSETS'], [0x5403, 'TCSETSW'], [0x5404, 'TCSETSF'], [0x540b, 'TCFLSH'],
  [0x540e, 'TIOCSCTTY'], [0x540f, 'TIOCGPGRP'], [0x5410, 'TIOCSPGRP'], [0x5413, 'TIOCGWINSZ'], [0x5414, 'TIOCSWINSZ'],
  [0x541b, 'FIONREAD'], [0x5421, 'FIONBIO'], [0x5422, 'TIOCNOTTY'], [0x5429, 'TIOCGSID'], [0x5450, 'FIONCLEX'],
  [0x5451, 'FIOCLEX'], [0x5452, 'FIOASYNC'], [0x80045430, 'TIOCGPTN'], [0x40045431, 'TIOCSPTLCK'],
  [0x5441, 'TIOCGPTPEER'], [0x40086602, 'FS_IOC_SETFLAGS'], [0x80086601, 'FS_IOC_GETFLAGS'],
];

/** arch_prctl codes (asm/prctl.h). */
export const ARCH_PRCTL_CODES: FlagTable = [
  [0x1001, 'ARCH_SET_GS'], [0x1002, 'ARCH_SET_FS'], [0x1003, 'ARCH_GET_FS'], [0x1004, 'ARCH_GET_GS'],
  [0x1011, 'ARCH_GET_CPUID'], [0x1012, 'ARCH_SET_CPUID'], [0x1021, 'ARCH_GET_XCOMP_SUPP'],
  [0x1022, 'ARCH_GET_XCOMP_PERM'], [0x1023, 'ARCH_REQ_XCOMP_PERM'], [0x2001, 'ARCH_MAP_VDSO_X32'],
  [0x2002, 'ARCH_MAP_VDSO_32'], [0x2003, 'ARCH_MAP_VDSO_64'],
];

const FUTEX_CMDS = [
  'FUTEX_WAIT', 'FUTEX_WAKE', 'FUTEX_FD', 'FUTEX_REQUEUE', 'FUTEX_CMP_REQUEUE', 'FUTEX_WAKE_OP', 'FUTEX_LOCK_PI',
  'FUTEX_UNLOCK_PI', 'FUTEX_TRYLOCK_PI', 'FUTEX_WAIT_BITSET', 'FUTEX_WAKE_BITSET', 'FUTEX_WAIT_REQUEUE_PI',
  'FUTEX_CMP_REQUEUE_PI', 'FUTEX_LOCK_PI2',
];

/** The command of a futex op (low 7 bits). */
export function futexCmd(op: number): number {
  return op & 0x7f;
}

/** `FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME`: the command, `_PRIVATE` (128), then FUTEX_CLOCK_REALTIME (256). */
export function formatFutexOp(op: number): string {
  const cmd = FUTEX_CMDS[futexCmd(op)];
  const priv = (op & 128) !== 0;
  const parts = [cmd ? `${cmd}${priv ? '_PRIVATE' : ''}` : `0x${(op & (priv ? 0x7f : 0xff)).toString(16)} /* FUTEX_??? */`];
  if (!cmd && priv) parts.push('FUTEX_PRIVATE_FLAG');
  if (op & 256) parts.push('FUTEX_CLOCK_REALTIME');
  const rest = op & ~0x1ff;
  if (rest) parts.push(`0x${(rest >>> 0).toString(16)}`);
  return parts.join('|');
}

/** getrandom flags (linux/random.h). */
export const GRND_FLAGS: FlagTable = [[1, 'GRND_NONBLOCK'], [2, 'GRND_RANDOM'], [4, 'GRND_INSECURE']];

/** faccessat2 flags (not the general AT_ table: AT_EACCESS shares AT_REMOVEDIR's value). */
export const FACCESSAT_FLAGS: FlagTable = [[0x100, 'AT_SYMLINK_NOFOLLOW'], [0x200, 'AT_EACCESS'], [0x1000, 'AT_EMPTY_PATH']];

/** statx flags: AT_ flags and the sync type in bits 13-14 (AT_STATX_SYNC_AS_STAT is 0 and always printed). */
export function formatStatxFlags(v: number): string {
  const sync = ['AT_STATX_SYNC_AS_STAT', 'AT_STATX_FORCE_SYNC', 'AT_STATX_DONT_SYNC', '0x6000'][(v >> 13) & 3]!;
  const rest = v & ~0x6000;
  return rest ? `${sync}|${formatFlags(rest, [[0x100, 'AT_SYMLINK_NOFOLLOW'], [0x800, 'AT_NO_AUTOMOUNT'], [0x1000, 'AT_EMPTY_PATH']])}` : sync;
}

/** statx masks (linux/stat.h). STATX_BASIC_STATS and STATX_ALL are not used as names for the kernel's stx_mask. */
export const STATX_MASK: FlagTable = [
  [1, 'STATX_TYPE'], [2, 'STATX_MODE'], [4, 'STATX_NLINK'], [8, 'STATX_UID'], [0x10, 'STATX_GID'], [0x20, 'STATX_ATIME'],
  [0x40, 'STATX_MTIME'], [0x80, 'STATX_CTIME'], [0x100, 'STATX_INO'], [0x200, 'STATX_SIZE'], [0x400, 'STATX_BLOCKS'],
  [0x800, 'STATX_BTIME'], [0x1000, 'STATX_MNT_ID'], [0x2000, 'STATX_DIOALIGN'], [0x4000, 'STATX_MNT_ID_UNIQUE'],
  [0x8000, 'STATX_SUBVOL'], [0x10000, 'STATX_WRITE_ATOMIC'], [0x20000, 'STATX_DIO_READ_ALIGN'],
];

/** A statx mask: STATX_ALL and STATX_BASIC_STATS name their groups first, as in strace's table. */
export function formatStatxMask(v: number): string {
  return formatFlags(v, [[0xfff, 'STATX_ALL'], [0x7ff, 'STATX_BASIC_STATS'], ...STATX_MASK]);
}

/** posix_fadvise advice (linux/fadvise.h, the x86_64 values: DONTNEED 4, NOREUSE 5). */
export const FADVICE: FlagTable = [
  [0, 'POSIX_FADV_NORMAL'], [1, 'POSIX_FADV_RANDOM'], [2, 'POSIX_FADV_SEQUENTIAL'], [3, 'POSIX_FADV_WILLNEED'],
  [4, 'POSIX_FADV_DONTNEED'], [5, 'POSIX_FADV_NOREUSE'],
];

/** madvise advice (asm-generic/mman-common.h). */
export const MADVICE: FlagTable = [
  [0, 'MADV_NORMAL'], [1, 'MADV_RANDOM'], [2, 'MADV_SEQUENTIAL'], [3, 'MADV_WILLNEED'], [4, 'MADV_DONTNEED'],
  [8, 'MADV_FREE'], [9, 'MADV_REMOVE'], [10, 'MADV_DONTFORK'], [11, 'MADV_DOFORK'], [12, 'MADV_MERGEABLE'],
  [13, 'MADV_UNMERGEABLE'], [14, 'MADV_HUGEPAGE'], [15, 'MADV_NOHUGEPAGE'], [16, 'MADV_DONTDUMP'], [17, 'MADV_DODUMP'],
  [18, 'MADV_WIPEONFORK'], [19, 'MADV_KEEPONFORK'], [20, 'MADV_COLD'], [21, 'MADV_PAGEOUT'], [22, 'MADV_POPULATE_READ'],
  [23, 'MADV_POPULATE_WRITE'], [24, 'MADV_DONTNEED_LOCKED'], [25, 'MADV_COLLAPSE'], [100, 'MADV_HWPOISON'],
  [101, 'MADV_SOFT_OFFLINE'],
];

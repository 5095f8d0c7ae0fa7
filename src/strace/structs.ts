/**
 * Structs a syscall reads or writes, decoded from captured bytes into strace's text: sockaddr (in, in6, un,
 * netlink), timespec, sigaction, rlimit, utsname, statx, pollfd and iovec arrays, dirent counts, winsize and
 * termios, clone_args. Layouts are x86_64's (include/uapi/linux/*.h and asm/signal.h); each decoder takes as
 * many bytes as were captured and says `...` or falls back to the address when it has too few.
 */
import { formatFlags, formatStMode } from './flags.js';
import { escapeBytes, type HexMode } from './quote.js';
import { formatSignal } from './signals.js';
import {
  ADDRESS_FAMILIES, CLONE_FLAGS, formatEnum, formatSigset, formatStatxMask, POLL_EVENTS, SA_FLAGS,
  SA_RESTORER,
} from './xlat.js';

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
const hex = (v: bigint | number): string => `0x${v.toString(16)}`;
const addr = (v: bigint): string => (v === 0n ? 'NULL' : hex(v));

/** `sizeof(struct sockaddr_in)`, `sockaddr_in6`, `sockaddr_un`: the lengths the kernel returns for them. */
const SOCKADDR_IN_SIZE = 16;
const SOCKADDR_IN6_SIZE = 28;
const SOCKADDR_UN_SIZE = 110;

/** IPv6 text as inet_ntop writes it: the longest run of two or more zero groups as `::`, IPv4-mapped as dotted. */
export function formatIn6(b: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${[...b.subarray(12, 16)].join('.')}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const text = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (best < 0) return text(groups);
  return `${text(groups.slice(0, best))}::${text(groups.slice(best + bestLen))}`;
}

/**
 * `{sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr("127.0.0.1")}` from `len` bytes of a sockaddr
 * (fewer may have been captured).
 */
export function formatSockaddr(b: Uint8Array, len: number): string {
  const n = Math.min(len, b.length);
  if (n < 2) return '{}';
  const v = view(b);
  const family = v.getUint16(0, true);
  const head = `sa_family=${formatEnum(family, ADDRESS_FAMILIES, 'AF_', true)}`;
  if (family === 2 && n >= SOCKADDR_IN_SIZE) {
    return `{${head}, sin_port=htons(${v.getUint16(2, false)}), sin_addr=inet_addr("${[...b.subarray(4, 8)].join('.')}")}`;
  }
  if (family === 10 && n >= 24) {
    const scope = n >= SOCKADDR_IN6_SIZE ? `, sin6_scope_id=${v.getUint32(24, true)}` : '';
    return `{${head}, sin6_port=htons(${v.getUint16(2, false)}), sin6_flowinfo=htonl(${v.getUint32(4, false)}), inet_pton(AF_INET6, "${formatIn6(b.subarray(8, 24))}", &sin6_addr)${scope}}`;
  }
  if (family === 1) {
    if (n === 2) return `{${head}}`;
    const path = b.subarray(2, Math.min(n, SOCKADDR_UN_SIZE));
    if (path[0] === 0) return `{${head}, sun_path=@"${escapeBytes(trimZeros(path.subarray(1)))}"}`;
    const end = path.indexOf(0);
    return `{${head}, sun_path="${escapeBytes(end < 0 ? path : path.subarray(0, end))}"}`;
  }
  if (family === 16 && n >= 12) {
    return `{${head}, nl_pid=${v.getUint32(4, true)}, nl_groups=${v.getUint32(8, true).toString(16).padStart(8, '0')}}`;
  }
  return `{${head}, sa_data="${escapeBytes(b.subarray(2, n))}"}`;
}

function trimZeros(b: Uint8Array): Uint8Array {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return b.subarray(0, end);
}

/**
 * The length the kernel wrote back for a sockaddr it returned (accept, getsockname), known from the family:
 * the exit value of the addrlen argument is not captured.
 */
export function sockaddrLength(b: Uint8Array): number | null {
  if (b.length < 2) return null;
  const family = view(b).getUint16(0, true);
  if (family === 2) return SOCKADDR_IN_SIZE;
  if (family === 10) return SOCKADDR_IN6_SIZE;
  if (family === 16) return 12;
  if (family === 1) {
    const path = b.subarray(2, SOCKADDR_UN_SIZE);
    if (path.every((c) => c === 0)) return 2;
    if (path[0] === 0) return 2 + 1 + trimZeros(path.subarray(1)).length;
    const end = path.indexOf(0);
    return end < 0 ? SOCKADDR_UN_SIZE : 2 + end + 1;
  }
  return null;
}

/** `{tv_sec=0, tv_nsec=1000}` from a struct __kernel_timespec. */
export function formatTimespec(b: Uint8Array): string {
  const v = view(b);
  return `{tv_sec=${v.getBigInt64(0, true)}, tv_nsec=${v.getBigInt64(8, true)}}`;
}

/**
 * A kernel struct sigaction (x86_64: handler, flags, restorer, then the 8-byte mask):
 * `{sa_handler=SIG_IGN, sa_mask=[TERM], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f...}`.
 */
export function formatSigaction(b: Uint8Array): string {
  const v = view(b);
  const handler = v.getBigUint64(0, true);
  const flags = Number(v.getBigUint64(8, true) & 0xffffffffn);
  const h = handler === 0n ? 'SIG_DFL' : handler === 1n ? 'SIG_IGN' : handler === 0xffffffffffffffffn ? 'SIG_ERR' : hex(handler);
  const parts = [`sa_handler=${h}`, `sa_mask=${formatSigset(b.subarray(24, 32))}`, `sa_flags=${formatFlags(flags, SA_FLAGS)}`];
  if (flags & SA_RESTORER) parts.push(`sa_restorer=${addr(v.getBigUint64(16, true))}`);
  return `{${parts.join(', ')}}`;
}

const RLIM64_INFINITY = 0xffffffffffffffffn;

function rlim(v: bigint): string {
  if (v === RLIM64_INFINITY) return 'RLIM64_INFINITY';
  return v > 1024n && v % 1024n === 0n ? `${v / 1024n}*1024` : String(v);
}

/** `{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}` from a struct rlimit64. */
export function formatRlimit(b: Uint8Array): string {
  const v = view(b);
  return `{rlim_cur=${rlim(v.getBigUint64(0, true))}, rlim_max=${rlim(v.getBigUint64(8, true))}}`;
}

/** `{sysname="Linux", nodename="vm", ...}` from a struct new_utsname (65-byte fields; the first two are shown). */
export function formatUtsname(b: Uint8Array, hexMode: HexMode = 'none'): string {
  const field = (off: number): string => {
    const f = b.subarray(off, off + 65);
    const end = f.indexOf(0);
    return `"${escapeBytes(end < 0 ? f : f.subarray(0, end), hexMode)}"`;
  };
  return `{sysname=${field(0)}, nodename=${field(65)}, ...}`;
}

/** Size of struct statx. */
export const STATX_SIZE = 256;

const STATX_ATTRS: ReadonlyArray<readonly [number, string]> = [
  [0x4, 'STATX_ATTR_COMPRESSED'], [0x10, 'STATX_ATTR_IMMUTABLE'], [0x20, 'STATX_ATTR_APPEND'], [0x40, 'STATX_ATTR_NODUMP'],
  [0x800, 'STATX_ATTR_ENCRYPTED'], [0x1000, 'STATX_ATTR_AUTOMOUNT'], [0x2000, 'STATX_ATTR_MOUNT_ROOT'],
  [0x100000, 'STATX_ATTR_VERITY'], [0x200000, 'STATX_ATTR_DAX'], [0x400000, 'STATX_ATTR_WRITE_ATOMIC'],
];

/**
 * `{stx_mask=..., stx_attributes=0, stx_mode=S_IFREG|0640, stx_size=36, ...}` from a struct statx
 * (mask @0, attributes @8, mode @28, size @40).
 */
export function formatStatx(b: Uint8Array): string {
  const v = view(b);
  const attrs = Number(v.getBigUint64(8, true) & 0xffffffffn);
  return `{stx_mask=${formatStatxMask(v.getUint32(0, true))}, stx_attributes=${formatFlags(attrs, STATX_ATTRS)}, stx_mode=${formatStMode(v.getUint16(28, true))}, stx_size=${v.getBigUint64(40, true)}, ...}`;
}

/** `[{fd=3, events=POLLIN}, ...]`: the first `n` pollfds (8 bytes each); `...` when fewer were captured. */
export function formatPollfds(b: Uint8Array, n: number): string {
  const v = view(b);
  const shown = Math.min(n, Math.floor(b.length / 8));
  const items: string[] = [];
  for (let i = 0; i < shown; i++) items.push(`{fd=${v.getInt32(8 * i, true)}, events=${formatFlags(v.getUint16(8 * i + 4, true), POLL_EVENTS)}}`);
  if (shown < n) items.push('...');
  return `[${items.join(', ')}]`;
}

/** ` ([{fd=4, revents=POLLOUT}])` after poll's return: the pollfds with events; ` (Timeout)` when none. */
export function formatPollRevents(b: Uint8Array, n: number): string {
  const v = view(b);
  const shown = Math.min(n, Math.floor(b.length / 8));
  const items: string[] = [];
  for (let i = 0; i < shown; i++) {
    const re = v.getUint16(8 * i + 6, true);
    if (re) items.push(`{fd=${v.getInt32(8 * i, true)}, revents=${formatFlags(re, POLL_EVENTS)}}`);
  }
  if (!items.length) return shown === n ? ' (Timeout)' : '';
  return ` ([${items.join(', ')}${shown < n ? ', ...' : ''}])`;
}

/** `[{iov_base=0x..., iov_len=4}, ...]`: the shape of an iovec array (the data it points to is not captured). */
export function formatIovecs(b: Uint8Array, n: number): string {
  const v = view(b);
  const shown = Math.min(n, Math.floor(b.length / 16));
  const items: string[] = [];
  for (let i = 0; i < shown; i++) items.push(`{iov_base=${addr(v.getBigUint64(16 * i, true))}, iov_len=${v.getBigUint64(16 * i + 8, true)}}`);
  if (shown < n) items.push('...');
  return `[${items.join(', ')}]`;
}

/** The number of linux_dirent64 records in `b` (d_reclen at +16), or null when they do not tile it exactly. */
export function countDirents(b: Uint8Array): number | null {
  const v = view(b);
  let count = 0;
  for (let off = 0; off < b.length; count++) {
    if (off + 18 > b.length) return null;
    const reclen = v.getUint16(off + 16, true);
    if (reclen < 19) return null;
    off += reclen;
    if (off > b.length) return null;
  }
  return count;
}

/** `{ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}` from a struct winsize. */
export function formatWinsize(b: Uint8Array): string {
  const v = view(b);
  return `{ws_row=${v.getUint16(0, true)}, ws_col=${v.getUint16(2, true)}, ws_xpixel=${v.getUint16(4, true)}, ws_ypixel=${v.getUint16(6, true)}}`;
}

const IFLAGS: ReadonlyArray<readonly [number, string]> = [
  [1, 'IGNBRK'], [2, 'BRKINT'], [4, 'IGNPAR'], [8, 'PARMRK'], [0x10, 'INPCK'], [0x20, 'ISTRIP'], [0x40, 'INLCR'],
  [0x80, 'IGNCR'], [0x100, 'ICRNL'], [0x200, 'IUCLC'], [0x400, 'IXON'], [0x800, 'IXANY'], [0x1000, 'IXOFF'],
  [0x2000, 'IMAXBEL'], [0x4000, 'IUTF8'],
];
const OFLAGS: ReadonlyArray<readonly [number, string]> = [
  [1, 'OPOST'], [2, 'OLCUC'], [4, 'ONLCR'], [8, 'OCRNL'], [0x10, 'ONOCR'], [0x20, 'ONLRET'], [0x40, 'OFILL'], [0x80, 'OFDEL'],
];
// strace prints IEXTEN before ECHOCTL (seen on a pty's TCGETS), not in value order.
const LFLAGS: ReadonlyArray<readonly [number, string]> = [
  [1, 'ISIG'], [2, 'ICANON'], [4, 'XCASE'], [8, 'ECHO'], [0x10, 'ECHOE'], [0x20, 'ECHOK'], [0x40, 'ECHONL'],
  [0x80, 'NOFLSH'], [0x100, 'TOSTOP'], [0x8000, 'IEXTEN'], [0x200, 'ECHOCTL'], [0x400, 'ECHOPRT'], [0x800, 'ECHOKE'],
  [0x1000, 'FLUSHO'], [0x4000, 'PENDIN'], [0x10000, 'EXTPROC'],
];
const BAUDS = [0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400];
const BAUDS_EXT = [57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000];

function withDelays(v: number): string {
  // c_oflag's delay fields print their zero values by name first, as strace's xlat does.
  const fields: Array<[number, number, string[]]> = [
    [0o400, 8, ['NL0', 'NL1']], [0o3000, 9, ['CR0', 'CR1', 'CR2', 'CR3']], [0o14000, 11, ['TAB0', 'TAB1', 'TAB2', 'TAB3']],
    [0o20000, 13, ['BS0', 'BS1']], [0o40000, 14, ['VT0', 'VT1']], [0o100000, 15, ['FF0', 'FF1']],
  ];
  const parts = fields.map(([mask, shift, names]) => names[(v & mask) >> shift]!);
  const rest = v & ~0o177400;
  if (rest) parts.push(formatFlags(rest, OFLAGS));
  return parts.join('|');
}

function cflags(v: number): string {
  const baud = v & 0o10017;
  const speed = baud & 0o10000 ? BAUDS_EXT[(baud & 0o17) - 1] : BAUDS[baud];
  const parts = [speed === undefined ? hex(baud) : `B${speed}`, ['CS5', 'CS6', 'CS7', 'CS8'][(v >> 4) & 3]!];
  const rest = v & ~0o10017 & ~0o60;
  if (rest) {
    parts.push(formatFlags(rest, [
      [0o100, 'CSTOPB'], [0o200, 'CREAD'], [0o400, 'PARENB'], [0o1000, 'PARODD'], [0o2000, 'HUPCL'], [0o4000, 'CLOCAL'],
      [0o10000000000, 'CMSPAR'], [0o20000000000, 'CRTSCTS'],
    ]));
  }
  return parts.join('|');
}

/** `{c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|...|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|..., ...}` (struct termios). */
export function formatTermios(b: Uint8Array): string {
  const v = view(b);
  return `{c_iflag=${formatFlags(v.getUint32(0, true), IFLAGS)}, c_oflag=${withDelays(v.getUint32(4, true))}, c_cflag=${cflags(v.getUint32(8, true))}, c_lflag=${formatFlags(v.getUint32(12, true), LFLAGS)}, ...}`;
}

/**
 * struct clone_args (5.3) as strace prints clone3's first argument: fields that the flags make meaningful,
 * `{flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f..., stack_size=0x9000}`.
 */
export function formatCloneArgs(b: Uint8Array): string {
  if (b.length < 64) return '{...}';
  const v = view(b);
  const u = (off: number): bigint => v.getBigUint64(off, true);
  const flags = u(0);
  const f = Number(flags & 0xffffffffn);
  const parts = [`flags=${flags ? formatFlags(f, CLONE_FLAGS) : '0'}${flags >> 32n ? `|${hex(flags & ~0xffffffffn)}` : ''}`];
  if (f & 0x1000) parts.push(`pidfd=${addr(u(8))}`);
  if (f & (0x200000 | 0x1000000)) parts.push(`child_tid=${addr(u(16))}`);
  if (f & 0x100000) parts.push(`parent_tid=${addr(u(24))}`);
  const sig = u(32);
  parts.push(`exit_signal=${sig === 0n ? '0' : formatSignal(Number(sig))}`);
  parts.push(`stack=${addr(u(40))}`, `stack_size=${hex(u(48))}`);
  if (f & 0x80000) parts.push(`tls=${addr(u(56))}`);
  if (b.length >= 80 && (u(64) || u(72))) parts.push(`set_tid=${addr(u(64))}`, `set_tid_size=${u(72)}`);
  if (b.length >= 88 && u(80)) parts.push(`cgroup=${u(80)}`);
  return `{${parts.join(', ')}}`;
}

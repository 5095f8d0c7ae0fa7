/**
 * Argument and return-value decoding: a SyscallCall and the syscall's spec → the strings strace prints.
 */
import type { Provenance } from '../capture/mechanisms.js';
import { formatErrorReturn } from './errno.js';
import type { Capture, SyscallCall } from './events.js';
import {
  ACCESS_MODES, AT_FDCWD, AT_FLAGS, formatFlags, formatMmapFlags, formatMode, formatOpenFlags, formatStMode, MMAP_PROT,
  O__TMPFILE, O_CREAT, RESOLVE_FLAGS,
} from './flags.js';
import { formatSignal } from './signals.js';
import { formatStatVerbose } from './verbose.js';
import { type HexMode, quoteBuffer, quoteString } from './quote.js';
import {
  countDirents, formatCloneArgs, formatIovecs, formatPollfds, formatPollRevents, formatRlimit, formatSigaction,
  formatSockaddr, formatStatx, formatTermios, formatTimespec, formatUtsname, formatWinsize, sockaddrLength,
} from './structs.js';
import { type ArgPhase, type ArgSpec, argPhase, captureSpec, REGION_KIND, type SyscallSpec } from './syscalls.js';
import { iovChunkFor, IOV_MAX_CAPTURED } from './program.js';
import {
  ADDRESS_FAMILIES, ARCH_PRCTL_CODES, CLOCKS, FACCESSAT_FLAGS, FADVICE, FCNTL_CMDS, FD_FLAGS, formatCloneFlags, formatEnum,
  formatFdFlags, formatFutexOp, formatSigset, formatSockProtocol, formatSockType, formatStatxFlags,
  formatStatxMask, formatWaitStatus, futexCmd, GRND_FLAGS, IOCTL_REQUESTS, MADVICE, MSG_FLAGS, RLIMIT_RESOURCES, SEALS,
  SIGPROCMASK_HOW, SOCK_FLAGS, TIMER_FLAGS, WAIT_OPTIONS, WHENCE,
} from './xlat.js';

/** Options of decoding (strace's -s, -x/-xx, and what siesta knows of the command it started). */
export interface DecodeOptions {
  /** -s: the string limit (default 32). */
  strsize: number;
  /** -v: structures whole (no `...`). */
  verbose?: boolean;
  hex: HexMode;
  /** The command siesta started: its execve prints with the real argv and the number of environment variables. */
  exec?: { tgid: number; argv: readonly string[]; envCount: number; env?: readonly string[] };
}

/** One decoded argument. */
export interface DecodedArg {
  name: string;
  text: string;
  phase: 'entry' | 'exit';
  provenance?: Provenance;
}

/**
 * The provenance of what the kernel wrote (stat buffers, read data): read by the exit program, at the event
 * where the value comes into being, so it is exact. `exit` is kept for inputs read again at exit because
 * their entry read failed (recovered values).
 */
const OUTPUT: Provenance = 'exact';

const hex = (v: bigint): string => `0x${v.toString(16)}`;
const s32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

function ptr(v: bigint): string {
  return v === 0n ? 'NULL' : hex(v);
}

function quoteArgv(argv: readonly string[], o: DecodeOptions): string {
  const enc = new TextEncoder();
  return `[${argv.map((a) => quoteString(enc.encode(a), { limit: o.strsize, path: false, cut: false, hex: o.hex })).join(', ')}]`;
}

function makedev(rdev: bigint): string {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return `makedev(0x${major.toString(16)}, 0x${minor.toString(16)})`.replace(', 0x0)', ', 0)');
}

/** `{st_mode=S_IFREG|0644, st_size=36, ...}` from a struct stat (x86_64, 144 bytes). */
export function formatStat(b: Uint8Array): string {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const mode = v.getUint32(24, true);
  const type = mode & 0o170000;
  const second = type === 0o20000 || type === 0o60000 ? `st_rdev=${makedev(v.getBigUint64(40, true))}` : `st_size=${v.getBigInt64(48, true)}`;
  return `{st_mode=${formatStMode(mode)}, ${second}, ...}`;
}

/** `{flags=O_RDONLY, resolve=RESOLVE_NO_SYMLINKS}` from a struct open_how (5.6). */
export function formatOpenHow(b: Uint8Array): string {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const flags = Number(v.getBigUint64(0, true) & 0xffffffffn);
  const mode = Number(v.getBigUint64(8, true));
  const resolve = Number(v.getBigUint64(16, true));
  const parts = [`flags=${formatOpenFlags(flags)}`];
  if (flags & (O_CREAT | O__TMPFILE) || mode) parts.push(`mode=${formatMode(mode)}`);
  parts.push(`resolve=${formatFlags(resolve, RESOLVE_FLAGS)}`);
  return `{${parts.join(', ')}}`;
}

function stringArg(c: Capture | null, value: bigint, path: boolean, o: DecodeOptions): { text: string; provenance?: Provenance } {
  if (value === 0n) return { text: 'NULL' };
  if (!c || c.result <= 0) return { text: hex(value), provenance: 'lost' };
  return { text: quoteString(c.bytes, { limit: o.strsize, path, cut: c.result >= c.bytes.length && c.bytes.indexOf(0) < 0, hex: o.hex }), provenance: c.provenance };
}

function failed(call: SyscallCall): boolean {
  if (!call.exit) return false;
  const r = BigInt.asIntN(64, call.exit.ret);
  return r < 0n && r >= -4095n;
}

/** What decoding needs of a spec beyond its table entry, worked out once per syscall rather than per call. */
interface Plan {
  phases: ArgPhase[];
  /** Per argument: an `int` that is a long (printed from 64 bits), a `uint` that is 32 bits wide. */
  long: boolean[];
  narrow: boolean[];
}

const plans = new WeakMap<SyscallSpec, Plan>();

function planOf(spec: SyscallSpec): Plan {
  let p = plans.get(spec);
  if (!p) {
    const type = (i: number): string => spec.args?.[i]?.type ?? '';
    p = {
      phases: spec.decode.map((a) => argPhase(a)),
      long: spec.decode.map((_, i) => /long/.test(type(i))),
      narrow: spec.decode.map((_, i) => /^unsigned int$|^u32$|^__u32$/.test(type(i))),
    };
    plans.set(spec, p);
  }
  return p;
}

function decodeArg(spec: SyscallSpec, a: ArgSpec, i: number, call: SyscallCall, o: DecodeOptions, plan: Plan): { text: string; provenance?: Provenance } | null {
  const v = call.args[i] ?? 0n;
  switch (a.kind) {
    case 'int': return { text: plan.long[i] ? String(BigInt.asIntN(64, v)) : String(s32(v)) };
    case 'uint': return { text: plan.narrow[i] ? String(Number(BigInt.asUintN(32, v))) : String(BigInt.asUintN(64, v)) };
    case 'hex': return { text: v === 0n ? '0' : hex(v) };
    case 'ptr': return { text: ptr(v) };
    case 'fd': return { text: String(s32(v)) };
    case 'dirfd': return { text: s32(v) === AT_FDCWD ? 'AT_FDCWD' : String(s32(v)) };
    case 'mode': return { text: formatMode(Number(v & 0o7777n)) };
    case 'open_flags': return { text: formatOpenFlags(s32(v)) };
    case 'open_mode': {
      const flagsIdx = spec.decode.findIndex((d) => d.kind === 'open_flags');
      const flags = s32(call.args[flagsIdx] ?? 0n);
      return flags & (O_CREAT | O__TMPFILE) ? { text: formatMode(Number(v & 0o7777n)) } : null;
    }
    case 'access_mode': return { text: formatFlags(s32(v), ACCESS_MODES) };
    case 'mmap_prot': return { text: formatFlags(s32(v), MMAP_PROT) };
    case 'mmap_flags': return { text: formatMmapFlags(s32(v)) };
    case 'at_flags': return { text: formatFlags(s32(v), AT_FLAGS) };
    case 'path':
    case 'str': {
      const cap = captureSpec(spec);
      return stringArg(cap.str0 === i ? call.str[0] : cap.str1 === i ? call.str[1] : null, v, a.kind === 'path', o);
    }
    case 'inbuf': {
      const c = call.inbuf;
      if (v === 0n) return { text: 'NULL' };
      if (!c || c.result < 0) return { text: hex(v), provenance: 'lost' };
      const total = Number(BigInt.asUintN(64, call.args[a.lenArg ?? 2] ?? 0n));
      return { text: quoteBuffer(c.bytes, total, o.strsize, o.hex), provenance: c.provenance };
    }
    case 'open_how': {
      const c = call.inbuf;
      if (!c || c.result < 24) return { text: ptr(v), provenance: 'lost' };
      return { text: formatOpenHow(c.bytes), provenance: c.provenance };
    }
    case 'outbuf':
    case 'stat': {
      const c = call.exit?.outbuf;
      // A read of nothing (end of file): the kernel programs read no buffer for a zero-length result.
      if (a.kind === 'outbuf' && call.exit && BigInt.asIntN(64, call.exit.ret) === 0n) return { text: '""', provenance: OUTPUT };
      if (!call.exit || failed(call) || !c || c.result < 0) return { text: ptr(v), ...(call.exit && !failed(call) ? { provenance: 'lost' as const } : {}) };
      if (a.kind === 'stat') return c.bytes.length >= 144 ? { text: (o.verbose ? formatStatVerbose : formatStat)(c.bytes), provenance: OUTPUT } : { text: ptr(v), provenance: 'lost' };
      const total = Number(BigInt.asIntN(64, call.exit.ret));
      return { text: quoteBuffer(c.bytes, total, o.strsize, o.hex), provenance: OUTPUT };
    }
    case 'argv': {
      if (o.exec && o.exec.tgid === call.tgid && spec.name === 'execve') return { text: quoteArgv(o.exec.argv, o) };
      return { text: ptr(v) };
    }
    default: return decodeMore(spec, a, i, call, o);
  }
}

/** The bytes captured at entry for argument `i` (null when no input region of the call is that argument's). */
function entryBytes(spec: SyscallSpec, i: number, call: SyscallCall): Capture | null {
  const cap = captureSpec(spec);
  const c = cap.inPtr === i ? call.inbuf : cap.in2Ptr === i && cap.in2Kind === REGION_KIND.region ? call.inbuf2 : null;
  return c && c.result >= 0 ? c : null;
}

/** The bytes captured at exit for argument `i` (null unless the call succeeded and they were read). */
function exitBytes(spec: SyscallSpec, i: number, call: SyscallCall): Capture | null {
  if (!call.exit || failed(call)) return null;
  const cap = captureSpec(spec);
  const second = cap.out2Kind === REGION_KIND.fixed || cap.out2Kind === REGION_KIND.sockaddr;
  const c = cap.outPtr === i ? call.exit.outbuf : cap.out2Ptr === i && second ? call.exit.outbuf2 : null;
  return c && c.result >= 0 ? c : null;
}

/**
 * An iovec array with the data of each element, as strace prints readv's (at exit) and writev's (at entry):
 * element i holds take = min(iov_len, left) bytes (left: what the call returned, or unbounded), of which the
 * kernel program captured the first min(take, chunk) back to back in `data`.
 */
function iovecsWithData(b: Uint8Array, n: number, data: Capture | null | undefined, left: number, o: DecodeOptions): string {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const shown = Math.min(n, Math.floor(b.length / 16));
  const items: string[] = [];
  let at = 0;
  const bytes = data && data.result >= 0 ? data.bytes : null;
  for (let k = 0; k < shown; k++) {
    const base = v.getBigUint64(16 * k, true);
    const len = v.getBigUint64(16 * k + 8, true);
    const take = Math.min(Number(len), left);
    left -= take;
    const got = Math.min(take, iovChunkFor(o.strsize));
    let text: string;
    if (k < IOV_MAX_CAPTURED && bytes && at + got <= bytes.length) {
      text = quoteBuffer(bytes.subarray(at, at + got), take, o.strsize, o.hex);
      at += got;
    } else {
      text = base === 0n ? 'NULL' : hex(base);
    }
    items.push(`{iov_base=${text}, iov_len=${len}}`);
  }
  if (shown < n) items.push('...');
  return `[${items.join(', ')}]`;
}

type Decoded = { text: string; provenance?: Provenance } | null;

/** A struct read at entry: decoded when at least `min` bytes were captured, else the address (lost). */
function inStruct(spec: SyscallSpec, i: number, call: SyscallCall, min: number, f: (b: Uint8Array) => string): Decoded {
  const v = call.args[i] ?? 0n;
  if (v === 0n) return { text: 'NULL' };
  const c = entryBytes(spec, i, call);
  if (!c || c.bytes.length < min) return { text: hex(v), provenance: 'lost' };
  return { text: f(c.bytes), provenance: c.provenance };
}

/** A struct written by the kernel, read at exit: the address when the call failed or has not returned. */
function outStruct(spec: SyscallSpec, i: number, call: SyscallCall, min: number, f: (b: Uint8Array) => string): Decoded {
  const v = call.args[i] ?? 0n;
  if (v === 0n) return { text: 'NULL' };
  const c = exitBytes(spec, i, call);
  if (!c || c.bytes.length < min) return { text: hex(v), ...(call.exit && !failed(call) ? { provenance: 'lost' as const } : {}) };
  return { text: f(c.bytes), provenance: OUTPUT };
}

const FCNTL_NO_ARG = new Set([1, 3, 9, 11, 1025, 1032, 1034]);
const FCNTL_INT_ARG = new Set([0, 8, 10, 1024, 1026, 1030, 1031]);

/** ioctl requests whose argument is an int the kernel reads (`[1]`) or writes (`[0]`), or a winsize/termios. */
const IOCTL_INT_IN = new Set([0x5421, 0x5452, 0x40045431, 0x5410]);
const IOCTL_INT_OUT = new Set([0x541b, 0x80045430, 0x540f, 0x5429]);

function int32(b: Uint8Array): string {
  return `[${new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true)}]`;
}

/** Kinds beyond the file ones: descriptors, sockets, signals, processes, time, futexes and their structs. */
function decodeMore(spec: SyscallSpec, a: ArgSpec, i: number, call: SyscallCall, o: DecodeOptions): Decoded {
  const v = call.args[i] ?? 0n;
  const arg = (k: number): bigint => call.args[k] ?? 0n;
  switch (a.kind) {
    case 'off': return { text: String(BigInt.asIntN(64, v)) };
    case 'fd_flags': return { text: formatFdFlags(s32(v)) };
    case 'whence': return { text: formatEnum(s32(v), WHENCE, 'SEEK_', true) };
    case 'fcntl_cmd': return { text: formatEnum(s32(v), FCNTL_CMDS, 'F_') };
    case 'fcntl_arg': {
      const cmd = s32(arg(1));
      if (FCNTL_NO_ARG.has(cmd)) return null;
      if (FCNTL_INT_ARG.has(cmd)) return { text: String(s32(v)) };
      if (cmd === 2) return { text: formatFlags(s32(v), FD_FLAGS) };
      if (cmd === 4) return { text: formatOpenFlags(s32(v)) };
      if (cmd === 1033) return { text: formatFlags(s32(v), SEALS) };
      if (FCNTL_CMDS.some(([c]) => c === cmd)) return { text: ptr(v) };
      return { text: v === 0n ? '0' : hex(v) };
    }
    case 'sock_domain': return { text: formatEnum(s32(v), ADDRESS_FAMILIES, 'AF_', true) };
    case 'sock_type': return { text: formatSockType(s32(v)) };
    case 'sock_proto': return { text: formatSockProtocol(s32(arg(0)), s32(v)) };
    case 'sock_flags': return { text: formatFlags(s32(v), SOCK_FLAGS) };
    case 'msg_flags': return { text: formatFlags(s32(v), MSG_FLAGS) };
    case 'signal': return { text: formatSignal(s32(v)) };
    case 'sigprocmask_how': return { text: formatEnum(s32(v), SIGPROCMASK_HOW, 'SIG_', true) };
    case 'wait_options': return { text: formatFlags(s32(v), WAIT_OPTIONS) };
    case 'rlimit_resource': return { text: formatEnum(s32(v), RLIMIT_RESOURCES, 'RLIMIT_', true) };
    case 'clockid': return { text: formatEnum(s32(v), CLOCKS, 'CLOCK_', true) };
    case 'timer_flags': return { text: formatFlags(s32(v), TIMER_FLAGS) };
    case 'grnd_flags': return { text: formatFlags(s32(v), GRND_FLAGS) };
    case 'madvice': return { text: formatEnum(s32(v), MADVICE, 'MADV_', true) };
    case 'fadvice': return { text: formatEnum(s32(v), FADVICE, 'POSIX_FADV_', true) };
    case 'faccessat_flags': return { text: formatFlags(s32(v), FACCESSAT_FLAGS) };
    case 'statx_flags': return { text: formatStatxFlags(s32(v)) };
    case 'statx_mask': return { text: formatStatxMask(s32(v)) };
    case 'ioctl_cmd': return { text: IOCTL_REQUESTS.find(([r]) => r === Number(BigInt.asUintN(32, v)))?.[1] ?? hex(BigInt.asUintN(32, v)) };
    case 'ioctl_arg': {
      const req = Number(BigInt.asUintN(32, arg(1)));
      if (IOCTL_INT_IN.has(req)) return inStruct(spec, i, call, 4, int32);
      if (IOCTL_INT_OUT.has(req)) return outStruct(spec, i, call, 4, int32);
      if (req === 0x5414) return inStruct(spec, i, call, 8, formatWinsize);
      if (req === 0x5413) return outStruct(spec, i, call, 8, formatWinsize);
      if (req === 0x5401) return outStruct(spec, i, call, 16, formatTermios);
      if (req >= 0x5402 && req <= 0x5404) return inStruct(spec, i, call, 16, formatTermios);
      return { text: v === 0n ? '0' : hex(v) };
    }
    case 'arch_prctl_code': return { text: formatEnum(s32(v), ARCH_PRCTL_CODES, 'ARCH_') };
    case 'arch_prctl_arg': {
      const code = s32(arg(0));
      if (code === 0x1003 || code === 0x1004) {
        return outStruct(spec, i, call, 8, (b) => `[${hex(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true))}]`);
      }
      return { text: v === 0n ? '0' : hex(v) };
    }
    case 'futex_op': return { text: formatFutexOp(s32(v)) };
    case 'futex_arg':
    case 'futex_timeout': return futexArg(spec, i, call);
    case 'clone_flags': return { text: formatCloneFlags(v) };
    case 'clone_arg': return { text: ptr(v) };
    case 'clone_args': {
      const d = inStruct(spec, i, call, 64, formatCloneArgs);
      // The child's tid the kernel stored at parent_tid (CLONE_PARENT_SETTID), read at exit: ` => {parent_tid=[N]}`.
      const tid = call.exit && !failed(call) ? call.exit.outbuf2 : null;
      if (!d || !tid || tid.result < 0 || tid.bytes.length < 4) return d;
      return { ...d, text: `${d.text} => {parent_tid=[${new DataView(tid.bytes.buffer, tid.bytes.byteOffset, 4).getInt32(0, true)}]}` };
    }
    case 'sockaddr': {
      const len = s32(arg(a.lenArg ?? i + 1));
      return inStruct(spec, i, call, Math.min(2, len), (b) => formatSockaddr(b, len));
    }
    case 'sockaddr_out': {
      // The length the kernel wrote back, when captured (recvfrom); 0 means it wrote no address.
      const written = call.exit?.addrlen;
      if (written === 0 && v !== 0n) return { text: hex(v), provenance: OUTPUT };
      return outStruct(spec, i, call, 2, (b) => formatSockaddr(b, written ?? sockaddrLength(b) ?? b.length));
    }
    case 'addrlen': {
      if (v === 0n) return { text: 'NULL' };
      const c = entryBytes(spec, i, call);
      if (!c || c.bytes.length < 4) return { text: hex(v), provenance: 'lost' };
      const before = new DataView(c.bytes.buffer, c.bytes.byteOffset, 4).getInt32(0, true);
      const sa = exitBytes(spec, i - 1, call);
      const after = call.exit?.addrlen ?? (sa ? sockaddrLength(sa.bytes) : null);
      if (after === null || after === before) return { text: `[${before}]`, provenance: c.provenance };
      return { text: `[${before} => ${Math.min(after, before)}]`, provenance: c.provenance };
    }
    case 'fd_pair': return outStruct(spec, i, call, 8, (b) => {
      const d = new DataView(b.buffer, b.byteOffset, 8);
      return `[${d.getInt32(0, true)}, ${d.getInt32(4, true)}]`;
    });
    case 'wait_status': {
      if (call.exit && !failed(call) && BigInt.asIntN(64, call.exit.ret) === 0n) return { text: ptr(v) };
      return outStruct(spec, i, call, 4, (b) => formatWaitStatus(new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true)));
    }
    case 'sigaction_in': return inStruct(spec, i, call, 32, formatSigaction);
    case 'sigaction_out': return outStruct(spec, i, call, 32, formatSigaction);
    case 'sigset_in': return inStruct(spec, i, call, 8, (b) => formatSigset(b.subarray(0, 8)));
    case 'sigset_out': return outStruct(spec, i, call, 8, (b) => formatSigset(b.subarray(0, 8)));
    case 'rlimit_in': return inStruct(spec, i, call, 16, formatRlimit);
    case 'rlimit_out': return outStruct(spec, i, call, 16, formatRlimit);
    case 'utsname': return outStruct(spec, i, call, 130, (b) => formatUtsname(b, o.hex));
    case 'statx': return outStruct(spec, i, call, 48, formatStatx);
    case 'timespec': return inStruct(spec, i, call, 16, formatTimespec);
    case 'pollfd': return inStruct(spec, i, call, 8, (b) => formatPollfds(b, Number(BigInt.asUintN(32, arg(1)))));
    case 'iovec': return inStruct(spec, i, call, 16, (b) => iovecsWithData(b, Number(BigInt.asUintN(32, arg(i + 1))), call.inbuf2, Infinity, o));
    case 'iovec_out': {
      if (!call.exit || failed(call)) return inStruct(spec, i, call, 16, (b) => formatIovecs(b, Number(BigInt.asUintN(32, arg(i + 1)))));
      const ret = Number(BigInt.asIntN(64, call.exit.ret));
      return inStruct(spec, i, call, 16, (b) => iovecsWithData(b, Number(BigInt.asUintN(32, arg(i + 1))), call.exit?.outbuf2, ret, o));
    }
    case 'ppoll_timeout': return inStruct(spec, i, call, 16, formatTimespec);
    case 'random_buf': {
      const c = exitBytes(spec, i, call);
      if (!c || !call.exit) return { text: ptr(v), ...(call.exit && !failed(call) ? { provenance: 'lost' as const } : {}) };
      return { text: quoteBuffer(c.bytes, Number(BigInt.asIntN(64, call.exit.ret)), o.strsize, 'all'), provenance: OUTPUT };
    }
    case 'dirents': {
      const c = exitBytes(spec, i, call);
      const ret = call.exit ? Number(BigInt.asIntN(64, call.exit.ret)) : -1;
      const count = ret === 0 ? 0 : c && c.bytes.length === ret ? countDirents(c.bytes) : null;
      return count === null ? { text: ptr(v) } : { text: `${ptr(v)} /* ${count} entries */`, provenance: OUTPUT };
    }
    default: return { text: v === 0n ? '0' : hex(v) };
  }
}

/** futex's arguments after the op, as far as the op uses them (strace prints no more). */
function futexArg(spec: SyscallSpec, i: number, call: SyscallCall): Decoded {
  const op = s32(call.args[1] ?? 0n);
  const cmd = futexCmd(op);
  const v = call.args[i] ?? 0n;
  // Per command: how many arguments after op are printed, and what argument 3 is.
  const shown: Record<number, number> = { 0: 4, 1: 3, 2: 3, 3: 5, 4: 6, 5: 6, 6: 4, 7: 2, 8: 2, 9: 6, 10: 6, 11: 5, 12: 6, 13: 4 };
  if (i >= (shown[cmd] ?? 6)) return null;
  // The bitset ops skip to val3: WAIT_BITSET after its timeout, WAKE_BITSET after val.
  if ((cmd === 9 && i === 4) || (cmd === 10 && (i === 3 || i === 4))) return null;
  const timeoutAt3 = cmd === 0 || cmd === 9 || cmd === 11 || cmd === 6 || cmd === 13;
  if (i === 2 && (cmd === 6 || cmd === 13)) return inStruct(spec, 3, call, 16, formatTimespec);
  if (i === 3 && timeoutAt3) return inStruct(spec, i, call, 16, formatTimespec);
  if (i === 3) return { text: String(s32(v)) };
  if (i === 4) return { text: ptr(v) };
  if (i === 5 && (cmd === 9 || cmd === 10)) return { text: s32(v) === -1 ? 'FUTEX_BITSET_MATCH_ANY' : hex(BigInt.asUintN(32, v)) };
  if (i === 5) return { text: cmd === 5 ? hex(BigInt.asUintN(32, v)) : String(s32(v)) };
  return { text: String(Number(BigInt.asUintN(32, v))) };
}

/** clone()'s arguments in strace's order (x86_64 passes flags, stack, parent_tid, child_tid, tls). */
function decodeClone(call: SyscallCall): DecodedArg[] {
  const [flags = 0n, stack = 0n, parentTid = 0n, childTid = 0n, tls = 0n] = call.args;
  const f = Number(BigInt.asUintN(32, flags));
  const out = [`child_stack=${ptr(stack)}`, `flags=${formatCloneFlags(flags)}`];
  if (f & 0x100000) out.push(`parent_tid=${ptr(parentTid)}`);
  if (f & 0x80000) out.push(`tls=${ptr(tls)}`);
  if (f & (0x200000 | 0x1000000)) out.push(`child_tidptr=${ptr(childTid)}`);
  return out.map((text, k) => ({ name: ['child_stack', 'flags'][k] ?? text.slice(0, text.indexOf('=')), text, phase: 'entry' as const }));
}

/** The decoded arguments of `call`, in order; arguments strace leaves out (open's mode without O_CREAT) are absent. */
export function decodeArgs(spec: SyscallSpec, call: SyscallCall, o: DecodeOptions): DecodedArg[] {
  if (spec.name === 'clone' && spec.args) return decodeClone(call);
  const out: DecodedArg[] = [];
  const plan = planOf(spec);
  for (let i = 0; i < spec.decode.length; i++) {
    const a = spec.decode[i]!;
    const d = decodeArg(spec, a, i, call, o, plan);
    if (!d) continue;
    let text = d.text;
    // execve's envp for the command siesta started: `0x7ffd... /* 35 vars */`, or with -v the strings themselves.
    if (spec.name === 'execve' && i === 2 && o.exec && o.exec.tgid === call.tgid) {
      text = o.verbose && o.exec.env ? quoteArgv(o.exec.env, o) : `${text} /* ${o.exec.envCount} vars */`;
    }
    const arg: DecodedArg = { name: a.name, text, phase: plan.phases[i]! };
    if (d.provenance) arg.provenance = d.provenance;
    out.push(arg);
  }
  return out;
}

/** The return value as strace prints it: `3`, `0x7f...`, `-1 ENOENT (No such file or directory)`, or `?`. */
export function formatReturn(spec: SyscallSpec, ret: bigint | undefined, call?: SyscallCall): string {
  if (ret === undefined || spec.ret === 'none') return '?';
  const r = BigInt.asIntN(64, ret);
  if (r < 0n && r >= -4095n) return formatErrorReturn(Number(-r));
  if (spec.ret === 'hex') return hex(BigInt.asUintN(64, ret));
  if (call) {
    const more = returnDetail(spec, r, call);
    if (more !== null) return more;
  }
  return String(r);
}

/** Returns strace decorates: fcntl's flags, poll's revents, umask's octal mode. */
function returnDetail(spec: SyscallSpec, r: bigint, call: SyscallCall): string | null {
  switch (spec.name) {
    case 'fcntl': {
      const cmd = s32(call.args[1] ?? 0n);
      if (cmd === 1 && r !== 0n) return `${hex(r)} (flags ${formatFlags(Number(r), FD_FLAGS)})`;
      if (cmd === 3) return `${r === 0n ? '0' : hex(r)} (flags ${formatOpenFlags(Number(r))})`;
      if (cmd === 1034 && r !== 0n) return `${hex(r)} (seals ${formatFlags(Number(r), SEALS)})`;
      return null;
    }
    case 'umask': return formatMode(Number(r));
    case 'poll':
    case 'ppoll': {
      const c = exitBytes(spec, 0, call);
      if (!c) return r === 0n ? '0 (Timeout)' : null;
      const revents = formatPollRevents(c.bytes, Number(BigInt.asUintN(32, call.args[1] ?? 0n)));
      // ppoll: the time left, which the kernel wrote back into the timeout (strace: `, left {...}`).
      const left = spec.name === 'ppoll' && r > 0n ? exitBytes(spec, 2, call) : null;
      if (left && left.bytes.length >= 16 && revents.endsWith('])')) return `${r}${revents.slice(0, -1)}, left ${formatTimespec(left.bytes)})`;
      return `${r}${revents}`;
    }
    default: return null;
  }
}

/** The errno of a failed call, or undefined. */
export function callErrno(call: SyscallCall): number | undefined {
  if (!call.exit) return undefined;
  const r = BigInt.asIntN(64, call.exit.ret);
  return r < 0n && r >= -4095n ? Number(-r) : undefined;
}

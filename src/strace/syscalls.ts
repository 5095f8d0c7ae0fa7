/**
 * What siesta knows about each syscall beyond the generated table: how each argument is printed, which user
 * memory the kernel programs capture (strings and input buffers at entry, output buffers at exit), how the
 * return value is printed, and the classes of `-e trace=%file` etc.
 */
import { SYSCALLS, type SyscallEntry } from './syscall-table.js';

/** How one argument is printed. `path`/`str` are captured strings; `inbuf`/`outbuf`/structs are captured bytes. */
export type ArgKind =
  | 'int' | 'uint' | 'hex' | 'ptr' | 'fd' | 'dirfd' | 'path' | 'str' | 'inbuf' | 'outbuf' | 'mode' | 'open_flags'
  | 'open_mode' | 'access_mode' | 'mmap_prot' | 'mmap_flags' | 'at_flags' | 'open_how' | 'stat' | 'argv'
  // Integers that name things: offsets, flags and enums of descriptors, sockets, signals, processes, futexes.
  | 'off' | 'fd_flags' | 'fcntl_cmd' | 'fcntl_arg' | 'whence' | 'sock_domain' | 'sock_type' | 'sock_proto' | 'sock_flags'
  | 'msg_flags' | 'signal' | 'sigprocmask_how' | 'wait_options' | 'rlimit_resource' | 'clockid' | 'timer_flags'
  | 'ioctl_cmd' | 'arch_prctl_code' | 'futex_op' | 'futex_arg' | 'futex_timeout' | 'grnd_flags' | 'faccessat_flags' | 'statx_flags'
  | 'statx_mask' | 'clone_flags' | 'clone_arg' | 'madvice' | 'fadvice'
  // Structs and arrays read at entry (`in`) or written by the kernel and read at exit (`out`); sizes in MEMORY.
  | 'sockaddr' | 'sockaddr_out' | 'addrlen' | 'fd_pair' | 'wait_status' | 'sigaction_in' | 'sigaction_out' | 'sigset_in'
  | 'sigset_out' | 'rlimit_in' | 'rlimit_out' | 'utsname' | 'statx' | 'timespec' | 'pollfd' | 'iovec' | 'ioctl_arg'
  | 'arch_prctl_arg' | 'random_buf' | 'dirents' | 'clone_args' | 'iovec_out' | 'ppoll_timeout';

/** When the value of an argument is known: at entry, or only at exit (written by the kernel). */
export type ArgPhase = 'entry' | 'exit';

/** How one argument of one syscall is decoded. */
export interface ArgSpec {
  name: string;
  kind: ArgKind;
  /** For inbuf/outbuf: the index of the argument holding the length (outbuf: the return value when absent). */
  lenArg?: number;
}

/** How the return value prints: signed decimal, hex (addresses), or `?` (never returns). */
export type RetKind = 'int' | 'hex' | 'none';

/** A syscall with its decoding. */
export interface SyscallSpec extends SyscallEntry {
  decode: readonly ArgSpec[];
  ret: RetKind;
}

/**
 * What the kernel programs capture for one syscall (the `sysinfo` map value): argument indexes of up to two
 * strings, of two input regions (read at entry) and of two output regions (read at exit). 0xff = none.
 * The second regions share one slot of the record: in2 at entry, out2 at exit (or, without out2, the first
 * input region re-read at exit when its entry read failed and the first slot holds the output).
 */
export interface CaptureSpec {
  str0: number;
  str1: number;
  inPtr: number;
  /** Argument index of the input length, or 0xff to use `inFixed`. */
  inLenArg: number;
  inFixed: number;
  outPtr: number;
  /** 0 none, 1 length = return value, 2 length = outFixed. */
  outKind: number;
  outFixed: number;
  in2Ptr: number;
  /** 0 none, 1 a region (length from `in2LenArg` or `in2Fixed`), 4 iovec data (count from `in2LenArg`). */
  in2Kind: number;
  /** Argument index of the second input's length (or of out2's iovec count), or 0xff to use `in2Fixed`. */
  in2LenArg: number;
  in2Fixed: number;
  out2Ptr: number;
  /**
   * 0 none, 2 `out2Fixed` bytes at the argument, 3 the same behind the pointer at `out2Off` in it, 4 iovec data,
   * 5 an address whose length the kernel wrote back at the `in2LenArg` argument (at most `out2Fixed` bytes).
   */
  out2Kind: number;
  out2Fixed: number;
  out2Off: number;
}

/** Second-region kinds of a CaptureSpec. */
export const REGION_KIND = { region: 1, fixed: 2, deref: 3, gather: 4, sockaddr: 5 } as const;

/** sizeof(struct stat) on x86_64 (arch/x86/include/uapi/asm/stat.h). */
export const STAT_SIZE = 144;
/** sizeof(struct open_how) (linux/openat2.h, 5.6). */
export const OPEN_HOW_SIZE = 24;

/**
 * User memory behind each kind of struct argument: `in` bytes read at entry, `out` bytes read at exit (after a
 * successful call). A size of 0 means "from the length argument" (in) or "the return value" (out). The kernel
 * programs capture one input and one output region per call: the first argument of each direction gets it.
 * Arrays whose length is a count (pollfd, iovec) are read at a fixed size and shown up to what was read.
 */
export const MEMORY: Partial<Record<ArgKind, { in?: number; out?: number }>> = {
  inbuf: { in: 0 }, outbuf: { out: 0 }, open_how: { in: OPEN_HOW_SIZE }, stat: { out: STAT_SIZE },
  sockaddr: { in: 0 }, sockaddr_out: { out: 128 }, addrlen: { in: 4 }, fd_pair: { out: 8 }, wait_status: { out: 4 },
  sigaction_in: { in: 32 }, sigaction_out: { out: 32 }, sigset_in: { in: 8 }, sigset_out: { out: 8 },
  rlimit_in: { in: 16 }, rlimit_out: { out: 16 }, utsname: { out: 390 }, statx: { out: 256 }, timespec: { in: 16 },
  futex_timeout: { in: 16 }, pollfd: { in: 64, out: 64 }, iovec: { in: 128 }, ioctl_arg: { in: 64, out: 64 },
  arch_prctl_arg: { out: 8 }, random_buf: { out: 0 }, dirents: { out: 0 }, clone_args: { in: 0 },
  iovec_out: { in: 128 }, ppoll_timeout: { in: 16, out: 16 },
};


const PATH_NAMES = new Set(['filename', 'pathname', 'path', 'oldname', 'newname', 'old', 'new', 'specialfile', 'library', 'oldpath', 'newpath', 'dev_name', 'dir_name', 'new_root', 'put_old', 'name']);

/** Per-syscall overrides: argument index → kind (and length argument). */
const OVERRIDES: Record<string, Record<number, Omit<ArgSpec, 'name'>>> = {
  read: { 1: { kind: 'outbuf' } },
  pread64: { 1: { kind: 'outbuf' } },
  write: { 1: { kind: 'inbuf', lenArg: 2 } },
  pwrite64: { 1: { kind: 'inbuf', lenArg: 2 } },
  open: { 1: { kind: 'open_flags' }, 2: { kind: 'open_mode' } },
  openat: { 0: { kind: 'dirfd' }, 2: { kind: 'open_flags' }, 3: { kind: 'open_mode' } },
  openat2: { 0: { kind: 'dirfd' }, 2: { kind: 'open_how' } },
  creat: { 1: { kind: 'mode' } },
  access: { 1: { kind: 'access_mode' } },
  faccessat: { 0: { kind: 'dirfd' }, 2: { kind: 'access_mode' } },
  faccessat2: { 0: { kind: 'dirfd' }, 2: { kind: 'access_mode' }, 3: { kind: 'faccessat_flags' } },
  mmap: { 0: { kind: 'ptr' }, 2: { kind: 'mmap_prot' }, 3: { kind: 'mmap_flags' }, 4: { kind: 'fd' }, 5: { kind: 'hex' } },
  mprotect: { 0: { kind: 'ptr' }, 2: { kind: 'mmap_prot' } },
  munmap: { 0: { kind: 'ptr' } },
  brk: { 0: { kind: 'ptr' } },
  stat: { 1: { kind: 'stat' } },
  lstat: { 1: { kind: 'stat' } },
  fstat: { 1: { kind: 'stat' } },
  newfstatat: { 0: { kind: 'dirfd' }, 2: { kind: 'stat' }, 3: { kind: 'at_flags' } },
  unlinkat: { 0: { kind: 'dirfd' }, 2: { kind: 'at_flags' } },
  mkdir: { 1: { kind: 'mode' } },
  mkdirat: { 0: { kind: 'dirfd' }, 2: { kind: 'mode' } },
  chmod: { 1: { kind: 'mode' } },
  fchmod: { 1: { kind: 'mode' } },
  fchmodat: { 0: { kind: 'dirfd' }, 2: { kind: 'mode' } },
  readlink: { 1: { kind: 'outbuf' } },
  readlinkat: { 0: { kind: 'dirfd' }, 2: { kind: 'outbuf' } },
  execve: { 1: { kind: 'argv' }, 2: { kind: 'ptr' } },
  lseek: { 1: { kind: 'off' }, 2: { kind: 'whence' } },
  pipe: { 0: { kind: 'fd_pair' } },
  pipe2: { 0: { kind: 'fd_pair' }, 1: { kind: 'fd_flags' } },
  dup3: { 2: { kind: 'fd_flags' } },
  fcntl: { 1: { kind: 'fcntl_cmd' }, 2: { kind: 'fcntl_arg' } },
  ioctl: { 1: { kind: 'ioctl_cmd' }, 2: { kind: 'ioctl_arg' } },
  socket: { 0: { kind: 'sock_domain' }, 1: { kind: 'sock_type' }, 2: { kind: 'sock_proto' } },
  socketpair: { 0: { kind: 'sock_domain' }, 1: { kind: 'sock_type' }, 2: { kind: 'sock_proto' }, 3: { kind: 'fd_pair' } },
  connect: { 1: { kind: 'sockaddr', lenArg: 2 } },
  bind: { 1: { kind: 'sockaddr', lenArg: 2 } },
  accept: { 1: { kind: 'sockaddr_out' }, 2: { kind: 'addrlen' } },
  accept4: { 1: { kind: 'sockaddr_out' }, 2: { kind: 'addrlen' }, 3: { kind: 'sock_flags' } },
  getsockname: { 1: { kind: 'sockaddr_out' }, 2: { kind: 'addrlen' } },
  getpeername: { 1: { kind: 'sockaddr_out' }, 2: { kind: 'addrlen' } },
  sendto: { 1: { kind: 'inbuf', lenArg: 2 }, 3: { kind: 'msg_flags' }, 4: { kind: 'sockaddr', lenArg: 5 } },
  recvfrom: { 1: { kind: 'outbuf' }, 3: { kind: 'msg_flags' }, 4: { kind: 'sockaddr_out' }, 5: { kind: 'addrlen' } },
  clone: { 0: { kind: 'clone_flags' }, 1: { kind: 'clone_arg' }, 2: { kind: 'clone_arg' }, 3: { kind: 'clone_arg' }, 4: { kind: 'clone_arg' } },
  clone3: { 0: { kind: 'clone_args', lenArg: 1 } },
  wait4: { 1: { kind: 'wait_status' }, 2: { kind: 'wait_options' } },
  kill: { 1: { kind: 'signal' } },
  tkill: { 1: { kind: 'signal' } },
  tgkill: { 2: { kind: 'signal' } },
  rt_sigaction: { 0: { kind: 'signal' }, 1: { kind: 'sigaction_in' }, 2: { kind: 'sigaction_out' } },
  rt_sigprocmask: { 0: { kind: 'sigprocmask_how' }, 1: { kind: 'sigset_in' }, 2: { kind: 'sigset_out' } },
  prlimit64: { 1: { kind: 'rlimit_resource' }, 2: { kind: 'rlimit_in' }, 3: { kind: 'rlimit_out' } },
  getrlimit: { 0: { kind: 'rlimit_resource' }, 1: { kind: 'rlimit_out' } },
  setrlimit: { 0: { kind: 'rlimit_resource' }, 1: { kind: 'rlimit_in' } },
  uname: { 0: { kind: 'utsname' } },
  statx: { 0: { kind: 'dirfd' }, 2: { kind: 'statx_flags' }, 3: { kind: 'statx_mask' }, 4: { kind: 'statx' } },
  nanosleep: { 0: { kind: 'timespec' } },
  clock_nanosleep: { 0: { kind: 'clockid' }, 1: { kind: 'timer_flags' }, 2: { kind: 'timespec' } },
  poll: { 0: { kind: 'pollfd' } },
  ppoll: { 0: { kind: 'pollfd' }, 2: { kind: 'ppoll_timeout' } },
  readv: { 0: { kind: 'fd' }, 1: { kind: 'iovec_out' } },
  writev: { 0: { kind: 'fd' }, 1: { kind: 'iovec' } },
  preadv: { 0: { kind: 'fd' }, 1: { kind: 'iovec_out' } },
  pwritev: { 0: { kind: 'fd' }, 1: { kind: 'iovec' } },
  arch_prctl: { 0: { kind: 'arch_prctl_code' }, 1: { kind: 'arch_prctl_arg' } },
  rseq: { 1: { kind: 'hex' }, 3: { kind: 'hex' } },
  futex: { 1: { kind: 'futex_op' }, 2: { kind: 'futex_arg' }, 3: { kind: 'futex_timeout' }, 4: { kind: 'futex_arg' }, 5: { kind: 'futex_arg' } },
  getrandom: { 0: { kind: 'random_buf' }, 2: { kind: 'grnd_flags' } },
  umask: { 0: { kind: 'mode' } },
  getdents64: { 1: { kind: 'dirents' } },
  madvise: { 0: { kind: 'ptr' }, 2: { kind: 'madvice' } },
  fadvise64: { 1: { kind: 'off' }, 3: { kind: 'fadvice' } },
};

/** Arguments of syscalls the kernel has no tracepoint format for (their table entry has none). */
const MISSING_ARGS: Record<string, SyscallEntry['args']> = {
  uname: [{ name: 'name', type: 'struct new_utsname *' }],
};

const HEX_RET = new Set(['mmap', 'brk', 'mremap', 'shmat']);
const NO_RET = new Set(['exit', 'exit_group']);

function defaultKind(name: string, type: string): ArgKind {
  if (type === 'const char *' && PATH_NAMES.has(name)) return 'path';
  if (type === 'const char *') return 'str';
  if (type.includes('*')) return 'ptr';
  if ((name === 'fd' || name === 'oldfd' || name === 'newfd' || name === 'ufd') && /\bint\b/.test(type)) return 'fd';
  if (name === 'dfd' || name === 'olddfd' || name === 'newdfd') return 'dirfd';
  if (type === 'umode_t' || type === 'mode_t') return 'mode';
  if (/^(unsigned|size_t|u32|u64|__u32|__u64)/.test(type)) return 'uint';
  return 'int';
}

function specOf(e: SyscallEntry): SyscallSpec {
  const over = OVERRIDES[e.name] ?? {};
  const known = e.args ?? MISSING_ARGS[e.name] ?? null;
  const args = known ?? Array.from({ length: 6 }, (_, i) => ({ name: `arg${i}`, type: 'unsigned long' }));
  const decode = args.map((a, i): ArgSpec => {
    const o = over[i];
    const kind = o?.kind ?? (known ? defaultKind(a.name, a.type) : 'hex');
    return { name: a.name, kind, ...(o?.lenArg !== undefined ? { lenArg: o.lenArg } : {}) };
  });
  // fd arguments of *at() calls named `fd` that are really dirfds (newfstatat's is `dfd`, already a dirfd).
  return { ...e, args: known, decode, ret: HEX_RET.has(e.name) ? 'hex' : NO_RET.has(e.name) ? 'none' : 'int' };
}

/** Every syscall's decoding, by number. */
export const SYSCALL_SPECS: ReadonlyMap<number, SyscallSpec> = new Map(SYSCALLS.map((e) => [e.nr, specOf(e)]));

/** Syscall numbers by name. */
export const SYSCALL_NUMBERS: ReadonlyMap<string, number> = new Map(SYSCALLS.map((e) => [e.name, e.nr]));

/** The highest syscall number + 1 (size of the kernel's per-syscall array). */
export const SYSCALL_SLOTS = 512;

/** The phase in which argument `a` is known. */
export function argPhase(a: ArgSpec): ArgPhase {
  const m = MEMORY[a.kind];
  return (m?.out !== undefined && m.in === undefined) || a.kind === 'addrlen' || a.kind === 'ioctl_arg' || a.kind === 'iovec_out' ? 'exit' : 'entry';
}

const captures = new WeakMap<SyscallSpec, CaptureSpec>();

/** What the kernel captures for a syscall (computed once per spec: the decoder asks for every argument). */
export function captureSpec(s: SyscallSpec): CaptureSpec {
  let c = captures.get(s);
  if (!c) captures.set(s, (c = computeCaptureSpec(s)));
  return c;
}

function computeCaptureSpec(s: SyscallSpec): CaptureSpec {
  const c: CaptureSpec = {
    str0: 0xff, str1: 0xff, inPtr: 0xff, inLenArg: 0xff, inFixed: 0, outPtr: 0xff, outKind: 0, outFixed: 0,
    in2Ptr: 0xff, in2Kind: 0, in2LenArg: 0xff, in2Fixed: 0, out2Ptr: 0xff, out2Kind: 0, out2Fixed: 0, out2Off: 0,
  };
  s.decode.forEach((a, i) => {
    if (a.kind === 'path' || a.kind === 'str') {
      if (c.str0 === 0xff) c.str0 = i;
      else if (c.str1 === 0xff) c.str1 = i;
      return;
    }
    const m = MEMORY[a.kind];
    if (m?.in !== undefined && c.inPtr === 0xff) {
      c.inPtr = i;
      if (m.in === 0) c.inLenArg = a.lenArg ?? 0xff;
      else c.inFixed = m.in;
    } else if (m?.in !== undefined && c.in2Ptr === 0xff) {
      c.in2Ptr = i;
      c.in2Kind = REGION_KIND.region;
      if (m.in === 0) c.in2LenArg = a.lenArg ?? 0xff;
      else c.in2Fixed = m.in;
    }
    if (m?.out !== undefined && c.outPtr === 0xff) {
      c.outPtr = i;
      c.outKind = m.out === 0 ? 1 : 2;
      c.outFixed = m.out;
    } else if (m?.out !== undefined && m.out > 0 && c.out2Ptr === 0xff) {
      c.out2Ptr = i;
      c.out2Kind = REGION_KIND.fixed;
      c.out2Fixed = m.out;
    }
    // The data of an iovec array: writev's at entry, readv's at exit (as much as the call returned).
    if ((a.kind === 'iovec' || a.kind === 'iovec_out') && c.in2Ptr === 0xff && c.out2Ptr === 0xff) {
      if (a.kind === 'iovec') {
        c.in2Ptr = i;
        c.in2Kind = REGION_KIND.gather;
      } else {
        c.out2Ptr = i;
        c.out2Kind = REGION_KIND.gather;
      }
      c.in2LenArg = i + 1;
    }
    // recvfrom: the source address, as long as the length the kernel wrote back into addrlen.
    if (a.kind === 'sockaddr_out' && c.out2Ptr === i) {
      c.out2Kind = REGION_KIND.sockaddr;
      const len = s.decode.findIndex((d) => d.kind === 'addrlen');
      if (len >= 0) c.in2LenArg = len;
    }
    // clone3: the child's tid the kernel stores at clone_args.parent_tid (offset 24), a u32.
    if (a.kind === 'clone_args') {
      c.out2Ptr = i;
      c.out2Kind = REGION_KIND.deref;
      c.out2Off = 24;
      c.out2Fixed = 4;
    }
  });
  return c;
}

/** Classes of `-e trace=%class`, as strace defines them (approximated from the argument names and types). */
export function syscallClasses(s: SyscallSpec): Set<string> {
  const out = new Set<string>();
  if (s.decode.some((a) => a.kind === 'path')) out.add('file');
  if (s.decode.some((a) => a.kind === 'fd' || a.kind === 'dirfd') || /^(close|dup.?|pipe2?|epoll_\w+|eventfd2?|signalfd4?|timerfd_\w+|memfd_create|socket)$/.test(s.name)) out.add('desc');
  if (/^(clone3?|fork|vfork|execve(at)?|exit(_group)?|wait4|waitid|kill|tkill|tgkill|rt_sigqueueinfo|rt_tgsigqueueinfo|pidfd_\w+|arch_prctl|unshare)$/.test(s.name)) out.add('process');
  if (/^(mmap|munmap|mprotect|brk|mremap|madvise|mlock2?|munlock|mlockall|munlockall|msync|mincore|remap_file_pages|mbind|set_mempolicy|get_mempolicy|pkey_mprotect|process_madvise)$/.test(s.name)) out.add('memory');
  if (/^(socket|socketpair|connect|bind|listen|accept4?|sendto|recvfrom|sendmsg|recvmsg|sendmmsg|recvmmsg|shutdown|getsockname|getpeername|setsockopt|getsockopt)$/.test(s.name)) out.add('network');
  if (/^(rt_sig\w+|kill|tkill|tgkill|sigaltstack|pause|signalfd4?)$/.test(s.name)) out.add('signal');
  if (/^(msg\w+|sem\w+|shm\w+)$/.test(s.name)) out.add('ipc');
  if (/stat/.test(s.name)) out.add('stat');
  return out;
}

/**
 * `--exact`: the syscalls whose user memory the kernel programs read at entry (strings, input regions, writev's
 * iovec data), with the indexes of those pointer arguments; `iovecs` names the syscalls whose iovec elements'
 * data is read too ([array argument, count argument]). Only syscalls in `trace` when it is given: a trapped call
 * costs a round trip through the supervisor, so calls that are not printed are left alone.
 */
export function entryReads(trace?: ReadonlySet<number>): { trapped: Map<number, number[]>; iovecs: Map<number, readonly [number, number]> } {
  const trapped = new Map<number, number[]>();
  const iovecs = new Map<number, readonly [number, number]>();
  for (const s of SYSCALL_SPECS.values()) {
    if (s.nr >= SYSCALL_SLOTS || (trace && !trace.has(s.nr))) continue;
    const c = captureSpec(s);
    const ptrs = [c.str0, c.str1, c.inPtr, c.in2Kind !== 0 ? c.in2Ptr : 0xff].filter((i) => i <= 5);
    if (!ptrs.length) continue;
    trapped.set(s.nr, [...new Set(ptrs)]);
    if (c.in2Kind === REGION_KIND.gather && c.in2LenArg <= 5) iovecs.set(s.nr, [c.in2Ptr, c.in2LenArg]);
  }
  return { trapped, iovecs };
}

/**
 * What siesta knows about each syscall beyond the generated table: how each argument is printed, which user
 * memory the kernel programs capture (strings and input buffers at entry, output buffers at exit), how the
 * return value is printed, and the classes of `-e trace=%file` etc.
 */
import { SYSCALLS, type SyscallEntry } from './syscall-table.js';

/** How one argument is printed. `path`/`str` are captured strings; `inbuf`/`outbuf`/structs are captured bytes. */
export type ArgKind =
  | 'int' | 'uint' | 'hex' | 'ptr' | 'fd' | 'dirfd' | 'path' | 'str' | 'inbuf' | 'outbuf' | 'mode' | 'open_flags'
  | 'open_mode' | 'access_mode' | 'mmap_prot' | 'mmap_flags' | 'at_flags' | 'open_how' | 'stat' | 'argv';

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
 * strings, of one input buffer (read at entry) and of one output buffer (read at exit). 0xff = none.
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
}

/** sizeof(struct stat) on x86_64 (arch/x86/include/uapi/asm/stat.h). */
export const STAT_SIZE = 144;
/** sizeof(struct open_how) (linux/openat2.h, 5.6). */
export const OPEN_HOW_SIZE = 24;

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
  faccessat2: { 0: { kind: 'dirfd' }, 2: { kind: 'access_mode' }, 3: { kind: 'at_flags' } },
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
  const args = e.args ?? Array.from({ length: 6 }, (_, i) => ({ name: `arg${i}`, type: 'unsigned long' }));
  const decode = args.map((a, i): ArgSpec => {
    const o = over[i];
    const kind = o?.kind ?? (e.args ? defaultKind(a.name, a.type) : 'hex');
    return { name: a.name, kind, ...(o?.lenArg !== undefined ? { lenArg: o.lenArg } : {}) };
  });
  // fd arguments of *at() calls named `fd` that are really dirfds (newfstatat's is `dfd`, already a dirfd).
  return { ...e, decode, ret: HEX_RET.has(e.name) ? 'hex' : NO_RET.has(e.name) ? 'none' : 'int' };
}

/** Every syscall's decoding, by number. */
export const SYSCALL_SPECS: ReadonlyMap<number, SyscallSpec> = new Map(SYSCALLS.map((e) => [e.nr, specOf(e)]));

/** Syscall numbers by name. */
export const SYSCALL_NUMBERS: ReadonlyMap<string, number> = new Map(SYSCALLS.map((e) => [e.name, e.nr]));

/** The highest syscall number + 1 (size of the kernel's per-syscall array). */
export const SYSCALL_SLOTS = 512;

/** The phase in which argument `a` is known. */
export function argPhase(a: ArgSpec): ArgPhase {
  return a.kind === 'outbuf' || a.kind === 'stat' ? 'exit' : 'entry';
}

/** What the kernel captures for a syscall. */
export function captureSpec(s: SyscallSpec): CaptureSpec {
  const c: CaptureSpec = { str0: 0xff, str1: 0xff, inPtr: 0xff, inLenArg: 0xff, inFixed: 0, outPtr: 0xff, outKind: 0, outFixed: 0 };
  s.decode.forEach((a, i) => {
    if (a.kind === 'path' || a.kind === 'str') {
      if (c.str0 === 0xff) c.str0 = i;
      else if (c.str1 === 0xff) c.str1 = i;
    } else if (a.kind === 'inbuf' && c.inPtr === 0xff) {
      c.inPtr = i;
      c.inLenArg = a.lenArg ?? 0xff;
    } else if (a.kind === 'open_how' && c.inPtr === 0xff) {
      c.inPtr = i;
      c.inFixed = OPEN_HOW_SIZE;
    } else if (a.kind === 'outbuf' && c.outPtr === 0xff) {
      c.outPtr = i;
      c.outKind = 1;
    } else if (a.kind === 'stat' && c.outPtr === 0xff) {
      c.outPtr = i;
      c.outKind = 2;
      c.outFixed = STAT_SIZE;
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

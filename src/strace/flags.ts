/**
 * Flag sets and enums of the x86_64 UAPI as strace names them, in strace's print order (its xlat tables).
 * Values from include/uapi/asm-generic/fcntl.h, mman-common.h, mman.h, x86 mman.h, fcntl.h (AT_*),
 * openat2.h (RESOLVE_*) and stat.h.
 */

/** An ordered list of [value, name]; a zero value names the empty set. */
export type FlagTable = ReadonlyArray<readonly [number, string]>;

/** `A|B|0x40` for the bits of `value`: names in table order, unknown bits as one hex remainder; `zero` for 0. */
export function formatFlags(value: number, table: FlagTable, zero = '0'): string {
  if (value === 0) return table.find(([v]) => v === 0)?.[1] ?? zero;
  const parts: string[] = [];
  let rest = value >>> 0;
  for (const [v, name] of table) {
    if (v !== 0 && (rest & v) === v) {
      parts.push(name);
      rest = (rest & ~v) >>> 0;
    }
  }
  if (rest) parts.push(`0x${rest.toString(16)}`);
  return parts.join('|');
}

/**
 * Open flags after the access mode (octal values of asm-generic/fcntl.h), in the order strace 6.1 prints them
 * (seen here: `O_NOFOLLOW|O_CLOEXEC|O_PATH|O_DIRECTORY`, `O_CLOEXEC|O_TMPFILE`, O_ASYNC last as `FASYNC`).
 * O_SYNC includes O_DSYNC's bit and O_TMPFILE O_DIRECTORY's, so each comes before the flag it contains.
 */
export const OPEN_FLAGS: FlagTable = [
  [0o100, 'O_CREAT'], [0o200, 'O_EXCL'], [0o400, 'O_NOCTTY'], [0o1000, 'O_TRUNC'], [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'], [0o4010000, 'O_SYNC'], [0o10000, 'O_DSYNC'], [0o40000, 'O_DIRECT'], [0o100000, 'O_LARGEFILE'],
  [0o400000, 'O_NOFOLLOW'], [0o1000000, 'O_NOATIME'], [0o2000000, 'O_CLOEXEC'], [0o10000000, 'O_PATH'],
  [0o20200000, 'O_TMPFILE'], [0o200000, 'O_DIRECTORY'], [0o20000, 'FASYNC'],
];

/** O_CREAT | O_TMPFILE's own bit: a mode argument is printed only when one of them is set. */
export const O_CREAT = 0o100;
/** The bit of O_TMPFILE that is not O_DIRECTORY. */
export const O__TMPFILE = 0o20000000;

/** `O_RDONLY|O_CLOEXEC`: the access mode, then the flags. */
export function formatOpenFlags(flags: number): string {
  const acc = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][flags & 3]!;
  const rest = flags & ~3;
  return rest ? `${acc}|${formatFlags(rest, OPEN_FLAGS)}` : acc;
}

/** access(2) modes. */
export const ACCESS_MODES: FlagTable = [[0, 'F_OK'], [4, 'R_OK'], [2, 'W_OK'], [1, 'X_OK']];

/** mmap/mprotect protections. */
export const MMAP_PROT: FlagTable = [
  [0, 'PROT_NONE'], [1, 'PROT_READ'], [2, 'PROT_WRITE'], [4, 'PROT_EXEC'], [8, 'PROT_SEM'],
  [0x01000000, 'PROT_GROWSDOWN'], [0x02000000, 'PROT_GROWSUP'],
];

const MMAP_FLAG_BITS: FlagTable = [
  [0x10, 'MAP_FIXED'], [0x20, 'MAP_ANONYMOUS'], [0x40, 'MAP_32BIT'], [0x100, 'MAP_GROWSDOWN'], [0x800, 'MAP_DENYWRITE'],
  [0x1000, 'MAP_EXECUTABLE'], [0x2000, 'MAP_LOCKED'], [0x4000, 'MAP_NORESERVE'], [0x8000, 'MAP_POPULATE'],
  [0x10000, 'MAP_NONBLOCK'], [0x20000, 'MAP_STACK'], [0x40000, 'MAP_HUGETLB'], [0x80000, 'MAP_SYNC'],
  [0x100000, 'MAP_FIXED_NOREPLACE'],
];

/** `MAP_PRIVATE|MAP_ANONYMOUS`: the mapping type (low 4 bits), then the flags. */
export function formatMmapFlags(flags: number): string {
  const type = ['0', 'MAP_SHARED', 'MAP_PRIVATE', 'MAP_SHARED_VALIDATE'][flags & 0xf] ?? `0x${(flags & 0xf).toString(16)}`;
  const rest = flags & ~0xf;
  return rest ? `${type}|${formatFlags(rest, MMAP_FLAG_BITS)}` : type;
}

/** AT_* flags of the *at() calls. */
export const AT_FLAGS: FlagTable = [
  [0x100, 'AT_SYMLINK_NOFOLLOW'], [0x200, 'AT_REMOVEDIR'], [0x400, 'AT_SYMLINK_FOLLOW'], [0x800, 'AT_NO_AUTOMOUNT'],
  [0x1000, 'AT_EMPTY_PATH'],
];

/** openat2 resolve flags (linux/openat2.h, 5.6). */
export const RESOLVE_FLAGS: FlagTable = [
  [1, 'RESOLVE_NO_XDEV'], [2, 'RESOLVE_NO_MAGICLINKS'], [4, 'RESOLVE_NO_SYMLINKS'], [8, 'RESOLVE_BENEATH'],
  [0x10, 'RESOLVE_IN_ROOT'], [0x20, 'RESOLVE_CACHED'],
];

/** AT_FDCWD, the "current directory" dirfd. */
export const AT_FDCWD = -100;

const FILE_TYPES: ReadonlyArray<readonly [number, string]> = [
  [0o140000, 'S_IFSOCK'], [0o120000, 'S_IFLNK'], [0o100000, 'S_IFREG'], [0o60000, 'S_IFBLK'], [0o40000, 'S_IFDIR'],
  [0o20000, 'S_IFCHR'], [0o10000, 'S_IFIFO'],
];

/** `S_IFREG|0644`, `S_IFDIR|S_ISVTX|0777`: st_mode as strace prints it (set-id and sticky bits by name). */
export function formatStMode(mode: number): string {
  const type = FILE_TYPES.find(([v]) => (mode & 0o170000) === v)?.[1];
  const parts = type ? [type] : [];
  for (const [bit, name] of [[0o4000, 'S_ISUID'], [0o2000, 'S_ISGID'], [0o1000, 'S_ISVTX']] as const) if (mode & bit) parts.push(name);
  parts.push(`0${(mode & 0o777).toString(8).padStart(3, '0')}`);
  return parts.join('|');
}

/** An octal mode argument (`0640`), strace's `%#03o`. */
export function formatMode(mode: number): string {
  return mode === 0 ? '000' : `0${mode.toString(8).padStart(2, '0')}`;
}

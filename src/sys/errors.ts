/**
 * Host errors: every failed system call becomes a SysError that names the call, the errno and its meaning.
 */

/** errno names and messages (asm-generic/errno-base.h and errno.h), the ones the bpf/perf/mount paths meet. */
const ERRNOS: Record<number, [string, string]> = {
  1: ['EPERM', 'Operation not permitted'],
  2: ['ENOENT', 'No such file or directory'],
  3: ['ESRCH', 'No such process'],
  4: ['EINTR', 'Interrupted system call'],
  5: ['EIO', 'Input/output error'],
  6: ['ENXIO', 'No such device or address'],
  7: ['E2BIG', 'Argument list too long'],
  8: ['ENOEXEC', 'Exec format error'],
  9: ['EBADF', 'Bad file descriptor'],
  10: ['ECHILD', 'No child processes'],
  11: ['EAGAIN', 'Resource temporarily unavailable'],
  12: ['ENOMEM', 'Cannot allocate memory'],
  13: ['EACCES', 'Permission denied'],
  14: ['EFAULT', 'Bad address'],
  16: ['EBUSY', 'Device or resource busy'],
  17: ['EEXIST', 'File exists'],
  18: ['EXDEV', 'Invalid cross-device link'],
  19: ['ENODEV', 'No such device'],
  20: ['ENOTDIR', 'Not a directory'],
  21: ['EISDIR', 'Is a directory'],
  22: ['EINVAL', 'Invalid argument'],
  23: ['ENFILE', 'Too many open files in system'],
  24: ['EMFILE', 'Too many open files'],
  25: ['ENOTTY', 'Inappropriate ioctl for device'],
  27: ['EFBIG', 'File too large'],
  28: ['ENOSPC', 'No space left on device'],
  29: ['ESPIPE', 'Illegal seek'],
  30: ['EROFS', 'Read-only file system'],
  32: ['EPIPE', 'Broken pipe'],
  34: ['ERANGE', 'Numerical result out of range'],
  36: ['ENAMETOOLONG', 'File name too long'],
  38: ['ENOSYS', 'Function not implemented'],
  39: ['ENOTEMPTY', 'Directory not empty'],
  40: ['ELOOP', 'Too many levels of symbolic links'],
  61: ['ENODATA', 'No data available'],
  75: ['EOVERFLOW', 'Value too large for defined data type'],
  95: ['EOPNOTSUPP', 'Operation not supported'],
  110: ['ETIMEDOUT', 'Connection timed out'],
  111: ['ECONNREFUSED', 'Connection refused'],
  524: ['ENOTSUPP', 'Operation is not supported'],
};

/** Symbolic name of an errno value, e.g. `EPERM`, or `errno N` when unknown. */
export function errnoName(errno: number): string {
  return ERRNOS[errno]?.[0] ?? `errno ${errno}`;
}

/** The C library's message for an errno value, e.g. `Operation not permitted`. */
export function errnoMessage(errno: number): string {
  return ERRNOS[errno]?.[1] ?? 'Unknown error';
}

/** A failed system call: `call` names it (e.g. `bpf(BPF_PROG_LOAD)`), `errno` is the kernel's error number. */
export class SysError extends Error {
  override readonly name = 'SysError';
  constructor(
    readonly call: string,
    readonly errno: number,
    readonly hint?: string,
  ) {
    super(`${call} failed: ${errnoName(errno)} (${errnoMessage(errno)})${hint ? `: ${hint}` : ''}`);
  }

  /** The errno's symbolic name. */
  get code(): string {
    return errnoName(this.errno);
  }
}

/** True when `e` is a SysError carrying one of the given errno values. */
export function isErrno(e: unknown, ...errnos: number[]): e is SysError {
  return e instanceof SysError && errnos.includes(e.errno);
}

/** errno values used by name in the code. */
export const EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, E2BIG = 7, EBADF = 9, EAGAIN = 11, ENOMEM = 12,
  EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19, EINVAL = 22, ENOSPC = 28, ENOSYS = 38,
  EOPNOTSUPP = 95, ENOTSUPP = 524;

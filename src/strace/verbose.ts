/**
 * -v: structures printed whole instead of strace's abbreviated `{st_mode=..., st_size=..., ...}`.
 */
import { formatStMode } from './flags.js';

function makedev(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `makedev(0x${major.toString(16)}, ${minor ? `0x${minor.toString(16)}` : '0'})`;
}

/** `1796407986 /* 2026-12-04T18:13:06.128636510+0000 *\/`, as strace -v prints a time (in UTC here). */
function time(sec: bigint, nsec: bigint): string {
  const d = new Date(Number(sec) * 1000);
  if (Number.isNaN(d.getTime())) return String(sec);
  return `${sec} /* ${d.toISOString().slice(0, 19)}.${String(nsec).padStart(9, '0')}+0000 */`;
}

/** Every field of an x86_64 struct stat (arch/x86/include/uapi/asm/stat.h, 144 bytes), in strace -v's order. */
export function formatStatVerbose(b: Uint8Array): string {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u64 = (at: number): bigint => v.getBigUint64(at, true);
  const s64 = (at: number): bigint => v.getBigInt64(at, true);
  const mode = v.getUint32(24, true);
  const type = mode & 0o170000;
  const device = type === 0o20000 || type === 0o60000;
  return `{${[
    `st_dev=${makedev(u64(0))}`, `st_ino=${u64(8)}`, `st_mode=${formatStMode(mode)}`, `st_nlink=${u64(16)}`,
    `st_uid=${v.getUint32(28, true)}`, `st_gid=${v.getUint32(32, true)}`, `st_blksize=${s64(56)}`, `st_blocks=${s64(64)}`,
    device ? `st_rdev=${makedev(u64(40))}` : `st_size=${s64(48)}`,
    `st_atime=${time(s64(72), u64(80))}`, `st_atime_nsec=${u64(80)}`,
    `st_mtime=${time(s64(88), u64(96))}`, `st_mtime_nsec=${u64(96)}`,
    `st_ctime=${time(s64(104), u64(112))}`, `st_ctime_nsec=${u64(112)}`,
  ].join(', ')}}`;
}

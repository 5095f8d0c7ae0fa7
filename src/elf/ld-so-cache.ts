/**
 * Reader for glibc's /etc/ld.so.cache, the table `ldconfig` writes and the dynamic loader searches: soname →
 * path. Layouts are `struct cache_file_new` / `struct file_entry_new` from glibc's sysdeps/generic/dl-cache.h
 * (format "glibc-ld.so.cache1.1", the only one written since glibc 2.32), optionally preceded by the old
 * "ld.so-1.7.0" table that older glibc wrote in front of it.
 *
 *   cache_file_new (48 bytes): magic "glibc-ld.so.cache" version "1.1" | nlibs u32 | len_strings u32 |
 *                              flags u8, pad[3] | extension_offset u32 | unused u32[3]
 *   file_entry_new (24 bytes): flags i32 | key u32 | value u32 | osversion_unused u32 | hwcap u64
 * key and value are offsets of NUL-terminated strings, counted from the start of cache_file_new.
 */
import { cString } from './source.js';

/** One cache entry. */
export interface LdCacheEntry {
  /** The soname, e.g. `libc.so.6`. */
  readonly soname: string;
  /** The file the loader would use, e.g. `/lib/x86_64-linux-gnu/libc.so.6`. */
  readonly path: string;
  /** FLAG_* bits: the low byte is the library type (3 = ELF libc6), the high byte the ABI (0x0300 = x86-64). */
  readonly flags: number;
}

const NEW_MAGIC = 'glibc-ld.so.cache1.1';
const OLD_MAGIC = 'ld.so-1.7.0';
const NEW_HEADER_SIZE = 48;
const NEW_ENTRY_SIZE = 24;
const OLD_ENTRY_SIZE = 12;

/** FLAG_REQUIRED_MASK: the ABI byte of an entry's flags. */
export const LD_CACHE_ABI_MASK = 0xff00;
/** The ABI byte of 64-bit libraries per Node's `process.arch`, from dl-cache.h (FLAG_X8664_LIB64, FLAG_AARCH64_LIB64). */
export const LD_CACHE_ABI_BY_ARCH: Readonly<Record<string, number>> = { x64: 0x0300, arm64: 0x0a00 };

function ascii(bytes: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = 0; i < n && at + i < bytes.length; i++) s += String.fromCharCode(bytes[at + i] ?? 0);
  return s;
}

/** Parses the cache bytes; returns [] for anything that is not a cache this reader understands. */
export function parseLdSoCache(bytes: Uint8Array): LdCacheEntry[] {
  let base = 0;
  if (ascii(bytes, 0, OLD_MAGIC.length) === OLD_MAGIC) {
    if (bytes.length < 16) return [];
    const nOld = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(12, true);
    base = (16 + nOld * OLD_ENTRY_SIZE + 7) & ~7; // the new header is aligned to 8 after the old table
  }
  if (ascii(bytes, base, NEW_MAGIC.length) !== NEW_MAGIC || bytes.length < base + NEW_HEADER_SIZE) return [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nlibs = v.getUint32(base + 20, true);
  const strings = bytes.subarray(base);
  const out: LdCacheEntry[] = [];
  for (let i = 0; i < nlibs; i++) {
    const o = base + NEW_HEADER_SIZE + i * NEW_ENTRY_SIZE;
    if (o + NEW_ENTRY_SIZE > bytes.length) break;
    out.push({ flags: v.getInt32(o, true), soname: cString(strings, v.getUint32(o + 4, true)), path: cString(strings, v.getUint32(o + 8, true)) });
  }
  return out;
}

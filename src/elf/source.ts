/**
 * Where ELF bytes come from: an in-memory buffer, or an open file read with positioned reads so that a large
 * binary's debug sections are never loaded just to find a symbol.
 */
import { Buffer } from 'node:buffer';
import { readSync } from 'node:fs';

import { ElfError } from './elf-error.js';

/** Random access to the bytes of one file. */
export interface ByteSource {
  /** Total length in bytes. */
  readonly size: number;
  /** Exactly `length` bytes starting at `offset`; throws ElfError MALFORMED if the range leaves the file. */
  read(offset: number, length: number): Uint8Array;
}

function checkRange(size: number, offset: number, length: number, what: string, path: string | undefined): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new ElfError('MALFORMED', `${what} (offset ${offset}, ${length} bytes) lies outside the file (${size} bytes)`, { path });
  }
}

/** A ByteSource over bytes already in memory (the returned views share the buffer). */
export function bytesSource(bytes: Uint8Array, path?: string): ByteSource {
  return {
    size: bytes.length,
    read(offset, length) {
      checkRange(bytes.length, offset, length, 'read', path);
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** A ByteSource reading from an open file descriptor of known size; the caller keeps ownership of `fd`. */
export function fileSource(fd: number, size: number, path?: string): ByteSource {
  return {
    size,
    read(offset, length) {
      checkRange(size, offset, length, 'read', path);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        if (n === 0) throw new ElfError('MALFORMED', `file ended at ${offset + done} while reading ${length} bytes at ${offset}`, { path });
        done += n;
      }
      return out;
    },
  };
}

/** Converts a u64 file offset or size to a number, or throws MALFORMED when it cannot be a real position. */
export function toOffset(v: bigint, what: string, path: string | undefined): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError('MALFORMED', `${what} ${v} is not a plausible file position`, { path });
  return Number(v);
}

/** Reads a NUL-terminated string (UTF-8) from `bytes` at `offset`; empty if the offset is out of range. */
export function cString(bytes: Uint8Array, offset: number): string {
  if (offset < 0 || offset >= bytes.length) return '';
  let end = offset;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', offset, end);
}

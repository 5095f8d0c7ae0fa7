/**
 * A little-endian byte record for kernel ABI structs (union bpf_attr, struct perf_event_attr, info structs).
 * Field offsets are written at the call sites next to the kernel struct they mirror.
 */
import { sys } from './backend.js';

/** A zero-filled struct image with typed field writers and readers. */
export class Attr {
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  /** Buffers whose addresses were stored, kept alive while the attr is. */
  readonly #pinned: Uint8Array[] = [];

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.#view = new DataView(this.bytes.buffer);
  }

  u32(offset: number, value: number): this {
    this.#view.setUint32(offset, value >>> 0, true);
    return this;
  }

  s32(offset: number, value: number): this {
    this.#view.setInt32(offset, value, true);
    return this;
  }

  u64(offset: number, value: number | bigint): this {
    this.#view.setBigUint64(offset, BigInt.asUintN(64, BigInt(value)), true);
    return this;
  }

  /** Stores the address of `buf` (a pointer the kernel follows); NULL when `buf` is null. */
  ptr(offset: number, buf: Uint8Array | null): this {
    if (buf === null) return this.u64(offset, 0n);
    this.#pinned.push(buf);
    return this.u64(offset, sys().addressOf(buf));
  }

  /** Copies a name into a fixed char[n] field, truncated to leave the NUL. */
  name(offset: number, value: string, size: number): this {
    const enc = new TextEncoder().encode(value).subarray(0, size - 1);
    this.bytes.set(enc, offset);
    return this;
  }

  getU32(offset: number): number {
    return this.#view.getUint32(offset, true);
  }

  getU64(offset: number): bigint {
    return this.#view.getBigUint64(offset, true);
  }
}

/** A NUL-terminated C string in a fresh buffer. */
export function cString(value: string): Uint8Array {
  const enc = new TextEncoder().encode(value);
  const out = new Uint8Array(enc.length + 1);
  out.set(enc);
  return out;
}

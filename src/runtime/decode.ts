/**
 * Decoders from the bytes siesta's programs leave in maps and ring-buffer records to src/output Values. The
 * layouts are the compiler's (src/codegen/resources.ts; sizeOf and tuple() in src/types/types.ts):
 *
 *   int                  sizeOf(type) bytes, little-endian, signed per `type.signed`
 *   bool                 1 byte, non-zero is true
 *   pointer ksym         8 bytes (an address)
 *   usym                 u64 address, then u64 pid (the process whose mappings name the address)
 *   stack                8 bytes: s32 stack id (negative: get_stackid failed, -errno), u32 pid (ustack)
 *   timestamp            8 bytes: nanoseconds on the clock of `nsecs`, printed with its strftime format
 *   inet                 u64 address family, then 16 address bytes (4 used for AF_INET)
 *   string               `size` bytes, cut at the first NUL; with no NUL in all `size` bytes it was truncated
 *                        and gets bpftrace's trailer (`..`), as bpftrace 0.26's format() in types_format.cpp
 *   buffer               u32 length, then `size` bytes
 *   tuple                element i at offsets[i]
 *   record               each field at its offset; `fields === null` (BTF not converted): the bytes as a buffer
 *   array                len elements of sizeOf(elem) bytes
 *
 * Output records (ring buffer) start with EVENT_HEADER (u32 kind, u32 id); each RecordArg's offset counts from
 * the record's first byte. Top-level integer and bool arguments occupy 8 bytes, already sign/zero-extended:
 *
 *   0       4       8                 16                    16+N              statusOffset
 *   | kind  | id    | int arg (8)     | string[N] arg       | ...             | s64 user-read result |
 *
 * A negative status means the user-memory read behind an argument failed (errno = -status): the argument is
 * decoded as its type's zero value (what the kernel leaves in the destination on failure) and flagged `lost`.
 *
 * Traced data is untrusted: bytes outside the view read as zero, lengths are clamped, nothing throws. Pass a
 * DataView covering one record only (ring-buffer data is mapped twice, so reads past a record's end would
 * otherwise see the next record).
 */
import type { FormatEvent, RecordArg } from '../codegen/resources.js';
import type { ParsedPrintf, PrintfOptions, StackValue, Value, ValueKind } from '../output/index.js';
import { formatPrintf, inetText, parsePrintfFormat, strftimeNs } from '../output/index.js';
import type { RecordField, Type } from '../types/types.js';
import { sizeOf } from '../types/types.js';
import { userName } from './users.js';

/** Hooks for values the decoder cannot render from bytes alone. */
export interface DecodeOptions {
  /**
   * The symbol at a kernel address (ksym), or at a user address of process `pid` (usym); undefined shows the
   * address as bpftrace does when it finds no symbol.
   */
  readonly symbolize?: (address: bigint, user: boolean, pid: number) => string | undefined;
  /** The frames of a kstack/ustack value (`raw`: the 8 stored bytes); without it a stack decodes with no frames. */
  readonly stack?: (raw: bigint, type: StackType) => StackValue;
  /** Wall-clock nanoseconds since the Unix epoch at which `nsecs` read zero, for strftime() values. */
  readonly clockOffsetNs?: bigint;
  /** Appended to strings that fill their buffer with no NUL (bpftrace's str_trunc_trailer; default `..`). */
  readonly truncTrailer?: string;
}

/**
 * How a user-memory value was obtained: read at the event, re-read at syscall exit, read by a bpf_wq callback
 * after the call returned (`deferred`: another thread may have changed the memory by then), taken from kernel
 * state instead (`kernel`: the path of the descriptor an open call returned), or lost.
 */
export type ReadProvenance = 'exact' | 'exit' | 'kernel' | 'deferred' | 'lost';

/** One decoded output-record argument; `lost` when the user-memory read behind it failed. */
export interface DecodedArg {
  readonly value: Value;
  readonly lost?: { readonly errno: number };
  /** Set for arguments read from user memory. */
  readonly provenance?: ReadProvenance;
}

/**
 * Status bits of a value re-read at syscall exit, of one read later by a bpf_wq callback (codegen's PROVENANCE_*),
 * of a variable's value that was not a user read this time (PROVENANCE_NONE, codegen/user-reads.ts), and of the
 * kernel's path of a returned descriptor standing in for a lost path read (PROVENANCE_KERNEL, codegen/kernel-path.ts).
 */
const PROVENANCE_EXIT = 1n << 40n, PROVENANCE_DEFERRED = 1n << 41n, PROVENANCE_NONE = 1n << 42n, PROVENANCE_KERNEL = 1n << 43n;

/** A view of the `length` bytes at `offset` of `view` (one ring-buffer record), clamped to `view`. */
export function recordView(view: DataView, offset: number, length: number): DataView {
  const start = Math.min(Math.max(0, offset), view.byteLength);
  return new DataView(view.buffer, view.byteOffset + start, Math.min(Math.max(0, length), view.byteLength - start));
}

const utf8 = new TextDecoder('utf-8'); // not fatal: invalid sequences become U+FFFD

/** `len` bytes at `offset`, copied (record memory is reused), clamped to the view. */
function bytesAt(view: DataView, offset: number, len: number): Uint8Array {
  const off = Math.trunc(offset) || 0;
  const start = Math.min(Math.max(0, off), view.byteLength);
  const end = Math.min(view.byteLength, Math.max(start, off + Math.max(0, Math.trunc(len) || 0)));
  return new Uint8Array(view.buffer, view.byteOffset + start, end - start).slice();
}

/** Little-endian unsigned integer of `size` bytes at `offset`; bytes outside the view read as zero. */
function readUint(view: DataView, offset: number, size: number): bigint {
  if (Number.isInteger(offset) && offset >= 0 && offset + size <= view.byteLength) {
    switch (size) {
      case 1: return BigInt(view.getUint8(offset));
      case 2: return BigInt(view.getUint16(offset, true));
      case 4: return BigInt(view.getUint32(offset, true));
      case 8: return view.getBigUint64(offset, true);
    }
  }
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) {
    const at = offset + i;
    v = (v << 8n) | BigInt(Number.isInteger(at) && at >= 0 && at < view.byteLength ? view.getUint8(at) : 0);
  }
  return v;
}

/** The `size`-byte little-endian integer at `offset`, signed or not; bytes outside the view read as zero. */
export function readInt(view: DataView, offset: number, size: number, signed: boolean): bigint {
  const v = readUint(view, offset, size);
  return signed ? BigInt.asIntN(size * 8, v) : v;
}

type IntType = Extract<Type, { kind: 'int' }>;
/** The type of a kstack/ustack value. */
export type StackType = Extract<Type, { kind: 'stack' }>;

let defaultClockOffset: bigint | undefined;

/**
 * Wall-clock ns at which CLOCK_MONOTONIC (the clock of siesta's `nsecs`, bpf_ktime_get_ns) read zero. Read
 * from performance.timeOrigin + performance.now() (microsecond precision) beside process.hrtime, which is
 * CLOCK_MONOTONIC; it equals CLOCK_BOOTTIME's offset unless the machine was suspended.
 */
export function monotonicClockOffsetNs(): bigint {
  if (defaultClockOffset === undefined) {
    const mono = process.hrtime.bigint();
    const wall = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
    defaultClockOffset = wall - mono;
  }
  return defaultClockOffset;
}

function intValue(v: bigint, t: IntType): Value {
  const bits = (t.size * 8) as 8 | 16 | 32 | 64;
  // A script enum's value prints as its name; one no name has prints as the number (bpftrace 0.26).
  const named = t.enumVariants?.find((x) => x.value === (t.signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v)));
  if (named) return { kind: 'symbolic', symbol: named.name, numeric: named.value };
  return { kind: 'int', value: t.signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v), signed: t.signed, bits };
}

/** bpftrace prints addresses as `0x<hex>`. */
/** An address with no symbol as bpftrace streams a `void *`: `0x` and lowercase hex, but a bare `0` for NULL. */
function unknownSymbolText(a: bigint): string {
  return a === 0n ? '0' : addressText(a);
}

function addressText(a: bigint): string {
  return `0x${BigInt.asUintN(64, a).toString(16)}`;
}

/**
 * `len` bytes at `offset` without a copy, clamped to the view: only for bytes decoded before the record's
 * space is released (strings become JS strings at once; copying a 1024-byte max_strlen slot per event cost
 * more than everything else in the event's path).
 */
function bytesIn(view: DataView, offset: number, len: number): Uint8Array {
  const off = Math.trunc(offset) || 0;
  const start = Math.min(Math.max(0, off), view.byteLength);
  const end = Math.min(view.byteLength, Math.max(start, off + Math.max(0, Math.trunc(len) || 0)));
  return new Uint8Array(view.buffer, view.byteOffset + start, end - start);
}

/** Bytes up to the first NUL as text; `trailer` is appended when all `size` bytes were present and non-NUL. */
function stringFrom(bytes: Uint8Array, size: number, trailer: string): Value {
  const nul = bytes.indexOf(0);
  const text = utf8.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
  return { kind: 'string', value: nul < 0 && size > 0 && bytes.length === size ? text + trailer : text };
}

/**
 * A tracepoint `__data_loc` field: a u32 at the field holding (length << 16 | offset), the offset counted from
 * the start of the tracepoint record (`base`). Its bytes are often absent from a copied record: clamped.
 */
function decodeDataLoc(view: DataView, base: number, field: RecordField): Value {
  const loc = Number(readUint(view, base + field.offset, 4));
  const len = loc >>> 16;
  const bytes = bytesAt(view, base + (loc & 0xffff), field.type.kind === 'string' ? Math.min(len, field.type.size) : len);
  return field.type.kind === 'string' ? stringFrom(bytes, 0, '') : { kind: 'buffer', bytes };
}

/** A bitfield: `bits` bits starting `bitOffset` bits into the bytes at the field's offset (little-endian). */
function decodeBitfield(view: DataView, base: number, field: RecordField, bf: { bitOffset: number; bits: number }): Value {
  const bits = Math.min(64, Math.max(1, bf.bits));
  const shift = Math.min(64, Math.max(0, bf.bitOffset));
  const raw = readUint(view, base + field.offset, Math.ceil((shift + bits) / 8));
  const v = BigInt.asUintN(bits, raw >> BigInt(shift));
  const t = field.type;
  if (t.kind === 'bool') return { kind: 'bool', value: v !== 0n };
  const signed = t.kind === 'int' && t.signed;
  return { kind: 'int', value: signed ? BigInt.asIntN(bits, v) : v, signed, bits: t.kind === 'int' ? ((t.size * 8) as 8 | 16 | 32 | 64) : 64 };
}

function decodeField(view: DataView, base: number, field: RecordField, options: DecodeOptions): Value {
  if (field.dataLoc) return decodeDataLoc(view, base, field);
  if (field.bitfield) return decodeBitfield(view, base, field, field.bitfield);
  return decodeValue(view, base + field.offset, field.type, options);
}

/** The value of type `type` stored at `offset` of `view` in siesta's in-memory layout (see the file comment). */
export function decodeValue(view: DataView, offset: number, type: Type, options: DecodeOptions = {}): Value {
  switch (type.kind) {
    case 'int':
      return intValue(readUint(view, offset, type.size), type);
    case 'bool':
      return { kind: 'bool', value: readUint(view, offset, 1) !== 0n };
    case 'string':
      return stringFrom(bytesIn(view, offset, type.size), type.size, options.truncTrailer ?? '..');
    case 'buffer': {
      const len = Math.min(Number(readUint(view, offset, 4)), type.size);
      return { kind: 'buffer', bytes: bytesAt(view, offset + 4, len) };
    }
    case 'pointer': {
      const a = readUint(view, offset, 8);
      return { kind: 'symbolic', symbol: addressText(a), numeric: a };
    }
    case 'ksym':
    case 'usym': {
      const a = readUint(view, offset, 8);
      const pid = type.kind === 'usym' ? Number(readUint(view, offset + 8, 4)) : 0;
      return { kind: 'symbolic', symbol: options.symbolize?.(a, type.kind === 'usym', pid) ?? unknownSymbolText(a), numeric: a };
    }
    case 'stack': {
      const raw = readUint(view, offset, 8);
      return options.stack?.(raw, type) ?? { kind: 'stack', user: type.user, mode: type.mode ?? 'bpftrace', frames: [] };
    }
    case 'timestamp':
      return { kind: 'string', value: strftimeNs(type.format, readUint(view, offset, 8), options.clockOffsetNs ?? monotonicClockOffsetNs()) };
    case 'username':
      return { kind: 'string', value: userName(Number(readUint(view, offset, 8) & 0xffffffffn)) };
    case 'inet':
      return { kind: 'string', value: inetText(Number(readUint(view, offset, 8) & 0xffffn), bytesAt(view, offset + 8, 16)) };
    case 'record': {
      if (type.fields === null) return { kind: 'buffer', bytes: bytesAt(view, offset, type.size) };
      return { kind: 'record', fields: type.fields.map((f) => ({ name: f.name, value: decodeField(view, offset, f, options) })) };
    }
    case 'array': {
      const stride = sizeOf(type.elem);
      return { kind: 'array', elements: Array.from({ length: Math.max(0, type.len) }, (_, i) => decodeValue(view, offset + i * stride, type.elem, options)) };
    }
    case 'tuple':
      return { kind: 'tuple', elements: type.elems.map((t, i) => decodeValue(view, offset + (type.offsets[i] ?? 0), t, options)) };
    case 'agg':
      return { kind: 'int', value: readInt(view, offset, 8, true), signed: true, bits: 64 };
    case 'none':
    case 'unknown':
      return { kind: 'none' };
  }
}

/** The kind of Value decodeValue returns for `type` (a map's valueKind when it has no entries). */
export function valueKindOf(type: Type): ValueKind {
  switch (type.kind) {
    case 'pointer': case 'ksym': case 'usym': return 'symbolic';
    case 'record': return type.fields === null ? 'buffer' : 'record';
    case 'agg': return 'int';
    case 'unknown': return 'none';
    case 'timestamp': case 'inet': case 'username': return 'string';
    default: return type.kind;
  }
}

/** A top-level value of an output record: integers and bools there occupy 8 bytes (already extended). */
function decodeRecordValue(view: DataView, offset: number, type: Type, options: DecodeOptions): Value {
  if (type.kind === 'int') return intValue(readInt(view, offset, 8, type.signed), type);
  if (type.kind === 'bool') return { kind: 'bool', value: readUint(view, offset, 8) !== 0n };
  return decodeValue(view, offset, type, options);
}

/** The value a failed read leaves: the type's zero value (the kernel zeroes the destination on failure). */
function zeroValue(type: Type): Value {
  const size = Math.min(Math.max(8, sizeOf(type)), 1 << 20);
  return decodeRecordValue(new DataView(new ArrayBuffer(size)), 0, type, {});
}

/** Decodes the arguments of the output record starting at `recordOffset`, flagging failed user reads. */
export function decodeRecordArgs(view: DataView, recordOffset: number, args: readonly RecordArg[], options: DecodeOptions = {}): DecodedArg[] {
  return args.map((arg) => {
    if (arg.statusOffset !== undefined) {
      const status = readInt(view, recordOffset + arg.statusOffset, 8, true);
      if (status < 0n) return { value: zeroValue(arg.type), lost: { errno: Number(-status) }, provenance: 'lost' };
      if ((status & PROVENANCE_NONE) !== 0n) return { value: decodeRecordValue(view, recordOffset + arg.offset, arg.type, options) };
      const provenance = (status & PROVENANCE_KERNEL) !== 0n ? 'kernel' : (status & PROVENANCE_DEFERRED) !== 0n ? 'deferred' : status >= PROVENANCE_EXIT ? 'exit' : 'exact';
      return { value: decodeRecordValue(view, recordOffset + arg.offset, arg.type, options), provenance };
    }
    return { value: decodeRecordValue(view, recordOffset + arg.offset, arg.type, options) };
  });
}

/** Options of formatPrintfRecord. */
export interface PrintfRecordOptions extends PrintfOptions, DecodeOptions {
  /** Marks the formatted text of an argument whose user read failed (today it prints as the empty value). */
  readonly markLost?: (text: string, errno: number) => string;
  /** Marks the formatted text of any user-memory argument that was not read exactly at the event. */
  readonly markRead?: (text: string, arg: DecodedArg) => string;
}

const parsedFormats = new WeakMap<FormatEvent, ParsedPrintf>();

/** The text of a printf/errorf/warnf/system/cat record at `offset`: `event.format` applied to its arguments. */
export function formatPrintfRecord(event: FormatEvent, view: DataView, offset: number, opts: PrintfRecordOptions = {}): string {
  let parsed = parsedFormats.get(event);
  if (!parsed) {
    parsed = parsePrintfFormat(event.format);
    parsedFormats.set(event, parsed);
  }
  return formatDecodedPrintf(event, decodeRecordArgs(view, offset, event.args, opts), opts);
}

/** Formats already-decoded arguments of a printf-like record. */
export function formatDecodedPrintf(event: FormatEvent, args: readonly DecodedArg[], opts: PrintfRecordOptions = {}): string {
  let parsed = parsedFormats.get(event);
  if (!parsed) {
    parsed = parsePrintfFormat(event.format);
    parsedFormats.set(event, parsed);
  }
  const { markLost, markRead } = opts;
  if (markRead && args.some((a) => a.provenance && a.provenance !== 'exact')) {
    const argText = (text: string, i: number) => {
      const a = args[i];
      return a?.provenance && a.provenance !== 'exact' ? markRead(text, a) : text;
    };
    return formatPrintf(parsed, args.map((a) => a.value), { ...opts, argText });
  }
  const argText = markLost && args.some((a) => a.lost)
    ? (text: string, i: number) => {
        const lost = args[i]?.lost;
        return lost ? markLost(text, lost.errno) : text;
      }
    : undefined;
  return formatPrintf(parsed, args.map((a) => a.value), argText ? { ...opts, argText } : opts);
}

/**
 * The neutral value model traced output is decoded into. The text and JSON printers render this one model
 * (as bpftrace's output::Value / output::Primitive, src/output/output.h), so a decoder never formats text.
 *
 * Integers are bigint holding the mathematical value (a signed -1 is -1n, not 2^64-1n); `bits` keeps the
 * width bpftrace sorts and casts by.
 */

/** No value (bpftrace's none/void; printed as `null`). */
export interface NoneValue {
  readonly kind: 'none';
}

/** A boolean (`true` / `false`). */
export interface BoolValue {
  readonly kind: 'bool';
  readonly value: boolean;
}

/** An integer of a given width and signedness. */
export interface IntValue {
  readonly kind: 'int';
  readonly value: bigint;
  readonly signed: boolean;
  /** Width in bits (default 64); map keys sort as signed integers of this width, as bpftrace does. */
  readonly bits?: 8 | 16 | 32 | 64;
}

/** A string (already cut at its NUL; any truncation trailer already appended by the decoder). */
export interface StringValue {
  readonly kind: 'string';
  readonly value: string;
}

/** Raw bytes from `buf()`, printed with `\xNN` escapes for non-printable bytes. */
export interface BufferValue {
  readonly kind: 'buffer';
  readonly bytes: Uint8Array;
}

/** A tuple; `names` makes it a named tuple, printed `(a = 1, b = 2)`. */
export interface TupleValue {
  readonly kind: 'tuple';
  readonly elements: readonly Value[];
  readonly names?: readonly string[];
}

/** A struct or union, printed `{ .m = 2, .n = 3 }`. */
export interface RecordValue {
  readonly kind: 'record';
  readonly fields: ReadonlyArray<{ readonly name: string; readonly value: Value }>;
}

/** A C array, printed `[1,2,3]` (no spaces, as bpftrace). */
export interface ArrayValue {
  readonly kind: 'array';
  readonly elements: readonly Value[];
}

/** A number shown as a symbol in text (enum names, pointers as `0x...`) and as the number in JSON. */
export interface SymbolicValue {
  readonly kind: 'symbolic';
  readonly symbol: string;
  readonly numeric: bigint;
}

/** One frame of a stack: the address and, when symbolised, `symbol+offset` and (user stacks) the module. */
export interface StackFrame {
  readonly address: bigint;
  readonly symbol?: string;
  readonly offset?: bigint;
  readonly module?: string;
}

/** How a stack is printed, as bpftrace's StackMode: `bpftrace` (default), `perf` or `raw`. */
export type StackMode = 'bpftrace' | 'perf' | 'raw';

/** A kernel (`kstack`) or user (`ustack`) stack, innermost frame first. */
export interface StackValue {
  readonly kind: 'stack';
  readonly user: boolean;
  readonly mode: StackMode;
  readonly frames: readonly StackFrame[];
}

/** `count()`: the summed per-CPU count. */
export interface CountValue {
  readonly kind: 'count';
  readonly value: bigint;
}

/** `sum()`, `min()` or `max()`: the reduced value. */
export interface ReducedValue {
  readonly kind: 'sum' | 'min' | 'max';
  readonly value: bigint;
  readonly signed: boolean;
}

/** `avg()` or `stats()`: count and total; the average is total / count (integer division, as bpftrace). */
export interface AverageValue {
  readonly kind: 'avg' | 'stats';
  readonly count: bigint;
  readonly total: bigint;
  readonly signed: boolean;
  /** Divisor of the printed average (`print(@m, top, div)`); count and total are never divided. */
  readonly div?: bigint;
}

/**
 * `hist(v, bits)`: raw per-bucket counts in bpftrace's log2 layout. Bucket 0 counts negative values; then each
 * power of two has 2^bits buckets, the first two groups holding one value each (bucket i counts value i - 1).
 */
export interface HistValue {
  readonly kind: 'hist';
  readonly bits: number;
  readonly buckets: readonly bigint[];
}

/** `lhist(v, min, max, step)`: bucket 0 counts v < min, bucket i counts [min+(i-1)*step, min+i*step), the last v >= max. */
export interface LhistValue {
  readonly kind: 'lhist';
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly buckets: readonly bigint[];
}

/** A value bpftrace can print: a primitive or an aggregation. */
export type Value =
  | NoneValue
  | BoolValue
  | IntValue
  | StringValue
  | BufferValue
  | TupleValue
  | RecordValue
  | ArrayValue
  | SymbolicValue
  | StackValue
  | CountValue
  | ReducedValue
  | AverageValue
  | HistValue
  | LhistValue;

/** The discriminant of Value. */
export type ValueKind = Value['kind'];

/** One map element: its key (one Value per key component; empty for a scalar map) and its value. */
export interface MapEntry {
  readonly key: readonly Value[];
  readonly value: Value;
}

/** A map to print: `name` includes the `@` (`@` alone for the unnamed map). */
export interface MapData {
  readonly name: string;
  /** The key components' type names (e.g. `int64`, `string`); empty for a scalar map such as `@x = count()`. */
  readonly keyTypes: readonly string[];
  /** The kind of every entry's value. */
  readonly valueKind: ValueKind;
  readonly entries: readonly MapEntry[];
}

/** Kinds that are aggregations rather than plain values. */
export const AGGREGATE_KINDS: readonly ValueKind[] = ['count', 'sum', 'min', 'max', 'avg', 'stats', 'hist', 'lhist'];

/** A signed 64-bit integer value. */
export function int64(v: bigint | number): IntValue {
  return { kind: 'int', value: BigInt(v), signed: true, bits: 64 };
}

/** An unsigned 64-bit integer value. */
export function uint64(v: bigint | number): IntValue {
  return { kind: 'int', value: BigInt(v), signed: false, bits: 64 };
}

/** A string value. */
export function str(value: string): StringValue {
  return { kind: 'string', value };
}

/** A tuple value. */
export function tuple(...elements: Value[]): TupleValue {
  return { kind: 'tuple', elements };
}

/** The printed average of an avg/stats value: total / count / div, each division truncating toward zero, 0 when empty. */
export function averageOf(v: AverageValue): bigint {
  return v.count === 0n ? 0n : v.total / v.count / (v.div ?? 1n);
}

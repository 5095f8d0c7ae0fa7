/**
 * A script map's kernel entries → the MapData the printers render. Layouts (src/codegen/resources.ts
 * ScriptMap; the code generator follows them):
 *
 * Keys. `key === null`: one 8-byte zero key, printed `@name: value` (no key components). Otherwise the key
 * bytes are laid out as `key` (integers there are 8 bytes: the type checker widened them). A tuple key (the
 * multi-key `@m[a, b]`) has one key component per element, at the tuple's offsets; any other key is one
 * component, printed `@m[k]`.
 *
 * Values, by `agg` (per-CPU maps return ncpus slots of roundup(valueSize, 8) bytes, concatenated):
 *
 *   none            the value as `value` lays it out (a plain hash map, one slot)
 *   count           u64 per CPU, summed
 *   sum             8-byte integer per CPU, signed as `value`, summed (wrapping at 64 bits, as bpftrace)
 *   min, max        per CPU  | s64 value | u64 set |  combined over the CPUs whose `set` is non-zero
 *                            0           8         16
 *   avg, stats      per CPU  | s64 total | u64 count |  both summed
 *   hist, lhist     key = | user key (keySize - 8 bytes; the 8 zero bytes when key === null) | u64 bucket |
 *                   value = u64 count per CPU, summed; entries are grouped by user key into one histogram
 *
 * hist buckets are bpftrace's log2 layout (see HistValue); lhist bucket 0 counts v < min, bucket i counts
 * [min + (i-1)*step, min + i*step), the last, (max - min) / step + 1, v >= max. The kernel's bytes are trusted
 * no more than traced data: short values read as zero, out-of-range buckets are dropped.
 */
import { Buffer } from 'node:buffer';

import type { ScriptMap } from '../codegen/resources.js';
import { possibleCpus } from '../kernel/cpus.js';
import type { MapKind } from '../loader/index.js';
import type { MapData, MapEntry, Value, ValueKind } from '../output/index.js';
import type { Type } from '../types/types.js';
import { typeName } from '../types/types.js';
import { alignUp } from '../util/bytes.js';
import type { DecodeOptions } from './decode.js';
import { decodeValue, readInt, valueKindOf } from './decode.js';

/** Where a map's entries come from: BpfMap (src/loader/map.ts) satisfies it; tests pass fixtures. */
export interface MapEntriesSource {
  /** Every [key, value] pair; per-CPU values are every possible CPU's slot concatenated. */
  entries(): Array<[Uint8Array, Uint8Array]>;
}

/** Map kinds with one value slot per possible CPU (as loader's isPerCpu; not imported, to keep this file free of the FFI). */
const PER_CPU: ReadonlySet<MapKind> = new Set<MapKind>(['percpu_hash', 'percpu_array', 'lru_percpu_hash']);

/** One key component: its type and offset in the key bytes. */
interface KeyPart {
  readonly type: Type;
  readonly offset: number;
}

function keyParts(key: Type | null): KeyPart[] {
  if (key === null) return [];
  if (key.kind === 'tuple') return key.elems.map((type, i) => ({ type, offset: key.offsets[i] ?? 0 }));
  return [{ type: key, offset: 0 }];
}

/** The bpftrace name of a key component's type: `int64`, `uint32`, `string`, `buffer`, else typeName. */
export function keyTypeName(t: Type): string {
  if (t.kind === 'int') return `${t.signed ? 'int' : 'uint'}${t.size * 8}`;
  if (t.kind === 'string' || t.kind === 'buffer') return t.kind;
  return typeName(t);
}

/** The kind of every value of `map` (count, hist... for aggregations, else the value type's kind). */
export function mapValueKind(map: ScriptMap): ValueKind {
  return map.agg ?? valueKindOf(map.value);
}

function view(bytes: Uint8Array, offset = 0, length = bytes.byteLength - offset): DataView {
  const start = Math.min(offset, bytes.byteLength);
  return new DataView(bytes.buffer, bytes.byteOffset + start, Math.max(0, Math.min(length, bytes.byteLength - start)));
}

function u64(v: DataView, offset: number): bigint {
  return readInt(v, offset, 8, false);
}

function s64(v: DataView, offset: number, signed: boolean): bigint {
  return readInt(v, offset, 8, signed);
}

/** The per-CPU slots of one value (one slot for maps that are not per-CPU). */
function cpuSlots(map: ScriptMap, value: Uint8Array, ncpus: number): DataView[] {
  if (!PER_CPU.has(map.kind)) return [view(value)];
  const stride = alignUp(Math.max(1, map.valueSize), 8);
  const n = Math.max(0, Math.min(ncpus, Math.ceil(value.byteLength / stride)));
  return Array.from({ length: n }, (_, i) => view(value, i * stride, stride));
}

function sumOf(slots: readonly DataView[], offset: number, signed: boolean): bigint {
  let total = 0n;
  for (const s of slots) total += s64(s, offset, signed);
  return signed ? BigInt.asIntN(64, total) : BigInt.asUintN(64, total);
}

function isSigned(t: Type): boolean {
  return t.kind === 'int' ? t.signed : true;
}

/** The combined value of one (non-histogram) entry. */
function reduceValue(map: ScriptMap, slots: readonly DataView[], options: DecodeOptions): Value {
  const signed = isSigned(map.value);
  switch (map.agg) {
    case undefined:
      return decodeValue(slots[0] ?? new DataView(new ArrayBuffer(0)), 0, map.value, options);
    case 'count':
      return { kind: 'count', value: sumOf(slots, 0, false) };
    case 'sum':
      return { kind: 'sum', value: sumOf(slots, 0, signed), signed };
    case 'min':
    case 'max': {
      let best: bigint | undefined;
      for (const s of slots) {
        if (u64(s, 8) === 0n) continue;
        const v = s64(s, 0, signed);
        if (best === undefined || (map.agg === 'max' ? v > best : v < best)) best = v;
      }
      return { kind: map.agg, value: best ?? 0n, signed };
    }
    case 'avg':
    case 'stats':
      return { kind: map.agg, total: sumOf(slots, 0, signed), count: sumOf(slots, 8, false), signed };
    case 'hist':
    case 'lhist':
      return { kind: 'none' }; // grouped by readHistogramMap
  }
}

function decodeKey(parts: readonly KeyPart[], key: DataView, options: DecodeOptions): Value[] {
  return parts.map((p) => decodeValue(key, p.offset, p.type, options));
}

/** Number of lhist buckets: below min, one per step, at or above max. */
function lhistBucketCount(l: { min: number; max: number; step: number }): number {
  return Math.max(0, Math.floor((l.max - l.min) / Math.max(1, l.step))) + 2;
}

/** hist/lhist maps: one histogram per user key, bucket counts summed over CPUs. */
function readHistogramMap(map: ScriptMap, pairs: Array<[Uint8Array, Uint8Array]>, ncpus: number, options: DecodeOptions): MapEntry[] {
  const parts = keyParts(map.key);
  const userKeySize = Math.max(0, map.keySize - 8);
  const bits = Math.min(16, Math.max(0, map.hist?.bits ?? 0));
  const lhist = map.agg === 'lhist' ? (map.lhist ?? { min: 0, max: 0, step: 1 }) : undefined;
  const limit = lhist ? lhistBucketCount(lhist) : 66 << bits; // log2 of a u64 stays below 66 << bits
  const groups = new Map<string, { key: Value[]; buckets: bigint[] }>();
  for (const [k, v] of pairs) {
    const bucket = u64(view(k), userKeySize);
    if (bucket >= BigInt(limit)) continue;
    const id = Buffer.from(k.subarray(0, userKeySize)).toString('hex');
    let g = groups.get(id);
    if (!g) {
      g = { key: decodeKey(parts, view(k, 0, userKeySize), options), buckets: lhist ? new Array<bigint>(limit).fill(0n) : [] };
      groups.set(id, g);
    }
    const i = Number(bucket);
    while (g.buckets.length <= i) g.buckets.push(0n);
    g.buckets[i] = BigInt.asUintN(64, g.buckets[i]! + sumOf(cpuSlots(map, v, ncpus), 0, false));
  }
  return [...groups.values()].map(({ key, buckets }): MapEntry => ({
    key,
    value: lhist ? { kind: 'lhist', min: lhist.min, max: lhist.max, step: lhist.step, buckets } : { kind: 'hist', bits, buckets },
  }));
}

/**
 * The entries of script map `map` read from `source`, decoded and combined over `ncpus` per-CPU slots (the
 * number of possible CPUs for a real map: see readLoadedScriptMap). Entries keep the kernel's order; the
 * printers sort them.
 */
export function readScriptMap(map: ScriptMap, source: MapEntriesSource, ncpus: number, options: DecodeOptions = {}): MapData {
  const pairs = source.entries();
  const parts = keyParts(map.key);
  const entries = map.agg === 'hist' || map.agg === 'lhist'
    ? readHistogramMap(map, pairs, ncpus, options)
    : pairs.map(([k, v]): MapEntry => ({ key: decodeKey(parts, view(k), options), value: reduceValue(map, cpuSlots(map, v, ncpus), options) }));
  // bpftrace keeps a keyless count or sum in a per-CPU array, whose one element always exists: after
  // clear() or delete(), or before the first event, it reads (and prints) as `@: 0`.
  if (map.key === null && (map.agg === 'count' || map.agg === 'sum') && entries.length === 0) {
    entries.push({ key: [], value: map.agg === 'count' ? { kind: 'count', value: 0n } : { kind: 'sum', value: 0n, signed: isSigned(map.value) } });
  }
  return { name: map.name, keyTypes: parts.map((p) => keyTypeName(p.type)), valueKind: mapValueKind(map), entries };
}

/** readScriptMap of a loaded map, with one per-CPU slot per possible CPU of this machine. */
export function readLoadedScriptMap(map: ScriptMap, source: MapEntriesSource, options: DecodeOptions = {}): MapData {
  return readScriptMap(map, source, possibleCpus().length, options);
}

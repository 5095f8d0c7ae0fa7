/**
 * Which entries of a map are printed, in what order, and with what divisor, as bpftrace 0.26's
 * format(BpfMap, top, div) in src/types_format.cpp:
 *
 *   count / sum / integer values  ascending by value (signed or unsigned as the type)
 *   min / max                     ascending by value compared as u64 (so negative values sort last, as bpftrace)
 *   avg / stats                   ascending by average
 *   hist / lhist                  ascending by the total of all buckets
 *   anything else                 by key: integer components as signed of their width, strings bytewise,
 *                                 first component first; other component types keep their order
 *
 * so the largest value prints last. Sorts are stable (ties keep the decoder's order). `top` keeps the last
 * `top` entries; `div` divides counts, sums, min/max, averages and hist buckets (not lhist, not stats totals).
 */
import { Buffer } from 'node:buffer';

import type { MapData, MapEntry, Value } from './value.js';
import { averageOf } from './value.js';

/** The `top` and `div` arguments of `print(@map, top, div)`; 0 or absent means all entries / no division. */
export interface MapPrintOptions {
  readonly top?: number;
  readonly div?: number;
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The number a value sorts by, when maps of its kind sort by value. */
function sortNumber(v: Value): bigint | undefined {
  switch (v.kind) {
    case 'count':
    case 'sum':
    case 'int':
      return v.value;
    case 'min':
    case 'max':
      return BigInt.asUintN(64, v.value);
    case 'avg':
    case 'stats':
      return averageOf(v);
    case 'hist':
    case 'lhist':
      return v.buckets.reduce((a, b) => a + b, 0n);
    default:
      return undefined;
  }
}

/** The key components bpftrace sorts by: the tuple's fields for multi-key maps or a tuple key, else the key. */
function keyFields(key: readonly Value[]): readonly Value[] {
  const only = key[0];
  return key.length === 1 && only?.kind === 'tuple' ? only.elements : key;
}

function compareKeyField(a: Value | undefined, b: Value | undefined): number {
  if (a?.kind === 'int' && b?.kind === 'int') {
    const bits = a.bits ?? 64;
    return cmp(BigInt.asIntN(bits, a.value), BigInt.asIntN(bits, b.value));
  }
  if (a?.kind === 'string' && b?.kind === 'string') return Buffer.compare(Buffer.from(a.value, 'utf8'), Buffer.from(b.value, 'utf8'));
  return 0;
}

function compareKeys(a: MapEntry, b: MapEntry): number {
  const fa = keyFields(a.key);
  const fb = keyFields(b.key);
  for (let i = 0; i < Math.max(fa.length, fb.length); i++) {
    const c = compareKeyField(fa[i], fb[i]);
    if (c !== 0) return c;
  }
  return 0;
}

/** `v` with its printed quantity divided by `d` (integer division toward zero, as C++); lhist is never divided. */
export function divideValue(v: Value, d: bigint): Value {
  if (d === 1n) return v;
  switch (v.kind) {
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
    case 'int':
      return { ...v, value: v.value / d };
    case 'avg':
    case 'stats':
      return { ...v, div: (v.div ?? 1n) * d };
    case 'hist':
      return { ...v, buckets: v.buckets.map((c) => c / d) };
    default:
      return v;
  }
}

/** The entries of `map` to print, in order, with `div` applied to their values. */
export function prepareEntries(map: MapData, options: MapPrintOptions = {}): MapEntry[] {
  const entries = [...map.entries];
  const first = entries[0];
  if (first && sortNumber(first.value) !== undefined) {
    entries.sort((a, b) => cmp(sortNumber(a.value) ?? 0n, sortNumber(b.value) ?? 0n));
  } else {
    entries.sort(compareKeys);
  }
  const top = options.top ?? 0;
  const kept = top > 0 && entries.length > top ? entries.slice(entries.length - top) : entries;
  const d = BigInt(options.div === undefined || options.div === 0 ? 1 : options.div);
  return kept.map((e) => ({ key: e.key, value: divideValue(e.value, d) }));
}

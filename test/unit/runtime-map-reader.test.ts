// Script maps: kernel entries (built by hand in the layouts of src/codegen/resources.ts ScriptMap) → MapData,
// checked field by field and, for the common shapes, through the text printer as bpftrace prints them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ScriptMap } from '../../src/codegen/resources.js';
import { formatMapText, int64, str } from '../../src/output/index.js';
import type { MapData } from '../../src/output/index.js';
import type { MapEntriesSource } from '../../src/runtime/map-reader.js';
import { keyTypeName, mapValueKind, readScriptMap } from '../../src/runtime/map-reader.js';
import type { Type } from '../../src/types/types.js';
import { s32, s64, string, tuple, u64 } from '../../src/types/types.js';

function le(v: bigint | number, size = 8): number[] {
  let x = BigInt.asUintN(size * 8, BigInt(v));
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return out;
}

const ascii = (s: string, size: number): number[] => {
  const b = [...new TextEncoder().encode(s)];
  return [...b, ...new Array<number>(Math.max(0, size - b.length)).fill(0)].slice(0, size);
};
const NULL_KEY = le(0);
const bytes = (b: number[]): Uint8Array => new Uint8Array(b);
const source = (pairs: Array<[number[], number[]]>): MapEntriesSource => ({ entries: () => pairs.map(([k, v]) => [bytes(k), bytes(v)]) });

function scriptMap(m: Partial<ScriptMap> & { name: string; value: Type }): ScriptMap {
  const key = m.key ?? null;
  const bucketed = m.agg === 'hist' || m.agg === 'lhist';
  return {
    bpfName: 'AT_x', kind: m.agg ? 'percpu_hash' : 'hash', key,
    keySize: (key ? (key.kind === 'tuple' ? key.size : key.kind === 'string' ? key.size : 8) : 8) + (bucketed ? 8 : 0),
    valueSize: m.agg === 'min' || m.agg === 'max' || m.agg === 'avg' || m.agg === 'stats' ? 16 : 8,
    maxEntries: 4096,
    ...m,
  };
}

/** Per-CPU slots (each already 8-aligned here) concatenated. */
const cpus = (...slots: number[][]): number[] => slots.flat();

describe('readScriptMap: plain values', () => {
  it('reads a keyless map as `@name: value`', () => {
    const m = scriptMap({ name: '@x', value: s64 });
    const data = readScriptMap(m, source([[NULL_KEY, le(-42)]]), 4);
    assert.deepEqual(data, { name: '@x', keyTypes: [], valueKind: 'int', entries: [{ key: [], value: int64(-42) }] });
    assert.equal(formatMapText(data), '@x: -42\n\n');
  });

  it('reads string and integer keys', () => {
    const m = scriptMap({ name: '@bytes', key: string(8), value: u64 });
    const data = readScriptMap(m, source([[ascii('bash', 8), le(10)], [ascii('sshd', 8), le(3)]]), 2);
    assert.deepEqual(data.keyTypes, ['string']);
    assert.equal(formatMapText(data), '@bytes[sshd]: 3\n@bytes[bash]: 10\n\n');
    const byPid = readScriptMap(scriptMap({ name: '@p', key: s64, value: string(8) }), source([[le(-1), ascii('x', 8)]]), 1);
    assert.deepEqual(byPid.entries, [{ key: [int64(-1)], value: str('x') }]);
    assert.equal(byPid.valueKind, 'string');
  });

  it('splits a tuple key into one key component per element', () => {
    const key = tuple([s64, string(8)]);
    const m = scriptMap({ name: '@m', key, value: s64 });
    const data = readScriptMap(m, source([[[...le(7), ...ascii('abc', 8)], le(3)]]), 1);
    assert.deepEqual(data.keyTypes, ['int64', 'string']);
    assert.deepEqual(data.entries, [{ key: [int64(7), str('abc')], value: int64(3) }]);
    assert.equal(formatMapText(data), '@m[7, abc]: 3\n\n');
  });
});

describe('readScriptMap: per-CPU aggregations', () => {
  it('sums count() over CPUs', () => {
    const m = scriptMap({ name: '@c', value: u64, agg: 'count' });
    const data = readScriptMap(m, source([[NULL_KEY, cpus(le(1), le(2), le(3), le(4))]]), 4);
    assert.deepEqual(data, { name: '@c', keyTypes: [], valueKind: 'count', entries: [{ key: [], value: { kind: 'count', value: 10n } }] });
    assert.equal(formatMapText(data), '@c: 10\n\n');
  });

  it('reads only the slots of ncpus CPUs, and survives short values', () => {
    const m = scriptMap({ name: '@c', value: u64, agg: 'count' });
    assert.deepEqual(readScriptMap(m, source([[NULL_KEY, cpus(le(1), le(2), le(100))]]), 2).entries[0]?.value, { kind: 'count', value: 3n });
    assert.deepEqual(readScriptMap(m, source([[NULL_KEY, [5, 0, 0]]]), 4).entries[0]?.value, { kind: 'count', value: 5n });
    assert.deepEqual(readScriptMap(m, source([[[1], []]]), 4).entries[0]?.value, { kind: 'count', value: 0n });
  });

  it('sums sum() signed as its value type', () => {
    const signed = readScriptMap(scriptMap({ name: '@s', key: s64, value: s64, agg: 'sum' }), source([[le(1), cpus(le(-5), le(2))]]), 2);
    assert.deepEqual(signed.entries, [{ key: [int64(1)], value: { kind: 'sum', value: -3n, signed: true } }]);
    const unsigned = readScriptMap(scriptMap({ name: '@s', value: u64, agg: 'sum' }), source([[NULL_KEY, cpus(le(-1), le(2))]]), 2);
    assert.deepEqual(unsigned.entries[0]?.value, { kind: 'sum', value: 1n, signed: false }); // wraps at 64 bits
  });

  it('combines min() and max() over the CPUs that saw a value', () => {
    const slot = (v: number, set: number) => [...le(v), ...le(set)];
    const pairs: Array<[number[], number[]]> = [[NULL_KEY, cpus(slot(-100, 0), slot(7, 1), slot(-3, 1), slot(0, 0))]];
    assert.deepEqual(readScriptMap(scriptMap({ name: '@lo', value: s64, agg: 'min' }), source(pairs), 4).entries[0]?.value, { kind: 'min', value: -3n, signed: true });
    assert.deepEqual(readScriptMap(scriptMap({ name: '@hi', value: s64, agg: 'max' }), source(pairs), 4).entries[0]?.value, { kind: 'max', value: 7n, signed: true });
    const none = readScriptMap(scriptMap({ name: '@hi', value: s64, agg: 'max' }), source([[NULL_KEY, cpus(slot(9, 0), slot(9, 0))]]), 2);
    assert.deepEqual(none.entries[0]?.value, { kind: 'max', value: 0n, signed: true });
  });

  it('sums total and count of avg() and stats()', () => {
    const slot = (total: number, count: number) => [...le(total), ...le(count)];
    const pairs: Array<[number[], number[]]> = [[le(2), cpus(slot(10, 2), slot(-4, 1))]];
    const avg = readScriptMap(scriptMap({ name: '@a', key: s64, value: s64, agg: 'avg' }), source(pairs), 2);
    assert.deepEqual(avg.entries, [{ key: [int64(2)], value: { kind: 'avg', total: 6n, count: 3n, signed: true } }]);
    assert.equal(formatMapText(avg), '@a[2]: 2\n\n');
    const stats = readScriptMap(scriptMap({ name: '@s', key: s64, value: s64, agg: 'stats' }), source(pairs), 2);
    assert.equal(formatMapText(stats), '@s[2]: count 3, average 2, total 6\n\n');
  });
});

describe('readScriptMap: histograms', () => {
  const bucketKey = (user: number[], bucket: number) => [...user, ...le(bucket)];

  it('groups hist() buckets of a keyless map into one histogram', () => {
    const m = scriptMap({ name: '@h', value: s64, agg: 'hist', hist: { bits: 0 } });
    // Buckets: 1 counts value 0, 2 value 1, 4 values [4, 8).
    const data = readScriptMap(m, source([
      [bucketKey(NULL_KEY, 4), cpus(le(1), le(1))],
      [bucketKey(NULL_KEY, 1), cpus(le(0), le(3))],
      [bucketKey(NULL_KEY, 2), cpus(le(2), le(0))],
    ]), 2);
    assert.deepEqual(data, { name: '@h', keyTypes: [], valueKind: 'hist', entries: [{ key: [], value: { kind: 'hist', bits: 0, buckets: [0n, 3n, 2n, 0n, 2n] } }] });
    assert.equal(formatMapText(data), [
      '@h:',
      '[0]                    3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|',
      '[1]                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |',
      '[2, 4)                 0 |                                                    |',
      '[4, 8)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |',
      '',
      '',
    ].join('\n'));
  });

  it('groups hist() buckets by user key and drops impossible bucket indexes', () => {
    const m = scriptMap({ name: '@h', key: string(8), value: s64, agg: 'hist', hist: { bits: 2 } });
    const data = readScriptMap(m, source([
      [bucketKey(ascii('a', 8), 3), le(1)],
      [bucketKey(ascii('b', 8), 1), le(5)],
      [bucketKey(ascii('a', 8), 0), le(2)],
      [bucketKey(ascii('b', 8), 1_000_000), le(9)],
    ]), 1);
    assert.deepEqual(data.keyTypes, ['string']);
    assert.deepEqual(data.entries, [
      { key: [str('a')], value: { kind: 'hist', bits: 2, buckets: [2n, 0n, 0n, 1n] } },
      { key: [str('b')], value: { kind: 'hist', bits: 2, buckets: [0n, 5n] } },
    ]);
  });

  it('reads lhist() buckets with a fixed count: below min, one per step, at or above max', () => {
    const lhist = { min: 0, max: 100, step: 10 };
    const m = scriptMap({ name: '@l', key: s64, value: s64, agg: 'lhist', lhist });
    const data = readScriptMap(m, source([
      [bucketKey(le(1), 0), le(1)],
      [bucketKey(le(1), 11), le(4)],
      [bucketKey(le(1), 3), le(2)],
      [bucketKey(le(1), 12), le(8)], // past the last bucket: dropped
    ]), 1);
    assert.deepEqual(data.entries, [{ key: [int64(1)], value: { kind: 'lhist', ...lhist, buckets: [1n, 0n, 0n, 2n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 4n] } }]);
    assert.equal(formatMapText(data), [
      '@l[1]:',
      '(..., 0)               1 |@@@@@@@@@@@@@                                       |',
      '[0, 10)                0 |                                                    |',
      '[10, 20)               0 |                                                    |',
      '[20, 30)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |',
      '[30, 40)               0 |                                                    |',
      '[40, 50)               0 |                                                    |',
      '[50, 60)               0 |                                                    |',
      '[60, 70)               0 |                                                    |',
      '[70, 80)               0 |                                                    |',
      '[80, 90)               0 |                                                    |',
      '[90, 100)              0 |                                                    |',
      '[100, ...)             4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|',
      '',
      '',
    ].join('\n'));
  });
});

describe('map-reader helpers', () => {
  it('names key types as bpftrace does', () => {
    assert.equal(keyTypeName(s64), 'int64');
    assert.equal(keyTypeName(u64), 'uint64');
    assert.equal(keyTypeName(s32), 'int32');
    assert.equal(keyTypeName(string(16)), 'string');
    assert.equal(keyTypeName({ kind: 'ksym' }), 'ksym_t');
  });

  it('gives an empty map its value kind', () => {
    const empty = (m: ScriptMap): MapData => readScriptMap(m, source([]), 4);
    assert.equal(empty(scriptMap({ name: '@h', value: s64, agg: 'hist', hist: { bits: 0 } })).valueKind, 'hist');
    assert.equal(empty(scriptMap({ name: '@v', value: string(4) })).valueKind, 'string');
    assert.equal(mapValueKind(scriptMap({ name: '@v', value: u64, agg: 'count' })), 'count');
    assert.deepEqual(empty(scriptMap({ name: '@v', key: s64, value: u64 })).entries, []);
    assert.equal(formatMapText(empty(scriptMap({ name: '@v', key: s64, value: u64 }))), '');
  });
});

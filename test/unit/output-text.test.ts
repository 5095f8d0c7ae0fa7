// Text printer goldens. Expected output is taken from bpftrace's own runtime tests (tests/runtime/* EXPECT
// lines and tests/runtime/outputs/*.txt, bpftrace/bpftrace at the 0.26 series), cited per case.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createTextPrinter, formatMapText, formatValueText, int64, mapKeyText, str, tuple, uint64, valueText } from '../../src/output/index.js';
import type { HistValue, LhistValue, MapData, MapEntry, Value } from '../../src/output/index.js';

function hist(counts: Record<number, number>, bits = 0): HistValue {
  const n = Math.max(...Object.keys(counts).map(Number)) + 1;
  return { kind: 'hist', bits, buckets: Array.from({ length: n }, (_, i) => BigInt(counts[i] ?? 0)) };
}

/** lhist bucket counts from the values recorded, as the kernel side would count them. */
function lhist(values: number[], min: number, max: number, step: number): LhistValue {
  const buckets = new Array<bigint>(Math.floor((max - min) / step) + 2).fill(0n);
  for (const v of values) {
    const i = v < min ? 0 : v >= max ? buckets.length - 1 : Math.floor((v - min) / step) + 1;
    buckets[i] = (buckets[i] ?? 0n) + 1n;
  }
  return { kind: 'lhist', min, max, step, buckets };
}

/** log2 bucket counts (bits = 0) from the values recorded. */
function log2(values: number[]): HistValue {
  const counts: Record<number, number> = {};
  for (const v of values) {
    const i = v < 0 ? 0 : v === 0 ? 1 : Math.floor(Math.log2(v)) + 2;
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return hist(counts);
}

function scalar(name: string, value: Value): MapData {
  return { name, keyTypes: [], valueKind: value.kind, entries: [{ key: [], value }] };
}

function keyed(name: string, keyTypes: string[], entries: MapEntry[]): MapData {
  return { name, keyTypes, valueKind: entries[0]?.value.kind ?? 'none', entries };
}

const dedent = (s: string) => s.replace(/^ {7}/gm, ''); // EXPECT continuation lines are indented by 7 spaces

describe('text printer: histograms', () => {
  it('prints hist() as tests/runtime/outputs/hist_2_values.txt', () => {
    // tests/runtime/outputs/hist_2_values.txt (the 0.24+ version: "@:" without a trailing space)
    const want =
      '@:\n' +
      '[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n' +
      '[4, 8)                 0 |                                                    |\n' +
      '[8, 16)                0 |                                                    |\n' +
      '[16, 32)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n' +
      '\n';
    assert.equal(formatMapText(scalar('@', log2([2, 16]))), want);
  });

  it('prints a negative bucket and [0] [1] as tests/runtime/outputs/hist.txt', () => {
    // tests/runtime/outputs/hist.txt, with the 0.24+ header "@:" (the file's older version has "@: ")
    const want =
      '@:\n' +
      '(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n' +
      '[0]                    0 |                                                    |\n' +
      '[1]                    0 |                                                    |\n' +
      '[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n' +
      '[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n' +
      '[8, 16)                0 |                                                    |\n' +
      '[16, 32)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n' +
      '\n';
    assert.equal(formatMapText(scalar('@', log2([-1, 2, 3, 5, 20]))), want);
  });

  it('scales bars in single precision as tests/runtime/aggregations "hist"', () => {
    // tests/runtime/aggregations NAME hist: hist(arg0) over 1..100
    const want = dedent(`@hist:
       [1]                    1 |@                                                   |
       [2, 4)                 2 |@@                                                  |
       [4, 8)                 4 |@@@@@                                               |
       [8, 16)                8 |@@@@@@@@@@@                                         |
       [16, 32)              16 |@@@@@@@@@@@@@@@@@@@@@@                              |
       [32, 64)              32 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@        |
       [64, 128)             37 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
`);
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(formatMapText(scalar('@hist', log2(values))), `${want}\n`);
  });

  it('prints lhist() as tests/runtime/aggregations "lhist" and tests/runtime/outputs/lhist.txt', () => {
    // tests/runtime/aggregations NAME lhist: lhist(arg0, 0, 100, 20) over 1..100
    const want = dedent(`@lhist:
       [0, 20)               19 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@   |
       [20, 40)              20 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
       [40, 60)              20 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
       [60, 80)              20 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
       [80, 100)             20 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
       [100, ...)             1 |@@                                                  |
`);
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(formatMapText(scalar('@lhist', lhist(values, 0, 100, 20))), `${want}\n`);
    // tests/runtime/outputs/lhist.txt (0.24+ header)
    const want2 =
      '@:\n' +
      '(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n' +
      '[0, 2)                 0 |                                                    |\n' +
      '[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n' +
      '[4, 6)                 0 |                                                    |\n' +
      '[6, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n' +
      '[8, 10)                0 |                                                    |\n' +
      '[10, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n' +
      '\n';
    assert.equal(formatMapText(scalar('@', lhist([-1, 2, 3, 7, 10], 0, 10, 2))), want2);
  });

  it('labels large buckets with K/M suffixes and one-value lhist buckets as [n]', () => {
    const h = log2([1024, 1500, 2048, 1 << 20]);
    const text = formatMapText(scalar('@', h));
    assert.match(text, /^\[1K, 2K\)\s+2 \|/m);
    assert.match(text, /^\[2K, 4K\)\s+1 \|/m);
    assert.match(text, /^\[1M, 2M\)\s+1 \|/m);
    const lh = formatMapText(scalar('@', lhist([0, 1, 1], 0, 3, 1)));
    assert.match(lh, /^\[0\]\s+1 \|/m);
    assert.match(lh, /^\[1\]\s+2 \|/m);
    const lk = formatMapText(scalar('@', lhist([2048], 0, 4096, 1024)));
    assert.match(lk, /^\[2K, 3K\)\s+1 \|/m);
  });

  it('prints an empty (zeroed) histogram as its header and a blank line, and a fine-grained hist', () => {
    assert.equal(formatMapText(scalar('@hist', hist({ 3: 0 }))), '@hist:\n\n');
    // hist(v, 3): bucket i < 17 holds value i - 1; bucket 17 is [16, 18) (tests/runtime/outputs/hist_2args.json)
    const fine = formatMapText(scalar('@', hist({ 16: 1, 17: 2 }, 3)));
    assert.equal(fine.split('\n')[1]!.slice(0, 24), '[15]                   1');
    assert.equal(fine.split('\n')[2]!.slice(0, 24), '[16, 18)               2');
  });

  it('prints keyed histograms sorted by total count, one block per key (print(@, 2) keeps the last two)', () => {
    // tests/runtime/call NAME print_hist_with_top_arg: @[1] = hist(10); @[2] = hist(20); @[3] = hist(30); print(@, 2)
    const m = keyed('@', ['int64'], [
      { key: [int64(1)], value: log2([10]) },
      { key: [int64(2)], value: log2([20]) },
      { key: [int64(3)], value: log2([30]) },
    ]);
    const text = formatMapText(m, { top: 2 });
    assert.match(text, /^@\[2\]:\n\[16, 32\)\s+1 \|@{52}\|\n\n@\[3\]:\n\[16, 32\)\s+1 \|@{52}\|\n\n$/);
    // tests/runtime/call NAME buf_map_multikey: @[buf("ok_key", 8), 1] = hist(1)
    const b = keyed('@', ['buffer', 'int64'], [{ key: [{ kind: 'buffer', bytes: new TextEncoder().encode('ok_key\0\0') }, int64(1)], value: log2([1]) }]);
    assert.ok(formatMapText(b).startsWith('@[ok_key\\x00\\x00, 1]:\n'));
  });
});

describe('text printer: maps and values', () => {
  it('prints scalars and keyed maps with a blank line after the map', () => {
    // tests/runtime/aggregations: @cnt: 100, @sum: 5050, @min: -100, @avg: 50, @stats: count 100, average 50, total 5050
    assert.equal(formatMapText(scalar('@cnt', { kind: 'count', value: 100n })), '@cnt: 100\n\n');
    assert.equal(formatMapText(scalar('@min', { kind: 'min', value: -100n, signed: true })), '@min: -100\n\n');
    assert.equal(formatMapText(scalar('@avg', { kind: 'avg', count: 100n, total: 5050n, signed: false })), '@avg: 50\n\n');
    assert.equal(formatMapText(scalar('@stats', { kind: 'stats', count: 100n, total: 5050n, signed: false })), '@stats: count 100, average 50, total 5050\n\n');
    // An unnamed scalar prints as "@: 5" (tests/runtime/other NAME exit exits immediately: "@: 1").
    assert.equal(formatMapText(scalar('@', int64(5))), '@: 5\n\n');
  });

  it('applies print(@, top, div) to avg maps as tests/runtime/outputs/print_avg_map_args.txt', () => {
    const m = keyed('@', ['string'], ['a', 'b', 'c', 'd'].map((k, i) => ({ key: [str(k)], value: { kind: 'avg', count: 1n, total: BigInt((i + 1) * 10), signed: false } })));
    assert.equal(formatMapText(m, { top: 2, div: 10 }), '@[c]: 3\n@[d]: 4\n\n'); // print_avg_map_args.txt
    assert.equal(formatMapText(m, { top: 10, div: 10 }), '@[a]: 1\n@[b]: 2\n@[c]: 3\n@[d]: 4\n\n'); // print_avg_map_with_large_top.txt
  });

  it('sorts by value ascending so the largest is last', () => {
    const m = keyed('@', ['string'], [
      { key: [str('zsh')], value: { kind: 'count', value: 7n } },
      { key: [str('bash')], value: { kind: 'count', value: 2n } },
      { key: [str('curl')], value: { kind: 'count', value: 30n } },
    ]);
    assert.equal(formatMapText(m), '@[bash]: 2\n@[zsh]: 7\n@[curl]: 30\n\n');
    assert.equal(formatMapText(m, { top: 1 }), '@[curl]: 30\n\n');
    assert.equal(formatMapText(m, { div: 3 }), '@[bash]: 0\n@[zsh]: 2\n@[curl]: 10\n\n');
    const signed = keyed('@s', ['int64'], [
      { key: [int64(1)], value: { kind: 'sum', value: 5n, signed: true } },
      { key: [int64(2)], value: { kind: 'sum', value: -5n, signed: true } },
    ]);
    assert.equal(formatMapText(signed), '@s[2]: -5\n@s[1]: 5\n\n');
    // min/max compare as u64 in bpftrace, so a negative value sorts after the positive ones.
    const mx = keyed('@m', ['int64'], [
      { key: [int64(1)], value: { kind: 'max', value: -1n, signed: true } },
      { key: [int64(2)], value: { kind: 'max', value: 3n, signed: true } },
    ]);
    assert.equal(formatMapText(mx), '@m[2]: 3\n@m[1]: -1\n\n');
    const st = keyed('@s', ['string'], [
      { key: [str('b')], value: { kind: 'stats', count: 2n, total: 40n, signed: false } },
      { key: [str('a')], value: { kind: 'stats', count: 1n, total: 10n, signed: false } },
    ]);
    assert.equal(formatMapText(st, { div: 10 }), '@s[a]: count 1, average 1, total 10\n@s[b]: count 2, average 2, total 40\n\n');
  });

  it('sorts maps of non-aggregate values by key: integers as signed of their width, then strings bytewise', () => {
    const m = keyed('@', ['int64', 'string'], [
      { key: [int64(2), str('b')], value: str('x') },
      { key: [int64(-1), str('z')], value: str('y') },
      { key: [int64(2), str('a')], value: str('z') },
    ]);
    assert.equal(formatMapText(m), '@[-1, z]: y\n@[2, a]: z\n@[2, b]: x\n\n');
    // A u64 key above 2^63 sorts as negative (bpftrace sorts 8-byte keys as int64).
    const u = keyed('@', ['uint64'], [{ key: [uint64(1)], value: str('one') }, { key: [uint64(2n ** 64n - 1n)], value: str('max') }]);
    assert.equal(formatMapText(u), '@[18446744073709551615]: max\n@[1]: one\n\n');
  });

  it('prints multi-key maps, tuples, enums, buffers and structs as bpftrace', () => {
    // tests/runtime/other NAME per_cpu_map_as_map_key
    const k = keyed('@', ['uint64', 'int64', 'uint64', 'uint64', 'uint64'], [{ key: [uint64(1), int64(5), uint64(1), uint64(10), uint64(7)], value: int64(1) }]);
    assert.equal(formatMapText(k), '@[1, 5, 1, 10, 7]: 1\n\n');
    // tests/runtime/other NAME symbolize enum in tuple map key / map value
    const ONE = { kind: 'symbolic', symbol: 'ONE', numeric: 1n } as const;
    const TWO = { kind: 'symbolic', symbol: 'TWO', numeric: 2n } as const;
    assert.equal(formatMapText(keyed('@', ['enum', 'enum', 'enum'], [{ key: [ONE, TWO, ONE], value: int64(-1) }])), '@[ONE, TWO, ONE]: -1\n\n');
    assert.equal(formatMapText(scalar('@', tuple(ONE, TWO))), '@: (ONE, TWO)\n\n');
    // tests/runtime/call NAME buf_map_key / buf_map_value
    const buf = (s: string) => ({ kind: 'buffer', bytes: new TextEncoder().encode(s) }) as const;
    assert.equal(formatMapText(keyed('@', ['buffer'], [{ key: [buf('ok_key')], value: int64(1) }])), '@[ok_key]: 1\n\n');
    assert.equal(formatMapText(scalar('@', buf('ok_value'))), '@: ok_value\n\n');
    // tests/runtime/call NAME print_non_map_tuple / print_non_map_array / ..._multi_dimensional_array / ..._struct
    assert.equal(formatValueText(tuple(int64(1), int64(2), str('string'))), '(1, 2, string)\n');
    const arr = (...xs: Value[]): Value => ({ kind: 'array', elements: xs });
    assert.equal(formatValueText(arr(int64(1), int64(2), int64(3), int64(4))), '[1,2,3,4]\n');
    assert.equal(formatValueText(arr(arr(int64(5), int64(6)), arr(int64(7), int64(8)))), '[[5,6],[7,8]]\n');
    assert.equal(formatValueText({ kind: 'record', fields: [{ name: 'm', value: int64(2) }, { name: 'n', value: int64(3) }] }), '{ .m = 2, .n = 3 }\n');
    // tests/runtime/other NAME ternary_buf / ternary_tuple
    assert.equal(formatValueText(buf('hi')), 'hi\n');
    assert.equal(formatValueText(tuple(str('hellolongstr'), str('a'))), '(hellolongstr, a)\n');
    assert.equal(valueText({ kind: 'tuple', elements: [int64(1), str('x')], names: ['a', 'b'] }), '(a = 1, b = x)');
    assert.equal(valueText({ kind: 'bool', value: true }), 'true');
    assert.equal(valueText({ kind: 'none' }), 'null');
    assert.equal(valueText(buf('a\x01\xff')), 'a\\x01\\xc3\\xbf');
  });

  it('drops the parentheses of a key whose text is parenthesised, as bpftrace', () => {
    assert.equal(mapKeyText([str('(sd-pam)')]), 'sd-pam');
    assert.equal(mapKeyText([tuple(int64(1), str('a'))]), '1, a');
    assert.equal(mapKeyText([str('a'), str('b')]), 'a, b');
  });

  it('prints kernel and user stacks in bpftrace, perf and raw modes', () => {
    const frames = [
      { address: 0xffffffff81000010n, symbol: 'do_nanosleep', offset: 16n, module: '[kernel.kallsyms]' },
      { address: 0xffffffff81000200n, symbol: 'hrtimer_nanosleep', offset: 0n },
      { address: 0x7f0000001234n },
    ];
    const stack = (mode: 'bpftrace' | 'perf' | 'raw'): Value => ({ kind: 'stack', user: false, mode, frames });
    assert.equal(valueText(stack('bpftrace')), '\n        do_nanosleep+16\n        hrtimer_nanosleep+0\n        0x7f0000001234\n');
    assert.equal(valueText(stack('perf')), '\n\tffffffff81000010 do_nanosleep+16 ([kernel.kallsyms])\n\tffffffff81000200 hrtimer_nanosleep+0\n\t7f0000001234 0x7f0000001234\n');
    assert.equal(valueText(stack('raw')), '\nffffffff81000010\nffffffff81000200\n7f0000001234\n');
    const m = keyed('@', ['kstack'], [{ key: [{ kind: 'stack', user: false, mode: 'bpftrace', frames: frames.slice(0, 1) }], value: { kind: 'count', value: 3n } }]);
    assert.equal(formatMapText(m), '@[\n        do_nanosleep+16\n]: 3\n\n');
  });

  it('prints nothing for an empty map', () => {
    assert.equal(formatMapText(keyed('@x', ['int64'], [])), '');
    assert.equal(formatMapText({ name: '@y', keyTypes: [], valueKind: 'count', entries: [] }), '');
  });
});

describe('text printer: untrusted strings', () => {
  it('escapes terminal control characters in traced strings by default, keeping \\n and \\t', () => {
    const evil = str('a\x1b]52;c;ZXZpbA==\x07b\tc\nd\r\x7f\u009b');
    assert.equal(valueText(evil), 'a\\x1b]52;c;ZXZpbA==\\x07b\tc\nd\\x0d\\x7f\\xc2\\x9b');
    assert.equal(valueText(evil, { escape: false }), evil.value);
    const m = keyed('@', ['string'], [{ key: [str('\x1b[2J')], value: { kind: 'count', value: 1n } }]);
    assert.equal(formatMapText(m), '@[\\x1b[2J]: 1\n\n');
    const frame = { kind: 'stack', user: true, mode: 'bpftrace', frames: [{ address: 1n, symbol: 'f\x1b[0m', offset: 0n }] } as const;
    assert.equal(valueText(frame), '\n        f\\x1b[0m+0\n');
  });
});

describe('text printer: events', () => {
  it('writes printf raw, status to stderr, and "Attached 1 probe" in the singular', () => {
    const out: string[] = [];
    const err: string[] = [];
    const p = createTextPrinter({ stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
    p.attachedProbes(1); // tests/runtime/other NAME positional as string literal: "Attached 1 probe"
    p.attachedProbes(3);
    p.printf('hi!\n');
    p.value(int64(5)); // tests/runtime/call NAME print_non_map: "5"
    p.join('a b');
    p.lostEvents(7);
    p.map(scalar('@', int64(1)));
    p.map(keyed('@e', ['int64'], []));
    assert.deepEqual(err, ['Attached 1 probe\n', 'Attached 3 probes\n', 'Lost 7 events\n']);
    assert.deepEqual(out, ['hi!\n', '5\n', 'a b\n', '@: 1\n\n']);
  });
});

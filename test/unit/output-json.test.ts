// JSON printer goldens. Exact lines come from tests/runtime/json-output EXPECT lines; the multi-line
// fixtures of tests/runtime/outputs/*.json (which bpftrace's test runner compares as parsed JSON) are
// compared the same way here. bpftrace/bpftrace at the 0.26 series.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createJsonPrinter, formatMapJson, int64, jsonInteger, str, tuple, uint64, valueJson } from '../../src/output/index.js';
import type { HistValue, LhistValue, MapData, MapEntry, Value } from '../../src/output/index.js';

function log2(values: number[], bits = 0): HistValue {
  const buckets: bigint[] = [];
  const n = 1 << bits;
  for (const v of values) {
    let i: number;
    if (v < 0) i = 0;
    else if (v < 2 * n) i = v + 1;
    else {
      const p = Math.floor(Math.log2(v)); // v in [2^p, 2^(p+1)), p >= bits + 1
      i = (p - bits + 1) * n + Math.floor((v - 2 ** p) / 2 ** (p - bits)) + 1;
    }
    while (buckets.length <= i) buckets.push(0n);
    buckets[i] = (buckets[i] ?? 0n) + 1n;
  }
  return { kind: 'hist', bits, buckets };
}

function lhist(values: number[], min: number, max: number, step: number): LhistValue {
  const buckets = new Array<bigint>(Math.floor((max - min) / step) + 2).fill(0n);
  for (const v of values) {
    const i = v < min ? 0 : v >= max ? buckets.length - 1 : Math.floor((v - min) / step) + 1;
    buckets[i] = (buckets[i] ?? 0n) + 1n;
  }
  return { kind: 'lhist', min, max, step, buckets };
}

function scalar(name: string, value: Value): MapData {
  return { name, keyTypes: [], valueKind: value.kind, entries: [{ key: [], value }] };
}

function keyed(name: string, keyTypes: string[], entries: MapEntry[]): MapData {
  return { name, keyTypes, valueKind: entries[0]?.value.kind ?? 'none', entries };
}

/** One NDJSON line: a single line, ending in a newline, that parses to `want`. */
function assertJsonLine(line: string, want: unknown): void {
  assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), `one line: ${line}`);
  assert.deepEqual(JSON.parse(line), want);
}

describe('JSON printer: maps', () => {
  it('prints scalar and keyed maps (tests/runtime/outputs/scalar.json, scalar_str.json, map.json, complex.json)', () => {
    assert.equal(formatMapJson(scalar('@scalar', int64(5))), '{"type": "map", "data": {"@scalar": 5}}\n');
    assertJsonLine(formatMapJson(scalar('@scalar_str', str('a b \n d e'))), { type: 'map', data: { '@scalar_str': 'a b \n d e' } });
    const map = keyed('@map', ['string'], [{ key: [str('key1')], value: int64(2) }, { key: [str('key2')], value: int64(3) }]);
    assert.equal(formatMapJson(map), '{"type": "map", "data": {"@map": {"key1": 2, "key2": 3}}}\n');
    // complex.json: @complex[comm, 2] = 5 → key "bpftrace,2" (parentheses and spaces removed)
    assert.equal(formatMapJson(keyed('@complex', ['string', 'int64'], [{ key: [str('bpftrace'), int64(2)], value: int64(5) }])), '{"type": "map", "data": {"@complex": {"bpftrace,2": 5}}}\n');
  });

  it('prints tuples as arrays and structs as objects (tests/runtime/json-output NAME tuple, tuple_with_struct)', () => {
    assert.equal(formatMapJson(scalar('@', tuple(int64(1), int64(2), str('string'), tuple(int64(4), int64(5))))), '{"type": "map", "data": {"@": [1,2,"string",[4,5]]}}\n');
    const foo: Value = { kind: 'record', fields: [{ name: 'm', value: int64(2) }, { name: 'n', value: int64(3) }] };
    assert.equal(formatMapJson(scalar('@', tuple(int64(0), foo))), '{"type": "map", "data": {"@": [0,{"m": 2, "n": 3}]}}\n');
    assert.equal(formatMapJson(scalar('@', tuple(int64(1), int64(2), str('string with "quotes"')))), '{"type": "map", "data": {"@": [1,2,"string with \\"quotes\\""]}}\n');
    // NAME print_hex_values: @ = (int16*) 0x32 → 50 (pointers are symbolic in text, numeric in JSON)
    assert.equal(formatMapJson(scalar('@', { kind: 'symbolic', symbol: '0x32', numeric: 0x32n })), '{"type": "map", "data": {"@": 50}}\n');
  });

  it('prints histograms (tests/runtime/outputs/hist.json, hist_zero.json, hist_multiple.json, hist_2args.json)', () => {
    assertJsonLine(formatMapJson(scalar('@hist', log2([2, 1025]))), {
      type: 'hist',
      data: {
        '@hist': [
          { min: 2, max: 3, count: 1 },
          { min: 4, max: 7, count: 0 },
          { min: 8, max: 15, count: 0 },
          { min: 16, max: 31, count: 0 },
          { min: 32, max: 63, count: 0 },
          { min: 64, max: 127, count: 0 },
          { min: 128, max: 255, count: 0 },
          { min: 256, max: 511, count: 0 },
          { min: 512, max: 1023, count: 0 },
          { min: 1024, max: 2047, count: 1 },
        ],
      },
    });
    assertJsonLine(formatMapJson(scalar('@hist', { kind: 'hist', bits: 0, buckets: [0n, 0n, 0n, 0n] })), { type: 'hist', data: { '@hist': [] } });
    const multi = keyed('@', ['string'], [
      { key: [str('bpftrace')], value: log2([2]) },
      { key: [str('curl')], value: log2([-1, 0, 511, 1024, 1025]) },
    ]);
    const curl = [{ max: -1, count: 1 }, { min: 0, max: 0, count: 1 }, { min: 1, max: 1, count: 0 }];
    for (let p = 1; p <= 10; p++) curl.push({ min: 2 ** p, max: 2 ** (p + 1) - 1, count: p === 8 ? 1 : p === 10 ? 2 : 0 } as never);
    assertJsonLine(formatMapJson(multi), { type: 'hist', data: { '@': { bpftrace: [{ min: 2, max: 3, count: 1 }], curl } } });
    // hist_2args.json: hist($i, 3) for $i in 0..1023
    const fine = formatMapJson(scalar('@', log2(Array.from({ length: 1024 }, (_, i) => i), 3)));
    const rows = (JSON.parse(fine) as { data: { '@': Array<{ min: number; max: number; count: number }> } }).data['@'];
    assert.equal(rows.length, 64);
    assert.deepEqual(rows.slice(15, 18), [{ min: 15, max: 15, count: 1 }, { min: 16, max: 17, count: 2 }, { min: 18, max: 19, count: 2 }]);
    assert.deepEqual(rows[63], { min: 960, max: 1023, count: 64 });
    // hist_multiple_multiple_keys.json: keys "bpftrace,2" and "curl,3", sorted by total count
    const mk = keyed('@', ['string', 'int64'], [{ key: [str('curl'), int64(3)], value: log2([511, 1024]) }, { key: [str('bpftrace'), int64(2)], value: log2([2]) }]);
    assert.deepEqual(Object.keys((JSON.parse(formatMapJson(mk)) as { data: { '@': object } }).data['@']), ['bpftrace,2', 'curl,3']);
  });

  it('prints linear histograms (tests/runtime/outputs/lhist.json, lhist_multiple.json)', () => {
    const tens = Array.from({ length: 10 }, (_, i) => ({ min: i * 10, max: i * 10 + 9, count: i === 0 || i === 5 ? 1 : 0 }));
    assertJsonLine(formatMapJson(scalar('@h', lhist([2, 50, 1000], 0, 100, 10))), { type: 'hist', data: { '@h': [...tens, { min: 100, count: 1 }] } });
    const m = keyed('@stats', ['string'], [
      { key: [str('bpftrace')], value: lhist([2, 1000], 0, 100, 10) },
      { key: [str('curl')], value: lhist([50], 0, 100, 10) },
    ]);
    const line = formatMapJson(m);
    assert.ok(line.indexOf('"curl"') < line.indexOf('"bpftrace"'), 'sorted by total count');
    assertJsonLine(line, {
      type: 'hist',
      data: { '@stats': { curl: [{ min: 50, max: 59, count: 1 }], bpftrace: [...tens.map((r, i) => ({ ...r, count: i === 0 ? 1 : 0 })), { min: 100, count: 1 }] } },
    });
  });

  it('prints stats and avg maps as type "stats" (stats.json, stats_multiple.json, NAME print_avg_map_args)', () => {
    assert.equal(formatMapJson(scalar('@stats', { kind: 'stats', count: 2n, total: 12n, signed: false })), '{"type": "stats", "data": {"@stats": {"count": 2, "average": 6, "total": 12}}}\n');
    const multi = keyed('@stats', ['string'], [
      { key: [str('zsh')], value: { kind: 'stats', count: 1n, total: 10n, signed: false } },
      { key: [str('curl')], value: { kind: 'stats', count: 1n, total: 2n, signed: false } },
    ]);
    assert.equal(formatMapJson(multi), '{"type": "stats", "data": {"@stats": {"curl": {"count": 1, "average": 2, "total": 2}, "zsh": {"count": 1, "average": 10, "total": 10}}}}\n');
    const avg = keyed('@', ['string'], ['a', 'b', 'c', 'd'].map((k, i) => ({ key: [str(k)], value: { kind: 'avg', count: 1n, total: BigInt(10 * (i + 1)), signed: false } }) as MapEntry));
    assert.equal(formatMapJson(avg, { top: 2, div: 10 }), '{"type": "stats", "data": {"@": {"c": 3, "d": 4}}}\n');
    assert.equal(formatMapJson(avg, { top: 10, div: 10 }), '{"type": "stats", "data": {"@": {"a": 1, "b": 2, "c": 3, "d": 4}}}\n');
  });

  it('prints hist maps with print(@, top) (NAME print_hist_with_top_arg, print_hist_with_large_top_arg)', () => {
    const m = keyed('@', ['int64'], [1, 2, 3].map((k) => ({ key: [int64(k)], value: log2([k * 10]) })));
    assert.equal(formatMapJson(m, { top: 2 }), '{"type": "hist", "data": {"@": {"2": [{"min": 16, "max": 31, "count": 1}], "3": [{"min": 16, "max": 31, "count": 1}]}}}\n');
    assert.equal(
      formatMapJson(m, { top: 10 }),
      '{"type": "hist", "data": {"@": {"1": [{"min": 8, "max": 15, "count": 1}], "2": [{"min": 16, "max": 31, "count": 1}], "3": [{"min": 16, "max": 31, "count": 1}]}}}\n',
    );
  });

  it('skips an empty map, and writes unsafe integers as strings', () => {
    assert.equal(formatMapJson(keyed('@', ['int64'], [])), '');
    assert.equal(jsonInteger(2n ** 53n), '9007199254740992');
    assert.equal(jsonInteger(2n ** 53n + 1n), '"9007199254740993"');
    assert.equal(jsonInteger(2n ** 64n - 1n), '"18446744073709551615"');
    assert.equal(jsonInteger(-(2n ** 63n)), '-9223372036854775808');
    assert.equal(formatMapJson(scalar('@', uint64(2n ** 64n - 1n))), '{"type": "map", "data": {"@": "18446744073709551615"}}\n');
  });
});

describe('JSON printer: values and events', () => {
  it('prints values as tests/runtime/json-output expects', () => {
    assert.equal(valueJson(int64(5)), '5'); // print_non_map
    assert.equal(valueJson(str('bpftrace')), '"bpftrace"'); // print_non_map_builtin
    assert.equal(valueJson(tuple(int64(1), int64(2), str('string'))), '[1,2,"string"]'); // print_non_map_tuple
    const nested: Value = {
      kind: 'record',
      fields: [
        { name: 'y', value: { kind: 'record', fields: [{ name: 'm', value: { kind: 'array', elements: [int64(2)] } }] } },
        { name: 'a', value: { kind: 'record', fields: [{ name: 'n', value: int64(3) }] } },
      ],
    };
    assert.equal(valueJson(nested), '{"y": {"m": [2]}, "a": {"n": 3}}'); // print_non_map_nested_struct
    const union: Value = { kind: 'record', fields: [{ name: 'm', value: int64(2) }, { name: 'n', value: { kind: 'record', fields: [{ name: 'i', value: int64(5) }, { name: 'f', value: { kind: 'none' } }] } }] };
    assert.equal(valueJson(union), '{"m": 2, "n": {"i": 5, "f": null}}'); // none type
    assert.equal(valueJson(tuple({ kind: 'bool', value: true }, { kind: 'bool', value: false })), '[true,false]'); // print bool type
    assert.equal(valueJson({ kind: 'symbolic', symbol: 'FOO', numeric: 333n }), '333'); // enum_not_symbolized
    assert.equal(valueJson({ kind: 'buffer', bytes: Uint8Array.from([0x6f, 0x6b, 0xff]) }), '[111,107,-1]');
    assert.equal(valueJson({ kind: 'tuple', elements: [int64(1)], names: ['a'] }), '{"a": 1}');
  });

  it('writes events as NDJSON records', () => {
    const out: string[] = [];
    const p = createJsonPrinter({ stdout: (s) => out.push(s), stderr: () => assert.fail('JSON mode writes stdout only') });
    p.printf('test 5'); // NAME printf
    p.printf('test \r \n \t \\ " bar'); // NAME printf_escaping
    p.syscall('a b c\n'); // NAME syscall
    p.join("/bin/echo,'A'"); // NAME join_delim
    p.value(str('Argument list too long')); // NAME strerror
    p.attachedProbes(1); // NAME attached probes
    p.lostEvents(3);
    p.end();
    assert.deepEqual(out, [
      '{"type": "printf", "data": "test 5"}\n',
      '{"type": "printf", "data": "test \\r \\n \\t \\\\ \\" bar"}\n',
      '{"type": "syscall", "data": "a b c\\n"}\n',
      '{"type": "join", "data": "/bin/echo,\'A\'"}\n',
      '{"type": "value", "data": "Argument list too long"}\n',
      '{"type": "attached_probes", "count": 1, "data": {"probes": 1}}\n',
      '{"type": "lost_events", "count": 3, "data": {"events": 3}}\n',
    ]);
  });

  it('keeps JSON strings terminal-safe and valid', () => {
    const s = str('\x1b[31mred\x07\u009b é');
    assert.equal(valueJson(s), '"\\u001b[31mred\\u0007\\u009b é"');
    assert.equal(JSON.parse(valueJson(s)), s.value);
  });
});

/**
 * The JSON printer (`-f json`): one JSON object per line, as bpftrace 0.26's JsonOutput
 * (src/output/json.cpp), e.g.
 *
 *   {"type": "map", "data": {"@m": {"a": 1, "b": 2}}}
 *   {"type": "hist", "data": {"@h": [{"min": 2, "max": 3, "count": 1}]}}
 *   {"type": "stats", "data": {"@s": {"count": 2, "average": 6, "total": 12}}}
 *   {"type": "printf", "data": "hi\n"}
 *   {"type": "attached_probes", "count": 1, "data": {"probes": 1}}
 *
 * Objects separate members with ", " and arrays with "," (no space), as bpftrace does.
 */
import { jsonString } from './escape.js';
import type { Histogram } from './histogram.js';
import { buildLinearHistogram, buildLog2Histogram, labelNumber } from './histogram.js';
import type { MapPrintOptions } from './map-order.js';
import { prepareEntries } from './map-order.js';
import { stackText, valueText } from './render-text.js';
import type { OutputSink, Printer } from './text-printer.js';
import type { MapData, Value } from './value.js';
import { averageOf } from './value.js';

/**
 * An integer as bpftrace writes it: a JSON number when a double holds it exactly, else a string (RFC 8259
 * numbers are doubles; bpftrace's JsonEmitter makes the same round-trip test).
 */
export function jsonInteger(v: bigint): string {
  const exact = v >= -(2n ** 63n) && v < 2n ** 64n && BigInt(Number(v)) === v;
  return exact ? v.toString() : `"${v}"`;
}

function jsonObject(members: ReadonlyArray<readonly [string, string]>): string {
  return `{${members.map(([k, v]) => `${jsonString(k)}: ${v}`).join(', ')}}`;
}

/** A histogram as bpftrace's JSON bucket list: `min` (inclusive), `max` (inclusive, one below the label), `count`. */
export function histogramJson(h: Histogram): string {
  const rows = h.counts.map((count, i) => {
    const members: Array<readonly [string, string]> = [];
    const min = i === 0 ? h.lowerBound : h.labels[i - 1];
    if (min !== undefined) members.push(['min', jsonInteger(labelNumber(min))]);
    const label = h.labels[i];
    if (label !== undefined) members.push(['max', jsonInteger(labelNumber(label) - 1n)]);
    members.push(['count', count.toString()]);
    return jsonObject(members);
  });
  return `[${rows.join(',')}]`;
}

/** `v` as a JSON value, as bpftrace's JsonEmitter. */
export function valueJson(v: Value): string {
  switch (v.kind) {
    case 'none':
      return 'null';
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'int':
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
      return jsonInteger(v.value);
    case 'symbolic':
      return jsonInteger(BigInt.asUintN(64, v.numeric)); // JSON never shows the symbol
    case 'string':
      return jsonString(v.value);
    case 'buffer':
      // bpftrace emits the bytes as C `char`s, i.e. signed numbers.
      return `[${Array.from(v.bytes, (b) => (b << 24) >> 24).join(',')}]`;
    case 'stack':
      return jsonString(stackText(v, { escape: false }));
    case 'tuple': {
      const names = v.names;
      if (names) return jsonObject(v.elements.map((e, i) => [names[i] ?? '', valueJson(e)] as const));
      return `[${v.elements.map(valueJson).join(',')}]`;
    }
    case 'array':
      return `[${v.elements.map(valueJson).join(',')}]`;
    case 'record':
      return jsonObject(v.fields.map((f) => [f.name, valueJson(f.value)] as const));
    case 'avg':
      return jsonInteger(averageOf(v));
    case 'stats':
      return jsonObject([
        ['count', jsonInteger(v.count)],
        ['average', jsonInteger(averageOf(v))],
        ['total', jsonInteger(v.total)],
      ]);
    case 'hist':
      return histogramJson(buildLog2Histogram(v));
    case 'lhist':
      return histogramJson(buildLinearHistogram(v));
  }
}

/** A JSON object key for a map key: its text, tuple parentheses and all spaces removed (as bpftrace). */
export function mapKeyJson(key: readonly Value[]): string {
  let s = key.map((k) => valueText(k, { escape: false })).join(', ');
  if (key.length === 1 && s.length >= 2 && s.startsWith('(') && s.endsWith(')')) s = s.slice(1, -1);
  return s.replaceAll(' ', '');
}

/** The record type of a map: `hist` for hist/lhist maps, `stats` for avg/stats maps, else `map`. */
export function mapRecordType(map: MapData): 'map' | 'hist' | 'stats' {
  if (map.valueKind === 'hist' || map.valueKind === 'lhist') return 'hist';
  if (map.valueKind === 'avg' || map.valueKind === 'stats') return 'stats';
  return 'map';
}

function record(type: string, data: string): string {
  return `{"type": ${jsonString(type)}, "data": ${data}}\n`;
}

/** A map as one JSON line (with its newline); empty for a map without entries, which bpftrace skips. */
export function formatMapJson(map: MapData, options: MapPrintOptions = {}): string {
  const entries = prepareEntries(map, options);
  if (entries.length === 0) return '';
  const payload = map.keyTypes.length === 0 ? valueJson(entries[0]!.value) : jsonObject(entries.map((e) => [mapKeyJson(e.key), valueJson(e.value)] as const));
  return record(mapRecordType(map), jsonObject([[map.name.startsWith('@') ? map.name : `@${map.name}`, payload]]));
}

/** A Printer writing bpftrace's NDJSON format to `sink` (everything, status records included, on stdout). */
export function createJsonPrinter(sink: OutputSink): Printer {
  return {
    map: (map, o) => {
      const line = formatMapJson(map, o);
      if (line !== '') sink.stdout(line);
    },
    value: (v) => sink.stdout(record('value', valueJson(v))),
    printf: (text, provenance) => {
      const line = record('printf', jsonString(text));
      // siesta extension: how each user-memory argument was obtained.
      sink.stdout(provenance?.length ? `${line.replace(/}\n$/, '')}, "provenance": [${provenance.map((p) => `"${p}"`).join(', ')}]}\n` : line);
    },
    time: (text) => sink.stdout(record('time', jsonString(text))),
    cat: (text) => sink.stdout(record('cat', jsonString(text))),
    join: (text) => sink.stdout(record('join', jsonString(text))),
    syscall: (text) => sink.stdout(record('syscall', jsonString(text))),
    lostEvents: (count) => sink.stdout(`{"type": "lost_events", "count": ${count}, "data": {"events": ${count}}}\n`),
    attachedProbes: (count) => sink.stdout(`{"type": "attached_probes", "count": ${count}, "data": {"probes": ${count}}}\n`),
    end: () => {},
  };
}

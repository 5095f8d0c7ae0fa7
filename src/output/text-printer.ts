/**
 * The text printer (bpftrace's default output), as bpftrace 0.26's TextOutput (src/output/text.cpp):
 *
 *   @name: 5                      scalar map, then a blank line
 *   @name[k1, k2]: 5              one line per entry (tuple parentheses dropped), then a blank line
 *   @name[key]:                   histogram maps: a header line per entry, the buckets, a blank line
 *   [0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
 *
 * printf output is written as bpftrace writes it (its arguments are escaped by formatPrintf); "Attached N
 * probes" and "Lost N events" go to stderr.
 */
import { escapeControl } from './escape.js';
import { buildLinearHistogram, buildLog2Histogram, formatHistogramText } from './histogram.js';
import type { MapPrintOptions } from './map-order.js';
import { prepareEntries } from './map-order.js';
import type { TextOptions } from './render-text.js';
import { valueText } from './render-text.js';
import type { MapData, Value } from './value.js';

/** Where a printer writes. */
export interface OutputSink {
  /** Normal output (maps, printf, print). */
  stdout(text: string): void;
  /** Diagnostics and status (attached probes, lost events). */
  stderr(text: string): void;
}

/** The output operations of a running program; implemented by the text and JSON printers. */
export interface Printer {
  /** Prints a map (`print(@m, top, div)`, or at exit). */
  map(map: MapData, options?: MapPrintOptions): void;
  /** Prints a non-map value (`print($x)`). */
  value(value: Value): void;
  /** Writes already-formatted printf output. */
  /** `provenance` lists how each user-memory argument was read (exact, exit, lost), for the JSON printer. */
  printf(text: string, provenance?: readonly string[]): void;
  /** Writes the output of `time()`. */
  time(text: string): void;
  /** Writes the output of `cat()`. */
  cat(text: string): void;
  /** Writes the output of `join()`. */
  join(text: string): void;
  /** Writes the output of `system()`. */
  syscall(text: string): void;
  /** Reports events lost by the ring buffer. */
  lostEvents(count: number | bigint): void;
  /** Reports how many probes were attached. */
  attachedProbes(count: number): void;
  /** Marks the end of tracing (before the exit-time map dump). */
  end(): void;
}

function isHistogram(v: Value): boolean {
  return v.kind === 'hist' || v.kind === 'lhist';
}

function histogramText(v: Value): string {
  if (v.kind === 'hist') return formatHistogramText(buildLog2Histogram(v));
  if (v.kind === 'lhist') return formatHistogramText(buildLinearHistogram(v));
  return '';
}

/** The text between `@name[` and `]`: key components joined by `, `, with any enclosing parentheses dropped. */
export function mapKeyText(key: readonly Value[], options: TextOptions = {}): string {
  const s = key.map((k) => valueText(k, options)).join(', ');
  // bpftrace strips the parentheses of whatever key text is wrapped in them (tuple keys, and also a string
  // key such as a comm "(sd-pam)"), so siesta does too.
  return key.length === 1 && s.length >= 2 && s.startsWith('(') && s.endsWith(')') ? s.slice(1, -1) : s;
}

/** A map as bpftrace prints it in text, including the trailing blank line(s); empty for a map without entries. */
export function formatMapText(map: MapData, options: MapPrintOptions & TextOptions = {}): string {
  const name = map.name.startsWith('@') ? map.name : `@${map.name}`;
  const entries = prepareEntries(map, options);
  if (entries.length === 0) return '';
  if (map.keyTypes.length === 0) {
    const v = entries[0]!.value;
    return isHistogram(v) ? `${name}:\n${histogramText(v)}\n` : `${name}: ${valueText(v, options)}\n\n`;
  }
  let out = '';
  let plain = false;
  for (const e of entries) {
    const head = `${name}[${mapKeyText(e.key, options)}]`;
    if (isHistogram(e.value)) {
      out += `${head}:\n${histogramText(e.value)}\n`;
    } else {
      out += `${head}: ${valueText(e.value, options)}\n`;
      plain = true;
    }
  }
  return plain ? `${out}\n` : out;
}

/** A value as `print($x)` writes it: its text and a newline. */
export function formatValueText(v: Value, options: TextOptions = {}): string {
  return `${valueText(v, options)}\n`;
}

/** A Printer writing bpftrace's text format to `sink`. */
export function createTextPrinter(sink: OutputSink, options: TextOptions = {}): Printer {
  return {
    map: (map, o) => {
      const text = formatMapText(map, { ...options, ...o });
      if (text !== '') sink.stdout(text);
    },
    value: (v) => sink.stdout(formatValueText(v, options)),
    printf: (text) => sink.stdout(text),
    time: (text) => sink.stdout(text),
    cat: (text) => sink.stdout(text),
    // join()'s strings come from traced memory: control characters are escaped like printf's arguments.
    join: (text) => sink.stdout(`${options.escape === false ? text : escapeControl(text)}\n`),
    syscall: (text) => sink.stdout(`${text}\n`),
    lostEvents: (count) => sink.stderr(`Lost ${count} events\n`),
    attachedProbes: (count) => sink.stderr(`Attached ${count} ${count === 1 ? 'probe' : 'probes'}\n`),
    end: () => sink.stdout('\n\n'),
  };
}

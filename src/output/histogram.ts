/**
 * Histograms: building bucket labels from hist()/lhist() bucket counts, and drawing them as bpftrace 0.26 does
 * (src/types_format.cpp build_histogram / build_linear_histogram, src/output/text.cpp
 * TextEmitter<Value::Histogram>).
 *
 *   [4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |
 *   <-- header: 16, left --><count: 8, right> |<------------- bar: 52 ------------->|
 */
import type { HistValue, LhistValue } from './value.js';

/** A bucket boundary: a plain integer, or a number shown with a K/M/G... suffix (e.g. `1K`, numerically 1024). */
export type HistLabel = { readonly kind: 'int'; readonly value: bigint } | { readonly kind: 'symbolic'; readonly symbol: string; readonly numeric: bigint };

/**
 * A histogram ready to print (bpftrace's Value::Histogram): `labels[i]` is the exclusive upper bound of bucket
 * i, `lowerBound` the lower bound of bucket 0 (absent: unbounded below, `(..., x)`); when there is one count
 * more than labels, the last bucket is unbounded above (`[x, ...)`).
 */
export interface Histogram {
  readonly lowerBound?: HistLabel;
  readonly labels: readonly HistLabel[];
  readonly counts: readonly bigint[];
}

const SUFFIXES = ['', 'K', 'M', 'G', 'T', 'P', 'E'];

function intLabel(v: number | bigint): HistLabel {
  return { kind: 'int', value: BigInt(v) };
}

/** bpftrace's hist_index_label: the value where log2 bucket `index` (>= 2^bits) starts, with a K/M/G... suffix. */
export function histIndexLabel(index: number, bits: number): HistLabel {
  const n = 1n << BigInt(bits);
  const interval = BigInt(index) & (n - 1n);
  let power = (index >> bits) - 1;
  const numeric = (1n << BigInt(power)) * (n + interval);
  const decade = Math.floor(power / 10);
  power -= 10 * decade;
  return { kind: 'symbolic', symbol: `${(1n << BigInt(power)) * (n + interval)}${SUFFIXES[decade] ?? ''}`, numeric };
}

/** The first and last bucket with a non-zero count, or undefined when all are zero. */
function nonZeroRange(buckets: readonly bigint[]): [number, number] | undefined {
  let first = -1;
  let last = -1;
  buckets.forEach((c, i) => {
    if (c > 0n) {
      if (first < 0) first = i;
      last = i;
    }
  });
  return first < 0 ? undefined : [first, last];
}

/** Labels and counts (divided by `div`) of a log2 histogram, trimmed to the non-zero range. */
export function buildLog2Histogram(h: HistValue, div = 1): Histogram {
  const range = nonZeroRange(h.buckets);
  if (!range) return { labels: [], counts: [] };
  const [first, last] = range;
  const d = BigInt(div === 0 ? 1 : div);
  const exact = 2 << h.bits; // buckets up to here hold one value each and are labelled by their index
  const label = (i: number): HistLabel => (i <= exact ? intLabel(i) : histIndexLabel(i, h.bits));
  const labels: HistLabel[] = [];
  const counts: bigint[] = [];
  for (let i = first; i <= last; i++) {
    labels.push(i === 0 ? intLabel(0) : label(i));
    counts.push((h.buckets[i] ?? 0n) / d);
  }
  return first === 0 ? { labels, counts } : { lowerBound: label(first - 1), labels, counts };
}

/** bpftrace's lhist_index_label: K/M suffixes only when the step is a multiple of 1024. */
function lhistIndexLabel(n: number, step: number): HistLabel {
  const kilo = 1024;
  const mega = 1024 * 1024;
  if (step % kilo !== 0) return intLabel(n);
  let symbol: string;
  if (n === 0) symbol = '0';
  else if (n % mega === 0) symbol = `${n / mega}M`;
  else if (n % kilo === 0) symbol = `${n / kilo}K`;
  else symbol = `${n}`;
  return { kind: 'symbolic', symbol, numeric: BigInt(n) };
}

/** Labels and counts of a linear histogram, trimmed to the non-zero range (`div` does not apply, as in bpftrace). */
export function buildLinearHistogram(h: LhistValue): Histogram {
  const range = nonZeroRange(h.buckets);
  if (!range) return { labels: [], counts: [] };
  const [first, last] = range;
  const labels: HistLabel[] = [];
  const counts: bigint[] = [];
  for (let i = first; i <= last; i++) {
    // The last bucket counts values above max: it has no upper label.
    if (h.min + i * h.step <= h.max) labels.push(lhistIndexLabel(h.min + i * h.step, h.step));
    counts.push(h.buckets[i] ?? 0n);
  }
  const lowerBound = first === 0 ? undefined : lhistIndexLabel(h.min + (first - 1) * h.step, h.step);
  return lowerBound === undefined ? { labels, counts } : { lowerBound, labels, counts };
}

/** How a label is written in text. */
export function labelText(l: HistLabel): string {
  return l.kind === 'int' ? l.value.toString() : l.symbol;
}

/** A label's number (the symbolic value's numeric part). */
export function labelNumber(l: HistLabel): bigint {
  return l.kind === 'int' ? l.value : l.numeric;
}

/** bpftrace's single_value: two plain integer labels one apart delimit a one-value bucket, printed `[n]`. */
function adjacent(a: HistLabel, b: HistLabel): boolean {
  return a.kind === 'int' && b.kind === 'int' && a.value + 1n === b.value;
}

/** The `[a, b)` / `[a]` / `(..., b)` / `[a, ...)` header of bucket `i`. */
function bucketHeader(h: Histogram, i: number): string {
  const label = h.labels[i];
  const prev = i === 0 ? h.lowerBound : h.labels[i - 1];
  if (i === 0 && prev === undefined) return `(..., ${label ? labelText(label) : ''})`;
  if (prev === undefined) return '';
  if (label === undefined) return `[${labelText(prev)}, ...)`;
  if (adjacent(prev, label)) return `[${labelText(prev)}]`;
  return `[${labelText(prev)}, ${labelText(label)})`;
}

/** Width of the `|@@@...|` bar. */
export const HIST_BAR_WIDTH = 52;

/** Rows of a histogram, one per bucket, each ending in a newline (empty for an empty histogram). */
export function formatHistogramText(h: Histogram): string {
  let max = 0n;
  for (const c of h.counts) if (c > max) max = c;
  let out = '';
  for (let i = 0; i < h.counts.length; i++) {
    const count = h.counts[i] ?? 0n;
    // bpftrace computes the bar in single precision: (count / float(max)) * 52, truncated to int.
    const ratio = Math.fround(Math.fround(Number(count)) / Math.fround(Number(max)));
    const bar = max === 0n ? 0 : Math.trunc(Math.fround(ratio * HIST_BAR_WIDTH));
    out += `${bucketHeader(h, i).padEnd(16)}${count.toString().padStart(8)} |${'@'.repeat(bar).padEnd(HIST_BAR_WIDTH)}|\n`;
  }
  return out;
}

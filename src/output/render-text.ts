/**
 * Text rendering of values, as bpftrace 0.26's TextEmitter (src/output/text.cpp): tuples `(1, 2, str)`,
 * arrays `[1,2]`, records `{ .a = 1 }`, buffers with `\xNN`, stacks one frame per line.
 *
 * Rendering yields pieces rather than one string because printf's `%s` pads only the first piece and adds `+`
 * to integer pieces, exactly as a C++ ostream does when bpftrace streams a value with a width set.
 */
import { escapeControl, hexFormatBuffer } from './escape.js';
import { buildLinearHistogram, buildLog2Histogram, formatHistogramText } from './histogram.js';
import type { StackFrame, StackValue, Value } from './value.js';
import { averageOf } from './value.js';

/** Rendering options. */
export interface TextOptions {
  /** Escape control characters in traced strings (default true); see escapeControl. */
  readonly escape?: boolean;
}

/** One output operation: its text, and whether it is a signed integer (which `+` applies to). */
export interface Piece {
  readonly text: string;
  readonly signedInt?: boolean;
}

/** Indentation of a frame in the default (`bpftrace`) stack mode. */
const STACK_INDENT = ' '.repeat(8);

function hex(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16);
}

function frameSymbol(f: StackFrame, perf: boolean, esc: (s: string) => string): string {
  const sym = f.symbol === undefined ? `0x${hex(f.address)}` : `${esc(f.symbol)}+${f.offset ?? 0n}`;
  return perf && f.module !== undefined ? `${sym} (${esc(f.module)})` : sym;
}

/**
 * A stack as bpftrace's get_stack prints it: a leading newline, then per frame `        sym+off` (bpftrace
 * mode), `\t<hex> sym+off` (perf mode, plus ` (module)` when known) or `<hex>` (raw mode), each on its own line.
 */
export function stackText(s: StackValue, options: TextOptions = {}): string {
  const esc = options.escape === false ? (x: string) => x : escapeControl;
  let out = '\n';
  for (const f of s.frames) {
    if (s.mode === 'raw') out += `${hex(f.address)}\n`;
    else if (s.mode === 'perf') out += `\t${hex(f.address)} ${frameSymbol(f, true, esc)}\n`;
    else out += `${STACK_INDENT}${frameSymbol(f, false, esc)}\n`;
  }
  return out;
}

function pushJoined(out: Piece[], items: readonly Value[], sep: string, options: TextOptions, name?: (i: number) => string): void {
  items.forEach((item, i) => {
    if (i > 0) out.push({ text: sep });
    const n = name?.(i);
    if (n !== undefined) out.push({ text: n }, { text: ' = ' });
    pushPieces(out, item, options);
  });
}

function pushPieces(out: Piece[], v: Value, options: TextOptions): void {
  const esc = options.escape === false ? (x: string) => x : escapeControl;
  switch (v.kind) {
    case 'none':
      out.push({ text: 'null' });
      return;
    case 'bool':
      out.push({ text: v.value ? 'true' : 'false' });
      return;
    case 'int':
      out.push({ text: v.value.toString(), signedInt: v.signed });
      return;
    case 'string':
      out.push({ text: esc(v.value) });
      return;
    case 'buffer':
      out.push({ text: hexFormatBuffer(v.bytes) });
      return;
    case 'symbolic':
      out.push({ text: esc(v.symbol) });
      return;
    case 'stack':
      out.push({ text: stackText(v, options) });
      return;
    case 'tuple': {
      const names = v.names;
      out.push({ text: '(' });
      pushJoined(out, v.elements, ', ', options, names ? (i) => esc(names[i] ?? '') : undefined);
      out.push({ text: ')' });
      return;
    }
    case 'array':
      out.push({ text: '[' });
      pushJoined(out, v.elements, ',', options);
      out.push({ text: ']' });
      return;
    case 'record':
      if (v.fields.length === 0) {
        out.push({ text: '{}' });
        return;
      }
      out.push({ text: '{ ' });
      v.fields.forEach((f, i) => {
        if (i > 0) out.push({ text: ', ' });
        out.push({ text: '.' }, { text: esc(f.name) }, { text: ' = ' });
        pushPieces(out, f.value, options);
      });
      out.push({ text: ' }' });
      return;
    case 'count':
      out.push({ text: v.value.toString(), signedInt: false });
      return;
    case 'sum':
    case 'min':
    case 'max':
      out.push({ text: v.value.toString(), signedInt: v.signed });
      return;
    case 'avg':
      out.push({ text: averageOf(v).toString(), signedInt: v.signed });
      return;
    case 'stats':
      out.push({ text: `count ${v.count}, average ${averageOf(v)}, total ${v.total}` });
      return;
    case 'hist':
      out.push({ text: formatHistogramText(buildLog2Histogram(v)) });
      return;
    case 'lhist':
      out.push({ text: formatHistogramText(buildLinearHistogram(v)) });
      return;
  }
}

/** The pieces a C++ ostream would receive for `v` (see the file comment). */
export function valuePieces(v: Value, options: TextOptions = {}): Piece[] {
  const out: Piece[] = [];
  pushPieces(out, v, options);
  return out;
}

/** `v` as bpftrace prints it in text output (`print(v)`, map keys and values). */
export function valueText(v: Value, options: TextOptions = {}): string {
  return valuePieces(v, options)
    .map((p) => p.text)
    .join('');
}

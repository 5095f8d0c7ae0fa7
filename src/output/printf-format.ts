/**
 * printf at run time: formats a parsed format string with decoded argument values exactly as bpftrace 0.26
 * does (src/format_string.cpp FormatSpec::apply and its as_signed_integer / as_unsigned_integer /
 * as_floating_point / as_string / as_buffer helpers).
 *
 * Casts follow C: `%d` takes an int (32 bits) unless a length modifier widens it (`%ld`, `%lld`, `%jd`, ...),
 * `%hhx` a byte; `%u %o %x %X` are unsigned of the same widths; `%p` is always 64-bit. `%s` prints any value
 * as text output does (tuples `(1, str)`, buffers with \xNN). A value that cannot be converted is written as
 * `!{invalid integer conversion: ...}` in place, as bpftrace does.
 *
 * Traced data is untrusted: with `escape` (the default) control characters in the substituted values (not in
 * the format string the user wrote) are written as \xNN, except newline and tab.
 */
import { escapeControl, hexFormatBuffer, isUnsafeControl } from './escape.js';
import type { ParsedPrintf, PrintfSpec } from './printf-parse.js';
import { parsePrintfFormat } from './printf-parse.js';
import { valuePieces, valueText } from './render-text.js';
import type { StreamFlags } from './stream-format.js';
import { DEFAULT_FLAGS, pad, putFloat, putInteger } from './stream-format.js';
import type { Value } from './value.js';
import { averageOf } from './value.js';

/** Options of formatPrintf. */
export interface PrintfOptions {
  /** Escape control characters in substituted values (default true). */
  readonly escape?: boolean;
  /** Rewrites the formatted text of argument `index` (the runtime marks values whose user read failed). */
  readonly argText?: (text: string, index: number) => string;
}

const FLOATS = new Set(['f', 'F', 'e', 'E', 'g', 'G', 'a', 'A']);

/** Stream flags per conversion, built once: formatting runs per traced event. */
const flagsCache = new WeakMap<PrintfSpec, StreamFlags>();

function flagsOf(spec: PrintfSpec): StreamFlags {
  let f = flagsCache.get(spec);
  if (!f) {
    f = buildFlags(spec);
    flagsCache.set(spec, f);
  }
  return f;
}

function buildFlags(spec: PrintfSpec): StreamFlags {
  const c = spec.conversion;
  const float = FLOATS.has(c) && spec.precision >= 0;
  return {
    ...DEFAULT_FLAGS,
    width: Math.max(0, spec.width),
    left: spec.leftAlign,
    fill: spec.leadZeros ? '0' : ' ',
    showpos: spec.showSign,
    showbase: spec.alternate,
    base: c === 'o' ? 8 : c === 'x' || c === 'X' ? 16 : 10,
    uppercase: c === 'X',
    float: float && (c === 'f' || c === 'F') ? 'fixed' : float && (c === 'e' || c === 'E') ? 'scientific' : 'general',
    precision: float ? spec.precision : 6,
  };
}

/** The integer a value converts to, or undefined (strings, tuples, ...). */
function asInteger(v: Value): bigint | undefined {
  switch (v.kind) {
    case 'int':
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
      return v.value;
    case 'bool':
      return v.value ? 1n : 0n;
    case 'symbolic':
      return v.numeric;
    case 'avg':
      return averageOf(v);
    default:
      return undefined;
  }
}

/** Width in bits of the C type a length modifier casts to; `int` (32) when there is none. */
function castBits(length: string): 8 | 16 | 32 | 64 {
  switch (length) {
    case 'hh':
      return 8;
    case 'h':
      return 16;
    case 'l':
    case 'll':
    case 'j':
    case 'z':
    case 't':
      return 64;
    default:
      return 32;
  }
}

function charText(byte: number, escape: boolean): string {
  if (escape && (isUnsafeControl(byte) || byte >= 0x80)) return `\\x${byte.toString(16).padStart(2, '0')}`;
  return String.fromCharCode(byte);
}

function asString(v: Value, f: StreamFlags, escape: boolean): string {
  // The common case (`%s` of a string) without building pieces: one piece, never signed.
  if (v.kind === 'string') {
    const text = escape ? escapeControl(v.value) : v.value;
    return f.width === 0 ? text : pad(text, f);
  }
  const pieces = valuePieces(v, { escape });
  return pieces
    .map((p, i) => {
      const text = f.showpos && p.signedInt && !p.text.startsWith('-') ? `+${p.text}` : p.text;
      return i === 0 ? pad(text, f) : text;
    })
    .join('');
}

/** One conversion applied to one value, padded. */
export function applyPrintfSpec(spec: PrintfSpec, arg: Value, options: PrintfOptions = {}): string {
  const escape = options.escape !== false;
  const f = flagsOf(spec);
  const c = spec.conversion;
  if (c === 's' || c === 'n') return asString(arg, f, escape);
  if (c === 'r' || c === 'rx' || c === 'rh') {
    if (arg.kind !== 'buffer') return asString(arg, f, escape);
    return pad(hexFormatBuffer(arg.bytes, c === 'r', c !== 'rh'), f);
  }
  const n = asInteger(arg);
  if (n === undefined) {
    const shown = valueText(arg, { escape });
    return `!{invalid integer conversion: ${escape ? escapeControl(shown) : shown}}`;
  }
  if (FLOATS.has(c)) return pad(putFloat(Number(n), f), f);
  switch (c) {
    case 'd':
    case 'i':
      return pad(putInteger(BigInt.asIntN(castBits(spec.length), n), true, f), f);
    case 'u':
    case 'o':
    case 'x':
    case 'X':
      return pad(putInteger(BigInt.asUintN(castBits(spec.length), n), false, f), f);
    case 'c':
      return pad(charText(Number(BigInt.asUintN(8, n)), escape), f);
    case 'p': {
      const p = BigInt.asUintN(64, n);
      return pad(p === 0n ? '0' : `0x${p.toString(16)}`, f);
    }
    default:
      return asString(arg, f, escape);
  }
}

/**
 * `format` (a string or a parsePrintfFormat result) with each conversion replaced by the matching value. The
 * type checker guarantees one value per conversion; a missing one is written as `!{missing argument}` and
 * extra ones are ignored.
 */
export function formatPrintf(format: string | ParsedPrintf, args: readonly Value[], options: PrintfOptions = {}): string {
  const parsed = typeof format === 'string' ? parsePrintfFormat(format) : format;
  let out = '';
  const { argSpecs, segments } = parsed;
  for (let i = 0; i < argSpecs.length; i++) {
    const arg = args[i];
    const text = arg === undefined ? '!{missing argument}' : applyPrintfSpec(argSpecs[i]!, arg, options);
    out += (segments[i] ?? '') + (options.argText ? options.argText(text, i) : text);
  }
  return out + (segments[argSpecs.length] ?? '');
}

/**
 * What a positional parameter (`$1`, `$2`, ...) stands for, with bpftrace 0.26's rules: a value that reads as
 * an integer (decimal, `0x` hex, `0b` binary, leading-`0` octal, an optional `-`) is that integer, any other
 * value is a string literal; a missing parameter is `0`, or `""` as the argument of `str()`. Inside `str()`
 * a parameter is always its text, so `str($1)` of `1` is `"1"`.
 */
import { parseIntLiteral } from '../lang/index.js';

/** The constant a positional parameter stands for at one use. */
export type PositionalValue = { readonly kind: 'int'; readonly value: bigint } | { readonly kind: 'string'; readonly text: string };

/** Only plain integers count: bpftrace does not read `5ms` or `1e3` given on the command line as numbers. */
const NUMERIC = /^-?(0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)$/;

/** The integer `text` spells, or null when it is not a plain integer or does not fit in 64 bits. */
export function positionalInteger(text: string): bigint | null {
  if (!NUMERIC.test(text)) return null;
  const negative = text.startsWith('-');
  const r = parseIntLiteral(negative ? text.slice(1) : text);
  if (!r.ok) return null;
  if (negative) return r.value > 1n << 63n ? null : -r.value;
  return r.value;
}

/** The value of `$index` (1-based) among `params`; `inStr` when it is the argument of `str()`. */
export function positionalValue(params: readonly string[], index: number, inStr: boolean): PositionalValue {
  const text = params[index - 1];
  if (inStr) return { kind: 'string', text: text ?? '' };
  if (text === undefined) return { kind: 'int', value: 0n };
  const n = positionalInteger(text);
  return n === null ? { kind: 'string', text } : { kind: 'int', value: n };
}

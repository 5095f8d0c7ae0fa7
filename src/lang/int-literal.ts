/**
 * Integer literals with bpftrace's rules (its `util::to_uint`): `_` separators, `0x` hex, `0b` binary,
 * a leading `0` for octal, scientific `1e6` (integer only, coefficient 1-9), C suffixes (`u`, `l`,
 * `ul`, `ll`, `ull`: accepted, not size specifiers) and duration suffixes turned into nanoseconds
 * (`ns`, `us`, `ms`, `s`, `m`, `h`, `d`). There is no `0o` prefix: `0o17` is rejected as bpftrace does.
 */

/** The value of a literal, or the message bpftrace gives for it. */
export type IntLiteralResult = { readonly ok: true; readonly value: bigint } | { readonly ok: false; readonly error: string };

const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = (1n << 32n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

/** Suffix → [largest value of the literal's C type, multiplier]. */
const SUFFIXES = new Map<string, readonly [bigint, bigint]>([
  ['', [U64_MAX, 1n]],
  ['u', [U32_MAX, 1n]],
  ['ul', [U64_MAX, 1n]],
  ['ull', [U64_MAX, 1n]],
  ['l', [I64_MAX, 1n]],
  ['ll', [I64_MAX, 1n]],
  ['ns', [U64_MAX, 1n]],
  ['us', [U64_MAX, 1_000n]],
  ['ms', [U64_MAX, 1_000_000n]],
  ['s', [U64_MAX, 1_000_000_000n]],
  ['m', [U64_MAX, 60_000_000_000n]],
  ['h', [U64_MAX, 3_600_000_000_000n]],
  ['d', [U64_MAX, 86_400_000_000_000n]],
]);

function digitValue(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 122) return code - 87;
  if (code >= 65 && code <= 90) return code - 55;
  return 99;
}

/** Like strtoull: the longest run of `base` digits at `from` (base 0 picks 8 for a leading 0, else 10). */
function scanDigits(text: string, from: number, base: number): { value: bigint; end: number } {
  let b = base;
  if (b === 0) b = text[from] === '0' ? 8 : 10;
  let value = 0n;
  let end = from;
  while (end < text.length && digitValue(text[end] ?? '') < b) {
    value = value * BigInt(b) + BigInt(digitValue(text[end] ?? ''));
    end++;
  }
  return { value, end };
}

function fail(error: string): IntLiteralResult {
  return { ok: false, error };
}

function overflow(num: string, max: bigint): IntLiteralResult {
  return fail(`overflow error, maximum value is ${max}: ${num}`);
}

/** `num` is the literal as written (for messages); `n` the digits left to parse in `base`. */
function toUint(num: string, n: string, base: number): IntLiteralResult {
  if (base === 0 && n.length >= 2) {
    if (n.startsWith('0x') || n.startsWith('0X')) return toUint(num, n.slice(2), 16);
    if (n.startsWith('0b') || n.startsWith('0B')) return toUint(num, n.slice(2), 2);
    const second = n[1] ?? '';
    if (n.startsWith('0') && second >= '0' && second <= '7') return toUint(num, n.slice(1), 8);
  }
  const { value: mantissa, end } = scanDigits(n, 0, base);
  if (end === 0) return fail(`invalid integer: ${num}`);
  if (mantissa > U64_MAX) return overflow(num, U64_MAX);
  let value = mantissa;
  let rest = end;
  const e = n[rest];
  const expStart = n[rest + 1] ?? '';
  if ((e === 'e' || e === 'E') && expStart >= '1' && expStart <= '9') {
    if (value <= 0n || value >= 10n) return fail(`coefficient part of scientific literal must be 1-9: ${num}`);
    const exp = scanDigits(n, rest + 1, 10);
    for (let i = 0n; i < exp.value; i++) {
      if (value > U64_MAX / 10n) return overflow(num, U64_MAX);
      value *= 10n;
    }
    rest = exp.end;
  }
  const suffix = n.slice(rest);
  const spec = SUFFIXES.get(suffix) ?? SUFFIXES.get(/^[uUlL]+$/.test(suffix) ? suffix.toLowerCase() : '\0');
  if (spec === undefined) return fail(`invalid trailing bytes: ${num}`);
  const [max, multiplier] = spec;
  if (value > max / multiplier) return overflow(num, max);
  return { ok: true, value: value * multiplier };
}

/** Parses the text of an integer literal as bpftrace does, e.g. `1_000`, `0x10`, `010`, `2e3`, `5ms`. */
export function parseIntLiteral(text: string): IntLiteralResult {
  return toUint(text, text.replaceAll('_', ''), 0);
}

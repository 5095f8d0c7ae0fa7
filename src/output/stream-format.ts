/**
 * Number and padding rules of a C++ ostream (libstdc++ num_put), which bpftrace 0.26's printf uses instead
 * of snprintf (src/format_string.cpp FormatSpec::apply). The differences from C printf that follow:
 *
 *   - padding goes before everything (std::right), so `%05d` of -5 is `000-5` and `%-05d` is `-5000`;
 *   - `%#x` of 0 is `0` (no prefix for zero), `%#o` of 8 is `010`;
 *   - `+` signs only signed types; `%p` is `0x...`, or `0` for a null pointer;
 *   - floats without a precision print in general format with 6 significant digits (`%f` of 3.5 is `3.5`);
 *   - widths count bytes, so a multi-byte UTF-8 character takes more than one column of the width.
 */
import { Buffer } from 'node:buffer';

/** The formatting state of the stream for one conversion. */
export interface StreamFlags {
  /** Minimum field width in bytes (0: none). */
  readonly width: number;
  /** std::left (else std::right). */
  readonly left: boolean;
  /** Fill character: ' ' or '0'. */
  readonly fill: string;
  /** std::showpos. */
  readonly showpos: boolean;
  /** std::showbase. */
  readonly showbase: boolean;
  /** Integer base. */
  readonly base: 8 | 10 | 16;
  /** std::uppercase (hex digits and prefix). */
  readonly uppercase: boolean;
  /** Floating-point field: general (%g-like), fixed (%f) or scientific (%e). */
  readonly float: 'general' | 'fixed' | 'scientific';
  /** Floating-point precision (stream default 6). */
  readonly precision: number;
}

/** Default stream state: no width, right-aligned, space fill, decimal, general floats with precision 6. */
export const DEFAULT_FLAGS: StreamFlags = {
  width: 0,
  left: false,
  fill: ' ',
  showpos: false,
  showbase: false,
  base: 10,
  uppercase: false,
  float: 'general',
  precision: 6,
};

/** `text` padded with the fill character to the field width (counted in UTF-8 bytes, as a byte stream does). */
export function pad(text: string, f: StreamFlags): string {
  const len = Buffer.byteLength(text, 'utf8');
  if (f.width <= len) return text;
  const fill = f.fill.repeat(f.width - len);
  return f.left ? text + fill : fill + text;
}

/** An integer as num_put writes it (without padding); `signedType` says whether `+` may apply. */
export function putInteger(v: bigint, signedType: boolean, f: StreamFlags): string {
  if (f.base === 10) {
    const sign = v < 0n ? '-' : f.showpos && signedType ? '+' : '';
    return sign + (v < 0n ? -v : v).toString();
  }
  const digits = v.toString(f.base);
  const prefix = f.showbase && v !== 0n ? (f.base === 16 ? '0x' : '0') : '';
  const out = prefix + digits;
  return f.uppercase ? out.toUpperCase() : out;
}

/** A finite double > 0 as m * 2^e exactly (IEEE 754 binary64). */
function decompose(x: number): { m: bigint; e: number } {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  const bits = v.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  return biased === 0 ? { m: frac, e: -1074 } : { m: frac | (1n << 52n), e: biased - 1075 };
}

/** n / d rounded to nearest, ties to even (glibc's rounding in the default rounding mode). */
function roundHalfEven(n: bigint, d: bigint): bigint {
  const q = n / d;
  const twice = 2n * (n % d);
  return twice > d || (twice === d && q % 2n === 1n) ? q + 1n : q;
}

/** round(x * 10^k) for a finite double x >= 0, exactly. */
function scaleRound(x: number, k: number): bigint {
  if (x === 0) return 0n;
  const { m, e } = decompose(x);
  let num = m;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (k >= 0) num *= 10n ** BigInt(k);
  else den *= 10n ** BigInt(-k);
  return roundHalfEven(num, den);
}

/** C's %.{p}f of x >= 0. */
function fixed(x: number, p: number): string {
  const digits = scaleRound(x, p).toString().padStart(p + 1, '0');
  return p === 0 ? digits : `${digits.slice(0, -p)}.${digits.slice(-p)}`;
}

/** The p + 1 significant digits of x >= 0 and its decimal exponent, as C's %e rounds them. */
function significant(x: number, p: number): { digits: string; exp: number } {
  if (x === 0) return { digits: '0'.repeat(p + 1), exp: 0 };
  const lo = 10n ** BigInt(p);
  const hi = lo * 10n;
  let exp = Math.floor(Math.log10(x));
  for (let tries = 0; tries < 4; tries++) {
    const q = scaleRound(x, p - exp);
    if (q >= hi) exp++;
    else if (q < lo) exp--;
    else return { digits: q.toString(), exp };
  }
  return { digits: scaleRound(x, p - exp).toString().slice(0, p + 1), exp };
}

/** C's %.{p}e of x >= 0. */
function scientific(x: number, p: number): string {
  const { digits, exp } = significant(x, p);
  const mant = p === 0 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${mant}e${exp < 0 ? '-' : '+'}${Math.abs(exp).toString().padStart(2, '0')}`;
}

function stripZeros(s: string): string {
  const e = s.indexOf('e');
  const mant = e < 0 ? s : s.slice(0, e);
  const exp = e < 0 ? '' : s.slice(e);
  return (mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant) + exp;
}

/**
 * A double as num_put writes it: C's %f, %e or %g with the stream precision, rounded exactly (ties to even,
 * as glibc); precisions above 100 are clamped to 100.
 */
export function putFloat(x: number, f: StreamFlags): string {
  const neg = x < 0 || Object.is(x, -0);
  const sign = neg ? '-' : f.showpos ? '+' : '';
  const a = Math.abs(x);
  let body: string;
  const p = Math.min(100, Math.max(0, f.precision));
  if (Number.isNaN(x)) body = 'nan';
  else if (!Number.isFinite(a)) body = 'inf';
  else if (f.float === 'fixed') body = fixed(a, p);
  else if (f.float === 'scientific') body = scientific(a, p);
  else {
    const P = p === 0 ? 1 : p;
    const X = significant(a, P - 1).exp;
    body = stripZeros(P > X && X >= -4 ? fixed(a, P - 1 - X) : scientific(a, P - 1));
  }
  if (f.uppercase) body = body.toUpperCase();
  return (Number.isNaN(x) ? '' : sign) + body;
}

/**
 * printf format strings, parsed as bpftrace 0.26 parses them (src/format_string.cpp): a conversion is
 *
 *   %  [-] [+] [ ] [#] [0] [width|*] [.precision|*] [hh|h|l|ll|j|z|t|L...] conversion
 *
 * with the flags in exactly that order, and conversions d i o u x X e E f F g G a A c s p n %, plus bpftrace's
 * r (buffer, printable bytes kept), rx (all bytes as \xNN) and rh (hex pairs). Anything else, such as `%y`
 * or flags out of order, is literal text, as in bpftrace. `%%` is a literal `%`.
 *
 * Parsing never fails; checkPrintfArgs then reports what bpftrace's type checker reports, with the same
 * messages, given the argument types.
 */

/** What argument type a conversion takes: bpftrace's required_type table, plus siesta's float extension. */
export type PrintfArgClass = 'integer' | 'buffer' | 'any' | 'float' | 'unsupported';

/** One conversion of a format string. */
export interface PrintfSpec {
  /** The conversion as written, e.g. `%-08lx`. */
  readonly text: string;
  /** Its position in the format string. */
  readonly index: number;
  /** `-`: left-align within the width. */
  readonly leftAlign: boolean;
  /** `+`: sign non-negative signed integers and floats. */
  readonly showSign: boolean;
  /** ` `: parsed, and ignored by bpftrace. */
  readonly spacePrefix: boolean;
  /** `#`: 0x/0X prefix for hex, 0 for octal. */
  readonly alternate: boolean;
  /** `0`: pad with zeros (before the sign or prefix, as a C++ stream with std::right does). */
  readonly leadZeros: boolean;
  /** Field width, or -1 (also for `*`, which bpftrace parses but does not take from the arguments). */
  readonly width: number;
  /** Precision, or -1; bpftrace applies it to floating conversions only (not to `%s`). */
  readonly precision: number;
  /** Length modifier (`hh`, `h`, `l`, `ll`, `j`, `z`, `t`, `L`, or ''). */
  readonly length: string;
  /** The conversion: d i o u x X e E f F g G a A c s p n r rx rh. */
  readonly conversion: string;
  /** The argument type this conversion takes. */
  readonly accepts: PrintfArgClass;
}

/** A parsed format string: literal segments around the conversions (`segments.length === argSpecs.length + 1`). */
export interface ParsedPrintf {
  readonly format: string;
  readonly segments: readonly string[];
  readonly argSpecs: readonly PrintfSpec[];
}

// The regex of FormatSpec::regex in bpftrace's src/format_string.cpp, unchanged.
const SPEC = /%(-?)(\+?)( ?)(#?)(0?)(\*|\d+)?(?:\.(\*|\d+))?([hlLjzt]*)([diouxXeEfFgGaAcspn%]|rh|rx|r)/g;

const ACCEPTS: Readonly<Record<string, PrintfArgClass>> = {
  d: 'integer',
  i: 'integer',
  u: 'integer',
  o: 'integer',
  x: 'integer',
  X: 'integer',
  c: 'integer',
  p: 'integer',
  r: 'buffer',
  rx: 'buffer',
  rh: 'buffer',
  s: 'any',
  e: 'float',
  E: 'float',
  f: 'float',
  F: 'float',
  g: 'float',
  G: 'float',
  a: 'float',
  A: 'float',
};

/** Splits `format` into literal segments and conversions. */
export function parsePrintfFormat(format: string): ParsedPrintf {
  const segments: string[] = [];
  const argSpecs: PrintfSpec[] = [];
  let literal = '';
  let last = 0;
  for (const m of format.matchAll(SPEC)) {
    const at = m.index ?? 0;
    literal += format.slice(last, at);
    last = at + m[0].length;
    const conversion = m[9] ?? '';
    if (conversion === '%') {
      literal += '%';
      continue;
    }
    segments.push(literal);
    literal = '';
    const num = (s: string | undefined) => (s === undefined || s === '*' ? -1 : Number.parseInt(s, 10));
    argSpecs.push({
      text: m[0],
      index: at,
      leftAlign: m[1] === '-',
      showSign: m[2] === '+',
      spacePrefix: m[3] === ' ',
      alternate: m[4] === '#',
      leadZeros: m[5] === '0',
      width: num(m[6]),
      precision: num(m[7]),
      length: m[8] ?? '',
      conversion,
      accepts: ACCEPTS[conversion] ?? 'unsupported',
    });
  }
  segments.push(literal + format.slice(last));
  return { format, segments, argSpecs };
}

/** The type of one printf argument, as the type checker knows it. */
export interface PrintfArgType {
  /** Its class: bpftrace accepts integer, boolean and pointer for integer conversions and buffer for %r. */
  readonly kind: 'integer' | 'boolean' | 'pointer' | 'buffer' | 'float' | 'none' | 'void' | 'other';
  /** Its name for messages, e.g. `string[16]` or `uint64`. */
  readonly name: string;
}

/** Options of checkPrintfArgs. */
export interface PrintfCheckOptions {
  /** Accept e/f/g/a conversions for integer arguments (a siesta extension; bpftrace 0.26 rejects them). */
  readonly allowFloat?: boolean;
}

/**
 * The error bpftrace's FormatString::check reports for these arguments, with its wording, or undefined when
 * they fit the format.
 */
export function checkPrintfArgs(parsed: ParsedPrintf, args: readonly PrintfArgType[], options: PrintfCheckOptions = {}): string | undefined {
  const expected = parsed.argSpecs.length;
  if (args.length < expected) return `not enough arguments for format string (${args.length} supplied, ${expected} expected)`;
  if (args.length > expected) return `too many arguments for format string (${args.length} supplied, ${expected} expected)`;
  for (let i = 0; i < expected; i++) {
    const spec = parsed.argSpecs[i]!;
    const arg = args[i]!;
    if (arg.kind === 'none' || arg.kind === 'void') return `unable to print none type for specifier: ${spec.conversion}`;
    const accepts = spec.accepts === 'float' && !options.allowFloat ? 'unsupported' : spec.accepts;
    if (accepts === 'unsupported') return `unsupported format specifier: ${spec.conversion}`;
    const ok =
      accepts === 'any' ||
      (accepts === 'integer' && (arg.kind === 'integer' || arg.kind === 'boolean' || arg.kind === 'pointer')) ||
      (accepts === 'buffer' && arg.kind === 'buffer') ||
      (accepts === 'float' && (arg.kind === 'integer' || arg.kind === 'boolean' || arg.kind === 'float'));
    if (!ok) return `unsupported format specifier for type '${arg.name}': ${spec.conversion}`;
  }
  return undefined;
}

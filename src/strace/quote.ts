/**
 * Strings and buffers as strace prints them (strace's util.c string_quote / printstr_ex): printable ASCII kept,
 * `"` and `\` escaped, \t \n \v \f \r by name, other bytes as the shortest octal escape (three digits when the
 * next byte is a digit, so `\1` followed by `7` stays unambiguous), and `...` after the closing quote when the
 * data was cut at the string limit (-s).
 */

/** -x: non-printable bytes as \xNN; -xx: every byte as \xNN. */
export type HexMode = 'none' | 'non-ascii' | 'all';

const NAMED: Record<number, string> = { 0x09: '\\t', 0x0a: '\\n', 0x0b: '\\v', 0x0c: '\\f', 0x0d: '\\r', 0x22: '\\"', 0x5c: '\\\\' };

/*
 * The printing loop quotes a string for nearly every record, so this works on ranges of the captured bytes
 * (no subarray: on a small typed array V8 then has to move its storage off the heap) and remembers the last
 * plain string it built (a loop opening one path prints the same text each time).
 */
let lastBytes = new Uint8Array(64);
let lastLength = -1;
let lastText = '';

/** True when every byte of `bytes[from..to)` prints as itself (printable ASCII but `"` and `\`). */
function plain(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = bytes[i]!;
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

function plainText(bytes: Uint8Array, from: number, to: number): string {
  const n = to - from;
  if (n === lastLength) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (bytes[from + i] !== lastBytes[i]) {
        same = false;
        break;
      }
    }
    if (same) return lastText;
  }
  let out = '';
  for (let i = from; i < to; i++) out += String.fromCharCode(bytes[i]!);
  if (n <= lastBytes.length) {
    for (let i = 0; i < n; i++) lastBytes[i] = bytes[from + i]!;
    lastLength = n;
    lastText = out;
  }
  return out;
}

/** The quoted body (without quotes) of `bytes[from..to)`, escaped as strace does. */
function escapeRange(bytes: Uint8Array, from: number, to: number, hex: HexMode): string {
  if (hex !== 'all' && plain(bytes, from, to)) return plainText(bytes, from, to);
  let out = '';
  for (let i = from; i < to; i++) {
    const c = bytes[i]!;
    if (hex === 'all') {
      out += `\\x${c.toString(16).padStart(2, '0')}`;
      continue;
    }
    const named = NAMED[c];
    if (named !== undefined) out += named;
    else if (c >= 0x20 && c <= 0x7e) out += String.fromCharCode(c);
    else if (hex === 'non-ascii') out += `\\x${c.toString(16).padStart(2, '0')}`;
    else {
      const next = i + 1 < to ? bytes[i + 1] : undefined;
      const nextIsDigit = next !== undefined && next >= 0x30 && next <= 0x39;
      out += '\\';
      if (nextIsDigit) out += `${c >> 6}${(c >> 3) & 7}`;
      else if (c >> 3) out += `${c >> 6 ? String(c >> 6) : ''}${(c >> 3) & 7}`;
      out += String(c & 7);
    }
  }
  return out;
}

/** The quoted body (without quotes) of `bytes`, escaped as strace does. */
export function escapeBytes(bytes: Uint8Array, hex: HexMode = 'none'): string {
  return escapeRange(bytes, 0, bytes.length, hex);
}

/**
 * A buffer of `total` bytes of which `bytes` were captured (read/write data): at most `limit` bytes are shown,
 * with `...` when `total` exceeds what is shown.
 */
export function quoteBuffer(bytes: Uint8Array, total: number, limit: number, hex: HexMode = 'none'): string {
  const shown = Math.max(0, Math.min(limit, bytes.length, total));
  return `"${escapeRange(bytes, 0, shown, hex)}"${total > shown ? '...' : ''}`;
}

/**
 * A NUL-terminated string captured into `bytes` (up to its terminator). Paths are printed whole (strace never
 * cuts file names); other strings stop at `limit` with `...`. `cut` marks a capture that filled its slot with no
 * terminator (the string goes on in the tracee).
 */
export function quoteString(bytes: Uint8Array, o: { limit: number; path: boolean; cut?: boolean; hex?: HexMode }): string {
  let end = 0;
  while (end < bytes.length && bytes[end] !== 0) end++;
  const hex = o.hex ?? 'none';
  if (!o.path && end > o.limit) return `"${escapeRange(bytes, 0, o.limit, hex)}"...`;
  const cut = o.cut ?? end === bytes.length;
  return `"${escapeRange(bytes, 0, end, hex)}"${cut ? '...' : ''}`;
}

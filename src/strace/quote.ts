/**
 * Strings and buffers as strace prints them (strace's util.c string_quote / printstr_ex): printable ASCII kept,
 * `"` and `\` escaped, \t \n \v \f \r by name, other bytes as the shortest octal escape (three digits when the
 * next byte is a digit, so `\1` followed by `7` stays unambiguous), and `...` after the closing quote when the
 * data was cut at the string limit (-s).
 */

/** -x: non-printable bytes as \xNN; -xx: every byte as \xNN. */
export type HexMode = 'none' | 'non-ascii' | 'all';

const NAMED: Record<number, string> = { 0x09: '\\t', 0x0a: '\\n', 0x0b: '\\v', 0x0c: '\\f', 0x0d: '\\r', 0x22: '\\"', 0x5c: '\\\\' };

/** The quoted body (without quotes) of `bytes`, escaped as strace does. */
export function escapeBytes(bytes: Uint8Array, hex: HexMode = 'none'): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
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
      const next = bytes[i + 1];
      const nextIsDigit = next !== undefined && next >= 0x30 && next <= 0x39;
      out += '\\';
      if (nextIsDigit) out += `${c >> 6}${(c >> 3) & 7}`;
      else if (c >> 3) out += `${c >> 6 ? String(c >> 6) : ''}${(c >> 3) & 7}`;
      out += String(c & 7);
    }
  }
  return out;
}

/**
 * A buffer of `total` bytes of which `bytes` were captured (read/write data): at most `limit` bytes are shown,
 * with `...` when `total` exceeds what is shown.
 */
export function quoteBuffer(bytes: Uint8Array, total: number, limit: number, hex: HexMode = 'none'): string {
  const shown = bytes.subarray(0, Math.min(limit, bytes.length, total));
  return `"${escapeBytes(shown, hex)}"${total > shown.length ? '...' : ''}`;
}

/**
 * A NUL-terminated string captured into `bytes` (up to its terminator). Paths are printed whole (strace never
 * cuts file names); other strings stop at `limit` with `...`. `cut` marks a capture that filled its slot with no
 * terminator (the string goes on in the tracee).
 */
export function quoteString(bytes: Uint8Array, o: { limit: number; path: boolean; cut?: boolean; hex?: HexMode }): string {
  const end = bytes.indexOf(0);
  const s = end < 0 ? bytes : bytes.subarray(0, end);
  const cut = o.cut ?? end < 0;
  if (!o.path && s.length > o.limit) return `"${escapeBytes(s.subarray(0, o.limit), o.hex)}"...`;
  return `"${escapeBytes(s, o.hex)}"${cut ? '...' : ''}`;
}

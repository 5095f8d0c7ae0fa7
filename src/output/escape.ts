/**
 * Escaping traced data. Strings read from traced processes are untrusted: printed raw, a comm or a path could
 * carry terminal control sequences (ESC [ ..., OSC 52 clipboard writes, C1 CSI). bpftrace prints them raw;
 * siesta escapes them by default, keeping newline and tab.
 */
import { Buffer } from 'node:buffer';

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** Whether code point `c` is a control character siesta escapes: C0 except \t and \n, DEL, and C1 (U+0080-U+009F). */
export function isUnsafeControl(c: number): boolean {
  return (c < 0x20 && c !== 0x09 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f);
}

/** `s` with every unsafe control character replaced by `\xNN` escapes of its UTF-8 bytes. */
export function escapeControl(s: string): string {
  let out = '';
  let plain = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isUnsafeControl(c)) continue;
    out += s.slice(plain, i);
    for (const b of Buffer.from(s[i] ?? '', 'utf8')) out += `\\x${hex2(b)}`;
    plain = i + 1;
  }
  return plain === 0 ? s : out + s.slice(plain);
}

/**
 * bpftrace's util::hex_format_buffer: printable ASCII (32..126) kept when `keepAscii`, every other byte as
 * `\xNN` when `escapeHex`, else as space-separated `NN` pairs. `%r` is (true, true), `%rx` (false, true) and
 * `%rh` (false, false); map keys and values print buffers like `%r`.
 */
export function hexFormatBuffer(bytes: Uint8Array, keepAscii = true, escapeHex = true): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (keepAscii && b >= 32 && b <= 126) out += String.fromCharCode(b);
    else if (escapeHex) out += `\\x${hex2(b)}`;
    else out += i === bytes.length - 1 ? hex2(b) : `${hex2(b)} `;
  }
  return out;
}

/**
 * A JSON string literal as bpftrace's JsonEmitter<std::string> writes it (\" \\ \n \r \t, other C0 as
 * \u00XX); DEL and C1 are also written as \u00XX (equivalent JSON, safe on a terminal). bpftrace writes bytes
 * >= 0x80 as broken \uffffffXX escapes; siesta keeps them as UTF-8 text, which is valid JSON.
 */
export function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] ?? '';
    const c = s.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Text of network addresses for `ntop()`, as glibc's inet_ntop writes them: dotted quads for AF_INET, and
 * for AF_INET6 lowercase hex groups with the longest run of two or more zero groups written `::` (the first
 * such run on a tie), and the last 32 bits as a dotted quad for IPv4-mapped (`::ffff:a.b.c.d`) and
 * IPv4-compatible (`::a.b.c.d`) addresses.
 */

/** AF_INET and AF_INET6 (include/linux/socket.h). */
export const AF_INET = 2, AF_INET6 = 10;

function quad(b: Uint8Array, at: number): string {
  return `${b[at] ?? 0}.${b[at + 1] ?? 0}.${b[at + 2] ?? 0}.${b[at + 3] ?? 0}`;
}

/** `bytes` (4 for AF_INET, 16 for AF_INET6; missing bytes read as zero) as text; other families give ''. */
export function inetText(af: number, bytes: Uint8Array): string {
  if (af === AF_INET) return quad(bytes, 0);
  if (af !== AF_INET6) return '';
  const words = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  // The longest run of zero words (at least two).
  let best = { base: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.len) best = { base: i, len: j - i };
    i = j;
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base >= 0 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i > 0) out += ':';
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      out += quad(bytes, 12);
      break;
    }
    out += words[i]!.toString(16);
  }
  if (best.base >= 0 && best.base + best.len === 8) out += ':';
  return out;
}

/** Small byte helpers shared by every layer. */

/** Rounds `n` up to a multiple of `align` (a power of two). */
export function alignUp(n: number, align: number): number {
  return (n + align - 1) & ~(align - 1);
}

/** Reads a NUL-terminated string from `bytes` starting at `offset` (UTF-8, bounded by the buffer). */
export function readCString(bytes: Uint8Array, offset = 0, max = bytes.length - offset): string {
  let end = offset;
  const limit = Math.min(bytes.length, offset + max);
  while (end < limit && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(offset, end));
}

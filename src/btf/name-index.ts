/**
 * A lazily built name → type index that never creates a JS string per type.
 *
 * Why: vmlinux has ~127k types; decoding every name into a string and filling a Map costs tens of
 * milliseconds, while the CLI usually looks up a handful of names. Instead we hash the raw name
 * bytes of each type (FNV-1a) into an open hash table of chains held in two Int32Arrays, and on
 * lookup compare bytes. Building it costs a few milliseconds and is paid only on the first lookup.
 */

/** Locates the bytes of a name: the string table holding `nameOff` and the position in it. */
export interface NameLocator {
  /** Returns `[table, position]` for a string-section offset, or undefined if out of range. */
  (nameOff: number): readonly [Uint8Array, number] | undefined;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function hashAt(bytes: Uint8Array, pos: number): number {
  let h = FNV_OFFSET;
  for (let i = pos; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if (c === 0) break;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h >>> 0;
}

function hashBytes(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), FNV_PRIME);
  return h >>> 0;
}

function equalsAt(table: Uint8Array, pos: number, query: Uint8Array): boolean {
  if (pos + query.length > table.length) return false;
  for (let i = 0; i < query.length; i++) if (table[pos + i] !== query[i]) return false;
  return pos + query.length === table.length || table[pos + query.length] === 0;
}

const encoder = new TextEncoder();

/** Hash chains from name bytes to local type indices (0-based, in ascending order per name). */
export class NameIndex {
  private readonly heads: Int32Array;
  private readonly next: Int32Array;
  private readonly nameOffs: Uint32Array;
  private readonly mask: number;
  private readonly locate: NameLocator;

  /**
   * Indexes every named type. `words` is the type section, `offsets` the word index of each local
   * type, `strings` this blob's string section whose first byte has offset `strBase` (non-zero for
   * split BTF), and `locate` maps any other `name_off` (one in the base) to its bytes.
   */
  constructor(words: Uint32Array, offsets: Int32Array, strings: Uint8Array, strBase: number, locate: NameLocator) {
    const n = offsets.length;
    let size = 1024;
    while (size < n * 2) size *= 2;
    const mask = size - 1;
    const heads = new Int32Array(size).fill(-1);
    const next = new Int32Array(n).fill(-1);
    const nameOffs = new Uint32Array(n);
    const len = strings.length;
    // Insert from the highest index down so each chain lists indices in ascending order.
    for (let i = n - 1; i >= 0; i--) {
      const nameOff = words[offsets[i] as number] as number;
      if (nameOff === 0) continue;
      let h: number;
      const pos = nameOff - strBase;
      if (pos >= 0 && pos < len) {
        // Inlined FNV-1a over this blob's own bytes: the hot path for vmlinux.
        h = FNV_OFFSET;
        for (let j = pos; j < len; j++) {
          const c = strings[j] as number;
          if (c === 0) break;
          h = Math.imul(h ^ c, FNV_PRIME);
        }
      } else {
        const where = locate(nameOff);
        if (where === undefined) continue;
        h = hashAt(where[0], where[1]);
      }
      nameOffs[i] = nameOff;
      const b = h & mask;
      next[i] = heads[b] as number;
      heads[b] = i;
    }
    this.heads = heads;
    this.next = next;
    this.nameOffs = nameOffs;
    this.mask = mask;
    this.locate = locate;
  }

  /** Returns the local indices of all types named `name`, ascending (an empty array if none). */
  lookup(name: string): number[] {
    const out: number[] = [];
    if (name === '') return out;
    const query = encoder.encode(name);
    for (let i = this.heads[hashBytes(query) & this.mask] as number; i >= 0; i = this.next[i] as number) {
      const where = this.locate(this.nameOffs[i] as number);
      if (where !== undefined && equalsAt(where[0], where[1], query)) out.push(i);
    }
    return out;
  }
}

/**
 * Finds types by name by scanning every type once, comparing bytes: cheaper than building a
 * {@link NameIndex} when only a few batches of names are ever looked up (the common CLI case). Entry `k`
 * of the result lists the local indices of types named `names[k]`. Queries are bucketed by their first two bytes, so a
 * type whose name starts differently costs one table read; on vmlinux (6.18) 15 names cost about as
 * much as one scan (~1 ms) instead of 8 scans plus building the index (~16 ms cold).
 */
export function scanManyByName(
  words: Uint32Array,
  offsets: Int32Array,
  strings: Uint8Array,
  strBase: number,
  locate: NameLocator,
  names: readonly string[],
): number[][] {
  const out: number[][] = names.map(() => []);
  // Bucket head per first-two-bytes key (1-byte names use second byte 0, the NUL), chained through `chain`.
  const heads = new Int32Array(1 << 16).fill(-1);
  const chain = new Int32Array(names.length).fill(-1);
  const queries = names.map((n) => encoder.encode(n));
  let any = false;
  for (let k = names.length - 1; k >= 0; k--) {
    const q = queries[k] as Uint8Array;
    if (q.length === 0) continue;
    const key = ((q[0] as number) << 8) | (q[1] ?? 0);
    chain[k] = heads[key] as number;
    heads[key] = k;
    any = true;
  }
  if (!any) return out;
  const len = strings.length;
  const n = offsets.length;
  for (let i = 0; i < n; i++) {
    const nameOff = words[offsets[i] as number] as number;
    if (nameOff === 0) continue;
    const pos = nameOff - strBase;
    let table = strings;
    let at = pos;
    if (pos < 0 || pos >= len) {
      const where = locate(nameOff);
      if (where === undefined) continue;
      [table, at] = where;
    }
    const b0 = table[at] as number;
    const b1 = b0 === 0 ? 0 : ((table[at + 1] ?? 0) as number);
    for (let k = heads[(b0 << 8) | b1] as number; k >= 0; k = chain[k] as number) {
      // Inlined equalsAt from the third byte: ~14k vmlinux names share a bucket's first two bytes (`bp`, `__`).
      const q = queries[k] as Uint8Array;
      const qlen = q.length;
      let j = 2;
      while (j < qlen && table[at + j] === q[j]) j++;
      if (j >= qlen && (at + qlen === table.length || table[at + qlen] === 0)) (out[k] as number[]).push(i);
    }
  }
  return out;
}

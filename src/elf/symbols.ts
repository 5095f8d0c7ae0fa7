/**
 * Symbol tables: decoding Elf64_Sym entries, and the queries uprobes and probe listing need (exact lookup,
 * `*` wildcards, nearest names for a helpful "not found").
 */
import { ELF64_SYM_SIZE, SHN_UNDEF, STB_NAMES, STT_NAMES } from './constants.js';
import { ElfError } from './elf-error.js';
import { nearestNames } from './similar.js';
import { cString } from './source.js';
import type { ElfSymbol, SymbolSource } from './types.js';

/** Decodes one symbol table section (`table`) whose names live in `strings`; the null symbol 0 is skipped. */
export function readSymbolTable(table: Uint8Array, strings: Uint8Array, source: SymbolSource, path?: string): ElfSymbol[] {
  if (table.length % ELF64_SYM_SIZE !== 0) {
    throw new ElfError('MALFORMED', `.${source} size ${table.length} is not a multiple of ${ELF64_SYM_SIZE}`, { path });
  }
  const v = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const out: ElfSymbol[] = [];
  for (let o = ELF64_SYM_SIZE; o < table.length; o += ELF64_SYM_SIZE) {
    // Elf64_Sym: st_name u32, st_info u8, st_other u8, st_shndx u16, st_value u64, st_size u64.
    const info = v.getUint8(o + 4);
    out.push({
      name: cString(strings, v.getUint32(o, true)),
      type: STT_NAMES[info & 0xf] ?? 'OTHER',
      binding: STB_NAMES[info >> 4] ?? 'OTHER',
      sectionIndex: v.getUint16(o + 6, true),
      value: v.getBigUint64(o + 8, true),
      size: v.getBigUint64(o + 16, true),
      source,
    });
  }
  return out;
}

/** Whether a symbol is defined in this file (not an import) and names code or data rather than a section or file. */
export function isDefined(sym: ElfSymbol): boolean {
  return sym.sectionIndex !== SHN_UNDEF && sym.name !== '' && sym.type !== 'SECTION' && sym.type !== 'FILE';
}

/** The symbol types a probe can be placed on: functions, including GNU indirect functions. */
export const FUNCTION_TYPES: readonly ElfSymbol['type'][] = ['FUNC', 'IFUNC'];

/** Every defined symbol called exactly `name`, `.symtab` entries first. */
export function findSymbols(symbols: readonly ElfSymbol[], name: string): ElfSymbol[] {
  return symbols.filter((s) => s.name === name && isDefined(s));
}

/**
 * The defined symbol called `name`, preferring `.symtab` and then functions over other types; throws
 * ElfError SYMBOL_NOT_FOUND naming the closest symbols when there is none.
 */
export function findSymbol(symbols: readonly ElfSymbol[], name: string, path?: string): ElfSymbol {
  const all = findSymbols(symbols, name);
  const best = all.find((s) => FUNCTION_TYPES.includes(s.type)) ?? all[0];
  if (best) return best;
  const nearest = nearestNames(name, definedNames(symbols));
  const hint = nearest.length > 0 ? `; did you mean ${nearest.map((n) => `'${n}'`).join(', ')}?` : '';
  throw new ElfError('SYMBOL_NOT_FOUND', `no symbol '${name}'${hint}`, { path, nearest });
}

function* definedNames(symbols: readonly ElfSymbol[]): Generator<string> {
  for (const s of symbols) if (isDefined(s)) yield s.name;
}

/** Whether `pattern` contains a wildcard (`*`, the only wildcard bpftrace attach points use). */
export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*');
}

/** Matches `name` against `pattern`, where `*` matches any run of characters (no other character is special). */
export function matchWildcard(pattern: string, name: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === name;
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
  let pos = first.length;
  const end = name.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] ?? '';
    const at = name.indexOf(part, pos);
    if (at < 0 || at + part.length > end) return false;
    pos = at + part.length;
  }
  return true;
}

/**
 * Defined symbols whose names match `pattern` (exact when it has no `*`), one per name (the one findSymbol
 * would pick), sorted by name; `types` limits the symbol types (functions by default, as for uprobe listing).
 */
export function matchSymbols(symbols: readonly ElfSymbol[], pattern: string, types: readonly ElfSymbol['type'][] = FUNCTION_TYPES): ElfSymbol[] {
  const byName = new Map<string, ElfSymbol>();
  for (const s of symbols) {
    if (!isDefined(s) || !types.includes(s.type) || !matchWildcard(pattern, s.name)) continue;
    if (!byName.has(s.name)) byName.set(s.name, s);
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

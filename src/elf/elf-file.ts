/**
 * ElfFile: one parsed ELF64 file and the questions uprobes and symbolisation ask of it. Reading is eager and
 * pure (same bytes, same result on any machine); the file descriptor used by `openElf` is closed before it
 * returns.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';

import { fileOffsetOf, loadSegmentFor } from './address.js';
import { ET_DYN, ET_EXEC, PF_X, PT_INTERP, PT_LOAD } from './constants.js';
import { ElfError } from './elf-error.js';
import type { ParsedElf } from './parse.js';
import { parseElf } from './parse.js';
import { bytesSource, fileSource } from './source.js';
import { findSymbol, findSymbols, matchSymbols } from './symbols.js';
import type { ElfHeader, ElfSection, ElfSegment, ElfSymbol } from './types.js';

/** A symbol together with the file offset a uprobe on it attaches at. */
export interface ResolvedSymbol {
  /** The symbol. */
  readonly symbol: ElfSymbol;
  /** Its file offset (st_value translated through its PT_LOAD segment). */
  readonly fileOffset: bigint;
}

/** A parsed ELF64 little-endian file. */
export class ElfFile {
  /** The path it was read from, when it came from a file. */
  readonly path: string | undefined;
  /** The ELF header. */
  readonly header: ElfHeader;
  /** Section headers, in table order. */
  readonly sections: readonly ElfSection[];
  /** Program headers, in table order. */
  readonly segments: readonly ElfSegment[];
  /** `.symtab` then `.dynsym` symbols. */
  readonly symbols: readonly ElfSymbol[];
  /** Whether `.symtab` exists; when it does not (stripped), lookups fall back to `.dynsym` alone. */
  readonly hasSymtab: boolean;
  /** The separate-debug-file name from `.gnu_debuglink`, if any. */
  readonly debuglink: string | undefined;
  /** The GNU build ID (hex), if any. */
  readonly buildId: string | undefined;

  /** Wraps already-parsed data; use `parseElfBytes` or `openElf` to build one. */
  constructor(parsed: ParsedElf, path?: string) {
    this.path = path;
    this.header = parsed.header;
    this.sections = parsed.sections;
    this.segments = parsed.segments;
    this.symbols = parsed.symbols;
    this.hasSymtab = parsed.hasSymtab;
    this.debuglink = parsed.debuglink;
    this.buildId = parsed.buildId;
  }

  /** ET_DYN: a position-independent executable or shared object, loaded at a per-process bias. */
  get isPositionIndependent(): boolean {
    return this.header.type === ET_DYN;
  }

  /** An executable (ET_EXEC, or ET_DYN with a PT_INTERP program interpreter, i.e. a PIE). */
  get isExecutable(): boolean {
    return this.header.type === ET_EXEC || (this.header.type === ET_DYN && this.segments.some((s) => s.type === PT_INTERP));
  }

  /** The PT_LOAD segments, in table order. */
  get loadSegments(): ElfSegment[] {
    return this.segments.filter((s) => s.type === PT_LOAD);
  }

  /** The section called `name` (e.g. `.text`), if any. */
  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** The defined symbol called `name`; throws ElfError SYMBOL_NOT_FOUND naming the nearest names otherwise. */
  findSymbol(name: string): ElfSymbol {
    return findSymbol(this.symbols, name, this.path);
  }

  /** Every defined symbol called `name` (a name can repeat, e.g. static functions in different units). */
  findSymbols(name: string): ElfSymbol[] {
    return findSymbols(this.symbols, name);
  }

  /** Defined symbols matching a `*` wildcard pattern, one per name, sorted (functions only by default). */
  matchSymbols(pattern: string, types?: readonly ElfSymbol['type'][]): ElfSymbol[] {
    return matchSymbols(this.symbols, pattern, types);
  }

  /** The file offset of virtual address `vaddr`; throws ElfError ADDRESS_NOT_MAPPED if no PT_LOAD maps it. */
  fileOffset(vaddr: bigint): bigint {
    return fileOffsetOf(this.segments, vaddr, this.path);
  }

  /** Whether `vaddr` lies in an executable PT_LOAD segment. */
  isExecutableAddress(vaddr: bigint): boolean {
    const seg = loadSegmentFor(this.segments, vaddr);
    return seg !== undefined && (seg.flags & PF_X) !== 0;
  }

  /** The symbol called `name` and the file offset a uprobe on it uses (plus `extra` bytes, for `func+off` probes). */
  resolve(name: string, extra = 0n): ResolvedSymbol {
    const symbol = this.findSymbol(name);
    return { symbol, fileOffset: this.fileOffset(symbol.value + extra) };
  }

  /**
   * The symbol containing `vaddr` (value <= vaddr < value + size, functions and objects only), preferring
   * `.symtab`; for symbolising addresses found in stacks.
   */
  symbolize(vaddr: bigint): { symbol: ElfSymbol; offset: bigint } | undefined {
    let best: ElfSymbol | undefined;
    for (const s of this.symbols) {
      if (s.sectionIndex === 0 || (s.type !== 'FUNC' && s.type !== 'IFUNC' && s.type !== 'OBJECT')) continue;
      const inside = vaddr >= s.value && (vaddr < s.value + s.size || (s.size === 0n && vaddr === s.value));
      if (inside && (best === undefined || s.value > best.value)) best = s;
    }
    return best ? { symbol: best, offset: vaddr - best.value } : undefined;
  }
}

/** Parses an ELF64 little-endian file held in memory; `path` only labels errors. */
export function parseElfBytes(bytes: Uint8Array, path?: string): ElfFile {
  return new ElfFile(parseElf(bytesSource(bytes, path), path), path);
}

/** Reads and parses the ELF file at `path` (positioned reads: debug sections are never loaded). */
export function openElf(path: string): ElfFile {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    throw new ElfError('IO', `cannot open: ${(cause as Error).message}`, { path, cause });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ElfError('IO', 'not a regular file', { path });
    return new ElfFile(parseElf(fileSource(fd, st.size, path), path), path);
  } finally {
    closeSync(fd);
  }
}

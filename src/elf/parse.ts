/**
 * Parses an ELF64 little-endian file: header, section headers (with names), program headers, the symbol tables
 * and the two identity notes a symboliser wants (.gnu_debuglink, the GNU build ID). Layouts are Elf64_Ehdr,
 * Elf64_Shdr, Elf64_Phdr and Elf64_Sym from <elf.h>.
 */
import { Buffer } from 'node:buffer';

import {
  EI_CLASS,
  EI_DATA,
  EI_OSABI,
  ELF64_EHDR_SIZE,
  ELF64_PHDR_SIZE,
  ELF64_SHDR_SIZE,
  ELFCLASS32,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFDATA2MSB,
  ELFMAG,
  SHN_XINDEX,
  SHT_DYNSYM,
  SHT_NOBITS,
  SHT_NOTE,
  SHT_SYMTAB,
} from './constants.js';
import { ElfError } from './elf-error.js';
import type { ByteSource } from './source.js';
import { cString, toOffset } from './source.js';
import { readSymbolTable } from './symbols.js';
import type { ElfHeader, ElfSection, ElfSegment, ElfSymbol } from './types.js';

/** Everything read from one ELF file. */
export interface ParsedElf {
  /** The ELF header. */
  readonly header: ElfHeader;
  /** Section headers in table order (index 0 is the null section). */
  readonly sections: readonly ElfSection[];
  /** Program headers in table order. */
  readonly segments: readonly ElfSegment[];
  /** `.symtab` symbols then `.dynsym` symbols, in table order (the null symbol 0 is skipped). */
  readonly symbols: readonly ElfSymbol[];
  /** Whether a `.symtab` was present (stripped binaries have only `.dynsym`). */
  readonly hasSymtab: boolean;
  /** File name from `.gnu_debuglink`, when present. */
  readonly debuglink: string | undefined;
  /** NT_GNU_BUILD_ID as lowercase hex, when present. */
  readonly buildId: string | undefined;
}

/** PN_XNUM: e_phnum's escape value, the real count is in section 0's sh_info. */
const PN_XNUM = 0xffff;
/** NT_GNU_BUILD_ID note type. */
const NT_GNU_BUILD_ID = 3;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function checkIdent(src: ByteSource, path: string | undefined): Uint8Array {
  if (src.size < 16) throw new ElfError('NOT_ELF', `not an ELF file (only ${src.size} bytes)`, { path });
  const ident = src.read(0, 16);
  if (ELFMAG.some((m, i) => ident[i] !== m)) throw new ElfError('NOT_ELF', 'not an ELF file (no \\x7fELF magic)', { path });
  const cls = ident[EI_CLASS];
  if (cls !== ELFCLASS64) {
    const what = cls === ELFCLASS32 ? 'ELF32 (32-bit)' : `unknown ELF class ${cls}`;
    throw new ElfError('UNSUPPORTED_CLASS', `${what} objects are not supported; siesta reads ELF64 only`, { path });
  }
  const data = ident[EI_DATA];
  if (data !== ELFDATA2LSB) {
    const what = data === ELFDATA2MSB ? 'big-endian (ELFDATA2MSB)' : `unknown data encoding ${data}`;
    throw new ElfError('UNSUPPORTED_ENDIANNESS', `${what} objects are not supported; siesta reads little-endian only`, { path });
  }
  if (src.size < ELF64_EHDR_SIZE) throw new ElfError('MALFORMED', `truncated ELF header (${src.size} of ${ELF64_EHDR_SIZE} bytes)`, { path });
  return src.read(0, ELF64_EHDR_SIZE);
}

function readSectionHeader(b: Uint8Array, index: number, name: string): ElfSection {
  const v = view(b);
  return {
    index,
    name,
    type: v.getUint32(4, true),
    flags: v.getBigUint64(8, true),
    addr: v.getBigUint64(16, true),
    offset: v.getBigUint64(24, true),
    size: v.getBigUint64(32, true),
    link: v.getUint32(40, true),
    info: v.getUint32(44, true),
    addralign: v.getBigUint64(48, true),
    entsize: v.getBigUint64(56, true),
  };
}

/** The file bytes of a section (empty for SHT_NOBITS). */
export function sectionBytes(src: ByteSource, s: ElfSection, path: string | undefined): Uint8Array {
  if (s.type === SHT_NOBITS) return new Uint8Array(0);
  return src.read(toOffset(s.offset, `section ${s.name || s.index} offset`, path), toOffset(s.size, `section ${s.name || s.index} size`, path));
}

function readSections(src: ByteSource, ehdr: DataView, path: string | undefined): { sections: ElfSection[]; phnumExt: number | undefined } {
  const shoff = ehdr.getBigUint64(40, true);
  let shnum = ehdr.getUint16(60, true);
  let shstrndx = ehdr.getUint16(62, true);
  if (shoff === 0n) return { sections: [], phnumExt: undefined };
  const shentsize = ehdr.getUint16(58, true);
  if (shentsize !== ELF64_SHDR_SIZE) throw new ElfError('MALFORMED', `e_shentsize is ${shentsize}, expected ${ELF64_SHDR_SIZE}`, { path });
  const base = toOffset(shoff, 'e_shoff', path);
  // Section 0 carries the extended counts when the real ones do not fit the 16-bit header fields.
  const first = readSectionHeader(src.read(base, ELF64_SHDR_SIZE), 0, '');
  if (shnum === 0) shnum = toOffset(first.size, 'extended section count', path);
  if (shstrndx === SHN_XINDEX) shstrndx = first.link;
  const table = src.read(base, shnum * ELF64_SHDR_SIZE);
  const raw: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) raw.push(readSectionHeader(table.subarray(i * ELF64_SHDR_SIZE, (i + 1) * ELF64_SHDR_SIZE), i, ''));
  const strtab = raw[shstrndx];
  const names = strtab && shstrndx !== 0 ? sectionBytes(src, strtab, path) : new Uint8Array(0);
  const sections = raw.map((s) => ({ ...s, name: cString(names, view(table).getUint32(s.index * ELF64_SHDR_SIZE, true)) }));
  return { sections, phnumExt: ehdr.getUint16(56, true) === PN_XNUM ? first.info : undefined };
}

function readSegments(src: ByteSource, ehdr: DataView, phnum: number, path: string | undefined): ElfSegment[] {
  const phoff = ehdr.getBigUint64(32, true);
  if (phoff === 0n || phnum === 0) return [];
  const phentsize = ehdr.getUint16(54, true);
  if (phentsize !== ELF64_PHDR_SIZE) throw new ElfError('MALFORMED', `e_phentsize is ${phentsize}, expected ${ELF64_PHDR_SIZE}`, { path });
  const table = view(src.read(toOffset(phoff, 'e_phoff', path), phnum * ELF64_PHDR_SIZE));
  const out: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = i * ELF64_PHDR_SIZE;
    out.push({
      type: table.getUint32(o, true),
      flags: table.getUint32(o + 4, true),
      offset: table.getBigUint64(o + 8, true),
      vaddr: table.getBigUint64(o + 16, true),
      paddr: table.getBigUint64(o + 24, true),
      filesz: table.getBigUint64(o + 32, true),
      memsz: table.getBigUint64(o + 40, true),
      align: table.getBigUint64(o + 48, true),
    });
  }
  return out;
}

function readBuildId(src: ByteSource, sections: readonly ElfSection[], path: string | undefined): string | undefined {
  const note = sections.find((s) => s.type === SHT_NOTE && s.name === '.note.gnu.build-id');
  if (!note) return undefined;
  const b = sectionBytes(src, note, path);
  const v = view(b);
  // Elf64_Nhdr: n_namesz, n_descsz, n_type, then the name and the descriptor, each padded to 4 bytes.
  let o = 0;
  while (o + 12 <= b.length) {
    const namesz = v.getUint32(o, true);
    const descsz = v.getUint32(o + 4, true);
    const type = v.getUint32(o + 8, true);
    const nameAt = o + 12;
    const descAt = nameAt + ((namesz + 3) & ~3);
    if (descAt + descsz > b.length) return undefined;
    if (type === NT_GNU_BUILD_ID && cString(b.subarray(nameAt, nameAt + namesz), 0) === 'GNU') {
      return Buffer.from(b.subarray(descAt, descAt + descsz)).toString('hex');
    }
    o = descAt + ((descsz + 3) & ~3);
  }
  return undefined;
}

/** Parses the ELF file behind `src`; `path` only labels errors. Throws ElfError on anything it cannot read. */
export function parseElf(src: ByteSource, path?: string): ParsedElf {
  const ehdrBytes = checkIdent(src, path);
  const ehdr = view(ehdrBytes);
  const { sections, phnumExt } = readSections(src, ehdr, path);
  const phnum = phnumExt ?? ehdr.getUint16(56, true);
  const header: ElfHeader = {
    type: ehdr.getUint16(16, true),
    machine: ehdr.getUint16(18, true),
    osabi: ehdrBytes[EI_OSABI] ?? 0,
    entry: ehdr.getBigUint64(24, true),
    phoff: ehdr.getBigUint64(32, true),
    shoff: ehdr.getBigUint64(40, true),
    flags: ehdr.getUint32(48, true),
    phnum,
    shnum: sections.length,
    shstrndx: ehdr.getUint16(62, true) === SHN_XINDEX ? (sections[0]?.link ?? 0) : ehdr.getUint16(62, true),
  };
  const segments = readSegments(src, ehdr, phnum, path);
  const symbols: ElfSymbol[] = [];
  let hasSymtab = false;
  for (const type of [SHT_SYMTAB, SHT_DYNSYM]) {
    for (const s of sections) {
      if (s.type !== type || s.size === 0n) continue;
      const strtab = sections[s.link];
      if (!strtab) throw new ElfError('MALFORMED', `symbol table ${s.name} links to missing string table ${s.link}`, { path });
      const table = sectionBytes(src, s, path);
      const strings = sectionBytes(src, strtab, path);
      const read = readSymbolTable(table, strings, type === SHT_SYMTAB ? 'symtab' : 'dynsym', path);
      if (type === SHT_SYMTAB && table.length > 0) hasSymtab = true;
      for (const sym of read) symbols.push(sym);
    }
  }
  const link = sections.find((s) => s.name === '.gnu_debuglink');
  const debuglink = link ? cString(sectionBytes(src, link, path), 0) || undefined : undefined;
  return { header, sections, segments, symbols, hasSymtab, debuglink, buildId: readBuildId(src, sections, path) };
}

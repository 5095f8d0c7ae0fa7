/**
 * The pure data an ELF64 file is read into. Addresses, offsets and sizes are bigint because they are u64 in
 * the file (Elf64_Addr, Elf64_Off, Elf64_Xword) and kernel addresses do not fit a double.
 */
import type { SymbolBinding, SymbolType } from './constants.js';

/** Elf64_Ehdr, the fields siesta uses. */
export interface ElfHeader {
  /** e_type: ET_REL, ET_EXEC, ET_DYN or ET_CORE. */
  readonly type: number;
  /** e_machine: EM_X86_64 is 62, EM_AARCH64 is 183. */
  readonly machine: number;
  /** e_ident[EI_OSABI]. */
  readonly osabi: number;
  /** e_entry. */
  readonly entry: bigint;
  /** e_phoff. */
  readonly phoff: bigint;
  /** e_shoff. */
  readonly shoff: bigint;
  /** e_flags. */
  readonly flags: number;
  /** Number of program headers (e_phnum, or the PN_XNUM extension in section 0's sh_info). */
  readonly phnum: number;
  /** Number of section headers (e_shnum, or the extension in section 0's sh_size). */
  readonly shnum: number;
  /** Index of the section-name string table (e_shstrndx, or the SHN_XINDEX extension in section 0's sh_link). */
  readonly shstrndx: number;
}

/** Elf64_Shdr with its name resolved. */
export interface ElfSection {
  /** Position in the section header table. */
  readonly index: number;
  /** Name from the section-name string table, e.g. `.text`. */
  readonly name: string;
  /** sh_type. */
  readonly type: number;
  /** sh_flags. */
  readonly flags: bigint;
  /** sh_addr: virtual address when loaded (0 if not allocated). */
  readonly addr: bigint;
  /** sh_offset: position in the file. */
  readonly offset: bigint;
  /** sh_size: bytes (in memory for SHT_NOBITS, in the file otherwise). */
  readonly size: bigint;
  /** sh_link. */
  readonly link: number;
  /** sh_info. */
  readonly info: number;
  /** sh_addralign. */
  readonly addralign: bigint;
  /** sh_entsize. */
  readonly entsize: bigint;
}

/** Elf64_Phdr. */
export interface ElfSegment {
  /** p_type, e.g. PT_LOAD. */
  readonly type: number;
  /** p_flags: PF_R | PF_W | PF_X. */
  readonly flags: number;
  /** p_offset: where the segment's bytes start in the file. */
  readonly offset: bigint;
  /** p_vaddr: where they are mapped (relative to the load bias for ET_DYN). */
  readonly vaddr: bigint;
  /** p_paddr. */
  readonly paddr: bigint;
  /** p_filesz: bytes taken from the file. */
  readonly filesz: bigint;
  /** p_memsz: bytes in memory (the rest, past p_filesz, is zero-filled). */
  readonly memsz: bigint;
  /** p_align. */
  readonly align: bigint;
}

/** Which table a symbol came from. */
export type SymbolSource = 'symtab' | 'dynsym';

/** Elf64_Sym with its name resolved and its type and binding decoded. */
export interface ElfSymbol {
  /** Name from the linked string table (without any `@VERSION` suffix: versions live in .gnu.version). */
  readonly name: string;
  /** st_value: the virtual address for defined symbols in executables and shared objects. */
  readonly value: bigint;
  /** st_size. */
  readonly size: bigint;
  /** ELF64_ST_TYPE(st_info). */
  readonly type: SymbolType;
  /** ELF64_ST_BIND(st_info). */
  readonly binding: SymbolBinding;
  /** st_shndx: 0 (SHN_UNDEF) for imports, SHN_ABS for absolute symbols. */
  readonly sectionIndex: number;
  /** The table the symbol was read from. */
  readonly source: SymbolSource;
}

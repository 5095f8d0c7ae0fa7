/**
 * ELF64 constants, spelled as in <elf.h> (glibc) and the System V gABI so they can be grepped against it.
 */

/** `\x7fELF`, the first four bytes of every ELF file (e_ident[EI_MAG0..EI_MAG3]). */
export const ELFMAG = [0x7f, 0x45, 0x4c, 0x46] as const;

/** Index of the class byte in e_ident. */
export const EI_CLASS = 4;
/** Index of the data-encoding (endianness) byte in e_ident. */
export const EI_DATA = 5;
/** Index of the OS ABI byte in e_ident. */
export const EI_OSABI = 7;

/** e_ident[EI_CLASS]: 32-bit objects. */
export const ELFCLASS32 = 1;
/** e_ident[EI_CLASS]: 64-bit objects, the only class siesta reads. */
export const ELFCLASS64 = 2;
/** e_ident[EI_DATA]: two's complement little-endian. */
export const ELFDATA2LSB = 1;
/** e_ident[EI_DATA]: two's complement big-endian. */
export const ELFDATA2MSB = 2;

/** e_type: relocatable object (`.o`). */
export const ET_REL = 1;
/** e_type: fixed-address executable (non-PIE). */
export const ET_EXEC = 2;
/** e_type: shared object or position-independent executable. */
export const ET_DYN = 3;
/** e_type: core dump. */
export const ET_CORE = 4;

/** Size of Elf64_Ehdr. */
export const ELF64_EHDR_SIZE = 64;
/** Size of Elf64_Shdr. */
export const ELF64_SHDR_SIZE = 64;
/** Size of Elf64_Phdr. */
export const ELF64_PHDR_SIZE = 56;
/** Size of Elf64_Sym. */
export const ELF64_SYM_SIZE = 24;

/** p_type: loadable segment; the only kind that maps file bytes at a virtual address. */
export const PT_LOAD = 1;
/** p_type: dynamic linking information. */
export const PT_DYNAMIC = 2;
/** p_type: program interpreter path. */
export const PT_INTERP = 3;
/** p_type: auxiliary notes. */
export const PT_NOTE = 4;
/** p_type: the program header table itself. */
export const PT_PHDR = 6;
/** p_type: thread-local storage template. */
export const PT_TLS = 7;
/** p_type: GNU .eh_frame_hdr. */
export const PT_GNU_EH_FRAME = 0x6474e550;
/** p_type: GNU stack permissions. */
export const PT_GNU_STACK = 0x6474e551;
/** p_type: GNU read-only after relocation. */
export const PT_GNU_RELRO = 0x6474e552;
/** p_type: GNU property notes. */
export const PT_GNU_PROPERTY = 0x6474e553;

/** p_flags: executable. */
export const PF_X = 1;
/** p_flags: writable. */
export const PF_W = 2;
/** p_flags: readable. */
export const PF_R = 4;

/** sh_type: unused section header. */
export const SHT_NULL = 0;
/** sh_type: program-defined contents (code, data, .gnu_debuglink, ...). */
export const SHT_PROGBITS = 1;
/** sh_type: full symbol table (`.symtab`), usually removed by `strip`. */
export const SHT_SYMTAB = 2;
/** sh_type: string table. */
export const SHT_STRTAB = 3;
/** sh_type: note section (`.note.gnu.build-id`, ...). */
export const SHT_NOTE = 7;
/** sh_type: occupies no file space (`.bss`). */
export const SHT_NOBITS = 8;
/** sh_type: dynamic linker symbol table (`.dynsym`), kept by `strip`. */
export const SHT_DYNSYM = 11;

/** st_shndx: undefined symbol (an import). */
export const SHN_UNDEF = 0;
/** st_shndx: first reserved index. */
export const SHN_LORESERVE = 0xff00;
/** st_shndx: absolute value, not relative to a section. */
export const SHN_ABS = 0xfff1;
/** st_shndx: common block. */
export const SHN_COMMON = 0xfff2;
/** e_shstrndx/st_shndx escape: the real index lives in an extension field. */
export const SHN_XINDEX = 0xffff;

/** Symbol types (ELF64_ST_TYPE), by number. */
export const STT_NAMES: Readonly<Record<number, SymbolType>> = {
  0: 'NOTYPE',
  1: 'OBJECT',
  2: 'FUNC',
  3: 'SECTION',
  4: 'FILE',
  5: 'COMMON',
  6: 'TLS',
  10: 'IFUNC', // STT_GNU_IFUNC
};

/** Symbol bindings (ELF64_ST_BIND), by number. */
export const STB_NAMES: Readonly<Record<number, SymbolBinding>> = {
  0: 'LOCAL',
  1: 'GLOBAL',
  2: 'WEAK',
  10: 'UNIQUE', // STB_GNU_UNIQUE
};

/** A symbol's type as readelf prints it; `OTHER` for values this table does not name. */
export type SymbolType = 'NOTYPE' | 'OBJECT' | 'FUNC' | 'SECTION' | 'FILE' | 'COMMON' | 'TLS' | 'IFUNC' | 'OTHER';

/** A symbol's binding as readelf prints it; `OTHER` for values this table does not name. */
export type SymbolBinding = 'LOCAL' | 'GLOBAL' | 'WEAK' | 'UNIQUE' | 'OTHER';

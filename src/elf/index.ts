/**
 * The pure ELF64 reader: symbols and file offsets for uprobes, symbols for stack symbolisation, and library
 * name resolution. Imports only node:* and ../util.
 */
export { fileOffsetOf, loadSegmentFor, vaddrOfFileOffset } from './address.js';
export * from './constants.js';
export { ElfError } from './elf-error.js';
export type { ElfErrorCode } from './elf-error.js';
export { ElfFile, openElf, parseElfBytes } from './elf-file.js';
export type { ResolvedSymbol } from './elf-file.js';
export { parseLdSoCache } from './ld-so-cache.js';
export type { LdCacheEntry } from './ld-so-cache.js';
export { defaultLibraryDirs, resolveLibrary } from './library.js';
export type { LibraryResolveOptions } from './library.js';
export { editDistance, nearestNames } from './similar.js';
export { FUNCTION_TYPES, findSymbol, findSymbols, hasWildcard, isDefined, matchSymbols, matchWildcard } from './symbols.js';
export type { ElfHeader, ElfSection, ElfSegment, ElfSymbol, SymbolSource } from './types.js';

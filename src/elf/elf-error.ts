/**
 * Typed errors of the ELF reader: each names the file and what is wrong with it, so a uprobe that cannot be
 * placed says why (not an ELF file, 32-bit, symbol missing with the nearest names, ...).
 */

/** What went wrong; stable strings a caller can switch on. */
export type ElfErrorCode =
  | 'IO' // the file could not be read
  | 'NOT_ELF' // no \x7fELF magic
  | 'UNSUPPORTED_CLASS' // ELF32 or an unknown class
  | 'UNSUPPORTED_ENDIANNESS' // big-endian or an unknown encoding
  | 'MALFORMED' // a header or table points outside the file or has an impossible size
  | 'SYMBOL_NOT_FOUND' // no defined symbol by that name
  | 'ADDRESS_NOT_MAPPED' // an address no PT_LOAD segment maps from the file
  | 'LIBRARY_NOT_FOUND'; // a library name that resolves to no file

/** An error reading or querying an ELF file. */
export class ElfError extends Error {
  override readonly name = 'ElfError';
  /** Machine-readable reason. */
  readonly code: ElfErrorCode;
  /** The file concerned, when there is one. */
  readonly path: string | undefined;
  /** For SYMBOL_NOT_FOUND: the closest existing symbol names, best first (may be empty). */
  readonly nearest: readonly string[];

  /** Builds an error; `message` is the one-line summary without the path (the path is prefixed here). */
  constructor(code: ElfErrorCode, message: string, options: { path?: string; nearest?: readonly string[]; cause?: unknown } = {}) {
    super(options.path === undefined ? message : `${options.path}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options.path;
    this.nearest = options.nearest ?? [];
  }
}

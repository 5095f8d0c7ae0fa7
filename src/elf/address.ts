/**
 * Virtual address → file offset, the translation the uprobe PMU needs: it takes (inode, offset in the file),
 * not an address, because the same file is mapped at different addresses in every process.
 *
 *   file:  |-- p_offset --|====== p_filesz ======|
 *   mem:   |-- p_vaddr  --|====== p_filesz ======|000 zero-fill up to p_memsz 000|
 *   offset(vaddr) = vaddr - p_vaddr + p_offset, for the PT_LOAD with p_vaddr <= vaddr < p_vaddr + p_filesz.
 *
 * The same formula serves ET_EXEC (absolute p_vaddr) and ET_DYN (PIE and shared objects, p_vaddr relative to
 * the load bias), since symbol values use the same base as p_vaddr in both.
 */
import { PT_LOAD } from './constants.js';
import { ElfError } from './elf-error.js';
import type { ElfSegment } from './types.js';

/** The PT_LOAD segment whose file-backed part contains `vaddr`, if any. */
export function loadSegmentFor(segments: readonly ElfSegment[], vaddr: bigint): ElfSegment | undefined {
  return segments.find((s) => s.type === PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz);
}

/** The file offset of virtual address `vaddr`; throws ElfError ADDRESS_NOT_MAPPED when no PT_LOAD maps it from the file. */
export function fileOffsetOf(segments: readonly ElfSegment[], vaddr: bigint, path?: string): bigint {
  const seg = loadSegmentFor(segments, vaddr);
  if (!seg) {
    const inBss = segments.some((s) => s.type === PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + s.memsz);
    const why = inBss ? 'lies in zero-filled memory (.bss) with no file bytes' : 'is not inside any PT_LOAD segment';
    throw new ElfError('ADDRESS_NOT_MAPPED', `address 0x${vaddr.toString(16)} ${why}`, { path });
  }
  return vaddr - seg.vaddr + seg.offset;
}

/** The virtual address (as in the file, before any load bias) of file offset `offset`, if a PT_LOAD maps it. */
export function vaddrOfFileOffset(segments: readonly ElfSegment[], offset: bigint): bigint | undefined {
  const seg = segments.find((s) => s.type === PT_LOAD && offset >= s.offset && offset < s.offset + s.filesz);
  return seg ? offset - seg.offset + seg.vaddr : undefined;
}

/**
 * The wire format of one instruction slot, `struct bpf_insn` from include/uapi/linux/bpf.h, as the
 * kernel reads it on a little-endian host (x86-64, arm64; big-endian hosts swap the register nibbles
 * and are not supported):
 *
 *   byte  0        1                  2      3      4      5      6      7
 *        +--------+--------+--------+-------------+---------------------------+
 *        |  code  | src:4  | dst:4  |   off s16   |          imm s32          |
 *        +--------+--------+--------+-------------+---------------------------+
 *                  bits 7-4  bits 3-0   little-endian      little-endian
 *
 * LD_IMM64 takes two slots: the second has code, registers and off all zero, and its imm holds the
 * upper 32 bits of the constant.
 */

import { AsmError } from './errors.js';

/** Bytes per instruction slot. */
export const INSN_SIZE = 8;

/** The raw fields of one slot. */
export interface Slot {
  /** The opcode byte. */
  code: number;
  /** Destination register nibble (0-15). */
  dst: number;
  /** Source register nibble (0-15). */
  src: number;
  /** Signed 16-bit offset. */
  off: number;
  /** Signed 32-bit immediate. */
  imm: number;
}

/** Writes `slot` fields at slot index `index` of `view` (fields must already be in range). */
export function writeSlot(view: DataView, index: number, s: Slot): void {
  const at = index * INSN_SIZE;
  view.setUint8(at, s.code);
  view.setUint8(at + 1, ((s.src & 0xf) << 4) | (s.dst & 0xf));
  view.setInt16(at + 2, s.off, true);
  view.setInt32(at + 4, s.imm, true);
}

/** Reads the fields of slot `index` of `view`. */
export function readSlot(view: DataView, index: number): Slot {
  const at = index * INSN_SIZE;
  const regs = view.getUint8(at + 1);
  return {
    code: view.getUint8(at),
    dst: regs & 0xf,
    src: regs >> 4,
    off: view.getInt16(at + 2, true),
    imm: view.getInt32(at + 4, true),
  };
}

/**
 * Overwrites the imm field of slot `slot` in `bytes`, as the loader does for map fds and kfunc BTF
 * ids. `imm` may be given signed (-2^31..2^31-1) or unsigned (0..2^32-1); both store the same bits.
 */
export function patchImm(bytes: Uint8Array, slot: number, imm: number): void {
  const count = Math.floor(bytes.length / INSN_SIZE);
  if (!Number.isInteger(slot) || slot < 0 || slot >= count) {
    throw new AsmError('bad_operand', `patchImm: slot ${slot} is outside the program (${count} slots)`);
  }
  if (!Number.isInteger(imm) || imm < -0x8000_0000 || imm > 0xffff_ffff) {
    throw new AsmError('bad_operand', `patchImm: ${imm} does not fit the 32-bit imm field`);
  }
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setInt32(slot * INSN_SIZE + 4, imm | 0, true);
}

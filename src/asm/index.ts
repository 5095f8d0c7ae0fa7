/**
 * The assembler layer: instruction model, builders, one-step link, decode and a verifier-style
 * disassembler. Pure data and arithmetic; imports only node:* and util, makes no syscalls.
 */

export * from './opcodes.js';
export { BPF_FUNC, helperId, helperName } from './helpers.js';
export type { HelperName } from './helpers.js';
export { AsmError } from './errors.js';
export type { AsmErrorCode } from './errors.js';
export { INSN_SIZE, patchImm } from './encoding.js';
export { insn, insnSlots, isLabel, isWide, label } from './insn.js';
export type { BtfIdKind, Insn, Item, Label, Ref } from './insn.js';
export {
  alu32Imm, alu32Reg, alu64Imm, alu64Reg, atomic, bswap, call, callKfunc, callLocal, endian, exit, gotol, ja,
  jmp32Imm, jmp32Reg, jmpImm, jmpReg, ldAbs, ldBtfId, ldFuncAddr, ldImm64, ldInd, ldMapFd, ldMapValue, ldx,
  ldxsx, loadAcquire, mayGoto, mov32Imm, mov32Reg, mov64Imm, mov64Reg, movsx32, movsx64, neg32, neg64, st,
  storeRelease, stx,
} from './builders.js';
export type { AluOp, AtomicOp, JmpOp, Target } from './builders.js';
export { layout, link } from './link.js';
export type { Layout, LinkedProgram, Relocation } from './link.js';
export { decode } from './decode.js';
export { disassemble, formatInsn } from './disasm.js';
export type { DisasmOptions } from './disasm.js';

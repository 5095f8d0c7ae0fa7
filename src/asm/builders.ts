/**
 * Builders for every eBPF instruction form (docs.kernel.org/bpf/standardization/instruction-set.html).
 * Each returns a plain Insn record and validates its operands once, here at the edge, so link() and
 * the encoder can trust the fields. Argument order follows the text the verifier prints:
 * `ldx(4, r1, r2, 8)` is `r1 = *(u32 *)(r2 +8)`, `stx(8, r10, -8, r1)` is `*(u64 *)(r10 -8) = r1`.
 */

import { AsmError } from './errors.js';
import { helperId } from './helpers.js';
import type { HelperName } from './helpers.js';
import { checkImm, checkName, checkOff, checkReg } from './insn.js';
import type { BtfIdKind, Insn, Ref } from './insn.js';
import {
  BPF_ABS, BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_ATOMIC, BPF_CALL, BPF_CMPXCHG, BPF_DIV,
  BPF_END, BPF_EXIT, BPF_FETCH, BPF_IND, BPF_JA, BPF_JCOND, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT,
  BPF_JMP, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_K, BPF_LD,
  BPF_LD_IMM64, BPF_LDX, BPF_LOAD_ACQ, BPF_LSH, BPF_MAY_GOTO, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV,
  BPF_MUL, BPF_NEG, BPF_OR, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_RSH, BPF_ST, BPF_STORE_REL, BPF_STX, BPF_SUB, BPF_TO_BE,
  BPF_TO_LE, BPF_X, BPF_XCHG, BPF_XOR, sizeBits,
} from './opcodes.js';
import type { Reg, Size } from './opcodes.js';

/** A jump or call target: a label name (resolved by link()) or a raw pc-relative offset in slots. */
export type Target = string | number;

/** Two-operand ALU operations; `sdiv`/`smod` are the signed forms (off = 1, kernel 6.6). */
export type AluOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'mod' | 'smod' | 'or' | 'and' | 'lsh' | 'rsh' | 'arsh' | 'xor' | 'mov';

/** Conditional jump operations; `s` marks signed comparisons. */
export type JmpOp = 'jeq' | 'jne' | 'jgt' | 'jge' | 'jlt' | 'jle' | 'jsgt' | 'jsge' | 'jslt' | 'jsle' | 'jset';

/** Atomic read-modify-write operations; `fetch_*`, `xchg` and `cmpxchg` return the old value. */
export type AtomicOp =
  | 'add' | 'or' | 'and' | 'xor' | 'fetch_add' | 'fetch_or' | 'fetch_and' | 'fetch_xor' | 'xchg' | 'cmpxchg';

/** Opcode bits and the off selector of each ALU operation. */
const ALU_OPS: Record<AluOp, { op: number; off: number }> = {
  add: { op: BPF_ADD, off: 0 },
  sub: { op: BPF_SUB, off: 0 },
  mul: { op: BPF_MUL, off: 0 },
  div: { op: BPF_DIV, off: 0 },
  sdiv: { op: BPF_DIV, off: 1 },
  mod: { op: BPF_MOD, off: 0 },
  smod: { op: BPF_MOD, off: 1 },
  or: { op: BPF_OR, off: 0 },
  and: { op: BPF_AND, off: 0 },
  lsh: { op: BPF_LSH, off: 0 },
  rsh: { op: BPF_RSH, off: 0 },
  arsh: { op: BPF_ARSH, off: 0 },
  xor: { op: BPF_XOR, off: 0 },
  mov: { op: BPF_MOV, off: 0 },
};

const JMP_OPS: Record<JmpOp, number> = {
  jeq: BPF_JEQ, jne: BPF_JNE, jgt: BPF_JGT, jge: BPF_JGE, jlt: BPF_JLT, jle: BPF_JLE,
  jsgt: BPF_JSGT, jsge: BPF_JSGE, jslt: BPF_JSLT, jsle: BPF_JSLE, jset: BPF_JSET,
};

const ATOMIC_OPS: Record<AtomicOp, number> = {
  add: BPF_ADD, or: BPF_OR, and: BPF_AND, xor: BPF_XOR,
  fetch_add: BPF_ADD | BPF_FETCH, fetch_or: BPF_OR | BPF_FETCH, fetch_and: BPF_AND | BPF_FETCH,
  fetch_xor: BPF_XOR | BPF_FETCH, xchg: BPF_XCHG, cmpxchg: BPF_CMPXCHG,
};

function make(code: number, dst: number, src: number, off: number, imm: number, ref?: Ref): Insn {
  return ref === undefined ? { code, dst, src, off, imm } : { code, dst, src, off, imm, ref };
}

function wide(dst: number, src: number, imm: number, imm2: number, ref?: Ref): Insn {
  const base = { code: BPF_LD_IMM64, dst, src, off: 0, imm, imm2 };
  return ref === undefined ? base : { ...base, ref };
}

function checkSize(what: string, size: number, allowed: readonly number[]): Size {
  if (!allowed.includes(size)) throw new AsmError('bad_operand', `${what}: size ${size} is not one of ${allowed.join(', ')} bytes`);
  return size as Size;
}

function aluOp(what: string, op: AluOp): { op: number; off: number } {
  const entry = ALU_OPS[op] as { op: number; off: number } | undefined;
  if (entry === undefined) throw new AsmError('bad_operand', `${what}: unknown ALU operation '${String(op)}'`);
  return entry;
}

/** Splits a target into the off/imm value and the label ref; `check` range-checks raw offsets. */
function target(what: string, t: Target, check: (what: string, v: number) => number): { value: number; ref?: Ref } {
  if (typeof t === 'number') return { value: check(what, t) };
  return { value: 0, ref: { kind: 'label', name: checkName(what, t) } };
}

const s32 = (what: string, v: number): number => checkImm(what, v, false);

// ---- ALU ---------------------------------------------------------------------------------------

function aluImm(cls: number, what: string, op: AluOp, dst: Reg, imm: number): Insn {
  const { op: bits, off } = aluOp(what, op);
  const value = checkImm(what, imm, cls === BPF_ALU);
  const width = cls === BPF_ALU ? 32 : 64;
  if ((op === 'lsh' || op === 'rsh' || op === 'arsh') && (value < 0 || value >= width)) {
    throw new AsmError('bad_operand', `${what}: shift by ${imm} is outside 0..${width - 1}`);
  }
  if ((op === 'div' || op === 'sdiv' || op === 'mod' || op === 'smod') && value === 0) {
    throw new AsmError('bad_operand', `${what}: ${op} by the constant 0`);
  }
  return make(cls | bits | BPF_K, checkReg(what, dst), 0, off, value);
}

function aluReg(cls: number, what: string, op: AluOp, dst: Reg, src: Reg): Insn {
  const { op: bits, off } = aluOp(what, op);
  return make(cls | bits | BPF_X, checkReg(what, dst), checkReg(what, src), off, 0);
}

/** `dst op= imm` on 64 bits (ALU64 | op | K); imm is sign-extended, so it must fit s32. */
export function alu64Imm(op: AluOp, dst: Reg, imm: number): Insn {
  return aluImm(BPF_ALU64, `alu64Imm ${op}`, op, dst, imm);
}

/** `dst op= src` on 64 bits (ALU64 | op | X). */
export function alu64Reg(op: AluOp, dst: Reg, src: Reg): Insn {
  return aluReg(BPF_ALU64, `alu64Reg ${op}`, op, dst, src);
}

/** `wdst op= imm` on 32 bits (ALU | op | K), zero-extending the result; imm may be s32 or u32. */
export function alu32Imm(op: AluOp, dst: Reg, imm: number): Insn {
  return aluImm(BPF_ALU, `alu32Imm ${op}`, op, dst, imm);
}

/** `wdst op= wsrc` on 32 bits (ALU | op | X), zero-extending the result. */
export function alu32Reg(op: AluOp, dst: Reg, src: Reg): Insn {
  return aluReg(BPF_ALU, `alu32Reg ${op}`, op, dst, src);
}

/** `dst = imm` (64-bit, imm sign-extended): shorthand for alu64Imm('mov', ...). */
export function mov64Imm(dst: Reg, imm: number): Insn {
  return alu64Imm('mov', dst, imm);
}

/** `dst = src` (64-bit): shorthand for alu64Reg('mov', ...). */
export function mov64Reg(dst: Reg, src: Reg): Insn {
  return alu64Reg('mov', dst, src);
}

/** `wdst = imm` (32-bit, upper half zeroed): shorthand for alu32Imm('mov', ...). */
export function mov32Imm(dst: Reg, imm: number): Insn {
  return alu32Imm('mov', dst, imm);
}

/** `wdst = wsrc` (32-bit, upper half zeroed): shorthand for alu32Reg('mov', ...). */
export function mov32Reg(dst: Reg, src: Reg): Insn {
  return alu32Reg('mov', dst, src);
}

/** `dst = -dst` on 64 bits. */
export function neg64(dst: Reg): Insn {
  return make(BPF_ALU64 | BPF_NEG | BPF_K, checkReg('neg64', dst), 0, 0, 0);
}

/** `wdst = -wdst` on 32 bits. */
export function neg32(dst: Reg): Insn {
  return make(BPF_ALU | BPF_NEG | BPF_K, checkReg('neg32', dst), 0, 0, 0);
}

/** `dst = (s8|s16|s32)src`: sign-extending 64-bit move (ALU64 | MOV | X, off = bits; kernel 6.6). */
export function movsx64(dst: Reg, src: Reg, bits: 8 | 16 | 32): Insn {
  checkSize('movsx64 bits', bits / 8, [1, 2, 4]);
  return make(BPF_ALU64 | BPF_MOV | BPF_X, checkReg('movsx64', dst), checkReg('movsx64', src), bits, 0);
}

/** `wdst = (s8|s16)wsrc`: sign-extending 32-bit move (ALU | MOV | X, off = bits; kernel 6.6). */
export function movsx32(dst: Reg, src: Reg, bits: 8 | 16): Insn {
  checkSize('movsx32 bits', bits / 8, [1, 2]);
  return make(BPF_ALU | BPF_MOV | BPF_X, checkReg('movsx32', dst), checkReg('movsx32', src), bits, 0);
}

/** `dst = le16/32/64 dst` or `be...`: convert between host and the given byte order (ALU | END). */
export function endian(dst: Reg, order: 'le' | 'be', bits: 16 | 32 | 64): Insn {
  checkSize('endian bits', bits / 8, [2, 4, 8]);
  const src = order === 'be' ? BPF_TO_BE : BPF_TO_LE;
  return make(BPF_ALU | BPF_END | src, checkReg('endian', dst), 0, 0, bits);
}

/** `dst = bswap16/32/64 dst`: unconditional byte swap (ALU64 | END | TO_LE; kernel 6.6). */
export function bswap(dst: Reg, bits: 16 | 32 | 64): Insn {
  checkSize('bswap bits', bits / 8, [2, 4, 8]);
  return make(BPF_ALU64 | BPF_END | BPF_TO_LE, checkReg('bswap', dst), 0, 0, bits);
}

// ---- jumps and calls ---------------------------------------------------------------------------

function jmpOp(what: string, op: JmpOp): number {
  const bits = JMP_OPS[op] as number | undefined;
  if (bits === undefined) throw new AsmError('bad_operand', `${what}: unknown jump operation '${String(op)}'`);
  return bits;
}

/** `if dst op imm goto target` comparing 64 bits (imm sign-extended, so it must fit s32). */
export function jmpImm(op: JmpOp, dst: Reg, imm: number, to: Target): Insn {
  const what = `jmpImm ${op}`;
  const t = target(what, to, checkOff);
  return make(BPF_JMP | jmpOp(what, op) | BPF_K, checkReg(what, dst), 0, t.value, s32(what, imm), t.ref);
}

/** `if dst op src goto target` comparing 64 bits. */
export function jmpReg(op: JmpOp, dst: Reg, src: Reg, to: Target): Insn {
  const what = `jmpReg ${op}`;
  const t = target(what, to, checkOff);
  return make(BPF_JMP | jmpOp(what, op) | BPF_X, checkReg(what, dst), checkReg(what, src), t.value, 0, t.ref);
}

/** `if wdst op imm goto target` comparing the low 32 bits (JMP32, kernel 5.1); imm may be s32 or u32. */
export function jmp32Imm(op: JmpOp, dst: Reg, imm: number, to: Target): Insn {
  const what = `jmp32Imm ${op}`;
  const t = target(what, to, checkOff);
  return make(BPF_JMP32 | jmpOp(what, op) | BPF_K, checkReg(what, dst), 0, t.value, checkImm(what, imm, true), t.ref);
}

/** `if wdst op wsrc goto target` comparing the low 32 bits (JMP32, kernel 5.1). */
export function jmp32Reg(op: JmpOp, dst: Reg, src: Reg, to: Target): Insn {
  const what = `jmp32Reg ${op}`;
  const t = target(what, to, checkOff);
  return make(BPF_JMP32 | jmpOp(what, op) | BPF_X, checkReg(what, dst), checkReg(what, src), t.value, 0, t.ref);
}

/** `goto target`: unconditional jump with a 16-bit offset (JMP | JA). */
export function ja(to: Target): Insn {
  const t = target('ja', to, checkOff);
  return make(BPF_JMP | BPF_JA, 0, 0, t.value, 0, t.ref);
}

/** `gotol target`: unconditional jump with a 32-bit offset in imm (JMP32 | JA, kernel 6.6). */
export function gotol(to: Target): Insn {
  const t = target('gotol', to, s32);
  return make(BPF_JMP32 | BPF_JA, 0, 0, 0, t.value, t.ref);
}

/** `may_goto target`: jump when the loop budget runs out (JMP | JCOND, src = BPF_MAY_GOTO; kernel 6.9). */
export function mayGoto(to: Target): Insn {
  const t = target('mayGoto', to, checkOff);
  return make(BPF_JMP | BPF_JCOND, 0, BPF_MAY_GOTO, t.value, 0, t.ref);
}

/** `call bpf_<helper>#id`: call a helper by UAPI name (without `bpf_`) or id; arguments r1-r5, result r0. */
export function call(helper: HelperName | number): Insn {
  const id = typeof helper === 'number' ? helper : helperId(helper);
  if (id === undefined || !Number.isInteger(id) || id < 0 || id > 0x7fff_ffff) {
    throw new AsmError('bad_operand', `call: unknown helper ${JSON.stringify(helper)}`);
  }
  return make(BPF_JMP | BPF_CALL, 0, 0, 0, id);
}

/** `call <kfunc>`: call a kernel function by name; the loader patches imm with its vmlinux BTF id (kernel 5.13). */
export function callKfunc(name: string): Insn {
  return make(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 0, { kind: 'kfunc', name: checkName('callKfunc', name) });
}

/** `call pc+N`: bpf-to-bpf call of the subprogram at `target` (src = BPF_PSEUDO_CALL, imm = offset). */
export function callLocal(to: Target): Insn {
  const t = target('callLocal', to, s32);
  return make(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, t.value, t.ref);
}

/** `exit`: return r0. */
export function exit(): Insn {
  return make(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

// ---- 64-bit immediate loads (two slots) -----------------------------------------------------------

/** `dst = 0x...`: load a 64-bit constant (number must be a safe integer; bigint is taken mod 2^64). */
export function ldImm64(dst: Reg, value: bigint | number): Insn {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new AsmError('bad_operand', `ldImm64: ${value} is not a safe integer; pass a bigint`);
  }
  const v = BigInt.asUintN(64, BigInt(value));
  return wide(checkReg('ldImm64', dst), 0, Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n)));
}

/** `dst = map[name]`: load a map pointer; the loader writes the map's fd into imm (BPF_PSEUDO_MAP_FD). */
export function ldMapFd(dst: Reg, map: string): Insn {
  return wide(checkReg('ldMapFd', dst), BPF_PSEUDO_MAP_FD, 0, 0, { kind: 'map', name: checkName('ldMapFd', map) });
}

/** `dst = &map[name][0] + offset`: load a pointer into an array map's value (BPF_PSEUDO_MAP_VALUE, kernel 5.2). */
export function ldMapValue(dst: Reg, map: string, offset: number): Insn {
  if (!Number.isInteger(offset) || offset < 0 || offset > 0x7fff_ffff) {
    throw new AsmError('bad_operand', `ldMapValue: value offset ${offset} must be a non-negative 32-bit integer`);
  }
  return wide(checkReg('ldMapValue', dst), BPF_PSEUDO_MAP_VALUE, 0, offset, { kind: 'map', name: checkName('ldMapValue', map) });
}

/** `dst = &name`: load the address of a kernel symbol by vmlinux BTF id, patched at load (BPF_PSEUDO_BTF_ID, kernel 5.10). */
export function ldBtfId(dst: Reg, name: string, btfKind: BtfIdKind): Insn {
  return wide(checkReg('ldBtfId', dst), BPF_PSEUDO_BTF_ID, 0, 0, { kind: 'btf_id', name: checkName('ldBtfId', name), btfKind });
}

/** `dst = subprog`: load the address of the subprogram at `target`, for callbacks such as bpf_loop (BPF_PSEUDO_FUNC, kernel 5.13). */
export function ldFuncAddr(dst: Reg, to: Target): Insn {
  const t = target('ldFuncAddr', to, s32);
  return wide(checkReg('ldFuncAddr', dst), BPF_PSEUDO_FUNC, t.value, 0, t.ref);
}

// ---- memory --------------------------------------------------------------------------------------

const ALL_SIZES = [1, 2, 4, 8] as const;

/** `dst = *(uN *)(src + off)`: zero-extending load of `size` bytes. */
export function ldx(size: Size, dst: Reg, src: Reg, off: number): Insn {
  const s = checkSize('ldx', size, ALL_SIZES);
  return make(BPF_LDX | BPF_MEM | sizeBits(s), checkReg('ldx', dst), checkReg('ldx', src), checkOff('ldx', off), 0);
}

/** `dst = *(sN *)(src + off)`: sign-extending load of 1, 2 or 4 bytes (BPF_MEMSX, kernel 6.6). */
export function ldxsx(size: 1 | 2 | 4, dst: Reg, src: Reg, off: number): Insn {
  const s = checkSize('ldxsx', size, [1, 2, 4]);
  return make(BPF_LDX | BPF_MEMSX | sizeBits(s), checkReg('ldxsx', dst), checkReg('ldxsx', src), checkOff('ldxsx', off), 0);
}

/** `*(uN *)(dst + off) = imm`: store an immediate (truncated to `size`; for 8 bytes it is sign-extended). */
export function st(size: Size, dst: Reg, off: number, imm: number): Insn {
  const s = checkSize('st', size, ALL_SIZES);
  return make(BPF_ST | BPF_MEM | sizeBits(s), checkReg('st', dst), 0, checkOff('st', off), checkImm('st', imm, s !== 8));
}

/** `*(uN *)(dst + off) = src`: store a register. */
export function stx(size: Size, dst: Reg, off: number, src: Reg): Insn {
  const s = checkSize('stx', size, ALL_SIZES);
  return make(BPF_STX | BPF_MEM | sizeBits(s), checkReg('stx', dst), checkReg('stx', src), checkOff('stx', off), 0);
}

/**
 * An atomic operation on `*(u32|u64 *)(dst + off)` with operand `src` (BPF_STX | BPF_ATOMIC, kernel 5.12):
 * `lock ... += src` for add/or/and/xor; fetch_* and xchg also put the old value in src; cmpxchg compares
 * with r0, stores src if equal, and puts the old value in r0.
 */
export function atomic(op: AtomicOp, size: 4 | 8, dst: Reg, off: number, src: Reg): Insn {
  const what = `atomic ${op}`;
  const imm = ATOMIC_OPS[op] as number | undefined;
  if (imm === undefined) throw new AsmError('bad_operand', `atomic: unknown operation '${String(op)}'`);
  const s = checkSize(what, size, [4, 8]);
  return make(BPF_STX | BPF_ATOMIC | sizeBits(s), checkReg(what, dst), checkReg(what, src), checkOff(what, off), imm);
}

/** `dst = load_acquire((uN *)(src + off))` (BPF_STX | BPF_ATOMIC, imm = BPF_LOAD_ACQ; kernel 6.15). */
export function loadAcquire(size: Size, dst: Reg, src: Reg, off: number): Insn {
  const s = checkSize('loadAcquire', size, ALL_SIZES);
  const what = 'loadAcquire';
  return make(BPF_STX | BPF_ATOMIC | sizeBits(s), checkReg(what, dst), checkReg(what, src), checkOff(what, off), BPF_LOAD_ACQ);
}

/** `store_release((uN *)(dst + off), src)` (BPF_STX | BPF_ATOMIC, imm = BPF_STORE_REL; kernel 6.15). */
export function storeRelease(size: Size, dst: Reg, off: number, src: Reg): Insn {
  const s = checkSize('storeRelease', size, ALL_SIZES);
  const what = 'storeRelease';
  return make(BPF_STX | BPF_ATOMIC | sizeBits(s), checkReg(what, dst), checkReg(what, src), checkOff(what, off), BPF_STORE_REL);
}

/** `r0 = *(uN *)skb[imm]`: legacy packet load at an absolute offset (socket filters only). */
export function ldAbs(size: 1 | 2 | 4, imm: number): Insn {
  const s = checkSize('ldAbs', size, [1, 2, 4]);
  return make(BPF_LD | BPF_ABS | sizeBits(s), 0, 0, 0, s32('ldAbs', imm));
}

/** `r0 = *(uN *)skb[src + imm]`: legacy packet load at a register-relative offset (socket filters only). */
export function ldInd(size: 1 | 2 | 4, src: Reg, imm: number): Insn {
  const s = checkSize('ldInd', size, [1, 2, 4]);
  return make(BPF_LD | BPF_IND | sizeBits(s), 0, checkReg('ldInd', src), 0, s32('ldInd', imm));
}


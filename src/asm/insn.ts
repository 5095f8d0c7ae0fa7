/**
 * The instruction model. A program is plain data: an array of items, each an instruction record or a
 * label marker, so a code generator can push to it incrementally and link() resolves every label in
 * one step. Records mirror `struct bpf_insn` field for field; an LD_IMM64 is one record that occupies
 * two slots.
 */

import { AsmError } from './errors.js';
import { BPF_LD_IMM64, isReg } from './opcodes.js';
import type { Reg } from './opcodes.js';

/** What a BPF_PSEUDO_BTF_ID load refers to in vmlinux BTF. */
export type BtfIdKind = 'struct' | 'var' | 'func';

/**
 * A symbolic operand. `label` is resolved by link() into a pc-relative offset; the others become
 * relocations that the loader patches with host-dependent values (fds, BTF ids).
 */
export type Ref =
  | { readonly kind: 'label'; readonly name: string }
  | { readonly kind: 'map'; readonly name: string }
  | { readonly kind: 'kfunc'; readonly name: string }
  | { readonly kind: 'btf_id'; readonly name: string; readonly btfKind: BtfIdKind };

/** One instruction: `struct bpf_insn` fields plus, for LD_IMM64, the second slot's imm. */
export interface Insn {
  /** The opcode byte (see opcodes.ts for its layout). */
  readonly code: number;
  /** Destination register, 0-10 (decoded bytes may hold up to 15). */
  readonly dst: number;
  /** Source register, or a pseudo tag (BPF_PSEUDO_*) for LD_IMM64 and CALL. */
  readonly src: number;
  /** Signed 16-bit offset: memory displacement, jump offset, or an ALU variant selector. */
  readonly off: number;
  /** Signed 32-bit immediate (the low half of an LD_IMM64 constant). */
  readonly imm: number;
  /** LD_IMM64 only: the second slot's imm, the upper 32 bits, signed. Present iff the insn is two slots. */
  readonly imm2?: number;
  /** A symbolic operand for link() to resolve or record as a relocation. */
  readonly ref?: Ref;
}

/** A label marker: names the slot of the next instruction. */
export interface Label {
  /** The label name; unique within a program. */
  readonly label: string;
}

/** One element of a program under construction. */
export type Item = Insn | Label;

/** Whether `item` is a label marker rather than an instruction. */
export function isLabel(item: Item): item is Label {
  return 'label' in item;
}

/** Whether `code` is the two-slot LD_IMM64 opcode. */
export function isWide(code: number): boolean {
  return code === BPF_LD_IMM64;
}

/** The number of 8-byte slots `insn` occupies: 2 for LD_IMM64, otherwise 1. */
export function insnSlots(insn: Insn): 1 | 2 {
  return isWide(insn.code) ? 2 : 1;
}

/** Makes a label marker naming the slot of the instruction that follows it. */
export function label(name: string): Label {
  return { label: checkName('label', name) };
}

/**
 * Makes an instruction record from raw fields, validating their ranges: the escape hatch for forms
 * without a builder. imm2 is required for LD_IMM64 and rejected otherwise.
 */
export function insn(fields: {
  code: number;
  dst?: number;
  src?: number;
  off?: number;
  imm?: number;
  imm2?: number;
  ref?: Ref;
}): Insn {
  const { code, dst = 0, src = 0, off = 0, imm = 0 } = fields;
  if (!Number.isInteger(code) || code < 0 || code > 0xff) {
    throw new AsmError('bad_operand', `insn: opcode ${code} is not a byte`);
  }
  for (const [what, v] of [['dst', dst], ['src', src]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 15) throw new AsmError('bad_operand', `insn: ${what} ${v} is not a 4-bit register field`);
  }
  const base = { code, dst, src, off: checkOff('insn', off), imm: checkImm('insn', imm, true) };
  const withImm2 = isWide(code) ? { ...base, imm2: checkImm('insn imm2', fields.imm2 ?? 0, true) } : base;
  if (!isWide(code) && fields.imm2 !== undefined) {
    throw new AsmError('bad_operand', `insn: imm2 is only meaningful for LD_IMM64 (0x18), not opcode 0x${code.toString(16)}`);
  }
  return fields.ref === undefined ? withImm2 : { ...withImm2, ref: fields.ref };
}

// ---- operand checks shared by the builders ---------------------------------------------------------

/** Checks that `r` is a register r0-r10 and returns it. */
export function checkReg(what: string, r: number): Reg {
  if (!isReg(r)) throw new AsmError('bad_operand', `${what}: register ${String(r)} is not one of r0-r10`);
  return r;
}

/**
 * Checks that `v` fits the 32-bit imm field and returns it as the signed value stored there.
 * With `unsigned`, values up to 2^32-1 are also accepted (for 32-bit operations, where the bits mean
 * the same); without it the immediate is sign-extended to 64 bits by the machine, so 0x80000000 and
 * up would silently turn negative and are refused.
 */
export function checkImm(what: string, v: number, unsigned: boolean): number {
  const max = unsigned ? 0xffff_ffff : 0x7fff_ffff;
  if (!Number.isInteger(v) || v < -0x8000_0000 || v > max) {
    const hint = unsigned ? '' : ' (a 64-bit operation sign-extends imm; use ldImm64 for wider constants)';
    throw new AsmError('bad_operand', `${what}: immediate ${String(v)} does not fit 32 bits${hint}`);
  }
  return v | 0;
}

/** Checks that `v` fits the signed 16-bit off field and returns it. */
export function checkOff(what: string, v: number): number {
  if (!Number.isInteger(v) || v < -0x8000 || v > 0x7fff) {
    throw new AsmError('bad_operand', `${what}: offset ${String(v)} does not fit the signed 16-bit off field`);
  }
  return v;
}

/** Checks that a label or symbol name is a non-empty string and returns it. */
export function checkName(what: string, name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new AsmError('bad_operand', `${what}: name must be a non-empty string`);
  return name;
}

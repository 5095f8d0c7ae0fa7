/**
 * A disassembler whose text is the verifier log's, as printed by print_bpf_insn() in the kernel's
 * kernel/bpf/disasm.c (6.15): `0: (bf) r6 = r1`, `if r1 != 0x0 goto pc+3`, `call bpf_ringbuf_output#130`.
 * Where the kernel would print a raw pointer or id, relocation info gives a name instead, in the
 * style of bpftool's xlated dump: `r1 = map[events]`, `r1 = map[cfg][0]+16`, `r2 = subprog[+5]`.
 */

import { decode } from './decode.js';
import { helperName } from './helpers.js';
import { insnSlots } from './insn.js';
import type { Insn } from './insn.js';
import type { LinkedProgram, Relocation } from './link.js';
import {
  BPF_ABS, BPF_ADD, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ATOMIC, BPF_CALL, BPF_CLASS, BPF_CMPXCHG,
  BPF_DIV, BPF_DW, BPF_END, BPF_EXIT, BPF_FETCH, BPF_IMM, BPF_IND, BPF_JA, BPF_JCOND, BPF_JMP,
  BPF_JMP32, BPF_LD, BPF_LDX, BPF_LOAD_ACQ, BPF_MAY_GOTO, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MODE,
  BPF_MOV, BPF_NEG, BPF_OP, BPF_OR, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE, BPF_SIZE, BPF_SRC, BPF_ST, BPF_STORE_REL, BPF_STX, BPF_TO_BE, BPF_X,
  BPF_XCHG, BPF_XOR, BPF_ADDR_SPACE_CAST,
} from './opcodes.js';

/** Options for disassemble(). */
export interface DisasmOptions {
  /** Print only the instruction text, without the verifier's `<slot>: (<opcode>) ` prefix. */
  plain?: boolean;
  /** Relocations for raw bytes, to print map, kfunc and BTF names (taken from a LinkedProgram otherwise). */
  relocations?: readonly Relocation[];
}

// bpf_alu_string[], indexed by BPF_OP >> 4.
const ALU_STRING = ['+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', 'neg', '%=', '^=', '=', 's>>=', 'endian'];
// bpf_jmp_string[], indexed by BPF_OP >> 4.
const JMP_STRING = ['jmp', '==', '>', '>=', '&', '!=', 's>', 's>=', 'call', 'exit', '<', '<=', 's<', 's<='];
// bpf_atomic_alu_string[], indexed by BPF_OP(imm) >> 4.
const ATOMIC_ALU_STRING: Record<number, string> = { [BPF_ADD >> 4]: 'add', [BPF_AND >> 4]: 'and', [BPF_OR >> 4]: 'or', [BPF_XOR >> 4]: 'xor' };
// bpf_ldst_string[] and bpf_ldsx_string[], indexed by BPF_SIZE >> 3.
const LDST_STRING = ['u32', 'u16', 'u8', 'u64'];
const LDSX_STRING = ['s32', 's16', 's8', 'BUG'];

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
/** printf's `%+d`. */
const signed = (n: number): string => (n >= 0 ? `+${n}` : `${n}`);
/** The `%c%d` register of an ALU or JMP instruction: `w` for the 32-bit classes, `r` otherwise. */
const regOf = (cls: number, r: number): string => `${cls === BPF_ALU || cls === BPF_JMP32 ? 'w' : 'r'}${r}`;
const ldst = (code: number): string => LDST_STRING[BPF_SIZE(code) >> 3] ?? 'BUG';
/** The printed target of a jump: `pc+3`, or the label name of a not-yet-linked instruction. */
const pc = (insn: Insn, value: number): string => (insn.ref?.kind === 'label' ? insn.ref.name : `pc${signed(value)}`);

function formatAlu(insn: Insn, cls: number): string {
  const { code, dst, src, off, imm } = insn;
  const op = BPF_OP(code);
  if (op === BPF_END) {
    if (cls === BPF_ALU64) return `r${dst} = bswap${imm} r${dst}`;
    return `r${dst} = ${BPF_SRC(code) === BPF_TO_BE ? 'be' : 'le'}${imm} r${dst}`;
  }
  if (op === BPF_NEG) return `${regOf(cls, dst)} = -${regOf(cls, dst)}`;
  if (code === (BPF_ALU64 | BPF_MOV | BPF_X) && off === BPF_ADDR_SPACE_CAST) {
    return `r${dst} = addr_space_cast(r${src}, ${(imm >>> 16) & 0xffff}, ${imm & 0xffff})`;
  }
  const sdivSmod = (op === BPF_DIV || op === BPF_MOD) && off === 1;
  const opText = sdivSmod ? (op === BPF_DIV ? 's/=' : 's%=') : ALU_STRING[op >> 4];
  if (opText === undefined) return `BUG_alu_${hex2(code)}`;
  if (BPF_SRC(code) === BPF_X) {
    const movsx = op === BPF_MOV && (off === 8 || off === 16 || off === 32) ? `(s${off})` : '';
    return `${regOf(cls, dst)} ${opText} ${movsx}${regOf(cls, src)}`;
  }
  return `${regOf(cls, dst)} ${opText} ${imm}`;
}

function formatStx(insn: Insn): string {
  const { code, dst, src, off, imm } = insn;
  const mem = `(${ldst(code)} *)(r${dst} ${signed(off)})`;
  if (BPF_MODE(code) === BPF_MEM) return `*${mem} = r${src}`;
  if (BPF_MODE(code) !== BPF_ATOMIC) return `BUG_${hex2(code)}`;
  const width = BPF_SIZE(code) === BPF_DW ? '64' : '';
  if (imm === BPF_ADD || imm === BPF_AND || imm === BPF_OR || imm === BPF_XOR) {
    return `lock *${mem} ${ALU_STRING[imm >> 4] ?? ''} r${src}`;
  }
  const fetchOp = ATOMIC_ALU_STRING[(imm & ~BPF_FETCH) >> 4];
  if (fetchOp !== undefined && (imm & ~0xf0) === BPF_FETCH) return `r${src} = atomic${width}_fetch_${fetchOp}(${mem}, r${src})`;
  if (imm === BPF_CMPXCHG) return `r0 = atomic${width}_cmpxchg(${mem}, r0, r${src})`;
  if (imm === BPF_XCHG) return `r${src} = atomic${width}_xchg(${mem}, r${src})`;
  if (imm === BPF_LOAD_ACQ) return `r${dst} = load_acquire((${ldst(code)} *)(r${src} ${signed(off)}))`;
  if (imm === BPF_STORE_REL) return `store_release(${mem}, r${src})`;
  return `BUG_${hex2(code)}`;
}

/** The right-hand side of an LD_IMM64, by its pseudo source. */
function formatImm64(insn: Insn): string {
  const { src, imm, ref } = insn;
  const imm2 = insn.imm2 ?? 0;
  const name = ref !== undefined && ref.kind !== 'label' ? ref.name : undefined;
  switch (src) {
    case BPF_PSEUDO_MAP_FD:
      return name !== undefined ? `map[${name}]` : `map[fd:${imm}]`;
    case BPF_PSEUDO_MAP_VALUE:
      return `${name !== undefined ? `map[${name}]` : `map[fd:${imm}]`}[0]+${imm2 >>> 0}`;
    case BPF_PSEUDO_MAP_IDX:
      return `map[idx:${imm}]`;
    case BPF_PSEUDO_MAP_IDX_VALUE:
      return `map[idx:${imm}][0]+${imm2 >>> 0}`;
    case BPF_PSEUDO_BTF_ID:
      return name !== undefined ? `btf_id[${name}]` : `btf_id[${imm}]`;
    case BPF_PSEUDO_FUNC:
      return `subprog[${ref?.kind === 'label' ? ref.name : signed(imm)}]`;
    default: {
      const full = (BigInt.asUintN(32, BigInt(imm2)) << 32n) | BigInt.asUintN(32, BigInt(imm));
      return `0x${full.toString(16)}`;
    }
  }
}

function formatLd(insn: Insn): string {
  const { code, dst, src, imm } = insn;
  const mode = BPF_MODE(code);
  if (mode === BPF_ABS) return `r0 = *(${ldst(code)} *)skb[${imm}]`;
  if (mode === BPF_IND) return `r0 = *(${ldst(code)} *)skb[r${src} + ${imm}]`;
  if (mode === BPF_IMM && BPF_SIZE(code) === BPF_DW) return `r${dst} = ${formatImm64(insn)}`;
  return `BUG_ld_${hex2(code)}`;
}

function formatCall(insn: Insn): string {
  const { src, imm, ref } = insn;
  if (src === BPF_PSEUDO_CALL) return `call ${pc(insn, imm)}`;
  let name: string | undefined;
  if (src === 0) name = helperName(imm);
  else if (src === BPF_PSEUDO_KFUNC_CALL) name = ref?.kind === 'kfunc' ? ref.name : 'kernel-function';
  return `call ${name ?? 'unknown'}#${imm}`;
}

function formatJmp(insn: Insn, cls: number): string {
  const { code, dst, src, off, imm } = insn;
  const op = BPF_OP(code);
  if (op === BPF_CALL) return formatCall(insn);
  if (code === (BPF_JMP | BPF_JA)) return `goto ${pc(insn, off)}`;
  if (code === (BPF_JMP | BPF_JCOND) && src === BPF_MAY_GOTO) return `may_goto ${pc(insn, off)}`;
  if (code === (BPF_JMP32 | BPF_JA)) return `gotol ${pc(insn, imm)}`;
  if (code === (BPF_JMP | BPF_EXIT)) return 'exit';
  const opText = JMP_STRING[op >> 4];
  if (opText === undefined) return `BUG_jmp_${hex2(code)}`;
  if (BPF_SRC(code) === BPF_X) return `if ${regOf(cls, dst)} ${opText} ${regOf(cls, src)} goto ${pc(insn, off)}`;
  return `if ${regOf(cls, dst)} ${opText} 0x${(imm >>> 0).toString(16)} goto ${pc(insn, off)}`;
}

/**
 * The verifier's text for one instruction, without the slot and opcode prefix: `r1 = *(u32 *)(r2 +8)`.
 * Symbolic operands of unlinked records print by name (`goto out`, `call pc+2` once linked).
 */
export function formatInsn(insn: Insn): string {
  const { code, dst, src, off, imm } = insn;
  const cls = BPF_CLASS(code);
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
      return formatAlu(insn, cls);
    case BPF_STX:
      return formatStx(insn);
    case BPF_ST:
      if (BPF_MODE(code) === BPF_MEM) return `*(${ldst(code)} *)(r${dst} ${signed(off)}) = ${imm}`;
      if (BPF_MODE(code) === 0xc0) return 'nospec'; // BPF_NOSPEC: kernel-internal, no UAPI name
      return `BUG_st_${hex2(code)}`;
    case BPF_LDX: {
      const mode = BPF_MODE(code);
      if (mode !== BPF_MEM && mode !== BPF_MEMSX) return `BUG_ldx_${hex2(code)}`;
      const type = mode === BPF_MEM ? ldst(code) : LDSX_STRING[BPF_SIZE(code) >> 3] ?? 'BUG';
      return `r${dst} = *(${type} *)(r${src} ${signed(off)})`;
    }
    case BPF_LD:
      return formatLd(insn);
    default:
      return formatJmp(insn, cls);
  }
}

/**
 * Disassembles a program into one line per instruction, as the verifier log prints them:
 * `<slot>: (<opcode hex>) <text>`, where an LD_IMM64 advances the slot by two. With `plain`, lines
 * are the text alone. Map, kfunc and BTF names come from the program's relocations.
 */
export function disassemble(input: Uint8Array | LinkedProgram, opts: DisasmOptions = {}): string[] {
  const source =
    input instanceof Uint8Array ? { bytes: input, relocations: opts.relocations ?? [] } : input;
  const lines: string[] = [];
  let slot = 0;
  for (const insn of decode(source)) {
    const text = formatInsn(insn);
    lines.push(opts.plain === true ? text : `${slot}: (${hex2(insn.code)}) ${text}`);
    slot += insnSlots(insn);
  }
  return lines;
}


/**
 * eBPF opcode constants and field extractors, spelled as in the kernel's include/uapi/linux/bpf.h and
 * bpf_common.h so they can be grepped against the headers.
 *
 * The opcode byte (`struct bpf_insn.code`) has two shapes, chosen by the low three class bits:
 *
 *   ALU / ALU64 / JMP / JMP32           LD / LDX / ST / STX
 *   7      4   3   2     0              7     5 4   3 2     0
 *   +--------+---+-------+              +-------+-----+-------+
 *   |   op   | s | class |              | mode  | size| class |
 *   +--------+---+-------+              +-------+-----+-------+
 *   s = source: BPF_K (imm) or BPF_X (src_reg); for BPF_END it selects BPF_TO_LE / BPF_TO_BE.
 *
 * Everything after the opcode byte (registers, off, imm) is laid out in encoding.ts.
 */

// ---- instruction classes: code & 0x07 -------------------------------------------------------------

/** Class: legacy loads (LD_IMM64, LD_ABS, LD_IND). */
export const BPF_LD = 0x00;
/** Class: load from memory into a register. */
export const BPF_LDX = 0x01;
/** Class: store an immediate to memory. */
export const BPF_ST = 0x02;
/** Class: store a register to memory, and atomics. */
export const BPF_STX = 0x03;
/** Class: 32-bit arithmetic (results zero-extended to 64 bits). */
export const BPF_ALU = 0x04;
/** Class: 64-bit jumps, calls and exit. */
export const BPF_JMP = 0x05;
/** Class: jumps comparing the low 32 bits (kernel 5.1); also `gotol` (JMP32 | JA, kernel 6.6). */
export const BPF_JMP32 = 0x06;
/** Class: 64-bit arithmetic. */
export const BPF_ALU64 = 0x07;

// ---- load/store size: code & 0x18 -----------------------------------------------------------------

/** Size: 32-bit word. */
export const BPF_W = 0x00;
/** Size: 16-bit half word. */
export const BPF_H = 0x08;
/** Size: byte. */
export const BPF_B = 0x10;
/** Size: 64-bit double word. */
export const BPF_DW = 0x18;

// ---- load/store mode: code & 0xe0 -----------------------------------------------------------------

/** Mode: immediate (only LD_IMM64 = BPF_LD | BPF_IMM | BPF_DW in eBPF). */
export const BPF_IMM = 0x00;
/** Mode: legacy packet load at an absolute offset (socket filters). */
export const BPF_ABS = 0x20;
/** Mode: legacy packet load at a register-relative offset (socket filters). */
export const BPF_IND = 0x40;
/** Mode: regular memory access. */
export const BPF_MEM = 0x60;
/** Mode: sign-extending load (LDX only, kernel 6.6). */
export const BPF_MEMSX = 0x80;
/** Mode: atomic read-modify-write; the operation is in imm (kernel 5.12; BPF_XADD before). */
export const BPF_ATOMIC = 0xc0;

// ---- ALU operations: code & 0xf0 ------------------------------------------------------------------

/** ALU op: dst += src. */
export const BPF_ADD = 0x00;
/** ALU op: dst -= src. */
export const BPF_SUB = 0x10;
/** ALU op: dst *= src. */
export const BPF_MUL = 0x20;
/** ALU op: dst /= src (unsigned; signed when off = 1, kernel 6.6). */
export const BPF_DIV = 0x30;
/** ALU op: dst |= src. */
export const BPF_OR = 0x40;
/** ALU op: dst &= src. */
export const BPF_AND = 0x50;
/** ALU op: dst <<= src. */
export const BPF_LSH = 0x60;
/** ALU op: dst >>= src (logical). */
export const BPF_RSH = 0x70;
/** ALU op: dst = -dst. */
export const BPF_NEG = 0x80;
/** ALU op: dst %= src (unsigned; signed when off = 1, kernel 6.6). */
export const BPF_MOD = 0x90;
/** ALU op: dst ^= src. */
export const BPF_XOR = 0xa0;
/** ALU op: dst = src (sign-extending when off = 8/16/32, kernel 6.6). */
export const BPF_MOV = 0xb0;
/** ALU op: dst >>= src (arithmetic). */
export const BPF_ARSH = 0xc0;
/** ALU op: byte swap; ALU class converts to/from LE/BE, ALU64 class swaps unconditionally (kernel 6.6). */
export const BPF_END = 0xd0;

// ---- source bit: code & 0x08 ----------------------------------------------------------------------

/** Source: the 32-bit immediate. */
export const BPF_K = 0x00;
/** Source: the src register. */
export const BPF_X = 0x08;
/** BPF_END source bit: convert to little-endian. */
export const BPF_TO_LE = 0x00;
/** BPF_END source bit: convert to big-endian. */
export const BPF_TO_BE = 0x08;

// ---- jump operations: code & 0xf0 -----------------------------------------------------------------

/** Jump op: unconditional (JMP: 16-bit off; JMP32: 32-bit imm, "gotol"). */
export const BPF_JA = 0x00;
/** Jump op: ==. */
export const BPF_JEQ = 0x10;
/** Jump op: > unsigned. */
export const BPF_JGT = 0x20;
/** Jump op: >= unsigned. */
export const BPF_JGE = 0x30;
/** Jump op: dst & src != 0. */
export const BPF_JSET = 0x40;
/** Jump op: !=. */
export const BPF_JNE = 0x50;
/** Jump op: > signed. */
export const BPF_JSGT = 0x60;
/** Jump op: >= signed. */
export const BPF_JSGE = 0x70;
/** Jump op: call a helper, kfunc or bpf-to-bpf function. */
export const BPF_CALL = 0x80;
/** Jump op: return r0 to the caller. */
export const BPF_EXIT = 0x90;
/** Jump op: < unsigned (kernel 4.15). */
export const BPF_JLT = 0xa0;
/** Jump op: <= unsigned (kernel 4.15). */
export const BPF_JLE = 0xb0;
/** Jump op: < signed (kernel 4.15). */
export const BPF_JSLT = 0xc0;
/** Jump op: <= signed (kernel 4.15). */
export const BPF_JSLE = 0xd0;
/** Jump op: conditional pseudo jump; src_reg selects the condition (kernel 6.9). */
export const BPF_JCOND = 0xe0;
/** BPF_JCOND condition in src_reg: `may_goto`, a bounded-loop escape (kernel 6.9). */
export const BPF_MAY_GOTO = 0;

// ---- atomic operations, stored in imm of BPF_STX | BPF_ATOMIC -------------------------------------

/** Atomic flag: also return the old value in src_reg. */
export const BPF_FETCH = 0x01;
/** Atomic: exchange (always fetches). */
export const BPF_XCHG = 0xe0 | BPF_FETCH;
/** Atomic: compare r0 and exchange; the old value lands in r0. */
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;
/** Atomic: load-acquire, dst = *(src + off) (kernel 6.15). */
export const BPF_LOAD_ACQ = 0x100;
/** Atomic: store-release, *(dst + off) = src (kernel 6.15). */
export const BPF_STORE_REL = 0x110;

// ---- pseudo sources ------------------------------------------------------------------------------

/** LD_IMM64 src_reg: imm is a map fd; the kernel turns it into a map pointer. */
export const BPF_PSEUDO_MAP_FD = 1;
/** LD_IMM64 src_reg: imm is a map fd and the second imm an offset into its value (kernel 5.2). */
export const BPF_PSEUDO_MAP_VALUE = 2;
/** LD_IMM64 src_reg: imm is a BTF id of a kernel variable or type (kernel 5.10). */
export const BPF_PSEUDO_BTF_ID = 3;
/** LD_IMM64 src_reg: imm is the pc-relative address of a subprogram, for callbacks (kernel 5.13). */
export const BPF_PSEUDO_FUNC = 4;
/** LD_IMM64 src_reg: imm indexes `fd_array` instead of being an fd (kernel 5.14). */
export const BPF_PSEUDO_MAP_IDX = 5;
/** LD_IMM64 src_reg: like BPF_PSEUDO_MAP_VALUE through `fd_array` (kernel 5.14). */
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;
/** CALL src_reg: imm is the pc-relative offset of a bpf-to-bpf function (kernel 4.16). */
export const BPF_PSEUDO_CALL = 1;
/** CALL src_reg: imm is the BTF id of a kernel function (kfunc, kernel 5.13). */
export const BPF_PSEUDO_KFUNC_CALL = 2;
/** ALU64 MOV X off value marking an arena address-space cast (kernel 6.9). */
export const BPF_ADDR_SPACE_CAST = 1;

/** The opcode byte of the two-slot 64-bit immediate load. */
export const BPF_LD_IMM64 = BPF_LD | BPF_IMM | BPF_DW;

// ---- field extractors (the UAPI macros) ----------------------------------------------------------

/** BPF_CLASS(code): the instruction class, bits 0-2. */
export function BPF_CLASS(code: number): number {
  return code & 0x07;
}

/** BPF_SIZE(code): the load/store size, bits 3-4. */
export function BPF_SIZE(code: number): number {
  return code & 0x18;
}

/** BPF_MODE(code): the load/store mode, bits 5-7. */
export function BPF_MODE(code: number): number {
  return code & 0xe0;
}

/** BPF_OP(code): the ALU or jump operation, bits 4-7. */
export function BPF_OP(code: number): number {
  return code & 0xf0;
}

/** BPF_SRC(code): the source bit, bit 3. */
export function BPF_SRC(code: number): number {
  return code & 0x08;
}

// ---- registers -----------------------------------------------------------------------------------

/** An eBPF register number: r0 return value, r1-r5 arguments, r6-r9 callee-saved, r10 frame pointer. */
export type Reg = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

/** r0: return value of calls and of the program. */
export const R0 = 0;
/** r1: first argument; the context pointer on entry. */
export const R1 = 1;
/** r2: second argument. */
export const R2 = 2;
/** r3: third argument. */
export const R3 = 3;
/** r4: fourth argument. */
export const R4 = 4;
/** r5: fifth argument. */
export const R5 = 5;
/** r6: callee-saved. */
export const R6 = 6;
/** r7: callee-saved. */
export const R7 = 7;
/** r8: callee-saved. */
export const R8 = 8;
/** r9: callee-saved. */
export const R9 = 9;
/** r10: read-only frame pointer; the stack is the 512 bytes below it. */
export const R10 = 10;

/** Whether `n` is a valid register number (0-10). */
export function isReg(n: number): n is Reg {
  return Number.isInteger(n) && n >= 0 && n <= 10;
}

// ---- sizes ---------------------------------------------------------------------------------------

/** A memory access width in bytes. */
export type Size = 1 | 2 | 4 | 8;

/** The BPF_SIZE bits for an access of `size` bytes. */
export function sizeBits(size: Size): number {
  switch (size) {
    case 1:
      return BPF_B;
    case 2:
      return BPF_H;
    case 4:
      return BPF_W;
    case 8:
      return BPF_DW;
  }
}

/** The access width in bytes encoded by the BPF_SIZE bits of `code`. */
export function sizeBytes(code: number): Size {
  switch (BPF_SIZE(code)) {
    case BPF_B:
      return 1;
    case BPF_H:
      return 2;
    case BPF_W:
      return 4;
    default:
      return 8;
  }
}

/**
 * Instruction sequences shared by the code generator: pointers into scratch, helper calls with their
 * arguments, memory copies, sign extension, and the ring-buffer output with exact drop accounting.
 */
import {
  alu64Imm, alu64Reg, call, jmpImm, ldMapFd, ldx, mov64Imm, mov64Reg, R0, R1, R2, R3, R4, R10, type Reg, st, stx,
} from '../asm/index.js';
import { CTX, type ProgramBuilder, SCRATCH } from './builder.js';

/** Names of the internal maps every script has. */
export const EVENTS_MAP = 'events', DROPS_MAP = 'drops', SCRATCH_MAP = 'scratch', GLOBALS_MAP = 'globals';

/**
 * Slots of the globals array: 0 is the start time (`elapsed`), 1 the pid of the -c command (`cpid`), 2 the
 * "exiting" flag that exit() sets so that no probe runs again between exit() and the detach.
 */
export const GLOBALS_ENTRIES = 3, GLOBAL_START_TIME = 0, GLOBAL_CPID = 1, GLOBAL_EXITING = 2;

/**
 * Size of the events ring buffer (bytes). The ring's pages are mapped into siesta twice (see runtime/ringbuf.ts)
 * and all count in its RSS from the mmap on, so each MiB here costs two of RSS. A printf+str record is ~1.1 KiB
 * (the string slot is max_strlen), so 4 MiB buffers ~3,800 records: in the bench's zero-loss ladder (consumer
 * pinned away from the workload) 4 MiB delivered 864k events/s with none lost where 2 MiB lost events from
 * 200k/s on (npm run bench, 2026-12-04), for 4 MiB more RSS. The consumer is woken at a quarter full (below).
 */
export const EVENTS_RING_SIZE = 1 << 22;

/** reg = R9 + off: a pointer into this CPU's scratch buffer. */
export function scratchPtr(b: ProgramBuilder, reg: Reg, off: number): void {
  b.emit(mov64Reg(reg, SCRATCH));
  if (off) b.emit(alu64Imm('add', reg, off));
}

/** reg = R10 + off: a pointer to a stack slot. */
export function stackPtr(b: ProgramBuilder, reg: Reg, off: number): void {
  b.emit(mov64Reg(reg, R10), alu64Imm('add', reg, off));
}

/** Sign- or zero-extends R`reg` holding a `size`-byte integer to 64 bits. */
export function extend(b: ProgramBuilder, reg: Reg, size: number, signed: boolean): void {
  if (size >= 8) return;
  const shift = 64 - size * 8;
  b.emit(alu64Imm('lsh', reg, shift), alu64Imm(signed ? 'arsh' : 'rsh', reg, shift));
}

/** Copies `size` bytes within scratch (unrolled for small sizes, bpf_probe_read_kernel otherwise). */
export function copyScratch(b: ProgramBuilder, dst: number, src: number, size: number): void {
  if (size <= 64) {
    let off = 0;
    for (const w of [8, 4, 2, 1] as const) {
      while (size - off >= w) {
        b.emit(ldx(w, R0, SCRATCH, src + off), stx(w, SCRATCH, dst + off, R0));
        off += w;
      }
    }
    return;
  }
  scratchPtr(b, R1, dst);
  b.emit(mov64Imm(R2, size));
  scratchPtr(b, R3, src);
  b.emit(call('probe_read_kernel'));
}

/** Zero-fills `size` bytes of scratch at `off` (8-byte stores; sizes are multiples of 8 after alignment). */
export function zeroScratch(b: ProgramBuilder, off: number, size: number): void {
  let i = 0;
  for (; i + 8 <= size; i += 8) b.emit(st(8, SCRATCH, off + i, 0));
  for (; i < size; i++) b.emit(st(1, SCRATCH, off + i, 0));
}

/**
 * The stack slot of the drops map key, one per program: it is written right before each lookup, so every
 * output shares it (a slot per printf or per failed-helper report ran out of the 512-byte stack).
 */
const dropKeys = new WeakMap<ProgramBuilder, number>();

/** drops[0] += 1 in the per-CPU drops map: a record could not be written because the ring buffer was full. */
export function countDrop(b: ProgramBuilder): void {
  let key = dropKeys.get(b);
  if (key === undefined) dropKeys.set(b, (key = b.allocStack(8)));
  const done = b.newLabel('drop_done');
  b.emit(st(4, R10, key, 0), ldMapFd(R1, DROPS_MAP), mov64Reg(R2, R10), alu64Imm('add', R2, key), call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, done), ldx(8, R1, R0, 0), alu64Imm('add', R1, 1), stx(8, R0, 0, R1));
  b.mark(done);
}

/**
 * Writes the `size`-byte record at scratch offset `off` to the events ring buffer. Wake-ups are batched: the
 * consumer is woken only when a quarter of the ring is filled (BPF_RB_FORCE_WAKEUP), otherwise the record is
 * submitted with BPF_RB_NO_WAKEUP and the runtime's bounded-latency poll picks it up.
 */
export function outputRecord(b: ProgramBuilder, off: number, size: number): void {
  outputRecordAt(b, (reg) => scratchPtr(b, reg, off), size);
}

/** outputRecord for a record anywhere: `pointTo(reg)` loads its address into `reg` (e.g. a map value). */
export function outputRecordAt(b: ProgramBuilder, pointTo: (reg: Reg) => void, size: number): void {
  const flagsDone = b.newLabel('wake');
  b.emit(ldMapFd(R1, EVENTS_MAP), mov64Imm(R2, 0 /* BPF_RB_AVAIL_DATA */), call('ringbuf_query'),
    mov64Imm(R4, 1 /* BPF_RB_NO_WAKEUP */), jmpImm('jlt', R0, EVENTS_RING_SIZE / 4, flagsDone), mov64Imm(R4, 2 /* BPF_RB_FORCE_WAKEUP */));
  b.mark(flagsDone);
  b.emit(ldMapFd(R1, EVENTS_MAP));
  pointTo(R2);
  b.emit(mov64Imm(R3, size), call('ringbuf_output'));
  const ok = b.newLabel('out_ok');
  b.emit(jmpImm('jeq', R0, 0, ok));
  countDrop(b);
  b.mark(ok);
}

/** Writes the 8-byte event header (kind, id) at scratch offset `off`. */
export function eventHeader(b: ProgramBuilder, off: number, kind: number, id: number): void {
  b.emit(st(4, SCRATCH, off, kind), st(4, SCRATCH, off + 4, id));
}

/** Saves R0 into a fresh stack slot and returns the slot. */
export function spill(b: ProgramBuilder, reg: Reg = R0): number {
  const slot = b.allocStack(8);
  b.emit(stx(8, R10, slot, reg));
  return slot;
}

/** Loads a stack slot into `reg`. */
export function reload(b: ProgramBuilder, slot: number, reg: Reg): void {
  b.emit(ldx(8, reg, R10, slot));
}

/** reg = ctx + 0 as an unmodified context pointer (for helpers that take the context). */
export function ctxArg(b: ProgramBuilder, reg: Reg): void {
  b.emit(mov64Reg(reg, CTX));
}

/** r0 = a op b for two 64-bit registers (`a` is R0). */
export function binop(b: ProgramBuilder, op: 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'mod' | 'smod' | 'and' | 'or' | 'xor' | 'lsh' | 'rsh' | 'arsh', src: Reg): void {
  b.emit(alu64Reg(op, R0, src));
}

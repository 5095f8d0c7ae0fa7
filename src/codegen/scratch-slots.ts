/**
 * Per-CPU scratch space that a nested or preempted run cannot overwrite.
 *
 * Strings, tuples and output records live in a per-CPU buffer (R9), which is exclusive to one run only while
 * nothing else runs a program of the script on that CPU before the run ends. That is not so:
 *   - a probe can fire inside another's run on the same CPU: a tp_btf program on signal_generate runs inside
 *     the bpf_send_signal() of a tracepoint program (raw tracepoints only refuse to recurse into the same
 *     program), a profile or interval probe interrupts a tp_btf program, an irq tracepoint fires in a
 *     softirq probe's run;
 *   - programs that may be preempted (syscall tracepoints became faultable in 6.13 and sleepable BPF programs
 *     on them are expected in 7.2; they run under migrate_disable, so on one CPU but not alone on it) let
 *     another task's run start and even end before theirs does.
 * The kernel guards its own per-CPU buffers the same way (bpf_bprintf_prepare: a nesting level indexing three
 * buffers, failing beyond them), but a level counter assumes runs end in the reverse order they started, which
 * preemption breaks. So each buffer has its own busy flag, taken with an atomic exchange and given back by the
 * run that took it, in any order:
 *
 *   scratch        percpu_array, SCRATCH_SLOTS entries of the script's scratch size (one buffer per run)
 *   scratch_busy   percpu_array, 1 entry:
 *                    0        8        16       24       32
 *                    | busy 0 | busy 1 | busy 2 | busy 3 |    u64 each, 1 while a run on this CPU holds slot i
 *
 *   at entry:   busy = lookup(scratch_busy, 0)
 *               for i in 0..SCRATCH_SLOTS-1: if xchg(&busy[i], 1) == 0: take slot i (first free)
 *               none free: count the event as lost (drops) and return: deeper nesting is refused, not corrupted
 *               [held] = &busy[i]; R9 = lookup(scratch, i)
 *   at exit:    *[held] = 0
 *
 * Four slots: the kernel's contexts that can nest on one CPU (task, softirq, hardirq, NMI). The common case,
 * no nesting, costs one lookup, one exchange and one store more than a single buffer.
 *
 * Sleepable programs (uprobe.s, sleepable.ts) hold no slot: they can sleep for as long as a page takes to come
 * in, and work in a buffer of their own thread; the per-CPU buffer is only the (any-bytes) source their private
 * buffer is created from.
 */
import { alu64Imm, atomic, call, ja, jmpImm, ldMapFd, ldx, mov64Imm, mov64Reg, R0, R1, R2, R10, st, stx } from '../asm/index.js';
import { SCRATCH } from './builder.js';
import { countDrop, SCRATCH_MAP } from './emit.js';
import type { ProbeCodegen } from './probe.js';

/** How many scratch buffers each CPU has, hence how many runs on one CPU may hold one at once. */
export const SCRATCH_SLOTS = 4;

/** The per-CPU array of busy flags, one u64 per scratch slot. */
export const SCRATCH_BUSY_MAP = 'scratch_busy';

/**
 * Takes the first free scratch slot of this CPU and points R9 at its buffer; when every slot is held, counts a
 * drop and jumps to `refused` (where nothing is to be given back). Returns the stack slot holding the address
 * of the taken busy flag, for releaseScratch.
 */
export function claimScratch(g: ProbeCodegen, refused: string): number {
  const b = g.b;
  const key = b.allocStack(8), held = b.allocStack(8);
  const got = b.newLabel('scratch_got');
  b.emit(st(4, R10, key, 0), ldMapFd(R1, SCRATCH_BUSY_MAP), mov64Reg(R2, R10), alu64Imm('add', R2, key), call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, refused));
  for (let i = 0; i < SCRATCH_SLOTS; i++) {
    const next = b.newLabel('scratch_next');
    // R1 = xchg(&busy[i], 1): 0 means the slot was free and is now this run's.
    b.emit(mov64Imm(R1, 1), atomic('xchg', 8, R0, i * 8, R1), jmpImm('jne', R1, 0, next),
      mov64Reg(R1, R0), alu64Imm('add', R1, i * 8), stx(8, R10, held, R1), st(4, R10, key, i), ja(got));
    b.mark(next);
  }
  countDrop(b);
  b.emit(ja(refused));
  b.mark(got);
  b.emit(ldMapFd(R1, SCRATCH_MAP), mov64Reg(R2, R10), alu64Imm('add', R2, key), call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, g.exitLabel), mov64Reg(SCRATCH, R0));
  return held;
}

/** Gives back the slot claimScratch took (on every path through the program's exit label). */
export function releaseScratch(g: ProbeCodegen, held: number): void {
  g.b.emit(ldx(8, R1, R10, held), st(8, R1, 0, 0));
}

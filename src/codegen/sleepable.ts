/**
 * Sleepable uprobe programs (uprobe.s, BPF_F_SLEEPABLE, 6.2): where they load, a uprobe that reads user memory
 * reads it with helpers that may take a page fault and sleep until the page is in, so a value in a page that is
 * not resident is read at the event (provenance exact) instead of being lost.
 *
 *   str(p)            bpf_copy_from_user_str(dst, size, p, 0)   kfunc (6.12): bytes copied with the NUL, or -errno
 *   buf(p, n), p->f   bpf_copy_from_user(dst, size, p)          helper 148 (5.10): 0, or -errno (dst zeroed)
 *
 * While such a program sleeps, another task can run a program of the same script on the same CPU, and the
 * per-CPU scratch buffer would be overwritten under it. So a sleepable program works in a scratch buffer of its
 * own thread: a hash-map value keyed by pid_tgid, created at the program's start from the per-CPU buffer (any
 * bytes: the code writes every byte it reads back) and deleted at its exit. A task runs one uprobe program at a
 * time, so the key is never shared.
 *
 * Sleepable syscall tracepoint programs (tp.s, expected in 7.2; see wantsSleepable in compile.ts) work the same
 * way: the kernel runs them under migrate_disable and RCU Tasks Trace, not with preemption off, so the per-CPU
 * buffer is no more theirs than a sleepable uprobe's. A task is inside at most one of them (a page fault taken
 * by one does not enter another syscall), so the key is never shared there either.
 */
import { call, callKfunc, ja, jmpImm, ldMapFd, mov64Imm, mov64Reg, R0, R1, R2, R3, R4, R10, stx, type Insn } from '../asm/index.js';
import { SCRATCH } from './builder.js';
import { countDrop, stackPtr } from './emit.js';
import type { ProbeCodegen } from './probe.js';

/** The hash map holding the scratch buffers of sleepable programs, keyed by pid_tgid. */
export const SLEEP_SCRATCH_MAP = 'sleep_scratch';

/**
 * How many threads may be inside a sleepable program at once: the map is preallocated (an update in a program
 * never allocates), so this bounds its memory to this many scratch buffers. An event of a thread beyond it is
 * counted as dropped.
 */
export const SLEEP_SCRATCH_ENTRIES = 256;

/**
 * After R9 points at this CPU's scratch: takes a scratch buffer of this thread's own and points R9 at it.
 * `key` is the stack slot holding pid_tgid, stored before any jump to the exit label (which deletes the entry).
 */
export function enterPrivateScratch(g: ProbeCodegen, key: number): void {
  const b = g.b;
  const ok = b.newLabel('sleep_ok');
  b.emit(ldMapFd(R1, SLEEP_SCRATCH_MAP));
  stackPtr(b, R2, key);
  b.emit(mov64Reg(R3, SCRATCH), mov64Imm(R4, 0 /* BPF_ANY */), call('map_update_elem'), jmpImm('jeq', R0, 0, ok));
  countDrop(b);
  b.emit(ja(g.exitLabel));
  b.mark(ok);
  b.emit(ldMapFd(R1, SLEEP_SCRATCH_MAP));
  stackPtr(b, R2, key);
  b.emit(call('map_lookup_elem'), jmpImm('jeq', R0, 0, g.exitLabel), mov64Reg(SCRATCH, R0));
}

/** At the exit label: releases this thread's scratch buffer (a no-op when it was never taken). */
export function leavePrivateScratch(g: ProbeCodegen, key: number): void {
  const b = g.b;
  b.emit(ldMapFd(R1, SLEEP_SCRATCH_MAP));
  stackPtr(b, R2, key);
  b.emit(call('map_delete_elem'));
}

/** Stores pid_tgid into a new stack slot (the private scratch key) and returns the slot. */
export function privateScratchKey(g: ProbeCodegen): number {
  const key = g.b.allocStack(8);
  g.b.emit(call('get_current_pid_tgid'), stx(8, R10, key, R0));
  return key;
}

/**
 * The call of a user-memory read that may fault the page in, with R1 = destination, R2 = size, R3 = user address
 * already set (the same arguments and result as the non-sleeping probe_read_user(_str) it replaces; the string
 * kfunc takes flags in R4).
 */
export function sleepingReadCall(str: boolean): Insn[] {
  return str ? [mov64Imm(R4, 0), callKfunc('bpf_copy_from_user_str')] : [call('copy_from_user')];
}

/**
 * Deferred reads (reliable reads, mechanism d): what the exit re-read (deferred.ts) still could not read is
 * handed to a bpf_wq, whose callback runs later in a kworker, where it may sleep: it reads the traced task's
 * memory with bpf_copy_from_user_task (helper) or bpf_copy_from_user_task_str (kfunc), which fault pages in, and sends the record with those values
 * marked `deferred`. This recovers arguments the kernel never touched, e.g. `write(-1, buf, n)` fails with
 * EBADF before it reads `buf`, so a never-touched page stays absent through the exit.
 *
 * The value is read after the call returned (KERNEL.md: p50 27–57 µs later, tails of milliseconds), so
 * another thread may have rewritten the memory by then: it is labelled, never presented as exact.
 *
 * On 6.18 only tp_btf programs may use bpf_wq (raw_tp, tracepoint and kprobe programs get "tracing progs
 * cannot use bpf_wq yet"), so with this mechanism the exit program is a tp_btf program on `sys_exit` instead
 * of a `syscalls:sys_exit_*` tracepoint: it runs at every syscall exit, and the pending map lookup by
 * pid_tgid, as before, tells whether this thread has a record waiting.
 *
 * bpf_wq_init allocates with kmalloc_nolock and fails with -ENOMEM most of the time on these VMs
 * (KERNEL.md), so each record kind has a fixed pool of slots initialised once at start (the runtime makes
 * syscalls while the exit program, seeing its tgid in `warmTgid`, initialises the slots a few at a time) and reused:
 *
 *   slot (array map value, BTF-typed so the kernel finds the special fields)
 *   0             16              24          32
 *   | bpf_wq (16) | task kptr (8) | state u64 | record (the pending record, copied) ... |
 *   state: 0 not initialised, 1 idle, 2 busy (claimed by an exit program until its callback has run)
 *
 *   counters (array map `wq_ctl`, one 72-byte entry per record kind, all u64)
 *   0 warmTgid | 8 next | 16 ready | 24 started | 32 done | 40 busy (no slot claimed) | 48 initFailed | 56 startFailed
 *   64 warmNext (the warm-up's cursor over the pool)
 *
 * The warm-up initialises WARM_SLOTS_PER_EXIT slots per syscall exit of the runtime, at a cursor that wraps
 * around the pool (so slots whose init failed are tried again on the next lap), in straight-line code: a loop
 * over the whole pool in one run made the verifier walk all 256 iterations (66k instructions, ~37 ms of
 * start-up on 6.18), this costs it a few hundred.
 *
 * A read that finds no free slot in CLAIM_ATTEMPTS tries (the pool is full, or bpf_wq_init keeps failing) or
 * cannot start the work stays lost and is sent at once: the pool is bounded, and so is the time spent here.
 */
import {
  alu64Imm, atomic, call, callKfunc, exit, jmpImm, jmpReg, ldFuncAddr, ldImm64, ldMapFd, ldx, link, mov64Imm, mov64Reg, R0, R1, R2, R3, R4,
  R5, R6, R7, R8, R10, type Reg, st, stx, alu64Reg, ja, type Item,
} from '../asm/index.js';
import { BTF_FUNC_GLOBAL, type BtfBuilder } from '../btf/index.js';
import type { MapSpec, ProgramSpec } from '../loader/index.js';
import type { ResolvedProbe } from '../passes/probes.js';
import { ProgramBuilder } from './builder.js';
import { completePending } from './deferred.js';
import { outputRecordAt } from './emit.js';
import { KPATH_WALK } from './kernel-path.js';
import { type DeferredRecord, PROVENANCE_DEFERRED } from './resources.js';

/** Slots per record kind: deferred reads in flight at once (a power of two). */
export const WQ_SLOTS = 256;

/** Byte offsets in a slot (see the file comment). */
export const WQ_SLOT = { wq: 0, task: 16, state: 24, record: 32 } as const;

/** Byte offsets of the u64 counters in a `wq_ctl` entry (see the file comment). */
export const WQ_CTL = { warmTgid: 0, next: 8, ready: 16, started: 24, done: 32, busy: 40, initFailed: 48, startFailed: 56, warmNext: 64, size: 72 } as const;

/** Name of the counters map. */
export const WQ_CTL_MAP = 'wq_ctl';

const STATE_IDLE = 1, STATE_BUSY = 2;

/** Slots a deferral tries before it gives up and leaves the read lost (busy, or its bpf_wq_init failed again). */
const CLAIM_ATTEMPTS = 4;
/** Slots the warm-up initialises per syscall exit of the runtime (unrolled: no loop for the verifier to walk). */
const WARM_SLOTS_PER_EXIT = 4;
const EBUSY = 16;

/**
 * Maps and exit programs of the deferred-read mechanism for `deferred` (each record gets its `wq`); their BTF
 * types (slot values, func_info) are added to `bb`, the collection's BTF, which the caller encodes.
 */
export function wqDeferredPrograms(deferred: readonly DeferredRecord[], bb: BtfBuilder): { maps: MapSpec[]; programs: ProgramSpec[] } {
  const int = bb.addInt('int', 4, 'signed');
  const u64 = bb.addInt('__u64', 8, 'unsigned');
  const u8 = bb.addInt('__u8', 1, 'unsigned');
  const voidPtr = bb.addPtr(0);
  const wq = bb.addSpecialStruct('bpf_wq');
  const task = bb.addKptr('task_struct');
  const maps: MapSpec[] = [{ name: WQ_CTL_MAP, kind: 'array', keySize: 4, valueSize: WQ_CTL.size, maxEntries: Math.max(1, deferred.length) }];
  const programs: ProgramSpec[] = [];
  deferred.forEach((d, i) => {
    d.wq = { poolMap: `wqp_${i}`, ctlIndex: i, slots: WQ_SLOTS };
    const recordBytes = Math.ceil(d.size / 8) * 8;
    const valueSize = WQ_SLOT.record + recordBytes;
    const slot = bb.addStruct(`siesta_wq_slot_${i}`, valueSize, [
      { name: 'wq', typeId: wq, bitOffset: WQ_SLOT.wq * 8 },
      { name: 'task', typeId: task, bitOffset: WQ_SLOT.task * 8 },
      { name: 'state', typeId: u64, bitOffset: WQ_SLOT.state * 8 },
      { name: 'record', typeId: bb.addArray(u8, recordBytes), bitOffset: WQ_SLOT.record * 8 },
    ]);
    maps.push({ name: d.wq.poolMap, kind: 'array', keySize: 4, valueSize, maxEntries: WQ_SLOTS, btfKeyTypeId: int, btfValueTypeId: slot });
    const name = `x${i}_exit`;
    const main = bb.addFunction(name, int, [{ name: 'ctx', typeId: voidPtr }], BTF_FUNC_GLOBAL).funcId;
    const cb = bb.addFunction(`${name}_cb`, int, [{ name: 'map', typeId: voidPtr }, { name: 'key', typeId: bb.addPtr(int) }, { name: 'value', typeId: voidPtr }]).funcId;
    const code = link(exitItems(d, name), name);
    // A third function is the kernel-path walk's bpf_loop callback (kernel-path.ts), placed after the wq callback.
    const walk = code.funcs.length > 2 ? [bb.addFunction(KPATH_WALK, bb.addInt('long', 8, 'signed'), [{ name: 'index', typeId: u64 }, { name: 'ctx', typeId: voidPtr }]).funcId] : [];
    programs.push({ name, kind: 'tp_btf', attachTo: 'sys_exit', code, funcTypeIds: [main, cb, ...walk] });
  });
  return { maps, programs };
}

/** The probe a deferred-read exit program attaches to (not written in the script): `sys_exit` as tp_btf. */
export function wqExitProbe(entry: ResolvedProbe): ResolvedProbe {
  return { probeIndex: entry.probeIndex, name: 'rawtracepoint:sys_exit', kind: 'rawtracepoint', context: 'may-sleep', loc: entry.loc, rawtracepoint: { name: 'sys_exit', args: [] } };
}

/** `*(u64 *)(reg + off) += 1`, atomically (counters are shared by every CPU and the callbacks). */
function bump(b: ProgramBuilder, reg: Reg, off: number): void {
  b.emit(mov64Imm(R1, 1), atomic('add', 8, reg, off, R1));
}

/** R8 = this record kind's counters, or a jump to `missing`. */
function loadCtl(b: ProgramBuilder, index: number, missing: string): void {
  const key = b.allocStack(8);
  b.emit(st(4, R10, key, index), ldMapFd(R1, WQ_CTL_MAP), mov64Reg(R2, R10), alu64Imm('add', R2, key), call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, missing), mov64Reg(R8, R0));
}

/**
 * Initialises the bpf_wq of the uninitialised slot at R6 (counters at R8) and marks it idle; on failure
 * counts it and jumps to `failed`. -EBUSY means another CPU initialised it first, which is as good.
 */
function initSlot(b: ProgramBuilder, pool: string, failed: string): void {
  const ok = b.newLabel('wq_ok'), counted = b.newLabel('wq_ready');
  b.emit(mov64Reg(R1, R6), ldMapFd(R2, pool), mov64Imm(R3, 0), callKfunc('bpf_wq_init'),
    jmpImm('jeq', R0, 0, ok), jmpImm('jeq', R0, -EBUSY, ok));
  bump(b, R8, WQ_CTL.initFailed);
  b.emit(ja(failed));
  b.mark(ok);
  // Count the slot once: only the CPU that moves it from 0 to idle does.
  b.emit(mov64Imm(R0, 0), mov64Imm(R1, STATE_IDLE), atomic('cmpxchg', 8, R6, WQ_SLOT.state, R1), jmpImm('jne', R0, 0, counted));
  bump(b, R8, WQ_CTL.ready);
  b.mark(counted);
}

/** Instructions of the exit program of `d`: re-read at exit, then defer what is still lost; then the callback. */
function exitItems(d: DeferredRecord, name: string): Item[] {
  const wq = d.wq!;
  const b = new ProgramBuilder(name);
  const done = b.newLabel('done'), miss = b.newLabel('miss'), send = b.newLabel('send'), forget = b.newLabel('forget');
  const defer = b.newLabel('defer'), claimed = b.newLabel('claimed'), arm = b.newLabel('arm');
  const release = b.newLabel('release'), started = b.newLabel('started'), cb = `${name}_cb`;
  // tp_btf sys_exit(struct pt_regs *regs, long ret): the return value is the second u64 of the context.
  const key = completePending(b, d, 8, miss);
  for (const f of d.fixups) b.emit(ldx(8, R1, R7, f.statusOffset), jmpImm('jslt', R1, 0, defer));
  b.mark(send);
  outputRecordAt(b, (reg) => b.emit(mov64Reg(reg, R7)), d.size);
  b.mark(forget);
  b.emit(ldMapFd(R1, d.pendingMap), mov64Reg(R2, R10), alu64Imm('add', R2, key), call('map_delete_elem'), ja(done));

  // Still lost after the exit re-read: claim a slot, trying the next ones of the pool round-robin.
  b.mark(defer);
  loadCtl(b, wq.ctlIndex, send);
  const slotKey = b.allocStack(8);
  for (let a = 0; a < CLAIM_ATTEMPTS; a++) {
    const next = b.newLabel('try'), claim = b.newLabel('claim');
    b.emit(mov64Imm(R1, 1), atomic('fetch_add', 8, R8, WQ_CTL.next, R1), alu64Imm('and', R1, wq.slots - 1), stx(4, R10, slotKey, R1),
      ldMapFd(R1, wq.poolMap), mov64Reg(R2, R10), alu64Imm('add', R2, slotKey), call('map_lookup_elem'), jmpImm('jeq', R0, 0, next),
      mov64Reg(R6, R0), ldx(8, R1, R6, WQ_SLOT.state), jmpImm('jne', R1, 0, claim));
    initSlot(b, wq.poolMap, next); // missed by the warm-up: one more try
    b.mark(claim);
    b.emit(mov64Imm(R0, STATE_IDLE), mov64Imm(R1, STATE_BUSY), atomic('cmpxchg', 8, R6, WQ_SLOT.state, R1), jmpImm('jeq', R0, STATE_IDLE, claimed));
    b.mark(next);
  }
  bump(b, R8, WQ_CTL.busy);
  b.emit(ja(send));
  b.mark(claimed);
  // The slot is ours until its callback marks it idle: copy the record, hold the task, start the work.
  b.emit(mov64Reg(R1, R6), alu64Imm('add', R1, WQ_SLOT.record), mov64Imm(R2, d.size), mov64Reg(R3, R7), call('probe_read_kernel'),
    jmpImm('jne', R0, 0, release), call('get_current_task_btf'), mov64Reg(R1, R0), callKfunc('bpf_task_acquire'), jmpImm('jeq', R0, 0, release),
    mov64Reg(R2, R0), mov64Reg(R1, R6), alu64Imm('add', R1, WQ_SLOT.task), call('kptr_xchg'), jmpImm('jeq', R0, 0, arm),
    mov64Reg(R1, R0), callKfunc('bpf_task_release'));
  b.mark(arm);
  b.emit(mov64Reg(R1, R6), ldFuncAddr(R2, cb), mov64Imm(R3, 0), mov64Imm(R4, 0), callKfunc('bpf_wq_set_callback_impl'),
    mov64Reg(R1, R6), mov64Imm(R2, 0), callKfunc('bpf_wq_start'), jmpImm('jeq', R0, 0, started));
  bump(b, R8, WQ_CTL.startFailed);
  b.mark(release);
  b.emit(st(8, R6, WQ_SLOT.state, STATE_IDLE), ja(send));
  b.mark(started);
  bump(b, R8, WQ_CTL.started);
  b.emit(ja(forget));

  // No pending record: the runtime's warm-up asks, through warmTgid, to initialise the whole pool.
  b.mark(miss);
  loadCtl(b, wq.ctlIndex, done);
  b.emit(ldx(8, R1, R8, WQ_CTL.warmTgid), jmpImm('jeq', R1, 0, done), ldx(8, R2, R10, key), alu64Imm('rsh', R2, 32), jmpReg('jne', R1, R2, done));
  for (let n = 0; n < WARM_SLOTS_PER_EXIT; n++) {
    const next = b.newLabel('warm_next');
    b.emit(mov64Imm(R1, 1), atomic('fetch_add', 8, R8, WQ_CTL.warmNext, R1), alu64Imm('and', R1, wq.slots - 1), stx(4, R10, slotKey, R1),
      ldMapFd(R1, wq.poolMap), mov64Reg(R2, R10), alu64Imm('add', R2, slotKey), call('map_lookup_elem'), jmpImm('jeq', R0, 0, next),
      mov64Reg(R6, R0), ldx(8, R1, R6, WQ_SLOT.state), jmpImm('jne', R1, 0, next));
    initSlot(b, wq.poolMap, next);
    b.mark(next);
  }
  b.mark(done);
  b.emit(mov64Imm(R0, 0), exit());

  // The callback (sleepable, in a kworker): cb(map, key, value = the slot).
  b.mark(cb);
  const finish = b.newLabel('finish');
  b.emit(mov64Reg(R6, R3), mov64Reg(R1, R6), alu64Imm('add', R1, WQ_SLOT.task), mov64Imm(R2, 0), call('kptr_xchg'),
    jmpImm('jeq', R0, 0, finish), mov64Reg(R7, R0));
  for (const f of d.fixups) {
    const status = WQ_SLOT.record + f.statusOffset, next2 = b.newLabel('dfix'), store = b.newLabel('dstore');
    b.emit(ldx(8, R1, R6, status), jmpImm('jsge', R1, 0, next2),
      mov64Reg(R1, R6), alu64Imm('add', R1, WQ_SLOT.record + f.offset), mov64Imm(R2, f.size), ldx(8, R3, R6, status + 8), mov64Reg(R4, R7), mov64Imm(R5, 0),
      // bpf_copy_from_user_task is a sleepable helper (5.18), its _str sibling a kfunc (6.14).
      f.str ? callKfunc('bpf_copy_from_user_task_str') : call('copy_from_user_task'), jmpImm('jslt', R0, 0, store));
    if (!f.str) b.emit(mov64Imm(R0, f.size));
    b.emit(ldImm64(R1, BigInt(PROVENANCE_DEFERRED)), alu64Reg('or', R0, R1));
    b.mark(store);
    b.emit(stx(8, R6, status, R0));
    b.mark(next2);
  }
  b.emit(mov64Reg(R1, R7), callKfunc('bpf_task_release'));
  outputRecordAt(b, (reg) => b.emit(mov64Reg(reg, R6), alu64Imm('add', reg, WQ_SLOT.record)), d.size);
  b.mark(finish);
  b.emit(st(8, R6, WQ_SLOT.state, STATE_IDLE));
  loadCtl(b, wq.ctlIndex, `${finish}_out`);
  bump(b, R8, WQ_CTL.done);
  b.mark(`${finish}_out`);
  b.emit(mov64Imm(R0, 0), exit());
  b.finish(); // the kernel-path walk's callback, after the wq callback
  return b.items;
}

/**
 * Exit re-reads (reliable reads, mechanism c): for each output record that may wait for its syscall's exit,
 * a program on the exit tracepoint takes the pending record of this thread, retries every user read that
 * failed at entry (the kernel read the same memory during the call, so its pages are resident now), marks
 * each retried value as recovered at exit or lost, and sends the record.
 *
 * Pending record (hash map value, keyed by pid_tgid): the output record itself, whose user-read status
 * slots are { s64 result; u64 user address }.
 */
import {
  alu64Imm, alu64Reg, call, exit, jmpImm, ldImm64, ldMapFd, ldx, link, mov64Imm, mov64Reg, R0, R1, R2, R3, R7, R10, stx,
} from '../asm/index.js';
import type { ProgramSpec } from '../loader/index.js';
import type { ResolvedProbe } from '../passes/probes.js';
import { ProgramBuilder } from './builder.js';
import { outputRecordAt } from './emit.js';
import { emitKernelPaths, saveReturnValue } from './kernel-path.js';
import { type DeferredRecord, PROVENANCE_EXIT } from './resources.js';

/** The program that completes `d` at its syscall's exit. */
export function exitProgram(d: DeferredRecord, index: number): ProgramSpec {
  const name = `x${index}_exit`;
  const b = new ProgramBuilder(name);
  const done = b.newLabel('done');
  // trace_event_raw_sys_exit: the return value is the long at offset 16.
  const key = completePending(b, d, 16, done);
  // Send the completed record (batched wake-ups, as every record), then forget it.
  outputRecordAt(b, (reg) => b.emit(mov64Reg(reg, R7)), d.size);
  b.emit(ldMapFd(R1, d.pendingMap), mov64Reg(R2, R10), alu64Imm('add', R2, key), call('map_delete_elem'));
  b.mark(done);
  b.emit(mov64Imm(R0, 0), exit());
  b.finish(); // the kernel-path walk's callback, if any
  return { name, kind: 'tracepoint', code: link(b.items, name) };
}

/**
 * The start of every exit program: looks up this thread's pending record (jumping to `miss` when there is none),
 * leaves it in R7, re-reads what failed at entry and, for fd-returning calls, fills still-lost paths from the
 * returned fd (the return value is the u64 at ctx+`retOff`). Returns the stack slot holding the map key.
 */
export function completePending(b: ProgramBuilder, d: DeferredRecord, retOff: number, miss: string): number {
  const ret = d.kernelPath ? saveReturnValue(b, retOff) : null;
  const key = b.allocStack(8);
  b.emit(call('get_current_pid_tgid'), stx(8, R10, key, R0), ldMapFd(R1, d.pendingMap), mov64Reg(R2, R10), alu64Imm('add', R2, key),
    call('map_lookup_elem'), jmpImm('jeq', R0, 0, miss), mov64Reg(R7, R0));
  emitExitRereads(b, d);
  if (ret !== null) emitKernelPaths(b, d, ret);
  return key;
}

/** Retries each user read of the pending record at R7 that failed at entry, marking it `exit` or leaving it lost. */
function emitExitRereads(b: ProgramBuilder, d: DeferredRecord): void {
  for (const f of d.fixups) {
    const next = b.newLabel('fix');
    const ok = b.newLabel('fixok');
    b.emit(ldx(8, R1, R7, f.statusOffset), jmpImm('jsge', R1, 0, next));
    b.emit(mov64Reg(R1, R7), alu64Imm('add', R1, f.offset), mov64Imm(R2, f.size), ldx(8, R3, R7, f.statusOffset + 8),
      call(f.str ? 'probe_read_user_str' : 'probe_read_user'), jmpImm('jslt', R0, 0, `${ok}_lost`));
    if (!f.str) b.emit(mov64Imm(R0, f.size));
    b.emit(ldImm64(R1, BigInt(PROVENANCE_EXIT)), alu64Reg('or', R0, R1));
    b.mark(`${ok}_lost`);
    b.emit(stx(8, R7, f.statusOffset, R0));
    b.mark(next);
  }
}

/** The probe an exit program attaches to (not written in the script). */
export function exitProbe(d: DeferredRecord, entry: ResolvedProbe): ResolvedProbe {
  return {
    probeIndex: entry.probeIndex,
    name: `tracepoint:${d.exit.category}:${d.exit.event}`,
    kind: 'tracepoint',
    context: 'may-sleep',
    loc: entry.loc,
    tracepoint: { category: d.exit.category, event: d.exit.event, args: { kind: 'record', name: 'exit', size: 0, fields: [], union: false, space: 'kernel' } },
  };
}

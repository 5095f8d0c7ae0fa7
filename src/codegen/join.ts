/**
 * join(argv[, sep]) and ntop([af, ]addr).
 *
 * join reads up to JOIN_ARGS string pointers from a NULL-terminated array (execve's argv) and the strings
 * they point to, and sends them in one record; the runtime joins them with `sep` and prints a line:
 *
 *   0     4     8           16                          16 + n*size         + 8
 *   | kind| id  | u64 count | string slots, `size` each | s64 status (first failed read's -errno, else 0) |
 *
 * ntop stores an inet value: u64 family (AF_INET unless given or a char[16] address) then 16 address bytes.
 */
import { alu64Imm, call, ja, jmpImm, ldx, mov64Imm, R0, R1, R2, R3, R10, st, stx } from '../asm/index.js';
import type { Call, Expr } from '../lang/index.js';
import { SCRATCH } from './builder.js';
import { eventHeader, outputRecord, reload, scratchPtr, spill, stackPtr, zeroScratch } from './emit.js';
import { sizeOf } from '../types/types.js';
import type { ProbeCodegen } from './probe.js';
import { EVENT, EVENT_HEADER } from './resources.js';

/** Strings join() reads at most, and bytes kept of each (longer ones are cut, as bpftrace cuts them). */
export const JOIN_ARGS = 16, JOIN_ARG_SIZE = 256;

/** AF_INET and AF_INET6 (include/linux/socket.h). */
const AF_INET = 2, AF_INET6 = 10;

/** Whether the array argument of join() is in user memory: a user pointer, or any address in a uprobe or syscall tracepoint. */
function userSpace(g: ProbeCodegen, e: Expr): boolean {
  const t = g.type(e);
  if (t.kind === 'pointer') return t.space === 'user';
  const p = g.pt.probe;
  return p.kind === 'uprobe' || p.kind === 'uretprobe' || (p.kind === 'tracepoint' && p.tracepoint?.category === 'syscalls');
}

/** Generates join(): reads the strings and sends the record (see the file comment). */
export function genJoin(g: ProbeCodegen, c: Call): void {
  const b = g.b;
  const sep = c.args[1]?.kind === 'String' ? c.args[1].value : ' ';
  const size = EVENT_HEADER + 8 + JOIN_ARGS * JOIN_ARG_SIZE + 8;
  const id = g.res.addJoin({ sep, argNum: JOIN_ARGS, argSize: JOIN_ARG_SIZE, size });
  const user = userSpace(g, c.args[0]!);
  g.scalar(c.args[0]!);
  const base = spill(b);
  const rec = b.allocScratch(size);
  const status = rec + size - 8;
  // Only the count and the status need zeroes: slots past the count are never decoded.
  zeroScratch(b, rec + EVENT_HEADER, 8);
  zeroScratch(b, status, 8);
  const ptr = b.allocStack(8);
  const done = b.newLabel('join_done'), failed = b.newLabel('join_fail');
  for (let i = 0; i < JOIN_ARGS; i++) {
    stackPtr(b, R1, ptr);
    reload(b, base, R3);
    b.emit(mov64Imm(R2, 8), alu64Imm('add', R3, i * 8), call(user ? 'probe_read_user' : 'probe_read_kernel'), jmpImm('jslt', R0, 0, failed),
      ldx(8, R3, R10, ptr), jmpImm('jeq', R3, 0, done));
    scratchPtr(b, R1, rec + EVENT_HEADER + 8 + i * JOIN_ARG_SIZE);
    b.emit(mov64Imm(R2, JOIN_ARG_SIZE), call(user ? 'probe_read_user_str' : 'probe_read_kernel_str'), jmpImm('jslt', R0, 0, failed),
      st(8, SCRATCH, rec + EVENT_HEADER, i + 1));
  }
  b.emit(ja(done));
  b.mark(failed);
  b.emit(stx(8, SCRATCH, status, R0));
  b.mark(done);
  eventHeader(b, rec, EVENT.join, id);
  outputRecord(b, rec, size);
}

/** Generates ntop([af, ]addr) into the 24 bytes of scratch at `dst`. */
export function genNtop(g: ProbeCodegen, c: Call, dst: number): void {
  const b = g.b;
  const addr = c.args[c.args.length - 1]!;
  const t = g.type(addr);
  zeroScratch(b, dst, 24);
  // The address bytes as they are: a string-typed `__u8[4]` field must not stop at its first zero byte.
  if (t.kind === 'array' || t.kind === 'string') g.copyPlace(g.placeOf(addr), dst + 8, Math.min(16, sizeOf(t)), false);
  else {
    g.scalar(addr);
    b.emit(stx(4, SCRATCH, dst + 8, R0));
  }
  if (c.args.length === 2) {
    g.scalar(c.args[0]!);
    b.emit(stx(8, SCRATCH, dst, R0));
  } else b.emit(st(8, SCRATCH, dst, sizeOf(t) === 16 ? AF_INET6 : AF_INET));
}

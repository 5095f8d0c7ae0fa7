/**
 * kstack/ustack values and len(): a stack is collected with bpf_get_stackid into a BPF_MAP_TYPE_STACK_TRACE
 * map (one per frame limit, so a limited stack is hashed on its kept frames only, as the kernel truncates
 * before hashing) and stored as 8 bytes the runtime symbolises when it prints:
 *
 *   63            32 31             0
 *   | pid (ustack)  | s32 stack id   |   a negative id is -errno (e.g. -EEXIST on a hash collision)
 *
 * User frames are symbolised in the mappings of the process that was running, hence its pid. Also here:
 * len() of a map or a stack, and reads of the runtime-filled globals (cpid).
 */
import {
  alu64Imm, alu64Reg, call, exit, jmpImm, ldFuncAddr, ldMapFd, ldx, mov32Reg, mov64Imm, mov64Reg, R0, R1, R2, R3, R4, R10, st,
} from '../asm/index.js';
import type { Expr } from '../lang/index.js';
import { DEFAULT_STACK_LIMIT, type Type } from '../types/types.js';
import { CodegenError, CTX } from './builder.js';
import { GLOBALS_MAP, reload, scratchPtr, spill } from './emit.js';
import { checkHelperResult } from './helper-errors.js';
import type { ProbeCodegen } from './probe.js';

/** bpf_get_stackid/bpf_get_stack flag: the user stack instead of the kernel's (include/uapi/linux/bpf.h). */
const BPF_F_USER_STACK = 1 << 8;

type StackType = Extract<Type, { kind: 'stack' }>;

/** R0 = the 8-byte value of a kstack/ustack of type `t` (see the file comment). */
export function genStack(g: ProbeCodegen, t: StackType): void {
  const b = g.b;
  const map = g.res.stackMap(t.limit ?? DEFAULT_STACK_LIMIT);
  b.emit(mov64Reg(R1, CTX), ldMapFd(R2, map), mov64Imm(R3, t.user ? BPF_F_USER_STACK : 0), call('get_stackid'));
  checkHelperResult(g, 'get_stackid');
  if (!t.user) {
    b.emit(mov32Reg(R0, R0));
    return;
  }
  const id = spill(b);
  b.emit(call('get_current_pid_tgid'), alu64Imm('rsh', R0, 32), alu64Imm('lsh', R0, 32));
  reload(b, id, R1);
  b.emit(mov32Reg(R1, R1), alu64Reg('or', R0, R1));
}

/**
 * R0 = len(e): the number of elements of a map (bpf_for_each_map_elem, 5.13, returns how many it visited;
 * its callback only continues), or the depth of the stack at this probe (bpf_get_stack's byte count / 8).
 */
export function genLen(g: ProbeCodegen, e: Expr): void {
  const b = g.b;
  if (e.kind === 'Map' && !e.indexed) {
    const sm = g.res.map(e.name);
    const callback = b.newLabel('len_cb');
    b.subprog(() => {
      b.mark(callback);
      b.emit(mov64Imm(R0, 0), exit());
    });
    b.emit(ldMapFd(R1, sm.bpfName), ldFuncAddr(R2, callback), mov64Imm(R3, 0), mov64Imm(R4, 0), call('for_each_map_elem'));
    return;
  }
  const t = g.type(e);
  if (t.kind !== 'stack') throw new CodegenError('len() of a value that is neither a map nor a stack');
  const limit = t.limit ?? DEFAULT_STACK_LIMIT;
  const buf = b.allocScratch(limit * 8);
  const done = b.newLabel('len_done');
  b.emit(mov64Reg(R1, CTX));
  scratchPtr(b, R2, buf);
  b.emit(mov64Imm(R3, limit * 8), mov64Imm(R4, t.user ? BPF_F_USER_STACK : 0), call('get_stack'),
    mov64Reg(R1, R0), mov64Imm(R0, 0), jmpImm('jslt', R1, 0, done), mov64Reg(R0, R1), alu64Imm('rsh', R0, 3));
  b.mark(done);
}

/** R0 = slot `index` of the globals array the runtime fills before attaching (0 when absent). */
export function genGlobal(g: ProbeCodegen, index: number): void {
  const b = g.b;
  const key = b.allocStack(8);
  const none = b.newLabel('noglob');
  b.emit(st(4, R10, key, index), ldMapFd(R1, GLOBALS_MAP), mov64Reg(R2, R10), alu64Imm('add', R2, key), call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, none), ldx(8, R0, R0, 0));
  b.mark(none);
}

/**
 * `for ($kv : @map) { body }`: the body becomes a callback subprogram of bpf_for_each_map_elem (5.13), which
 * calls it once per element with (map, key, value, callback_ctx); it returns 0 to go on and 1 to stop.
 *
 * bpftrace passes the loop body a context struct of pointers to the enclosing probe's variables it uses, so
 * the body reads and writes the probe's own variables. Here the context is the probe's stack frame itself:
 * callback_ctx points into the caller's frame, the callback keeps that frame's address in R8 and every
 * R10-relative access of the body is rewritten to R8. The body thus shares the caller's slots (variables,
 * spills, the saved context and scratch pointers) and uses no stack of its own, so the combined stack of the
 * call chain stays within the 512-byte limit the verifier applies to it. Loops nest the same way: an inner
 * callback receives a pointer into the same, outermost frame.
 *
 *   caller frame (R10 in the probe, R8 in every callback)
 *     [stop]      1 when the body called exit(): the caller stops the probe once the iteration ends
 *     [ctxSave]   R6, the probe's context, reloaded by the callback (verifier fills keep its type)
 *     [scrSave]   R9, this CPU's scratch buffer
 *
 * Per-CPU aggregation maps (count, sum, min, max, avg) hand the callback the current CPU's value only; the
 * loop value is the total over every CPU, as bpftrace prints it, read with bpf_map_lookup_percpu_elem (5.19).
 */
import {
  alu64Imm, call, jmpImm, ldFuncAddr, ldMapFd, ldx, mov64Imm, mov64Reg, R0, R1, R2, R3, R4, R6, R7, R9, R10,
  type Reg, st, stx,
} from '../asm/index.js';
import type { For, MapRef } from '../lang/index.js';
import { sizeOf, type Type } from '../types/types.js';
import { CodegenError, SCRATCH } from './builder.js';
import { scratchPtr, zeroScratch } from './emit.js';
import { percpuValue } from './maps.js';
import { endCallback, FRAME, rebaseFrame } from './loop-callback.js';
import type { ProbeCodegen } from './probe.js';



/** Copies `size` bytes at the pointer in `from` to scratch at `dst` (unrolled when small, else one read helper). */
function copyFrom(g: ProbeCodegen, from: Reg, dst: number, size: number): void {
  const b = g.b;
  if (size > 64) {
    b.emit(mov64Reg(R3, from));
    scratchPtr(b, R1, dst);
    b.emit(mov64Imm(R2, size), call('probe_read_kernel'));
    return;
  }
  let off = 0;
  for (const w of [8, 4, 2, 1] as const) {
    while (size - off >= w) {
      b.emit(ldx(w, R0, from, off), stx(w, SCRATCH, dst + off, R0));
      off += w;
    }
  }
}

/** Generates `for ($kv : @map) body` at the current point of `g`. */
export function genForMap(g: ProbeCodegen, s: For): void {
  const b = g.b;
  const m = s.iterable as MapRef;
  const sm = g.res.map(m.name);
  const kvType = g.pt.exprs.get(s.variable.id);
  if (!kvType || kvType.kind !== 'tuple') throw new CodegenError(`for loop over ${m.name}: no type for ${s.variable.name}`);
  const frame = g.frameSlots();
  const stop = b.allocStack(8);
  // The loop variable lives in scratch, sized for this loop's map (a later loop may reuse the name with another map).
  const kvOff = b.allocScratch(kvType.size);
  const cb = b.newLabel('for_each_cb');

  b.emit(stx(8, R10, frame.ctx, R6), stx(8, R10, frame.scratch, R9), st(8, R10, stop, 0),
    ldMapFd(R1, sm.bpfName), ldFuncAddr(R2, cb), mov64Reg(R3, R10), alu64Imm('add', R3, stop), mov64Imm(R4, 0), call('for_each_map_elem'),
    ldx(8, R0, R10, stop), jmpImm('jne', R0, 0, g.exitLabel));

  b.subprog(() => {
    b.mark(cb);
    b.emit(mov64Reg(FRAME, R4), alu64Imm('add', FRAME, -stop), ldx(8, R9, FRAME, frame.scratch), ldx(8, R6, FRAME, frame.ctx));
    // Written with R10 so that rebaseFrame turns them into the caller's slots like the rest of the body.
    const keyType = kvType.elems[0]!, valueType: Type = kvType.elems[1]!;
    const keyOff = kvOff + kvType.offsets[0]!, valueOff = kvOff + kvType.offsets[1]!;
    b.emit(mov64Reg(R7, R3));
    zeroScratch(b, kvOff, kvType.size);
    copyFrom(g, R2, keyOff, Math.min(sizeOf(keyType), sm.keySize));
    if (sm.agg) {
      // The map key is the loop variable's copy of it: scratch is map memory, which lookups accept as a key.
      percpuValue(g, sm, keyOff);
      b.emit(stx(8, SCRATCH, valueOff, R0));
    } else copyFrom(g, R7, valueOff, Math.min(sizeOf(valueType), sm.valueSize));

    const brk = b.newLabel('for_each_break'), cont = b.newLabel('for_each_next'), stopped = b.newLabel('for_each_exit');
    const saved = { exit: g.exitLabel, var: g.vars.get(s.variable.name) };
    g.exitLabel = stopped;
    g.vars.set(s.variable.name, { scratch: kvOff, type: kvType });
    g.loops.push({ brk, cont });
    try {
      g.stmt(s.body);
    } finally {
      g.loops.pop();
      g.exitLabel = saved.exit;
      if (saved.var) g.vars.set(s.variable.name, saved.var);
      else g.vars.delete(s.variable.name);
    }
    endCallback(g, { cont, brk, stopped, stop });
  }, rebaseFrame);
}

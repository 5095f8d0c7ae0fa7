/**
 * `for ($i : start..end) { body }`: $i takes start, start+1, ... end-1 (nothing when end <= start); both bounds
 * are evaluated once, before the first iteration.
 *
 * A loop over a short range of constants is generated inline: the verifier walks each iteration, which costs
 * little for a few. Any other range (a bound known only at run time, `0..$n` or `0..@n`, or a long one) becomes
 * a callback of bpf_loop (5.17), as bpftrace compiles range loops: generated inline, the verifier cannot
 * bound the iterations and gives up ("The sequence of 8193 jumps is too complex"), while bpf_loop's callback is
 * verified on its own. bpf_loop calls it with (index, callback_ctx) for index 0..nr_loops-1 and stops when it
 * returns 1; it refuses more than 1 << 23 iterations (-E2BIG, none run).
 *
 * The callback shares the probe's frame exactly as a loop over a map does (for-map.ts): callback_ctx is the
 * address of the `stop` slot in the caller's frame, the callback rebuilds the frame address in R8 from it, and
 * every R10-relative access of the body is rewritten to R8, so the body reads and writes the probe's own
 * variables and uses no stack of its own.
 *
 *   caller frame (R10 in the probe, R8 in the callback)
 *     [stop]      1 when the body called exit(): the caller stops the probe once bpf_loop returns
 *     [start]     the range's first value: $i = start + index
 *     [ctxSave]   R6, the probe's context          (shared with loops over maps: ProbeCodegen.frameSlots)
 *     [scrSave]   R9, this CPU's scratch buffer
 */
import { alu64Imm, alu64Reg, call, ja, jmpImm, jmpReg, ldFuncAddr, ldx, mov64Imm, mov64Reg, R0, R1, R2, R3, R4, R6, R9, R10, st, stx } from '../asm/index.js';
import type { For, Range } from '../lang/index.js';
import { constantInt } from '../passes/typecheck-calls.js';
import { CodegenError } from './builder.js';
import { reload, spill } from './emit.js';
import { endCallback, FRAME, rebaseFrame } from './loop-callback.js';
import type { ProbeCodegen } from './probe.js';

/** Ranges of constants up to this many iterations are generated inline (the verifier walks every one). */
export const INLINE_RANGE_MAX = 32;

/** Label prefix of bpf_loop callbacks: func-info.ts gives them bpf_loop's callback prototype. */
export const LOOP_CALLBACK_PREFIX = 'range_loop_cb';



/** Whether a range loop is generated inline: both bounds constants, at most INLINE_RANGE_MAX iterations. */
export function inlineRange(r: Range, params: readonly string[]): boolean {
  const from = constantInt(r.start, params), to = constantInt(r.end, params);
  return from !== null && to !== null && to - from <= BigInt(INLINE_RANGE_MAX);
}

/** Generates `for ($i : a..b) body` at the current point of `g`. */
export function genForRange(g: ProbeCodegen, s: For): void {
  const r = s.iterable as Range;
  if (inlineRange(r, g.options.params)) genInline(g, s, r);
  else genBpfLoop(g, s, r);
}

function genInline(g: ProbeCodegen, s: For, r: Range): void {
  const b = g.b;
  const v = g.varSlot(s.variable.name, g.pt.vars.get(s.variable.name)!);
  g.scalar(r.end);
  const endSlot = spill(b);
  g.scalar(r.start);
  b.emit(stx(8, R10, v.slot!, R0));
  const top = b.newLabel('for'), next = b.newLabel('fnext'), end = b.newLabel('fend');
  b.mark(top);
  reload(b, v.slot!, R0);
  reload(b, endSlot, R1);
  b.emit(jmpReg('jsge', R0, R1, end));
  g.loops.push({ brk: end, cont: next });
  g.stmt(s.body);
  g.loops.pop();
  b.mark(next);
  reload(b, v.slot!, R0);
  b.emit(alu64Imm('add', R0, 1), stx(8, R10, v.slot!, R0), ja(top));
  b.mark(end);
}

function genBpfLoop(g: ProbeCodegen, s: For, r: Range): void {
  const b = g.b;
  if (g.options.bpfLoop && !g.options.bpfLoop()) {
    throw new CodegenError(`this range needs the bpf_loop helper (Linux 5.17), which this kernel does not offer: only ranges of constants of at most ${INLINE_RANGE_MAX} iterations can be looped over without it`, r.loc);
  }
  const v = g.varSlot(s.variable.name, g.pt.vars.get(s.variable.name)!);
  if (v.slot === undefined) throw new CodegenError(`loop variable ${s.variable.name} is not a scalar`);
  const frame = g.frameSlots();
  const stop = b.allocStack(8), start = b.allocStack(8);
  const cb = b.newLabel(LOOP_CALLBACK_PREFIX), skip = b.newLabel('range_skip');

  g.scalar(r.end);
  const endSlot = spill(b);
  g.scalar(r.start);
  b.emit(stx(8, R10, start, R0));
  reload(b, endSlot, R1);
  // nr_loops = end - start, nothing when end <= start (signed, as the inline loop compares).
  b.emit(jmpReg('jsle', R1, R0, skip), alu64Reg('sub', R1, R0),
    stx(8, R10, frame.ctx, R6), stx(8, R10, frame.scratch, R9), st(8, R10, stop, 0),
    ldFuncAddr(R2, cb), mov64Reg(R3, R10), alu64Imm('add', R3, stop), mov64Imm(R4, 0), call('loop'),
    ldx(8, R0, R10, stop), jmpImm('jne', R0, 0, g.exitLabel));
  b.mark(skip);

  b.subprog(() => {
    b.mark(cb);
    // R1 = index, R2 = callback_ctx (&stop in the caller's frame).
    b.emit(mov64Reg(FRAME, R2), alu64Imm('add', FRAME, -stop), ldx(8, R9, FRAME, frame.scratch), ldx(8, R6, FRAME, frame.ctx));
    // Written with R10 so that rebaseFrame turns them into the caller's slots like the rest of the body.
    b.emit(ldx(8, R0, R10, start), alu64Reg('add', R0, R1), stx(8, R10, v.slot!, R0));
    const brk = b.newLabel('range_break'), cont = b.newLabel('range_next'), stopped = b.newLabel('range_exit');
    const savedExit = g.exitLabel;
    g.exitLabel = stopped;
    g.loops.push({ brk, cont });
    try {
      g.stmt(s.body);
    } finally {
      g.loops.pop();
      g.exitLabel = savedExit;
    }
    endCallback(g, { cont, brk, stopped, stop });
  }, rebaseFrame);
}

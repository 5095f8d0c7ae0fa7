/**
 * What the two kinds of callback loop share (for-map.ts: bpf_for_each_map_elem; for-range.ts: bpf_loop): the
 * body is a subprogram that works in its caller's stack frame, and how its endings report to the caller.
 *
 * The callback gets a pointer into the caller's frame (`&stop`, a u64 in the caller's frame) through the
 * helper's context argument, keeps the caller's frame base in FRAME, and every R10-relative instruction of the
 * body is rewritten to be FRAME-relative (rebaseFrame), so the body reads and writes the probe's own variables.
 *
 * Endings: return 0 = next element/iteration; return 1 = stop (break); `exit()` inside the body stores 1 into
 * the caller's `stop` slot before returning 1, and the caller then jumps to its own exit.
 */
import { exit, type Insn, mov64Imm, R0, R8, R10, type Reg, st } from '../asm/index.js';
import type { ProbeCodegen } from './probe.js';

/** The register a callback holds the caller's frame address in (callee-saved, unused elsewhere by codegen). */
export const FRAME: Reg = R8;

/** An instruction of a callback, with the caller's frame in place of its own: R10 → FRAME. */
export function rebaseFrame(insn: Insn): Insn {
  if (insn.src !== R10 && insn.dst !== R10) return insn;
  return { ...insn, ...(insn.src === R10 ? { src: FRAME } : {}), ...(insn.dst === R10 ? { dst: FRAME } : {}) };
}

/** The labels a callback body's `continue`, `break` and `exit()` jump to, and the caller's `stop` slot. */
export interface CallbackEnds {
  cont: string;
  brk: string;
  stopped: string;
  stop: number;
}

/**
 * Emits the callback's endings after its body, each only when something reaches it (the verifier rejects code
 * that can never run): falling off the body or `continue` → 0; `exit()` → stop = 1, then 1; `break` → 1.
 */
export function endCallback(g: ProbeCodegen, e: CallbackEnds): void {
  const b = g.b;
  if (b.reachable || b.jumpsTo(e.cont)) {
    b.mark(e.cont);
    b.emit(mov64Imm(R0, 0), exit());
  }
  const exits = b.jumpsTo(e.stopped);
  if (exits) {
    b.mark(e.stopped);
    b.emit(st(8, R10, e.stop, 1));
  }
  if (exits || b.jumpsTo(e.brk)) {
    b.mark(e.brk);
    b.emit(mov64Imm(R0, 1), exit());
  }
}

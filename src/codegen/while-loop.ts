/**
 * Making a `while` loop converge in the verifier when may_goto bounds it.
 *
 * A loop such as `while ($a < 100) { @n[$a % 3] = $a; $a++; }` starts with `$a` a known constant, so the
 * verifier predicts every evaluation of the condition and, having predicted a branch on `$a`, marks `$a`
 * precise. Each iteration then reaches the loop head with a different exact `$a` (0, 1, 2, ...) and no state
 * can prune another: the loop is unrolled. Unrolling is cheap only while the body never forks. Any branch in
 * the body (a failed map update reported as a warning, a ring-buffer record that may be dropped) forks each
 * iteration, and the branch it pushes must be pruned against a checkpoint of the same iteration. The
 * verifier keeps at most 64 states per instruction, so past 64 iterations the checkpoints are gone and each
 * pushed branch re-runs the rest of the loop: 100 iterations exceed the 1M-instruction limit
 * (measured on 6.18: 65 iterations take 22,375 instructions, 70 take 181,000, 80 fail).
 *
 * bpftrace's LLVM code escapes this because its loop bodies do not fork (bpftrace 0.17 checks no map update
 * result). siesta keeps its checks and instead hides the loop-carried values from the verifier: at the top of
 * each iteration, every integer variable the condition reads goes through the scratch buffer, a map value
 * whose contents the verifier does not track. The condition is then unknown to it and nothing marks the
 * counter precise, so the second pass over the body finds the state of the first and the loop converges in
 * two or three iterations; may_goto is what lets the verifier accept a condition it cannot predict. Values at
 * run time are unchanged (a store and a load of the same 8 bytes). siesta compiles no variable array index,
 * so no body needs an exact counter to pass a bounds check.
 */
import { ldx, R0, R10, stx } from '../asm/index.js';
import { type Expr, walk } from '../lang/index.js';
import { SCRATCH } from './builder.js';
import type { ProbeCodegen } from './probe.js';

/** The names of the variables `cond` reads. */
function conditionVariables(cond: Expr): Set<string> {
  const names = new Set<string>();
  walk(cond, (n) => {
    if (n.kind === 'Variable') names.add(n.name);
  });
  return names;
}

/**
 * Emits, at the top of a while loop bounded by may_goto, a round trip through scratch memory of every
 * integer variable `cond` reads (see the file comment). Pointers stay as they are: a pointer the verifier
 * types (a BTF object, a map value) must keep its type to be dereferenced.
 */
export function hideLoopCounters(g: ProbeCodegen, cond: Expr): void {
  let cell: number | undefined;
  for (const name of conditionVariables(cond)) {
    const v = g.vars.get(name);
    if (v?.slot === undefined || (v.type.kind !== 'int' && v.type.kind !== 'bool')) continue;
    cell ??= g.b.allocScratch(8);
    g.b.emit(ldx(8, R0, R10, v.slot), stx(8, SCRATCH, cell, R0), ldx(8, R0, SCRATCH, cell), stx(8, R10, v.slot, R0));
  }
}

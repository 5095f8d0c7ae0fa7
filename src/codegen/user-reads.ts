/**
 * Which values are reads of user memory, and how their provenance travels. A user read that lands in an output
 * record gets a status slot there (RecordArg.statusOffset: { s64 result; u64 user address }), which drives the
 * exit re-read (deferred.ts), the bpf_wq deferral (wq-deferred.ts), the text marks and the summary counts.
 *
 * A `str()` or `buf()` of user memory stored in a variable keeps the same 16-byte status in scratch beside the
 * variable, so `$p = str(args.filename); printf("%s", $p)` is labelled, re-read at exit and deferred exactly as
 * the direct form. Every assignment to such a variable writes its status: a value that is not a user read (a
 * literal, another string) writes PROVENANCE_NONE, which the decoder reports as no read at all.
 *
 * Not carried: scalars read through user pointers into variables (`$f = args.how->flags`), and user reads used
 * as map keys or values: a map entry outlives the event, and there is no record to re-read into. With a
 * `--reads` floor these are refused at compile time (checkStoredUserReads); without one they behave as in
 * bpftrace (a failed read stores the zero value). The README's "Reliable user-memory reads" says so.
 */
import { ldImm64, R1, stx } from '../asm/index.js';
import type { Diagnostics, Expr, Node, Program } from '../lang/index.js';
import { walk } from '../lang/index.js';
import type { ResolvedProbe } from '../passes/probes.js';
import type { TypedProgram } from '../passes/typecheck.js';
import { isScalar, sizeOf, type Type, unknown } from '../types/types.js';
import { SCRATCH } from './builder.js';
import { copyScratch } from './emit.js';
import type { ProbeCodegen } from './probe.js';

/**
 * Status result of a variable's value that is not a user read (bit 42; PROVENANCE_EXIT is bit 40 and
 * PROVENANCE_DEFERRED bit 41): non-negative, so no re-read or deferral touches it, and decoded as no provenance.
 */
export const PROVENANCE_NONE = 2 ** 42;

/**
 * How a value reads user memory: `size` bytes from the user address (`str`: as a string), stored `skip` bytes
 * after the value's start (a buffer's bytes follow its u32 length).
 */
export interface UserRead {
  size: number;
  str: boolean;
  skip: number;
}

/** What the read classification needs: the types of one attach point's expressions and the probe. */
interface TypeView {
  type(e: Expr): Type;
  readonly pt: { readonly probe: ResolvedProbe };
}

/** Whether a pointer-like argument of str()/buf() points into user memory at this probe. */
export function spaceOf(g: TypeView, e: Expr): 'kernel' | 'user' {
  const t = g.type(e);
  if (t.kind === 'pointer') return t.space;
  const k = g.pt.probe.kind;
  if (k === 'uprobe' || k === 'uretprobe') return 'user';
  if (k === 'tracepoint' && g.pt.probe.tracepoint?.category === 'syscalls') return 'user';
  return 'kernel';
}

/** The read behind a `str()`/`buf()` call of a user pointer, or null. */
function callRead(g: TypeView, e: Expr): UserRead | null {
  if (e.kind !== 'Call' || (e.name !== 'str' && e.name !== 'buf') || !e.args[0] || g.type(e.args[0]).kind === 'string') return null;
  if (spaceOf(g, e.args[0]) !== 'user') return null;
  const t = g.type(e);
  if (e.name === 'str') return { size: sizeOf(t), str: true, skip: 0 };
  return t.kind === 'buffer' ? { size: t.size, str: false, skip: 4 } : null;
}

/** A scalar read through a user pointer (`args.how->flags`, `*(int32 *)p`), or null. */
function scalarRead(g: TypeView, e: Expr): UserRead | null {
  const t = g.type(e);
  if (!isScalar(t)) return null;
  const base = e.kind === 'FieldAccess' ? e.expr : e.kind === 'Unary' && e.op === '*' ? e.operand : null;
  if (!base) return null;
  const bt = g.type(base);
  if (bt.kind !== 'pointer' || bt.space !== 'user') return null;
  return { size: Math.min(8, sizeOf(t)), str: false, skip: 0 };
}

/**
 * How `e` reads user memory when its value carries a status: str/buf of a user pointer, a scalar through a user
 * pointer, or a variable holding a user read (its status is in scratch, see varStatus).
 */
export function userReadOf(g: ProbeCodegen, e: Expr): UserRead | null {
  if (e.kind === 'Variable') return statusOf(g).get(e.name)?.read ?? null;
  return callRead(g, e) ?? scalarRead(g, e);
}

/** A variable's status slot in scratch and the read it describes. */
interface VarStatus {
  offset: number;
  read: UserRead;
}

const statuses = new WeakMap<ProbeCodegen, Map<string, VarStatus>>();

/**
 * The status slots of this program's variables that are ever assigned a str()/buf() of user memory (found once
 * by walking the probe, so that every assignment to them, in any branch, writes the status).
 */
function statusOf(g: ProbeCodegen): Map<string, VarStatus> {
  let m = statuses.get(g);
  if (m) return m;
  m = new Map();
  statuses.set(g, m);
  const found = m;
  // Until nothing changes: `$b = $a` carries when `$a` does, whichever comes first in the text.
  for (let changed = true; changed;) {
    changed = false;
    walk(g.ast.body as Node, (n) => {
      if ((n.kind !== 'AssignVar' && n.kind !== 'Let') || !n.value || (n.kind === 'AssignVar' && n.op) || found.has(n.target.name)) return;
      const read = n.value.kind === 'Variable' ? found.get(n.value.name)?.read : callRead(g, n.value);
      const vt: Type | undefined = g.pt.vars.get(n.target.name);
      // A variable whose type is wider than the read (assigned strings of several sizes) would be re-read
      // at its own size: carry only reads that fill the variable exactly.
      if (read && vt && !isScalar(vt) && sizeOf(vt) === read.size + read.skip) {
        found.set(n.target.name, { offset: g.b.allocScratch(16), read });
        changed = true;
      }
    });
  }
  return m;
}

/**
 * Writes the value of an assignment to aggregate variable `name` at its scratch `dst` through `into`, and keeps
 * the variable's status: the read's own status for a user read, a copy for another carrying variable, and
 * PROVENANCE_NONE for anything else.
 */
export function assignWithStatus(g: ProbeCodegen, name: string, value: Expr, into: (statusOff?: number) => void): void {
  const s = statusOf(g).get(name);
  if (!s) {
    into();
    return;
  }
  if (callRead(g, value)) {
    into(s.offset);
    return;
  }
  into();
  const from = value.kind === 'Variable' && value.name !== name ? statusOf(g).get(value.name) : undefined;
  if (from) copyScratch(g.b, s.offset, from.offset, 16);
  else if (value.kind !== 'Variable' || value.name !== name) g.b.emit(ldImm64(R1, BigInt(PROVENANCE_NONE)), stx(8, SCRATCH, s.offset, R1));
}

/** Copies the status of variable `e` (when it carries one) to `dst` in scratch (an output record's status slot). */
export function copyVarStatus(g: ProbeCodegen, e: Expr, dst: number): boolean {
  if (e.kind !== 'Variable') return false;
  const s = statusOf(g).get(e.name);
  if (!s) return false;
  copyScratch(g.b, dst, s.offset, 16);
  return true;
}

/** The first str()/buf() of user memory or scalar read through a user pointer within `e`, or null. */
function findRead(g: TypeView, e: Expr): Expr | null {
  let hit: Expr | null = null;
  walk(e as Node, (n) => {
    if (hit) return false;
    const x = n as Expr;
    if (callRead(g, x) || scalarRead(g, x)) hit = x;
    return hit === null;
  });
  return hit;
}

/**
 * Under a `--reads` floor, refuses user reads whose provenance cannot be carried to the output: a read used as a
 * map key or value (a map entry outlives the event and no record holds a status for it), and a scalar read
 * through a user pointer stored in a variable. Without a floor these behave as in bpftrace.
 */
export function checkStoredUserReads(program: Program, typed: TypedProgram, diags: Diagnostics, floor: 'any' | 'recovered' | 'exact'): void {
  if (floor === 'any') return;
  const reported = new Set<number>();
  for (const pt of typed.probes) {
    const view: TypeView = {
      type: (e) => pt.exprs.get(e.id) ?? unknown,
      pt,
    };
    const body = program.probes[pt.probe.probeIndex]?.body;
    if (!body) continue;
    walk(body as Node, (n) => {
      let hit: Expr | null = null, where = '';
      if (n.kind === 'AssignMap') {
        for (const k of n.target.keys) hit ??= findRead(view, k);
        hit ??= findRead(view, n.value);
        where = `stored in ${n.target.name}`;
      } else if ((n.kind === 'AssignVar' || n.kind === 'Let') && n.value && isScalar(view.type(n.value))) {
        hit = findRead(view, n.value);
        where = `stored in the variable ${n.target.name}`;
      }
      if (hit && !reported.has(hit.id)) {
        reported.add(hit.id);
        const what = hit.kind === 'Call' ? `${hit.name}()` : 'this read of user memory';
        diags.error(hit.loc, `${what} ${where} cannot carry its provenance (--reads=${floor}): a failed read would be stored as an empty or zero value`,
          ['print the read in a printf() of the same probe, or store str()/buf() in a variable, whose provenance is kept']);
      }
    });
  }
}

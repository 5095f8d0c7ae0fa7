/**
 * Code generation for one attach point: the probe's predicate and body become one eBPF program.
 *
 * Values: a scalar is computed into R0 (and spilled to an 8-byte stack slot when it must survive another
 * computation); an aggregate (string, tuple, record, buffer) is written into the scratch buffer at an offset
 * chosen by the consumer (`into`), so that str() reads straight into a printf record or a map key.
 */
import {
  alu64Imm, alu64Reg, call, exit, ja, mayGoto, jmpImm, jmpReg, ldImm64, ldMapFd, ldx, mov64Imm, mov64Reg, neg64, R0, R1, R2,
  R3, R10, type Reg, st, stx,
} from '../asm/index.js';
import type { Expr, Probe, Stmt } from '../lang/index.js';
import { positionalInteger } from '../passes/positional.js';
import { constantInt } from '../passes/typecheck-calls.js';
import type { ProbeTypes, TypedProgram } from '../passes/typecheck.js';
import { isScalar, type RecordField, sameType, sizeOf, type Type, typeName } from '../types/types.js';
import { CodegenError, CTX, ProgramBuilder, SCRATCH } from './builder.js';
import { genCall } from './calls.js';
import { genGlobal } from './stacks.js';
import { copyScratch, extend, GLOBAL_EXITING, reload, SCRATCH_MAP, scratchPtr, spill, stackPtr, zeroScratch } from './emit.js';
import { genBuiltin } from './builtins.js';
import { genForMap } from './for-map.js';
import { genForRange } from './for-range.js';
import { hideLoopCounters } from './while-loop.js';
import { mapAssign, mapRead, mapUpdateOp } from './maps.js';
import type { ResourceCollector } from './collect.js';
import { claimScratch, releaseScratch } from './scratch-slots.js';
import { assignWithStatus } from './user-reads.js';
import { enterPrivateScratch, leavePrivateScratch, privateScratchKey, sleepingReadCall } from './sleepable.js';

/** Where a record or pointed-to value lives. */
export type Place =
  | { base: 'ctx'; off: number }
  | { base: 'scratch'; off: number }
  /** Memory at a pointer held in a stack slot, in kernel or user space. */
  | { base: 'ptr'; slot: number; off: number; space: 'kernel' | 'user' };

/** Options of code generation. */
export interface CodegenOptions {
  ncpus: number;
  params: readonly string[];
  /** Emit reads of user memory through the reliable-read strategy (see capture/); plain reads otherwise. */
  userRead?: UserReadHook;
  /** A sleepable program (uprobe.s, tp.s): user memory is read with faulting helpers, in a per-thread scratch buffer. */
  sleepable?: boolean;
  /**
   * Bytes of stack to use as the scratch area instead of a per-CPU slot (small scratch only, see compile.ts):
   * saves claiming and releasing a slot, two map lookups and an atomic exchange per run.
   */
  stackScratch?: number;
  /** -k: check the results of helper calls other than user reads (helper-errors.ts). */
  helperErrors?: boolean;
  /** Whether the kernel offers bpf_loop (asked only by a loop over a run-time range, for-range.ts); absent: assumed. */
  bpfLoop?: () => boolean;
  /** Whether the kernel accepts may_goto (6.9), which bounds while loops for the verifier; absent: not used. */
  mayGoto?: () => boolean;
  /** The address of a kernel symbol, for kaddr(). */
  kernelSymbol?: (name: string) => bigint | null;
  /** Named program parameters (`--name=value`), the values of getopt() calls. */
  named?: ReadonlyMap<string, string>;
  /** The script calls exit(): probes other than begin/end return at once once the exiting flag is set. */
  exitFlag?: boolean;
  /** false when the kernel cannot retry failed syscall-entry reads at the exit: records are sent at once. */
  exitRereads?: boolean;
}

/**
 * How user memory is read. The default is a non-faulting read at the event; the capture layer substitutes
 * strategies (re-read at syscall exit, deferred reads) and records provenance.
 */
export type UserReadHook = (g: ProbeCodegen, o: { dst: number; size: number; ptrSlot: number; off: number; str: boolean; statusOff?: number }) => void;

/** Whether control never continues past `s`: it exits the probe or jumps out of a loop on every path. */
function endsFlow(s: Stmt): boolean {
  switch (s.kind) {
    case 'Return': case 'Break': case 'Continue':
      return true;
    case 'ExprStmt':
      return s.expr.kind === 'Call' && s.expr.name === 'exit';
    case 'Block':
      return s.stmts.some(endsFlow);
    case 'If':
      return s.otherwise !== null && endsFlow(s.then) && endsFlow(s.otherwise);
    default:
      return false;
  }
}

/** Whether an arithmetic operand is signed: a signed integer, or a map value of a signed aggregation read as its total. */
function signedOperand(t: Type): boolean {
  if (t.kind === 'agg') return t.fn !== 'count' && (t.valueType?.kind !== 'int' || t.valueType.signed);
  return t.kind === 'int' && t.signed;
}

/** Generates one program. */
export class ProbeCodegen {
  readonly b: ProgramBuilder;
  readonly vars = new Map<string, { slot?: number; scratch?: number; type: Type }>();
  /** Where exit() and return jump: the program's exit, or inside a loop callback the callback's stop path. */
  exitLabel: string;
  readonly loops: Array<{ brk: string; cont: string }> = [];
  /** User-memory reads emitted so far (a uprobe without any needs no sleepable program). */
  userReads = 0;
  /** Stack slots saving R6 and R9 for loop callbacks (see for-map.ts), allocated on first use. */
  #frameSlots: { ctx: number; scratch: number } | undefined;

  constructor(
    readonly typed: TypedProgram,
    readonly pt: ProbeTypes,
    readonly ast: Probe,
    readonly res: ResourceCollector,
    readonly options: CodegenOptions,
    name: string,
  ) {
    this.b = new ProgramBuilder(name);
    this.exitLabel = this.b.newLabel('exit');
  }

  /** The type the checker gave `e`. */
  type(e: Expr): Type {
    const t = this.pt.exprs.get(e.id);
    if (!t) throw new CodegenError(`no type for expression ${e.kind} at ${e.loc.line}:${e.loc.column}`);
    return t;
  }

  /** Generates the whole program and returns its instructions. */
  generate(): ProgramBuilder {
    const b = this.b;
    b.emit(mov64Reg(CTX, R1));
    const done = b.newLabel('done');
    const kind = this.pt.probe.kind;
    // After exit() the runtime still needs a moment to detach: a probe firing meanwhile (a 1 ms interval)
    // must do nothing, as in bpftrace, where nothing is printed after exit(). end probes run after it.
    if (this.options.exitFlag && kind !== 'begin' && kind !== 'end') {
      genGlobal(this, GLOBAL_EXITING);
      b.emit(jmpImm('jne', R0, 0, done));
    }
    const own = this.options.sleepable ? privateScratchKey(this) : null;
    // R9 = this run's scratch buffer: a per-CPU slot of its own (scratch-slots.ts), or for a sleepable program
    // its thread's buffer, created from slot 0's bytes. The verifier needs the NULL check once.
    let held: number | null = null;
    if (own === null && this.options.stackScratch !== undefined) {
      // A small scratch area on this run's own stack (compile.ts decides): private to the run, like a slot.
      const area = b.allocStack(this.options.stackScratch);
      b.emit(mov64Reg(SCRATCH, R10), alu64Imm('add', SCRATCH, area));
    } else if (own === null) held = claimScratch(this, done);
    else {
      const key = b.allocStack(8);
      b.emit(st(4, R10, key, 0), ldMapFd(R1, SCRATCH_MAP), mov64Reg(R2, R10), alu64Imm('add', R2, key), call('map_lookup_elem'),
        jmpImm('jeq', R0, 0, this.exitLabel), mov64Reg(SCRATCH, R0));
      enterPrivateScratch(this, own);
    }
    if (this.ast.predicate) {
      b.noteLoc(this.ast.predicate.loc);
      this.scalar(this.ast.predicate);
      b.emit(jmpImm('jeq', R0, 0, this.exitLabel));
    }
    this.stmt(this.ast.body);
    b.mark(this.exitLabel);
    if (own !== null) leavePrivateScratch(this, own);
    if (held !== null) releaseScratch(this, held);
    b.mark(done);
    b.emit(mov64Imm(R0, 0), exit());
    b.finish();
    return b;
  }

  /** The stack slots where loops over maps save the context and scratch pointers for their callbacks. */
  frameSlots(): { ctx: number; scratch: number } {
    this.#frameSlots ??= { ctx: this.b.allocStack(8), scratch: this.b.allocStack(8) };
    return this.#frameSlots;
  }

  // ---------------------------------------------------------------- statements

  stmt(s: Stmt): void {
    const b = this.b;
    if (s.kind !== 'Block') b.noteLoc(s.loc);
    switch (s.kind) {
      case 'Block':
        this.stmts(s.stmts);
        if (s.value) this.discard(s.value);
        return;
      case 'ExprStmt':
      case 'Discard':
        this.discard(s.expr);
        return;
      case 'AssignVar':
      case 'Let': {
        if (s.kind === 'Let' && !s.value) {
          // `let $x;` with neither a type nor a later assignment declares nothing to store.
          const declared = this.pt.vars.get(s.target.name);
          if (declared) this.varSlot(s.target.name, declared);
          return;
        }
        const value = s.value!;
        const vt = this.pt.vars.get(s.target.name)!;
        const v = this.varSlot(s.target.name, vt);
        if (s.kind === 'AssignVar' && s.op) {
          this.scalar(value);
          b.emit(mov64Reg(R1, R0));
          reload(b, v.slot!, R0);
          this.arith(s.op, R1, vt.kind === 'int' && vt.signed);
          b.emit(stx(8, R10, v.slot!, R0));
          return;
        }
        if (v.slot !== undefined) {
          this.scalar(value);
          b.emit(stx(8, R10, v.slot, R0));
        } else {
          zeroScratch(b, v.scratch!, sizeOf(vt));
          // A str()/buf() of user memory keeps its status beside the variable (user-reads.ts).
          assignWithStatus(this, s.target.name, value, (status) => this.into(value, v.scratch!, status));
        }
        return;
      }
      case 'AssignMap':
        if (s.op) mapUpdateOp(this, s.target, s.op, s.value);
        else mapAssign(this, s.target, s.value);
        return;
      case 'If': {
        const other = b.newLabel('else'), end = b.newLabel('endif');
        this.scalar(s.cond);
        b.emit(jmpImm('jeq', R0, 0, other));
        this.stmt(s.then);
        b.emit(ja(end));
        b.mark(other);
        if (s.otherwise) this.stmt(s.otherwise);
        b.mark(end);
        return;
      }
      case 'While': {
        const top = b.newLabel('while'), end = b.newLabel('wend');
        b.mark(top);
        // A condition on a run-time value leaves the verifier no bound to prove ("The sequence of 8193 jumps is
        // too complex"); may_goto (6.9) gives it one: the loop ends after the kernel's budget of 8M iterations.
        if (this.options.mayGoto?.()) {
          b.emit(mayGoto(end));
          hideLoopCounters(this, s.cond);
        }
        this.scalar(s.cond);
        b.emit(jmpImm('jeq', R0, 0, end));
        this.loops.push({ brk: end, cont: top });
        this.stmt(s.body);
        this.loops.pop();
        b.emit(ja(top));
        b.mark(end);
        return;
      }
      case 'Unroll': {
        const n = Number(constantInt(s.count, this.options.params) ?? 0n);
        if (n < 1 || n > 100) throw new CodegenError('unroll count must be an integer literal between 1 and 100');
        for (let i = 0; i < n; i++) this.stmt(s.body);
        return;
      }
      case 'For': {
        if (s.iterable.kind === 'Map') {
          genForMap(this, s);
          return;
        }
        genForRange(this, s);
        return;
      }
      case 'Break':
      case 'Continue': {
        const loop = this.loops.at(-1);
        if (!loop) throw new CodegenError(`${s.kind.toLowerCase()} outside a loop`);
        b.emit(ja(s.kind === 'Break' ? loop.brk : loop.cont));
        return;
      }
      case 'Return':
        b.emit(ja(this.exitLabel));
        return;
    }
  }

  /**
   * A block's statements, up to the first that ends the flow (exit(), return, break, continue): code
   * after it can never run, and the verifier rejects unreachable instructions.
   */
  stmts(list: readonly Stmt[]): void {
    for (const s of list) {
      this.stmt(s);
      if (endsFlow(s)) return;
    }
  }

  /** Evaluates `e` for its effects. */
  discard(e: Expr): void {
    const t = this.type(e);
    if (e.kind === 'Ternary' && t.kind === 'none') {
      // `cond ? printf(...) : printf(...)` as a statement: run the chosen branch for its effect.
      const b = this.b, other = b.newLabel('tf'), end = b.newLabel('tend');
      this.scalar(e.cond);
      b.emit(jmpImm('jeq', R0, 0, other));
      this.discard(e.then);
      b.emit(ja(end));
      b.mark(other);
      this.discard(e.otherwise);
      b.mark(end);
      return;
    }
    if (e.kind === 'Call' || isScalar(t)) {
      if (e.kind === 'Call' && !isScalar(t) && t.kind !== 'none' && t.kind !== 'agg') {
        this.into(e, this.b.allocScratch(sizeOf(t)));
      } else this.scalar(e);
      return;
    }
    if (t.kind !== 'none' && t.kind !== 'agg' && t.kind !== 'unknown') this.into(e, this.b.allocScratch(sizeOf(t)));
  }

  /** The slot of a variable: scalars on the stack, aggregates in scratch. */
  varSlot(name: string, t: Type): { slot?: number; scratch?: number; type: Type } {
    let v = this.vars.get(name);
    if (!v) {
      v = isScalar(t) ? { slot: this.b.allocStack(8), type: t } : { scratch: this.b.allocScratch(sizeOf(t)), type: t };
      if (v.slot !== undefined) this.b.emit(st(8, R10, v.slot, 0));
      this.vars.set(name, v);
    }
    return v;
  }

  // ---------------------------------------------------------------- scalars

  /** r0 = r0 op src. */
  arith(op: string, src: Reg, signed: boolean): void {
    const b = this.b;
    const ops: Record<string, Parameters<typeof alu64Reg>[0]> = {
      '+': 'add', '-': 'sub', '*': 'mul', '/': signed ? 'sdiv' : 'div', '%': signed ? 'smod' : 'mod', '&': 'and', '|': 'or', '^': 'xor',
      '<<': 'lsh', '>>': signed ? 'arsh' : 'rsh',
    };
    const op64 = ops[op];
    if (!op64) throw new CodegenError(`operator ${op}`);
    b.emit(alu64Reg(op64, R0, src));
  }

  /** Loads the constant `v` into R0. */
  constant(v: bigint | number): void {
    const n = BigInt(v);
    if (n >= -0x80000000n && n <= 0x7fffffffn) this.b.emit(mov64Imm(R0, Number(n)));
    else this.b.emit(ldImm64(R0, BigInt.asIntN(64, n)));
  }

  /** Computes scalar `e` into R0. */
  scalar(e: Expr): void {
    const b = this.b;
    const t = this.type(e);
    switch (e.kind) {
      case 'Integer':
        this.constant(e.value);
        return;
      case 'Bool':
        b.emit(mov64Imm(R0, e.value ? 1 : 0));
        return;
      case 'PositionalParam': {
        // The type check made it an integer only when it spells one (or is missing: 0).
        this.constant(positionalInteger(this.options.params[e.index - 1] ?? '0') ?? 0n);
        return;
      }
      case 'ParamCount':
        this.constant(this.options.params.length);
        return;
      case 'Builtin':
        genBuiltin(this, e.name);
        return;
      case 'Variable': {
        const v = this.vars.get(e.name);
        if (!v || v.slot === undefined) throw new CodegenError(`variable ${e.name} is not a scalar`);
        reload(b, v.slot, R0);
        return;
      }
      case 'Map':
        mapRead(this, e, null);
        return;
      case 'Unary':
        if (e.op === '*') {
          this.readScalarAt(this.derefPlace(e.operand), t);
          return;
        }
        this.scalar(e.operand);
        if (e.op === '!') this.boolify('jeq');
        else if (e.op === '~') b.emit(alu64Imm('xor', R0, -1));
        else if (e.op === '-') b.emit(neg64(R0));
        return;
      case 'Update': {
        if (e.target.kind === 'Map') {
          mapUpdateOp(this, e.target, e.op === '++' ? '+' : '-', null, e.prefix ? 'new' : 'old');
          return;
        }
        const v = this.vars.get(e.target.name)!;
        reload(b, v.slot!, R0);
        b.emit(mov64Reg(R1, R0), alu64Imm('add', R1, e.op === '++' ? 1 : -1), stx(8, R10, v.slot!, R1));
        if (e.prefix) b.emit(mov64Reg(R0, R1));
        return;
      }
      case 'Binary':
        this.binary(e);
        return;
      case 'Ternary': {
        const other = b.newLabel('tf'), end = b.newLabel('tend');
        this.scalar(e.cond);
        b.emit(jmpImm('jeq', R0, 0, other));
        this.scalar(e.then);
        b.emit(ja(end));
        b.mark(other);
        this.scalar(e.otherwise);
        b.mark(end);
        return;
      }
      case 'Cast': {
        if (this.type(e.expr).kind === 'string') {
          // (bool)"str": true unless the string is empty, i.e. its first byte is not NUL.
          b.emit(ldx(1, R0, SCRATCH, this.materialize(e.expr)));
          this.boolify('jne');
          return;
        }
        this.scalar(e.expr);
        if (t.kind === 'int') extend(b, R0, t.size, t.signed);
        else if (t.kind === 'bool') this.boolify('jne');
        return;
      }
      case 'FieldAccess':
      case 'Index':
        this.readScalarAt(this.placeOf(e), t);
        return;
      case 'TupleAccess': {
        const tt = this.type(e.expr);
        if (tt.kind !== 'tuple') throw new CodegenError('tuple access on a non-tuple');
        const off = this.materialize(e.expr);
        const et = tt.elems[e.index]!;
        this.readScalarAt({ base: 'scratch', off: off + tt.offsets[e.index]! }, et);
        return;
      }
      case 'Call':
        genCall(this, e, null);
        return;
      case 'Sizeof':
      case 'Offsetof':
      case 'Identifier': {
        // An identifier that type-checked is an enum constant of the script.
        const v = this.pt.consts.get(e.id);
        if (v === undefined) throw new CodegenError(`${e.kind === 'Sizeof' ? 'sizeof()' : e.kind === 'Offsetof' ? 'offsetof()' : e.name} has no compile-time value here`);
        this.constant(v);
        return;
      }
      case 'Block':
        this.stmts(e.stmts);
        if (e.value) this.scalar(e.value);
        return;
      case 'String':
      case 'Tuple':
        throw new CodegenError(`${e.kind} is not a scalar`);
    }
  }

  /** R0 = (R0 <cond> 0) ? 1 : 0, with cond 'jeq' (logical not) or 'jne' (truth). */
  boolify(cond: 'jeq' | 'jne'): void {
    const b = this.b;
    const yes = b.newLabel('t');
    b.emit(mov64Reg(R1, R0), mov64Imm(R0, 1), jmpImm(cond, R1, 0, yes), mov64Imm(R0, 0));
    b.mark(yes);
  }

  binary(e: Extract<Expr, { kind: 'Binary' }>): void {
    const b = this.b;
    const lt = this.type(e.left), rt = this.type(e.right);
    if (e.op === '&&' || e.op === '||') {
      const end = b.newLabel('sc');
      this.scalar(e.left);
      this.boolify('jne');
      b.emit(jmpImm(e.op === '&&' ? 'jeq' : 'jne', R0, 0, end));
      this.scalar(e.right);
      this.boolify('jne');
      b.mark(end);
      return;
    }
    if (lt.kind === 'string' && rt.kind === 'string') {
      this.stringCompare(e.left, e.right, e.op === '!=');
      return;
    }
    this.scalar(e.left);
    const slot = spill(b);
    this.scalar(e.right);
    b.emit(mov64Reg(R1, R0));
    reload(b, slot, R0);
    const signed = signedOperand(lt) || signedOperand(rt);
    const cmp: Record<string, Parameters<typeof jmpReg>[0]> = {
      '==': 'jeq', '!=': 'jne', '<': signed ? 'jslt' : 'jlt', '>': signed ? 'jsgt' : 'jgt', '<=': signed ? 'jsle' : 'jle', '>=': signed ? 'jsge' : 'jge',
    };
    const c = cmp[e.op];
    if (c) {
      const yes = b.newLabel('cmp');
      b.emit(mov64Reg(R2, R0), mov64Imm(R0, 1), jmpReg(c, R2, R1, yes), mov64Imm(R0, 0));
      b.mark(yes);
      return;
    }
    if ((e.op === '+' || e.op === '-') && lt.kind === 'pointer' && lt.to.kind !== 'int') {
      b.emit(alu64Imm('mul', R1, sizeOf(lt.to) || 1));
    }
    this.arith(e.op, R1, signed);
  }

  /** R0 = 1 when the strings are equal (or differ, when `negate`), comparing up to the first NUL. */
  stringCompare(a: Expr, c: Expr, negate: boolean): void {
    const b = this.b;
    const ta = this.type(a), tc = this.type(c);
    if (ta.kind !== 'string' || tc.kind !== 'string') throw new CodegenError('string comparison of non-strings');
    const oa = this.materialize(a), oc = this.materialize(c);
    const n = Math.min(ta.size, tc.size);
    const differ = b.newLabel('sdiff'), same = b.newLabel('ssame'), end = b.newLabel('scmp');
    // Unrolled: a literal operand is short; two dynamic strings are bounded by the smaller size.
    for (let i = 0; i < n; i++) {
      b.emit(ldx(1, R1, SCRATCH, oa + i), ldx(1, R2, SCRATCH, oc + i), jmpReg('jne', R1, R2, differ), jmpImm('jeq', R1, 0, same));
    }
    b.emit(ja(same));
    b.mark(differ);
    b.emit(mov64Imm(R0, negate ? 1 : 0), ja(end));
    b.mark(same);
    b.emit(mov64Imm(R0, negate ? 0 : 1));
    b.mark(end);
  }

  // ---------------------------------------------------------------- places and memory

  /** Where the record or array that `e` denotes lives. */
  placeOf(e: Expr): Place {
    switch (e.kind) {
      case 'Builtin':
        if (e.name === 'args') {
          if (this.pt.probe.kind === 'tracepoint' || this.pt.probe.kind === 'rawtracepoint') return { base: 'ctx', off: 0 };
        }
        break;
      case 'FieldAccess': {
        const bt = this.type(e.expr);
        const field = this.field(bt, e.field);
        if (bt.kind === 'pointer') {
          const base = this.derefPlace(e.expr);
          return { ...base, off: base.off + field.offset } as Place;
        }
        const base = this.placeOf(e.expr);
        if (this.pt.probe.kind === 'rawtracepoint' && e.expr.kind === 'Builtin' && e.expr.name === 'args') {
          const idx = this.pt.probe.rawtracepoint!.args.findIndex((a) => a.name === e.field);
          return { base: 'ctx', off: idx * 8 };
        }
        return { ...base, off: base.off + field.offset } as Place;
      }
      case 'Index': {
        const bt = this.type(e.expr);
        if (e.index.kind !== 'Integer') throw new CodegenError('array indexes must be integer literals here');
        const i = Number(e.index.value);
        const elemSize = bt.kind === 'array' ? sizeOf(bt.elem) : bt.kind === 'pointer' ? sizeOf(bt.to) || 1 : 1;
        // Offsets are instruction immediates (32 bits); a larger one cannot be a valid object anyway.
        if (i * elemSize > 0x7fffffff) throw new CodegenError(`the index ${e.index.value} is too large`);
        if (bt.kind === 'array') {
          const base = this.placeOf(e.expr);
          return { ...base, off: base.off + i * sizeOf(bt.elem) } as Place;
        }
        if (bt.kind === 'pointer') {
          const base = this.derefPlace(e.expr);
          return { ...base, off: base.off + i * (sizeOf(bt.to) || 1) } as Place;
        }
        if (bt.kind === 'string') {
          const base = this.placeOf(e.expr);
          return { ...base, off: base.off + i } as Place;
        }
        // Falling through would materialize `e`, which reads its scalar value through this place again.
        throw new CodegenError(`cannot index a value of type ${typeName(bt)}`);
      }
      case 'Unary':
        if (e.op === '*') return this.derefPlace(e.operand);
        break;
      default:
        break;
    }
    const t = this.type(e);
    if (t.kind === 'pointer') return this.derefPlace(e);
    return { base: 'scratch', off: this.materialize(e) };
  }

  /** The memory a pointer expression points to. */
  derefPlace(ptrExpr: Expr): Place {
    const pt = this.type(ptrExpr);
    this.scalar(ptrExpr);
    const slot = spill(this.b);
    return { base: 'ptr', slot, off: 0, space: pt.kind === 'pointer' ? pt.space : 'kernel' };
  }

  /** The field `name` of a record type (or pointer to one). */
  field(t: Type, name: string): RecordField {
    const rec = t.kind === 'pointer' ? t.to : t;
    if (rec.kind !== 'record') throw new CodegenError(`field ${name} of a non-record`);
    const fields = rec.fields ?? this.typed.btfTypes?.fieldsOf(rec) ?? [];
    const f = fields.find((x) => x.name === name);
    if (!f) throw new CodegenError(`no field ${name}`);
    return f;
  }

  /** Loads a scalar of type `t` stored at `place` into R0. */
  readScalarAt(place: Place, t: Type): void {
    const b = this.b;
    const size = Math.min(8, sizeOf(t)) as 1 | 2 | 4 | 8;
    const signed = t.kind === 'int' && t.signed;
    if (place.base === 'ctx') {
      b.emit(ldx(size, R0, CTX, place.off));
    } else if (place.base === 'scratch') {
      b.emit(ldx(size, R0, SCRATCH, place.off));
    } else {
      const tmp = b.allocStack(8);
      b.emit(st(8, R10, tmp, 0));
      this.readMemory({ dstStack: tmp, size, ptrSlot: place.slot, off: place.off, space: place.space, str: false });
      b.emit(ldx(size, R0, R10, tmp));
    }
    extend(b, R0, size, signed);
  }

  /** Reads `size` bytes at pointer slot + off into a stack slot or scratch, from kernel or user memory. */
  readMemory(o: { dstStack?: number; dstScratch?: number; size: number; ptrSlot: number; off: number; space: 'kernel' | 'user'; str: boolean; statusOff?: number }): void {
    const b = this.b;
    if (o.space === 'user') this.userReads++;
    if (o.space === 'user' && o.dstScratch !== undefined && this.options.userRead) {
      this.options.userRead(this, { dst: o.dstScratch, size: o.size, ptrSlot: o.ptrSlot, off: o.off, str: o.str, ...(o.statusOff !== undefined ? { statusOff: o.statusOff } : {}) });
      return;
    }
    if (o.dstStack !== undefined) stackPtr(b, R1, o.dstStack);
    else scratchPtr(b, R1, o.dstScratch!);
    b.emit(mov64Imm(R2, o.size));
    reload(b, o.ptrSlot, R3);
    if (o.off) b.emit(alu64Imm('add', R3, o.off));
    // A user read in an output record keeps its pointer next to its status, for a re-read at syscall exit.
    if (o.statusOff !== undefined) b.emit(stx(8, SCRATCH, o.statusOff + 8, R3));
    if (o.space === 'user' && this.options.sleepable) b.emit(...sleepingReadCall(o.str));
    else b.emit(call(o.space === 'user' ? (o.str ? 'probe_read_user_str' : 'probe_read_user') : (o.str ? 'probe_read_kernel_str' : 'probe_read_kernel')));
    if (o.statusOff !== undefined) b.emit(stx(8, SCRATCH, o.statusOff, R0));
  }

  /** Copies the `size` bytes of a place into scratch at `dst`. */
  copyPlace(place: Place, dst: number, size: number, str: boolean, statusOff?: number): void {
    const b = this.b;
    if (place.base === 'scratch') {
      copyScratch(b, dst, place.off, size);
      return;
    }
    if (place.base === 'ctx') {
      scratchPtr(b, R1, dst);
      b.emit(mov64Imm(R2, size), mov64Reg(R3, CTX), alu64Imm('add', R3, place.off), call(str ? 'probe_read_kernel_str' : 'probe_read_kernel'));
      return;
    }
    this.readMemory({ dstScratch: dst, size, ptrSlot: place.slot, off: place.off, space: place.space, str, ...(statusOff !== undefined ? { statusOff } : {}) });
  }

  /** Where aggregate `e` is in scratch, writing it there first unless it already lives there (a variable). */
  materialize(e: Expr): number {
    if (e.kind === 'Variable') {
      const v = this.vars.get(e.name);
      if (v?.scratch !== undefined) return v.scratch;
    }
    const off = this.b.allocScratch(sizeOf(this.type(e)));
    this.into(e, off);
    return off;
  }

  /**
   * Writes `e` at `dst` laid out as `t`: a ternary's tuple type may give its string and buffer elements more room
   * than a branch's own tuple, so such a branch is copied element by element (the rest of `dst` is zeroed).
   */
  private intoAs(e: Expr, dst: number, t: Type): void {
    const from = this.type(e);
    if (t.kind !== 'tuple' || from.kind !== 'tuple' || sameType(from, t)) {
      this.into(e, dst);
      return;
    }
    const src = this.materialize(e);
    from.elems.forEach((el, i) => copyScratch(this.b, dst + t.offsets[i]!, src + from.offsets[i]!, Math.min(sizeOf(el), sizeOf(t.elems[i]!))));
  }

  /** Writes the value of `e` into scratch at `dst` (sizeOf(type(e)) bytes); `statusOff` receives a user read's result. */
  into(e: Expr, dst: number, statusOff?: number): void {
    const b = this.b;
    const t = this.type(e);
    if (isScalar(t)) {
      this.scalar(e);
      b.emit(stx(Math.min(8, sizeOf(t)) as 1 | 2 | 4 | 8, SCRATCH, dst, R0));
      return;
    }
    switch (e.kind) {
      case 'String': {
        const bytes = new Uint8Array(sizeOf(t));
        bytes.set(e.bytes.subarray(0, bytes.length - 1));
        this.storeBytes(dst, bytes);
        return;
      }
      case 'PositionalParam': {
        const v = new TextEncoder().encode(this.options.params[e.index - 1] ?? '');
        const bytes = new Uint8Array(sizeOf(t));
        bytes.set(v.subarray(0, bytes.length - 1));
        this.storeBytes(dst, bytes);
        return;
      }
      case 'Builtin':
        if (e.name === 'comm') {
          scratchPtr(b, R1, dst);
          b.emit(mov64Imm(R2, 16), call('get_current_comm'));
          return;
        }
        if (e.name === 'probe' || e.name === 'func') {
          const text = e.name === 'probe' ? this.pt.probe.name : (this.pt.probe.uprobe?.symbol ?? this.pt.probe.name);
          const bytes = new Uint8Array(sizeOf(t));
          bytes.set(new TextEncoder().encode(text).subarray(0, bytes.length - 1));
          this.storeBytes(dst, bytes);
          return;
        }
        break;
      case 'Variable': {
        const v = this.vars.get(e.name);
        if (v?.scratch === undefined) throw new CodegenError(`variable ${e.name} has no value`);
        copyScratch(b, dst, v.scratch, sizeOf(t));
        return;
      }
      case 'Map':
        mapRead(this, e, dst);
        return;
      case 'TupleAccess': {
        // A string or tuple element (`$kv.0` of a map with string or tuple keys) is copied out of its tuple.
        const tt = this.type(e.expr);
        if (tt.kind !== 'tuple') break;
        copyScratch(b, dst, this.materialize(e.expr) + tt.offsets[e.index]!, sizeOf(t));
        return;
      }
      case 'Tuple': {
        if (t.kind !== 'tuple') break;
        zeroScratch(b, dst, t.size);
        e.elems.forEach((x, i) => this.into(x, dst + t.offsets[i]!));
        return;
      }
      case 'Call':
        genCall(this, e, dst, statusOff);
        return;
      case 'FieldAccess':
      case 'Index':
      case 'Unary':
        this.copyPlace(this.placeOf(e), dst, sizeOf(t), t.kind === 'string', statusOff);
        return;
      case 'Ternary': {
        const other = b.newLabel('tf'), end = b.newLabel('tend');
        this.scalar(e.cond);
        b.emit(jmpImm('jeq', R0, 0, other));
        zeroScratch(b, dst, sizeOf(t));
        this.intoAs(e.then, dst, t);
        b.emit(ja(end));
        b.mark(other);
        zeroScratch(b, dst, sizeOf(t));
        this.intoAs(e.otherwise, dst, t);
        b.mark(end);
        return;
      }
      case 'Cast': {
        this.into(e.expr, dst);
        return;
      }
      case 'Block':
        this.stmts(e.stmts);
        if (e.value) this.into(e.value, dst);
        return;
      default:
        break;
    }
    throw new CodegenError(`cannot generate a ${t.kind} value for ${e.kind}`);
  }

  /** Stores constant bytes into scratch (8 bytes at a time). */
  storeBytes(dst: number, bytes: Uint8Array): void {
    const b = this.b;
    const padded = new Uint8Array(Math.ceil(bytes.length / 8) * 8);
    padded.set(bytes);
    const v = new DataView(padded.buffer);
    for (let i = 0; i + 8 <= padded.length; i += 8) {
      const word = v.getBigUint64(i, true);
      if (i + 8 > bytes.length) {
        // The tail: store only the bytes that belong to the value.
        for (let j = i; j < bytes.length; j++) b.emit(st(1, SCRATCH, dst + j, padded[j]!));
        break;
      }
      if (word === 0n) b.emit(st(8, SCRATCH, dst + i, 0));
      else b.emit(ldImm64(R0, BigInt.asIntN(64, word)), stx(8, SCRATCH, dst + i, R0));
    }
  }
}

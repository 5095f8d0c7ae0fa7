/**
 * Type checking: gives every expression of every resolved probe a type (side table keyed by AST node id),
 * infers the key and value types of every map across the whole script, and reports misuse as diagnostics.
 * A probe body is checked once per attach point, because `args` differs between tracepoints.
 */
import { type Diagnostics, endColumnOf, endLineOf, type Expr, type MapRef, type Node, type Program, type Stmt, type TypeSpec, type Variable } from '../lang/index.js';
import { BtfTypes } from '../types/from-btf.js';
import type { KernelInfo } from '../types/kernel-info.js';
import {
  type AggFn, bool, int, isIntegral, isScalar, NAMED_TYPES, none, pointer, s64, sameType, sizeOf, string, tuple, type Type,
  typeName, u32, u64, u8, unknown,
} from '../types/types.js';
import type { ResolvedProbe } from './probes.js';
import { type CDeclarations, readCDefinitions } from './c-definitions.js';
import { positionalValue } from './positional.js';
import { checkCall, constantInt } from './typecheck-calls.js';

/** A script map's signature, the same in every probe. */
export interface MapSig {
  name: string;
  /** Key type (a tuple for `@m[a, b]`), or null for a map used without keys. */
  key: Type | null;
  value: Type;
  /** Aggregation function when the map holds one (count, sum, hist...). */
  agg?: AggFn;
  /** hist(): log2 buckets split in 2^bits; lhist(): linear bounds. */
  hist?: { bits: number };
  lhist?: { min: number; max: number; step: number };
  /** Where it was first assigned, for diagnostics. */
  loc: Expr['loc'];
}

/** Types of one attach point's program. */
export interface ProbeTypes {
  probe: ResolvedProbe;
  exprs: Map<number, Type>;
  vars: Map<string, Type>;
  /** Values known at compile time: sizeof() and offsetof() results, by node id. */
  consts: Map<number, bigint>;
}

/** Output of the pass: per-probe expression types and the script's maps. */
export interface TypedProgram {
  probes: ProbeTypes[];
  maps: Map<string, MapSig>;
  /** The BTF converter used (for record field lookups in codegen). */
  btfTypes: BtfTypes | null;
}

/** Options that change types: string size and positional parameters. */
export interface TypeOptions {
  maxStrlen: number;
  params: readonly string[];
  /** The provenance floor demanded of user-memory reads (--reads); 'any' when absent. */
  floor?: 'any' | 'recovered' | 'exact';
  /** The probes that may sleep on this kernel, for the hint of a refused user read (set by typecheck()). */
  maySleepHint?: () => string;
  /** A command is started for the script (-c): `cpid` has a value. */
  command?: boolean;
  /** Named program parameters (`--name=value`), read by getopt(). */
  named?: ReadonlyMap<string, string>;
  /** The address of a kernel symbol, for kaddr(); absent when nothing can tell. */
  kernelSymbol?: (name: string) => bigint | null;
}

/**
 * Probe kinds in which a program may sleep, i.e. where user memory can be read reliably, on `kernel`: uprobes
 * only where sleepable uprobe programs load (the same feature probe that classifies them, probes.ts).
 */
export function maySleepProbes(kernel?: KernelInfo): string {
  const syscalls = 'tracepoint:syscalls:*, tracepoint:raw_syscalls:*, rawtracepoint:sys_enter, rawtracepoint:sys_exit';
  return kernel?.sleepableUprobes?.() ? `${syscalls}, uprobe, uretprobe` : syscalls;
}

/** Context handed to the builtin-function checker. */
export interface CheckContext {
  diags: Diagnostics;
  types: Map<number, Type>;
  probe: ResolvedProbe;
  options: TypeOptions;
  expr(e: Expr): Type;
  /** Records that map `m` holds `value` (and the aggregation), checking consistency. */
  defineMap(m: MapRef, value: Type, agg?: AggFn, buckets?: Pick<MapSig, 'hist' | 'lhist'>, at?: Expr['loc']): void;
  /**
   * The type of map `m` as read (unknown if never assigned yet). `whole` is for a map named as a whole
   * (`print(@m)`, `clear(@m)`), which may be keyed though written without keys.
   */
  mapType(m: MapRef, whole?: boolean): Type;
  /** Refuses a user-memory read at `loc` in an atomic probe when a provenance floor is demanded. */
  userRead(loc: Expr['loc'], what: string): void;
}

/**
 * Map keys: integers are widened to 64 bits, as bpftrace does, so `@[pid]` and `@[tid]` share a layout; bools
 * stay bools (one byte), so their keys print as true/false.
 */
export function keyTypeOf(t: Type): Type {
  if (t.kind === 'int') return widenInt(t);
  if (t.kind === 'tuple') return tuple(t.elems.map(keyTypeOf));
  return t;
}

/** A 64-bit integer of `t`'s sign; a script enum keeps its names, so its values print by name. */
function widenInt(t: Extract<Type, { kind: 'int' }>): Type {
  return t.enumVariants ? { ...t, size: 8 } : int(8, t.signed);
}

/**
 * The type of a ternary whose branches are buffers or tuples: the longer buffer, or a tuple whose string and
 * buffer elements are the longer of the two (other elements must agree). Null when they do not fit together.
 */
function joinBranches(a: Type, b: Type): Type | null {
  if (a.kind === 'string' && b.kind === 'string') return string(Math.max(a.size, b.size));
  if (a.kind === 'buffer' && b.kind === 'buffer') return { kind: 'buffer', size: Math.max(a.size, b.size) };
  if (a.kind === 'tuple' && b.kind === 'tuple' && a.elems.length === b.elems.length) {
    const elems: Type[] = [];
    for (let i = 0; i < a.elems.length; i++) {
      const x = a.elems[i]!, y = b.elems[i]!;
      const j = x.kind === 'tuple' ? (sameType(x, y) ? x : null) : sameType(x, y) ? x : joinBranches(x, y);
      if (!j) return null;
      elems.push(j);
    }
    return tuple(elems);
  }
  return null;
}

/** Map values: plain integers are stored as 64-bit. */
function valueTypeOf(t: Type): Type {
  if (t.kind === 'int') return widenInt(t);
  return t;
}

/** Aggregations whose map value reads as one integer (bpftrace's castable map types). */
const CASTABLE: ReadonlySet<AggFn> = new Set<AggFn>(['count', 'sum', 'min', 'max', 'avg']);

/**
 * The integer a map value of type `t` reads as in an expression: bpftrace 0.26 lets count, sum, min, max
 * and avg values take part in arithmetic and comparisons (`@n > 3`) and casts, as their total over CPUs.
 */
function castableValue(t: Type): Type | null {
  if (t.kind !== 'agg' || !CASTABLE.has(t.fn)) return null;
  return int(8, t.fn !== 'count' && (t.valueType?.kind !== 'int' || t.valueType.signed));
}

/** `t`, or the integer it reads as when it is a castable aggregation. */
function asOperand(t: Type): Type {
  return castableValue(t) ?? t;
}

/** A map key type that holds both `a` and `b` (compatible): the longer string, element by element in tuples. */
function widerKey(a: Type, b: Type): Type {
  if (a.kind === 'string' && b.kind === 'string') return b.size > a.size ? b : a;
  if (a.kind === 'tuple' && b.kind === 'tuple') {
    const elems = a.elems.map((e, i) => widerKey(e, b.elems[i]!));
    return elems.every((e, i) => e === a.elems[i]) ? a : tuple(elems);
  }
  return a;
}

/** Runs the pass. */
export function typecheck(program: Program, probes: readonly ResolvedProbe[], kernel: KernelInfo, diags: Diagnostics, options: TypeOptions): TypedProgram {
  const btfTypes = kernel.btf ? new BtfTypes(kernel.btf) : null;
  const maps = new Map<string, MapSig>();
  // Two rounds: maps assigned in a later probe are known when an earlier probe reads them.
  let result: ProbeTypes[] = [];
  const decls = readCDefinitions(program.cDefinitions, diags, (name) => btfTypes?.byName(name) ?? null, program.preprocessor);
  for (let round = 0; round < 2; round++) {
    const quiet = round === 0;
    result = probes.map((probe) => checkProbe(program, probe, maps, btfTypes, decls, quiet ? null : diags, { ...options, maySleepHint: () => maySleepProbes(kernel) }));
  }
  return { probes: result, maps, btfTypes };
}

function checkProbe(program: Program, probe: ResolvedProbe, maps: Map<string, MapSig>, btfTypes: BtfTypes | null,
  decls: CDeclarations, diags: Diagnostics | null, options: TypeOptions): ProbeTypes {
  const ast = program.probes[probe.probeIndex]!;
  const exprs = new Map<number, Type>();
  const consts = new Map<number, bigint>();
  const vars = new Map<string, Type>();
  /** Variables first declared inside a for loop's body, read after the loop ended (bpftrace scopes them to the body). */
  const outOfScope = new Set<string>();
  /** Calls whose value is dropped (a statement, or a branch of a ternary statement): they may return none. */
  const discarded = new Set<number>();
  /** Positional parameters that are the argument of str(): text there, whatever they spell. */
  const paramsInStr = new Set<number>();
  const sink = diags ?? ({ error() {}, warning() {} } as unknown as Diagnostics);
  const err = (loc: Expr['loc'], text: string, notes?: string[]) => {
    sink.error(loc, text, notes);
    return unknown;
  };

  const ctx: CheckContext = {
    diags: sink,
    types: exprs,
    probe,
    options,
    expr: (e) => expr(e),
    defineMap(m, value, agg, buckets, at) {
      const key = keyOf(m);
      const old = maps.get(m.name);
      const v = agg ? value : valueTypeOf(value);
      if (!old) {
        maps.set(m.name, { name: m.name, key, value: v, ...(agg ? { agg } : {}), ...buckets, loc: m.loc });
        return;
      }
      if (old.value.kind === 'unknown') old.value = v;
      checkKeys(m, old, key);
      const where = at ?? m.loc;
      if ((old.agg ?? null) !== (agg ?? null) && old.value.kind !== 'unknown') {
        err(where, `Type mismatch for ${m.name}: trying to assign value of type '${agg ? `${agg}_t` : typeName(v)}' when map already contains a value of type '${old.agg ? `${old.agg}_t` : typeName(old.value)}'`);
      } else if (!agg && !compatible(old.value, v)) {
        err(where, `Type mismatch for ${m.name}: trying to assign value of type '${typeName(v)}' when map already contains a value of type '${typeName(old.value)}'`);
      } else if (!agg && (old.value.kind === 'string' || old.value.kind === 'tuple') && sizeOf(v) > sizeOf(old.value)) {
        old.value = v;
      }
    },
    userRead(loc, what) {
      const floor = options.floor ?? 'any';
      if (floor === 'any' || probe.context !== 'atomic') return;
      err(loc, `${what} reads user memory, which needs a probe that may sleep to be read reliably (--reads=${floor}); ${probe.name} runs in atomic context`,
        [`probes that may sleep: ${options.maySleepHint?.() ?? maySleepProbes()}`]);
    },
    mapType(m, whole = false) {
      const sig = maps.get(m.name);
      if (!sig) {
        err(m.loc, `Undefined map: ${m.name}`);
        return unknown;
      }
      const key = keyOf(m);
      if (!whole || m.indexed) checkKeys(m, sig, key);
      return sig.agg ? { kind: 'agg', fn: sig.agg, valueType: sig.value } : sig.value;
    },
  };

  /** The key type of an access to `m` (a tuple for `@m[a, b]`), or null for a map used without keys. */
  function keyOf(m: MapRef): Type | null {
    if (m.keys.length === 0) return null;
    return keyTypeOf(m.keys.length === 1 ? expr(m.keys[0]!) : tuple(m.keys.map((k) => expr(k))));
  }

  /** Reports an access whose keys do not match the map's earlier uses, in bpftrace's words. */
  function checkKeys(m: MapRef, sig: MapSig, key: Type | null): void {
    if (sig.value.kind === 'unknown') return;
    if (sig.key === null && key !== null) {
      err(m.loc, `${m.name} used as a map with an explicit key (non-scalar map), previously used without an explicit key (scalar map)`);
    } else if (sig.key !== null && key === null) {
      err(m.loc, `${m.name} used as a map without an explicit key (scalar map), previously used with an explicit key (non-scalar map)`);
    } else if (sig.key !== null && key !== null && !compatible(sig.key, key)) {
      err(m.keys.length === 1 ? m.keys[0]!.loc : m.loc,
        `Argument mismatch for ${m.name}: trying to access with arguments: '${typeName(key)}' when map expects arguments: '${typeName(sig.key)}'`);
    } else if (sig.key !== null && key !== null) sig.key = widerKey(sig.key, key);
  }

  function set(e: Expr, t: Type): Type {
    exprs.set(e.id, t);
    return t;
  }

  function fieldOf(base: Type, field: string, loc: Expr['loc']): Type {
    let rec = base;
    if (rec.kind === 'pointer') rec = rec.to;
    if (rec.kind !== 'record') return err(loc, `Can not access field '${field}' on type '${typeName(base)}'. Try dereferencing it first, or using '->'`);
    if (base.kind === 'pointer' && base.space === 'user') ctx.userRead(loc, `the field ${field}`);
    const fields = rec.fields ?? btfTypes?.fieldsOf(rec) ?? [];
    const f = fields.find((x) => x.name === field);
    if (!f) return err(loc, `${rec.name.startsWith('struct _tracepoint') ? 'args' : rec.name} has no field named ${field}`);
    return f.type;
  }

  function expr(e: Expr): Type {
    switch (e.kind) {
      case 'Integer':
        return set(e, e.value > 0x7fffffffffffffffn ? u64 : s64);
      case 'String':
        return set(e, string(e.bytes.length + 1));
      case 'Bool':
        return set(e, bool);
      case 'PositionalParam': {
        const v = positionalValue(options.params, e.index, paramsInStr.has(e.id));
        if (v.kind === 'string') return set(e, string(new TextEncoder().encode(v.text).length + 1));
        return set(e, v.value > 0x7fffffffffffffffn ? u64 : s64);
      }
      case 'ParamCount':
        return set(e, s64);
      case 'Builtin':
        return set(e, builtin(e.name, e.loc));
      case 'Identifier': {
        const c = decls.constants.get(e.name);
        if (!c) return set(e, err(e.loc, `Unknown identifier: '${e.name}'`));
        consts.set(e.id, c.value);
        return set(e, c.type);
      }
      case 'Variable': {
        const t = outOfScope.has(e.name) ? undefined : vars.get(e.name);
        if (!t) return set(e, err(e.loc, `Undefined or undeclared variable: ${e.name}`));
        return set(e, t);
      }
      case 'Map':
        return set(e, ctx.mapType(e));
      case 'Unary': {
        const t = e.op === '*' ? expr(e.operand) : asOperand(expr(e.operand));
        if (e.op === '!') return set(e, isIntegral(t) ? bool : err(e.loc, `The ! operator can not be used on expressions of type '${typeName(t)}'`));
        if (e.op === '*') {
          if (t.kind !== 'pointer') return set(e, err(e.loc, `Can not dereference type '${typeName(t)}': it is not a pointer`));
          return set(e, t.to.kind === 'int' ? t.to : t.to);
        }
        if (e.op === '&') return set(e, err(e.loc, 'The & operator is not supported'));
        if (!isIntegral(t)) return set(e, err(e.loc, `The ${e.op} operator can not be used on expressions of type '${typeName(t)}'`));
        return set(e, e.op === '-' ? s64 : t.kind === 'int' ? int(8, t.signed) : u64);
      }
      case 'Update': {
        if (e.target.kind === 'Variable') noteLiteralWidth(e.target.name, null);
        const t = e.target.kind === 'Variable' ? vars.get(e.target.name) : ctx.mapType(e.target);
        if (e.target.kind === 'Map') {
          const sig = maps.get(e.target.name);
          if (!sig || sig.value.kind === 'unknown') ctx.defineMap(e.target, s64);
        } else if (!t) return set(e, err(e.target.loc, `Undefined or undeclared variable: ${e.target.name}`));
        if (t && t.kind !== 'unknown' && !isIntegral(t)) {
          return set(e, err(e.loc, `The ${e.op} operator can not be used on expressions of type '${typeName(t)}'`));
        }
        exprs.set(e.target.id, t ?? s64);
        return set(e, t && t.kind === 'int' ? t : s64);
      }
      case 'Binary': {
        const l = asOperand(expr(e.left)), r = asOperand(expr(e.right));
        if (l.kind === 'unknown' || r.kind === 'unknown') return set(e, unknown);
        if ((e.op === '==' || e.op === '!=') && l.kind === 'string' && r.kind === 'string') return set(e, bool);
        if (!isIntegral(l) || !isIntegral(r)) {
          // bpftrace points at the operator, then at each operand with its type.
          err(e.opLoc, `Type mismatch for '${e.op}': comparing ${typeName(l)} with ${typeName(r)}`);
          err(e.left.loc, `left (${typeName(l)})`);
          return set(e, err(e.right.loc, `right (${typeName(r)})`));
        }
        if (['==', '!=', '<', '>', '<=', '>=', '&&', '||'].includes(e.op)) return set(e, bool);
        const signed = (l.kind === 'int' && l.signed) || (r.kind === 'int' && r.signed);
        if ((e.op === '+' || e.op === '-') && l.kind === 'pointer' && r.kind !== 'pointer') return set(e, l);
        return set(e, int(8, signed));
      }
      case 'Ternary': {
        condition(e.cond, 'ternary');
        const a = expr(e.then), b = expr(e.otherwise);
        if (a.kind === 'string' && b.kind === 'string') return set(e, string(Math.max(a.size, b.size)));
        if (isIntegral(a) && isIntegral(b)) return set(e, a.kind === 'int' && b.kind === 'int' ? int(8, a.signed || b.signed) : a);
        if (a.kind === 'none' && b.kind === 'none') return set(e, none);
        const joined = joinBranches(a, b);
        if (joined) return set(e, joined);
        return set(e, err(e.loc, `Branches must return the same type: have '${typeName(a)}' and '${typeName(b)}'`));
      }
      case 'Cast': {
        const from = expr(e.expr);
        const to = resolveTypeSpec(e.type);
        if (!to) return set(e, unknown);
        // A string casts to bool (bpftrace 0.26: true unless empty); nothing else non-scalar casts to a scalar.
        if (isScalar(to) && !isScalar(from) && from.kind !== 'unknown' && from.kind !== 'array' && !castableValue(from) && !(to.kind === 'bool' && from.kind === 'string')) {
          return set(e, err(e.loc, `Cannot cast from '${typeName(from)}' to '${typeName(to)}'`));
        }
        if (to.kind === 'pointer' && from.kind === 'pointer') return set(e, { ...to, space: from.space });
        // An integer cast to a pointer in a uprobe is an address in the traced process (as bpftrace reads it).
        const uprobe = probe.kind === 'uprobe' || probe.kind === 'uretprobe';
        return set(e, to.kind === 'pointer' && uprobe && isIntegral(from) ? { ...to, space: 'user' } : to);
      }
      case 'FieldAccess': {
        const base = expr(e.expr);
        if (base.kind === 'unknown') return set(e, unknown);
        if (base.kind === 'tuple') return set(e, err(e.loc, 'Use .N to access tuple elements'));
        return set(e, fieldOf(base, e.field, e.loc));
      }
      case 'TupleAccess': {
        const base = expr(e.expr);
        if (base.kind !== 'tuple') return set(e, base.kind === 'unknown' ? unknown : err(e.loc, `Can not access index '${e.index}' on expression of type '${typeName(base)}'`));
        const t = base.elems[e.index];
        return set(e, t ?? err(e.loc, `Invalid tuple index: ${e.index}. Found ${base.elems.length} elements in tuple.`));
      }
      case 'Index': {
        const base = expr(e.expr);
        const idx = expr(e.index);
        if (!isIntegral(idx)) return set(e, err(e.index.loc, 'The array index operator [] needs an integer index'));
        const len = base.kind === 'array' ? base.len : base.kind === 'string' ? base.size : 0;
        if (len > 0 && e.index.kind === 'Integer' && e.index.value >= BigInt(len)) {
          return set(e, err(e.loc, `the index ${e.index.value} is out of bounds for array of size ${len}`));
        }
        if (base.kind === 'array') return set(e, base.elem);
        if (base.kind === 'pointer') return set(e, base.to);
        if (base.kind === 'string') return set(e, int(1, true));
        return set(e, base.kind === 'unknown' ? unknown : err(e.loc, `The array index operator [] can not be used on expressions of type '${typeName(base)}'`));
      }
      case 'Call': {
        // bpftrace reads a parameter given to str() as text, so a missing one is "" there (0 elsewhere).
        if (e.name === 'str' && e.args[0]?.kind === 'PositionalParam') paramsInStr.add(e.args[0].id);
        const t = checkCall(e, ctx);
        if (t.kind === 'none' && !discarded.has(e.id)) return set(e, err(e.loc, `${e.name}() returns no value and can only be used as a statement`));
        return set(e, t);
      }
      case 'Tuple': {
        const elems = e.elems.map((x) => expr(x));
        return set(e, tuple(elems));
      }
      case 'Sizeof': {
        const t = e.arg.kind === 'NamedType' || e.arg.kind === 'PointerType' || e.arg.kind === 'ArrayType' ? resolveTypeSpec(e.arg) : expr(e.arg);
        // bpftrace 0.26 types an integer literal as the smallest integer that holds it, and a variable holding
        // only literals as the smallest that holds them all; siesta computes in 64 bits but answers sizeof alike.
        const narrow = e.arg.kind === 'Variable' ? literalWidths.get(e.arg.name) : literalWidth(e.arg);
        if (narrow) consts.set(e.id, BigInt(narrow));
        else if (t) consts.set(e.id, BigInt(t.kind === 'record' && t.btfId !== undefined && btfTypes ? btfTypes.btf.sizeof(t.btfId) : sizeOf(t)));
        return set(e, u64);
      }
      case 'Offsetof': {
        let t = e.arg.kind === 'NamedType' || e.arg.kind === 'PointerType' || e.arg.kind === 'ArrayType' ? resolveTypeSpec(e.arg) : expr(e.arg);
        let off = 0;
        for (const name of e.fields) {
          if (!t) break;
          const rec = t.kind === 'pointer' ? t.to : t;
          if (rec.kind !== 'record') {
            err(e.loc, `offsetof() needs a struct or union, not '${typeName(rec)}'`);
            t = null;
            break;
          }
          const f = (rec.fields ?? btfTypes?.fieldsOf(rec) ?? []).find((x) => x.name === name);
          if (!f) {
            err(e.loc, `'${rec.name}' has no field named '${name}'`);
            t = null;
            break;
          }
          off += f.offset;
          t = f.type;
        }
        if (t) consts.set(e.id, BigInt(off));
        return set(e, u64);
      }
      case 'Block':
        for (const s of e.stmts) stmt(s);
        return set(e, e.value ? expr(e.value) : none);
    }
  }

  function resolveTypeSpec(t: TypeSpec): Type | null {
    switch (t.kind) {
      case 'NamedType': {
        if (t.keyword === null && NAMED_TYPES[t.name]) return NAMED_TYPES[t.name]!;
        if (t.name === 'string') return string(options.maxStrlen);
        // The script's own definitions come first: bpftrace lets them stand in for the kernel's.
        const found = decls.types.get(t.keyword ? `${t.keyword} ${t.name}` : t.name) ?? btfTypes?.byName(t.keyword ? `${t.keyword} ${t.name}` : t.name);
        if (found) return found;
        err(t.loc, `Unknown type: ${t.keyword ? `${t.keyword} ` : ''}${t.name}`);
        return null;
      }
      case 'PointerType': {
        const to = resolveTypeSpec(t.pointee);
        return to ? pointer(to, 'kernel') : null;
      }
      case 'ArrayType': {
        const el = resolveTypeSpec(t.element);
        if (!el) return null;
        if (t.element.kind === 'NamedType' && t.element.name === 'string') return string(t.size ?? options.maxStrlen);
        return { kind: 'array', elem: el, len: t.size ?? 0, space: 'kernel' };
      }
    }
  }

  function builtin(name: string, loc: Expr['loc']): Type {
    const p = probe;
    switch (name) {
      case 'pid': case 'tid': case 'uid': case 'gid': case 'cpu': case 'numaid': case 'ncpus': case 'rand':
        return u32;
      case 'nsecs': case 'elapsed': case 'jiffies': case 'cgroup':
        return u64;
      case 'username':
        return { kind: 'username' };
      case 'comm':
        return string(16);
      case 'probe': case 'func':
        return string(Math.max(p.name.length + 1, 64));
      case 'curtask': {
        const task = decls.types.get('struct task_struct') ?? btfTypes?.byName('struct task_struct');
        return task ? pointer(task, 'kernel') : u64;
      }
      case 'args': {
        if (p.tracepoint) return p.tracepoint.args;
        if (p.rawtracepoint) {
          const fields = [];
          let off = 0;
          for (const a of p.rawtracepoint.args) {
            fields.push({ name: a.name, type: a.type, offset: off });
            off += 8;
          }
          return { kind: 'record', name: `struct _rawtracepoint_${p.rawtracepoint.name}`, size: off, fields, union: false, space: 'kernel' };
        }
        return err(loc, `The args builtin can only be used with tracepoint and rawtracepoint probes (${p.kind} used here)`);
      }
      case 'retval':
        if (p.kind !== 'uretprobe') return err(loc, `The retval builtin can only be used with 'uretprobe' probes (${p.kind} used here)`);
        return s64;
      case 'ctx':
        // The program's context (pt_regs, a perf event's data, a tracepoint's record): cast it to read it.
        return pointer(u8, 'kernel');
      case 'kstack': return { kind: 'stack', user: false };
      case 'ustack': return { kind: 'stack', user: true };
      case 'cpid':
        return options.command ? u32 : err(loc, 'cpid can only be used when a command is started with -c');
      case 'usermode':
        // Known where the program sees the interrupted registers (perf events) or the mode is fixed.
        if (p.kind === 'tracepoint' || p.kind === 'rawtracepoint') return err(loc, `The usermode builtin can not be used with '${p.kind}' probes`);
        return u8;
      default: {
        const m = /^(s?)arg(\d)$/.exec(name);
        if (m) {
          if (p.kind !== 'uprobe' && p.kind !== 'uretprobe' && p.kind !== 'rawtracepoint') {
            return err(loc, `The ${name} builtin can only be used with 'uprobe' and 'rawtracepoint' probes (${p.kind} used here)`);
          }
          if (p.kind === 'rawtracepoint') {
            const a = p.rawtracepoint?.args[Number(m[2])];
            if (!a) return err(loc, `${p.name} has no ${name}`);
            return a.type;
          }
          return m[1] ? s64 : u64;
        }
        return err(loc, `Unknown builtin: ${name}`);
      }
    }
  }

  /** Marks `e` as evaluated only for its effects, so a call there may have no value. */
  function discard(e: Expr): void {
    if (e.kind === 'Call') discarded.add(e.id);
    else if (e.kind === 'Ternary') {
      discard(e.then);
      discard(e.otherwise);
    }
  }

  /** Checks the condition of an if, a while or a ternary. */
  function condition(e: Expr, what: string): void {
    const t = asOperand(expr(e));
    if (t.kind !== 'unknown' && !isIntegral(t)) err(e.loc, `Invalid condition in ${what}: ${typeName(t)}`);
  }

  /** `@x = @y` where @y holds an aggregation: bpftrace's error, with its example and hint. */
  function aggregateCopy(target: string, source: string, fn: AggFn, loc: Expr['loc']): void {
    const example = fn === 'count' ? 'count()' : fn === 'stats' ? 'stats(arg2)' : fn === 'lhist' ? 'lhist(rand %10, 0, 10, 1)' : `${fn}(retval)`;
    const castable = ['count', 'sum', 'min', 'max', 'avg'].includes(fn);
    err(loc, `Map value '${fn}_t' cannot be assigned from one map to another. The function that returns this type must be called directly e.g. \`${target} = ${example};\`.`,
      castable ? [`Add a cast to integer if you want the value of the aggregate, e.g. \`${target} = (int64)${source};\`.`] : []);
  }

  /**
   * Variables assigned nothing but integer literals: the byte size bpftrace 0.26 gives them (the smallest
   * integer holding every literal). 0 once anything else was assigned.
   */
  const literalWidths = new Map<string, number>();

  /** Records an assignment of `value` (null: not a plain literal) to `$name` for literalWidths. */
  function noteLiteralWidth(name: string, value: Expr | null): void {
    const w = value ? literalWidth(value) : 0;
    const old = literalWidths.get(name);
    literalWidths.set(name, old === undefined ? w : old && w ? Math.max(old, w) : 0);
  }

  function assignVar(target: Variable, t: Type, loc: Expr['loc']): void {
    outOfScope.delete(target.name);
    const old = vars.get(target.name);
    if (t.kind === 'none') {
      err(loc, `Value '${target.name}' cannot be assigned: the right-hand side has no value`);
      return;
    }
    if (!old) vars.set(target.name, t.kind === 'int' ? widenInt(t) : t);
    else if (!compatible(old, t)) err(loc, `Type mismatch for ${target.name}: trying to assign value of type '${typeName(t)}' when variable already contains a value of type '${typeName(old)}'`);
    else if (old.kind === 'string' && t.kind === 'string' && t.size > old.size) vars.set(target.name, t);
    exprs.set(target.id, vars.get(target.name)!);
  }

  /** for-loop nesting at the statement being checked. */
  let loopDepth = 0;

  /**
   * A for loop's body: variables it declares are scoped to it, as in bpftrace, where the body of a loop
   * over a map is a callback that sees only the variables declared before the loop.
   */
  function forBody(body: Stmt): void {
    const before = new Set(vars.keys());
    loopDepth++;
    stmt(body);
    loopDepth--;
    for (const name of vars.keys()) if (!before.has(name)) outOfScope.add(name);
  }

  function stmt(s: Stmt): void {
    switch (s.kind) {
      case 'ExprStmt':
        // bpftrace accepts a value on its own (`@x;`, `$x;`); the statement reads it and drops it.
        discard(s.expr);
        expr(s.expr);
        return;
      case 'Discard':
        discard(s.expr);
        expr(s.expr);
        return;
      case 'AssignVar': {
        discard(s.value); // its own message below
        const t = expr(s.value);
        if (s.op) {
          noteLiteralWidth(s.target.name, null);
          const old = vars.get(s.target.name);
          if (!old) err(s.target.loc, `Undefined or undeclared variable: ${s.target.name}`);
          else if (!isIntegral(old) || !isIntegral(t)) err(s.loc, `Compound assignment needs integer operands, not '${typeName(old)}' and '${typeName(t)}'`);
          if (old) exprs.set(s.target.id, old);
          return;
        }
        assignVar(s.target, t, s.loc);
        noteLiteralWidth(s.target.name, s.value);
        return;
      }
      case 'Let': {
        const declared = s.type ? resolveTypeSpec(s.type) : null;
        const t = s.value ? expr(s.value) : declared;
        if (vars.has(s.target.name) && diags) err(s.target.loc, `Variable ${s.target.name} was already declared`);
        if (t) assignVar(s.target, declared ?? t, s.loc);
        noteLiteralWidth(s.target.name, declared ? null : s.value ?? null);
        return;
      }
      case 'AssignMap': {
        discard(s.value); // its own message below
        const t = expr(s.value);
        if (t.kind === 'unknown') return;
        if (t.kind === 'agg') {
          if (s.value.kind !== 'Call') {
            aggregateCopy(s.target.name, s.value.kind === 'Map' ? s.value.name : '@y', t.fn, s.loc);
            return;
          }
          const buckets = t.fn === 'hist' ? { hist: { bits: t.lhist?.min ?? 0 } } : t.fn === 'lhist' && t.lhist ? { lhist: t.lhist } : {};
          ctx.defineMap(s.target, t.valueType ?? s64, t.fn, buckets, s.value.loc);
          exprs.set(s.target.id, t);
          return;
        }
        if (t.kind === 'none') {
          err(s.value.loc, `Map value '${s.target.name}' cannot be assigned from a function that returns no value`);
          return;
        }
        if (s.op) {
          const sig = maps.get(s.target.name);
          if (!sig) ctx.defineMap(s.target, s64);
          else if (sig.agg) {
            err(s.loc, `Type mismatch for ${s.target.name}: trying to assign value of type '${typeName(sig.value)}' when map already contains a value of type '${sig.agg}_t'`);
            return;
          }
          for (const k of s.target.keys) expr(k);
          exprs.set(s.target.id, ctx.mapType(s.target));
          return;
        }
        ctx.defineMap(s.target, t, undefined, undefined, s.loc);
        exprs.set(s.target.id, ctx.mapType(s.target));
        return;
      }
      case 'If':
        condition(s.cond, 'if()');
        stmt(s.then);
        if (s.otherwise) stmt(s.otherwise);
        return;
      case 'While':
        condition(s.cond, 'while()');
        stmt(s.body);
        return;
      case 'Unroll': {
        expr(s.count);
        // bpftrace underlines `unroll (N)`: from the keyword to the `)` after the count (its grammar needs one).
        const at = { ...s.loc, endLine: endLineOf(s.count.loc), endColumn: endColumnOf(s.count.loc) + 1 };
        const n = constantInt(s.count, options.params);
        if (n === null) err(at, 'unroll count must be an integer literal or a positional parameter');
        else if (n < 1n) err(at, 'unroll minimum value is 1');
        else if (n > 100n) err(at, 'unroll maximum value is 100');
        stmt(s.body);
        return;
      }
      case 'For':
        // A loop variable is new and scoped to the loop; an ended loop's, or a variable of an ended loop's body, may be reused.
        if (vars.has(s.variable.name) && !outOfScope.has(s.variable.name)) {
          err(s.variable.loc, `Loop declaration shadows existing variable: ${s.variable.name}`);
          return;
        }
        outOfScope.delete(s.variable.name);
        if (s.iterable.kind === 'Range') {
          const [from, to] = [asOperand(expr(s.iterable.start)), asOperand(expr(s.iterable.end))];
          if (from.kind !== 'unknown' && !isIntegral(from)) err(s.iterable.start.loc, 'Loop range requires an integer for the start value');
          if (to.kind !== 'unknown' && !isIntegral(to)) err(s.iterable.end.loc, 'Loop range requires an integer for the end value');
          vars.set(s.variable.name, s64);
        } else {
          const sig = maps.get(s.iterable.name);
          if (!sig) err(s.iterable.loc, `Undefined map: ${s.iterable.name}`);
          else if (sig.key === null) err(s.iterable.loc, `${s.iterable.name} has no explicit keys (scalar map), and cannot be used for iteration`);
          else if (sig.agg && !CASTABLE.has(sig.agg)) err(s.iterable.loc, `Loop expression does not support type: ${sig.agg}_t`);
          else {
            // A per-CPU aggregation's element is its total over CPUs, an integer (see castableValue).
            const value = sig.agg ? castableValue({ kind: 'agg', fn: sig.agg, valueType: sig.value })! : sig.value;
            vars.set(s.variable.name, tuple([sig.key, value]));
          }
        }
        // Unknown when the iterable is wrong, so that the body's uses of the variable add no further errors.
        if (!vars.has(s.variable.name)) vars.set(s.variable.name, unknown);
        exprs.set(s.variable.id, vars.get(s.variable.name)!);
        forBody(s.body);
        outOfScope.add(s.variable.name);
        return;
      case 'Return':
        // bpftrace compiles loop bodies into callbacks, from which `return` cannot leave the probe.
        if (loopDepth > 0) err(s.loc, "'return' statement is not allowed in a for-loop");
        if (s.value) expr(s.value);
        return;
      case 'Break': case 'Continue':
        return;
      case 'Block':
        for (const x of s.stmts) stmt(x);
        if (s.value) expr(s.value);
        return;
    }
  }

  if (ast.predicate) {
    const t = asOperand(expr(ast.predicate));
    if (t.kind !== 'unknown' && !isIntegral(t)) err(ast.predicate.loc, `Invalid condition: ${typeName(t)}`);
  }
  stmt(ast.body);
  return { probe, exprs, vars, consts };
}

/** Whether a value of type `b` can be stored where `a` is expected (integers of any width; strings of any size). */
export function compatible(a: Type, b: Type): boolean {
  if (a.kind === 'unknown' || b.kind === 'unknown') return true;
  if ((a.kind === 'int' || a.kind === 'bool') && (b.kind === 'int' || b.kind === 'bool')) return true;
  if (a.kind === 'string' && b.kind === 'string') return true;
  if (a.kind === 'tuple' && b.kind === 'tuple') return a.elems.length === b.elems.length && a.elems.every((e, i) => compatible(e, b.elems[i]!));
  return sameType(a, b);
}

/**
 * The byte size bpftrace 0.26 gives an integer literal (`5`, `-3`): the smallest of 1, 2, 4, 8 bytes holding
 * it, unsigned when it is not negative. 0 for anything else.
 */
export function literalWidth(e: Node): number {
  const negative = e.kind === 'Unary' && e.op === '-' && e.operand.kind === 'Integer';
  const lit = negative ? e.operand : e;
  if (lit.kind !== 'Integer') return 0;
  const v = lit.value;
  for (const bytes of [1, 2, 4]) {
    const bits = BigInt(bytes * 8);
    if (negative ? v <= 1n << (bits - 1n) : v < 1n << bits) return bytes;
  }
  return 8;
}

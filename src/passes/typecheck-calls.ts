/**
 * Types of builtin function calls (printf, str, count, hist...), as bpftrace 0.26 defines them. Each entry
 * checks its arguments and returns the call's type; aggregation calls return an `agg` type that only a map
 * assignment may hold.
 */
import type { Call, Expr } from '../lang/index.js';
import { checkPrintfArgs, parsePrintfFormat, type PrintfArgType } from '../output/index.js';
import {
  bool, DEFAULT_STACK_LIMIT, isIntegral, none, s64, type StackMode, string, type Type, typeName, u64, u8, unknown,
} from '../types/types.js';
import { getoptValue } from './cli-opts.js';
import { positionalValue } from './positional.js';
import type { CheckContext } from './typecheck.js';

/** The printf view of a type. */
export function printfArgType(t: Type): PrintfArgType {
  const name = typeName(t);
  switch (t.kind) {
    case 'int': return { kind: 'integer', name };
    case 'bool': return { kind: 'boolean', name };
    case 'pointer': return { kind: 'pointer', name };
    case 'buffer': return { kind: 'buffer', name };
    case 'none': return { kind: 'none', name };
    default: return { kind: 'other', name };
  }
}

/** Functions that only make sense as statements: their value cannot be used. */
const STATEMENT_ONLY = new Set(['printf', 'print', 'exit', 'clear', 'zero', 'delete', 'time', 'system', 'cat', 'signal', 'errorf', 'warnf', 'join']);

type Checker = (c: Call, ctx: CheckContext) => Type;

function arity(c: Call, ctx: CheckContext, min: number, max = min): boolean {
  if (c.args.length < min || c.args.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    ctx.diags.error(c.loc, `${c.name}() requires ${want} argument${min === 1 && max === 1 ? '' : 's'} (${c.args.length} provided)`);
    return false;
  }
  return true;
}

function literalString(e: Expr | undefined, c: Call, ctx: CheckContext, what: string): string | null {
  if (!e || e.kind !== 'String') {
    ctx.diags.error(e?.loc ?? c.loc, `${c.name}() expects a string literal as its ${what}`);
    return null;
  }
  ctx.expr(e);
  return e.value;
}

function integerArg(e: Expr, c: Call, ctx: CheckContext, what = 'argument'): Type {
  const t = ctx.expr(e);
  if (t.kind !== 'unknown' && !isIntegral(t)) ctx.diags.error(e.loc, `${c.name}() only supports integer arguments (${typeName(t)} provided as ${what})`);
  return t;
}

/** The value of an integer literal or of a positional parameter that is one ($1 of `3`), else null. */
export function constantInt(e: Expr, params: readonly string[]): bigint | null {
  if (e.kind === 'Integer') return e.value;
  if (e.kind === 'PositionalParam') {
    const v = positionalValue(params, e.index, false);
    return v.kind === 'int' ? v.value : null;
  }
  return null;
}

function literalInt(e: Expr | undefined, c: Call, ctx: CheckContext, what: string): bigint | null {
  const v = e ? constantInt(e, ctx.options.params) : null;
  if (v !== null) {
    ctx.expr(e!);
    return v;
  }
  if (e?.kind === 'Unary' && e.op === '-' && e.operand.kind === 'Integer') {
    ctx.expr(e);
    return -e.operand.value;
  }
  ctx.diags.error(e?.loc ?? c.loc, `${c.name}(): ${what} must be an integer literal`);
  return null;
}

/** The symbol kaddr() names: a string literal, or a positional parameter as one (`str($1)`, `$1`). */
export function kaddrName(c: Call, params: readonly string[]): string | null {
  const a = c.args[0];
  if (a?.kind === 'String') return a.value;
  const p = a?.kind === 'Call' && a.name === 'str' && a.args.length === 1 ? a.args[0] : a;
  return p?.kind === 'PositionalParam' ? (params[p.index - 1] ?? '') : null;
}

function printf(c: Call, ctx: CheckContext): Type {
  // bpftrace 0.26 sets no upper bound (its tests print nine values); the format string must match.
  if (!arity(c, ctx, 1, Infinity)) return none;
  const fmt = literalString(c.args[0], c, ctx, 'first argument');
  const args = c.args.slice(1).map((a) => ctx.expr(a));
  if (fmt === null || args.some((a) => a.kind === 'unknown')) return none;
  const problem = checkPrintfArgs(parsePrintfFormat(fmt), args.map(printfArgType));
  if (problem) ctx.diags.error(c.loc, `${c.name}: ${problem}`);
  return none;
}

const CHECKERS: Record<string, Checker> = {
  printf,
  errorf: printf,
  warnf: printf,
  print(c, ctx) {
    if (!arity(c, ctx, 1, 3)) return none;
    const first = c.args[0]!;
    if (first.kind === 'Map' && !first.indexed) ctx.mapType(first, true);
    else ctx.expr(first);
    for (const a of c.args.slice(1)) integerArg(a, c, ctx);
    return none;
  },
  str(c, ctx) {
    if (!arity(c, ctx, 1, 2)) return unknown;
    const t = ctx.expr(c.args[0]!);
    let size = ctx.options.maxStrlen;
    if (c.args[1]) {
      const k = constantInt(c.args[1], ctx.options.params);
      const n = k === null ? null : Number(k);
      integerArg(c.args[1], c, ctx, 'length');
      if (n !== null) size = Math.min(size, n + 1);
    }
    if (t.kind === 'string') return string(Math.min(t.size, size));
    if (t.kind === 'pointer' && t.space === 'user') ctx.userRead(c.loc, 'str()');
    if (t.kind !== 'unknown' && !isIntegral(t) && t.kind !== 'array') {
      ctx.diags.error(c.args[0]!.loc, `str() expects an integer or a pointer type as first argument (${typeName(t)} provided)`);
    }
    return string(size);
  },
  buf(c, ctx) {
    if (!arity(c, ctx, 1, 2)) return unknown;
    const t = ctx.expr(c.args[0]!);
    if (t.kind === 'pointer' && t.space === 'user') ctx.userRead(c.loc, 'buf()');
    let size = t.kind === 'array' ? t.len * (t.elem.kind === 'int' ? t.elem.size : 8) : 64;
    if (c.args[1]) {
      integerArg(c.args[1], c, ctx, 'length');
      const k = constantInt(c.args[1], ctx.options.params);
      if (k !== null) size = Number(k);
    }
    return { kind: 'buffer', size: Math.min(size, ctx.options.maxStrlen) };
  },
  exit(c, ctx) {
    if (!arity(c, ctx, 0, 1)) return none;
    if (c.args[0]) integerArg(c.args[0], c, ctx);
    return none;
  },
  count(c, ctx) {
    arity(c, ctx, 0);
    return { kind: 'agg', fn: 'count', valueType: u64 };
  },
  sum: aggregate('sum'),
  min: aggregate('min'),
  max: aggregate('max'),
  avg: aggregate('avg'),
  stats: aggregate('stats'),
  hist(c, ctx) {
    if (!arity(c, ctx, 1, 2)) return unknown;
    integerArg(c.args[0]!, c, ctx);
    let bits = 0;
    if (c.args[1]) {
      const b = literalInt(c.args[1], c, ctx, 'the second argument (bits)');
      if (b !== null && (b < 0n || b > 5n)) ctx.diags.error(c.loc, `hist: bits ${b} must be 0..5`);
      bits = Number(b ?? 0n);
    }
    return { kind: 'agg', fn: 'hist', valueType: s64, lhist: { min: bits, max: 0, step: 0 } };
  },
  lhist(c, ctx) {
    if (!arity(c, ctx, 4)) return unknown;
    integerArg(c.args[0]!, c, ctx);
    // bpftrace 0.26: the bounds are non-negative integer literals (or numeric positional parameters).
    const bound = (e: Expr, what: string): bigint | null => {
      ctx.expr(e);
      const k = constantInt(e, ctx.options.params);
      const v = k !== null && k >= 0n ? k : null;
      if (v === null) ctx.diags.error(c.loc, what === 'step' ? 'lhist: invalid step value' : `lhist: invalid ${what} value (must be non-negative literal)`);
      return v;
    };
    const min = bound(c.args[1]!, 'min');
    const max = min === null ? null : bound(c.args[2]!, 'max');
    const step = max === null ? null : bound(c.args[3]!, 'step');
    if (min === null || max === null || step === null) return unknown;
    if (step <= 0n) ctx.diags.error(c.loc, `lhist() step must be >= 1 (${step} provided)`);
    else if ((max - min) / step > 1000n) ctx.diags.error(c.loc, `lhist() too many buckets, must be <= 1000 (would need ${(max - min) / step})`);
    if (min > max) ctx.diags.error(c.loc, `lhist() min must be less than max (provided min ${min} and max ${max})`);
    if (max - min < step) ctx.diags.error(c.loc, `lhist() step is too large for the given range (provided step ${step} for range ${max - min})`);
    return { kind: 'agg', fn: 'lhist', valueType: s64, lhist: { min: Number(min), max: Number(max), step: Number(step) } };
  },
  delete(c, ctx) {
    if (c.args.length === 1 && c.args[0]!.kind === 'Map') {
      ctx.mapType(c.args[0]!);
      return none;
    }
    if (!arity(c, ctx, 2) || c.args[0]!.kind !== 'Map') {
      ctx.diags.error(c.loc, 'delete() expects a map element: delete(@map[key]) or delete(@map, key)');
      return none;
    }
    ctx.mapType(c.args[0]!, true);
    ctx.expr(c.args[1]!);
    return none;
  },
  clear: mapOnly,
  zero: mapOnly,
  has_key(c, ctx) {
    // bpftrace 0.26 types it uint8, not bool: `@b[has_key(@a, 1)]` prints `@b[1]`, print() shows 1 or 0.
    if (!arity(c, ctx, 2) || c.args[0]!.kind !== 'Map') return u8;
    ctx.mapType(c.args[0]!, true);
    ctx.expr(c.args[1]!);
    return u8;
  },
  len(c, ctx) {
    if (!arity(c, ctx, 1)) return s64;
    const a = c.args[0]!;
    if (a.kind === 'Map' && !a.indexed) {
      const t = ctx.mapType(a, true);
      // siesta keeps a histogram's buckets as separate kernel entries, so counting them would not count keys.
      if (t.kind === 'agg' && (t.fn === 'hist' || t.fn === 'lhist')) ctx.diags.error(a.loc, `len() of ${t.fn}() map ${a.name} is not supported`);
      return s64;
    }
    const t = ctx.expr(a);
    // The depth is measured where len() runs (a BPF program cannot read a stack map), so it must be taken here.
    const here = (a.kind === 'Builtin' || a.kind === 'Call') && (a.name === 'kstack' || a.name === 'ustack');
    if (t.kind !== 'unknown' && !here) {
      ctx.diags.error(a.loc, `len() expects a map, kstack or ustack (${typeName(t)} provided)`);
    }
    return s64;
  },
  time(c, ctx) {
    if (!arity(c, ctx, 0, 1)) return none;
    if (c.args[0]) literalString(c.args[0], c, ctx, 'format');
    return none;
  },
  strftime(c, ctx) {
    if (!arity(c, ctx, 2)) return unknown;
    const format = literalString(c.args[0], c, ctx, 'format');
    integerArg(c.args[1]!, c, ctx, 'timestamp');
    return format === null ? unknown : { kind: 'timestamp', format };
  },
  kstack: stack(false),
  ustack: stack(true),
  ntop(c, ctx) {
    if (!arity(c, ctx, 1, 2)) return unknown;
    if (c.args.length === 2) integerArg(c.args[0]!, c, ctx, 'address family');
    const addr = c.args[c.args.length - 1]!;
    const t = ctx.expr(addr);
    // Tracepoint formats declare addresses as `__u8 saddr[4]`, which the format parser reads as char strings.
    const bytes = t.kind === 'array' && t.elem.kind === 'int' && t.elem.size === 1 ? t.len : t.kind === 'string' && addr.kind !== 'String' ? t.size : null;
    if (t.kind === 'unknown' || t.kind === 'int' || bytes === 4 || bytes === 16) return { kind: 'inet' };
    ctx.diags.error(addr.loc, `ntop() expects an integer or a char[4] or char[16] array as the address (${typeName(t)} provided)`);
    return unknown;
  },
  strncmp(c, ctx) {
    if (!arity(c, ctx, 3)) return s64;
    const [a, b] = [ctx.expr(c.args[0]!), ctx.expr(c.args[1]!)];
    for (const [t, e] of [[a, c.args[0]!], [b, c.args[1]!]] as const) {
      if (t.kind !== 'string' && t.kind !== 'unknown') ctx.diags.error(e.loc, `strncmp() expects string arguments (${typeName(t)} provided)`);
    }
    const n = literalInt(c.args[2], c, ctx, 'the length');
    if (n !== null && n < 0n) ctx.diags.error(c.args[2]!.loc, `strncmp(): the length must not be negative (${n} provided)`);
    return s64;
  },
  strcontains(c, ctx) {
    if (!arity(c, ctx, 2)) return bool;
    for (const e of c.args) {
      const t = ctx.expr(e);
      if (t.kind !== 'string' && t.kind !== 'unknown') ctx.diags.error(e.loc, `strcontains() expects string arguments (${typeName(t)} provided)`);
    }
    return bool;
  },
  kptr(c, ctx) {
    if (!arity(c, ctx, 1)) return unknown;
    const t = ctx.expr(c.args[0]!);
    if (t.kind === 'pointer') return { ...t, space: 'kernel' };
    if (t.kind === 'int') return { kind: 'pointer', to: { kind: 'int', size: 1, signed: true }, space: 'kernel' };
    if (t.kind !== 'unknown') ctx.diags.error(c.args[0]!.loc, `kptr() expects a pointer or an integer address (${typeName(t)} provided)`);
    return unknown;
  },
  uptr(c, ctx) {
    if (!arity(c, ctx, 1)) return unknown;
    const t = ctx.expr(c.args[0]!);
    if (t.kind === 'pointer') return { ...t, space: 'user' };
    if (t.kind === 'int') return { kind: 'pointer', to: { kind: 'int', size: 1, signed: true }, space: 'user' };
    if (t.kind !== 'unknown') ctx.diags.error(c.args[0]!.loc, `uptr() expects a pointer or an integer address (${typeName(t)} provided)`);
    return unknown;
  },
  signal(c, ctx) {
    if (!arity(c, ctx, 1)) return none;
    const t = ctx.expr(c.args[0]!);
    if (t.kind !== 'int' && t.kind !== 'string' && t.kind !== 'unknown') ctx.diags.error(c.args[0]!.loc, 'signal() expects a signal number or name');
    if (ctx.probe.context === 'atomic' && ctx.probe.kind !== 'tracepoint' && ctx.probe.kind !== 'rawtracepoint' && ctx.probe.kind !== 'profile' && ctx.probe.kind !== 'uprobe' && ctx.probe.kind !== 'uretprobe') {
      ctx.diags.error(c.loc, `signal() can not be used with "${ctx.probe.kind}" probes`);
    }
    return none;
  },
  system: unsafeCommand,
  cat(c, ctx) {
    if (!arity(c, ctx, 1, 8)) return none;
    literalString(c.args[0], c, ctx, 'format');
    for (const a of c.args.slice(1)) ctx.expr(a);
    return none;
  },
  join(c, ctx) {
    if (!arity(c, ctx, 1, 2)) return none;
    const t = ctx.expr(c.args[0]!);
    if (t.kind !== 'unknown' && t.kind !== 'int' && t.kind !== 'pointer') {
      ctx.diags.error(c.args[0]!.loc, `join() expects an array of string pointers, e.g. args.argv (${typeName(t)} provided)`);
    } else if (t.kind === 'pointer' && t.space === 'user') ctx.userRead(c.loc, 'join()');
    if (c.args[1]) literalString(c.args[1], c, ctx, 'separator');
    return none;
  },
  kaddr(c, ctx) {
    if (!arity(c, ctx, 1)) return u64;
    const name = kaddrName(c, ctx.options.params);
    if (name === null) ctx.diags.error(c.args[0]!.loc, 'kaddr() expects a string literal');
    else if (ctx.options.kernelSymbol?.(name) == null) ctx.diags.error(null, `Failed to compile: Failed to resolve kernel symbol: ${name}`);
    return u64;
  },
  percpu_kaddr(c, ctx) {
    if (!arity(c, ctx, 1, 2)) return u64;
    if (kaddrName(c, ctx.options.params) === null) ctx.diags.error(c.args[0]!.loc, 'percpu_kaddr() expects a string literal');
    if (c.args[1]) integerArg(c.args[1], c, ctx);
    return u64;
  },
  getopt(c, ctx) {
    if (!arity(c, ctx, 1, 2)) return unknown;
    const v = getoptValue(c, ctx.options.named ?? new Map());
    if (v.kind === 'error') {
      ctx.diags.error(v.onArg !== undefined ? c.args[v.onArg]!.loc : c.loc, v.message);
      return unknown;
    }
    return v.kind === 'int' ? s64 : string(new TextEncoder().encode(v.text).length + 1);
  },
  strerror(c, ctx) {
    if (!arity(c, ctx, 1)) return unknown;
    integerArg(c.args[0]!, c, ctx);
    return { kind: 'int', size: 8, signed: true, enumName: '__errno' };
  },
  ksym(c, ctx) {
    if (!arity(c, ctx, 1)) return unknown;
    integerArg(c.args[0]!, c, ctx);
    return { kind: 'ksym' };
  },
  usym(c, ctx) {
    if (!arity(c, ctx, 1)) return unknown;
    integerArg(c.args[0]!, c, ctx);
    return { kind: 'usym' };
  },
  nsecs(c, ctx) {
    if (!arity(c, ctx, 0, 1)) return u64;
    const a = c.args[0];
    if (a && (a.kind !== 'Identifier' || !['monotonic', 'boot', 'tai', 'sw_tai'].includes(a.name))) {
      ctx.diags.error(a.loc, 'nsecs() expects one of: monotonic, boot, tai, sw_tai');
    }
    return u64;
  },
};

const STACK_MODES: readonly StackMode[] = ['bpftrace', 'perf', 'raw'];

/** Most frames a stack may keep: the kernel's default kernel.perf_event_max_stack (a stack map's depth limit). */
const MAX_STACK_LIMIT = DEFAULT_STACK_LIMIT;

/** kstack/ustack([mode, ][limit]): the mode is bpftrace, perf or raw; the limit an integer literal. */
function stack(user: boolean): Checker {
  return (c, ctx) => {
    if (!arity(c, ctx, 0, 2)) return unknown;
    let mode: StackMode | undefined;
    let limit: number | undefined;
    const rest = [...c.args];
    const first = rest[0];
    if (first?.kind === 'Identifier') {
      rest.shift();
      if ((STACK_MODES as readonly string[]).includes(first.name)) mode = first.name as StackMode;
      else ctx.diags.error(first.loc, `${c.name}(): unknown stack mode '${first.name}' (expected ${STACK_MODES.join(', ')})`);
    }
    if (rest.length > 1) {
      ctx.diags.error(c.loc, `${c.name}() takes a stack mode and/or a limit: ${c.name}([mode, ][limit])`);
      return unknown;
    }
    if (rest[0]) {
      const n = literalInt(rest[0], c, ctx, 'the limit');
      if (n !== null && (n < 1n || n > BigInt(MAX_STACK_LIMIT))) {
        ctx.diags.error(rest[0].loc, `${c.name}(): the limit must be between 1 and ${MAX_STACK_LIMIT} (${n} provided)`, [
          `the kernel collects at most kernel.perf_event_max_stack frames (${MAX_STACK_LIMIT} by default)`,
        ]);
      } else if (n !== null) limit = Number(n);
    }
    return { kind: 'stack', user, ...(mode ? { mode } : {}), ...(limit !== undefined && limit !== DEFAULT_STACK_LIMIT ? { limit } : {}) };
  };
}

function aggregate(fn: 'sum' | 'min' | 'max' | 'avg' | 'stats'): Checker {
  return (c, ctx) => {
    if (!arity(c, ctx, 1)) return unknown;
    const t = integerArg(c.args[0]!, c, ctx);
    const signed = t.kind === 'int' ? t.signed : false;
    return { kind: 'agg', fn, valueType: { kind: 'int', size: 8, signed: fn === 'avg' || fn === 'stats' ? true : signed } };
  };
}

function mapOnly(c: Call, ctx: CheckContext): Type {
  if (!arity(c, ctx, 1)) return none;
  const m = c.args[0]!;
  if (m.kind !== 'Map' || m.indexed) {
    ctx.diags.error(m.loc, `${c.name}() expects a map argument`);
    return none;
  }
  ctx.mapType(m, true);
  return none;
}

function unsafeCommand(c: Call, ctx: CheckContext): Type {
  if (!arity(c, ctx, 1, 8)) return none;
  literalString(c.args[0], c, ctx, 'format');
  for (const a of c.args.slice(1)) ctx.expr(a);
  return none;
}

/** Type of a call; reports unknown functions with the known names that are closest. */
export function checkCall(c: Call, ctx: CheckContext): Type {
  const check = CHECKERS[c.name];
  if (!check) {
    for (const a of c.args) ctx.expr(a);
    ctx.diags.error(c.loc, `Unknown function: '${c.name}'`);
    return unknown;
  }
  return check(c, ctx);
}

/** True for calls whose value cannot be used in an expression. */
export function isStatementOnly(name: string): boolean {
  return STATEMENT_ONLY.has(name);
}

/** Names of every builtin function siesta knows. */
export const FUNCTION_NAMES: readonly string[] = Object.keys(CHECKERS);

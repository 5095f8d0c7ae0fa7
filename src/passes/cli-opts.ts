/**
 * Named program parameters (`siesta script.bt --verbose --limit=20`) read with `getopt(name[, default])`, as
 * bpftrace 0.26 reads them: the value's type follows the default (a string, an integer, or a boolean flag
 * when the default is absent, 0 or 1), a parameter without `=value` is true, and a parameter no getopt()
 * reads is an error. Every value is known when the script compiles, so getopt() is a constant.
 */
import { type Call, type Program, walk } from '../lang/index.js';

/** The compile-time value of one getopt() call, or why it has none. */
export type GetoptValue =
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'error'; readonly message: string; readonly onArg?: 0 | 1 };

const TRUTHY = new Set(['1', 'true', 'yes', 'on', 'y']);
const FALSY = new Set(['0', 'false', 'no', 'off', 'n']);

/** A flag's value as a boolean, or null when the text is neither true nor false. */
function flagValue(text: string): bigint | null {
  const t = text.toLowerCase();
  if (TRUTHY.has(t)) return 1n;
  if (FALSY.has(t)) return 0n;
  return null;
}

/** The literal default of a getopt() call (its second argument), when it is a string or integer literal. */
function literalDefault(e: Call['args'][number] | undefined): Exclude<GetoptValue, { kind: 'error' }> | null {
  if (!e) return null;
  if (e.kind === 'String') return { kind: 'string', text: e.value };
  if (e.kind === 'Integer') return { kind: 'int', value: e.value };
  if (e.kind === 'Unary' && e.op === '-' && e.operand.kind === 'Integer') return { kind: 'int', value: -e.operand.value };
  return null;
}

/** What `getopt(...)` evaluates to given the named parameters of the command line. */
export function getoptValue(c: Call, named: ReadonlyMap<string, string>): GetoptValue {
  const nameArg = c.args[0];
  if (nameArg?.kind !== 'String') return { kind: 'error', message: "First argument to 'getopt' must be a string literal.", onArg: 0 };
  const name = nameArg.value;
  const fallback = literalDefault(c.args[1]);
  if (c.args[1] && !fallback) return { kind: 'error', message: "Second argument to 'getopt' must be a string or integer literal.", onArg: 1 };
  const given = named.get(name);
  if (given === undefined) return fallback ?? { kind: 'int', value: 0n };
  if (fallback?.kind === 'string') return { kind: 'string', text: given };
  // No default, or a default of 0 or 1: a boolean flag (an integer default of 0/1 also takes numbers).
  if (!fallback || fallback.value === 0n || fallback.value === 1n) {
    const flag = flagValue(given);
    if (flag !== null) return { kind: 'int', value: flag };
    if (!fallback) return { kind: 'error', message: `Command line option '${name}' is expecting a boolean (e.g. 1, 'true'). Got: ${given}` };
  }
  if (!/^[+-]?\d+$/.test(given.trim())) return { kind: 'error', message: `Command line option '${name}' is expecting an integer. Got: ${given}` };
  const value = BigInt(given.trim());
  if (value < -(2n ** 63n) || value >= 2n ** 63n) return { kind: 'error', message: `Value for command line option '${name}' is out of range. Got: ${given}` };
  return { kind: 'int', value };
}

/** The named parameters no getopt() call of `program` reads, in command-line order. */
export function unusedNamedParams(program: Program, named: ReadonlyMap<string, string>): string[] {
  const read = new Set<string>();
  walk(program, (n) => {
    if (n.kind === 'Call' && n.name === 'getopt' && n.args[0]?.kind === 'String') read.add(n.args[0].value);
  });
  return [...named.keys()].filter((k) => !read.has(k));
}

/**
 * C definitions written in a script's preamble: `enum E { A = 1, B };` and `struct S { int x; char *p; };`.
 * bpftrace hands these to clang; siesta reads the subset scripts use: enums whose names become constants
 * (printed by name where bpftrace prints them so), and structs or unions of integers, pointers, arrays and other
 * structs, laid out as the x86-64 System V ABI lays them out (each field at a multiple of its alignment, the
 * whole rounded up to the largest alignment), for casts, field access, sizeof and offsetof.
 */
import type { CDefinition, Diagnostics, Preprocessor } from '../lang/index.js';
import {
  alignOf, type EnumVariant, pointer, type RecordField, s16, s32, s64, s8, sizeOf, type Type, u16, u32, u64, u8,
} from '../types/types.js';

/** What the preamble declares. */
export interface CDeclarations {
  /** Enum constants by name, each with its enum's type. */
  readonly constants: ReadonlyMap<string, { readonly value: bigint; readonly type: Type }>;
  /** Named types: `enum E`, `struct S`, `union U`. */
  readonly types: ReadonlyMap<string, Type>;
}

/** C spellings of integer types (and the kernel's and stdint's aliases), by the words that name them. */
const C_INTS: Record<string, Type> = {
  'char': s8, 'signed char': s8, 'unsigned char': u8, 'short': s16, 'short int': s16, 'unsigned short': u16,
  'unsigned short int': u16, 'int': s32, 'signed': s32, 'signed int': s32, 'unsigned': u32, 'unsigned int': u32,
  'long': s64, 'long int': s64, 'unsigned long': u64, 'unsigned long int': u64, 'long long': s64, 'long long int': s64,
  'unsigned long long': u64, 'unsigned long long int': u64, '_Bool': u8, 'bool': u8,
  'u8': u8, 'u16': u16, 'u32': u32, 'u64': u64, 's8': s8, 's16': s16, 's32': s32, 's64': s64,
  '__u8': u8, '__u16': u16, '__u32': u32, '__u64': u64, '__s8': s8, '__s16': s16, '__s32': s32, '__s64': s64,
  'uint8_t': u8, 'uint16_t': u16, 'uint32_t': u32, 'uint64_t': u64, 'int8_t': s8, 'int16_t': s16, 'int32_t': s32, 'int64_t': s64,
  'size_t': u64, 'ssize_t': s64, 'pid_t': s32, 'uid_t': u32, 'gid_t': u32,
};

class CSyntaxError extends Error {}

/** Reads the preamble's definitions; `lookup` finds types it does not declare (kernel BTF). */
export function readCDefinitions(
  defs: readonly CDefinition[], diags: Diagnostics, lookup: (name: string) => Type | null, defines: readonly Preprocessor[] = [],
): CDeclarations {
  const constants = new Map<string, { value: bigint; type: Type }>();
  const types = new Map<string, Type>();
  for (const d of defines) readDefine(d, constants);
  for (const d of defs) {
    try {
      new Reader(d.text, constants, types, lookup).definitions();
    } catch (e) {
      if (!(e instanceof CSyntaxError)) throw e;
      diags.error(d.loc, `cannot read this C definition: ${e.message}`);
    }
  }
  return { constants, types };
}

/**
 * `#define NAME 314` (an integer, in any C base, with U/L suffixes, parentheses or a minus; or the name of an
 * earlier constant): NAME becomes an int64 constant, as bpftrace substitutes it. Other macros stay unknown
 * names, so their uses get "Unknown identifier" where they appear.
 */
function readDefine(d: Preprocessor, constants: Map<string, { value: bigint; type: Type }>): void {
  if (d.directive !== 'define' || !d.defineName || !d.defineValue) return;
  const m = /^\(?\s*(-?)\s*(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)[uUlL]*\s*\)?$/.exec(d.defineValue);
  if (m) {
    const digits = m[2]!;
    const magnitude = /^0[0-7]+$/.test(digits) ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
    constants.set(d.defineName, { value: m[1] ? -magnitude : magnitude, type: s64 });
    return;
  }
  const alias = constants.get(d.defineValue);
  if (alias) constants.set(d.defineName, alias);
}

/** A recursive-descent reader over one definition's tokens. */
class Reader {
  readonly #tokens: string[];
  #at = 0;

  constructor(
    text: string,
    readonly constants: Map<string, { value: bigint; type: Type }>,
    readonly types: Map<string, Type>,
    readonly lookup: (name: string) => Type | null,
  ) {
    this.#tokens = text.match(/[A-Za-z_]\w*|0[xX][0-9a-fA-F]+|\d+|\S/g) ?? [];
  }

  #peek(): string | undefined {
    return this.#tokens[this.#at];
  }

  #next(): string {
    const t = this.#tokens[this.#at++];
    if (t === undefined) throw new CSyntaxError('unexpected end');
    return t;
  }

  #expect(t: string): void {
    const got = this.#next();
    if (got !== t) throw new CSyntaxError(`expected '${t}', found '${got}'`);
  }

  definitions(): void {
    while (this.#peek() !== undefined) {
      if (this.#peek() === ';') {
        this.#next();
        continue;
      }
      this.#typeSpec();
    }
  }

  /** A type specifier: an integer spelling, a named type, or an enum/struct/union (with its body, when given). */
  #typeSpec(): Type {
    while (this.#peek() === 'const' || this.#peek() === 'volatile') this.#next();
    const first = this.#next();
    if (first === 'enum') return this.#enum();
    if (first === 'struct' || first === 'union') return this.#record(first);
    let words = first;
    while (C_INTS[`${words} ${this.#peek() ?? ''}`]) words += ` ${this.#next()}`;
    const t = C_INTS[words] ?? this.types.get(words) ?? this.lookup(words);
    if (!t) throw new CSyntaxError(`unknown type '${words}'`);
    return t;
  }

  #enum(): Type {
    const name = /^[A-Za-z_]/.test(this.#peek() ?? '') ? this.#next() : '';
    if (this.#peek() !== '{') {
      const t = this.types.get(`enum ${name}`) ?? this.lookup(`enum ${name}`);
      if (!t) throw new CSyntaxError(`unknown type 'enum ${name}'`);
      return t;
    }
    this.#next();
    const variants: EnumVariant[] = [];
    let next = 0n;
    while (this.#peek() !== '}') {
      const v = this.#next();
      if (!/^[A-Za-z_]\w*$/.test(v)) throw new CSyntaxError(`expected an enumerator name, found '${v}'`);
      if (this.#peek() === '=') {
        this.#next();
        next = this.#constant();
      }
      variants.push({ name: v, value: next });
      next++;
      if (this.#peek() === ',') this.#next();
      else if (this.#peek() !== '}') throw new CSyntaxError(`expected ',' or '}', found '${this.#peek() ?? 'the end'}'`);
    }
    this.#next();
    // bpftrace gives enum values 64 bits; a named enum prints as `enum NAME`, an anonymous one as `enum`.
    const type: Type = { kind: 'int', size: 8, signed: variants.some((x) => x.value < 0n), enumName: name, enumVariants: variants };
    if (name) this.types.set(`enum ${name}`, type);
    for (const x of variants) this.constants.set(x.name, { value: x.value, type });
    return type;
  }

  /** An enumerator's value: an integer, a negated one, or an earlier enumerator. */
  #constant(): bigint {
    const t = this.#next();
    if (t === '-') return -this.#constant();
    if (/^0[xX]/.test(t)) return BigInt(t);
    if (/^0\d/.test(t)) return BigInt(`0o${t.slice(1)}`);
    if (/^\d+$/.test(t)) return BigInt(t);
    const c = this.constants.get(t);
    if (c) return c.value;
    throw new CSyntaxError(`expected an integer, found '${t}'`);
  }

  #record(keyword: 'struct' | 'union'): Type {
    const name = /^[A-Za-z_]/.test(this.#peek() ?? '') ? this.#next() : '';
    const full = `${keyword} ${name}`;
    if (this.#peek() !== '{') {
      const t = this.types.get(full) ?? this.lookup(full);
      if (!t) throw new CSyntaxError(`unknown type '${full}'`);
      return t;
    }
    this.#next();
    const fields: RecordField[] = [];
    // Known before its body, so its fields may point to it (`struct S *next`); sized once read.
    const t: Type = { kind: 'record', name: full, size: 0, fields, union: keyword === 'union', space: 'kernel' };
    if (name) this.types.set(full, t);
    let size = 0;
    let align = 1;
    while (this.#peek() !== '}') {
      const base = this.#typeSpec();
      for (;;) {
        if (this.#peek() === ';') break;
        const { name: field, type } = this.#declarator(base);
        const a = alignOf(type);
        const offset = keyword === 'union' ? 0 : Math.ceil(size / a) * a;
        fields.push({ name: field, type, offset });
        size = keyword === 'union' ? Math.max(size, sizeOf(type)) : offset + sizeOf(type);
        align = Math.max(align, a);
        if (this.#peek() !== ',') break;
        this.#next();
      }
      // The last field may omit its `;` before `}` (bpftrace's own tests write `struct x {unsigned long x}`).
      if (this.#peek() === ';') this.#next();
      else if (this.#peek() !== '}') throw new CSyntaxError(`expected ';', found '${this.#peek() ?? 'the end'}'`);
    }
    this.#next();
    t.size = Math.ceil(size / align) * align;
    return t;
  }

  /** `*`s, a name, and `[N]`s after a base type. */
  #declarator(base: Type): { name: string; type: Type } {
    let type = base;
    while (this.#peek() === '*') {
      this.#next();
      type = pointer(type, 'kernel');
    }
    while (this.#peek() === 'const') this.#next();
    const name = this.#next();
    if (!/^[A-Za-z_]\w*$/.test(name)) throw new CSyntaxError(`expected a field name, found '${name}'`);
    const dims: number[] = [];
    while (this.#peek() === '[') {
      this.#next();
      const n = this.#next();
      if (!/^\d+$/.test(n)) throw new CSyntaxError(`expected an array length, found '${n}'`);
      dims.push(Number(n));
      this.#expect(']');
    }
    for (const n of dims.reverse()) type = { kind: 'array', elem: type, len: n, space: 'kernel' };
    return { name, type };
  }
}

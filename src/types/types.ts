/**
 * The language's types. Every expression of a script has one, kept in a side table keyed by AST node id
 * (passes/typecheck.ts). Sizes and layouts here are the in-kernel layouts the code generator and the
 * runtime decoder agree on.
 */

/** Where a pointer points: kernel memory is read with probe_read_kernel, user memory with the reliable-read machinery. */
export type AddressSpace = 'kernel' | 'user';

/** A field of a record (struct, union or tracepoint args). */
export interface RecordField {
  name: string;
  type: Type;
  /** Byte offset from the start of the record. */
  offset: number;
  /** Bitfield: bit offset within the byte at `offset`'s storage unit and width; absent for plain fields. */
  bitfield?: { bitOffset: number; bits: number };
  /** A tracepoint `__data_loc` field: a u32 (length << 16 | offset) locating the bytes in the record. */
  dataLoc?: boolean;
}

/** One name of an enum declared in a script (`enum E { A = 1, B }`). */
export interface EnumVariant {
  readonly name: string;
  readonly value: bigint;
}

/** A language type. */
export type Type =
  /** `enumVariants`: a script-declared enum's names, so its values print by name (bpftrace 0.26). */
  | { kind: 'int'; size: 1 | 2 | 4 | 8; signed: boolean; enumName?: string; enumVariants?: readonly EnumVariant[] }
  | { kind: 'bool' }
  /** A NUL-terminated string stored in `size` bytes. */
  | { kind: 'string'; size: number }
  /** Bytes with a length: stored as u32 length then `size` bytes. */
  | { kind: 'buffer'; size: number }
  | { kind: 'pointer'; to: Type; space: AddressSpace }
  /** A struct or union; `btfId` names its BTF type, whose fields are converted on demand (see from-btf.ts). */
  | { kind: 'record'; name: string; size: number; fields: RecordField[] | null; union: boolean; space: AddressSpace; btfId?: number }
  | { kind: 'array'; elem: Type; len: number; space: AddressSpace }
  | { kind: 'tuple'; elems: Type[]; offsets: number[]; size: number }
  /** Kernel or user symbol (an address printed as a name). */
  | { kind: 'ksym' }
  | { kind: 'usym' }
  /**
   * A stack (kstack/ustack): 8 bytes, the get_stackid() result in the low 32 bits (negative: -errno) and, for
   * user stacks, the process id in the high 32 bits (user frames are symbolised in that process's mappings).
   * `limit` frames are kept (the stack map's depth); `mode` is how it prints. Symbolised by the runtime.
   */
  | { kind: 'stack'; user: boolean; mode?: StackMode; limit?: number }
  /** `strftime(format, ns)`: nanoseconds since boot, printed as wall-clock time with `format` by the runtime. */
  | { kind: 'timestamp'; format: string }
  /** `username`: the uid (u64), printed by the runtime as the user's name from the password database. */
  | { kind: 'username' }
  /** `ntop()`: an address family (u64: AF_INET or AF_INET6) then 16 address bytes, printed as text by the runtime. */
  | { kind: 'inet' }
  /** Aggregation values, only as map values. */
  | { kind: 'agg'; fn: AggFn; valueType?: Type; lhist?: { min: number; max: number; step: number } }
  /** Statement-only calls (printf, exit...). */
  | { kind: 'none' }
  /** Not yet known (a map read before any assignment is seen). */
  | { kind: 'unknown' };

/** How a stack prints (bpftrace's StackMode): symbolised frames, perf's layout, or bare addresses. */
export type StackMode = 'bpftrace' | 'perf' | 'raw';

/** Frames kept by kstack/ustack without a limit (the kernel's default perf_event_max_stack). */
export const DEFAULT_STACK_LIMIT = 127;

/** Aggregation functions: per-CPU map values combined by the runtime. */
export type AggFn = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'stats' | 'hist' | 'lhist';

/** Common integer types. */
export const u8: Type = { kind: 'int', size: 1, signed: false };
export const u16: Type = { kind: 'int', size: 2, signed: false };
export const u32: Type = { kind: 'int', size: 4, signed: false };
export const u64: Type = { kind: 'int', size: 8, signed: false };
export const s8: Type = { kind: 'int', size: 1, signed: true };
export const s16: Type = { kind: 'int', size: 2, signed: true };
export const s32: Type = { kind: 'int', size: 4, signed: true };
export const s64: Type = { kind: 'int', size: 8, signed: true };
export const bool: Type = { kind: 'bool' };
export const none: Type = { kind: 'none' };
export const unknown: Type = { kind: 'unknown' };

/** An integer type of `size` bytes. */
export function int(size: 1 | 2 | 4 | 8, signed: boolean): Type {
  return { kind: 'int', size, signed };
}

/** A string type of `size` bytes. */
export function string(size: number): Type {
  return { kind: 'string', size };
}

/** A pointer to `to` in `space`. */
export function pointer(to: Type, space: AddressSpace): Type {
  return { kind: 'pointer', to, space };
}

/** Types named in scripts and casts: `uint32`, `int8`, `u64`, `bool`, `string`... (bpftrace spellings). */
export const NAMED_TYPES: Record<string, Type> = {
  bool, int8: s8, int16: s16, int32: s32, int64: s64, uint8: u8, uint16: u16, uint32: u32, uint64: u64,
  s8, s16, s32, s64, u8, u16, u32, u64,
  char: s8, short: s16, int: s32, long: s64, 'unsigned char': u8, 'unsigned short': u16, 'unsigned int': u32,
  'unsigned long': u64, 'long long': s64, 'unsigned long long': u64,
};

/** Bytes a value of `t` occupies in memory (maps, records, the stack). */
export function sizeOf(t: Type): number {
  switch (t.kind) {
    case 'int': return t.size;
    case 'bool': return 1;
    case 'string': return t.size;
    case 'buffer': return 4 + t.size;
    case 'pointer': case 'ksym': return 8;
    // bpftrace's usym_t: the address, then the pid whose mappings name it.
    case 'usym': return 16;
    case 'record': return t.size;
    case 'array': return sizeOf(t.elem) * t.len;
    case 'tuple': return t.size;
    case 'stack': case 'timestamp': case 'username': return 8;
    case 'inet': return 24;
    case 'agg': return 8;
    case 'none': case 'unknown': return 0;
  }
}

/** Natural alignment of `t`. */
export function alignOf(t: Type): number {
  switch (t.kind) {
    case 'int': return t.size;
    case 'bool': case 'string': return 1;
    case 'buffer': return 4;
    case 'pointer': case 'ksym': case 'usym': case 'stack': case 'agg': case 'timestamp': case 'inet': case 'username': return 8;
    case 'record': return t.fields ? Math.min(8, Math.max(1, ...t.fields.map((f) => alignOf(f.type)))) : 8;
    case 'array': return alignOf(t.elem);
    case 'tuple': return Math.max(1, ...t.elems.map(alignOf));
    case 'none': case 'unknown': return 1;
  }
}

/** A tuple of `elems`, laid out with natural alignment (bpftrace packs tuples the same way as C structs). */
export function tuple(elems: Type[]): Type {
  const offsets: number[] = [];
  let off = 0;
  for (const e of elems) {
    const a = alignOf(e);
    off = Math.ceil(off / a) * a;
    offsets.push(off);
    off += sizeOf(e);
  }
  const align = Math.max(1, ...elems.map(alignOf));
  return { kind: 'tuple', elems, offsets, size: Math.ceil(off / align) * align };
}

/** True for types held in one register (integers, bools, pointers, kernel symbols; usym carries a pid too). */
export function isScalar(t: Type): boolean {
  return t.kind === 'int' || t.kind === 'bool' || t.kind === 'pointer' || t.kind === 'ksym' || t.kind === 'stack' ||
    t.kind === 'timestamp' || t.kind === 'username';
}

/** True for integer-like types usable in arithmetic. */
export function isIntegral(t: Type): boolean {
  return t.kind === 'int' || t.kind === 'bool' || t.kind === 'pointer';
}

/** The spelling used in diagnostics, as bpftrace's typestr prints types (`uint64`, `string`, `(int64,string)`, `struct task_struct *`). */
export function typeName(t: Type): string {
  switch (t.kind) {
    case 'int': return t.enumName ? `enum ${t.enumName}` : `${t.signed ? 'int' : 'uint'}${t.size * 8}`;
    case 'bool': return 'bool';
    case 'string': return 'string';
    case 'buffer': return 'buffer';
    case 'pointer': return `${typeName(t.to)} *`;
    case 'record': return t.name;
    case 'array': return `${typeName(t.elem)}[${t.len}]`;
    case 'tuple': return `(${t.elems.map(typeName).join(',')})`;
    case 'ksym': return 'ksym_t';
    case 'usym': return 'usym_t';
    case 'stack': return t.user ? 'ustack' : 'kstack';
    case 'timestamp': return 'timestamp';
    case 'inet': return 'inet';
    case 'username': return 'username';
    case 'agg': return `${t.fn}_t`;
    case 'none': return 'none';
    case 'unknown': return 'unknown';
  }
}

/** Structural equality (records compare by name). */
export function sameType(a: Type, b: Type): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'int': return a.size === (b as typeof a).size && a.signed === (b as typeof a).signed;
    case 'string': case 'buffer': return a.size === (b as typeof a).size;
    case 'pointer': return sameType(a.to, (b as typeof a).to);
    case 'record': return a.name === (b as typeof a).name;
    case 'array': return a.len === (b as typeof a).len && sameType(a.elem, (b as typeof a).elem);
    case 'tuple': {
      const bt = b as typeof a;
      return a.elems.length === bt.elems.length && a.elems.every((e, i) => sameType(e, bt.elems[i]!));
    }
    case 'agg': return a.fn === (b as typeof a).fn;
    case 'stack': return a.user === (b as typeof a).user && (a.mode ?? 'bpftrace') === ((b as typeof a).mode ?? 'bpftrace') &&
      (a.limit ?? DEFAULT_STACK_LIMIT) === ((b as typeof a).limit ?? DEFAULT_STACK_LIMIT);
    case 'timestamp': return a.format === (b as typeof a).format;
    default: return true;
  }
}

/** A struct, union or tracepoint `args` record type. */
export type RecordType = Extract<Type, { kind: 'record' }>;

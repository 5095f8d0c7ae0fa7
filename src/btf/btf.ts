/**
 * The `Btf` class: a parsed BTF blob (vmlinux, a module on top of it, or a BPF object's .BTF) with
 * the queries the rest of siesta needs. Pure: no file or syscall access (see load.ts for reading).
 *
 * Start-up cost is one pass recording where each type starts (parse.ts); types are decoded on
 * first use and cached, and the name index (name-index.ts) is built on the first name lookup.
 */

import { BtfError } from './errors.js';
import { formatTypeName } from './format-name.js';
import { NameIndex, scanManyByName } from './name-index.js';
import { decodeType, indexTypes, parseHeader, readString, stringSection, typeWords } from './parse.js';
import type { BtfFuncProto, BtfHeader, BtfMember, BtfParam, BtfType, BtfTypeLookup } from './types.js';
import {
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_DATASEC,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FLOAT,
  BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_INT,
  BTF_KIND_PTR,
  BTF_KIND_RESTRICT,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_TYPEDEF,
  BTF_KIND_UNION,
  BTF_KIND_UNKN,
  BTF_KIND_VAR,
  BTF_KIND_VOLATILE,
  infoKind,
  kindName,
  toBtfKind,
  trailingWords,
} from './uapi.js';
import type { BtfKind, BtfKindName } from './uapi.js';

/**
 * Pointer size in bytes. BTF does not record it; siesta targets 64-bit kernels and BPF pointers
 * are always 64-bit, as cilium/ebpf and libbpf (for BPF objects) also assume.
 */
export const BTF_POINTER_SIZE = 8;

/** Following typedef/qualifier chains further than this means the BTF has a reference loop. */
const MAX_CHAIN = 64;

/**
 * Name lookups answered by a linear scan before the hash index is built. On vmlinux (6.18, 127k
 * types) a cold scan costs ~1 ms (3 ms the very first time) and building the index ~8 ms.
 */
const SCANS_BEFORE_INDEX = 8;

/** One enumerator as returned by `Btf.enumValues`, widened to bigint so ENUM and ENUM64 read alike. */
export interface BtfEnumValue {
  /** Enumerator name. */
  readonly name: string;
  /** Enumerator value (sign taken from the enum's kind_flag). */
  readonly value: bigint;
}

/** A function signature as returned by `Btf.funcProto`. */
export interface BtfSignature {
  /** Id of the FUNC_PROTO the signature came from. */
  readonly protoId: number;
  /** Return type id (0 for `void`). */
  readonly returnTypeId: number;
  /** Named (where the encoder kept names) parameters. */
  readonly params: readonly BtfParam[];
  /** True for `...` functions. */
  readonly variadic: boolean;
}

const VOID: BtfType = { kind: BTF_KIND_UNKN, id: 0, name: '' };

/**
 * Whether saved type offsets fit this type section: the first record at 0, ascending, and the last record
 * ending exactly where the section ends (a list cut short, or made for another blob, does not).
 */
function fitsTypeSection(offsets: Int32Array, words: Uint32Array): boolean {
  const n = offsets.length;
  if (n === 0 || offsets[0] !== 0) return false;
  const last = offsets[n - 1] as number;
  if (last + 3 > words.length || (n > 1 && (offsets[n - 2] as number) >= last)) return false;
  const info = words[last + 1] as number;
  return last + 3 + trailingWords((info >>> 24) & 0x1f, info & 0xffff) === words.length;
}

/**
 * Facts about a blob found by an earlier parse of the same bytes (vmlinux BTF does not change while the kernel
 * runs): the word offset of each type record (indexTypes' result) and the own type indices (before adding
 * firstTypeId) of names already scanned for. They spare the passes over every type that find them.
 */
export interface KnownIndex {
  typeOffsets?: Int32Array;
  names?: ReadonlyMap<string, readonly number[]>;
}

/** A parsed BTF blob with lazy, cached type decoding and name lookup. */
export class Btf implements BtfTypeLookup {
  /** The decoded `struct btf_header`. */
  readonly header: BtfHeader;
  /** The BTF this one extends (vmlinux for module BTF), if any. */
  readonly base: Btf | undefined;
  /** Id of the first type stored in this blob: 1, or the base's next id for split BTF. */
  readonly firstTypeId: number;
  /** Number of types stored in this blob (not counting `void` or the base's types). */
  readonly typeCount: number;

  private readonly words: Uint32Array;
  private readonly offsets: Int32Array;
  private readonly strings: Uint8Array;
  /** First string offset owned by this blob (split BTF continues the base's string offsets). */
  private readonly strBase: number;
  /** Decoded types by local index, allocated on the first decode (a 127k-slot array costs ~0.5 ms). */
  private cache: (BtfType | undefined)[] | undefined;
  private names: NameIndex | undefined;
  private scans = 0;
  /** Own type indices (before adding firstTypeId) of the names scanned for so far. */
  private readonly found = new Map<string, readonly number[]>();
  /** Names to add to the next scan (hintNames). */
  private readonly hints = new Set<string>();
  private readonly locate = (off: number): readonly [Uint8Array, number] | undefined => this.locateString(off);
  private readonly readName = (off: number): string => this.stringAt(off);

  private constructor(bytes: Uint8Array, base: Btf | undefined, known: KnownIndex) {
    this.header = parseHeader(bytes);
    this.base = base;
    this.words = typeWords(bytes, this.header);
    const given = known.typeOffsets;
    this.offsets = given && fitsTypeSection(given, this.words) ? given : indexTypes(this.words);
    for (const [name, ids] of known.names ?? []) this.found.set(name, ids);
    this.strings = stringSection(bytes, this.header);
    this.strBase = base === undefined ? 0 : base.strEnd;
    this.firstTypeId = base === undefined ? 1 : base.nextTypeId;
    this.typeCount = this.offsets.length;
    if (base === undefined && (this.strings.length === 0 || this.strings[0] !== 0)) {
      throw new BtfError('malformed', 'BTF string section does not start with the empty string.');
    }
  }

  /**
   * Parses a BTF blob. Pass `base` for split BTF (e.g. /sys/kernel/btf/<module> on top of vmlinux):
   * its type ids and string offsets then continue where the base's end.
   */
  static parse(bytes: Uint8Array, base?: Btf, known: KnownIndex = {}): Btf {
    return new Btf(bytes, base, known);
  }

  /**
   * What this Btf worked out that another process reading the same blob could reuse (see KnownIndex): the
   * word offset of every type record, and the names scanned for so far with their own type indices.
   */
  get knownIndex(): Required<KnownIndex> {
    return { typeOffsets: this.offsets, names: new Map(this.found) };
  }

  /** One past the highest type id of this blob (the first id a split BTF on top of it would use). */
  get nextTypeId(): number {
    return this.firstTypeId + this.typeCount;
  }

  /** One past the highest string offset of this blob in the combined base + split string space. */
  private get strEnd(): number {
    return this.strBase + this.strings.length;
  }

  /** True when `id` names a type of this blob or its base (0, `void`, included). */
  hasType(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.nextTypeId;
  }

  /** Returns the decoded type with this id (cached); throws `BtfError('invalid-id')` if there is none. */
  typeById(id: number): BtfType {
    if (id >= this.firstTypeId && id < this.nextTypeId) {
      const i = id - this.firstTypeId;
      const cache = (this.cache ??= new Array<BtfType | undefined>(this.typeCount));
      const hit = cache[i];
      if (hit !== undefined) return hit;
      const t = decodeType(this.words, this.offsets[i] as number, id, this.readName);
      cache[i] = t;
      return t;
    }
    if (id === 0) return VOID;
    if (this.base !== undefined && this.hasType(id)) return this.base.typeById(id);
    throw new BtfError('invalid-id', `BTF type id ${id} does not exist (valid ids are 0..${this.nextTypeId - 1}).`);
  }

  /** Returns the `BTF_KIND_*` of type `id` without decoding it. */
  kindOf(id: number): BtfKind {
    if (id >= this.firstTypeId && id < this.nextTypeId) {
      return infoKind(this.words[(this.offsets[id - this.firstTypeId] as number) + 1] as number) as BtfKind;
    }
    if (id === 0) return BTF_KIND_UNKN;
    return this.typeById(id).kind;
  }

  /** Returns the name of type `id` without decoding the rest of it (`''` if anonymous). */
  nameOf(id: number): string {
    if (id >= this.firstTypeId && id < this.nextTypeId) {
      const off = this.words[this.offsets[id - this.firstTypeId] as number] as number;
      return off === 0 ? '' : this.stringAt(off);
    }
    return this.typeById(id).name;
  }

  /** Reads a string by its offset in the combined (base + split) string space. */
  stringAt(off: number): string {
    if (off < this.strBase) {
      if (this.base === undefined) throw new BtfError('malformed', `BTF string offset ${off} is out of range.`);
      return this.base.stringAt(off);
    }
    if (off - this.strBase >= this.strings.length) {
      throw new BtfError('malformed', `BTF string offset ${off} is past the ${this.strEnd}-byte string section.`);
    }
    return readString(this.strings, off - this.strBase);
  }

  /** Where the bytes of string `off` live: its table and position (used by the name index). */
  private locateString(off: number): readonly [Uint8Array, number] | undefined {
    if (off >= this.strBase) return off - this.strBase < this.strings.length ? [this.strings, off - this.strBase] : undefined;
    return this.base?.locateString(off);
  }

  /** All type ids named `name`, ascending (base ids first). */
  findByName(name: string): number[];
  /** The first type id named `name` of the given kind, or undefined. */
  findByName(name: string, kind: BtfKind | BtfKindName): number | undefined;
  findByName(name: string, kind?: BtfKind | BtfKindName): number[] | number | undefined {
    if (kind === undefined) return this.allByName(name);
    const k = toBtfKind(kind);
    if (k === undefined) throw new BtfError('invalid-argument', `Unknown BTF kind ${String(kind)}.`);
    return this.allByName(name).find((id) => this.kindOf(id) === k);
  }

  /**
   * All type ids of each name (ascending, base ids first), found in one pass over the types when the
   * name index is not built yet: the cheap way to resolve a known batch of names, such as the kfuncs
   * and attach targets the feature probes need, without paying for the index.
   */
  findManyByName(names: readonly string[]): Map<string, number[]> {
    const result = new Map<string, number[]>();
    const unique = [...new Set(names)];
    let own: number[][];
    if (this.names !== undefined) {
      const index = this.names;
      own = unique.map((n) => index.lookup(n));
    } else {
      this.scanFor(unique);
      own = unique.map((n) => this.found.get(n) as number[]);
    }
    const inBase = this.base?.findManyByName(unique);
    unique.forEach((name, k) => {
      const ids = (own[k] as number[]).map((i) => i + this.firstTypeId);
      result.set(name, inBase === undefined ? ids : [...(inBase.get(name) ?? []), ...ids]);
    });
    return result;
  }

  /** Passes over every type made so far to look names up (for diagnostics and tests). */
  get nameScans(): number {
    return this.scans;
  }

  /**
   * Names worth resolving with the next scan over the types, whoever asks first: a caller that knows which
   * names the run will need (the feature probes' kfuncs) saves the later scans. Ignored once the index exists.
   */
  hintNames(names: readonly string[]): void {
    for (const n of names) if (!this.found.has(n)) this.hints.add(n);
  }

  /** Scans the types once for `names` and the hinted names, recording the ids of every one in `found`. */
  private scanFor(names: readonly string[]): void {
    const missing = names.filter((n) => !this.found.has(n));
    if (missing.length === 0) return;
    const ask = [...new Set([...missing, ...this.hints])].filter((n) => !this.found.has(n));
    this.hints.clear();
    this.scans++;
    const ids = scanManyByName(this.words, this.offsets, this.strings, this.strBase, this.locate, ask);
    ask.forEach((n, k) => this.found.set(n, ids[k] as number[]));
  }

  private allByName(name: string): number[] {
    let own: number[];
    if (this.names !== undefined) {
      own = this.names.lookup(name);
    } else if (this.found.has(name)) {
      own = [...(this.found.get(name) as number[])];
    } else if (this.scans < SCANS_BEFORE_INDEX) {
      // A few lookups are cheaper as linear scans than building the index (see name-index.ts).
      this.scanFor([name]);
      own = [...(this.found.get(name) as number[])];
    } else {
      this.names = new NameIndex(this.words, this.offsets, this.strings, this.strBase, this.locate);
      own = this.names.lookup(name);
    }
    for (let i = 0; i < own.length; i++) own[i] = (own[i] as number) + this.firstTypeId;
    return this.base === undefined ? own : [...this.base.allByName(name), ...own];
  }

  /** Follows typedef, const, volatile, restrict and type_tag links and returns the underlying type id. */
  resolve(id: number): number {
    let cur = id;
    for (let i = 0; i < MAX_CHAIN; i++) {
      const t = this.typeById(cur);
      switch (t.kind) {
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_CONST:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPE_TAG:
          cur = t.typeId;
          break;
        default:
          return cur;
      }
    }
    throw new BtfError('malformed', `BTF type ${id} is part of a typedef/qualifier loop.`);
  }

  /** Like `resolve`, but returns the decoded underlying type. */
  resolveType(id: number): BtfType {
    return this.typeById(this.resolve(id));
  }

  /** Size in bytes of a value of type `id`; throws `BtfError('invalid-type')` for void, FWD, FUNC and the like. */
  sizeof(id: number): number {
    let cur = id;
    let factor = 1;
    for (let i = 0; i < MAX_CHAIN; i++) {
      const t = this.typeById(cur);
      switch (t.kind) {
        case BTF_KIND_INT:
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64:
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
        case BTF_KIND_FLOAT:
        case BTF_KIND_DATASEC:
          return factor * t.size;
        case BTF_KIND_PTR:
          return factor * BTF_POINTER_SIZE;
        case BTF_KIND_ARRAY:
          factor *= t.nelems;
          cur = t.elemTypeId;
          break;
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_CONST:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPE_TAG:
        case BTF_KIND_VAR:
          cur = t.typeId;
          break;
        default:
          throw new BtfError('invalid-type', `BTF type ${id} (${this.typeName(id)}) has no size: it is a ${kindName(t.kind)}.`);
      }
    }
    throw new BtfError('malformed', `BTF type ${id} is part of a reference loop.`);
  }

  /**
   * Natural alignment in bytes of type `id`, as the C compiler would lay it out (the largest member
   * alignment for structs; packed structs cannot be told apart in BTF and report their natural value).
   */
  alignof(id: number): number {
    const t = this.resolveType(id);
    switch (t.kind) {
      case BTF_KIND_INT:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
      case BTF_KIND_FLOAT:
        return Math.min(t.size, 8) || 1;
      case BTF_KIND_PTR:
        return BTF_POINTER_SIZE;
      case BTF_KIND_ARRAY:
        return this.alignof(t.elemTypeId);
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        return t.members.reduce((a, m) => Math.max(a, this.alignof(m.typeId)), 1);
      case BTF_KIND_VAR:
        return this.alignof(t.typeId);
      default:
        throw new BtfError('invalid-type', `BTF type ${id} (${this.typeName(id)}) has no alignment: it is a ${kindName(t.kind)}.`);
    }
  }

  /**
   * Members of the struct or union that `id` resolves to. Old-style bitfields (an INT whose `bits`
   * or `offset` differ from its storage, used without kind_flag) are normalised into
   * `bitOffset`/`bitfieldSize` so callers see one representation.
   */
  members(id: number): readonly BtfMember[] {
    const t = this.resolveType(id);
    if (t.kind !== BTF_KIND_STRUCT && t.kind !== BTF_KIND_UNION) {
      throw new BtfError('invalid-type', `BTF type ${id} (${this.typeName(id)}) is not a struct or union.`);
    }
    if (t.kindFlag) return t.members;
    return t.members.map((m) => {
      const mt = this.resolveType(m.typeId);
      if (mt.kind !== BTF_KIND_INT || (mt.bitOffset === 0 && mt.bits === mt.size * 8)) return m;
      return { ...m, bitOffset: m.bitOffset + mt.bitOffset, bitfieldSize: mt.bits };
    });
  }

  /**
   * Locates a member by a C-like path such as `'a.b.c'` or `'mm.pgd[1]'`, looking through anonymous
   * struct/union members the way C does. Returns the member with `bitOffset` from the start of
   * `structId` and `name` set to the path, or undefined if some step does not exist.
   */
  memberOffset(structId: number, path: string): BtfMember | undefined {
    let typeId = structId;
    let bitOffset = 0;
    let bitfieldSize = 0;
    for (const step of path.split('.')) {
      const m = /^([A-Za-z_]\w*)((?:\[\d+\])*)$/.exec(step);
      if (m === null) return undefined;
      if (bitfieldSize !== 0) return undefined; // a bitfield has no members
      const found = this.findMember(typeId, m[1] as string, 0);
      if (found === undefined) return undefined;
      typeId = found.typeId;
      bitOffset += found.bitOffset;
      bitfieldSize = found.bitfieldSize;
      for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) {
        const arr = this.resolveType(typeId);
        if (arr.kind !== BTF_KIND_ARRAY) return undefined;
        bitOffset += Number(idx[1]) * this.sizeof(arr.elemTypeId) * 8;
        typeId = arr.elemTypeId;
      }
    }
    return { name: path, typeId, bitOffset, bitfieldSize };
  }

  private findMember(typeId: number, name: string, depth: number): BtfMember | undefined {
    const t = this.resolveType(typeId);
    if ((t.kind !== BTF_KIND_STRUCT && t.kind !== BTF_KIND_UNION) || depth > MAX_CHAIN) return undefined;
    const members = this.members(t.id);
    for (const m of members) if (m.name === name) return m;
    for (const m of members) {
      if (m.name !== '') continue;
      const inner = this.findMember(m.typeId, name, depth + 1);
      if (inner !== undefined) return { ...inner, bitOffset: inner.bitOffset + m.bitOffset };
    }
    return undefined;
  }

  /** Enumerators of the ENUM or ENUM64 that `id` resolves to, values widened to bigint. */
  enumValues(id: number): readonly BtfEnumValue[] {
    const t = this.resolveType(id);
    if (t.kind === BTF_KIND_ENUM) return t.values.map((v) => ({ name: v.name, value: BigInt(v.value) }));
    if (t.kind === BTF_KIND_ENUM64) return t.values;
    throw new BtfError('invalid-type', `BTF type ${id} (${this.typeName(id)}) is not an enum.`);
  }

  /**
   * Signature of a FUNC, a FUNC_PROTO, or a function pointer (typedef/qualifiers, one PTR, then a
   * FUNC_PROTO, as in `btf_trace_sys_enter`). Throws `BtfError('invalid-type')` for anything else.
   */
  funcProto(id: number): BtfSignature {
    let t = this.resolveType(id);
    if (t.kind === BTF_KIND_FUNC) t = this.resolveType(t.typeId);
    else if (t.kind === BTF_KIND_PTR) t = this.resolveType(t.typeId);
    if (t.kind !== BTF_KIND_FUNC_PROTO) {
      throw new BtfError('invalid-type', `BTF type ${id} (${this.typeName(id)}) is not a function or function pointer.`);
    }
    const p: BtfFuncProto = t;
    return { protoId: p.id, returnTypeId: p.returnTypeId, params: p.params, variadic: p.variadic };
  }

  /** A readable C spelling of type `id`, e.g. `struct open_how *`, `const char *`, `unsigned int[16]`. */
  typeName(id: number): string {
    return formatTypeName(this, id);
  }
}

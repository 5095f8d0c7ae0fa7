/**
 * `BtfBuilder`: emits a .BTF blob (header, type section, string section) for BPF_BTF_LOAD.
 *
 * siesta needs its own BTF for two things the kernel checks by type: func_info (every subprogram
 * is a FUNC pointing at a FUNC_PROTO) and map values holding special fields (`struct bpf_wq`,
 * `struct bpf_timer`, kptrs). The records written mirror include/uapi/linux/btf.h; see parse.ts
 * for the reading side and the bit layouts in uapi.ts.
 */

import { BtfError } from './errors.js';
import { HOST_LITTLE_ENDIAN } from './parse.js';
import {
  BTF_FUNC_STATIC,
  BTF_HEADER_SIZE,
  BTF_INT_BOOL,
  BTF_INT_CHAR,
  BTF_INT_SIGNED,
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_DATASEC,
  BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FLOAT,
  BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_FWD,
  BTF_KIND_INT,
  BTF_KIND_PTR,
  BTF_KIND_RESTRICT,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_TYPEDEF,
  BTF_KIND_UNION,
  BTF_KIND_VAR,
  BTF_KIND_VOLATILE,
  BTF_MAGIC,
  BTF_MAX_NAME_OFFSET,
  BTF_MAX_VLEN,
  BTF_VAR_STATIC,
  BTF_VERSION,
  encodeInfo,
  kindName,
} from './uapi.js';
import type { BtfFuncLinkage, BtfVarLinkage } from './uapi.js';

/** A struct/union member to emit; `bitfieldSize` > 0 makes the struct use kind_flag offsets. */
export interface BuilderMember {
  /** Member name (`''` for an anonymous struct/union member). */
  readonly name: string;
  /** Member type id. */
  readonly typeId: number;
  /** Offset in bits from the start of the struct. */
  readonly bitOffset: number;
  /** Bitfield width in bits (1..255), or 0/absent for a plain member. */
  readonly bitfieldSize?: number;
}

/** A function parameter to emit. */
export interface BuilderParam {
  /** Parameter name; may be empty for prototypes only used through pointers. */
  readonly name?: string;
  /** Parameter type id. */
  readonly typeId: number;
}

/** An enumerator to emit. */
export interface BuilderEnumValue {
  /** Enumerator name. */
  readonly name: string;
  /** Value; must fit 32 bits for ENUM and 64 bits for ENUM64. */
  readonly value: number | bigint;
}

/** A variable placement in a DATASEC, mirroring `struct btf_var_secinfo`. */
export interface BuilderSecinfo {
  /** VAR (or extern FUNC) type id. */
  readonly typeId: number;
  /** Byte offset in the section. */
  readonly offset: number;
  /** Size in bytes. */
  readonly size: number;
}

/** How an INT is encoded: at most one `BTF_INT_*` flag is allowed by the kernel (btf_int_check_meta). */
export type BuilderIntEncoding = 'unsigned' | 'signed' | 'char' | 'bool';

/** Type tags the kernel recognises on map value pointer fields (btf_find_kptr, 6.18). */
export type KptrTag = 'kptr' | 'kptr_untrusted' | 'percpu_kptr' | 'uptr';

/**
 * Kernel structs that may appear in map values, with their UAPI layout (include/uapi/linux/bpf.h).
 * The kernel matches them by name and size only (btf_find_struct), so an opaque array suffices.
 */
export const SPECIAL_STRUCTS = {
  /** `struct bpf_spin_lock { __u32 val; }` (5.1+). */
  bpf_spin_lock: { size: 4, member: 'val', elemSize: 4, array: false },
  /** `struct bpf_res_spin_lock { __u32 val; }` (6.15+). */
  bpf_res_spin_lock: { size: 4, member: 'val', elemSize: 4, array: false },
  /** `struct bpf_timer { __u64 __opaque[2]; } __attribute__((aligned(8)))` (5.15+). */
  bpf_timer: { size: 16, member: '__opaque', elemSize: 8, array: true },
  /** `struct bpf_wq { __u64 __opaque[2]; } __attribute__((aligned(8)))` (6.10+). */
  bpf_wq: { size: 16, member: '__opaque', elemSize: 8, array: true },
  /** `struct bpf_refcount { __u32 __opaque[1]; } __attribute__((aligned(4)))` (6.4+). */
  bpf_refcount: { size: 4, member: '__opaque', elemSize: 4, array: true },
} as const;

const KPTR_TAGS: ReadonlySet<string> = new Set<KptrTag>(['kptr', 'kptr_untrusted', 'percpu_kptr', 'uptr']);

/** Name of a struct in {@link SPECIAL_STRUCTS}. */
export type SpecialStructName = keyof typeof SPECIAL_STRUCTS;

/** One type record before encoding: `struct btf_type` plus its trailing u32 words. */
interface TypeRecord {
  kind: number;
  nameOff: number;
  kindFlag: boolean;
  vlen: number;
  sizeOrType: number;
  extra: number[];
  /** Type ids this record refers to, checked at encode time. */
  refs: number[];
}

function u32(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new BtfError('invalid-argument', `${what} ${n} is not an unsigned 32-bit integer.`);
  }
  return n;
}

/** Builds a BTF blob type by type; ids are handed out in order starting at 1 (0 is `void`). */
export class BtfBuilder {
  private readonly records: TypeRecord[] = [];
  private readonly strings = new Map<string, number>([['', 0]]);
  private readonly stringParts: Uint8Array[] = [new Uint8Array(1)];
  private strLen = 1;
  private readonly helperTypes = new Map<string, number>();
  private readonly encoder = new TextEncoder();

  /** The id the next added type will get. */
  get nextId(): number {
    return this.records.length + 1;
  }

  /** Adds `s` to the string section once (deduplicated) and returns its offset. */
  addString(s: string): number {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    if (s.includes('\0')) throw new BtfError('invalid-argument', `BTF string ${JSON.stringify(s)} contains a NUL byte.`);
    const bytes = this.encoder.encode(s);
    const off = this.strLen;
    if (off + bytes.length > BTF_MAX_NAME_OFFSET) {
      throw new BtfError('invalid-argument', 'BTF string section would exceed the kernel limit of 16 MiB.');
    }
    this.stringParts.push(bytes, new Uint8Array(1));
    this.strLen += bytes.length + 1;
    this.strings.set(s, off);
    return off;
  }

  private push(kind: number, name: string, sizeOrType: number, opts: Partial<Pick<TypeRecord, 'kindFlag' | 'vlen' | 'extra' | 'refs'>> = {}): number {
    const vlen = opts.vlen ?? 0;
    if (vlen > BTF_MAX_VLEN) throw new BtfError('invalid-argument', `BTF ${kindName(kind)} ${name} has ${vlen} entries, more than 65535.`);
    this.records.push({
      kind,
      nameOff: this.addString(name),
      kindFlag: opts.kindFlag ?? false,
      vlen,
      sizeOrType: u32(sizeOrType, `BTF ${kindName(kind)} size/type`),
      extra: opts.extra ?? [],
      refs: opts.refs ?? [],
    });
    return this.records.length;
  }

  /** Adds an INT of `size` bytes (1, 2, 4, 8 or 16) and returns its id. */
  addInt(name: string, size: number, encoding: BuilderIntEncoding = 'unsigned'): number {
    if (![1, 2, 4, 8, 16].includes(size)) throw new BtfError('invalid-argument', `BTF int ${name} has size ${size}; expected 1, 2, 4, 8 or 16.`);
    const enc = { unsigned: 0, signed: BTF_INT_SIGNED, char: BTF_INT_CHAR, bool: BTF_INT_BOOL }[encoding];
    // u32 after btf_type: encoding in bits 24..27, offset 0 in 16..23, bits in 0..7 (uapi.ts).
    return this.push(BTF_KIND_INT, name, size, { extra: [((enc << 24) | (size * 8)) >>> 0] });
  }

  /** Adds a pointer to `typeId` and returns its id. */
  addPtr(typeId: number): number {
    return this.push(BTF_KIND_PTR, '', typeId, { refs: [typeId] });
  }

  /** Adds `elemTypeId[nelems]`; the index type defaults to a shared 4-byte `__ARRAY_SIZE_TYPE__` as pahole emits. */
  addArray(elemTypeId: number, nelems: number, indexTypeId?: number): number {
    const index = indexTypeId ?? this.helperInt('__ARRAY_SIZE_TYPE__', 4, 'unsigned');
    return this.push(BTF_KIND_ARRAY, '', 0, { extra: [elemTypeId, index, u32(nelems, 'array nelems')], refs: [elemTypeId, index] });
  }

  /** Adds a struct of `size` bytes; members may be given later with `setMembers` (for self-references). */
  addStruct(name: string, size: number, members: readonly BuilderMember[] = []): number {
    const id = this.push(BTF_KIND_STRUCT, name, size);
    this.setMembers(id, members);
    return id;
  }

  /** Adds a union of `size` bytes; members may be given later with `setMembers`. */
  addUnion(name: string, size: number, members: readonly BuilderMember[] = []): number {
    const id = this.push(BTF_KIND_UNION, name, size);
    this.setMembers(id, members);
    return id;
  }

  /** Replaces the members of a struct or union added earlier; kind_flag is set iff a member is a bitfield. */
  setMembers(id: number, members: readonly BuilderMember[]): void {
    const rec = this.records[id - 1];
    if (rec === undefined || (rec.kind !== BTF_KIND_STRUCT && rec.kind !== BTF_KIND_UNION)) {
      throw new BtfError('invalid-argument', `BTF type ${id} is not a struct or union of this builder.`);
    }
    if (members.length > BTF_MAX_VLEN) throw new BtfError('invalid-argument', `BTF struct ${id} has more than 65535 members.`);
    const kindFlag = members.some((m) => (m.bitfieldSize ?? 0) > 0);
    const extra: number[] = [];
    for (const m of members) {
      const bits = m.bitfieldSize ?? 0;
      u32(m.bitOffset, `member ${m.name} bit offset`);
      if (kindFlag && (m.bitOffset > 0xffffff || bits > 0xff || bits < 0)) {
        throw new BtfError('invalid-argument', `Bitfield member ${m.name} needs bit offset < 2^24 and size < 256.`);
      }
      // With kind_flag: bitfield size in bits 24..31, bit offset in 0..23 (uapi.ts).
      const offset = kindFlag ? ((bits << 24) | m.bitOffset) >>> 0 : m.bitOffset;
      extra.push(this.addString(m.name), m.typeId, offset);
    }
    rec.kindFlag = kindFlag;
    rec.vlen = members.length;
    rec.extra = extra;
    rec.refs = members.map((m) => m.typeId);
  }

  /** Adds a 32-bit ENUM (size 1, 2, 4 or 8); signed (kind_flag) when any value is negative or `signed` is set. */
  addEnum(name: string, values: readonly BuilderEnumValue[], opts: { size?: number; signed?: boolean } = {}): number {
    const signed = opts.signed ?? values.some((v) => v.value < 0);
    const extra: number[] = [];
    for (const v of values) {
      const n = Number(v.value);
      if (!Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) {
        throw new BtfError('invalid-argument', `Enumerator ${v.name} = ${v.value} does not fit 32 bits; use addEnum64.`);
      }
      extra.push(this.addString(v.name), n >>> 0);
    }
    return this.push(BTF_KIND_ENUM, name, opts.size ?? 4, { kindFlag: signed, vlen: values.length, extra });
  }

  /** Adds an ENUM64 (6.0+); values are stored as `val_lo32`, `val_hi32`. */
  addEnum64(name: string, values: readonly BuilderEnumValue[], opts: { size?: number; signed?: boolean } = {}): number {
    const signed = opts.signed ?? values.some((v) => v.value < 0);
    const extra: number[] = [];
    for (const v of values) {
      const u = BigInt.asUintN(64, BigInt(v.value));
      extra.push(this.addString(v.name), Number(u & 0xffffffffn), Number(u >> 32n));
    }
    return this.push(BTF_KIND_ENUM64, name, opts.size ?? 8, { kindFlag: signed, vlen: values.length, extra });
  }

  /** Adds a forward declaration of a struct or union. */
  addFwd(name: string, fwdKind: 'struct' | 'union' = 'struct'): number {
    return this.push(BTF_KIND_FWD, name, 0, { kindFlag: fwdKind === 'union' });
  }

  /** Adds `typedef <typeId> name`. */
  addTypedef(name: string, typeId: number): number {
    return this.push(BTF_KIND_TYPEDEF, name, typeId, { refs: [typeId] });
  }

  /** Adds `volatile <typeId>`. */
  addVolatile(typeId: number): number {
    return this.push(BTF_KIND_VOLATILE, '', typeId, { refs: [typeId] });
  }

  /** Adds `const <typeId>`. */
  addConst(typeId: number): number {
    return this.push(BTF_KIND_CONST, '', typeId, { refs: [typeId] });
  }

  /** Adds `restrict <typeId>`. */
  addRestrict(typeId: number): number {
    return this.push(BTF_KIND_RESTRICT, '', typeId, { refs: [typeId] });
  }

  /** Adds a FUNC_PROTO; `variadic` appends the `{0, 0}` parameter that means `...`. */
  addFuncProto(returnTypeId: number, params: readonly BuilderParam[], opts: { variadic?: boolean } = {}): number {
    const extra: number[] = [];
    for (const p of params) extra.push(this.addString(p.name ?? ''), p.typeId);
    if (opts.variadic === true) extra.push(0, 0);
    return this.push(BTF_KIND_FUNC_PROTO, '', returnTypeId, {
      vlen: extra.length / 2,
      extra,
      refs: [returnTypeId, ...params.map((p) => p.typeId)],
    });
  }

  /** Adds a FUNC named `name` with prototype `protoId`; linkage is stored in `vlen`. */
  addFunc(name: string, protoId: number, linkage: BtfFuncLinkage = BTF_FUNC_STATIC): number {
    return this.push(BTF_KIND_FUNC, name, protoId, { vlen: linkage, refs: [protoId] });
  }

  /** Adds a FUNC_PROTO and a FUNC for it in one go, as func_info needs for every BPF subprogram. */
  addFunction(name: string, returnTypeId: number, params: readonly BuilderParam[], linkage: BtfFuncLinkage = BTF_FUNC_STATIC): { funcId: number; protoId: number } {
    const protoId = this.addFuncProto(returnTypeId, params);
    return { funcId: this.addFunc(name, protoId, linkage), protoId };
  }

  /** Adds a VAR (`struct btf_var`). */
  addVar(name: string, typeId: number, linkage: BtfVarLinkage = BTF_VAR_STATIC): number {
    return this.push(BTF_KIND_VAR, name, typeId, { extra: [linkage], refs: [typeId] });
  }

  /** Adds a DATASEC of `size` bytes placing the given variables. */
  addDatasec(name: string, size: number, vars: readonly BuilderSecinfo[]): number {
    const extra: number[] = [];
    for (const v of vars) extra.push(v.typeId, u32(v.offset, 'secinfo offset'), u32(v.size, 'secinfo size'));
    return this.push(BTF_KIND_DATASEC, name, size, { vlen: vars.length, extra, refs: vars.map((v) => v.typeId) });
  }

  /** Adds a FLOAT of `size` bytes (5.13+). */
  addFloat(name: string, size: number): number {
    return this.push(BTF_KIND_FLOAT, name, size);
  }

  /** Adds a TYPE_TAG `value` on `typeId`; `attribute` sets kind_flag (raw `__attribute__`, 6.14+). */
  addTypeTag(value: string, typeId: number, opts: { attribute?: boolean } = {}): number {
    if (value === '') throw new BtfError('invalid-argument', 'BTF type tag value must not be empty.');
    return this.push(BTF_KIND_TYPE_TAG, value, typeId, { kindFlag: opts.attribute === true, refs: [typeId] });
  }

  /** Adds a DECL_TAG `value` on `typeId`, on member/param `componentIdx` or the whole declaration (-1). */
  addDeclTag(value: string, typeId: number, componentIdx = -1, opts: { attribute?: boolean } = {}): number {
    if (value === '') throw new BtfError('invalid-argument', 'BTF decl tag value must not be empty.');
    if (!Number.isInteger(componentIdx) || componentIdx < -1) {
      throw new BtfError('invalid-argument', `BTF decl tag component index ${componentIdx} must be -1 or a member index.`);
    }
    return this.push(BTF_KIND_DECL_TAG, value, typeId, { kindFlag: opts.attribute === true, extra: [componentIdx >>> 0], refs: [typeId] });
  }

  /** An INT shared by helpers (array index type, special struct members), added once. */
  private helperInt(name: string, size: number, encoding: BuilderIntEncoding): number {
    return this.memo(`int:${name}`, () => this.addInt(name, size, encoding));
  }

  private memo(key: string, make: () => number): number {
    const known = this.helperTypes.get(key);
    if (known !== undefined) return known;
    const id = make();
    this.helperTypes.set(key, id);
    return id;
  }

  /**
   * Returns a kernel-pointer field type `struct <name> __<tag> *`, added once per (name, tag):
   * PTR → TYPE_TAG(tag) → STRUCT name. The kernel (btf_find_kptr) requires the target to be a
   * STRUCT, not a FWD, and matches it with vmlinux by name, so an empty local struct is emitted.
   * A struct holding a kptr must not also hold a bitfield that starts mid-byte (see `encode`).
   */
  addKptr(structName: string, tag: KptrTag = 'kptr'): number {
    return this.memo(`kptr:${tag}:${structName}`, () => {
      const target = this.memo(`struct:${structName}`, () => this.addStruct(structName, 0));
      return this.addPtr(this.addTypeTag(tag, target));
    });
  }

  /** Returns the id of a special kernel struct for map values (e.g. `struct bpf_wq`), added once. */
  addSpecialStruct(name: SpecialStructName): number {
    return this.memo(`struct:${name}`, () => {
      const s = SPECIAL_STRUCTS[name];
      const elem = s.elemSize === 8 ? this.helperInt('__u64', 8, 'unsigned') : this.helperInt('__u32', 4, 'unsigned');
      const typeId = s.array ? this.addArray(elem, s.size / s.elemSize) : elem;
      return this.addStruct(name, s.size, [{ name: s.member, typeId, bitOffset: 0 }]);
    });
  }

  /** True when type `id` is a kptr field type: PTR (behind an optional VOLATILE) → TYPE_TAG `kptr`-like. */
  private isKptr(id: number): boolean {
    let r = this.records[id - 1];
    if (r?.kind === BTF_KIND_VOLATILE) r = this.records[r.sizeOrType - 1];
    if (r?.kind !== BTF_KIND_PTR) return false;
    const tag = this.records[r.sizeOrType - 1];
    return tag?.kind === BTF_KIND_TYPE_TAG && !tag.kindFlag && KPTR_TAGS.has(this.stringOf(tag.nameOff));
  }

  private stringOf(off: number): string {
    for (const [s, o] of this.strings) if (o === off) return s;
    return '';
  }

  /**
   * Linux 6.18 parses kptr-holding structs at BPF_BTF_LOAD (btf_parse_struct_metas), and
   * btf_find_struct_field fails with a bare EINVAL, no log line, on any member whose bit offset is
   * not a multiple of 8. Measured here: such a blob is refused, the same struct without the kptr loads.
   */
  private checkKptrStructs(): void {
    for (const [i, r] of this.records.entries()) {
      if (r.kind !== BTF_KIND_STRUCT && r.kind !== BTF_KIND_UNION) continue;
      if (!r.refs.some((ref) => this.isKptr(ref))) continue;
      for (let m = 0; m < r.vlen; m++) {
        const off = r.extra[m * 3 + 2] as number;
        const bitOffset = r.kindFlag ? off & 0xffffff : off;
        if (bitOffset % 8 !== 0) {
          throw new BtfError(
            'invalid-argument',
            `BTF struct ${i + 1} holds a kptr, so the kernel refuses its member at bit offset ${bitOffset} that does not start on a byte.`,
          );
        }
      }
    }
  }

  /** Encodes header, type and string sections (host byte order unless told otherwise), checking every type reference. */
  encode(opts: { littleEndian?: boolean } = {}): Uint8Array {
    const le = opts.littleEndian ?? HOST_LITTLE_ENDIAN;
    const nextId = this.nextId;
    let typeLen = 0;
    for (const [i, r] of this.records.entries()) {
      for (const ref of r.refs) {
        if (!Number.isInteger(ref) || ref < 0 || ref >= nextId) {
          throw new BtfError('invalid-argument', `BTF type ${i + 1} (${kindName(r.kind)}) refers to missing type ${ref}.`);
        }
      }
      if (r.kind === BTF_KIND_FUNC && this.records[r.sizeOrType - 1]?.kind !== BTF_KIND_FUNC_PROTO) {
        throw new BtfError('invalid-argument', `BTF func ${i + 1} must point at a FUNC_PROTO, not type ${r.sizeOrType}.`);
      }
      typeLen += 12 + 4 * r.extra.length;
    }
    this.checkKptrStructs();
    const out = new Uint8Array(BTF_HEADER_SIZE + typeLen + this.strLen);
    const dv = new DataView(out.buffer);
    // struct btf_header: sections follow the header back to back, types first (btf_check_sec_info).
    dv.setUint16(0, BTF_MAGIC, le);
    dv.setUint8(2, BTF_VERSION);
    dv.setUint8(3, 0);
    dv.setUint32(4, BTF_HEADER_SIZE, le);
    dv.setUint32(8, 0, le);
    dv.setUint32(12, typeLen, le);
    dv.setUint32(16, typeLen, le);
    dv.setUint32(20, this.strLen, le);
    let p = BTF_HEADER_SIZE;
    for (const r of this.records) {
      dv.setUint32(p, r.nameOff, le);
      dv.setUint32(p + 4, encodeInfo(r.kind, r.kindFlag, r.vlen), le);
      dv.setUint32(p + 8, r.sizeOrType, le);
      p += 12;
      for (const w of r.extra) {
        dv.setUint32(p, w >>> 0, le);
        p += 4;
      }
    }
    for (const part of this.stringParts) {
      out.set(part, p);
      p += part.length;
    }
    return out;
  }
}

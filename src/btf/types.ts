/**
 * The decoded BTF type model: one interface per kind, discriminated on `kind` (a `BTF_KIND_*` number).
 *
 * Each interface mirrors `struct btf_type` plus the kind's trailing records from
 * include/uapi/linux/btf.h; names are resolved to strings and references stay as type ids.
 */

import type {
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
  BTF_KIND_UNKN,
  BTF_KIND_VAR,
  BTF_KIND_VOLATILE,
  BtfFuncLinkage,
  BtfVarLinkage,
} from './uapi.js';

/** Fields every decoded type has: its id and its name (`''` when anonymous). */
export interface BtfTypeCommon {
  /** The type id (index in the combined base + split id space; 0 is `void`). */
  readonly id: number;
  /** The name from the string section, `''` for anonymous types. */
  readonly name: string;
}

/** The implicit `void` type, id 0 (never stored in the type section). */
export interface BtfVoid extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_UNKN;
}

/** An integer type (`BTF_KIND_INT`), including `char` and `_Bool`. */
export interface BtfInt extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_INT;
  /** Storage size in bytes. */
  readonly size: number;
  /** Raw `BTF_INT_ENCODING` bits (`BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL`). */
  readonly encoding: number;
  /** True when `BTF_INT_SIGNED` is set. */
  readonly signed: boolean;
  /** True when `BTF_INT_CHAR` is set. */
  readonly char: boolean;
  /** True when `BTF_INT_BOOL` is set. */
  readonly bool: boolean;
  /** `BTF_INT_OFFSET`: bit offset of the value inside its storage (old-style bitfields). */
  readonly bitOffset: number;
  /** `BTF_INT_BITS`: number of value bits (less than `size * 8` for old-style bitfields). */
  readonly bits: number;
}

/** A pointer (`BTF_KIND_PTR`). */
export interface BtfPtr extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_PTR;
  /** Pointee type id. */
  readonly typeId: number;
}

/** An array (`BTF_KIND_ARRAY`), mirroring `struct btf_array`. */
export interface BtfArray extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_ARRAY;
  /** Element type id. */
  readonly elemTypeId: number;
  /** Index type id (an INT; pahole uses `__ARRAY_SIZE_TYPE__`). */
  readonly indexTypeId: number;
  /** Number of elements (0 for flexible arrays). */
  readonly nelems: number;
}

/** A struct or union member, mirroring `struct btf_member` with the offset word split. */
export interface BtfMember {
  /** Member name, `''` for anonymous struct/union members. */
  readonly name: string;
  /** Member type id. */
  readonly typeId: number;
  /** Offset from the start of the containing struct, in bits. */
  readonly bitOffset: number;
  /** Bitfield width in bits, 0 when the member is not a bitfield. */
  readonly bitfieldSize: number;
}

/** A struct (`BTF_KIND_STRUCT`) or union (`BTF_KIND_UNION`). */
export interface BtfComposite extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_STRUCT | typeof BTF_KIND_UNION;
  /** Size in bytes. */
  readonly size: number;
  /** The kind_flag: members carry bitfield sizes in their offset word. */
  readonly kindFlag: boolean;
  /** Members in declaration order, as encoded (see `Btf.members` for old-style bitfields normalised). */
  readonly members: readonly BtfMember[];
}

/** A struct (`BTF_KIND_STRUCT`). */
export type BtfStruct = BtfComposite & { readonly kind: typeof BTF_KIND_STRUCT };
/** A union (`BTF_KIND_UNION`). */
export type BtfUnion = BtfComposite & { readonly kind: typeof BTF_KIND_UNION };

/** One enumerator of a 32-bit enum, mirroring `struct btf_enum`. */
export interface BtfEnumerator {
  /** Enumerator name. */
  readonly name: string;
  /** Value, read as signed when the enum's kind_flag is set, unsigned otherwise. */
  readonly value: number;
}

/** A 32-bit enum (`BTF_KIND_ENUM`). */
export interface BtfEnum extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_ENUM;
  /** Size in bytes (1, 2, 4 or 8). */
  readonly size: number;
  /** The kind_flag: values are signed (5.19+ encoders set it). */
  readonly signed: boolean;
  /** Enumerators in declaration order. */
  readonly values: readonly BtfEnumerator[];
}

/** One enumerator of a 64-bit enum, mirroring `struct btf_enum64`. */
export interface BtfEnumerator64 {
  /** Enumerator name. */
  readonly name: string;
  /** Value built from `val_hi32:val_lo32`, signed when the enum's kind_flag is set. */
  readonly value: bigint;
}

/** A 64-bit enum (`BTF_KIND_ENUM64`, 6.0+). */
export interface BtfEnum64 extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_ENUM64;
  /** Size in bytes. */
  readonly size: number;
  /** The kind_flag: values are signed. */
  readonly signed: boolean;
  /** Enumerators in declaration order. */
  readonly values: readonly BtfEnumerator64[];
}

/** A forward declaration (`BTF_KIND_FWD`). */
export interface BtfFwd extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_FWD;
  /** What is forward-declared: the kind_flag selects union (1) or struct (0). */
  readonly fwdKind: 'struct' | 'union';
}

/** A typedef (`BTF_KIND_TYPEDEF`). */
export interface BtfTypedef extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_TYPEDEF;
  /** Aliased type id. */
  readonly typeId: number;
}

/** A `volatile`, `const` or `restrict` qualifier. */
export interface BtfQualifier extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_VOLATILE | typeof BTF_KIND_CONST | typeof BTF_KIND_RESTRICT;
  /** Qualified type id. */
  readonly typeId: number;
}

/** A function (`BTF_KIND_FUNC`): a named subprogram whose signature is a FUNC_PROTO. */
export interface BtfFunc extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_FUNC;
  /** Type id of the FUNC_PROTO. */
  readonly typeId: number;
  /** `BTF_FUNC_STATIC`, `BTF_FUNC_GLOBAL` or `BTF_FUNC_EXTERN` (stored in `vlen`). */
  readonly linkage: BtfFuncLinkage;
}

/** A function parameter, mirroring `struct btf_param`. */
export interface BtfParam {
  /** Parameter name, `''` when the encoder did not record one. */
  readonly name: string;
  /** Parameter type id. */
  readonly typeId: number;
}

/** A function signature (`BTF_KIND_FUNC_PROTO`). */
export interface BtfFuncProto extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_FUNC_PROTO;
  /** Return type id (0 for `void`). */
  readonly returnTypeId: number;
  /** Parameters, without the trailing `{0, 0}` entry that marks a variadic function. */
  readonly params: readonly BtfParam[];
  /** True when the last encoded parameter was the `...` marker (name 0, type 0). */
  readonly variadic: boolean;
}

/** A variable (`BTF_KIND_VAR`), mirroring `struct btf_var`. */
export interface BtfVar extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_VAR;
  /** Variable type id. */
  readonly typeId: number;
  /** `BTF_VAR_STATIC`, `BTF_VAR_GLOBAL_ALLOCATED` or `BTF_VAR_GLOBAL_EXTERN`. */
  readonly linkage: BtfVarLinkage;
}

/** One variable placed in a section, mirroring `struct btf_var_secinfo`. */
export interface BtfVarSecinfo {
  /** Type id of the VAR (or FUNC for extern kfuncs in `.ksyms`). */
  readonly typeId: number;
  /** Byte offset in the section. */
  readonly offset: number;
  /** Size in bytes. */
  readonly size: number;
}

/** A data section (`BTF_KIND_DATASEC`) such as `.data..percpu` or `.bss`. */
export interface BtfDatasec extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_DATASEC;
  /** Section size in bytes. */
  readonly size: number;
  /** Variables in the section. */
  readonly vars: readonly BtfVarSecinfo[];
}

/** A floating point type (`BTF_KIND_FLOAT`). */
export interface BtfFloat extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_FLOAT;
  /** Size in bytes (2, 4, 8, 12 or 16). */
  readonly size: number;
}

/** A declaration tag (`BTF_KIND_DECL_TAG`); `name` is the tag value. */
export interface BtfDeclTag extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_DECL_TAG;
  /** Tagged STRUCT, UNION, FUNC, VAR or TYPEDEF. */
  readonly typeId: number;
  /** `struct btf_decl_tag.component_idx`: member/param index, or -1 for the whole declaration. */
  readonly componentIdx: number;
  /** kind_flag (6.14+): `name` is a raw `__attribute__` rather than a `btf_decl_tag` value. */
  readonly attribute: boolean;
}

/** A type tag (`BTF_KIND_TYPE_TAG`) such as `user`, `rcu`, `percpu` or `kptr`; `name` is the tag value. */
export interface BtfTypeTag extends BtfTypeCommon {
  readonly kind: typeof BTF_KIND_TYPE_TAG;
  /** Tagged type id. */
  readonly typeId: number;
  /** kind_flag (6.14+): `name` is a raw `__attribute__` rather than a `btf_type_tag` value. */
  readonly attribute: boolean;
}

/** Any decoded BTF type; switch on `kind` to narrow. */
export type BtfType =
  | BtfVoid
  | BtfInt
  | BtfPtr
  | BtfArray
  | BtfComposite
  | BtfEnum
  | BtfFwd
  | BtfTypedef
  | BtfQualifier
  | BtfFunc
  | BtfFuncProto
  | BtfVar
  | BtfDatasec
  | BtfFloat
  | BtfDeclTag
  | BtfTypeTag
  | BtfEnum64;

/** Something that can hand out decoded types by id (the `Btf` class; an interface to avoid import cycles). */
export interface BtfTypeLookup {
  /** Returns the decoded type with this id, throwing `BtfError('invalid-id')` if there is none. */
  typeById(id: number): BtfType;
}

/** A decoded `struct btf_header` (include/uapi/linux/btf.h); offsets are relative to the header's end. */
export interface BtfHeader {
  /** `magic`: always `BTF_MAGIC` once parsed. */
  readonly magic: number;
  /** `version`: always `BTF_VERSION`. */
  readonly version: number;
  /** `flags`: unused, 0. */
  readonly flags: number;
  /** `hdr_len`: header size in bytes (24 today). */
  readonly hdrLen: number;
  /** `type_off`: type section offset after the header. */
  readonly typeOff: number;
  /** `type_len`: type section length in bytes. */
  readonly typeLen: number;
  /** `str_off`: string section offset after the header. */
  readonly strOff: number;
  /** `str_len`: string section length in bytes. */
  readonly strLen: number;
  /** Byte order of the blob (BTF is always in the producing host's order). */
  readonly littleEndian: boolean;
}

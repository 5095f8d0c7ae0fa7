/**
 * BTF wire-format constants, mirrored from include/uapi/linux/btf.h (Linux 6.18).
 *
 * Names keep their UAPI spelling so they can be grepped against the kernel headers.
 */

/** `BTF_MAGIC`: first two bytes of every BTF blob, read in the blob's own byte order. */
export const BTF_MAGIC = 0xeb9f;
/** `BTF_VERSION`: the only format version the kernel has ever accepted. */
export const BTF_VERSION = 1;
/** Size of `struct btf_header` as defined today; `hdr_len` may be larger in future kernels. */
export const BTF_HEADER_SIZE = 24;
/** `BTF_MAX_VLEN`: `vlen` is 16 bits wide in `btf_type.info`. */
export const BTF_MAX_VLEN = 0xffff;
/** `BTF_MAX_NAME_OFFSET`: string offsets are limited to 24 bits by the kernel verifier. */
export const BTF_MAX_NAME_OFFSET = 0xffffff;

/** `BTF_KIND_UNKN`: kind 0, used only for the implicit `void` type with id 0. */
export const BTF_KIND_UNKN = 0;
/** `BTF_KIND_INT`: integer, followed by one u32 of encoding/offset/bits. */
export const BTF_KIND_INT = 1;
/** `BTF_KIND_PTR`: pointer to `type`. */
export const BTF_KIND_PTR = 2;
/** `BTF_KIND_ARRAY`: followed by `struct btf_array`. */
export const BTF_KIND_ARRAY = 3;
/** `BTF_KIND_STRUCT`: followed by `vlen` × `struct btf_member`. */
export const BTF_KIND_STRUCT = 4;
/** `BTF_KIND_UNION`: followed by `vlen` × `struct btf_member`. */
export const BTF_KIND_UNION = 5;
/** `BTF_KIND_ENUM`: 32-bit enumerators, followed by `vlen` × `struct btf_enum`. */
export const BTF_KIND_ENUM = 6;
/** `BTF_KIND_FWD`: forward declaration of a struct (kind_flag 0) or union (kind_flag 1). */
export const BTF_KIND_FWD = 7;
/** `BTF_KIND_TYPEDEF`: named alias of `type`. */
export const BTF_KIND_TYPEDEF = 8;
/** `BTF_KIND_VOLATILE`: volatile-qualified `type`. */
export const BTF_KIND_VOLATILE = 9;
/** `BTF_KIND_CONST`: const-qualified `type`. */
export const BTF_KIND_CONST = 10;
/** `BTF_KIND_RESTRICT`: restrict-qualified `type`. */
export const BTF_KIND_RESTRICT = 11;
/** `BTF_KIND_FUNC`: a function (subprogram); `type` is its FUNC_PROTO, `vlen` its linkage. */
export const BTF_KIND_FUNC = 12;
/** `BTF_KIND_FUNC_PROTO`: function signature, followed by `vlen` × `struct btf_param`. */
export const BTF_KIND_FUNC_PROTO = 13;
/** `BTF_KIND_VAR`: a variable, followed by `struct btf_var`. */
export const BTF_KIND_VAR = 14;
/** `BTF_KIND_DATASEC`: an ELF data section, followed by `vlen` × `struct btf_var_secinfo`. */
export const BTF_KIND_DATASEC = 15;
/** `BTF_KIND_FLOAT`: floating point type of `size` bytes (5.13+). */
export const BTF_KIND_FLOAT = 16;
/** `BTF_KIND_DECL_TAG`: annotation on a declaration, followed by `struct btf_decl_tag` (5.16+). */
export const BTF_KIND_DECL_TAG = 17;
/** `BTF_KIND_TYPE_TAG`: annotation on a type, e.g. `__user`, `__rcu`, `__kptr` (5.17+). */
export const BTF_KIND_TYPE_TAG = 18;
/** `BTF_KIND_ENUM64`: 64-bit enumerators, followed by `vlen` × `struct btf_enum64` (6.0+). */
export const BTF_KIND_ENUM64 = 19;
/** `NR_BTF_KINDS`: one past the highest kind this decoder knows. */
export const NR_BTF_KINDS = 20;

/** A numeric `BTF_KIND_*` value, the discriminant of {@link BtfType}. */
export type BtfKind =
  | typeof BTF_KIND_UNKN
  | typeof BTF_KIND_INT
  | typeof BTF_KIND_PTR
  | typeof BTF_KIND_ARRAY
  | typeof BTF_KIND_STRUCT
  | typeof BTF_KIND_UNION
  | typeof BTF_KIND_ENUM
  | typeof BTF_KIND_FWD
  | typeof BTF_KIND_TYPEDEF
  | typeof BTF_KIND_VOLATILE
  | typeof BTF_KIND_CONST
  | typeof BTF_KIND_RESTRICT
  | typeof BTF_KIND_FUNC
  | typeof BTF_KIND_FUNC_PROTO
  | typeof BTF_KIND_VAR
  | typeof BTF_KIND_DATASEC
  | typeof BTF_KIND_FLOAT
  | typeof BTF_KIND_DECL_TAG
  | typeof BTF_KIND_TYPE_TAG
  | typeof BTF_KIND_ENUM64;

/** Friendly lower-case kind names, indexed by `BTF_KIND_*` (the spelling bpftool uses, upper-cased there). */
export const BTF_KIND_NAMES = [
  'unknown',
  'int',
  'ptr',
  'array',
  'struct',
  'union',
  'enum',
  'fwd',
  'typedef',
  'volatile',
  'const',
  'restrict',
  'func',
  'func_proto',
  'var',
  'datasec',
  'float',
  'decl_tag',
  'type_tag',
  'enum64',
] as const;

/** A friendly kind name such as `'struct'` or `'func_proto'`. */
export type BtfKindName = (typeof BTF_KIND_NAMES)[number];

/** Returns the friendly name of a `BTF_KIND_*` value (`'unknown'` for values out of range). */
export function kindName(kind: number): BtfKindName {
  return BTF_KIND_NAMES[kind] ?? 'unknown';
}

/** Converts a friendly kind name or a `BTF_KIND_*` number to the number; undefined if unknown. */
export function toBtfKind(kind: BtfKind | BtfKindName | string): BtfKind | undefined {
  if (typeof kind === 'number') return kind >= 0 && kind < NR_BTF_KINDS ? kind : undefined;
  const i = (BTF_KIND_NAMES as readonly string[]).indexOf(kind);
  return i < 0 ? undefined : (i as BtfKind);
}

/*
 * `btf_type.info` (include/uapi/linux/btf.h):
 *
 *    31  30..29  28......24  23.....16  15................0
 *   +--+-------+----------+----------+--------------------+
 *   |kf| unused|   kind   |  unused  |        vlen        |
 *   +--+-------+----------+----------+--------------------+
 *
 * kf (kind_flag) means: STRUCT/UNION members carry bitfield sizes; FWD is a union;
 * ENUM/ENUM64 values are signed; DECL_TAG/TYPE_TAG hold a raw __attribute__ (6.14+).
 */

/** `BTF_INFO_KIND(info)`: bits 24..28. */
export function infoKind(info: number): number {
  return (info >>> 24) & 0x1f;
}

/** `BTF_INFO_VLEN(info)`: bits 0..15. */
export function infoVlen(info: number): number {
  return info & 0xffff;
}

/** `BTF_INFO_KFLAG(info)`: bit 31. */
export function infoKflag(info: number): boolean {
  return info >>> 31 === 1;
}

/** `BTF_INFO_ENC(kind, kind_flag, vlen)`: packs the three fields into an unsigned `info` word. */
export function encodeInfo(kind: number, kindFlag: boolean, vlen: number): number {
  return ((kindFlag ? 0x80000000 : 0) | ((kind & 0x1f) << 24) | (vlen & 0xffff)) >>> 0;
}

/*
 * The u32 after a BTF_KIND_INT `btf_type`:
 *
 *    31..28  27......24  23......16  15......8  7.......0
 *   +------+----------+-----------+----------+---------+
 *   |unused| encoding |  offset   |  unused  |  bits   |
 *   +------+----------+-----------+----------+---------+
 */

/** `BTF_INT_SIGNED`: encoding bit for signed integers. */
export const BTF_INT_SIGNED = 1 << 0;
/** `BTF_INT_CHAR`: encoding bit for `char` (for pretty printing only). */
export const BTF_INT_CHAR = 1 << 1;
/** `BTF_INT_BOOL`: encoding bit for `_Bool`. */
export const BTF_INT_BOOL = 1 << 2;

/** `BTF_INT_ENCODING(VAL)`: bits 24..27. */
export function intEncoding(val: number): number {
  return (val & 0x0f000000) >>> 24;
}

/** `BTF_INT_OFFSET(VAL)`: bits 16..23. */
export function intOffset(val: number): number {
  return (val & 0x00ff0000) >>> 16;
}

/** `BTF_INT_BITS(VAL)`: bits 0..7. */
export function intBits(val: number): number {
  return val & 0xff;
}

/*
 * `btf_member.offset` when the STRUCT/UNION has kind_flag set:
 *
 *    31..........24  23..................................0
 *   +--------------+-------------------------------------+
 *   | bitfield size|            bit offset               |
 *   +--------------+-------------------------------------+
 *
 * Without kind_flag the whole word is the bit offset and bitfields are told by an INT's `bits`.
 */

/** `BTF_MEMBER_BITFIELD_SIZE(val)`: high 8 bits of a kind_flag member offset. */
export function memberBitfieldSize(val: number): number {
  return val >>> 24;
}

/** `BTF_MEMBER_BIT_OFFSET(val)`: low 24 bits of a kind_flag member offset. */
export function memberBitOffset(val: number): number {
  return val & 0xffffff;
}

/** `BTF_FUNC_STATIC`: FUNC linkage of a static function. */
export const BTF_FUNC_STATIC = 0;
/** `BTF_FUNC_GLOBAL`: FUNC linkage of a global function (the verifier checks it separately). */
export const BTF_FUNC_GLOBAL = 1;
/** `BTF_FUNC_EXTERN`: FUNC linkage of an extern declaration (e.g. a kfunc in a BPF object). */
export const BTF_FUNC_EXTERN = 2;

/** A `btf_func_linkage` value. */
export type BtfFuncLinkage = typeof BTF_FUNC_STATIC | typeof BTF_FUNC_GLOBAL | typeof BTF_FUNC_EXTERN;

/** `BTF_VAR_STATIC`: VAR linkage of a static variable. */
export const BTF_VAR_STATIC = 0;
/** `BTF_VAR_GLOBAL_ALLOCATED`: VAR linkage of a global variable with storage. */
export const BTF_VAR_GLOBAL_ALLOCATED = 1;
/** `BTF_VAR_GLOBAL_EXTERN`: VAR linkage of an extern variable. */
export const BTF_VAR_GLOBAL_EXTERN = 2;

/** A `BTF_VAR_*` linkage value. */
export type BtfVarLinkage =
  | typeof BTF_VAR_STATIC
  | typeof BTF_VAR_GLOBAL_ALLOCATED
  | typeof BTF_VAR_GLOBAL_EXTERN;

/**
 * Number of u32 words that follow the 12-byte `struct btf_type` for a kind, or -1 if unknown.
 * This is the only per-kind knowledge the indexing pass needs.
 */
export function trailingWords(kind: number, vlen: number): number {
  switch (kind) {
    case BTF_KIND_INT:
    case BTF_KIND_VAR:
    case BTF_KIND_DECL_TAG:
      return 1; // u32 int encoding / struct btf_var / struct btf_decl_tag
    case BTF_KIND_ARRAY:
      return 3; // struct btf_array { type, index_type, nelems }
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
    case BTF_KIND_DATASEC:
    case BTF_KIND_ENUM64:
      return 3 * vlen; // btf_member / btf_var_secinfo / btf_enum64: three u32 each
    case BTF_KIND_ENUM:
    case BTF_KIND_FUNC_PROTO:
      return 2 * vlen; // btf_enum { name_off, val } / btf_param { name_off, type }
    case BTF_KIND_PTR:
    case BTF_KIND_FWD:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_FUNC:
    case BTF_KIND_FLOAT:
    case BTF_KIND_TYPE_TAG:
      return 0;
    default:
      return -1;
  }
}

/**
 * Low-level BTF decoding: the header, the one indexing pass over the type section, strings, and
 * decoding a single type record on demand. The `Btf` class in btf.ts builds its queries on these.
 */

import { BtfError } from './errors.js';
import type { BtfHeader, BtfMember, BtfType } from './types.js';
import {
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
  BTF_VERSION,
  infoKflag,
  infoKind,
  infoVlen,
  intBits,
  intEncoding,
  intOffset,
  memberBitfieldSize,
  memberBitOffset,
  NR_BTF_KINDS,
  trailingWords,
} from './uapi.js';
import type { BtfFuncLinkage, BtfKind, BtfVarLinkage } from './uapi.js';

/** True when this host stores integers little-endian (BTF blobs use the producer's byte order). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reads and validates `struct btf_header` at the start of `bytes`, detecting the blob's byte order. */
export function parseHeader(bytes: Uint8Array): BtfHeader {
  if (bytes.length < BTF_HEADER_SIZE) {
    throw new BtfError('malformed', `BTF blob of ${bytes.length} bytes is shorter than its 24-byte header.`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = dv.getUint16(0, true) === BTF_MAGIC;
  if (!le && dv.getUint16(0, false) !== BTF_MAGIC) {
    const got = dv.getUint16(0, true).toString(16);
    throw new BtfError('malformed', `BTF magic is 0x${got}, expected 0xeb9f.`);
  }
  const header: BtfHeader = {
    magic: BTF_MAGIC,
    version: dv.getUint8(2),
    flags: dv.getUint8(3),
    hdrLen: dv.getUint32(4, le),
    typeOff: dv.getUint32(8, le),
    typeLen: dv.getUint32(12, le),
    strOff: dv.getUint32(16, le),
    strLen: dv.getUint32(20, le),
    littleEndian: le,
  };
  if (header.version !== BTF_VERSION) {
    throw new BtfError('malformed', `BTF version ${header.version} is not supported (only version 1 exists).`);
  }
  if (header.hdrLen < BTF_HEADER_SIZE) {
    throw new BtfError('malformed', `BTF hdr_len ${header.hdrLen} is smaller than 24 bytes.`);
  }
  const end = (off: number, len: number): number => header.hdrLen + off + len;
  if (end(header.typeOff, header.typeLen) > bytes.length || end(header.strOff, header.strLen) > bytes.length) {
    throw new BtfError('malformed', `BTF sections run past the end of the ${bytes.length}-byte blob.`);
  }
  // The kernel (btf_check_sec_info) insists on 4-byte aligned, word-sized type records.
  if (header.typeOff % 4 !== 0 || header.typeLen % 4 !== 0) {
    throw new BtfError('malformed', 'BTF type section is not 4-byte aligned.');
  }
  return header;
}

/**
 * Returns the type section as host-order u32 words. A zero-copy view when the blob is in host
 * byte order and 4-byte aligned in memory (the usual case for readFileSync of vmlinux), else a copy.
 */
export function typeWords(bytes: Uint8Array, header: BtfHeader): Uint32Array {
  const start = bytes.byteOffset + header.hdrLen + header.typeOff;
  const n = header.typeLen / 4;
  if (header.littleEndian === HOST_LITTLE_ENDIAN && start % 4 === 0) {
    return new Uint32Array(bytes.buffer, start, n);
  }
  const dv = new DataView(bytes.buffer, start, header.typeLen);
  const words = new Uint32Array(n);
  for (let i = 0; i < n; i++) words[i] = dv.getUint32(i * 4, header.littleEndian);
  return words;
}

/** The string section as a view into `bytes`. */
export function stringSection(bytes: Uint8Array, header: BtfHeader): Uint8Array {
  const start = header.hdrLen + header.strOff;
  return bytes.subarray(start, start + header.strLen);
}

/**
 * The one pass over the type section: records the word index of each `struct btf_type`.
 * Entry `i` describes local type `i` (type id `firstId + i`). Nothing is decoded here, which keeps
 * start-up at a few milliseconds for the 5.5 MB vmlinux blob.
 */
export function indexTypes(words: Uint32Array): Int32Array {
  // Every record is at least 3 words, which bounds the count without a second pass.
  const offsets = new Int32Array(Math.floor(words.length / 3));
  const len = words.length;
  let n = 0;
  let w = 0;
  // This loop runs once per process, mostly before V8 optimises it, so it avoids calls:
  // trailing words = FIXED_WORDS[kind] + VLEN_WORDS[kind] * vlen (see trailingWords in uapi.ts).
  while (w + 3 <= len) {
    const info = words[w + 1] as number;
    const kind = (info >>> 24) & 0x1f;
    const fixed = FIXED_WORDS[kind] as number;
    if (fixed < 0) {
      throw new BtfError('malformed', `BTF type at byte ${w * 4} has unknown kind ${kind}.`);
    }
    offsets[n++] = w;
    w += 3 + fixed + (VLEN_WORDS[kind] as number) * (info & 0xffff);
  }
  if (w !== len) {
    throw new BtfError('malformed', `BTF type ${n + (w < len ? 1 : 0)} is truncated at the end of the type section.`);
  }
  return offsets.slice(0, n);
}

/** Per-kind trailing words independent of vlen; -1 marks kinds this decoder does not know (all 32 slots). */
const FIXED_WORDS = Int8Array.from({ length: 32 }, (_, k) => (k >= 1 && k < NR_BTF_KINDS ? trailingWords(k, 0) : -1));
/** Per-kind trailing words per `vlen` entry. */
const VLEN_WORDS = Int8Array.from({ length: 32 }, (_, k) =>
  k >= 1 && k < NR_BTF_KINDS ? trailingWords(k, 1) - trailingWords(k, 0) : 0,
);

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Reads the NUL-terminated string at `pos` of a string section; ASCII fast path, UTF-8 otherwise. */
export function readString(strings: Uint8Array, pos: number): string {
  let end = pos;
  let ascii = true;
  while (end < strings.length) {
    const c = strings[end] as number;
    if (c === 0) break;
    if (c >= 0x80) ascii = false;
    end++;
  }
  if (end === pos) return '';
  const view = strings.subarray(pos, end);
  // fromCharCode on a short byte run is several times cheaper than TextDecoder for kernel names.
  if (ascii && view.length <= 128) return String.fromCharCode.apply(null, view as unknown as number[]);
  return utf8.decode(view);
}

/** Resolves a string-section offset to a name (in the combined base + split string space). */
export type StringReader = (nameOff: number) => string;

/**
 * Decodes the type record at word index `w` into the type model. `id` is its type id and `str`
 * reads names. Validates nothing the indexing pass already checked.
 */
export function decodeType(words: Uint32Array, w: number, id: number, str: StringReader): BtfType {
  // struct btf_type { __u32 name_off; __u32 info; union { __u32 size; __u32 type; }; }
  const nameOff = words[w] as number;
  const info = words[w + 1] as number;
  const sizeOrType = words[w + 2] as number;
  // indexTypes rejected unknown kinds, so the cast only lets `switch` narrow the literal.
  const kind = infoKind(info) as BtfKind;
  const vlen = infoVlen(info);
  const kflag = infoKflag(info);
  const name = nameOff === 0 ? '' : str(nameOff);
  const at = (i: number): number => words[w + 3 + i] as number;
  switch (kind) {
    case BTF_KIND_INT: {
      const v = at(0);
      const encoding = intEncoding(v);
      return {
        kind, id, name, size: sizeOrType, encoding,
        signed: (encoding & BTF_INT_SIGNED) !== 0,
        char: (encoding & BTF_INT_CHAR) !== 0,
        bool: (encoding & BTF_INT_BOOL) !== 0,
        bitOffset: intOffset(v),
        bits: intBits(v),
      };
    }
    case BTF_KIND_PTR:
      return { kind, id, name, typeId: sizeOrType };
    case BTF_KIND_ARRAY:
      // struct btf_array { __u32 type; __u32 index_type; __u32 nelems; }
      return { kind, id, name, elemTypeId: at(0), indexTypeId: at(1), nelems: at(2) };
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
      // struct btf_member { __u32 name_off; __u32 type; __u32 offset; }
      const members: BtfMember[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        const mOff = at(i * 3);
        const off = at(i * 3 + 2);
        members[i] = {
          name: mOff === 0 ? '' : str(mOff),
          typeId: at(i * 3 + 1),
          bitOffset: kflag ? memberBitOffset(off) : off,
          bitfieldSize: kflag ? memberBitfieldSize(off) : 0,
        };
      }
      return { kind, id, name, size: sizeOrType, kindFlag: kflag, members };
    }
    case BTF_KIND_ENUM: {
      // struct btf_enum { __u32 name_off; __s32 val; }
      const values = new Array<{ name: string; value: number }>(vlen);
      for (let i = 0; i < vlen; i++) {
        const raw = at(i * 2 + 1);
        values[i] = { name: str(at(i * 2)), value: kflag ? raw | 0 : raw };
      }
      return { kind, id, name, size: sizeOrType, signed: kflag, values };
    }
    case BTF_KIND_ENUM64: {
      // struct btf_enum64 { __u32 name_off; __u32 val_lo32; __u32 val_hi32; }
      const values = new Array<{ name: string; value: bigint }>(vlen);
      for (let i = 0; i < vlen; i++) {
        const u = (BigInt(at(i * 3 + 2)) << 32n) | BigInt(at(i * 3 + 1));
        values[i] = { name: str(at(i * 3)), value: kflag ? BigInt.asIntN(64, u) : u };
      }
      return { kind, id, name, size: sizeOrType, signed: kflag, values };
    }
    case BTF_KIND_FWD:
      return { kind, id, name, fwdKind: kflag ? 'union' : 'struct' };
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
      return { kind, id, name, typeId: sizeOrType };
    case BTF_KIND_FUNC:
      return { kind, id, name, typeId: sizeOrType, linkage: vlen as BtfFuncLinkage };
    case BTF_KIND_FUNC_PROTO: {
      // struct btf_param { __u32 name_off; __u32 type; }; a final {0, 0} means `...`.
      let n = vlen;
      const variadic = n > 0 && at((n - 1) * 2) === 0 && at((n - 1) * 2 + 1) === 0;
      if (variadic) n--;
      const params = new Array<{ name: string; typeId: number }>(n);
      for (let i = 0; i < n; i++) {
        const pOff = at(i * 2);
        params[i] = { name: pOff === 0 ? '' : str(pOff), typeId: at(i * 2 + 1) };
      }
      return { kind, id, name, returnTypeId: sizeOrType, params, variadic };
    }
    case BTF_KIND_VAR:
      // struct btf_var { __u32 linkage; }
      return { kind, id, name, typeId: sizeOrType, linkage: at(0) as BtfVarLinkage };
    case BTF_KIND_DATASEC: {
      // struct btf_var_secinfo { __u32 type; __u32 offset; __u32 size; }
      const vars = new Array<{ typeId: number; offset: number; size: number }>(vlen);
      for (let i = 0; i < vlen; i++) vars[i] = { typeId: at(i * 3), offset: at(i * 3 + 1), size: at(i * 3 + 2) };
      return { kind, id, name, size: sizeOrType, vars };
    }
    case BTF_KIND_FLOAT:
      return { kind, id, name, size: sizeOrType };
    case BTF_KIND_DECL_TAG:
      // struct btf_decl_tag { __s32 component_idx; }
      return { kind, id, name, typeId: sizeOrType, componentIdx: at(0) | 0, attribute: kflag };
    case BTF_KIND_TYPE_TAG:
      return { kind, id, name, typeId: sizeOrType, attribute: kflag };
    default:
      throw new BtfError('malformed', `BTF type ${id} has unknown kind ${kind}.`);
  }
}

/**
 * BTF types → language types. Struct and union fields are converted on demand (a record's `fields` is null
 * until `fieldsOf` is asked), because kernel structs nest deeply and most scripts touch a few fields.
 */
import {
  type Btf, BTF_KIND_ARRAY, BTF_KIND_CONST, BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_FUNC_PROTO, BTF_KIND_FWD, BTF_KIND_INT,
  BTF_KIND_PTR, BTF_KIND_RESTRICT, BTF_KIND_STRUCT, BTF_KIND_TYPE_TAG, BTF_KIND_TYPEDEF, BTF_KIND_UNION, BTF_KIND_VOLATILE,
} from '../btf/index.js';
import { type AddressSpace, int, type RecordField, type Type, u64 } from './types.js';

/** Converts vmlinux (or other) BTF types, memoised per (id, address space). */
export class BtfTypes {
  readonly #cache = new Map<string, Type>();

  constructor(readonly btf: Btf) {}

  /** The language type of BTF type `id`, its pointers pointing into `space`. */
  toType(id: number, space: AddressSpace = 'kernel'): Type {
    const key = `${id}:${space}`;
    let t = this.#cache.get(key);
    if (!t) {
      t = this.#convert(id, space, 0);
      this.#cache.set(key, t);
    }
    return t;
  }

  #convert(id: number, space: AddressSpace, depth: number): Type {
    if (id === 0 || depth > 32) return int(1, false); // void: bytes
    const t = this.btf.typeById(id);
    switch (t.kind) {
      case BTF_KIND_INT:
        if (t.bool) return { kind: 'bool' };
        return int(clampSize(t.size), t.signed);
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
        return { kind: 'int', size: clampSize(t.size), signed: t.signed, ...(t.name ? { enumName: t.name } : {}) };
      case BTF_KIND_PTR: {
        const target = this.btf.typeById(t.typeId);
        // A `__user` type tag marks user pointers in kernels built with it.
        const userTagged = target.kind === BTF_KIND_TYPE_TAG && target.name === 'user';
        const pointee = this.btf.typeById(this.btf.resolve(t.typeId));
        const to = pointee.kind === BTF_KIND_FUNC_PROTO ? u64 : this.#convert(t.typeId, space, depth + 1);
        return { kind: 'pointer', to, space: userTagged ? 'user' : space };
      }
      case BTF_KIND_ARRAY: {
        const elem = this.#convert(t.elemTypeId, space, depth + 1);
        // char arrays behave as strings, as in bpftrace.
        if (elem.kind === 'int' && elem.size === 1) return { kind: 'string', size: t.nelems };
        return { kind: 'array', elem, len: t.nelems, space };
      }
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        return { kind: 'record', name: `${t.kind === BTF_KIND_UNION ? 'union' : 'struct'} ${t.name || '(anon)'}`, size: t.size, fields: null, union: t.kind === BTF_KIND_UNION, space, btfId: id };
      case BTF_KIND_FWD:
        return { kind: 'record', name: `struct ${t.name}`, size: 0, fields: [], union: false, space };
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
        return this.#convert(t.typeId, space, depth + 1);
      default:
        return u64;
    }
  }

  /** Fields of a record converted from BTF (anonymous members flattened into their parent, as C sees them). */
  fieldsOf(record: Extract<Type, { kind: 'record' }>): RecordField[] {
    if (record.fields) return record.fields;
    if (record.btfId === undefined) return [];
    const out: RecordField[] = [];
    const walk = (id: number, base: number) => {
      for (const m of this.btf.members(id)) {
        const byteOff = base + Math.floor(m.bitOffset / 8);
        if (m.name === '') {
          const inner = this.btf.typeById(this.btf.resolve(m.typeId));
          if (inner.kind === BTF_KIND_STRUCT || inner.kind === BTF_KIND_UNION) {
            walk(inner.id, byteOff);
            continue;
          }
        }
        const type = this.toType(m.typeId, record.space);
        const f: RecordField = { name: m.name, type, offset: byteOff };
        if (m.bitfieldSize) {
          const storage = type.kind === 'int' ? type.size : 8;
          const start = Math.floor(m.bitOffset / (storage * 8)) * storage;
          f.offset = base + start;
          f.bitfield = { bitOffset: m.bitOffset - start * 8, bits: m.bitfieldSize };
        }
        out.push(f);
      }
    };
    walk(record.btfId, 0);
    record.fields = out;
    return out;
  }

  /** A struct, union or typedef by name as written in a script (`struct task_struct`, `task_struct`, `pid_t`). */
  byName(name: string, space: AddressSpace = 'kernel'): Type | undefined {
    const m = /^(struct|union|enum)\s+(\w+)$/.exec(name.trim());
    const kinds = m ? [m[1] === 'struct' ? 'struct' : m[1] === 'union' ? 'union' : 'enum'] as const : ['struct', 'typedef', 'union', 'enum'] as const;
    const bare = m ? m[2]! : name.trim();
    for (const k of kinds) {
      const id = this.btf.findByName(bare, k);
      if (id !== undefined) return this.toType(id, space);
    }
    return undefined;
  }
}

function clampSize(n: number): 1 | 2 | 4 | 8 {
  return n <= 1 ? 1 : n <= 2 ? 2 : n <= 4 ? 4 : 8;
}

/**
 * Tracepoint `format` fields → the record type of `args` in a tracepoint probe. Pointers of syscall
 * tracepoints point into the caller's memory (user space); other tracepoints' pointers are kernel pointers.
 */
import type { TracefsField, TracefsFormat } from '../btf/index.js';
import type { BtfTypes } from './from-btf.js';
import { type AddressSpace, int, type RecordField, type Type, u64 } from './types.js';

/** The address space of pointer arguments of a tracepoint category. */
export function pointerSpaceOf(category: string): AddressSpace {
  return category === 'syscalls' ? 'user' : 'kernel';
}

function scalar(f: TracefsField): Type {
  const size = f.size <= 1 ? 1 : f.size <= 2 ? 2 : f.size <= 4 ? 4 : 8;
  return int(size, f.signed);
}

/** The type of one format field. */
export function fieldType(f: TracefsField, space: AddressSpace, btf: BtfTypes | null): Type {
  if (f.isDataLoc || f.isRelLoc) return { kind: 'string', size: 1024 };
  const decl = f.cType.trim();
  if (f.arrayLength !== undefined) {
    if (/\bchar\b|\bu8\b|__u8/.test(decl)) return { kind: 'string', size: f.arrayLength || f.size };
    const elemSize = f.arrayLength ? Math.max(1, Math.floor(f.size / f.arrayLength)) : 1;
    const elem = int(elemSize <= 1 ? 1 : elemSize <= 2 ? 2 : elemSize <= 4 ? 4 : 8, f.signed);
    return { kind: 'array', elem, len: f.arrayLength, space: 'kernel' };
  }
  const ptr = /^(.*?)\s*\*\s*$/.exec(decl);
  if (ptr) {
    const target = ptr[1]!.replace(/\b(const|volatile|__user)\b/g, '').trim();
    let to: Type = int(1, false);
    if (/^(signed |unsigned )?char$/.test(target)) to = int(1, true);
    else if (btf) to = btf.byName(target, space) ?? u64;
    else if (/^(struct|union) /.test(target)) to = { kind: 'record', name: target, size: 0, fields: [], union: target.startsWith('union'), space };
    return { kind: 'pointer', to, space };
  }
  return scalar(f);
}

/** The record type of `args` for a tracepoint, with the common fields left out (as in bpftrace). */
export function tracepointArgsType(category: string, format: TracefsFormat, btf: BtfTypes | null): Extract<Type, { kind: 'record' }> {
  const space = pointerSpaceOf(category);
  const fields: RecordField[] = format.fields.map((f) => ({
    name: f.name, type: fieldType(f, space, btf), offset: f.offset, ...(f.isDataLoc ? { dataLoc: true } : {}),
  }));
  const last = format.fields.at(-1);
  return { kind: 'record', name: `struct _tracepoint_${category}_${format.name}`, size: last ? last.offset + last.size : 8, fields, union: false, space: 'kernel' };
}

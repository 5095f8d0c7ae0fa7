/** Turns raw instruction bytes back into Insn records: the inverse of link()'s encoding. */

import { INSN_SIZE, readSlot } from './encoding.js';
import { AsmError } from './errors.js';
import { isWide } from './insn.js';
import type { Insn, Ref } from './insn.js';
import type { Relocation } from './link.js';
import {
  BPF_CALL, BPF_OP, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE,
} from './opcodes.js';

/** Whether relocation `r` describes `insn` (right opcode and pseudo source). */
function fits(r: Relocation, insn: Insn): boolean {
  switch (r.kind) {
    case 'map_fd':
      return isWide(insn.code) && insn.src === BPF_PSEUDO_MAP_FD;
    case 'map_value':
      return isWide(insn.code) && insn.src === BPF_PSEUDO_MAP_VALUE;
    case 'btf_id':
      return isWide(insn.code) && insn.src === BPF_PSEUDO_BTF_ID;
    case 'kfunc':
      return BPF_OP(insn.code) === BPF_CALL && insn.src === BPF_PSEUDO_KFUNC_CALL;
  }
}

function refOf(r: Relocation): Ref {
  switch (r.kind) {
    case 'map_fd':
    case 'map_value':
      return { kind: 'map', name: r.map };
    case 'kfunc':
      return { kind: 'kfunc', name: r.name };
    case 'btf_id':
      return { kind: 'btf_id', name: r.name, btfKind: r.btfKind };
  }
}

/**
 * Decodes `input` into one record per instruction (an LD_IMM64 is one record with `imm2`). Given a
 * LinkedProgram (or bytes with relocations), the symbolic `ref` of each relocated instruction is
 * restored, so decoding a linked label-free program gives back the records it was built from;
 * resolved labels stay numeric offsets.
 * Throws AsmError on a length that is not a whole number of slots, a truncated or malformed LD_IMM64,
 * or a relocation that does not match its instruction.
 */
export function decode(input: Uint8Array | { bytes: Uint8Array; relocations: readonly Relocation[] }): Insn[] {
  const bytes = input instanceof Uint8Array ? input : input.bytes;
  const relocations = input instanceof Uint8Array ? [] : input.relocations;
  if (bytes.length % INSN_SIZE !== 0) {
    throw new AsmError('bad_bytecode', `decode: ${bytes.length} bytes is not a whole number of ${INSN_SIZE}-byte instructions`);
  }
  const count = bytes.length / INSN_SIZE;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bySlot = new Map<number, Relocation>();
  for (const r of relocations) bySlot.set(r.slot, r);

  const out: Insn[] = [];
  for (let slot = 0; slot < count; slot++) {
    const s = readSlot(view, slot);
    let insn: Insn = s;
    if (isWide(s.code)) {
      if (slot + 1 >= count) throw new AsmError('bad_bytecode', `decode: LD_IMM64 at slot ${slot} is missing its second slot`);
      const hi = readSlot(view, slot + 1);
      if (hi.code !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.off !== 0) {
        throw new AsmError('bad_bytecode', `decode: second slot of LD_IMM64 at slot ${slot} must have code, registers and off all zero`);
      }
      insn = { ...s, imm2: hi.imm };
    }
    const r = bySlot.get(slot);
    if (r !== undefined) {
      if (!fits(r, insn)) {
        throw new AsmError('bad_relocation', `decode: ${r.kind} relocation at slot ${slot} does not match opcode 0x${s.code.toString(16).padStart(2, '0')} src ${s.src}`);
      }
      bySlot.delete(slot);
      insn = { ...insn, ref: refOf(r) };
    }
    out.push(insn);
    if (isWide(s.code)) slot++;
  }
  const stray = bySlot.values().next();
  if (!stray.done) {
    throw new AsmError('bad_relocation', `decode: ${stray.value.kind} relocation at slot ${stray.value.slot} does not start an instruction`);
  }
  return out;
}

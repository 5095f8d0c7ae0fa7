/**
 * The one link step: lays out slots, resolves every label into a pc-relative offset, collects the
 * relocations the loader must patch, and encodes the bytes the kernel takes as `bpf_attr.insns`.
 */

import { INSN_SIZE, writeSlot } from './encoding.js';
import { AsmError } from './errors.js';
import { checkName, insnSlots, isLabel, isWide } from './insn.js';
import type { BtfIdKind, Insn, Item } from './insn.js';
import {
  BPF_CALL, BPF_CLASS, BPF_EXIT, BPF_JA, BPF_JMP, BPF_JMP32, BPF_OP, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE,
} from './opcodes.js';

/** A value the loader must patch into the bytes at load time, because it depends on the host. */
export type Relocation =
  /** LD_IMM64 with src = BPF_PSEUDO_MAP_FD at `slot`: the loader writes the map's fd into imm. */
  | { kind: 'map_fd'; slot: number; map: string }
  /** LD_IMM64 with src = BPF_PSEUDO_MAP_VALUE: the loader writes the fd into imm; the next imm already holds `offset`. */
  | { kind: 'map_value'; slot: number; map: string; offset: number }
  /** CALL with src = BPF_PSEUDO_KFUNC_CALL: the loader writes the vmlinux BTF id of FUNC `name` into imm. */
  | { kind: 'kfunc'; slot: number; name: string }
  /** LD_IMM64 with src = BPF_PSEUDO_BTF_ID: the loader writes the vmlinux BTF id of `name` (of `btfKind`) into imm. */
  | { kind: 'btf_id'; slot: number; name: string; btfKind: BtfIdKind };

/** A linked program: the kernel-ready bytes plus what the loader still has to fill in. */
export interface LinkedProgram {
  /** 8 bytes per slot, little-endian `struct bpf_insn`. */
  bytes: Uint8Array;
  /** Number of slots (an LD_IMM64 counts two). */
  insnCount: number;
  /** Host-dependent values to patch at load time. */
  relocations: Relocation[];
  /** The entry (slot 0) and every bpf-to-bpf call or function-address target, by slot, for BTF func_info. */
  funcs: { name: string; slot: number }[];
}

/** Where each item of a program lands. */
export interface Layout {
  /** For each item index, its slot: an instruction's first slot, or the slot a label marks. */
  slots: number[];
  /** Label name to the slot it marks. */
  labels: Map<string, number>;
  /** Total number of slots. */
  insnCount: number;
}

/** Assigns slots to `items` (LD_IMM64 takes two) and indexes labels; throws on a duplicate label. */
export function layout(items: readonly Item[]): Layout {
  const slots: number[] = [];
  const labels = new Map<string, number>();
  let slot = 0;
  for (const item of items) {
    slots.push(slot);
    if (isLabel(item)) {
      const first = labels.get(item.label);
      if (first !== undefined) {
        throw new AsmError('duplicate_label', `link: label "${item.label}" is defined twice (at slot ${first} and at slot ${slot})`);
      }
      labels.set(item.label, slot);
    } else {
      slot += insnSlots(item);
    }
  }
  return { slots, labels, insnCount: slot };
}

/** Which field of `insn` a label resolves into, and whether its target starts a function. */
function labelField(insn: Insn): { field: 'off' | 'imm'; func: boolean } | undefined {
  const cls = BPF_CLASS(insn.code);
  if (isWide(insn.code)) return insn.src === BPF_PSEUDO_FUNC ? { field: 'imm', func: true } : undefined;
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return undefined;
  const op = BPF_OP(insn.code);
  if (op === BPF_CALL) return insn.src === BPF_PSEUDO_CALL ? { field: 'imm', func: true } : undefined;
  if (op === BPF_EXIT) return undefined;
  if (cls === BPF_JMP32 && op === BPF_JA) return { field: 'imm', func: false };
  return { field: 'off', func: false };
}

/**
 * Links `items` into a program whose first instruction is the function `entry`. Every label is
 * resolved in this one step (offsets count slots, relative to the slot after the instruction);
 * throws AsmError on an undefined or duplicate label, a label with no instruction after it, or a
 * jump whose offset does not fit its field.
 */
export function link(items: readonly Item[], entry: string): LinkedProgram {
  checkName('link entry', entry);
  const { slots, labels, insnCount } = layout(items);
  if (insnCount === 0) throw new AsmError('empty_program', `link: program "${entry}" has no instructions`);

  const bytes = new Uint8Array(insnCount * INSN_SIZE);
  const view = new DataView(bytes.buffer);
  const relocations: Relocation[] = [];
  const funcs = new Map<number, string>([[0, entry]]);

  items.forEach((item, index) => {
    if (isLabel(item)) return;
    const slot = slots[index] ?? 0;
    let { off, imm } = item;
    const ref = item.ref;
    const where = `link: instruction at slot ${slot} (opcode 0x${item.code.toString(16).padStart(2, '0')})`;
    if (ref?.kind === 'label') {
      const use = labelField(item);
      if (use === undefined) throw new AsmError('bad_target', `${where} names label "${ref.name}" but has no jump or call target`);
      const to = labels.get(ref.name);
      if (to === undefined) throw new AsmError('undefined_label', `${where} refers to undefined label "${ref.name}"`);
      if (to >= insnCount) {
        throw new AsmError('bad_target', `${where} targets label "${ref.name}", which marks the end of the program (slot ${to}); no instruction follows it`);
      }
      const delta = to - (slot + 1);
      if (use.field === 'off') {
        if (delta < -0x8000 || delta > 0x7fff) {
          throw new AsmError(
            'offset_range',
            `${where} jumps to label "${ref.name}" at slot ${to}: offset ${delta} does not fit the 16-bit off field (-32768..32767); use gotol for far jumps`,
          );
        }
        off = delta;
      } else {
        imm = delta;
      }
      if (use.func && !funcs.has(to)) funcs.set(to, ref.name);
    } else if (ref?.kind === 'map') {
      if (isWide(item.code) && item.src === BPF_PSEUDO_MAP_FD) {
        relocations.push({ kind: 'map_fd', slot, map: ref.name });
      } else if (isWide(item.code) && item.src === BPF_PSEUDO_MAP_VALUE) {
        relocations.push({ kind: 'map_value', slot, map: ref.name, offset: (item.imm2 ?? 0) >>> 0 });
      } else {
        throw new AsmError('bad_relocation', `${where} names map "${ref.name}" but is not an LD_IMM64 with src BPF_PSEUDO_MAP_FD or BPF_PSEUDO_MAP_VALUE`);
      }
    } else if (ref?.kind === 'kfunc') {
      if (BPF_OP(item.code) !== BPF_CALL || item.src !== BPF_PSEUDO_KFUNC_CALL) {
        throw new AsmError('bad_relocation', `${where} names kfunc "${ref.name}" but is not a call with src BPF_PSEUDO_KFUNC_CALL`);
      }
      relocations.push({ kind: 'kfunc', slot, name: ref.name });
    } else if (ref?.kind === 'btf_id') {
      if (!isWide(item.code) || item.src !== BPF_PSEUDO_BTF_ID) {
        throw new AsmError('bad_relocation', `${where} names BTF symbol "${ref.name}" but is not an LD_IMM64 with src BPF_PSEUDO_BTF_ID`);
      }
      relocations.push({ kind: 'btf_id', slot, name: ref.name, btfKind: ref.btfKind });
    }
    writeSlot(view, slot, { code: item.code, dst: item.dst, src: item.src, off, imm });
    if (isWide(item.code)) writeSlot(view, slot + 1, { code: 0, dst: 0, src: 0, off: 0, imm: item.imm2 ?? 0 });
  });

  const funcList = [...funcs].map(([slot, name]) => ({ name, slot })).sort((a, b) => a.slot - b.slot);
  return { bytes, insnCount, relocations, funcs: funcList };
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  AsmError, BPF_FUNC, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD, R0, R1, R10, alu32Imm, alu32Reg, alu64Imm,
  alu64Reg, atomic, bswap, call, callKfunc, callLocal, decode, disassemble, endian, exit, formatInsn, gotol,
  helperId, helperName, insn, insnSlots, ja, jmp32Imm, jmp32Reg, jmpImm, jmpReg, label, layout, ldAbs,
  ldBtfId, ldFuncAddr, ldImm64, ldInd, ldMapFd, ldMapValue, ldx, ldxsx, link, loadAcquire, mayGoto,
  mov32Imm, mov32Reg, mov64Imm, mov64Reg, movsx32, movsx64, neg32, neg64, patchImm, st, storeRelease, stx,
} from '../../src/asm/index.js';
import type { AluOp, AtomicOp, Insn, Item, JmpOp } from '../../src/asm/index.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytesOf = (...items: Item[]): string => hex(link(items, 'prog').bytes);

/** Asserts that `fn` throws an AsmError with `code` and a message matching `re`. */
function throwsAsm(fn: () => unknown, code: string, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AsmError, `expected AsmError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, re);
    return true;
  });
}

const ALU_OPS: AluOp[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'mod', 'smod', 'or', 'and', 'lsh', 'rsh', 'arsh', 'xor', 'mov'];
const JMP_OPS: JmpOp[] = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset'];
const ATOMIC_OPS: AtomicOp[] = ['add', 'or', 'and', 'xor', 'fetch_add', 'fetch_or', 'fetch_and', 'fetch_xor', 'xchg', 'cmpxchg'];

/** Every instruction form, label-free (raw offsets), so decode() must give back exactly these records. */
function everyForm(): Insn[] {
  const out: Insn[] = [];
  for (const op of ALU_OPS) {
    out.push(alu64Imm(op, 1, 7), alu64Reg(op, 2, 3), alu32Imm(op, 4, 5), alu32Reg(op, 5, 6));
  }
  out.push(alu64Imm('add', 1, -1), alu32Imm('and', 1, 0xffff_fff0), mov64Imm(0, 0), mov64Reg(6, 1), mov32Imm(0, 1), mov32Reg(1, 2));
  out.push(neg64(1), neg32(2), movsx64(1, 2, 8), movsx64(1, 2, 16), movsx64(1, 2, 32), movsx32(3, 4, 8), movsx32(3, 4, 16));
  for (const bits of [16, 32, 64] as const) out.push(endian(1, 'le', bits), endian(2, 'be', bits), bswap(3, bits));
  for (const op of JMP_OPS) {
    out.push(jmpImm(op, 1, -3, 4), jmpReg(op, 2, 3, -5), jmp32Imm(op, 4, 0xffff_ffff, 0), jmp32Reg(op, 5, 6, 32767));
  }
  out.push(ja(-32768), gotol(100_000), gotol(-1), mayGoto(2), call(BPF_FUNC.map_lookup_elem), call('ringbuf_output'));
  out.push(callLocal(5), callLocal(-7), exit());
  out.push(ldImm64(0, 0), ldImm64(1, -1), ldImm64(2, 0x1122_3344_5566_7788n), ldImm64(3, 0x8000_0000), ldFuncAddr(2, 9));
  out.push(ldMapFd(1, 'events'), ldMapValue(2, 'cfg', 16), ldBtfId(3, 'bpf_prog_active', 'var'), callKfunc('bpf_task_acquire'));
  for (const size of [1, 2, 4, 8] as const) {
    out.push(ldx(size, 1, 2, 8), st(size, 10, -size, 0x7f), stx(size, 10, -16, 1), loadAcquire(size, 1, 2, 0), storeRelease(size, 1, 4, 2));
  }
  for (const size of [1, 2, 4] as const) out.push(ldxsx(size, 1, 2, -4), ldAbs(size, 12), ldInd(size, 7, 2));
  for (const op of ATOMIC_OPS) out.push(atomic(op, 4, 1, 4, 2), atomic(op, 8, 10, -8, 3));
  return out;
}

describe('asm encoding', () => {
  it('encodes `r0 = 0; exit` as the hand-computed bytes', () => {
    assert.equal(bytesOf(mov64Imm(R0, 0), exit()), 'b700000000000000' + '9500000000000000');
  });

  it('packs dst in the low nibble and src in the high nibble, off and imm little-endian', () => {
    assert.equal(bytesOf(mov64Reg(6, R1)), 'bf16000000000000');
    assert.equal(bytesOf(ldx(4, 1, 2, 8)), '6121080000000000');
    assert.equal(bytesOf(stx(8, R10, -8, 1)), '7b1af8ff00000000');
    assert.equal(bytesOf(jmpImm('jne', 1, 0, 3)), '5501030000000000');
    assert.equal(bytesOf(alu64Imm('add', 1, -1)), '07010000ffffffff');
    assert.equal(bytesOf(st(2, R10, -2, 0xbeef)), '6a0afeffefbe0000');
  });

  it('encodes LD_IMM64 as two slots with the upper half in the second imm', () => {
    assert.equal(bytesOf(ldImm64(0, 0x1122_3344_5566_7788n)), '1800000088776655' + '0000000044332211');
    assert.equal(bytesOf(ldMapFd(1, 'm')), '1811000000000000' + '0000000000000000');
    assert.equal(bytesOf(ldMapValue(2, 'm', 16)), '1822000000000000' + '0000000010000000');
  });

  it('encodes calls: helper id, bpf-to-bpf and kfunc pseudo sources', () => {
    assert.equal(bytesOf(call('ringbuf_output')), '8500000082000000');
    assert.equal(bytesOf(callLocal(5)), '8510000005000000');
    assert.equal(bytesOf(callKfunc('bpf_task_acquire')), '8520000000000000');
  });

  it('encodes the kernel 6.6+ forms: movsx, memsx, sdiv, bswap, gotol, atomics', () => {
    assert.equal(bytesOf(movsx64(1, 2, 16)), 'bf21100000000000');
    assert.equal(bytesOf(ldxsx(1, 1, 2, -1)), '9121ffff00000000');
    assert.equal(bytesOf(alu64Reg('sdiv', 1, 2)), '3f21010000000000');
    assert.equal(bytesOf(endian(1, 'be', 32)), 'dc01000020000000');
    assert.equal(bytesOf(bswap(1, 16)), 'd701000010000000');
    assert.equal(bytesOf(gotol(70_000)), '0600000070110100');
    assert.equal(bytesOf(atomic('fetch_add', 8, 1, 0, 2)), 'db21000001000000');
    assert.equal(bytesOf(atomic('cmpxchg', 4, 1, 0, 2)), 'c3210000f1000000');
    assert.equal(bytesOf(loadAcquire(8, 1, 2, 0)), 'db21000000010000');
  });
});

describe('asm round trip', () => {
  it('decodes every instruction form back to the records it was built from', () => {
    const forms = everyForm();
    const linked = link(forms, 'prog');
    assert.equal(linked.insnCount, forms.reduce((n, i) => n + insnSlots(i), 0));
    assert.deepEqual(decode(linked), forms);
  });

  it('re-encodes decoded bytes identically', () => {
    const linked = link(everyForm(), 'prog');
    assert.equal(hex(link(decode(linked), 'prog').bytes), hex(linked.bytes));
    // Without relocations, decode keeps the raw fields and drops only the names.
    assert.equal(hex(link(decode(linked.bytes), 'prog').bytes), hex(linked.bytes));
  });

  it('accepts raw records through insn() and rejects out-of-range fields', () => {
    const cast = insn({ code: 0xbf, dst: 1, src: 2, off: 1, imm: 0x0001_0000 });
    assert.deepEqual(decode(link([cast], 'p').bytes), [cast]);
    assert.deepEqual(insn({ code: 0x18, dst: 1, imm: 5 }), { code: 0x18, dst: 1, src: 0, off: 0, imm: 5, imm2: 0 });
    throwsAsm(() => insn({ code: 0x100 }), 'bad_operand', /not a byte/);
    throwsAsm(() => insn({ code: 0xb7, imm2: 1 }), 'bad_operand', /imm2 is only meaningful/);
  });
});

describe('asm disassembly', () => {
  // Each line as the verifier prints it (kernel/bpf/disasm.c, print_bpf_insn), slot prefix included.
  const golden: [Item, string][] = [
    [mov64Reg(6, 1), '0: (bf) r6 = r1'],
    [ldx(4, 1, 2, 8), '1: (61) r1 = *(u32 *)(r2 +8)'],
    [stx(8, 10, -8, 1), '2: (7b) *(u64 *)(r10 -8) = r1'],
    [jmpImm('jne', 1, 0, 3), '3: (55) if r1 != 0x0 goto pc+3'],
    [alu32Imm('add', 0, 1), '4: (04) w0 += 1'],
    [ldImm64(0, 0x1234), '5: (18) r0 = 0x1234'],
    [ldImm64(2, -1), '7: (18) r2 = 0xffffffffffffffff'],
    [ldMapFd(1, 'events'), '9: (18) r1 = map[events]'],
    [ldMapValue(2, 'cfg', 16), '11: (18) r2 = map[cfg][0]+16'],
    [call('ringbuf_output'), '13: (85) call bpf_ringbuf_output#130'],
    [call(BPF_FUNC.get_current_pid_tgid), '14: (85) call bpf_get_current_pid_tgid#14'],
    [call(999), '15: (85) call unknown#999'],
    [callLocal(5), '16: (85) call pc+5'],
    [callKfunc('bpf_task_acquire'), '17: (85) call bpf_task_acquire#0'],
    [exit(), '18: (95) exit'],
    [atomic('add', 8, 1, 0, 2), '19: (db) lock *(u64 *)(r1 +0) += r2'],
    [atomic('xor', 4, 1, 4, 2), '20: (c3) lock *(u32 *)(r1 +4) ^= r2'],
    [atomic('fetch_add', 8, 1, 0, 0), '21: (db) r0 = atomic64_fetch_add((u64 *)(r1 +0), r0)'],
    [atomic('fetch_or', 4, 1, -4, 3), '22: (c3) r3 = atomic_fetch_or((u32 *)(r1 -4), r3)'],
    [atomic('xchg', 8, 10, -8, 3), '23: (db) r3 = atomic64_xchg((u64 *)(r10 -8), r3)'],
    [atomic('cmpxchg', 8, 1, 0, 2), '24: (db) r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)'],
    [movsx64(1, 2, 8), '25: (bf) r1 = (s8)r2'],
    [movsx32(1, 2, 16), '26: (bc) w1 = (s16)w2'],
    [ldxsx(2, 1, 2, 4), '27: (89) r1 = *(s16 *)(r2 +4)'],
    [endian(1, 'be', 16), '28: (dc) r1 = be16 r1'],
    [endian(1, 'le', 64), '29: (d4) r1 = le64 r1'],
    [bswap(1, 64), '30: (d7) r1 = bswap64 r1'],
    [alu64Imm('sdiv', 1, 3), '31: (37) r1 s/= 3'],
    [alu32Reg('smod', 1, 2), '32: (9c) w1 s%= w2'],
    [alu64Imm('arsh', 3, 7), '33: (c7) r3 s>>= 7'],
    [alu64Reg('lsh', 3, 4), '34: (6f) r3 <<= r4'],
    [neg64(3), '35: (87) r3 = -r3'],
    [neg32(3), '36: (84) w3 = -w3'],
    [jmp32Reg('jsgt', 1, 2, -26), '37: (6e) if w1 s> w2 goto pc-26'],
    [jmp32Imm('jle', 1, 0xffff_ffff, 0), '38: (b6) if w1 <= 0xffffffff goto pc+0'],
    [jmpImm('jeq', 1, -1, 2), '39: (15) if r1 == 0xffffffff goto pc+2'],
    [jmpReg('jset', 1, 2, 1), '40: (4d) if r1 & r2 goto pc+1'],
    [ja(-3), '41: (05) goto pc-3'],
    [gotol(100_000), '42: (06) gotol pc+100000'],
    [mayGoto(4), '43: (e5) may_goto pc+4'],
    [ldBtfId(3, 'bpf_prog_active', 'var'), '44: (18) r3 = btf_id[bpf_prog_active]'],
    [ldFuncAddr(2, 9), '46: (18) r2 = subprog[+9]'],
    [ldAbs(1, 12), '48: (30) r0 = *(u8 *)skb[12]'],
    [ldInd(2, 1, 4), '49: (48) r0 = *(u16 *)skb[r1 + 4]'],
    [st(4, 10, -4, -1), '50: (62) *(u32 *)(r10 -4) = -1'],
    [st(1, 10, -5, 255), '51: (72) *(u8 *)(r10 -5) = 255'],
    [loadAcquire(8, 1, 2, 0), '52: (db) r1 = load_acquire((u64 *)(r2 +0))'],
    [storeRelease(4, 1, 8, 2), '53: (c3) store_release((u32 *)(r1 +8), r2)'],
    [insn({ code: 0xbf, dst: 1, src: 2, off: 1, imm: 0x0001_0000 }), '54: (bf) r1 = addr_space_cast(r2, 1, 0)'],
    [mov32Imm(0, -2), '55: (b4) w0 = -2'],
    [ldx(8, 0, 10, -16), '56: (79) r0 = *(u64 *)(r10 -16)'],
  ];

  it('prints the verifier log text for a golden set of forms', () => {
    const linked = link(golden.map(([i]) => i), 'prog');
    assert.deepEqual(disassemble(linked), golden.map(([, line]) => line));
  });

  it('prints plain text, and uses raw numbers when no relocation info is given', () => {
    const linked = link([ldMapFd(1, 'events'), ldMapValue(2, 'cfg', 8), callKfunc('bpf_task_acquire'), ldBtfId(3, 't', 'struct')], 'p');
    patchImm(linked.bytes, 0, 7);
    assert.deepEqual(disassemble(linked, { plain: true }), [
      'r1 = map[events]', 'r2 = map[cfg][0]+8', 'call bpf_task_acquire#0', 'r3 = btf_id[t]',
    ]);
    assert.deepEqual(disassemble(linked.bytes, { plain: true }), [
      'r1 = map[fd:7]', 'r2 = map[fd:0][0]+8', 'call kernel-function#0', 'r3 = btf_id[0]',
    ]);
    assert.deepEqual(disassemble(linked.bytes, { plain: true, relocations: linked.relocations }).slice(0, 1), ['r1 = map[events]']);
  });

  it('formats unlinked records with their label names', () => {
    assert.equal(formatInsn(jmpImm('jeq', 1, 0, 'out')), 'if r1 == 0x0 goto out');
    assert.equal(formatInsn(callLocal('helper')), 'call helper');
    assert.equal(formatInsn(ldFuncAddr(2, 'cb')), 'r2 = subprog[cb]');
  });
});

describe('asm labels and link', () => {
  it('resolves forward and backward jumps relative to the next slot', () => {
    const items: Item[] = [
      label('top'),
      mov64Imm(0, 0),
      jmpImm('jeq', 1, 0, 'out'), // slot 1 -> 4
      alu64Imm('add', 0, 1),
      ja('top'), // slot 3 -> 0
      label('out'),
      exit(),
    ];
    assert.deepEqual(disassemble(link(items, 'p'), { plain: true }), [
      'r0 = 0', 'if r1 == 0x0 goto pc+2', 'r0 += 1', 'goto pc-4', 'exit',
    ]);
  });

  it('counts LD_IMM64 as two slots when resolving labels', () => {
    const linked = link([jmpImm('jne', 1, 0, 'after'), ldImm64(2, 1n), ldMapFd(3, 'm'), label('after'), exit()], 'p');
    assert.equal(linked.insnCount, 6);
    assert.deepEqual(decode(linked)[0], { code: 0x55, dst: 1, src: 0, off: 4, imm: 0 });
    assert.deepEqual(linked.relocations, [{ kind: 'map_fd', slot: 3, map: 'm' }]);
    assert.deepEqual(layout([ldImm64(0, 1), label('x'), exit()]).labels.get('x'), 2);
  });

  it('resolves calls, gotol and function addresses into imm', () => {
    const linked = link([
      ldFuncAddr(2, 'cb'), // slots 0-1 -> 6: imm 5
      callLocal('sub'), // slot 2 -> 5: imm 2
      gotol('end'), // slot 3 -> 7: imm 3
      exit(),
      label('sub'),
      mov64Imm(0, 1),
      label('cb'),
      exit(),
      label('end'),
      exit(),
    ], 'main');
    const [func, sub, far] = decode(linked);
    assert.equal(func?.imm, 5);
    assert.equal(sub?.imm, 2);
    assert.equal(far?.imm, 3);
    assert.deepEqual(linked.funcs, [{ name: 'main', slot: 0 }, { name: 'sub', slot: 5 }, { name: 'cb', slot: 6 }]);
  });

  it('lists each function once even when called from several places or aliased', () => {
    const linked = link([callLocal('f'), callLocal('f'), callLocal('g'), exit(), label('f'), label('g'), exit()], 'main');
    assert.deepEqual(linked.funcs, [{ name: 'main', slot: 0 }, { name: 'f', slot: 4 }]);
  });

  it('records every relocation with its slot', () => {
    const linked = link([
      ldMapFd(1, 'events'),
      ldMapValue(2, 'cfg', 24),
      callKfunc('bpf_rcu_read_lock'),
      ldBtfId(1, 'task_struct', 'struct'),
      call('ringbuf_output'),
      exit(),
    ], 'p');
    assert.deepEqual(linked.relocations, [
      { kind: 'map_fd', slot: 0, map: 'events' },
      { kind: 'map_value', slot: 2, map: 'cfg', offset: 24 },
      { kind: 'kfunc', slot: 4, name: 'bpf_rcu_read_lock' },
      { kind: 'btf_id', slot: 5, name: 'task_struct', btfKind: 'struct' },
    ]);
    const raw = decode(linked.bytes);
    assert.equal(raw[0]?.src, BPF_PSEUDO_MAP_FD);
    assert.equal(raw[2]?.src, BPF_PSEUDO_KFUNC_CALL);
  });

  it('lets the loader patch imm fields', () => {
    const linked = link([ldMapFd(1, 'events'), callKfunc('bpf_rcu_read_lock'), exit()], 'p');
    patchImm(linked.bytes, 0, 42);
    patchImm(linked.bytes, 2, 0xffff_fffe);
    const [map, kf] = decode(linked);
    assert.equal(map?.imm, 42);
    assert.equal(kf?.imm, -2);
    throwsAsm(() => patchImm(linked.bytes, 4, 1), 'bad_operand', /slot 4 is outside the program \(4 slots\)/);
    throwsAsm(() => patchImm(linked.bytes, 0, 2 ** 32), 'bad_operand', /does not fit/);
  });
});

describe('asm errors', () => {
  it('rejects an undefined label', () => {
    throwsAsm(() => link([jmpImm('jeq', 1, 0, 'nowhere'), exit()], 'p'), 'undefined_label', /slot 0 .*undefined label "nowhere"/);
    throwsAsm(() => link([callLocal('missing'), exit()], 'p'), 'undefined_label', /"missing"/);
  });

  it('rejects a duplicate label', () => {
    throwsAsm(() => link([label('a'), exit(), label('a'), exit()], 'p'), 'duplicate_label', /label "a" is defined twice \(at slot 0 and at slot 1\)/);
  });

  it('rejects a jump beyond the 16-bit offset and names gotol', () => {
    const filler = Array.from({ length: 40_000 }, () => mov64Imm(0, 0));
    throwsAsm(
      () => link([ja('far'), ...filler, label('far'), exit()], 'p'),
      'offset_range',
      /slot 0 .*label "far" at slot 40001: offset 40000 does not fit the 16-bit off field \(-32768\.\.32767\); use gotol/,
    );
    assert.equal(decode(link([gotol('far'), ...filler, label('far'), exit()], 'p'))[0]?.imm, 40_000);
  });

  it('rejects labels with no instruction after them, labels on non-jumps, and empty programs', () => {
    throwsAsm(() => link([ja('end'), label('end')], 'p'), 'bad_target', /marks the end of the program/);
    throwsAsm(() => link([insn({ code: 0xb7, ref: { kind: 'label', name: 'x' } }), label('x'), exit()], 'p'), 'bad_target', /no jump or call target/);
    throwsAsm(() => link([insn({ code: 0x85, ref: { kind: 'map', name: 'm' } })], 'p'), 'bad_relocation', /not an LD_IMM64/);
    throwsAsm(() => link([label('only')], 'p'), 'empty_program', /"p" has no instructions/);
  });

  it('rejects bad builder operands with a precise message', () => {
    throwsAsm(() => mov64Reg(11 as never, 1), 'bad_operand', /register 11 is not one of r0-r10/);
    throwsAsm(() => mov64Imm(1, 0x8000_0000), 'bad_operand', /does not fit 32 bits \(a 64-bit operation sign-extends/);
    throwsAsm(() => ldx(4, 1, 2, 40_000), 'bad_operand', /offset 40000 does not fit/);
    throwsAsm(() => alu64Imm('lsh', 1, 64), 'bad_operand', /shift by 64 is outside 0\.\.63/);
    throwsAsm(() => alu32Imm('div', 1, 0), 'bad_operand', /div by the constant 0/);
    throwsAsm(() => ldx(3 as never, 1, 2, 0), 'bad_operand', /size 3 is not one of 1, 2, 4, 8/);
    throwsAsm(() => call('no_such_helper' as never), 'bad_operand', /unknown helper "no_such_helper"/);
    throwsAsm(() => ja(40_000), 'bad_operand', /offset 40000/);
    throwsAsm(() => ldImm64(1, 2 ** 60), 'bad_operand', /pass a bigint/);
    throwsAsm(() => label(''), 'bad_operand', /non-empty/);
  });

  it('rejects malformed bytes and mismatched relocations in decode', () => {
    throwsAsm(() => decode(new Uint8Array(12)), 'bad_bytecode', /12 bytes is not a whole number/);
    const wide = link([ldImm64(1, 5)], 'p').bytes;
    throwsAsm(() => decode(wide.subarray(0, 8)), 'bad_bytecode', /LD_IMM64 at slot 0 is missing its second slot/);
    const bad = wide.slice();
    bad[8] = 0x07;
    throwsAsm(() => decode(bad), 'bad_bytecode', /second slot of LD_IMM64 at slot 0/);
    const linked = link([exit(), ldImm64(1, 5)], 'p');
    throwsAsm(() => decode({ bytes: linked.bytes, relocations: [{ kind: 'kfunc', slot: 0, name: 'f' }] }), 'bad_relocation', /kfunc relocation at slot 0/);
    throwsAsm(() => decode({ bytes: linked.bytes, relocations: [{ kind: 'map_fd', slot: 2, map: 'm' }] }), 'bad_relocation', /slot 2 does not start/);
  });
});

describe('asm helper table', () => {
  it('matches the kernel ids of the helpers siesta uses', () => {
    const expected: Record<string, number> = {
      map_lookup_elem: 1, map_update_elem: 2, map_delete_elem: 3, ktime_get_ns: 5, trace_printk: 6,
      get_prandom_u32: 7, get_smp_processor_id: 8, get_current_pid_tgid: 14, get_current_uid_gid: 15,
      get_current_comm: 16, perf_event_output: 25, get_stackid: 27, get_current_task: 35, get_numa_node_id: 42,
      get_current_cgroup_id: 80, send_signal: 109, probe_read_user: 112, probe_read_kernel: 113,
      probe_read_user_str: 114, probe_read_kernel_str: 115, jiffies64: 118, get_ns_current_pid_tgid: 120,
      ktime_get_boot_ns: 125, ringbuf_output: 130, ringbuf_reserve: 131, ringbuf_submit: 132,
      ringbuf_discard: 133, ringbuf_query: 134, d_path: 147, copy_from_user: 148, get_current_task_btf: 158,
      snprintf: 165, get_func_ip: 173, get_attach_cookie: 174, task_pt_regs: 175, loop: 181, strncmp: 182,
      copy_from_user_task: 191, ktime_get_tai_ns: 208, user_ringbuf_drain: 209, cgrp_storage_delete: 211,
    };
    for (const [name, id] of Object.entries(expected)) {
      assert.equal(helperId(name), id, name);
      assert.equal(helperName(id), `bpf_${name}`);
    }
    assert.equal(helperId('bpf_loop'), 181);
    assert.equal(helperId('unspec'), undefined);
    assert.equal(helperName(212), undefined);
  });

  it('numbers helpers 1..211 without gaps or duplicates', () => {
    const ids = Object.values(BPF_FUNC).sort((a, b) => a - b);
    assert.deepEqual(ids, Array.from({ length: 211 }, (_, i) => i + 1));
  });

  it('exposes register constants', () => {
    assert.deepEqual([R0, R1, R10], [0, 1, 10]);
  });
});

// Runtime decoders: bytes in siesta's layouts (src/codegen/resources.ts, src/types/types.ts) → output Values.
// Fixtures are built by hand, byte by byte, so each test states the layout it relies on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { FormatEvent, RecordArg } from '../../src/codegen/resources.js';
import type { Value } from '../../src/output/index.js';
import { decodeRecordArgs, decodeValue, formatPrintfRecord, recordView, valueKindOf } from '../../src/runtime/decode.js';
import { markRead } from '../../src/runtime/session.js';
import type { Type } from '../../src/types/types.js';
import { bool, int, pointer, s16, s32, s64, s8, string, tuple, u16, u32, u64, u8 } from '../../src/types/types.js';

/** Little-endian bytes of `v` in `size` bytes (two's complement for negatives). */
function le(v: bigint | number, size: number): number[] {
  let x = BigInt.asUintN(size * 8, BigInt(v));
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return out;
}

const ascii = (s: string): number[] => [...new TextEncoder().encode(s)];
const dv = (bytes: number[]): DataView => new DataView(new Uint8Array(bytes).buffer);
const decode = (bytes: number[], type: Type, offset = 0): Value => decodeValue(dv(bytes), offset, type);
const iv = (value: bigint, signed: boolean, bits: 8 | 16 | 32 | 64): Value => ({ kind: 'int', value, signed, bits });

describe('decodeValue', () => {
  it('reads integers little-endian at their size and sign', () => {
    assert.deepEqual(decode([0xff], s8), iv(-1n, true, 8));
    assert.deepEqual(decode([0xff], u8), iv(255n, false, 8));
    assert.deepEqual(decode([0x34, 0x12], u16), iv(0x1234n, false, 16));
    assert.deepEqual(decode(le(-2, 2), s16), iv(-2n, true, 16));
    assert.deepEqual(decode(le(-70000, 4), s32), iv(-70000n, true, 32));
    assert.deepEqual(decode(le(0xdeadbeef, 4), u32), iv(0xdeadbeefn, false, 32));
    assert.deepEqual(decode(le(-1, 8), u64), iv(2n ** 64n - 1n, false, 64));
    assert.deepEqual(decode([0, 0, ...le(-(2n ** 63n), 8)], s64, 2), iv(-(2n ** 63n), true, 64));
  });

  it('reads bools as one byte', () => {
    assert.deepEqual(decode([0], bool), { kind: 'bool', value: false });
    assert.deepEqual(decode([2], bool), { kind: 'bool', value: true });
  });

  it('cuts strings at the first NUL and marks strings that fill their buffer', () => {
    assert.deepEqual(decode([...ascii('bash'), 0, ...ascii('junk')], string(9)), { kind: 'string', value: 'bash' });
    assert.deepEqual(decode([0, ...ascii('abc')], string(4)), { kind: 'string', value: '' });
    // No NUL in all 4 bytes: truncated, bpftrace's `..` trailer (types_format.cpp format()).
    assert.deepEqual(decode(ascii('abcd'), string(4)), { kind: 'string', value: 'abcd..' });
    assert.deepEqual(decodeValue(dv(ascii('abcd')), 0, string(4), { truncTrailer: '' }), { kind: 'string', value: 'abcd' });
    assert.deepEqual(decode([0x68, 0xc3, 0xa9, 0], string(8)), { kind: 'string', value: 'hé' });
  });

  it('reads buffers as a u32 length then bytes, clamping the length', () => {
    assert.deepEqual(decode([...le(3, 4), 1, 2, 3, 4], { kind: 'buffer', size: 4 }), { kind: 'buffer', bytes: new Uint8Array([1, 2, 3]) });
    // A length larger than the buffer's size, or than the bytes present: clamped.
    assert.deepEqual(decode([...le(1000, 4), 1, 2, 3, 4], { kind: 'buffer', size: 4 }), { kind: 'buffer', bytes: new Uint8Array([1, 2, 3, 4]) });
    assert.deepEqual(decode([...le(8, 4), 9, 8], { kind: 'buffer', size: 16 }), { kind: 'buffer', bytes: new Uint8Array([9, 8]) });
  });

  it('shows pointers and unresolved symbols as addresses, and asks the hooks for symbols and stacks', () => {
    const addr = le(0xffffffff81000010n, 8);
    assert.deepEqual(decode(addr, pointer(u8, 'kernel')), { kind: 'symbolic', symbol: '0xffffffff81000010', numeric: 0xffffffff81000010n });
    assert.deepEqual(decode(le(0, 8), pointer(u8, 'user')), { kind: 'symbolic', symbol: '0x0', numeric: 0n });
    assert.deepEqual(decode([...addr, ...le(42, 8)], { kind: 'usym' }), { kind: 'symbolic', symbol: '0xffffffff81000010', numeric: 0xffffffff81000010n });
    // bpftrace streams an unnamed address as a void *: NULL prints as a bare 0.
    assert.deepEqual(decode(le(0, 8), { kind: 'ksym' }), { kind: 'symbolic', symbol: '0', numeric: 0n });
    const seen: Array<[bigint, boolean, number]> = [];
    const symbolize = (a: bigint, user: boolean, pid: number) => (seen.push([a, user, pid]), user ? 'main' : 'vfs_read');
    assert.deepEqual(decodeValue(dv(addr), 0, { kind: 'ksym' }, { symbolize }), { kind: 'symbolic', symbol: 'vfs_read', numeric: 0xffffffff81000010n });
    // usym_t is the address then the pid whose mappings name it.
    assert.deepEqual(decodeValue(dv([...le(0x401000n, 8), ...le(4242, 8)]), 0, { kind: 'usym' }, { symbolize }), { kind: 'symbolic', symbol: 'main', numeric: 0x401000n });
    assert.deepEqual(seen, [[0xffffffff81000010n, false, 0], [0x401000n, true, 4242]]);

    assert.deepEqual(decode(le(7, 8), { kind: 'stack', user: true }), { kind: 'stack', user: true, mode: 'bpftrace', frames: [] });
    const stack = (id: bigint, t: { user: boolean }): Value & { kind: 'stack' } => ({ kind: 'stack', user: t.user, mode: 'raw', frames: [{ address: id }] });
    assert.deepEqual(decodeValue(dv(le(7, 8)), 0, { kind: 'stack', user: false }, { stack }), { kind: 'stack', user: false, mode: 'raw', frames: [{ address: 7n }] });
  });

  it('lays tuples out as tuple() does', () => {
    const t = tuple([u8, s64, string(4), s16]); // offsets 0, 8, 16, 20; size 24
    const bytes = [5, 0, 0, 0, 0, 0, 0, 0, ...le(-3, 8), ...ascii('ab'), 0, 0, ...le(-7, 2), 0, 0];
    assert.deepEqual(decode(bytes, t), {
      kind: 'tuple',
      elements: [iv(5n, false, 8), iv(-3n, true, 64), { kind: 'string', value: 'ab' }, iv(-7n, true, 16)],
    });
  });

  it('decodes records field by field, bitfields and unions included', () => {
    const rec: Type = {
      kind: 'record', name: 'struct s', size: 16, union: false, space: 'kernel',
      fields: [
        { name: 'a', type: u32, offset: 0 },
        { name: 'lo', type: u8, offset: 4, bitfield: { bitOffset: 0, bits: 3 } },
        { name: 'mid', type: int(1, true), offset: 4, bitfield: { bitOffset: 3, bits: 4 } },
        { name: 'wide', type: u16, offset: 6, bitfield: { bitOffset: 6, bits: 6 } },
        { name: 'c', type: string(8), offset: 8 },
      ],
    };
    // byte 4 = 0b1_1010_101: lo = 0b101 = 5, mid = 0b1010 = -6 as a signed 4-bit field.
    // bytes 6-7 = 0x0fc0: bits 6..11 = 0b111111 = 63.
    const bytes = [...le(42, 4), 0b11010101, 0, 0xc0, 0x0f, ...ascii('comm'), 0, 0, 0, 0];
    assert.deepEqual(decode(bytes, rec), {
      kind: 'record',
      fields: [
        { name: 'a', value: iv(42n, false, 32) },
        { name: 'lo', value: iv(5n, false, 8) },
        { name: 'mid', value: iv(-6n, true, 8) },
        { name: 'wide', value: iv(63n, false, 16) },
        { name: 'c', value: { kind: 'string', value: 'comm' } },
      ],
    });
    const union: Type = { kind: 'record', name: 'union u', size: 4, union: true, space: 'kernel', fields: [{ name: 'i', type: s32, offset: 0 }, { name: 'b', type: u8, offset: 0 }] };
    assert.deepEqual(decode(le(-1, 4), union), { kind: 'record', fields: [{ name: 'i', value: iv(-1n, true, 32) }, { name: 'b', value: iv(255n, false, 8) }] });
  });

  it('follows tracepoint __data_loc fields, clamped to the bytes present', () => {
    const rec: Type = {
      kind: 'record', name: 'struct _tracepoint_x_y', size: 12, union: false, space: 'kernel',
      fields: [{ name: 'filename', type: string(1024), offset: 8, dataLoc: true }],
    };
    const header = [1, 0, 0, 0, 0, 0, 0, 0];
    assert.deepEqual(decode([...header, ...le((4 << 16) | 12, 4), ...ascii('/tmp')], rec), { kind: 'record', fields: [{ name: 'filename', value: { kind: 'string', value: '/tmp' } }] });
    // Offset past the end of the record (its bytes were not copied): empty, no throw.
    assert.deepEqual(decode([...header, ...le((64 << 16) | 400, 4)], rec), { kind: 'record', fields: [{ name: 'filename', value: { kind: 'string', value: '' } }] });
  });

  it('decodes a record without converted fields as its bytes, and arrays element by element', () => {
    assert.deepEqual(decode([1, 2, 3, 4], { kind: 'record', name: 'struct t', size: 3, fields: null, union: false, space: 'kernel' }), { kind: 'buffer', bytes: new Uint8Array([1, 2, 3]) });
    assert.deepEqual(decode([...le(1, 4), ...le(-2, 4)], { kind: 'array', elem: s32, len: 2, space: 'kernel' }), { kind: 'array', elements: [iv(1n, true, 32), iv(-2n, true, 32)] });
  });

  it('never throws on bytes that are not there', () => {
    assert.deepEqual(decode([1, 2], u64), iv(0x0201n, false, 64));
    assert.deepEqual(decode([1, 2], u32, 100), iv(0n, false, 32));
    assert.deepEqual(decode([1, 2], s32, -3), iv(0x01000000n, true, 32));
    assert.deepEqual(decode(ascii('abc'), string(16)), { kind: 'string', value: 'abc' }); // short, not truncated
    assert.deepEqual(decode([], { kind: 'buffer', size: 8 }), { kind: 'buffer', bytes: new Uint8Array() });
    assert.deepEqual(decode([1], { kind: 'none' }), { kind: 'none' });
  });
});

describe('valueKindOf', () => {
  it('names the kind decodeValue produces', () => {
    assert.equal(valueKindOf(u32), 'int');
    assert.equal(valueKindOf(string(4)), 'string');
    assert.equal(valueKindOf(pointer(u8, 'kernel')), 'symbolic');
    assert.equal(valueKindOf({ kind: 'ksym' }), 'symbolic');
    assert.equal(valueKindOf({ kind: 'record', name: 'r', size: 1, fields: null, union: false, space: 'kernel' }), 'buffer');
    assert.equal(valueKindOf(tuple([u8])), 'tuple');
  });
});

/** A record: the 8-byte header (kind, id) then `payload`. */
const record = (payload: number[], kind = 1, id = 0): number[] => [...le(kind, 4), ...le(id, 4), ...payload];

describe('decodeRecordArgs', () => {
  it('reads integers and bools from 8-byte slots, other types in their layout', () => {
    const args: RecordArg[] = [
      { type: s32, offset: 8 },
      { type: u8, offset: 16 },
      { type: bool, offset: 24 },
      { type: string(8), offset: 32 },
    ];
    const bytes = record([...le(-5, 8), ...le(200, 8), ...le(1, 8), ...ascii('hi'), 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(decodeRecordArgs(dv(bytes), 0, args), [
      { value: iv(-5n, true, 32) },
      { value: iv(200n, false, 8) },
      { value: { kind: 'bool', value: true } },
      { value: { kind: 'string', value: 'hi' } },
    ]);
    // The same record at an offset inside a larger view (as the ring buffer hands it over).
    const shifted = [0xee, 0xee, 0xee, 0xee, ...bytes];
    assert.deepEqual(decodeRecordArgs(dv(shifted), 4, args).map((a) => a.value), decodeRecordArgs(dv(bytes), 0, args).map((a) => a.value));
    assert.deepEqual(decodeRecordArgs(recordView(dv(shifted), 4, bytes.length), 0, args), decodeRecordArgs(dv(bytes), 0, args));
  });

  it('flags arguments whose user read failed and decodes them as the zero value', () => {
    const args: RecordArg[] = [
      { type: string(8), offset: 8, statusOffset: 16 },
      { type: string(8), offset: 24, statusOffset: 32 },
      { type: u32, offset: 40, statusOffset: 48 },
    ];
    const bytes = record([
      ...ascii('garbage!'), ...le(-14, 8), // EFAULT: lost, whatever the bytes hold
      ...ascii('ok'), 0, 0, 0, 0, 0, 0, ...le(3, 8), // read 3 bytes: fine
      ...le(99, 8), ...le(-1, 8),
    ]);
    assert.deepEqual(decodeRecordArgs(dv(bytes), 0, args), [
      { value: { kind: 'string', value: '' }, lost: { errno: 14 }, provenance: 'lost' },
      { value: { kind: 'string', value: 'ok' }, provenance: 'exact' },
      { value: iv(0n, false, 32), lost: { errno: 1 }, provenance: 'lost' },
    ]);
  });

  it('labels values re-read at syscall exit (status bit 40)', () => {
    const args: RecordArg[] = [{ type: string(8), offset: 8, statusOffset: 16 }];
    const bytes = record([...ascii('path'), 0, 0, 0, 0, ...le(2n ** 40n + 5n, 8)]);
    assert.deepEqual(decodeRecordArgs(dv(bytes), 0, args), [{ value: { kind: 'string', value: 'path' }, provenance: 'exit' }]);
  });

  it('labels values read later by a bpf_wq callback (status bit 41), and marks them ~~ in text', () => {
    const args: RecordArg[] = [{ type: string(8), offset: 8, statusOffset: 16 }];
    const bytes = record([...ascii('late'), 0, 0, 0, 0, ...le(2n ** 41n + 5n, 8)]);
    const decoded = decodeRecordArgs(dv(bytes), 0, args);
    assert.deepEqual(decoded, [{ value: { kind: 'string', value: 'late' }, provenance: 'deferred' }]);
    assert.equal(markRead('late', decoded[0]!), 'late~~');
    assert.equal(markRead('path', { value: { kind: 'string', value: 'path' }, provenance: 'exit' }), 'path~');
  });

  it('reads a truncated record without throwing', () => {
    const args: RecordArg[] = [{ type: s64, offset: 8 }, { type: string(16), offset: 16, statusOffset: 32 }];
    assert.deepEqual(decodeRecordArgs(dv(record([1, 2])), 0, args), [{ value: iv(0x0201n, true, 64) }, { value: { kind: 'string', value: '' }, provenance: 'exact' }]);
  });
});

describe('formatPrintfRecord', () => {
  const event: FormatEvent = {
    kind: 'printf',
    format: 'pid %d opened %s (%x)\n',
    args: [
      { type: u32, offset: 8 },
      { type: string(16), offset: 16, statusOffset: 32 },
      { type: s64, offset: 40 },
    ],
    size: 48,
  };
  const bytes = (status: number) => record([...le(1234, 8), ...ascii('/etc/passwd'), 0, 0, 0, 0, 0, ...le(status, 8), ...le(255, 8)]);

  it('formats the record with formatPrintf', () => {
    assert.equal(formatPrintfRecord(event, dv(bytes(12)), 0), 'pid 1234 opened /etc/passwd (ff)\n');
    assert.equal(formatPrintfRecord(event, dv([0, 0, 0, ...bytes(12)]), 3), 'pid 1234 opened /etc/passwd (ff)\n');
  });

  it('prints lost user reads as empty, through the markLost hook when given', () => {
    assert.equal(formatPrintfRecord(event, dv(bytes(-14)), 0), 'pid 1234 opened  (ff)\n');
    const markLost = (text: string, errno: number) => `${text}<lost:${errno}>`;
    assert.equal(formatPrintfRecord(event, dv(bytes(-14)), 0, { markLost }), 'pid 1234 opened <lost:14> (ff)\n');
    assert.equal(formatPrintfRecord(event, dv(bytes(11)), 0, { markLost }), 'pid 1234 opened /etc/passwd (ff)\n');
  });

  it('escapes control characters in traced strings', () => {
    const e: FormatEvent = { kind: 'printf', format: '[%s]', args: [{ type: string(4), offset: 8 }], size: 12 };
    assert.equal(formatPrintfRecord(e, dv(record([0x1b, 0x41, 0, 0])), 0), '[\\x1bA]');
    assert.equal(formatPrintfRecord(e, dv(record([0x1b, 0x41, 0, 0])), 0, { escape: false }), '[\x1bA]');
  });
});

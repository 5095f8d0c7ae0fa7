/** Decoder tests on synthetic blobs: hand-assembled bytes and builder output (no kernel needed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Btf,
  BtfBuilder,
  BtfError,
  BTF_FUNC_GLOBAL,
  BTF_KIND_CONST,
  BTF_KIND_FUNC,
  BTF_KIND_INT,
  BTF_KIND_PTR,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPEDEF,
  BTF_KIND_UNION,
  encodeInfo,
  kindName,
  loadVmlinuxBtf,
  toBtfKind,
} from '../../src/btf/index.js';

/**
 * Assembles a little-endian BTF blob from raw type words and a list of strings (offsets follow
 * order). Split BTF (`split`) has no leading empty string of its own: offset 0 is the base's.
 */
function rawBlob(words: number[], strings: string[], split = false): Uint8Array {
  const str = new TextEncoder().encode(`${split ? '' : '\0'}${strings.join('\0')}\0`);
  const out = new Uint8Array(24 + words.length * 4 + str.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 0xeb9f, true);
  dv.setUint8(2, 1);
  dv.setUint32(4, 24, true);
  dv.setUint32(8, 0, true);
  dv.setUint32(12, words.length * 4, true);
  dv.setUint32(16, words.length * 4, true);
  dv.setUint32(20, str.length, true);
  words.forEach((w, i) => dv.setUint32(24 + i * 4, w >>> 0, true));
  out.set(str, 24 + words.length * 4);
  return out;
}

/** String offsets for rawBlob's strings; `start` is the base's str_len for split BTF. */
function offsetsOf(strings: string[], start = 1): number[] {
  const out: number[] = [];
  let off = start;
  for (const s of strings) {
    out.push(off);
    off += new TextEncoder().encode(s).length + 1;
  }
  return out;
}

test('decodes a hand-assembled blob with an old-style (INT bits) bitfield', () => {
  const names = ['unsigned int', 'flags', 'lo', 'hi', 'bits3'];
  const [uint = 0, flags = 0, lo = 0, hi = 0, bits3 = 0] = offsetsOf(names);
  const words = [
    // [1] INT 'unsigned int' size 4, 32 bits
    uint, encodeInfo(BTF_KIND_INT, false, 0), 4, 32,
    // [2] INT 'bits3' size 4, 3 bits at offset 2 (pre-kind_flag bitfield encoding)
    bits3, encodeInfo(BTF_KIND_INT, false, 0), 4, (2 << 16) | 3,
    // [3] STRUCT 'flags' size 8 vlen 2, no kind_flag: offsets are plain bit offsets
    flags, encodeInfo(BTF_KIND_STRUCT, false, 2), 8, lo, 1, 0, hi, 2, 32,
  ];
  const btf = Btf.parse(rawBlob(words, names));
  assert.equal(btf.typeCount, 3);
  assert.equal(btf.firstTypeId, 1);
  assert.deepEqual(btf.typeById(2), {
    kind: BTF_KIND_INT, id: 2, name: 'bits3', size: 4, encoding: 0,
    signed: false, char: false, bool: false, bitOffset: 2, bits: 3,
  });
  const s = btf.typeById(3);
  assert.equal(s.kind, BTF_KIND_STRUCT);
  // The raw member keeps the wire offset; members() folds the INT's offset/bits in.
  assert.deepEqual(btf.members(3), [
    { name: 'lo', typeId: 1, bitOffset: 0, bitfieldSize: 0 },
    { name: 'hi', typeId: 2, bitOffset: 34, bitfieldSize: 3 },
  ]);
  assert.deepEqual(btf.memberOffset(3, 'hi'), { name: 'hi', typeId: 2, bitOffset: 34, bitfieldSize: 3 });
});

test('decodes big-endian BTF (BTF uses the producing host byte order)', () => {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 'signed');
  b.addStruct('pair', 8, [{ name: 'a', typeId: int, bitOffset: 0 }, { name: 'b', typeId: int, bitOffset: 32 }]);
  const btf = Btf.parse(b.encode({ littleEndian: false }));
  assert.equal(btf.header.littleEndian, false);
  assert.equal(btf.typeName(2), 'struct pair');
  assert.equal(btf.memberOffset(2, 'b')?.bitOffset, 32);
});

test('parses a blob that sits at an unaligned offset of its buffer', () => {
  const b = new BtfBuilder();
  b.addInt('long', 8, 'signed');
  const blob = b.encode();
  const padded = new Uint8Array(blob.length + 1);
  padded.set(blob, 1);
  assert.equal(Btf.parse(padded.subarray(1)).typeName(1), 'long');
});

test('rejects malformed blobs with BtfError(malformed)', () => {
  const isMalformed = (e: unknown): boolean => e instanceof BtfError && e.reason === 'malformed';
  assert.throws(() => Btf.parse(new Uint8Array(10)), isMalformed);
  const bad = rawBlob([0, encodeInfo(31, false, 0), 0], []);
  assert.throws(() => Btf.parse(bad), /unknown kind 31/);
  const truncated = rawBlob([0, encodeInfo(BTF_KIND_STRUCT, false, 2), 8, 0, 0], []);
  assert.throws(() => Btf.parse(truncated), isMalformed);
  const magic = rawBlob([], []);
  magic[0] = 0;
  assert.throws(() => Btf.parse(magic), /magic/);
});

/** A small kernel-like type graph used by several tests below. */
function sample(): { btf: Btf; ids: Record<string, number> } {
  const b = new BtfBuilder();
  const char = b.addInt('char', 1, 'char');
  const uint = b.addInt('unsigned int', 4);
  const u64 = b.addInt('unsigned long long', 8);
  const long = b.addInt('long', 8, 'signed');
  const u64t = b.addTypedef('__u64', u64);
  const openHow = b.addStruct('open_how', 24, [
    { name: 'flags', typeId: u64t, bitOffset: 0 },
    { name: 'mode', typeId: u64t, bitOffset: 64 },
    { name: 'resolve', typeId: u64t, bitOffset: 128 },
  ]);
  const constChar = b.addConst(char);
  const user = b.addTypeTag('user', constChar);
  const userStr = b.addPtr(user);
  const constCharPtr = b.addPtr(constChar);
  const arr = b.addArray(uint, 16);
  const inner = b.addStruct('', 8, [
    { name: 'x', typeId: uint, bitOffset: 0 },
    { name: 'y', typeId: uint, bitOffset: 32 },
  ]);
  const anonUnion = b.addUnion('', 8, [{ name: '', typeId: inner, bitOffset: 0 }, { name: 'raw', typeId: u64, bitOffset: 0 }]);
  const outer = b.addStruct('outer', 96, [
    { name: 'how', typeId: openHow, bitOffset: 0 },
    { name: '', typeId: anonUnion, bitOffset: 192 },
    { name: 'slots', typeId: arr, bitOffset: 256 },
    { name: 'a', typeId: uint, bitOffset: 768, bitfieldSize: 3 },
    { name: 'b', typeId: uint, bitOffset: 771, bitfieldSize: 29 },
  ]);
  const outerTd = b.addTypedef('outer_t', b.addConst(outer));
  const proto = b.addFuncProto(long, [{ name: 'how', typeId: b.addPtr(openHow) }, { name: 'n', typeId: uint }]);
  const fn = b.addFunc('do_open', proto, BTF_FUNC_GLOBAL);
  const fnPtr = b.addPtr(b.addFuncProto(0, [{ typeId: b.addPtr(0) }, { typeId: long }]));
  const tp = b.addTypedef('btf_trace_sys_enter', fnPtr);
  const vproto = b.addFuncProto(long, [{ typeId: constCharPtr }], { variadic: true });
  const arrPtr = b.addPtr(arr);
  const cptr = b.addConst(b.addPtr(char));
  const e = b.addEnum('state', [{ name: 'S_OFF', value: 0 }, { name: 'S_NEG', value: -2 }]);
  const e64 = b.addEnum64('big', [{ name: 'B_HUGE', value: 1n << 40n }]);
  const fwd = b.addFwd('file', 'struct');
  const fwdPtr = b.addPtr(fwd);
  const kptr = b.addKptr('task_struct');
  return {
    btf: Btf.parse(b.encode()),
    ids: { char, uint, u64, u64t, openHow, constChar, userStr, constCharPtr, arr, outer, outerTd, proto, fn, tp, vproto, arrPtr, cptr, e, e64, fwd, fwdPtr, kptr, anonUnion },
  };
}

test('typeName spells types the way C declares them', () => {
  const { btf, ids } = sample();
  const name = (k: string): string => btf.typeName(ids[k] ?? -1);
  assert.equal(name('openHow'), 'struct open_how');
  assert.equal(name('userStr'), 'const char __user *');
  assert.equal(name('constCharPtr'), 'const char *');
  assert.equal(name('arr'), 'unsigned int[16]');
  assert.equal(name('arrPtr'), 'unsigned int (*)[16]');
  assert.equal(name('cptr'), 'char * const');
  assert.equal(name('outerTd'), 'outer_t');
  assert.equal(name('proto'), 'long (struct open_how *, unsigned int)');
  assert.equal(name('fn'), 'long do_open(struct open_how *how, unsigned int n)');
  assert.equal(btf.typeName(btf.resolve(ids.tp ?? -1)), 'void (*)(void *, long)');
  assert.equal(name('vproto'), 'long (const char *, ...)');
  assert.equal(name('e'), 'enum state');
  assert.equal(name('fwdPtr'), 'struct file *');
  assert.equal(name('kptr'), 'struct task_struct __kptr *');
  assert.equal(name('anonUnion'), 'union {...}');
  assert.equal(btf.typeName(0), 'void');
});

test('findByName returns all ids, or the first of a kind (friendly or UAPI kind)', () => {
  const { btf, ids } = sample();
  assert.deepEqual(btf.findByName('open_how'), [ids.openHow]);
  assert.equal(btf.findByName('open_how', 'struct'), ids.openHow);
  assert.equal(btf.findByName('open_how', BTF_KIND_STRUCT), ids.openHow);
  assert.equal(btf.findByName('open_how', 'union'), undefined);
  assert.equal(btf.findByName('btf_trace_sys_enter', BTF_KIND_TYPEDEF), ids.tp);
  assert.equal(btf.findByName('do_open', 'func'), ids.fn);
  assert.deepEqual(btf.findByName('no_such_type'), []);
  assert.deepEqual(btf.findByName(''), []);
  assert.throws(() => btf.findByName('x', 'structure' as never), BtfError);
});

test('findByName answers the same through linear scans and through the hash index', () => {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 'signed');
  const names = Array.from({ length: 40 }, (_, i) => `name_${i % 20}`);
  const made = names.map((n) => b.addTypedef(n, int));
  b.addTypedef('naïve_ütf8', int);
  const btf = Btf.parse(b.encode());
  // More lookups than the scan budget, so later answers come from the index.
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(btf.findByName(`name_${i}`), [made[i], made[i + 20]]);
    }
    assert.deepEqual(btf.findByName('name_'), []);
    assert.deepEqual(btf.findByName('name_1x'), []);
    assert.equal(btf.findByName('naïve_ütf8', 'typedef'), made.length + 2);
  }
});

test('findManyByName answers a batch like findByName, in one scan or from the index', () => {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 'signed');
  const made = ['a', 'ab', 'abc', 'b', 'bpf_x', 'bpf_y', 'bpf_x', '__x', 'naïve_ütf8'].map((n) => b.addTypedef(n, int));
  const queries = ['a', 'ab', 'abc', 'abcd', 'bpf_x', 'bpf_y', 'bpf_', '__x', '_', 'naïve_ütf8', 'b', '', 'a'];
  for (const indexed of [false, true]) {
    const btf = Btf.parse(b.encode());
    if (indexed) for (let i = 0; i < 10; i++) btf.findByName(`force_index_${i}`);
    const many = btf.findManyByName(queries);
    assert.equal(many.size, new Set(queries).size);
    for (const q of queries) assert.deepEqual(many.get(q), btf.findByName(q), `${q} (${indexed ? 'index' : 'scan'})`);
    assert.deepEqual(many.get('bpf_x'), [made[4], made[6]]);
    assert.deepEqual(many.get('int'), undefined, 'only the names asked for');
  }
});

test('resolve, sizeof and alignof follow typedefs, qualifiers and tags', () => {
  const { btf, ids } = sample();
  assert.equal(btf.resolve(ids.outerTd ?? -1), ids.outer);
  assert.equal(btf.resolveType(ids.u64t ?? -1).kind, BTF_KIND_INT);
  assert.equal(btf.sizeof(ids.openHow ?? -1), 24);
  assert.equal(btf.sizeof(ids.outerTd ?? -1), 96);
  assert.equal(btf.sizeof(ids.arr ?? -1), 64);
  assert.equal(btf.sizeof(ids.userStr ?? -1), 8);
  assert.equal(btf.sizeof(ids.e ?? -1), 4);
  assert.equal(btf.alignof(ids.outer ?? -1), 8);
  assert.equal(btf.alignof(ids.arr ?? -1), 4);
  const invalidType = (e: unknown): boolean => e instanceof BtfError && e.reason === 'invalid-type';
  assert.throws(() => btf.sizeof(0), invalidType);
  assert.throws(() => btf.sizeof(ids.fwd ?? -1), invalidType);
  assert.throws(() => btf.sizeof(ids.fn ?? -1), invalidType);
  assert.throws(() => btf.typeById(99999), (e: unknown) => e instanceof BtfError && e.reason === 'invalid-id');
  assert.equal(btf.kindOf(ids.constChar ?? -1), BTF_KIND_CONST);
  assert.equal(btf.nameOf(ids.openHow ?? -1), 'open_how');
});

test('memberOffset walks paths, anonymous members, array indices and bitfields', () => {
  const { btf, ids } = sample();
  const outer = ids.outerTd ?? -1;
  assert.deepEqual(btf.memberOffset(outer, 'how.mode'), { name: 'how.mode', typeId: ids.u64t, bitOffset: 64, bitfieldSize: 0 });
  assert.equal(btf.memberOffset(outer, 'y')?.bitOffset, 192 + 32); // through the anonymous union + struct
  assert.equal(btf.memberOffset(outer, 'raw')?.bitOffset, 192);
  assert.deepEqual(btf.memberOffset(outer, 'slots[3]'), { name: 'slots[3]', typeId: ids.uint, bitOffset: 256 + 96, bitfieldSize: 0 });
  assert.deepEqual(btf.memberOffset(outer, 'b'), { name: 'b', typeId: ids.uint, bitOffset: 771, bitfieldSize: 29 });
  assert.equal(btf.memberOffset(outer, 'how.nope'), undefined);
  assert.equal(btf.memberOffset(outer, 'how[1]'), undefined);
  assert.equal(btf.memberOffset(outer, 'b.c'), undefined);
  assert.equal(btf.memberOffset(outer, '1bad'), undefined);
  assert.throws(() => btf.members(ids.uint ?? -1), BtfError);
});

test('enumValues widens ENUM and ENUM64 to bigint with sign from kind_flag', () => {
  const { btf, ids } = sample();
  assert.deepEqual(btf.enumValues(ids.e ?? -1), [{ name: 'S_OFF', value: 0n }, { name: 'S_NEG', value: -2n }]);
  assert.deepEqual(btf.enumValues(ids.e64 ?? -1), [{ name: 'B_HUGE', value: 1n << 40n }]);
  assert.throws(() => btf.enumValues(ids.uint ?? -1), BtfError);
});

test('funcProto accepts FUNC, FUNC_PROTO and function-pointer typedefs', () => {
  const { btf, ids } = sample();
  const sig = btf.funcProto(ids.fn ?? -1);
  assert.equal(sig.protoId, ids.proto);
  assert.deepEqual(sig.params.map((p) => p.name), ['how', 'n']);
  assert.equal(btf.typeName(sig.returnTypeId), 'long');
  const tp = btf.funcProto(ids.tp ?? -1);
  assert.equal(tp.returnTypeId, 0);
  assert.equal(tp.params.length, 2);
  assert.equal(btf.funcProto(ids.vproto ?? -1).variadic, true);
  assert.throws(() => btf.funcProto(ids.openHow ?? -1), BtfError);
  assert.equal(btf.kindOf(ids.fn ?? -1), BTF_KIND_FUNC);
});

test('split BTF continues the base type ids and string offsets', () => {
  const base = new BtfBuilder();
  const int = base.addInt('int', 4, 'signed');
  base.addStruct('shared', 4, [{ name: 'v', typeId: int, bitOffset: 0 }]);
  const baseBtf = Btf.parse(base.encode());
  // Hand-assemble the split part: ids start at 3, string offsets at the base's str_len.
  const strs = ['modstruct', 'p'];
  const [ms = 0, p = 0] = offsetsOf(strs, baseBtf.header.strLen);
  const bytes = rawBlob(
    [
      0, encodeInfo(BTF_KIND_PTR, false, 0), 2, // [3] struct shared *
      ms, encodeInfo(BTF_KIND_UNION, false, 1), 8, p, 3, 0, // [4] union modstruct { struct shared *p; }
    ],
    strs,
    true,
  );
  const mod = Btf.parse(bytes, baseBtf);
  assert.equal(mod.firstTypeId, 3);
  assert.equal(mod.nextTypeId, 5);
  assert.equal(mod.typeName(4), 'union modstruct');
  assert.equal(mod.typeName(3), 'struct shared *');
  assert.deepEqual(mod.members(4), [{ name: 'p', typeId: 3, bitOffset: 0, bitfieldSize: 0 }]);
  assert.deepEqual(mod.findByName('shared'), [2]);
  assert.deepEqual(Object.fromEntries(mod.findManyByName(['shared', 'modstruct', 'p'])), { shared: [2], modstruct: [4], p: [] });
  assert.equal(mod.findByName('modstruct', 'union'), 4);
  assert.equal(mod.memberOffset(4, 'p')?.typeId, 3);
});

test('kind helpers map between UAPI numbers and friendly names', () => {
  assert.equal(kindName(BTF_KIND_STRUCT), 'struct');
  assert.equal(kindName(99), 'unknown');
  assert.equal(toBtfKind('func_proto'), 13);
  assert.equal(toBtfKind(19), 19);
  assert.equal(toBtfKind('nope'), undefined);
});

test('loadVmlinuxBtf reports a missing or unreadable file as a one-sentence BtfError', () => {
  assert.throws(
    () => loadVmlinuxBtf('/nonexistent/btf/vmlinux'),
    (e: unknown) =>
      e instanceof BtfError &&
      e.reason === 'missing' &&
      e.message === 'No BTF at /nonexistent/btf/vmlinux: the kernel was built without CONFIG_DEBUG_INFO_BTF, which siesta needs.',
  );
  assert.throws(() => loadVmlinuxBtf('/'), (e: unknown) => e instanceof BtfError && e.reason === 'unreadable' && /EISDIR/.test(e.message));
});

test('hinted names are resolved by the first scan, and answers found by a scan are not scanned for again', () => {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 'signed');
  const [a, ab, bb] = ['a', 'ab', 'b'].map((n) => b.addTypedef(n, int));
  const btf = Btf.parse(b.encode());
  btf.hintNames(['a', 'b', 'missing']);
  assert.deepEqual(Object.fromEntries(btf.findManyByName(['ab'])), { ab: [ab] });
  assert.equal(btf.nameScans, 1);
  const first = btf.findByName('a');
  assert.deepEqual(first, [a]);
  first.push(99); // callers own what they get back
  assert.deepEqual(Object.fromEntries(btf.findManyByName(['b', 'a', 'missing'])), { b: [bb], a: [a], missing: [] });
  assert.equal(btf.nameScans, 1, 'all hinted, all answered by the first scan');
  assert.deepEqual(btf.findByName('int'), [int]);
  assert.equal(btf.nameScans, 2);
});

test('a known index from an earlier parse spares the passes over the types; one that does not fit is redone', () => {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 'signed');
  const [x, y] = ['x', 'y'].map((n) => b.addTypedef(n, int));
  const blob = b.encode();
  const first = Btf.parse(blob);
  first.findManyByName(['x']);
  const known = first.knownIndex;
  assert.deepEqual([...known.names], [['x', [x! - 1]]]);
  const second = Btf.parse(blob, undefined, known);
  assert.deepEqual(second.findByName('x'), [x]);
  assert.equal(second.nameScans, 0, 'x was known');
  assert.deepEqual(second.findByName('y'), [y]);
  assert.equal(second.nameScans, 1);
  assert.equal(second.knownIndex.typeOffsets, known.typeOffsets, 'the offsets were taken as given');
  // Offsets of another blob (the first record not at 0) are not trusted: the types are indexed again.
  const third = Btf.parse(blob, undefined, { typeOffsets: Int32Array.from([3, 6]) });
  assert.deepEqual([...third.knownIndex.typeOffsets], [...known.typeOffsets]);
  assert.equal(third.typeById(y!).name, 'y');
  // Nor is a list cut short: its last record would not end where the type section does.
  const cut = Btf.parse(blob, undefined, { typeOffsets: known.typeOffsets.slice(0, -1) });
  assert.deepEqual([...cut.knownIndex.typeOffsets], [...known.typeOffsets]);
  assert.equal(cut.typeCount, first.typeCount);
});

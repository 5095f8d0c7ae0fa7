/** BtfBuilder tests: encode with the builder, decode with Btf.parse, compare (no kernel needed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Btf,
  BtfBuilder,
  BtfError,
  BTF_FUNC_EXTERN,
  BTF_FUNC_GLOBAL,
  BTF_FUNC_STATIC,
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
  BTF_VAR_GLOBAL_ALLOCATED,
  SPECIAL_STRUCTS,
} from '../../src/btf/index.js';
import type { BtfType } from '../../src/btf/index.js';

test('every kind round-trips through encode and Btf.parse', () => {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 'signed');
  const char = b.addInt('char', 1, 'char');
  const bool = b.addInt('_Bool', 1, 'bool');
  const ptr = b.addPtr(char);
  const arr = b.addArray(int, 4);
  const indexType = arr - 1; // addArray added the shared __ARRAY_SIZE_TYPE__ just before
  const st = b.addStruct('s', 16, [
    { name: 'a', typeId: int, bitOffset: 0 },
    { name: 'bits', typeId: int, bitOffset: 32, bitfieldSize: 5 },
    { name: 'p', typeId: ptr, bitOffset: 64 },
  ]);
  const un = b.addUnion('u', 4, [{ name: 'i', typeId: int, bitOffset: 0 }, { name: 'c', typeId: char, bitOffset: 0 }]);
  const en = b.addEnum('e', [{ name: 'E_A', value: 1 }, { name: 'E_MAX', value: 0xffffffff }]);
  const en64 = b.addEnum64('e64', [{ name: 'E64_NEG', value: -5n }, { name: 'E64_BIG', value: 0x1_0000_0001n }]);
  const fwd = b.addFwd('later', 'union');
  const td = b.addTypedef('int_t', int);
  const vol = b.addVolatile(int);
  const cst = b.addConst(int);
  const rst = b.addRestrict(ptr);
  const proto = b.addFuncProto(int, [{ name: 'x', typeId: int }, { typeId: ptr }], { variadic: true });
  const fn = b.addFunc('f', proto, BTF_FUNC_GLOBAL);
  const ext = b.addFunc('bpf_kfunc', proto, BTF_FUNC_EXTERN);
  const v = b.addVar('counter', int, BTF_VAR_GLOBAL_ALLOCATED);
  const ds = b.addDatasec('.bss', 4, [{ typeId: v, offset: 0, size: 4 }]);
  const flt = b.addFloat('double', 8);
  const dtag = b.addDeclTag('contains:foo', st, 2);
  const dattr = b.addDeclTag('noinline', fn, -1, { attribute: true });
  const ttag = b.addTypeTag('rcu', st);
  const btf = Btf.parse(b.encode());

  const expected: BtfType[] = [
    { kind: BTF_KIND_INT, id: int, name: 'int', size: 4, encoding: 1, signed: true, char: false, bool: false, bitOffset: 0, bits: 32 },
    { kind: BTF_KIND_INT, id: char, name: 'char', size: 1, encoding: 2, signed: false, char: true, bool: false, bitOffset: 0, bits: 8 },
    { kind: BTF_KIND_INT, id: bool, name: '_Bool', size: 1, encoding: 4, signed: false, char: false, bool: true, bitOffset: 0, bits: 8 },
    { kind: BTF_KIND_PTR, id: ptr, name: '', typeId: char },
    { kind: BTF_KIND_ARRAY, id: arr, name: '', elemTypeId: int, indexTypeId: indexType, nelems: 4 },
    {
      kind: BTF_KIND_STRUCT, id: st, name: 's', size: 16, kindFlag: true,
      members: [
        { name: 'a', typeId: int, bitOffset: 0, bitfieldSize: 0 },
        { name: 'bits', typeId: int, bitOffset: 32, bitfieldSize: 5 },
        { name: 'p', typeId: ptr, bitOffset: 64, bitfieldSize: 0 },
      ],
    },
    {
      kind: BTF_KIND_UNION, id: un, name: 'u', size: 4, kindFlag: false,
      members: [{ name: 'i', typeId: int, bitOffset: 0, bitfieldSize: 0 }, { name: 'c', typeId: char, bitOffset: 0, bitfieldSize: 0 }],
    },
    { kind: BTF_KIND_ENUM, id: en, name: 'e', size: 4, signed: false, values: [{ name: 'E_A', value: 1 }, { name: 'E_MAX', value: 0xffffffff }] },
    { kind: BTF_KIND_ENUM64, id: en64, name: 'e64', size: 8, signed: true, values: [{ name: 'E64_NEG', value: -5n }, { name: 'E64_BIG', value: 0x1_0000_0001n }] },
    { kind: BTF_KIND_FWD, id: fwd, name: 'later', fwdKind: 'union' },
    { kind: BTF_KIND_TYPEDEF, id: td, name: 'int_t', typeId: int },
    { kind: BTF_KIND_VOLATILE, id: vol, name: '', typeId: int },
    { kind: BTF_KIND_CONST, id: cst, name: '', typeId: int },
    { kind: BTF_KIND_RESTRICT, id: rst, name: '', typeId: ptr },
    { kind: BTF_KIND_FUNC_PROTO, id: proto, name: '', returnTypeId: int, params: [{ name: 'x', typeId: int }, { name: '', typeId: ptr }], variadic: true },
    { kind: BTF_KIND_FUNC, id: fn, name: 'f', typeId: proto, linkage: BTF_FUNC_GLOBAL },
    { kind: BTF_KIND_FUNC, id: ext, name: 'bpf_kfunc', typeId: proto, linkage: BTF_FUNC_EXTERN },
    { kind: BTF_KIND_VAR, id: v, name: 'counter', typeId: int, linkage: BTF_VAR_GLOBAL_ALLOCATED },
    { kind: BTF_KIND_DATASEC, id: ds, name: '.bss', size: 4, vars: [{ typeId: v, offset: 0, size: 4 }] },
    { kind: BTF_KIND_FLOAT, id: flt, name: 'double', size: 8 },
    { kind: BTF_KIND_DECL_TAG, id: dtag, name: 'contains:foo', typeId: st, componentIdx: 2, attribute: false },
    { kind: BTF_KIND_DECL_TAG, id: dattr, name: 'noinline', typeId: fn, componentIdx: -1, attribute: true },
    { kind: BTF_KIND_TYPE_TAG, id: ttag, name: 'rcu', typeId: st, attribute: false },
  ];
  for (const t of expected) assert.deepEqual(btf.typeById(t.id), t, `type ${t.id}`);
  assert.equal(btf.typeCount, b.nextId - 1);
});

test('strings are deduplicated and the section starts with the empty string', () => {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 'signed');
  b.addTypedef('same', int);
  b.addTypedef('same', int);
  b.addStruct('x', 4, [{ name: 'same', typeId: int, bitOffset: 0 }]);
  const blob = b.encode();
  const btf = Btf.parse(blob);
  // '\0' + 'int\0' + 'same\0' + 'x\0'
  assert.equal(btf.header.strLen, 1 + 4 + 5 + 2);
  assert.equal(b.addString('same'), b.addString('same'));
  assert.equal(b.addString(''), 0);
  assert.deepEqual(btf.findByName('same'), [2, 3]);
  // Header mirrors struct btf_header: types right after the 24-byte header, strings right after types.
  assert.deepEqual(
    { ...btf.header },
    { magic: 0xeb9f, version: 1, flags: 0, hdrLen: 24, typeOff: 0, typeLen: btf.header.typeLen, strOff: btf.header.typeLen, strLen: 12, littleEndian: true },
  );
  assert.equal(blob.length, 24 + btf.header.typeLen + 12);
});

test('addKptr emits PTR -> TYPE_TAG kptr -> empty STRUCT, once per name and tag', () => {
  const b = new BtfBuilder();
  const p = b.addKptr('task_struct');
  assert.equal(b.addKptr('task_struct'), p);
  const untrusted = b.addKptr('task_struct', 'kptr_untrusted');
  assert.notEqual(untrusted, p);
  const btf = Btf.parse(b.encode());
  const ptr = btf.typeById(p);
  assert.equal(ptr.kind, BTF_KIND_PTR);
  const tag = btf.typeById(ptr.kind === BTF_KIND_PTR ? ptr.typeId : -1);
  assert.deepEqual({ kind: tag.kind, name: tag.name }, { kind: BTF_KIND_TYPE_TAG, name: 'kptr' });
  // The kernel's btf_find_kptr wants a STRUCT (a FWD is refused); the one struct is shared by both tags.
  assert.deepEqual(btf.findByName('task_struct').map((id) => btf.kindOf(id)), [BTF_KIND_STRUCT]);
  assert.equal(btf.typeName(p), 'struct task_struct __kptr *');
  assert.equal(btf.typeName(untrusted), 'struct task_struct __kptr_untrusted *');
  assert.equal(btf.sizeof(p), 8);
});

test('special structs have their UAPI sizes and are added once', () => {
  const b = new BtfBuilder();
  const wq = b.addSpecialStruct('bpf_wq');
  assert.equal(b.addSpecialStruct('bpf_wq'), wq);
  const timer = b.addSpecialStruct('bpf_timer');
  const lock = b.addSpecialStruct('bpf_spin_lock');
  const u32 = b.addInt('unsigned int', 4);
  const value = b.addStruct('map_value', 48, [
    { name: 'task', typeId: b.addKptr('task_struct'), bitOffset: 0 },
    { name: 'wq', typeId: wq, bitOffset: 64 },
    { name: 'timer', typeId: timer, bitOffset: 192 },
    { name: 'lock', typeId: lock, bitOffset: 320 },
    { name: 'n', typeId: u32, bitOffset: 352 },
  ]);
  const btf = Btf.parse(b.encode());
  for (const [name, spec] of Object.entries(SPECIAL_STRUCTS)) {
    const id = btf.findByName(name, 'struct');
    if (id !== undefined) assert.equal(btf.sizeof(id), spec.size, name);
  }
  assert.equal(btf.sizeof(wq), 16);
  assert.equal(btf.alignof(wq), 8);
  assert.equal(btf.typeName(btf.members(wq)[0]?.typeId ?? -1), '__u64[2]');
  assert.equal(btf.memberOffset(value, 'lock')?.bitOffset, 320);
});

test('addFunction pairs a FUNC with its FUNC_PROTO for func_info', () => {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 'signed');
  const ctx = b.addPtr(0);
  const { funcId, protoId } = b.addFunction('handle_openat', int, [{ name: 'ctx', typeId: ctx }]);
  const btf = Btf.parse(b.encode());
  assert.deepEqual(btf.typeById(funcId), { kind: BTF_KIND_FUNC, id: funcId, name: 'handle_openat', typeId: protoId, linkage: BTF_FUNC_STATIC });
  assert.equal(btf.typeName(funcId), 'int handle_openat(void *ctx)');
});

test('setMembers allows self-referencing structs', () => {
  const b = new BtfBuilder();
  const node = b.addStruct('list_node', 8);
  b.setMembers(node, [{ name: 'next', typeId: b.addPtr(node), bitOffset: 0 }]);
  const btf = Btf.parse(b.encode());
  assert.equal(btf.typeName(btf.memberOffset(node, 'next')?.typeId ?? -1), 'struct list_node *');
});

test('big-endian output decodes to the same types', () => {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 'signed');
  b.addEnum64('e', [{ name: 'X', value: 0x1234_5678_9abcn }]);
  b.addStruct('s', 4, [{ name: 'f', typeId: int, bitOffset: 3, bitfieldSize: 7 }]);
  const le = Btf.parse(b.encode({ littleEndian: true }));
  const be = Btf.parse(b.encode({ littleEndian: false }));
  for (let id = 1; id < le.nextTypeId; id++) assert.deepEqual(be.typeById(id), le.typeById(id));
});

test('invalid input raises BtfError(invalid-argument) with a clear message', () => {
  const bad = (f: () => unknown, re: RegExp): void => {
    assert.throws(f, (e: unknown) => e instanceof BtfError && e.reason === 'invalid-argument' && re.test(e.message));
  };
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 'signed');
  bad(() => b.addInt('odd', 3), /size 3/);
  bad(() => b.addEnum('e', [{ name: 'BIG', value: 2 ** 33 }]), /addEnum64/);
  bad(() => b.addString('a\0b'), /NUL/);
  bad(() => b.addTypeTag('', int), /must not be empty/);
  bad(() => b.addDeclTag('x', int, -2), /component index/);
  bad(() => b.setMembers(int, []), /not a struct/);
  bad(() => b.addStruct('s', 4, [{ name: 'f', typeId: int, bitOffset: 1 << 24, bitfieldSize: 1 }]), /2\^24/);

  const dangling = new BtfBuilder();
  dangling.addPtr(7);
  bad(() => dangling.encode(), /missing type 7/);

  const notProto = new BtfBuilder();
  notProto.addFunc('f', notProto.addInt('int', 4));
  bad(() => notProto.encode(), /FUNC_PROTO/);

  // Measured on 6.18: BPF_BTF_LOAD refuses (EINVAL, empty log) a kptr struct with a mid-byte bitfield.
  const kb = new BtfBuilder();
  const u32 = kb.addInt('unsigned int', 4);
  kb.addStruct('v', 16, [
    { name: 'task', typeId: kb.addKptr('task_struct'), bitOffset: 0 },
    { name: 'a', typeId: u32, bitOffset: 64, bitfieldSize: 3 },
    { name: 'b', typeId: u32, bitOffset: 67, bitfieldSize: 5 },
  ]);
  bad(() => kb.encode(), /kptr.*bit offset 67/);
});

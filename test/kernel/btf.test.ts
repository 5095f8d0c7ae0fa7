/**
 * The decoder against the running kernel's BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF).
 * Skipped only when the file is absent; every assertion names a type that has existed since the
 * feature's first kernel, so a newer kernel must still pass.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import {
  Btf,
  BtfBuilder,
  BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM64,
  BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_PTR,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_TYPEDEF,
  loadVmlinuxBtf,
  SPECIAL_STRUCTS,
  VMLINUX_BTF_PATH,
} from '../../src/btf/index.js';
import type { SpecialStructName } from '../../src/btf/index.js';

let cached: Btf | undefined;

/** The parsed vmlinux BTF, or undefined (after t.skip) when this kernel has none. */
function vmlinux(t: TestContext): Btf | undefined {
  if (!existsSync(VMLINUX_BTF_PATH)) {
    t.skip('no vmlinux BTF');
    return undefined;
  }
  cached ??= loadVmlinuxBtf();
  return cached;
}

/** Returns the id of a named type of a kind, failing the test if it is missing. */
function need(btf: Btf, name: string, kind: Parameters<Btf['findByName']>[1]): number {
  const id = btf.findByName(name, kind);
  assert.ok(id !== undefined, `vmlinux has no ${String(kind)} ${name}`);
  return id;
}

test('loads vmlinux and finds struct open_how quickly', (t) => {
  if (!existsSync(VMLINUX_BTF_PATH)) return t.skip('no vmlinux BTF');
  const t0 = performance.now();
  const btf = loadVmlinuxBtf();
  const t1 = performance.now();
  const id = btf.findByName('open_how', 'struct');
  const t2 = performance.now();
  t.diagnostic(`${btf.typeCount} types; load+index ${(t1 - t0).toFixed(1)} ms, first lookup ${(t2 - t1).toFixed(1)} ms`);
  assert.ok(id !== undefined);
  assert.ok(btf.typeCount > 10000, `only ${btf.typeCount} types`);
  // The budget is 50 ms on the project VMs; this bound only catches gross regressions on slow CI.
  assert.ok(t2 - t0 < 500, `load + lookup took ${(t2 - t0).toFixed(0)} ms`);
});

test('struct open_how (5.6+) is 24 bytes with flags/mode/resolve at 0/8/16', (t) => {
  const btf = vmlinux(t);
  if (btf === undefined) return;
  const id = need(btf, 'open_how', 'struct');
  assert.equal(btf.sizeof(id), 24);
  assert.deepEqual(btf.members(id).map((m) => [m.name, m.bitOffset / 8, btf.sizeof(m.typeId)]), [
    ['flags', 0, 8],
    ['mode', 8, 8],
    ['resolve', 16, 8],
  ]);
  assert.equal(btf.typeName(id), 'struct open_how');
  assert.equal(btf.typeName(btf.members(id)[0]?.typeId ?? -1), '__u64');
});

test('btf_trace_sys_enter is a TYPEDEF of a pointer to (void *, struct pt_regs *, long)', (t) => {
  const btf = vmlinux(t);
  if (btf === undefined) return;
  const id = need(btf, 'btf_trace_sys_enter', 'typedef');
  assert.equal(btf.kindOf(id), BTF_KIND_TYPEDEF);
  const target = btf.typeById(id);
  assert.equal(target.kind === BTF_KIND_TYPEDEF ? btf.kindOf(target.typeId) : -1, BTF_KIND_PTR);
  const sig = btf.funcProto(id);
  assert.equal(sig.returnTypeId, 0);
  assert.deepEqual(sig.params.map((p) => btf.typeName(p.typeId)), ['void *', 'struct pt_regs *', 'long int']);
  assert.equal(btf.kindOf(sig.protoId), BTF_KIND_FUNC_PROTO);
});

test('task_struct is a big struct with pid and decoded bitfields', (t) => {
  const btf = vmlinux(t);
  if (btf === undefined) return;
  const id = need(btf, 'task_struct', 'struct');
  assert.ok(btf.sizeof(id) > 1000, `task_struct is only ${btf.sizeof(id)} bytes`);
  const pid = btf.memberOffset(id, 'pid');
  assert.ok(pid !== undefined);
  assert.equal(btf.typeName(pid.typeId), 'pid_t');
  assert.equal(btf.sizeof(pid.typeId), 4);
  assert.equal(pid.bitOffset % 32, 0);
  // `unsigned sched_reset_on_fork:1;` and its neighbours: one-bit fields packed into one word.
  const bit = btf.memberOffset(id, 'sched_reset_on_fork');
  const next = btf.memberOffset(id, 'sched_contributes_to_load');
  assert.ok(bit !== undefined && next !== undefined);
  assert.equal(bit.bitfieldSize, 1);
  assert.equal(next.bitOffset, bit.bitOffset + 1);
  assert.equal(btf.typeName(bit.typeId), 'unsigned int');
  // Nested path through an embedded struct.
  const comm = btf.memberOffset(id, 'comm');
  assert.ok(comm !== undefined);
  assert.equal(btf.typeName(comm.typeId), 'char[16]');
});

test('every bitfield in vmlinux lies inside its struct and its storage type', (t) => {
  const btf = vmlinux(t);
  if (btf === undefined) return;
  let bitfields = 0;
  for (let id = btf.firstTypeId; id < btf.nextTypeId; id++) {
    if (btf.kindOf(id) !== BTF_KIND_STRUCT) continue;
    const size = btf.sizeof(id);
    for (const m of btf.members(id)) {
      if (m.bitfieldSize === 0) continue;
      bitfields++;
      assert.ok(m.bitOffset + m.bitfieldSize <= size * 8, `${btf.typeName(id)}.${m.name} overflows`);
      assert.ok(m.bitfieldSize <= btf.sizeof(m.typeId) * 8, `${btf.typeName(id)}.${m.name} is wider than its type`);
    }
  }
  assert.ok(bitfields > 100, `only ${bitfields} bitfields found`);
});

test('ENUM64, DECL_TAG and TYPE_TAG records decode', (t) => {
  const btf = vmlinux(t);
  if (btf === undefined) return;
  const found = { enum64: 0, declTag: 0, typeTag: 0 };
  for (let id = btf.firstTypeId; id < btf.nextTypeId; id++) {
    const k = btf.kindOf(id);
    const ty = btf.typeById(id);
    if (k === BTF_KIND_ENUM64 && ty.kind === BTF_KIND_ENUM64) {
      found.enum64++;
      assert.ok(ty.values.length > 0);
      assert.ok(btf.enumValues(id).every((v) => typeof v.value === 'bigint'));
    } else if (k === BTF_KIND_DECL_TAG && ty.kind === BTF_KIND_DECL_TAG) {
      found.declTag++;
      assert.ok(ty.name !== '' && ty.componentIdx >= -1);
      assert.ok(btf.hasType(ty.typeId));
    } else if (k === BTF_KIND_TYPE_TAG && ty.kind === BTF_KIND_TYPE_TAG) {
      found.typeTag++;
      assert.ok(ty.name !== '');
      assert.match(btf.typeName(id), /__\w+|__attribute__/);
    }
  }
  t.diagnostic(`ENUM64 ${found.enum64}, DECL_TAG ${found.declTag}, TYPE_TAG ${found.typeTag}`);
  // pahole emits ENUM64 since 1.24 and bpf_kfunc decl tags since 1.26 (kernel 6.8+ uses them for kfuncs).
  assert.ok(found.enum64 + found.declTag + found.typeTag > 0, 'no ENUM64, DECL_TAG or TYPE_TAG in vmlinux');
});

test('bpf_copy_from_user_str (6.12+) is a FUNC, tagged as a kfunc', (t) => {
  const btf = vmlinux(t);
  if (btf === undefined) return;
  const id = need(btf, 'bpf_copy_from_user_str', 'func');
  assert.equal(btf.kindOf(id), BTF_KIND_FUNC);
  const sig = btf.funcProto(id);
  assert.equal(btf.typeName(sig.returnTypeId), 'int');
  assert.deepEqual(sig.params.map((p) => p.name), ['dst', 'dst__sz', 'unsafe_ptr__ign', 'flags']);
  assert.match(btf.typeName(id), /^int bpf_copy_from_user_str\(void \*dst, u32 dst__sz, const void \*unsafe_ptr__ign, u64 flags\)$/);
  const tags = btf.findByName('bpf_kfunc').filter((tag) => {
    const ty = btf.typeById(tag);
    return ty.kind === BTF_KIND_DECL_TAG && ty.typeId === id;
  });
  assert.equal(tags.length, 1, 'bpf_copy_from_user_str has no bpf_kfunc decl tag');
});

test("the builder's special structs match the kernel's layouts", (t) => {
  const btf = vmlinux(t);
  if (btf === undefined) return;
  const b = new BtfBuilder();
  const ids = new Map<string, number>();
  for (const name of Object.keys(SPECIAL_STRUCTS) as SpecialStructName[]) ids.set(name, b.addSpecialStruct(name));
  const ours = Btf.parse(b.encode());
  for (const [name, ourId] of ids) {
    const kernelId: number | undefined = btf.findByName(name, 'struct');
    if (kernelId === undefined) continue; // older kernel: the field kind does not exist yet
    assert.equal(ours.sizeof(ourId), btf.sizeof(kernelId), `sizeof(struct ${name})`);
    assert.equal(ours.alignof(ourId), btf.alignof(kernelId), `alignof(struct ${name})`);
  }
  assert.ok(btf.findByName('bpf_wq', 'struct') !== undefined, 'struct bpf_wq (6.10+) is missing');
});

test('name lookups agree between the scan path and the hash index on real data', (t) => {
  const btf = vmlinux(t);
  if (btf === undefined) return;
  // A fresh instance so the first lookups are scans and the later ones use the index.
  const fresh = loadVmlinuxBtf();
  const step = Math.floor(fresh.typeCount / 60);
  for (let id = fresh.firstTypeId; id < fresh.nextTypeId; id += step) {
    const name = fresh.nameOf(id);
    if (name === '') continue;
    const ids = fresh.findByName(name);
    assert.ok(ids.includes(id), `findByName(${name}) misses ${id}`);
    assert.ok(ids.every((other) => fresh.nameOf(other) === name));
  }
});

test('every vmlinux type decodes and has a readable name', (t) => {
  const btf = vmlinux(t);
  if (btf === undefined) return;
  for (let id = 0; id < btf.nextTypeId; id++) {
    const name = btf.typeName(id);
    assert.ok(name.length > 0 && !name.includes('<loop>'), `type ${id} spells as ${JSON.stringify(name)}`);
  }
});

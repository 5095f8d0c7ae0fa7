// Every map type siesta uses, created in the kernel and exercised through the loader's BpfMap.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createMap, type MapKind } from '../../src/loader/index.js';
import { possibleCpus } from '../../src/kernel/cpus.js';
import { assertNoLeaks, kernelUnavailable, objectBaseline } from '../helpers/kernel.js';

const skip = kernelUnavailable() ?? false;
let base: ReturnType<typeof objectBaseline>;
before(() => {
  if (!skip) base = objectBaseline();
});
after(async () => {
  if (!skip) await assertNoLeaks(base);
});

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const u64 = (n: bigint) => new Uint8Array(new BigUint64Array([n]).buffer);
const readU64 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);

for (const kind of ['hash', 'lru_hash'] as MapKind[]) {
  test(`${kind}: update, lookup, iterate, batch, delete`, { skip }, () => {
    using m = createMap({ name: `t_${kind}`, kind, keySize: 4, valueSize: 8, maxEntries: 64 });
    for (let i = 1; i <= 10; i++) m.update(u32(i), u64(BigInt(i * 100)));
    assert.equal(readU64(m.lookup(u32(7))!), 700n);
    assert.equal(m.lookup(u32(99)), null);
    assert.equal([...m.keys()].length, 10);
    const entries = m.entries();
    assert.equal(entries.length, 10);
    const sum = entries.reduce((s, [, v]) => s + readU64(v), 0n);
    assert.equal(sum, 5500n);
    assert.equal(m.delete(u32(7)), true);
    assert.equal(m.delete(u32(7)), false);
    m.clear();
    assert.equal([...m.keys()].length, 0);
  });
}

test('array: fixed keys, zero-filled, clear zeroes', { skip }, () => {
  using m = createMap({ name: 't_array', kind: 'array', keySize: 4, valueSize: 8, maxEntries: 4 });
  assert.equal(readU64(m.lookup(u32(3))!), 0n);
  m.update(u32(2), u64(42n));
  assert.equal(readU64(m.lookup(u32(2))!), 42n);
  assert.equal(m.lookup(u32(4)), null, 'out of range');
  assert.equal(m.entries().length, 4);
  m.clear();
  assert.equal(readU64(m.lookup(u32(2))!), 0n);
});

for (const kind of ['percpu_hash', 'percpu_array'] as MapKind[]) {
  test(`${kind}: one value per possible CPU`, { skip }, () => {
    using m = createMap({ name: `t_${kind}`, kind, keySize: 4, valueSize: 8, maxEntries: 8 });
    const n = possibleCpus().length;
    const values = new Uint8Array(8 * n);
    for (let c = 0; c < n; c++) values.set(u64(BigInt(c + 1)), c * 8);
    m.update(u32(1), values);
    const slots = m.lookupPerCpu(u32(1))!;
    assert.equal(slots.length, n);
    assert.deepEqual(slots.map(readU64), Array.from({ length: n }, (_, c) => BigInt(c + 1)));
    assert.equal(m.entries().length, kind === 'percpu_array' ? 8 : 1);
  });
}

test('stack_trace: created; empty lookups say absent', { skip }, () => {
  using m = createMap({ name: 't_stacks', kind: 'stack_trace', keySize: 4, valueSize: 8 * 127, maxEntries: 128 });
  assert.equal(m.lookup(u32(0)), null);
  assert.equal([...m.keys()].length, 0);
});

test('ringbuf: created with a power-of-two size; other sizes are refused with EINVAL', { skip }, () => {
  using m = createMap({ name: 't_ring', kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 1 << 16 });
  assert.equal(m.spec.maxEntries, 65536);
  assert.throws(() => createMap({ name: 't_ring_bad', kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 5000 }),
    /bpf\(BPF_MAP_CREATE\) failed: EINVAL \(Invalid argument\): map t_ring_bad/);
});

// siesta's own BTF in the kernel: BPF_BTF_LOAD takes BtfBuilder output holding a struct bpf_wq and a kptr, and
// BPF_MAP_CREATE takes it as a map value type, so the kernel knows where the special fields are.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BtfBuilder } from '../../src/btf/index.js';
import { loadCollection } from '../../src/loader/index.js';
import { btfLoad, mapCreate, mapLookup, mapUpdate, uapi } from '../../src/sys/index.js';
import { assertNoLeaks, kernelUnavailable, objectBaseline } from '../helpers/kernel.js';

const skip = kernelUnavailable() ?? false;
let base: ReturnType<typeof objectBaseline>;
before(() => {
  if (!skip) base = objectBaseline();
});
after(async () => {
  if (!skip) await assertNoLeaks(base);
});

/**
 * struct slot {                          // 32 bytes
 *   struct bpf_wq wq;                    // 0..16, special field (6.10)
 *   struct task_struct __kptr *task;     // 16..24, referenced kptr (6.1)
 *   __u64 seq;                           // 24..32, plain data
 * };
 */
function slotBtf(): { blob: Uint8Array; key: number; value: number } {
  const b = new BtfBuilder();
  const key = b.addInt('int', 4, 'signed');
  const u64 = b.addInt('__u64', 8);
  const value = b.addStruct('slot', 32, [
    { name: 'wq', typeId: b.addSpecialStruct('bpf_wq'), bitOffset: 0 },
    { name: 'task', typeId: b.addKptr('task_struct'), bitOffset: 16 * 8 },
    { name: 'seq', typeId: u64, bitOffset: 24 * 8 },
  ]);
  return { blob: b.encode(), key, value };
}

const KEY = new Uint8Array(4);
/** A value with every byte set, so fields the kernel does not copy from user space read back as zero. */
const FILLED = new Uint8Array(32).fill(0xab);

test('BPF_BTF_LOAD and BPF_MAP_CREATE accept a value with a bpf_wq and a kptr', { skip }, () => {
  const { blob, key, value } = slotBtf();
  using btf = btfLoad(blob);
  using map = mapCreate({
    mapType: uapi.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 32, maxEntries: 4, name: 't_wq_slot',
    btfFd: btf.raw, btfKeyTypeId: key, btfValueTypeId: value,
  });
  mapUpdate(map.raw, KEY, FILLED);
  const back = new Uint8Array(32);
  assert.equal(mapLookup(map.raw, KEY, back), true);
  // The kernel never copies special fields from or to user space (copy_map_value skips the btf_record).
  assert.deepEqual([...back.subarray(0, 24)], new Array(24).fill(0), 'bpf_wq and kptr are kernel-owned');
  assert.deepEqual([...back.subarray(24)], new Array(8).fill(0xab), 'plain data is copied');
});

test('without the value type the same bytes are plain data', { skip }, () => {
  using map = mapCreate({ mapType: uapi.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 32, maxEntries: 4, name: 't_plain_slot' });
  mapUpdate(map.raw, KEY, FILLED);
  const back = new Uint8Array(32);
  mapLookup(map.raw, KEY, back);
  assert.deepEqual(back, FILLED);
});

test('loadCollection loads the BTF and types the map with it', { skip }, () => {
  const { blob, key, value } = slotBtf();
  using c = loadCollection({
    btf: blob,
    maps: [{ name: 'slots', kind: 'array', keySize: 4, valueSize: 32, maxEntries: 4, btfKeyTypeId: key, btfValueTypeId: value }],
    programs: [],
  });
  assert.ok(c.btfFd?.open);
  const slots = c.map('slots');
  slots.update(KEY, FILLED);
  assert.deepEqual([...slots.lookup(KEY)!.subarray(16, 24)], new Array(8).fill(0), 'the kptr field is kernel-owned');
});

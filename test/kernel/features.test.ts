// Feature probes that load real programs: bpf_wq from tp_btf (the deferred-read mechanism).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MECHANISMS } from '../../src/capture/mechanisms.js';
import { programSupport, wqSupport } from '../../src/kernel/features.js';
import { assertNoLeaks, kernelUnavailable, objectBaseline } from '../helpers/kernel.js';

const skip = kernelUnavailable() ?? false;
let base: ReturnType<typeof objectBaseline>;
before(() => {
  if (!skip) base = objectBaseline();
});
after(async () => {
  if (!skip) await assertNoLeaks(base);
});

test('bpf_wq is usable from tp_btf (6.10+)', { skip }, (t) => {
  const tp = programSupport('tp_btf');
  if (!tp.ok) {
    t.skip(`tp_btf programs do not load here: ${tp.reason}`);
    return;
  }
  assert.deepEqual(wqSupport(), { ok: true });
  assert.equal(MECHANISMS.find((m) => m.id === 'wq-deferred')?.available().ok, true);
});

test('from raw_tp the reason is the verifier\'s answer', { skip }, () => {
  const s = wqSupport('raw_tp');
  // 6.18 refuses bpf_wq in raw_tp programs; a kernel that lifts the restriction passes this test too.
  if (!s.ok) assert.match(s.reason, /^EINVAL: tracing progs cannot use bpf_wq yet$/);
});

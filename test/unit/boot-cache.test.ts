// Feature-probe answers kept for the boot (kernel/boot-cache.ts): a failure that says nothing lasting about
// the kernel (ENOMEM) is not kept; a refusal (EINVAL) is. The kernel is the scripted fake.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { forgetBootCache, keepKernelFactsForBoot } from '../../src/kernel/boot-cache.js';
import { programSupport, resetFeatureCache } from '../../src/kernel/features.js';
import { FakeSys } from '../helpers/fake-sys.js';

const root = mkdtempSync(join(tmpdir(), 'siesta-boot-'));
const file = join(root, readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), 'features.json');
after(() => {
  forgetBootCache();
  resetFeatureCache();
  rmSync(root, { recursive: true, force: true });
});

test('ENOMEM from a probe load is not kept for the boot; EINVAL is', () => {
  resetFeatureCache();
  keepKernelFactsForBoot({ root });
  const fake = new FakeSys().expect({ call: 'bpf', result: -12 }, { call: 'bpf', result: -22 }).install();
  try {
    assert.equal(programSupport('perf_event').ok, false);
    assert.ok(!existsSync(file), 'nothing kept after ENOMEM');
    assert.equal(programSupport('raw_tp').ok, false);
  } finally {
    fake.done();
  }
  const kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { ok: boolean; reason?: string }>;
  assert.deepEqual(Object.keys(kept), ['prog:raw_tp:false']);
  assert.match(kept['prog:raw_tp:false']!.reason!, /^EINVAL/);
});

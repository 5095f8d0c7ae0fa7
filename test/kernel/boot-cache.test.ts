// What the CLI keeps for the rest of the boot (kernel/boot-cache.ts): feature-probe answers are reused from
// the kept file, never from a file someone else could have written, and `fresh` probes anew.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { forgetBootCache, keepKernelFactsForBoot } from '../../src/kernel/boot-cache.js';
import { programSupport, resetFeatureCache } from '../../src/kernel/features.js';
import { kernelUnavailable } from '../helpers/kernel.js';

const skip = kernelUnavailable() ?? false;
const root = mkdtempSync(join(tmpdir(), 'siesta-boot-'));
const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const file = join(root, boot, 'features.json');

after(() => {
  forgetBootCache();
  resetFeatureCache();
  rmSync(root, { recursive: true, force: true });
});

function fresh(o: { fresh?: boolean } = {}): void {
  resetFeatureCache();
  keepKernelFactsForBoot({ root, ...o });
}

test('an answer is kept in <root>/<boot_id>/features.json, mode 0600, and reused by the next process', { skip }, () => {
  chmodSync(root, 0o700);
  fresh();
  const probed = programSupport('tracepoint');
  assert.equal(probed.ok, true, 'tracepoint programs load wherever siesta runs');
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8'))['prog:tracepoint:false'], probed);
  assert.deepEqual(readdirSync(root), [boot]);
  // The next run takes the kept answer without probing: a planted one shows it.
  writeFileSync(file, JSON.stringify({ 'prog:tracepoint:false': { ok: false, reason: 'planted' } }), { mode: 0o600 });
  fresh();
  assert.deepEqual(programSupport('tracepoint'), { ok: false, reason: 'planted' });
  // fresh (--info): probed again, and the file replaced.
  fresh({ fresh: true });
  assert.deepEqual(programSupport('tracepoint'), probed);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8'))['prog:tracepoint:false'], probed);
});

test('a kept file that others could write is ignored', { skip }, () => {
  writeFileSync(file, JSON.stringify({ 'prog:tracepoint:false': { ok: false, reason: 'planted' } }));
  chmodSync(file, 0o666);
  fresh();
  assert.equal(programSupport('tracepoint').ok, true);
  assert.ok(existsSync(file));
});

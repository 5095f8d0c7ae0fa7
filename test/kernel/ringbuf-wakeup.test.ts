/**
 * The ring-buffer reader's run() loop ends as soon as its signal aborts, not after the rest of its poll
 * period: stop() awaits it, so a pending wait would add up to a poll period to every script's exit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMap } from '../../src/loader/index.js';
import { RingBufferReader } from '../../src/runtime/ringbuf.js';
import { assertNoLeaks, objectBaseline, skipWithoutKernel } from '../helpers/kernel.js';

test('an abort ends a pending ring-buffer wait at once', async (t) => {
  if (skipWithoutKernel(t)) return;
  const base = objectBaseline();
  const map = createMap({ name: 'rb_wake', kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 });
  const reader = new RingBufferReader(map);
  try {
    const abort = new AbortController();
    // A poll period far longer than the test allows: only the wake-up can end the wait in time.
    const running = reader.run(() => assert.fail('no record was written'), { pollMs: 30_000, signal: abort.signal });
    await new Promise((r) => setTimeout(r, 50)); // the wait is now pending on koffi's worker thread
    const t0 = performance.now();
    abort.abort();
    await running;
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `run() ended ${ms.toFixed(0)} ms after the abort`);
  } finally {
    reader.close();
    map.close();
  }
  await assertNoLeaks(base);
});

test('close() during a pending wait ends run() quietly and releases its fds at once', async (t) => {
  if (skipWithoutKernel(t)) return;
  const base = objectBaseline();
  const map = createMap({ name: 'rb_wake', kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 });
  const reader = new RingBufferReader(map);
  try {
    const running = reader.run(() => assert.fail('no record was written'), { pollMs: 200 });
    await new Promise((r) => setTimeout(r, 50));
    reader.close();
    map.close();
    await assertNoLeaks(base); // before the wait has returned
    await running;
  } finally {
    reader.close();
    map.close();
  }
});

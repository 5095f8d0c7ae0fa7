/**
 * Gates for kernel tests: they run as root against the running kernel and skip only when the capability or
 * feature is genuinely missing (the reason is printed). Also a leak check for siesta's kernel objects.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { liveFds, listObjects } from '../../src/sys/index.js';

/** Why kernel tests cannot run here, or null when they can. */
export function kernelUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root (CAP_BPF and CAP_PERFMON)';
  return null;
}

/** Skips the test when kernel tests cannot run; returns true when skipped. */
export function skipWithoutKernel(t: TestContext): boolean {
  const why = kernelUnavailable();
  if (why) t.skip(why);
  return why !== null;
}

/** Highest prog/map/link ids now, to find objects created later. */
export function objectBaseline(): { prog: number; map: number; link: number } {
  const max = (kind: 'prog' | 'map' | 'link') => Math.max(0, ...listObjects(kind).map((o) => o.id));
  return { prog: max('prog'), map: max('map'), link: max('link') };
}

/**
 * Asserts that this process holds no fds and that no object created since `base` is still in the kernel.
 * The kernel frees maps and programs after an RCU grace period or from a workqueue, so objects whose last fd
 * was just closed may linger briefly: the check polls for up to two seconds before failing.
 */
export async function assertNoLeaks(base: { prog: number; map: number; link: number }): Promise<void> {
  assert.deepEqual(Object.fromEntries(liveFds()), {}, 'siesta fds left open');
  const left = () => (['link', 'prog', 'map'] as const).flatMap((kind) => listObjects(kind).filter((o) => o.id > base[kind]).map((o) => ({ kind, ...o })));
  for (let i = 0; i < 40 && left().length; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(left(), [], 'kernel objects left behind');
}

/** Wraps a test body: afterwards (passed or not) no fd and no kernel object it created may be left. */
export function leakChecked(body: (t: TestContext) => Promise<void>): (t: TestContext) => Promise<void> {
  return async (t) => {
    const base = objectBaseline();
    try {
      await body(t);
    } finally {
      await assertNoLeaks(base);
    }
  };
}

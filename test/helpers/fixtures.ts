/**
 * The repository's paths for tests that run the real CLI, and C fixtures (test/fixtures/*.c) built with gcc
 * into a scratch directory of the test file: created before its tests, removed after them.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Session, SessionEvent } from '../../src/runtime/session.js';

/** The repository root (tests run from dist/test/...). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The `siesta` command. */
export const SIESTA_BIN = join(REPO_ROOT, 'bin/siesta.cjs');

/** A fixture binary: `path` once built ('' when gcc is missing or fails, `missing` then says so), in `dir`. */
export interface FixtureBinary {
  readonly dir: string;
  readonly path: string;
  readonly missing: string | null;
}

/** Builds test/fixtures/`source` as `dir/name` (`gcc -O1 flags...`) before the file's tests. */
export function fixtureBinary(source: string, name: string, flags: readonly string[] = []): FixtureBinary {
  const fx = { dir: '', path: '', missing: 'not built yet' as string | null };
  before(() => {
    fx.dir = mkdtempSync(join(tmpdir(), `${name}-`));
    try {
      execFileSync('gcc', ['-O1', ...flags, '-o', join(fx.dir, name), join(REPO_ROOT, 'test/fixtures', source)], { stdio: 'pipe' });
      fx.path = join(fx.dir, name);
      fx.missing = null;
    } catch (e) {
      fx.missing = `cannot build test/fixtures/${source} (${(e as Error).message.split('\n')[0]})`;
    }
  });
  after(() => {
    if (fx.dir) rmSync(fx.dir, { recursive: true, force: true });
  });
  return fx;
}

/**
 * Runs fixture `fx` with `args` (in its directory) while `session` traces it, then stops the session: what the
 * fixture printed and every event the session produced. Closing the session is the caller's.
 */
export async function runFixtureUnder(session: Session, fx: FixtureBinary, args: readonly string[]): Promise<{ stdout: string; events: SessionEvent[] }> {
  let stdout = '';
  const events: SessionEvent[] = [];
  const child = spawn(fx.path, args, { cwd: fx.dir, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  await new Promise((resolve) => child.on('close', resolve));
  await session.stop();
  for await (const ev of session.events()) events.push(ev);
  return { stdout, events };
}

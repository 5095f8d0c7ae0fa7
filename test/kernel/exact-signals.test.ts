// `--exact` never leaves the command hanging: a 100k-call run under the supervisor completes with every call
// printed; SIGTERM or SIGINT to siesta mid-run ends siesta and the command; SIGKILL of siesta mid-run (no
// clean-up at all) lets the command run on (its trapped calls fail with ENOSYS once the listener is gone)
// and finish by itself.
// (Under `siesta trace --exact` that run's writes would fail with ENOSYS too: every call that passes memory is trapped.)
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kernelUnavailable } from '../helpers/kernel.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const siesta = join(root, 'bin/siesta.cjs');
const skip = kernelUnavailable() ?? (spawnSync('sh', ['-c', 'command -v gcc']).status !== 0 ? 'gcc is not installed' : null);

let dir = '';
let loop = '';
before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'siesta-exact-signals-'));
  loop = join(dir, 'openat-loop');
  const cc = spawnSync('gcc', ['-O2', '-o', loop, join(root, 'test/fixtures/strace/openat-loop.c')], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Calls of the long runs: ~35 s under the supervisor at ~7 µs a call, so a signal sent within the first
 * seconds lands mid-run; a few seconds once the calls fail with ENOSYS at ~1-2 µs (no supervisor left).
 */
const LONG = 5_000_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pids of `pid`'s children (every thread's). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const t of readdirSync(`/proc/${pid}/task`)) out.push(...readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  return out;
}

/** Resolves true once `pid` is gone (or a zombie), false after `ms`. */
async function gone(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
    if (!existsSync(`/proc/${pid}`) || /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return true;
  }
  return false;
}

/** `siesta trace --exact` on the long loop (every call that passes memory trapped, its stderr write too). */
const TRACE = (): string[] => ['trace', '--exact', '-o', '/dev/null', '--', loop, String(LONG)];
/** A script's `--exact -c` on the long loop: only openat is trapped, so the loop's own stderr write is not. */
const SCRIPT = (): string[] => ['--exact', '-e', 'tracepoint:syscalls:sys_enter_openat { @n = count(); }', '-c', `${loop} ${LONG}`];

/** Starts siesta with `args` on the long loop and waits until the loop runs as siesta's child. */
async function startLong(args: string[]): Promise<{ siestaPid: number; loopPid: number; stderr: () => string; ended: Promise<void>; exited: Promise<number | null> }> {
  const p = spawn(process.execPath, [siesta, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  // stderr ends when its last holder exits: siesta and the loop (which inherits it).
  const ended = new Promise<void>((r) => p.stderr.on('close', () => r()));
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  for (let i = 0; i < 200; i++) {
    await sleep(50);
    const kids = existsSync(`/proc/${p.pid}`) ? childrenOf(p.pid!) : [];
    const k = kids.find((c) => existsSync(`/proc/${c}/comm`) && readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'openat-loop');
    // Give it a moment under the supervisor, so the signal lands mid-run.
    if (k) return await sleep(300).then(() => ({ siestaPid: p.pid!, loopPid: k, stderr: () => err, ended, exited }));
  }
  p.kill('SIGKILL');
  throw new Error(`the command never started under siesta trace --exact: ${err}`);
}

test('--exact: 100,000 trapped openat calls all complete and print, with the path read exactly', { skip: skip ?? false }, () => {
  const file = join(dir, 'out.txt');
  const r = spawnSync(process.execPath, [siesta, 'trace', '--exact', '-e', 'trace=openat', '-o', file, '--', loop, '100000'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l === 'openat(AT_FDCWD, "/nonexistent/siesta-bench", O_RDONLY) = -1 ENOENT (No such file or directory)');
  assert.equal(lines.length, 100_000);
  assert.doesNotMatch(r.stderr, /user-memory reads/);
});

for (const [signal, mode] of [['SIGTERM', 'trace'], ['SIGINT', 'trace'], ['SIGTERM', 'script'], ['SIGINT', 'script']] as const) {
  test(`--exact (${mode}): ${signal} to siesta mid-run ends siesta and the command`, { skip: skip ?? false }, async () => {
    const s = await startLong(mode === 'trace' ? TRACE() : SCRIPT());
    process.kill(s.siestaPid, signal);
    assert.ok(await gone(s.siestaPid, 15_000), `siesta still runs 15 s after ${signal}: ${s.stderr()}`);
    const ended = await gone(s.loopPid, 15_000);
    if (!ended) process.kill(s.loopPid, 'SIGKILL');
    assert.ok(ended, `the command still runs 15 s after ${signal} to siesta`);
    await s.exited;
  });
}

test('--exact: SIGKILL of siesta mid-run leaves the command free to finish (no trapped call waits forever)', { skip: skip ?? false }, async () => {
  // With the script's filter, whose trapped openat calls fail with ENOSYS once siesta is gone, the loop's
  // last write (its timing line) is not trapped and shows that it ran to its end.
  const s = await startLong(SCRIPT());
  assert.ok(!(await gone(s.loopPid, 0)), 'the command ended before siesta was killed');
  process.kill(s.siestaPid, 'SIGKILL');
  await s.exited;
  // A trapped call left waiting for a supervisor would never end: give the rest of the loop a minute.
  const finished = await Promise.race([s.ended.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 60_000).unref())]);
  if (!finished) process.kill(s.loopPid, 'SIGKILL');
  assert.ok(finished, 'the command still runs a minute after siesta was killed');
  // The loop printed its own summary line on exit: it ran to its end rather than being killed.
  assert.match(s.stderr(), /ns\/call/);
});

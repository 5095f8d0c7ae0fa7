// `siesta trace` against the real kernel for what strace shows beyond argument decoding: no record lost on a
// tight syscall loop that fits the ring buffer (and a clear report when one is lost), signals delivered,
// `+++ killed by SIG +++`, -y/-yy fd paths, -C, -w, -a and -p with several pids. Where strace can show the same
// thing, the test runs strace too and compares.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kernelUnavailable } from '../helpers/kernel.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const siesta = join(root, 'bin/siesta.js');

function missingTool(tools: string[]): string | null {
  for (const tool of tools) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  return null;
}

const skip = kernelUnavailable() ?? missingTool(['gcc']);
const noStrace = skip ?? missingTool(['strace']);
let dir = '';
let loop = '';
before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'siesta-trace-'));
  loop = join(dir, 'openat-loop');
  const cc = spawnSync('gcc', ['-O2', '-o', loop, join(root, 'test/fixtures/strace/openat-loop.c')], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(cmd: string, args: string[], timeout = 60_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: dir, timeout });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l);
}

const LOOP_LINE = 'openat(AT_FDCWD, "/nonexistent/siesta-bench", O_RDONLY) = -1 ENOENT (No such file or directory)';

test('a tight loop of 150,000 failing openat calls is traced whole: every call printed, no record lost', { skip: skip ?? false }, () => {
  const out = join(dir, 'loop.txt');
  const r = run(process.execPath, [siesta, 'trace', '-o', out, loop, '150000']);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /lost/);
  const got = lines(out).filter((l) => l === LOOP_LINE).length;
  assert.equal(got, 150_000);
});

test('records lost to a full ring buffer are reported at the end with their count and share', { skip: skip ?? false }, () => {
  // 1.5 M calls make 3 M records: more than the 64 MiB ring holds while Node prints them.
  const out = join(dir, 'flood.txt');
  const r = run(process.execPath, [siesta, 'trace', '-o', out, loop, '1500000'], 120_000);
  assert.equal(r.status, 0, r.stderr);
  const m = /siesta trace: (\d+) of (\d+) records lost \((\d+\.\d)%\)/.exec(r.stderr);
  const printed = lines(out).filter((l) => l === LOOP_LINE).length;
  if (!m) {
    // A consumer fast enough to keep up is allowed; then nothing may be missing.
    assert.equal(printed, 1_500_000, r.stderr);
    return;
  }
  const [lost, total] = [Number(m[1]), Number(m[2])];
  assert.ok(lost > 0 && total >= 3_000_000, r.stderr);
  assert.ok(printed < 1_500_000 && printed >= 1_500_000 - lost, `${printed} lines, ${lost} lost`);
});

/** Signal and exit lines (`--- ... ---`, `+++ ... +++`) and calls that never returned (`= ?`), pids and addresses masked. */
function signalLines(text: string): string[] {
  return text.split('\n')
    .filter((l) => /^(---|\+\+\+)| = \?$/.test(l))
    .map((l) => l.replace(/si_pid=\d+/g, 'si_pid=PID').replace(/0x[0-9a-f]+/g, 'ADDR'));
}

for (const [scenario, status] of [['chld', 0], ['term', 128 + 15], ['segv', 128 + 11], ['kill', 128 + 9]] as const) {
  test(`signals as strace shows them: ${scenario}`, { skip: noStrace ?? false }, () => {
    const prog = join(dir, 'signals');
    const cc = spawnSync('gcc', ['-O0', '-o', prog, join(root, 'test/fixtures/strace/signals.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const ref = join(dir, `strace-${scenario}.txt`);
    const ours = join(dir, `siesta-${scenario}.txt`);
    run('strace', ['-o', ref, prog, scenario]);
    const r = run(process.execPath, [siesta, 'trace', '-o', ours, prog, scenario]);
    assert.equal(r.status, status, r.stderr);
    const expected = signalLines(readFileSync(ref, 'utf8'));
    assert.ok(expected.length >= 1, readFileSync(ref, 'utf8'));
    assert.deepEqual(signalLines(readFileSync(ours, 'utf8')), expected);
  });
}

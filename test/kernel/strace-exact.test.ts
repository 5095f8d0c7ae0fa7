// `siesta trace --exact` and how values not read exactly show: the torture workload's openat/openat2 paths and
// open_how structs in pages dropped before every call (test/fixtures/torture.c) are all exact under the seccomp
// supervisor and all recovered at exit without it; buffers a failing write never makes the kernel read
// (test/fixtures/buf-pages.c) are lost without the supervisor, never printed as if read, and exact with it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kernelUnavailable } from '../helpers/kernel.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const siesta = join(root, 'bin/siesta.cjs');
const skip = kernelUnavailable() ?? (spawnSync('sh', ['-c', 'command -v gcc']).status !== 0 ? 'gcc is not installed' : null);
const N = 1000;

let dir = '';
before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'siesta-trace-exact-'));
  for (const f of ['torture', 'buf-pages']) {
    const cc = spawnSync('gcc', ['-O2', '-o', join(dir, f), join(root, `test/fixtures/${f}.c`)], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
  }
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function trace(args: string[]): { status: number | null; stdout: string; stderr: string; out: string[] } {
  const file = join(dir, 'out.txt');
  const r = spawnSync(process.execPath, [siesta, 'trace', '-o', file, ...args], { encoding: 'utf8', cwd: dir, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, out: readFileSync(file, 'utf8').split('\n').filter((l) => l) };
}

interface JsonCall { syscall: string; args: Array<{ name: string; value: string; provenance?: string }>; ret: number }

test(`--exact: the ${2 * N} paths and ${N} open_hows of the torture workload, never resident at entry, are all exact`, { skip: skip ?? false }, () => {
  const r = trace(['--exact', '--json', '-e', 'trace=openat,openat2', './torture', 'dontneed', String(N)]);
  assert.equal(r.status, 0, r.stderr);
  // The workload checked /proc/self/pagemap before each call: the page was absent every time.
  assert.match(r.stdout, new RegExp(`calls=${2 * N} absent=${2 * N}`));
  const calls = r.out.map((l) => JSON.parse(l) as JsonCall | { reads: unknown });
  assert.ok(!calls.some((c) => 'reads' in c), 'a reads summary means some value was not exact');
  // Not the 32 creations of the files at the start (O_CREAT): the calls of the loop.
  const mine = (calls as JsonCall[]).filter((c) => c.args.some((a) => a.name === 'filename' && a.value.startsWith('"./t/f')) && !c.args.some((a) => a.value.includes('O_CREAT')));
  assert.equal(mine.length, 2 * N);
  mine.forEach((c, k) => {
    const name = `"./t/f${String(Math.floor(k / 2) % 32).padStart(4, '0')}"`;
    const path = c.args.find((a) => a.name === 'filename')!;
    assert.deepEqual([path.value, path.provenance], [name, 'exact'], JSON.stringify(c));
    if (c.syscall === 'openat2') {
      const how = c.args.find((a) => a.name === 'how')!;
      assert.deepEqual([how.value, how.provenance], ['{flags=O_RDONLY|O_CLOEXEC, resolve=RESOLVE_NO_MAGICLINKS}', 'exact']);
    }
  });
  for (const c of calls as JsonCall[]) for (const a of c.args) assert.ok(a.provenance === undefined || a.provenance === 'exact', JSON.stringify(c));
});

test('without --exact the same values are recovered at exit: strace\'s text by default, ~ with --marks, counted on stderr', { skip: skip ?? false }, () => {
  for (const marks of [false, true]) {
    const r = trace([...(marks ? ['--marks'] : []), '-e', 'trace=openat,openat2', './torture', 'dontneed', String(N)]);
    assert.equal(r.status, 0, r.stderr);
    const mine = r.out.filter((l) => l.includes('"./t/f') && !l.includes('O_CREAT'));
    assert.equal(mine.length, 2 * N);
    const m = marks ? '~' : '';
    for (const l of mine) {
      assert.match(l, new RegExp(`^(openat\\(AT_FDCWD, "\\./t/f\\d{4}"${m}, O_RDONLY\\)|openat2\\(AT_FDCWD, "\\./t/f\\d{4}"${m}, \\{flags=O_RDONLY\\|O_CLOEXEC, resolve=RESOLVE_NO_MAGICLINKS\\}${m}, 24\\)) += \\d+$`));
    }
    const sum = /^siesta trace: user-memory reads: (\d+) exact, (\d+) recovered at syscall exit, (\d+) lost$/m.exec(r.stderr);
    assert.ok(sum, r.stderr);
    // Each dropped page is re-read at exit: the path of every call and the open_how of each openat2.
    assert.ok(Number(sum[2]) >= 3 * N, r.stderr);
    assert.equal(Number(sum[3]), 0, r.stderr);
  }
});

test('a buffer no read could get prints its address marked lost and is counted; --exact reads it', { skip: skip ?? false }, () => {
  const n = 200;
  const r = trace(['-e', 'trace=write', './buf-pages', 'ebadf', String(n)]);
  assert.equal(r.status, 0, r.stderr);
  const writes = r.out.filter((l) => l.startsWith('write(-1, '));
  assert.equal(writes.length, n);
  for (const l of writes) assert.match(l, /^write\(-1, 0x[0-9a-f]+ \/\* lost \*\/, 32\) = -1 EBADF \(Bad file descriptor\)$/);
  assert.match(r.stderr, new RegExp(`^siesta trace: user-memory reads: \\d+ exact, 0 recovered at syscall exit, ${n} lost$`, 'm'));

  const x = trace(['--exact', '-e', 'trace=write', './buf-pages', 'ebadf', String(n)]);
  assert.equal(x.status, 0, x.stderr);
  const exact = x.out.filter((l) => l.startsWith('write(-1, '));
  assert.equal(exact.length, n);
  exact.forEach((l, k) => assert.equal(l, `write(-1, "buf-page-${String(k).padStart(5, '0')}${'\\0'.repeat(18)}", 32) = -1 EBADF (Bad file descriptor)`));
  assert.doesNotMatch(x.stderr, /user-memory reads/);
});

test('--exact is refused for -p and -a with the reason, and exits 1', { skip: skip ?? false }, () => {
  for (const args of [['-p', String(process.pid)], ['-a']]) {
    const r = spawnSync(process.execPath, [siesta, 'trace', '--exact', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^siesta trace: --exact needs a command that siesta starts .* cannot be put under the supervisor without restarting it\n$/);
  }
});

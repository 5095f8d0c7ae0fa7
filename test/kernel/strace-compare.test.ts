// `siesta trace` against strace itself: the same C program (test/fixtures/strace/calls.c, compiled here with
// gcc) traced by both; the lines of the calls it makes must be equal modulo addresses, and `-c` must agree on
// calls and errors for every syscall.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kernelUnavailable } from '../helpers/kernel.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const siesta = join(root, 'bin/siesta.cjs');
const source = join(root, 'test/fixtures/strace/calls.c');

function missingTool(): string | null {
  for (const tool of ['gcc', 'strace']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return null;
}

const skip = kernelUnavailable() ?? missingTool();
let dir = '';
let prog = '';
before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'siesta-strace-'));
  prog = join(dir, 'calls');
  const cc = spawnSync('gcc', ['-O0', '-o', prog, source], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Lines from the program's own calls (after libc start-up: the first openat of the data file) to the end, with
 * what differs between two runs made uniform: addresses, the pids of the program and its child (from getpid()
 * and clone()), getrandom's bytes, and the nanoseconds ppoll had left (they depend on the run's timing).
 */
function ownLines(text: string): string[] {
  const lines = text.split('\n').filter((l) => l);
  const from = lines.findIndex((l) => l.includes('siesta-calls-data'));
  const own = lines.slice(from);
  const pids = own.flatMap((l) => /^(?:getpid\(\)|clone\(.*\))\s*= (\d+)$/.exec(l)?.[1] ?? []);
  assert.equal(pids.length, 2, `getpid() and clone() lines:\n${own.join('\n')}`);
  return own.map((l) => {
    let out = l.replace(/0x[0-9a-f]+/g, 'ADDR');
    for (const pid of pids) out = out.replace(new RegExp(`\\b${pid}\\b`, 'g'), 'PID');
    if (out.startsWith('getrandom(')) out = out.replace(/^getrandom\("(\\x[0-9a-f]{2})+"/, 'getrandom(BYTES');
    if (out.startsWith('ppoll(')) out = out.replace(/left \{tv_sec=\d+, tv_nsec=\d+\}/, 'left {TIME}');
    return out;
  });
}

function run(cmd: string, args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

test('siesta trace prints the same lines as strace for the calls of calls.c (files, memory, descriptors, sockets, signals, processes, time)', { skip: skip ?? false }, () => {
  const ref = run('strace', ['-o', join(dir, 'strace.txt'), prog, dir]);
  assert.equal(ref.status, 3);
  const ours = run(process.execPath, [siesta, 'trace', '-o', join(dir, 'siesta.txt'), prog, dir]);
  assert.equal(ours.status, 3, `siesta trace exits with the command's status: ${ours.stderr}`);
  const expected = ownLines(readFileSync(join(dir, 'strace.txt'), 'utf8'));
  const actual = ownLines(readFileSync(join(dir, 'siesta.txt'), 'utf8'));
  assert.ok(expected.length >= 90, expected.join('\n'));
  assert.deepEqual(actual, expected);
  const first = readFileSync(join(dir, 'siesta.txt'), 'utf8').split('\n')[0]!;
  assert.match(first, new RegExp(`^execve\\("${prog}", \\["${prog}", "${dir}"\\], 0x[0-9a-f]+ /\\* \\d+ vars \\*/\\) = 0$`));
});

function table(text: string): Map<string, { calls: number; errors: number }> {
  const out = new Map<string, { calls: number; errors: number }>();
  for (const line of text.split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(\d*)\s*(\w+)$/.exec(line);
    if (m && m[3] !== 'total') out.set(m[3]!, { calls: Number(m[1]), errors: Number(m[2] || 0) });
  }
  return out;
}

test('siesta trace -c agrees with strace -c on calls and errors', { skip: skip ?? false }, () => {
  run('strace', ['-c', '-o', join(dir, 'strace-c.txt'), prog, dir]);
  const ours = run(process.execPath, [siesta, 'trace', '-c', '-o', join(dir, 'siesta-c.txt'), prog, dir]);
  assert.equal(ours.status, 3, ours.stderr);
  const expected = table(readFileSync(join(dir, 'strace-c.txt'), 'utf8'));
  const actual = table(readFileSync(join(dir, 'siesta-c.txt'), 'utf8'));
  assert.ok(expected.size > 10);
  assert.deepEqual(Object.fromEntries([...actual].sort()), Object.fromEntries([...expected].sort()));
});

test('siesta trace -f follows children and prints their exit', { skip: skip ?? false }, () => {
  const out = join(dir, 'follow.txt');
  const r = run(process.execPath, [siesta, 'trace', '-f', '-e', 'trace=openat2,exit_group', '-o', out, '/bin/sh', '-c', `${prog} ${dir}; exit 5`]);
  assert.equal(r.status, 5, r.stderr);
  const lines = readFileSync(out, 'utf8').split('\n').filter((l) => l);
  assert.ok(lines.some((l) => /^\d+ openat2\(AT_FDCWD, ".*siesta-calls-data", \{flags=O_RDONLY, resolve=RESOLVE_NO_SYMLINKS\}, 24\) = 3$/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^\d+ \+\+\+ exited with 3 \+\+\+$/.test(l)), lines.join('\n'));
  assert.match(lines.at(-1)!, /^\d+ \+\+\+ exited with 5 \+\+\+$/);
});

test('siesta trace reports a command that cannot be started as strace does', { skip: skip ?? false }, () => {
  const r = run(process.execPath, [siesta, 'trace', '/nonexistent/prog']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Can't stat '\/nonexistent\/prog': No such file or directory/);
  assert.ok(!existsSync(join(dir, 'core')));
  const p = run(process.execPath, [siesta, 'trace', '-p', '999999999']);
  assert.equal(p.status, 1);
  assert.match(p.stderr, /999999999: No such process/);
});

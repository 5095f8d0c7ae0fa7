// Reliable user-memory reads: arguments whose pages are not resident at syscall entry are recovered at the
// syscall's exit and labelled, never printed as silent empties; sleeping reads in atomic probes are refused.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hostKernelInfo } from '../../src/kernel/host-info.js';
import { kernelUnavailable } from '../helpers/kernel.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/siesta.cjs');
const skip = kernelUnavailable() ?? false;
let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'siesta-reads-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const SCRIPT = 'tracepoint:syscalls:sys_enter_openat /comm == "siesta-torture"/ { printf("P %s\\n", str(args.filename)); } ' +
  'tracepoint:syscalls:sys_enter_openat2 /comm == "siesta-torture"/ { printf("H %s %x %x\\n", str(args.filename), args.how->flags, args.how->resolve); }';

test('paths and open_how in non-resident pages: 100% recovered and labelled, zero silent empties', { skip }, (t) => {
  try {
    execFileSync('gcc', ['-O1', '-o', join(dir, 'siesta-torture'), join(root, 'test/fixtures/torture.c')]);
  } catch {
    return t.skip('gcc is not installed');
  }
  const n = 1000;
  const r = spawnSync(process.execPath, [bin, '-e', SCRIPT, '-c', `./siesta-torture dontneed ${n}`], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const report = r.stdout.split('\n').find((l) => l.startsWith('calls='));
  assert.equal(report, `calls=${2 * n} absent=${2 * n}`, `every argument page was absent at entry; stderr: ${r.stderr.slice(-2000)}`);
  const paths = lines.filter((l) => l.startsWith('P ./t/'));
  const hows = lines.filter((l) => l.startsWith('H '));
  // The workload's own file creation (resident pages) is read exactly; the n dropped-page calls are recovered.
  for (const l of paths) assert.match(l, /^P \.\/t\/f\d{4}~?$/);
  assert.equal(paths.filter((l) => l.endsWith('~')).length, n);
  assert.equal(hows.length, n);
  // Recovered at exit: marked with `~`; the value is the one the kernel read.
  for (const l of hows) assert.match(l, /^H \.\/t\/f\d{4}~ 80000~ 2~$/);
  assert.ok(!r.stdout.includes('<lost:'), 'no read was lost');
  assert.ok(!lines.some((l) => l === 'P ' || l === 'P ~'), 'no silent empty path');
  assert.match(r.stderr, new RegExp(`User-memory reads: \\d+ exact, ${4 * n} recovered at syscall exit, 0 deferred, 0 lost`));
});

test('--exact: the same workload gives 100% exact values', { skip }, (t) => {
  const torture = join(dir, 'siesta-torture');
  try {
    execFileSync('gcc', ['-O1', '-o', torture, join(root, 'test/fixtures/torture.c')]);
  } catch {
    return t.skip('gcc is not installed');
  }
  const n = 500;
  const r = spawnSync(process.execPath, [bin, '--exact', '-e', SCRIPT, '-c', `./siesta-torture dontneed ${n}`], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`calls=${2 * n} absent=${2 * n}`), 'every argument page was absent before the call');
  const lines = r.stdout.split('\n');
  const paths = lines.filter((l) => l.startsWith('P ./t/'));
  const hows = lines.filter((l) => l.startsWith('H '));
  assert.equal(paths.filter((l) => /^P \.\/t\/f\d{4}$/.test(l)).length, paths.length);
  assert.equal(hows.length, n);
  for (const l of hows) assert.match(l, /^H \.\/t\/f\d{4} 80000 2$/);
  assert.match(r.stderr, /User-memory reads: \d+ exact, 0 recovered at syscall exit, 0 deferred, 0 lost/);
});

test('a path literal in the .rodata of freshly started binaries is never printed empty', { skip }, (t) => {
  try {
    execFileSync('gcc', ['-O1', '-o', join(dir, 'siesta-rodata'), join(root, 'test/fixtures/rodata-open.c')]);
  } catch {
    return t.skip('gcc is not installed');
  }
  const runs = 200;
  const r = spawnSync(process.execPath, [bin, '-e', 'tracepoint:syscalls:sys_enter_openat /comm == "siesta-rodata"/ { printf("R %s\\n", str(args.filename)); }',
    '-c', `sh -c "i=0; while [ $i -lt ${runs} ]; do ./siesta-rodata; i=$((i+1)); done"`], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('R ') && l.includes('siesta-rodata-literal'));
  assert.equal(lines.length, runs, r.stdout.slice(0, 2000));
  for (const l of lines) assert.match(l, /^R \/etc\/siesta-rodata-literal-path~?$/);
  assert.match(r.stderr, / 0 lost/);
});

test('--exact without -c is refused with a reason', { skip }, () => {
  const r = spawnSync(process.execPath, [bin, '--exact', '-e', 'begin { exit(); }'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--exact needs a command that siesta starts \(-c CMD\)/);
});

test('a user read in an atomic probe is refused when a floor is demanded', { skip }, () => {
  const r = spawnSync(process.execPath, [bin, '--reads=recovered', '-e',
    'tracepoint:sched:sched_switch { printf("%s\\n", str(uptr(args.prev_pid))); }'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr,
    'stdin:1:48-72: ERROR: str() reads user memory, which needs a probe that may sleep to be read reliably (--reads=recovered); tracepoint:sched:sched_switch runs in atomic context\n' +
    'tracepoint:sched:sched_switch { printf("%s\\n", str(uptr(args.prev_pid))); }\n' +
    '                                               ~~~~~~~~~~~~~~~~~~~~~~~~\n' +
    // Uprobes are named only where this kernel loads sleepable uprobe programs (the same feature probe).
    `HINT: probes that may sleep: tracepoint:syscalls:*, tracepoint:raw_syscalls:*, rawtracepoint:sys_enter, rawtracepoint:sys_exit${hostKernelInfo().sleepableUprobes?.() ? ', uprobe, uretprobe' : ''}\n`);
});

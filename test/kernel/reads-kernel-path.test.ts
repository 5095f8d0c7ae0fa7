// `kernel` provenance: an openat/openat2 path lost at entry and again at exit (another thread drops its page
// while the call blocks on a FIFO) is replaced by the kernel's path of the returned descriptor, marked ~fd,
// "kernel" in -f json, and counted. Workload: test/fixtures/fd-path.c (pagemap-checked).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kernelUnavailable } from '../helpers/kernel.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/siesta.cjs');
const skip = kernelUnavailable() ?? false;
let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'siesta-fdpath-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const SCRIPT = 'tracepoint:syscalls:sys_enter_openat,tracepoint:syscalls:sys_enter_openat2 /comm == "siesta-fdpath"/ { printf("P %s\\n", str(args.filename)); }';

function build(): string | null {
  try {
    execFileSync('gcc', ['-O1', '-pthread', '-o', join(dir, 'siesta-fdpath'), join(root, 'test/fixtures/fd-path.c')]);
    return null;
  } catch {
    return 'gcc is not installed';
  }
}

function run(args: string[], n: number): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args, '-e', SCRIPT, '-c', `./siesta-fdpath ${n}`], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return r;
}

for (const mode of [[], ['--no-deferred-reads']]) {
  test(`paths dropped during the call are the kernel's path of the returned fd, marked ~fd ${mode.join(' ')}`, { skip }, (t) => {
    const why = build();
    if (why) return t.skip(why);
    const n = 500;
    const r = run(mode, n);
    const report = r.stdout.split('\n').find((l) => l.startsWith('calls='));
    // Absent at entry (the entry read fails) and dropped again while the call blocked (the exit re-read fails).
    assert.equal(report, `calls=${2 * n} absent_before=${2 * n} absent_during=${2 * n} opened=${2 * n}`, r.stderr.slice(-2000));
    const lines = r.stdout.split('\n');
    const opened = lines.filter((l) => l.startsWith('L ')).map((l) => l.slice(2));
    const printed = lines.filter((l) => l.startsWith('P ') && l.includes('/t/p'));
    assert.equal(printed.length, 2 * n);
    // Each value is what /proc/self/fd says the call opened, labelled; none is empty, none passes as exact.
    assert.deepEqual(printed, opened.map((p) => `P ${p}~fd`));
    assert.match(r.stderr, new RegExp(`0 recovered at syscall exit, 0 deferred, 0 lost, ${2 * n} from the kernel's descriptor path`));
  });
}

test('-f json says "kernel", and --reads=exact reports such events as incomplete', { skip }, (t) => {
  const why = build();
  if (why) return t.skip(why);
  const json = run(['-f', 'json'], 10);
  const printfs = json.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; data?: string; provenance?: string[] })
    .filter((x) => x.type === 'printf' && x.data?.includes('/t/p'));
  assert.equal(printfs.length, 20);
  for (const p of printfs) {
    assert.deepEqual(p.provenance, ['kernel']);
    assert.match(p.data!, /^P \/\S+\/t\/p\d{4}\n$/);
  }
  const exact = run(['--reads=exact'], 5);
  assert.equal(exact.stdout.split('\n').filter((l) => l.startsWith('P ') && l.includes('/t/p')).length, 0);
  assert.equal(exact.stderr.split('\n').filter((l) => /^siesta: incomplete event \(a path read was replaced by the kernel's path of the returned descriptor\): P \/\S+\/t\/p\d{4}~fd$/.test(l)).length, 10);
});

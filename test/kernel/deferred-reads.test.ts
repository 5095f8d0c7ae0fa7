// Deferred reads (bpf_wq, mechanism d): write(-1, buf, 32) with buf in a never-touched page fails before the
// kernel reads buf, so the exit re-read cannot recover it; a bpf_wq callback reads it after the call returned.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deferredReadSupport } from '../../src/runtime/deferred-reads.js';
import { kernelUnavailable } from '../helpers/kernel.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/siesta.cjs');
const skip = kernelUnavailable() ?? false;
let dir = '';
let workload = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'siesta-deferred-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

// comm is cut to 15 bytes by the kernel; fd -1 as the tracepoint's unsigned int.
const SCRIPT = 'tracepoint:syscalls:sys_enter_write /comm == "siesta-never-to" && args.fd == 4294967295/ { printf("W %s\\n", str(args.buf)); }';

/** Builds the workload once; a reason to skip when the compiler or the kernel lacks something. */
function prepare(): string | null {
  const support = deferredReadSupport();
  if (!support.ok) return `deferred reads are not available here: ${support.reason}`;
  if (workload) return null;
  try {
    execFileSync('gcc', ['-O1', '-o', join(dir, 'siesta-never-touched'), join(root, 'test/fixtures/never-touched.c')]);
  } catch {
    return 'gcc is not installed';
  }
  workload = './siesta-never-touched';
  return null;
}

function run(args: string[], command: string): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args, '-e', SCRIPT, '-c', command], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r;
}

test('without deferred reads, arguments in never-touched pages of a failing call are lost (the exit re-read cannot help)', { skip }, (t) => {
  const why = prepare();
  if (why) return t.skip(why);
  const n = 1000;
  const r = run(['--no-deferred-reads'], `${workload} ${n}`);
  // The kernel never touched the pages: absent before the call and still absent after it.
  assert.match(r.stdout, new RegExp(`calls=${n} absent_before=${n} absent_after=${n} ebadf=${n}`));
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('W '));
  assert.equal(lines.length, n);
  for (const l of lines) assert.equal(l, 'W <lost:EFAULT>');
  assert.match(r.stderr, new RegExp(`User-memory reads: 0 exact, 0 recovered at syscall exit, 0 deferred, ${n} lost`));
});

test('with deferred reads, the same arguments print their bytes marked ~~ and are counted as deferred', { skip }, (t) => {
  const why = prepare();
  if (why) return t.skip(why);
  const n = 1000;
  // 50 µs between calls: the pool is bounded (256 slots), a faster caller outruns the kworker and its reads
  // are reported lost (checked below), which would leave little of the mechanism to check.
  const r = run(['-v'], `${workload} ${n} 50`);
  assert.match(r.stdout, new RegExp(`calls=${n} absent_before=${n} absent_after=\\d+ ebadf=${n}`), 'every page was absent at the call');
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('W '));
  assert.equal(lines.length, n);
  const deferred = lines.filter((l) => l.endsWith('~~'));
  const lost = lines.filter((l) => l === 'W <lost:EFAULT>');
  assert.equal(deferred.length + lost.length, n, `every value is deferred or reported lost: ${lines.filter((l) => !l.endsWith('~~') && !l.startsWith('W <lost')).slice(0, 5).join(' | ')}`);
  // Each call used its own page, holding its own index: the deferred values are n distinct right strings.
  const seen = new Set<number>();
  for (const l of deferred) {
    const m = /^W never-touched-(\d{5})~~$/.exec(l);
    assert.ok(m, `wrong bytes: ${JSON.stringify(l)}`);
    const i = Number(m[1]);
    assert.ok(i < n && !seen.has(i), `value ${i} out of range or twice`);
    seen.add(i);
  }
  assert.ok(deferred.length >= 0.9 * n, `only ${deferred.length}/${n} deferred; stderr: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`User-memory reads: 0 exact, 0 recovered at syscall exit, ${deferred.length} deferred, ${lost.length} lost`));
  // A read left lost is one the bounded pool could not take, and -v says why.
  const stats = /Deferred reads: (\d+)\/256 slots ready, (\d+) started, (\d+) done, (\d+) left lost \(pool full\), \d+ bpf_wq_init failures, (\d+) bpf_wq_start failures/.exec(r.stderr);
  assert.ok(stats, r.stderr);
  assert.equal(Number(stats[2]), deferred.length);
  assert.equal(Number(stats[3]), deferred.length);
  assert.equal(Number(stats[4]) + Number(stats[5]), lost.length);
});

test('-f json labels deferred values "deferred"', { skip }, (t) => {
  const why = prepare();
  if (why) return t.skip(why);
  const n = 50;
  const r = run(['-f', 'json'], `${workload} ${n} 200`);
  const records = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; data?: unknown; provenance?: string[] });
  const printfs = records.filter((x) => x.type === 'printf');
  assert.equal(printfs.length, n);
  for (const p of printfs) {
    assert.deepEqual(p.provenance, ['deferred'], JSON.stringify(p));
    assert.match(String(p.data), /^W never-touched-\d{5}\n$/, 'no marker in JSON text: the field says it');
  }
});

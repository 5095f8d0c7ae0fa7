// buf() of user memory and user reads kept in variables get the reliable-read machinery of str(): a status,
// the exit re-read (~), the bpf_wq deferral (~~), <lost:ERRNO>, -f json provenance and the summary counts.
// Workload: write(fd, buf, 32) with buf in never-touched pages (test/fixtures/buf-pages.c checks pagemap).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { trace, type TraceEvent } from '../../src/runtime/api.js';
import { deferredReadSupport } from '../../src/runtime/deferred-reads.js';
import { hostKernelInfo } from '../../src/kernel/host-info.js';
import { assertNoLeaks, kernelUnavailable, objectBaseline } from '../helpers/kernel.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/siesta.cjs');
const skip = kernelUnavailable() ?? false;
let dir = '';
let built: string | null = null;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'siesta-buf-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Builds the workload once; a reason to skip when gcc is missing. */
function prepare(): string | null {
  if (built) return null;
  try {
    execFileSync('gcc', ['-O1', '-o', join(dir, 'siesta-buf-pages'), join(root, 'test/fixtures/buf-pages.c')]);
  } catch {
    return 'gcc is not installed';
  }
  built = './siesta-buf-pages';
  return null;
}

// comm is cut to 15 bytes; fd 1 is the workload's own report.
const PRED = '/comm == "siesta-buf-page" && args.fd != 1/';

function run(args: string[], script: string, command: string): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args, '-e', script, '-c', command], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r;
}

const bytesOf = (i: number) => `buf-page-${String(i).padStart(5, '0')}\\x00\\x00`;

test('buf() of never-touched pages the kernel reads: every value recovered at exit, marked ~, none silent', { skip }, (t) => {
  const why = prepare();
  if (why) return t.skip(why);
  const n = 1000;
  const r = run([], `tracepoint:syscalls:sys_enter_write ${PRED} { printf("W %r\\n", buf(args.buf, 16)); }`, `${built} file ${n}`);
  assert.match(r.stdout, new RegExp(`calls=${n} absent_before=${n} absent_after=0 ok=${n}`), 'every page was absent at entry');
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('W '));
  assert.deepEqual(lines, Array.from({ length: n }, (_, i) => `W ${bytesOf(i)}~`));
  assert.match(r.stderr, new RegExp(`User-memory reads: 0 exact, ${n} recovered at syscall exit, 0 deferred, 0 lost`));
});

test('buf() of pages a failing call never reads: lost without deferral, deferred (~~) with it', { skip }, (t) => {
  const why = prepare();
  if (why) return t.skip(why);
  const n = 300;
  const script = `tracepoint:syscalls:sys_enter_write ${PRED} { printf("W %r\\n", buf(args.buf, 16)); }`;
  const lost = run(['--no-deferred-reads'], script, `${built} ebadf ${n}`);
  assert.match(lost.stdout, new RegExp(`calls=${n} absent_before=${n} absent_after=${n} ok=${n}`));
  assert.deepEqual(lost.stdout.split('\n').filter((l) => l.startsWith('W ')), Array(n).fill('W <lost:EFAULT>'));
  assert.match(lost.stderr, new RegExp(`User-memory reads: 0 exact, 0 recovered at syscall exit, 0 deferred, ${n} lost`));
  const support = deferredReadSupport();
  if (!support.ok) return t.skip(`deferred reads are not available here: ${support.reason}`);
  const r = run([], script, `${built} ebadf ${n} 100`);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('W '));
  // A deferred record is printed when its read completes, after the call: under load a later call's record can
  // come first, so values are matched to calls by the page they name, each page at most once.
  const pages = new Set<string>();
  const deferred = lines.filter((l) => {
    const page = /^W buf-page-(\d{5})\\x00\\x00~~$/.exec(l)?.[1];
    if (page === undefined || Number(page) >= n || pages.has(page)) return false;
    pages.add(page);
    return true;
  }).length;
  const gone = lines.filter((l) => l === 'W <lost:EFAULT>').length;
  assert.equal(lines.length, n);
  assert.equal(deferred + gone, n, `each value is one call's page bytes marked ~~, or reported lost: ${lines.filter((l) => !/~~$|<lost:/.test(l)).slice(0, 3).join(' | ')}`);
  assert.ok(deferred >= 0.9 * n, `only ${deferred}/${n} deferred`);
  assert.match(r.stderr, new RegExp(`User-memory reads: 0 exact, 0 recovered at syscall exit, ${deferred} deferred, ${gone} lost`));
});

test('str() and buf() kept in variables carry their provenance to printf text and -f json', { skip }, (t) => {
  const why = prepare();
  if (why) return t.skip(why);
  const n = 200;
  // $t is a literal unless the call writes 32 bytes: a literal is no user read, so it has no provenance.
  const script = `tracepoint:syscalls:sys_enter_write ${PRED} { $b = buf(args.buf, 16); $c = $b; $t = "lit"; ` +
    `if (args.count == 32) { $t = str(args.buf); } printf("V %r %r %s %s\\n", $b, $c, $t, "x"); }`;
  const r = run([], script, `${built} file ${n}`);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('V '));
  assert.deepEqual(lines, Array.from({ length: n }, (_, i) => `V ${bytesOf(i)}~ ${bytesOf(i)}~ buf-page-${String(i).padStart(5, '0')}~ x`));
  assert.match(r.stderr, new RegExp(`User-memory reads: 0 exact, ${3 * n} recovered at syscall exit, 0 deferred, 0 lost`));
  const json = run(['-f', 'json'], script.replace('args.count == 32', 'args.count == 7'), `${built} file 20`);
  const printfs = json.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; data?: string; provenance?: string[] })
    .filter((x) => x.type === 'printf');
  assert.equal(printfs.length, 20);
  for (const p of printfs) {
    assert.deepEqual(p.provenance, ['exit', 'exit'], 'the literal in $t carries no provenance');
    assert.match(p.data!, /^V buf-page-\d{5}\\x00\\x00 buf-page-\d{5}\\x00\\x00 lit x\n$/);
  }
});

test('trace() reports a sleepable uprobe that fell back to its plain program as an event', { skip }, async (t) => {
  if (!hostKernelInfo().sleepableUprobes?.()) return t.skip('sleepable uprobes do not load here');
  const base = objectBaseline();
  // ustack needs a stack-trace map, which a sleepable program may not use: the verifier refuses it.
  const tr = await trace('uprobe:libc:strlen { @[ustack] = count(); printf("%s\\n", str(arg0)); }');
  const events: TraceEvent[] = [];
  const stopped = tr.stop();
  for await (const ev of tr.events()) events.push(ev);
  await stopped;
  const fb = events.filter((e) => e.type === 'sleep-fallback');
  assert.equal(fb.length, 1, JSON.stringify(events));
  assert.equal(events[0], fb[0], 'delivered before the script\'s events');
  const f = fb[0] as Extract<TraceEvent, { type: 'sleep-fallback' }>;
  assert.match(f.probe, /^uprobe:\S*libc\S*:strlen$/);
  assert.match(f.reason, /Sleepable programs can only use/);
  await assertNoLeaks(base);
});

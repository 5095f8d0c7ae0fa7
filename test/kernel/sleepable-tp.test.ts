// Sleepable syscall tracepoints (reliable reads, mechanism a) on a kernel that refuses them: a script compiled
// as if tp.s loaded falls back to its plain program and exit re-read silently, with the torture workload's output
// unchanged; and the start-up notice for probes whose reads nothing can recover, from the command line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { compile } from '../../src/codegen/compile.js';
import { programSupport } from '../../src/kernel/features.js';
import { hostKernelInfo } from '../../src/kernel/host-info.js';
import { Session, type SessionEvent } from '../../src/runtime/session.js';
import type { KernelInfo } from '../../src/types/kernel-info.js';
import { assertNoLeaks, kernelUnavailable, objectBaseline } from '../helpers/kernel.js';
import { fixtureBinary, runFixtureUnder, SIESTA_BIN } from '../helpers/fixtures.js';

const bin = SIESTA_BIN;
const noKernel = kernelUnavailable();
const torture = fixtureBinary('torture.c', 'siesta-torture');

const SCRIPT = 'tracepoint:syscalls:sys_enter_openat /comm == "siesta-torture"/ { printf("P %s\\n", str(args.filename)); } ' +
  'tracepoint:syscalls:sys_enter_openat2 /comm == "siesta-torture"/ { printf("H %s %x %x\\n", str(args.filename), args.how->flags, args.how->resolve); }';

/** Why the fallback test cannot run: no kernel, or a kernel that does load tp.s (there the sleepable program runs). */
function refusesSleepableTp(): string | null {
  if (noKernel) return noKernel;
  return programSupport('tracepoint', true).ok ? 'this kernel loads sleepable tracepoint programs: no fallback to take' : null;
}

test('compiled as if tp.s loaded, a kernel that refuses it runs the plain program and its exit re-read, silently, with the same output', { skip: refusesSleepableTp() ?? false }, async (t) => {
  if (torture.missing) return t.skip(torture.missing);
  const n = 1000;
  // The feature probe answers yes: the compiler emits sleepable programs, as it would on a 7.2 kernel.
  const kernel = Object.create(hostKernelInfo(), { sleepableSyscallTracepoints: { value: () => true } }) as KernelInfo;
  const compiled = compile(SCRIPT, kernel, {});
  assert.ok(compiled.ok, compiled.ok ? '' : compiled.diagnostics.render());
  const entries = compiled.script.spec.programs.filter((p) => p.name.startsWith('p'));
  assert.equal(entries.length, 2);
  for (const p of entries) assert.ok(p.sleepable && p.fallback, `${p.name} is compiled sleepable, with a fallback`);

  const base = objectBaseline();
  const s = Session.start(compiled.script, {});
  let run: { stdout: string; events: SessionEvent[] };
  let refused: ReturnType<Session['refusedSleepable']['slice']> = [];
  let loud: Session['sleepFallbacks'] = [];
  try {
    refused = s.refusedSleepable;
    loud = s.sleepFallbacks;
    run = await runFixtureUnder(s, torture, ['dontneed', String(n)]);
  } finally {
    s.close();
  }
  await assertNoLeaks(base);
  // Both probes fell back (the verifier's refusal kept), and nothing is reported: the fallback still recovers.
  assert.deepEqual(refused.map((r) => r.fallbackReads), ['exit', 'exit']);
  for (const r of refused) assert.match(r.reason, /sleepable/);
  assert.deepEqual(loud, []);
  // The torture test's own expectations, unchanged.
  assert.match(run.stdout, new RegExp(`calls=${2 * n} absent=${2 * n}`), 'every argument page was absent at entry');
  const texts = run.events.flatMap((e) => (e.type === 'printf' ? [e.text.replace(/\n$/, '')] : []));
  const paths = texts.filter((l) => l.startsWith('P ./t/'));
  const hows = texts.filter((l) => l.startsWith('H '));
  for (const l of paths) assert.match(l, /^P \.\/t\/f\d{4}~?$/);
  assert.equal(paths.filter((l) => l.endsWith('~')).length, n);
  assert.equal(hows.length, n);
  for (const l of hows) assert.match(l, /^H \.\/t\/f\d{4}~ 80000~ 2~$/);
  assert.ok(!texts.some((l) => l.includes('<lost:')), 'no read was lost');
  assert.equal(s.reads.lost, 0);
  assert.equal(s.reads.exit, 4 * n);
});

const NOTICE = 'siesta: a read of user memory whose page is not resident is lost (printed <lost:...>) in ';

test('start-up notice: once, on stderr, for a probe whose reads nothing recovers; none where the exit re-read does', { skip: noKernel ?? false }, () => {
  const run = (prog: string) => spawnSync(process.execPath, [bin, '-q', '--dry-run', '-e', prog], { encoding: 'utf8', timeout: 30_000 });
  const atomic = run('tracepoint:sched:sched_process_exit { printf("%s %s\\n", str(uptr(0)), str(uptr(8))); }');
  assert.equal(atomic.status, 0, atomic.stderr);
  assert.equal(atomic.stderr, `${NOTICE}tracepoint:sched:sched_process_exit: atomic context, where nothing can fault a page in\n`);
  // An exit probe has no exit re-read; only a sleepable tracepoint program could read it reliably.
  const exit = run('tracepoint:syscalls:sys_exit_openat { printf("%s\\n", str(uptr(args.ret))); }');
  assert.equal(exit.status, 0, exit.stderr);
  const tp = programSupport('tracepoint', true);
  assert.equal(exit.stderr, tp.ok ? '' : `${NOTICE}tracepoint:syscalls:sys_exit_openat: this kernel lacks sleepable syscall tracepoint programs (tp.s): ${tp.reason}\n`);
  const entry = run('tracepoint:syscalls:sys_enter_openat { printf("%s\\n", str(args.filename)); }');
  assert.equal(entry.status, 0, entry.stderr);
  assert.equal(entry.stderr, '', 'the exit re-read recovers an entry read');
  const plain = run('tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }');
  assert.equal(plain.stderr, '', 'no user read, no notice');
});

test('start-up notice: a uprobe reading user memory, only where uprobe.s does not load', { skip: noKernel ?? false }, () => {
  const r = spawnSync(process.execPath, [bin, '-q', '--dry-run', '-e', 'uprobe:libc:getenv { printf("%s\\n", str(arg0)); }'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const s = programSupport('uprobe', true);
  if (s.ok) assert.equal(r.stderr, '');
  else {
    // The probe is named by libc's resolved path.
    assert.ok(r.stderr.startsWith(`${NOTICE}uprobe:/`), r.stderr);
    assert.ok(r.stderr.endsWith(`:getenv: this kernel lacks sleepable uprobes (uprobe.s): ${s.reason}\n`), r.stderr);
  }
});

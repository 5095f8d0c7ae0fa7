// Sleepable syscall tracepoint programs (reliable reads, mechanism a; expected in Linux 7.2), on a fake kernel
// that reports them, and the start-up notice for probes whose reads nothing can recover.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { disassemble } from '../../src/asm/index.js';
import type { MechanismId } from '../../src/capture/mechanisms.js';
import { unrecoverableReadsNotice } from '../../src/capture/read-notice.js';
import { compile, type CompiledScript } from '../../src/codegen/index.js';
import type { Support } from '../../src/kernel/features.js';
import type { ProgramSpec } from '../../src/loader/index.js';
import { fakeKernelInfo, type FakeKernelOptions } from '../helpers/fake-kernel-info.js';

const BIN = { path: '/usr/bin/app', symbols: { f: 0x1000n } };
const OPENAT = 'tracepoint:syscalls:sys_enter_openat { printf("%s %d\\n", str(args.filename), args.flags); }';
const READ = 'tracepoint:syscalls:sys_enter_read { printf("%r\\n", buf(args.buf, 16)); }';

function compiled(source: string, o: FakeKernelOptions): CompiledScript {
  const r = compile(source, fakeKernelInfo({ binaries: [BIN], ...o }));
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.render());
  return r.script;
}

const text = (p: ProgramSpec) => disassemble(p.code).join('\n');
const NEW_KERNEL = { sleepableSyscallTracepoints: true };

describe('sleepable syscall tracepoints (tp.s)', () => {
  it('a syscall entry probe reading user memory is a sleepable tracepoint program reading with faulting helpers', () => {
    const s = compiled(OPENAT, NEW_KERNEL);
    const p = s.spec.programs.find((x) => x.name.startsWith('p0_'))!;
    assert.equal(p.kind, 'tracepoint', 'the same program type and event as the plain program (tp.s)');
    assert.equal(p.sleepable, true);
    assert.match(text(p), /bpf_copy_from_user_str/);
    assert.doesNotMatch(text(p), /probe_read_user/);
    // The per-CPU scratch is not exclusive under migrate_disable: a per-thread buffer keyed by pid_tgid.
    assert.match(text(p), /get_current_pid_tgid/);
    assert.ok(s.spec.maps.some((m) => m.name === 'sleep_scratch' && m.kind === 'hash' && m.keySize === 8));
    assert.equal(s.resources.programs[0]!.reads, 'sleepable');
    assert.equal(s.resources.programs[0]!.fallbackReads, 'exit');
  });

  it('a faulting read needs no exit re-read: the sleepable program sends its record at once', () => {
    const p = compiled(OPENAT, NEW_KERNEL).spec.programs.find((x) => x.name.startsWith('p0_'))!;
    assert.doesNotMatch(text(p), /pend_/, 'no pending-record map in the sleepable program');
  });

  it('keeps the plain program with its exit re-read as the loader fallback', () => {
    const s = compiled(OPENAT, NEW_KERNEL);
    const p = s.spec.programs.find((x) => x.name.startsWith('p0_'))!;
    const fb = p.fallback!;
    assert.ok(fb, 'a fallback program');
    assert.equal(fb.sleepable, undefined);
    assert.equal(fb.kind, 'tracepoint');
    assert.equal(fb.name, p.name);
    assert.match(text(fb), /probe_read_user_str/);
    assert.doesNotMatch(text(fb), /copy_from_user/);
    assert.match(text(fb), /pend_0/, 'the fallback parks a failed read for the exit');
    // The exit program the fallback needs is loaded either way (with nothing pending, it only looks up).
    assert.ok(s.spec.programs.some((x) => x.name === 'x0_exit'));
    assert.ok(s.spec.maps.some((m) => m.name === 'pend_0'));
  });

  it('buf() and scalar fields read through a user pointer use bpf_copy_from_user', () => {
    const p = compiled(READ, NEW_KERNEL).spec.programs[0]!;
    assert.equal(p.sleepable, true);
    assert.match(text(p), /copy_from_user/);
    assert.doesNotMatch(text(p), /probe_read_user/);
  });

  it('exit probes of syscalls are sleepable too; their fallback has no re-read', () => {
    const s = compiled('tracepoint:syscalls:sys_exit_read { printf("%s\\n", str(uptr(args.ret))); }', NEW_KERNEL);
    assert.equal(s.spec.programs[0]!.sleepable, true);
    assert.equal(s.resources.programs[0]!.fallbackReads, 'entry');
  });

  it('stays plain where tp.s does not load (as on 6.18), where nothing reads user memory, and off syscalls:*', () => {
    const old = compiled(OPENAT, {});
    assert.equal(old.spec.programs[0]!.sleepable, undefined);
    assert.equal(old.spec.programs[0]!.fallback, undefined);
    assert.equal(old.resources.programs[0]!.reads, 'exit');
    assert.ok(!old.spec.maps.some((m) => m.name === 'sleep_scratch'));
    const counting = compiled('tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }', NEW_KERNEL);
    assert.equal(counting.spec.programs[0]!.sleepable, undefined);
    assert.equal(counting.resources.programs[0]!.reads, undefined);
    // raw_syscalls:sys_enter is not the per-syscall perf path; an attach-time refusal there could not fall back.
    const raw = compiled('tracepoint:raw_syscalls:sys_enter { printf("%s\\n", str(uptr(args.args[1]))); }', NEW_KERNEL);
    assert.equal(raw.spec.programs[0]!.sleepable, undefined);
    const atomic = compiled('tracepoint:sched:sched_switch { printf("%s\\n", str(uptr(args.prev_pid))); }', NEW_KERNEL);
    assert.equal(atomic.spec.programs[0]!.sleepable, undefined);
  });
});

describe('start-up notice of unrecoverable reads', () => {
  const reasons: Partial<Record<MechanismId, string>> = {
    'sleepable-tp': 'EINVAL: no sleepable tracepoints',
    'exit-reread': 'EPERM: no tracepoint programs',
    'uprobe-sleepable': 'EINVAL: no uprobe.s',
  };
  /** A kernel where the mechanisms of `missing` are absent, with the reasons above. */
  const without = (...missing: MechanismId[]) => (id: MechanismId): Support => (missing.includes(id) ? { ok: false, reason: reasons[id]! } : { ok: true });
  const notice = (source: string, o: FakeKernelOptions, available = without()) => unrecoverableReadsNotice(compiled(source, o).resources.programs, available);

  it('a uprobe reading user memory where uprobe.s does not load', () => {
    assert.equal(notice('uprobe:/usr/bin/app:f { printf("%s\\n", str(arg0)); }', { sleepableUprobes: false }, without('uprobe-sleepable')),
      'siesta: a read of user memory whose page is not resident is lost (printed <lost:...>) in uprobe:/usr/bin/app:f: this kernel lacks sleepable uprobes (uprobe.s): EINVAL: no uprobe.s');
  });

  it('a syscall entry probe where neither the exit re-read nor anything stronger works', () => {
    assert.equal(notice(OPENAT, { exitRereads: false }, without('sleepable-tp', 'exit-reread')),
      'siesta: a read of user memory whose page is not resident is lost (printed <lost:...>) in tracepoint:syscalls:sys_enter_openat: this kernel lacks ' +
      'sleepable syscall tracepoint programs (tp.s): EINVAL: no sleepable tracepoints; re-reads at syscall exit: EPERM: no tracepoint programs');
  });

  it('probes in atomic context, grouped by reason, each named once', () => {
    const source = 'tracepoint:sched:sched_switch { printf("%s\\n", str(uptr(args.prev_pid))); printf("%s\\n", str(uptr(args.next_pid))); } ' +
      'uprobe:/usr/bin/app:f { printf("%s\\n", str(arg0)); }';
    assert.equal(notice(source, { sleepableUprobes: false }, without('uprobe-sleepable')),
      'siesta: a read of user memory whose page is not resident is lost (printed <lost:...>) in tracepoint:sched:sched_switch: atomic context, where nothing can fault a page in; ' +
      'in uprobe:/usr/bin/app:f: this kernel lacks sleepable uprobes (uprobe.s): EINVAL: no uprobe.s');
  });

  it('nothing when every probe reading user memory can recover its reads, or none reads it', () => {
    assert.equal(notice(OPENAT, {}, without('sleepable-tp')), null, 'the exit re-read recovers (6.18)');
    assert.equal(notice(OPENAT, NEW_KERNEL), null);
    assert.equal(notice('uprobe:/usr/bin/app:f { printf("%s\\n", str(arg0)); }', {}), null, 'uprobe.s loads');
    assert.equal(notice('tracepoint:sched:sched_switch { @[args.prev_pid] = count(); }', {}), null, 'no user read');
  });

  it('a syscall entry probe without exit re-reads sends its records at once (nothing waits for an exit)', () => {
    const s = compiled(OPENAT, { exitRereads: false });
    assert.equal(s.resources.deferred.length, 0);
    assert.equal(s.resources.programs[0]!.reads, 'entry');
    assert.ok(!s.spec.programs.some((p) => p.name.endsWith('_exit')));
  });
});

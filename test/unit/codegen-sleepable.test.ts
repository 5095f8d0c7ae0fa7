// Sleepable uprobe programs: which probes get one, what it calls, and the plain fallback beside it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { disassemble } from '../../src/asm/index.js';
import { compile } from '../../src/codegen/index.js';
import type { ProgramSpec } from '../../src/loader/index.js';
import { fakeKernelInfo } from '../helpers/fake-kernel-info.js';

const BIN = { path: '/usr/bin/app', symbols: { f: 0x1000n } };

function programs(source: string, sleepableUprobes = true): ProgramSpec[] {
  const r = compile(source, fakeKernelInfo({ binaries: [BIN], sleepableUprobes }));
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.render());
  return r.script.spec.programs;
}

function mapNames(source: string, sleepableUprobes = true): string[] {
  const r = compile(source, fakeKernelInfo({ binaries: [BIN], sleepableUprobes }));
  assert.ok(r.ok);
  return r.script.spec.maps.map((m) => m.name);
}

const text = (p: ProgramSpec) => disassemble(p.code).join('\n');

describe('sleepable uprobes', () => {
  it('a uprobe reading user memory is sleepable, reads with faulting helpers, and keeps a plain fallback', () => {
    const [p] = programs('uprobe:/usr/bin/app:f { printf("%s %d\\n", str(arg0), *(int32 *)arg1); }');
    assert.equal(p!.sleepable, true);
    assert.match(text(p!), /bpf_copy_from_user_str/);
    assert.match(text(p!), /copy_from_user/);
    assert.doesNotMatch(text(p!), /probe_read_user/);
    const fb = p!.fallback!;
    assert.ok(fb, 'a fallback program');
    assert.equal(fb.sleepable, undefined);
    assert.equal(fb.name, p!.name);
    assert.match(text(fb), /probe_read_user_str/);
    assert.doesNotMatch(text(fb), /copy_from_user/);
    assert.ok(mapNames('uprobe:/usr/bin/app:f { printf("%s\\n", str(arg0)); }').includes('sleep_scratch'));
  });

  it('a uprobe without user reads, or where uprobe.s does not load, stays a plain program', () => {
    const [plain] = programs('uprobe:/usr/bin/app:f { @[tid] = count(); }');
    assert.equal(plain!.sleepable, undefined);
    // Its fallback, if any, is the per-CPU-scratch twin of a stack-scratch program, not a sleepable one.
    assert.equal(plain!.fallback?.sleepable, undefined);
    assert.ok(!mapNames('uprobe:/usr/bin/app:f { @[tid] = count(); }').includes('sleep_scratch'));
    const [old] = programs('uprobe:/usr/bin/app:f { printf("%s\\n", str(arg0)); }', false);
    assert.equal(old!.sleepable, undefined);
    assert.equal(old!.fallback, undefined, 'a str() record is too big for the stack: one program');
    assert.match(text(old!), /probe_read_user_str/);
  });

  it('tracepoints never get sleepable programs (the kernel refuses them)', () => {
    const [tp] = programs('tracepoint:syscalls:sys_enter_openat { printf("%s\\n", str(args.filename)); }');
    assert.equal(tp!.sleepable, undefined);
  });
});

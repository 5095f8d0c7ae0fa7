/**
 * Raw tracepoints resolved and listed from the running kernel's BTF (/sys/kernel/btf/vmlinux,
 * CONFIG_DEBUG_INFO_BTF); tracefs still comes from the recorded fixtures. Skipped only when the BTF file is
 * absent. The events checked (sched_switch, sys_enter, sys_exit) have had raw tracepoints with these
 * arguments since BTF-enabled kernels began (5.5); argument names come from `__probestub_*` (6.4+) or
 * `__bpf_trace_*` before that.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { TestContext } from 'node:test';

import { type Btf, loadVmlinuxBtf, VMLINUX_BTF_PATH } from '../../src/btf/index.js';
import { parse } from '../../src/lang/index.js';
import { listProbes } from '../../src/passes/list-probes.js';
import { rawTracepointNames } from '../../src/passes/probe-kinds.js';
import { type ResolvedProbe, resolveProbes } from '../../src/passes/probes.js';
import { typeName } from '../../src/types/types.js';
import { fakeKernelInfo, type FakeKernelInfo } from '../helpers/fake-kernel-info.js';

let btf: Btf | undefined;

/** A fake machine with the real vmlinux BTF, or undefined (after t.skip) when the kernel has none. */
function machine(t: TestContext): FakeKernelInfo | undefined {
  if (!existsSync(VMLINUX_BTF_PATH)) {
    t.skip('no vmlinux BTF');
    return undefined;
  }
  btf ??= loadVmlinuxBtf();
  return fakeKernelInfo({ btf });
}

function resolve(kernel: FakeKernelInfo, text: string): { probes: ResolvedProbe[]; errors: string } {
  const { program, diagnostics } = parse(text);
  const probes = resolveProbes(program, kernel, diagnostics);
  return { probes, errors: diagnostics.render() };
}

test('rawtracepoint:sched_switch has BTF-typed, named arguments', (t) => {
  const kernel = machine(t);
  if (!kernel) return;
  const { probes, errors } = resolve(kernel, 'rawtracepoint:sched_switch, rt:vmlinux:sched_switch { }');
  assert.equal(errors, '');
  assert.deepEqual(probes.map((p) => [p.name, p.kind, p.context]), [
    ['rawtracepoint:vmlinux:sched_switch', 'rawtracepoint', 'atomic'],
    ['rawtracepoint:vmlinux:sched_switch', 'rawtracepoint', 'atomic'],
  ]);
  const raw = probes[0]!.rawtracepoint!;
  assert.equal(raw.name, 'sched_switch');
  assert.deepEqual(raw.args.map((a) => [a.name, typeName(a.type)]), [
    ['preempt', 'bool'],
    ['prev', 'struct task_struct *'],
    ['next', 'struct task_struct *'],
    ['prev_state', 'uint32'],
  ]);
});

test('rawtracepoint sys_enter/sys_exit may sleep', (t) => {
  const kernel = machine(t);
  if (!kernel) return;
  const { probes, errors } = resolve(kernel, 'rt:sys_e* { }');
  assert.equal(errors, '');
  assert.deepEqual(probes.map((p) => [p.name, p.context]), [
    ['rawtracepoint:vmlinux:sys_enter', 'may-sleep'],
    ['rawtracepoint:vmlinux:sys_exit', 'may-sleep'],
  ]);
  assert.deepEqual(probes[0]!.rawtracepoint!.args.map((a) => [a.name, typeName(a.type)]), [
    ['regs', 'struct pt_regs *'],
    ['id', 'int64'],
  ]);
});

test('every raw tracepoint of the kernel resolves', (t) => {
  const kernel = machine(t);
  if (!kernel) return;
  const { probes, errors } = resolve(kernel, 'rawtracepoint:* { }');
  assert.equal(errors, '');
  assert.equal(probes.length, rawTracepointNames(kernel.btf!).length);
  assert.ok(probes.length > 100);
  assert.ok(probes.every((p) => p.rawtracepoint!.args.every((a) => /^[A-Za-z_]\w*$/.test(a.name))));
});

test('unknown raw tracepoints and modules are reported', (t) => {
  const kernel = machine(t);
  if (!kernel) return;
  assert.equal(
    resolve(kernel, 'rawtracepoint:sched_swich { }').errors,
    'stdin:1:1-26: ERROR: No matches for rawtracepoint sched_swich.\n' +
      'rawtracepoint:sched_swich { }\n' +
      '~~~~~~~~~~~~~~~~~~~~~~~~~\n' +
      'HINT: did you mean rawtracepoint:vmlinux:sched_switch?\n',
  );
  assert.match(resolve(kernel, 'rt:vmlinux:nothing_* { }').errors, /ERROR: No matches for rawtracepoint vmlinux:nothing_\*\.\n[^\n]*\n[^\n]*\n$/);
  assert.equal(
    resolve(kernel, 'rawtracepoint:nonsense:sys_exit { }').errors,
    'stdin:1:1-32: ERROR: No BTF found for nonsense:sys_exit.\nrawtracepoint:nonsense:sys_exit { }\n~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n',
  );
});

test('-l lists raw tracepoints with their arguments', (t) => {
  const kernel = machine(t);
  if (!kernel) return;
  assert.deepEqual(listProbes(kernel, 'rawtracepoint:sched_switch', true), [
    'rawtracepoint:vmlinux:sched_switch',
    '    bool preempt',
    '    struct task_struct * prev',
    '    struct task_struct * next',
    '    unsigned int prev_state',
    '    (context: atomic)',
  ]);
  assert.deepEqual(listProbes(kernel, 'rt:vmlinux:sys_exit', true), [
    'rawtracepoint:vmlinux:sys_exit',
    '    struct pt_regs * regs',
    '    long int ret',
    '    (context: may-sleep)',
  ]);
  const all = listProbes(kernel);
  const raw = all.filter((l) => l.startsWith('rawtracepoint:'));
  assert.equal(raw.length, rawTracepointNames(kernel.btf!).length);
  assert.equal(all[0], raw[0], 'rawtracepoint sorts before software and tracepoint');
});

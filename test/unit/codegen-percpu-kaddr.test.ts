// percpu_kaddr(name[, cpu]): the variable's BTF id (a loader relocation) handed to bpf_this_cpu_ptr or
// bpf_per_cpu_ptr; the name must be a literal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassemble } from '../../src/asm/index.js';
import { compile } from '../../src/codegen/index.js';
import { fakeKernelInfo } from '../helpers/fake-kernel-info.js';

test('percpu_kaddr loads the variable by BTF id and asks for this CPU or the given one', () => {
  const r = compile('begin { printf("%d %d\\n", percpu_kaddr("process_counts"), percpu_kaddr("process_counts", 1)); exit(); }', fakeKernelInfo());
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.render());
  const p = r.script.spec.programs[0]!;
  const lines = disassemble(p.code).filter((l) => /btf_id|cpu_ptr|r2 = r0/.test(l)).map((l) => l.replace(/^\d+: \([0-9a-f]+\) /, ''));
  assert.deepEqual(lines, ['r1 = btf_id[process_counts]', 'call bpf_this_cpu_ptr#154', 'r2 = r0', 'r1 = btf_id[process_counts]', 'call bpf_per_cpu_ptr#153']);
  assert.ok(p.code.relocations.some((x) => x.kind === 'btf_id' && x.name === 'process_counts' && x.btfKind === 'var'));
});

test('percpu_kaddr needs a literal name and an integer CPU', () => {
  const r = compile('begin { $n = "x"; printf("%d\\n", percpu_kaddr($n, "cpu")); }', fakeKernelInfo());
  assert.equal(r.ok, false);
  const text = r.diagnostics.render();
  assert.match(text, /^stdin:1:47-49: ERROR: percpu_kaddr\(\) expects a string literal$/m);
  assert.match(text, /^stdin:1:51-56: ERROR: percpu_kaddr\(\) only supports integer arguments \(string provided as argument\)$/m);
});

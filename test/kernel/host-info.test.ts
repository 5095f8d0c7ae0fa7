// The host KernelInfo against the running kernel: vmlinux BTF and tracefs (root: siesta may have to mount it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostKernelInfo } from '../../src/kernel/host-info.js';
import { kernelUnavailable } from '../helpers/kernel.js';

const skip = kernelUnavailable() ?? false;
const host = hostKernelInfo();

test('btf is the kernel BTF', { skip }, () => {
  const btf = host.btf;
  assert.ok(btf, 'this kernel has vmlinux BTF');
  assert.ok(btf.typeCount > 10_000);
  assert.notEqual(btf.findByName('task_struct', 'struct'), undefined);
  assert.equal(host.btf, btf, 'read once');
});

test('tracepoints lists every event once, sorted, and is cached', { skip }, () => {
  const all = host.tracepoints();
  assert.ok(all.includes('syscalls:sys_enter_openat'));
  assert.ok(all.includes('raw_syscalls:sys_enter'));
  assert.deepEqual([...all], [...new Set(all)].sort());
  assert.equal(host.tracepoints(), all);
});

test('tracepointFormat reads the format file, null when absent', { skip }, () => {
  const text = host.tracepointFormat('syscalls', 'sys_enter_openat');
  assert.match(text ?? '', /^name: sys_enter_openat$/m);
  assert.match(text ?? '', /field:const char \* filename;/);
  assert.equal(host.tracepointFormat('syscalls', 'sys_enter_no_such_call'), null);
  assert.equal(host.tracepointFormat('..', 'format'), null, 'no path traversal');
  assert.equal(host.tracepointFormat('syscalls', '../syscalls/sys_enter_openat'), null);
});

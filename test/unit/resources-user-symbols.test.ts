// Resources.userSymbols: set when a script produces user-space symbols or stacks, which makes the runtime keep
// the traced process's mappings while it lives (and only then).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile } from '../../src/codegen/index.js';
import { fakeKernelInfo } from '../helpers/fake-kernel-info.js';

const BIN = { path: '/usr/bin/app', symbols: { f: 0x1000n } };

function userSymbols(source: string): boolean {
  const r = compile(source, fakeKernelInfo({ binaries: [BIN] }));
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.render());
  return r.script.resources.userSymbols;
}

test('ustack and usym values need the traced process\'s mappings; kernel stacks and plain values do not', () => {
  assert.equal(userSymbols('uprobe:/usr/bin/app:f { @[ustack] = count(); }'), true);
  assert.equal(userSymbols('uprobe:/usr/bin/app:f { printf("%s\\n", usym(arg1)); }'), true);
  assert.equal(userSymbols('uprobe:/usr/bin/app:f { @[pid, usym(arg0)] = count(); }'), true);
  assert.equal(userSymbols('uprobe:/usr/bin/app:f { @[kstack] = count(); }'), false);
  assert.equal(userSymbols('tracepoint:syscalls:sys_enter_openat { printf("%s\\n", str(args.filename)); }'), false);
});

// percpu_kaddr() against the running kernel. The kernel resolves the variable's address through kallsyms, which
// lists data symbols only with CONFIG_KALLSYMS_ALL: without them the run is refused with the verifier's reason.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kernelUnavailable } from '../helpers/kernel.js';

const bin = join(fileURLToPath(new URL('../../../', import.meta.url)), 'bin/siesta.cjs');
const skip = kernelUnavailable() ?? false;
const hasDataSymbols = !skip && /\sprocess_counts$/m.test(readFileSync('/proc/kallsyms', 'utf8'));
const run = (program: string) => spawnSync(process.execPath, [bin, '-q', '-e', program], { encoding: 'utf8' });

test('the address of a per-CPU variable on each CPU, NULL past the last', { skip: skip || (!hasDataSymbols && 'kallsyms lists no data symbols here (CONFIG_KALLSYMS_ALL is off)') }, () => {
  const r = run('begin { printf("%d %d %d\\n", (bool)percpu_kaddr("process_counts", 0), percpu_kaddr("process_counts", 100000) == 0, *(uint64 *)percpu_kaddr("process_counts") > 0); exit(); }');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '1 1 1');
});

test('a kernel without data symbols in kallsyms refuses it in words, without a stack trace', { skip: skip || (hasDataSymbols && 'this kernel lists data symbols') }, () => {
  const r = run('begin { print(percpu_kaddr("process_counts", 0)); exit(); }');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /rejected by the verifier: ldimm64 failed to find the address for kernel symbol 'process_counts'/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('a variable this kernel does not have is named', { skip }, () => {
  const r = run('begin { print(percpu_kaddr("no_such_percpu_var")); exit(); }');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /needs kernel var 'no_such_percpu_var', which this kernel's BTF does not have/);
});

// Small scratch on the run's own stack (compile.ts fitsOnStack): which programs get it, and the per-CPU twin
// the loader falls back to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassemble } from '../../src/asm/index.js';
import { compile } from '../../src/codegen/index.js';
import type { ProgramSpec } from '../../src/loader/index.js';
import { fakeKernelInfo } from '../helpers/fake-kernel-info.js';

function program(source: string): ProgramSpec {
  const r = compile(source, fakeKernelInfo());
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.render());
  return r.script.spec.programs[0]!;
}

const text = (p: ProgramSpec) => disassemble(p.code).join('\n');

test('a count() by comm keeps its 16-byte key on the stack; the per-CPU twin claims a slot', () => {
  const p = program('tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }');
  assert.match(text(p), /^1: \(bf\) r9 = r10\n2: \(07\) r9 \+= -\d+$/m, 'R9 points into the stack');
  assert.doesNotMatch(text(p), /scratch_busy|map\[scratch\]/);
  assert.match(text(p), /call bpf_get_current_comm#16/);
  const fb = p.fallback!;
  assert.ok(fb, 'a fallback');
  assert.equal(fb.sleepable, undefined);
  assert.match(text(fb), /map\[scratch_busy\]/);
  assert.match(text(fb), /atomic64_xchg/);
  assert.ok(disassemble(p.code).length < disassemble(fb.code).length);
});

test('scratch too big for the stack, or a program with callbacks, keeps the per-CPU slot alone', () => {
  const big = program('tracepoint:syscalls:sys_enter_openat { printf("%s\\n", str(args.filename)); }');
  assert.equal(big.fallback, undefined);
  assert.match(text(big), /map\[scratch_busy\]/);
  const loop = program('begin { @m[1] = 2; for ($kv : @m) { printf("%d\\n", $kv.1); } exit(); }');
  assert.equal(loop.fallback, undefined);
  assert.match(text(loop), /map\[scratch_busy\]/);
});

/**
 * Range loops: a short range of constants is generated inline, any other (run-time bounds, long ranges) as a
 * bpf_loop callback sharing the probe's frame, described by func_info BTF; a kernel without bpf_loop gets a
 * diagnostic on the range. While loops bound themselves with may_goto where the kernel has it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { BPF_CALL, BPF_JCOND, BPF_JMP, decode, helperId } from '../../src/asm/index.js';
import { compile } from '../../src/codegen/index.js';
import type { KernelInfo } from '../../src/types/kernel-info.js';
import { fakeKernelInfo } from '../helpers/fake-kernel-info.js';

function program(script: string, kernel: KernelInfo = fakeKernelInfo({})) {
  const result = compile(script, kernel);
  assert.ok(result.ok, result.ok ? '' : result.diagnostics.render());
  return result.script.spec.programs[0]!;
}

/** How many times the program calls helper `name`. */
function helperCalls(script: string, name: 'loop', kernel?: KernelInfo): number {
  const p = program(script, kernel);
  return decode(p.code.bytes).filter((i) => i.code === (BPF_JMP | BPF_CALL) && i.src === 0 && i.imm === helperId(name)).length;
}

describe('range loops', () => {
  it('a short range of constants is inline: no callback, no bpf_loop', () => {
    assert.equal(helperCalls('begin { for ($i : 0..8) { @x[$i] = 1; } }', 'loop'), 0);
    assert.equal(program('begin { for ($i : 0..8) { @x[$i] = 1; } }').code.funcs.length, 1);
  });

  it('run-time bounds and long ranges call bpf_loop with a callback that gets a func_info', () => {
    for (const script of [
      'begin { $n = 5; for ($i : 0..$n) { @x[$i] = 1; } }',
      'begin { @n = 5; for ($i : 1..@n) { @x[$i] = 1; } }',
      'begin { for ($i : 0..100000) { @x[$i] = 1; } }',
    ]) {
      assert.equal(helperCalls(script, 'loop'), 1, script);
      const p = program(script);
      assert.equal(p.code.funcs.length, 2, script);
      assert.equal(p.funcTypeIds?.length, 2, script);
    }
  });

  it('nested run-time loops get a callback each', () => {
    assert.equal(program('begin { $n = 3; for ($i : 0..$n) { for ($j : 0..$i) { @x[$i, $j] = 1; } } }').code.funcs.length, 3);
  });

  it('a kernel without bpf_loop: the range is underlined', () => {
    const kernel = { ...fakeKernelInfo({}), bpfLoop: () => false };
    const result = compile('begin { $n = 5; for ($i : 0..$n) { } }', kernel);
    assert.equal(result.ok, false);
    assert.equal(
      result.diagnostics.render(),
      'stdin:1:27-32: ERROR: this range needs the bpf_loop helper (Linux 5.17), which this kernel does not offer: only ranges of constants of at most 32 iterations can be looped over without it\n' +
        'begin { $n = 5; for ($i : 0..$n) { } }\n' +
        '                          ~~~~~\n',
    );
    // A short constant range still compiles there.
    assert.equal(helperCalls('begin { for ($i : 0..4) { } }', 'loop', kernel), 0);
  });
});

describe('while loops', () => {
  const mayGotos = (kernel: KernelInfo) => decode(program('begin { @n = 3; $i = 0; while ($i < @n) { $i++; } }', kernel).code.bytes)
    .filter((i) => i.code === (BPF_JMP | BPF_JCOND)).length;

  it('get a may_goto where the kernel has it, and none elsewhere', () => {
    assert.equal(mayGotos({ ...fakeKernelInfo({}), mayGoto: () => true }), 1);
    assert.equal(mayGotos(fakeKernelInfo({})), 0);
  });
});

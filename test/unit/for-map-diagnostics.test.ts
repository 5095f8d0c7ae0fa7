/**
 * Loops over maps and map values in expressions: what bpftrace 0.26 refuses is refused with its words, the
 * source line and an underline (full rendered text compared), and what it accepts compiles, into a program
 * whose loop body is a separate function described by func_info BTF.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compile } from '../../src/codegen/index.js';
import { fakeKernelInfo } from '../helpers/fake-kernel-info.js';

const kernel = fakeKernelInfo({});

/** Compiles `script`, which must fail, and returns everything it reported, rendered. */
function errors(script: string): string {
  const result = compile(script, kernel);
  assert.equal(result.ok, false, 'the script compiles');
  return result.diagnostics.render();
}

describe('for loops over maps: refusals', () => {
  it('a hist() map cannot be iterated, and the body adds no follow-on errors', () => {
    assert.equal(
      errors('begin { @h[1] = hist(5); for ($kv : @h) { print($kv); } }'),
      'stdin:1:37-39: ERROR: Loop expression does not support type: hist_t\n' +
        'begin { @h[1] = hist(5); for ($kv : @h) { print($kv); } }\n' +
        '                                    ~~\n',
    );
  });

  it('nor can a stats() map', () => {
    assert.equal(
      errors('begin { @s[1] = stats(3); for ($kv : @s) { } }'),
      'stdin:1:38-40: ERROR: Loop expression does not support type: stats_t\n' +
        'begin { @s[1] = stats(3); for ($kv : @s) { } }\n' +
        '                                     ~~\n',
    );
  });

  it('a map without keys cannot be iterated', () => {
    assert.equal(
      errors('begin { @m = 1; for ($kv : @m) { } }'),
      'stdin:1:28-30: ERROR: @m has no explicit keys (scalar map), and cannot be used for iteration\n' +
        'begin { @m = 1; for ($kv : @m) { } }\n' +
        '                           ~~\n',
    );
  });

  it('return is refused in a loop over a map and in a range loop', () => {
    assert.equal(
      errors('begin { @m[1] = 1; for ($kv : @m) { return; } for ($i : 0..3) { if ($i) { return; } } }'),
      "stdin:1:37-43: ERROR: 'return' statement is not allowed in a for-loop\n" +
        'begin { @m[1] = 1; for ($kv : @m) { return; } for ($i : 0..3) { if ($i) { return; } } }\n' +
        '                                    ~~~~~~\n' +
        "stdin:1:75-81: ERROR: 'return' statement is not allowed in a for-loop\n" +
        'begin { @m[1] = 1; for ($kv : @m) { return; } for ($i : 0..3) { if ($i) { return; } } }\n' +
        '                                                                          ~~~~~~\n',
    );
  });

  it('the loop variable may not shadow a variable of the probe', () => {
    assert.equal(
      errors('begin { @m[1] = 1; $kv = 1; for ($kv : @m) { } }'),
      'stdin:1:34-37: ERROR: Loop declaration shadows existing variable: $kv\n' +
        'begin { @m[1] = 1; $kv = 1; for ($kv : @m) { } }\n' +
        '                                 ~~~\n',
    );
  });

  it('the loop variable and the variables declared in the body end with the loop', () => {
    assert.equal(
      errors('begin { @m[1] = 1; for ($kv : @m) { $x = $kv.1; } print($x); print($kv); }'),
      'stdin:1:57-59: ERROR: Undefined or undeclared variable: $x\n' +
        'begin { @m[1] = 1; for ($kv : @m) { $x = $kv.1; } print($x); print($kv); }\n' +
        '                                                        ~~\n' +
        'stdin:1:68-71: ERROR: Undefined or undeclared variable: $kv\n' +
        'begin { @m[1] = 1; for ($kv : @m) { $x = $kv.1; } print($x); print($kv); }\n' +
        '                                                                   ~~~\n',
    );
  });

  it('a hist() value is not an integer in an expression', () => {
    assert.equal(
      errors('begin { @h = hist(2); $y = @h + 1; }'),
      "stdin:1:31-32: ERROR: Type mismatch for '+': comparing hist_t with int64\n" +
        'begin { @h = hist(2); $y = @h + 1; }\n' +
        '                              ~\n' +
        'stdin:1:28-30: ERROR: left (hist_t)\n' +
        'begin { @h = hist(2); $y = @h + 1; }\n' +
        '                           ~~\n' +
        'stdin:1:33-34: ERROR: right (int64)\n' +
        'begin { @h = hist(2); $y = @h + 1; }\n' +
        '                                ~\n',
    );
  });
});

describe('for loops over maps and map values: accepted scripts', () => {
  it('count, sum, min, max and avg values take part in arithmetic, conditions and casts', () => {
    const r = compile('begin { @c = count(); @a[1] = avg(3); $y = @c + 1; $z = (uint32)@a[1]; if (@c > 2) { } $w = !@c; }', kernel);
    assert.equal(r.diagnostics.render(), '');
    assert.equal(r.ok, true);
  });

  it('a loop body is a second function, described by func_info BTF; a plain program carries no BTF', () => {
    const looped = compile('begin { @m[1, "a"] = 2; @c[1] = count(); for ($kv : @m) { for ($c : @c) { printf("%s %d\\n", $kv.0.1, $c.1); } } }', kernel);
    assert.ok(looped.ok, looped.diagnostics.render());
    const prog = looped.script.spec.programs[0]!;
    assert.equal(prog.code.funcs.length, 3); // the probe and two nested callbacks
    assert.equal(prog.funcTypeIds?.length, 3);
    assert.ok(looped.script.spec.btf instanceof Uint8Array);
    const plain = compile('begin { @m[1] = 2; }', kernel);
    assert.ok(plain.ok);
    assert.equal(plain.script.spec.btf, undefined);
    assert.equal(plain.script.spec.programs[0]!.funcTypeIds, undefined);
  });

  it('the loop body never addresses its own stack: every stack access goes through the caller frame', () => {
    const r = compile('begin { @m[1] = 2; $n = 0; for ($kv : @m) { $n += $kv.1; } }', kernel);
    assert.ok(r.ok, r.diagnostics.render());
    const code = r.script.spec.programs[0]!.code;
    const callback = code.funcs[1]!.slot;
    const view = new DataView(code.bytes.buffer, code.bytes.byteOffset);
    for (let slot = callback; slot < code.insnCount; slot++) {
      const regs = view.getUint8(slot * 8 + 1);
      assert.notEqual(regs & 0xf, 10, `slot ${slot} writes through R10`);
      assert.notEqual(regs >> 4, 10, `slot ${slot} reads through R10`);
    }
  });
});

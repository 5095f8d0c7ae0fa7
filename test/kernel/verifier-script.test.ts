// A verifier rejection of a compiled script names the statement of the script it is about.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kernelUnavailable } from '../helpers/kernel.js';

const bin = join(fileURLToPath(new URL('../../../', import.meta.url)), 'bin/siesta.cjs');

test('an unbounded loop is refused and the statement is quoted', { skip: kernelUnavailable() ?? false }, () => {
  // A pointer counter stays exact for the verifier (while-loop.ts hides only integers), so 10M iterations
  // are unrolled until the instruction limit; an integer counter converges and runs (below).
  const r = spawnSync(process.execPath, [bin, '-e', 'begin { $p = (uint8 *)0; printf("start\\n"); while ($p < (uint8 *)10000000) { $p = $p + 1; } exit(); }'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr.split('\n').slice(0, 3).join('\n'),
    "stdin:1:45: the kernel's verifier rejected the code of this statement (probe begin)\n" +
    'begin { $p = (uint8 *)0; printf("start\\n"); while ($p < (uint8 *)10000000) { $p = $p + 1; } exit(); }\n' +
    '                                            ^');
  assert.match(r.stderr, /rejected by the verifier at instruction \d+: BPF program is too large/);
  assert.match(r.stderr, /run with -v for the full verifier log/);
  assert.ok(!r.stdout.includes('start'), 'nothing ran');
});

// One million iterations: below the 8M budget that kernels before time-based may_goto give a loop.
test('a while loop over an integer counter runs to its end (may_goto bounds it for the verifier)', { skip: kernelUnavailable() ?? false }, () => {
  const r = spawnSync(process.execPath, [bin, '-q', '-e', 'begin { $i = 0; while ($i < 1000000) { $i++; } printf("%d\\n", $i); exit(); }'], { encoding: 'utf8' });
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), '1000000');
});

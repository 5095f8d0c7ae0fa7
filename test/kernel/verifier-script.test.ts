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

test('-v prints each loaded program, disassembled, with the verifier\'s statistics', { skip: kernelUnavailable() ?? false }, () => {
  const r = spawnSync(process.execPath, [bin, '-v', '-e', 'begin { printf("%d\\n", 41 + 1); exit(); }'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '42');
  const m = /^Program (\S+) \(begin\), (\d+) instructions:\n((?: {2}\d+: \([0-9a-f]{2}\) .*\n)+)The verifier log:\n(processed (\d+) insns.*)$/m.exec(r.stderr);
  assert.ok(m, `no program listing in:\n${r.stderr}`);
  assert.equal(m[3]!.trimEnd().split('\n').length, Number(m[2]), 'one line per instruction');
  assert.match(m[3]!, /call bpf_ringbuf_output#130/, 'the printf record goes to the ring buffer');
  assert.ok(Number(m[5]) > 0);
  // Without -v, none of it.
  const quiet = spawnSync(process.execPath, [bin, '-e', 'begin { exit(); }'], { encoding: 'utf8' });
  assert.ok(!quiet.stderr.includes('Program '), quiet.stderr);
});

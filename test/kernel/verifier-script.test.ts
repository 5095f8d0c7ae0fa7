// A verifier rejection of a compiled script names the statement of the script it is about.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kernelUnavailable } from '../helpers/kernel.js';

const bin = join(fileURLToPath(new URL('../../../', import.meta.url)), 'bin/siesta.js');

test('an unbounded loop is refused and the statement is quoted', { skip: kernelUnavailable() ?? false }, () => {
  const r = spawnSync(process.execPath, [bin, '-e', 'begin { $i = 0; printf("start\\n"); while ($i < 10000000) { $i++; } exit(); }'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr.split('\n').slice(0, 3).join('\n'),
    "stdin:1:36: the kernel's verifier rejected the code of this statement (probe begin)\n" +
    'begin { $i = 0; printf("start\\n"); while ($i < 10000000) { $i++; } exit(); }\n' +
    '                                   ^');
  assert.match(r.stderr, /rejected by the verifier at instruction \d+: BPF program is too large/);
  assert.match(r.stderr, /run with -v for the full verifier log/);
  assert.ok(!r.stdout.includes('start'), 'nothing ran');
});

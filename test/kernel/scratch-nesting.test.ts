// Per-CPU scratch under nesting (src/codegen/scratch-slots.ts): a tracepoint probe keeps a string in scratch
// and calls signal(); bpf_send_signal generates the signal synchronously, so a rawtracepoint (tp_btf) probe on
// signal_generate runs inside the first probe's run, on the same CPU, and fills its own scratch. With one
// buffer per CPU the outer probe then printed the inner probe's string; each run must keep its own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { programSupport } from '../../src/kernel/features.js';
import { kernelUnavailable } from '../helpers/kernel.js';
import { fixtureBinary, SIESTA_BIN } from '../helpers/fixtures.js';

const bin = SIESTA_BIN;
const N = 200;
const fx = fixtureBinary('getppid-loop.c', 'siesta-getppid');

function missing(): string | null {
  const k = kernelUnavailable();
  if (k) return k;
  const s = programSupport('tp_btf');
  return s.ok ? null : `tp_btf programs do not load here: ${s.reason}`;
}

const OUTER = 'outer-value-that-must-survive-the-nested-probe';
const INNER = 'inner-value-written-while-the-outer-one-is-live';
// SIGCHLD is ignored by default: the process carries on, and signal_generate still fires (result "ignored").
const SCRIPT = `
tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { $s = "${OUTER}"; @depth = 1; signal("SIGCHLD"); @depth = 0; printf("O %s\\n", $s); }
rawtracepoint:signal_generate /pid == cpid/ { $t = "${INNER}"; printf("I %s %d\\n", $t, @depth); }
END { clear(@depth); }`;

test('a probe that fires inside another probe on the same CPU does not overwrite its scratch', { skip: missing() ?? false }, (t) => {
  if (fx.missing) return t.skip(fx.missing);
  const r = spawnSync(process.execPath, [bin, '-e', SCRIPT, '-c', `${fx.path} ${N}`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => /^[OI] /.test(l));
  const outer = lines.filter((l) => l.startsWith('O '));
  const nested = lines.filter((l) => l === `I ${INNER} 1`);
  assert.equal(outer.length, N, r.stdout.slice(0, 2000));
  // The inner probe really ran inside the outer one (the map flag was set only during signal()) for each call.
  assert.equal(nested.length, N, 'every signal_generate ran nested in the getppid probe');
  assert.deepEqual(outer.filter((l) => l !== `O ${OUTER}`), [], 'the outer probe printed what the nested one wrote');
  assert.doesNotMatch(r.stderr, /Lost/);
});

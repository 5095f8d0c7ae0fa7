// A program the verifier rejects becomes a VerifierError whose summary names the verifier's reason.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, exit, ldx, link, mov64Imm, mov64Reg, R0, R1, R2 } from '../../src/asm/index.js';
import { loadProgram, VerifierError } from '../../src/index.js';
import { assertNoLeaks, kernelUnavailable, objectBaseline } from '../helpers/kernel.js';

const skip = kernelUnavailable() ?? false;
let base: ReturnType<typeof objectBaseline>;
before(() => {
  if (!skip) base = objectBaseline();
});
after(async () => {
  if (!skip) await assertNoLeaks(base);
});

function rejection(code: Parameters<typeof link>[0], sleepable = false): VerifierError {
  try {
    loadProgram({ name: 'bad', kind: 'tracepoint', code: link(code, 'bad'), sleepable }).close();
  } catch (e) {
    if (e instanceof VerifierError) return e;
    throw e;
  }
  assert.fail('the program was accepted');
}

test('reading an unset register', { skip }, () => {
  const e = rejection([mov64Reg(R0, R2), exit()]);
  assert.equal(e.reason, 'R2 !read_ok');
  assert.equal(e.summary, "program 'bad' rejected by the verifier at instruction 0: R2 !read_ok (a register was read before anything was written to it)");
  assert.match(e.log, /^0: \(bf\) r0 = r2$/m, 'the full log is kept');
});

test('dereferencing a scalar', { skip }, () => {
  const e = rejection([mov64Imm(R1, 5), ldx(8, R0, R1, 0), exit()]);
  assert.match(e.summary, /at instruction 1: R1 invalid mem access 'scalar' \(a plain number was dereferenced as if it were a pointer\)$/);
});

test('a sleeping helper in an atomic program', { skip }, () => {
  // bpf_copy_from_user(dst, size, src) from a plain tracepoint program.
  const e = rejection([mov64Reg(R1, R1), mov64Imm(R2, 0), call('copy_from_user'), mov64Imm(R0, 0), exit()]);
  assert.match(e.summary, /helper call might sleep in a non-sleepable prog|unknown func|program of this type/);
});

test('a sleepable tracepoint program on a kernel that refuses them', { skip }, (t) => {
  let e: VerifierError;
  try {
    loadProgram({ name: 'sleepy', kind: 'tracepoint', code: link([mov64Imm(R0, 0), exit()], 'sleepy'), sleepable: true }).close();
    t.skip('this kernel loads sleepable tracepoint programs');
    return;
  } catch (err) {
    assert.ok(err instanceof VerifierError);
    e = err;
  }
  assert.match(e.summary, /can be sleepable/);
});

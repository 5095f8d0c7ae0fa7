import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CliError } from '../../src/cli/errors.js';
import { checkPidExists, parsePid } from '../../src/cli/options.js';

function errorOf(f: () => unknown): CliError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof CliError);
    return e;
  }
  assert.fail('no error');
}

describe('-p as bpftrace checks it', () => {
  it('takes decimal pids in [1, 4194304]', () => {
    assert.equal(parsePid('1'), 1);
    assert.equal(parsePid('4194304'), 4194304);
  });
  it('refuses anything but decimal digits, with bpftrace\'s words', () => {
    for (const bad of ['a1111', '111a1', 'not_a_pid', '-5', '0x10', '', ' 12']) {
      const e = errorOf(() => parsePid(bad));
      assert.equal(e.message, `Failed to parse pid: pid '${bad}' is not a valid decimal number`);
      assert.equal(e.style, 'bpftrace');
    }
  });
  it('refuses pids outside the kernel\'s range', () => {
    for (const bad of ['0', '4194305', '5000000']) {
      assert.equal(errorOf(() => parsePid(bad)).message, `Failed to parse pid: pid '${bad}' out of valid pid range [1,4194304]`);
    }
  });
  it('checks the process exists', () => {
    const proc = mkdtempSync(join(tmpdir(), 'siesta-proc-'));
    mkdirSync(join(proc, '42'));
    checkPidExists(42, proc);
    assert.equal(errorOf(() => checkPidExists(43, proc)).message, 'No such process: 43');
  });
});

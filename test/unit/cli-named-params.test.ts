/**
 * getopt() and bpftrace's named program parameters without a kernel: splitting `--name[=value]` out of the
 * command line, the value each getopt() form takes, and the diagnostics of compile (fake machine).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { splitNamedParams } from '../../src/cli/options.js';
import { compile } from '../../src/codegen/index.js';
import { renderDiagnostics } from '../../src/lang/index.js';
import { fakeKernelInfo } from '../helpers/fake-kernel-info.js';

const kernel = fakeKernelInfo();
const known = new Set(['verbose', 'reads']);
const withValue = new Set(['-e', '--reads']);

describe('named parameters on the command line', () => {
  it('come out wherever they are, before or after --, and keep siesta options and -e programs', () => {
    const { rest, named } = splitNamedParams(['-e', '--x=1', '--aa=20', 'pos1', '--reads', 'exact', '--verbose', '--', 'pos2', '--cc'], known, withValue);
    assert.deepEqual(rest, ['-e', '--x=1', 'pos1', '--reads', 'exact', '--verbose', '--', 'pos2']);
    assert.deepEqual([...named], [['aa', '20'], ['cc', 'true']]);
  });
  it('leave dashed and short options to the option parser', () => {
    assert.deepEqual(splitNamedParams(['--dry-run', '-q', '--no-marks'], known, withValue).named.size, 0);
  });
});

describe('getopt()', () => {
  const run = (src: string, named: Record<string, string>) => {
    const r = compile(src, kernel, { named: new Map(Object.entries(named)) });
    return r.ok ? 'ok' : renderDiagnostics(r.diagnostics.all);
  };
  it('a parameter no getopt() reads is an error naming it', () => {
    assert.equal(run('begin { exit(); }', { aa: '20', bb: '1' }), 'ERROR: Unexpected command line options: aa, bb\n');
  });
  it('compiles the value types bpftrace gives (integer, string, flag)', () => {
    assert.equal(run('begin { print((getopt("a", 10), getopt("b", "x"), getopt("c"), getopt("d", 1))); }', { a: '-3', b: 'hi', c: 'yes', d: 'False' }), 'ok');
  });
  it('values that do not fit the default are errors on the call', () => {
    assert.equal(
      run('begin { $x = getopt("n", 5); }', { n: 'many' }),
      "stdin:1:14-28: ERROR: Command line option 'n' is expecting an integer. Got: many\nbegin { $x = getopt(\"n\", 5); }\n             ~~~~~~~~~~~~~~\n",
    );
    assert.match(run('begin { $x = getopt($1); }', {}), /ERROR: First argument to 'getopt' must be a string literal\./);
    assert.match(run('begin { $x = getopt("a", comm); }', {}), /ERROR: Second argument to 'getopt' must be a string or integer literal\./);
  });
});

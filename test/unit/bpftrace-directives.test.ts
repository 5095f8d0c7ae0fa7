// The reader of bpftrace's runtime-test directive format used by scripts/bpftrace-compat.mjs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkExpectation, parseDirectives } from '../helpers/bpftrace-directives.js';

test('blocks separated by blank lines, comments skipped, continuation lines joined', () => {
  const text = [
    '# a comment',
    'NAME first',
    'PROG begin { @x = 1 }',
    '     end { exit() }',
    'EXPECT @x:',
    '       [1] 1',
    'TIMEOUT 2',
    'ENV A=1 B=2',
    'REQUIRES_FEATURE btf !dwarf',
    'ARCH x86_64|aarch64',
    '',
    'NAME second',
    'RUN {{BPFTRACE}} -e x',
    'RETURN_CODE 3',
    'WILL_FAIL',
    '',
  ].join('\n');
  const { cases, errors } = parseDirectives(text, 'suite');
  assert.deepEqual(errors, []);
  assert.equal(cases.length, 2);
  const [a, b] = cases as [NonNullable<(typeof cases)[0]>, NonNullable<(typeof cases)[0]>];
  assert.equal(a.prog, 'begin { @x = 1 }\nend { exit() }');
  assert.deepEqual(a.expects, [{ mode: 'text', text: '@x:\n[1] 1' }]);
  assert.equal(a.timeout, 2);
  assert.deepEqual(a.env, { A: '1', B: '2' });
  assert.deepEqual([a.features, a.negFeatures, a.arch], [['btf'], ['dwarf'], ['x86_64', 'aarch64']]);
  assert.equal(a.line, 2);
  assert.equal(b.run, '{{BPFTRACE}} -e x');
  assert.equal(b.returnCode, 3);
  assert.equal(b.willFail, true);
});

test('malformed blocks are reported with their line and do not stop the file', () => {
  const { cases, errors } = parseDirectives('NAME a\nPROG x\nBOGUS 1\nEXPECT y\n\nNAME b\nEXPECT z\n\nNAME c\nPROG p\nEXPECT q\n', 'f');
  assert.deepEqual(cases.map((c) => c.name), ['c']);
  assert.deepEqual(errors, [
    { suite: 'f', line: 3, message: "unknown directive 'BOGUS'" },
    { suite: 'f', line: 6, message: "test 'b' needs RUN or PROG" },
  ]);
});

test('EXPECT matches whole lines ignoring leading blanks; regexes search multi-line output', () => {
  const out = 'Attached 1 probe\n  @a[1]: 2\nx (1, 2)\n';
  assert.equal(checkExpectation({ mode: 'text', text: '@a[1]: 2' }, out), true);
  assert.equal(checkExpectation({ mode: 'text', text: '(1, 2)' }, out), false, 'not a whole line');
  assert.equal(checkExpectation({ mode: 'text_none', text: '@a[1]: 2' }, out), false);
  assert.equal(checkExpectation({ mode: 'regex', text: '^Attached \\d probe$' }, out), true);
  assert.equal(checkExpectation({ mode: 'regex_none', text: 'WARNING' }, out), true);
  assert.equal(checkExpectation({ mode: 'regex', text: '{ .n = 0x[0-9a-f]+ }' }, '{ .n = 0x1f }'), true, 'literal braces as in Python');
  assert.equal(checkExpectation({ mode: 'regex', text: 'a(?s:.*)b' }, 'a\n\nb'), true);
});

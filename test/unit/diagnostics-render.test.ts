/**
 * What a user sees when a script is wrong: compile() against the fake machine, then the full rendered text
 * of every diagnostic, compared whole (message, location, quoted line, underline and hints), the way
 * bpftrace's semantic_analyser tests compare theirs. Wording and locations follow bpftrace 0.26.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compile } from '../../src/codegen/index.js';
import { fakeKernelInfo } from '../helpers/fake-kernel-info.js';

const BASH = { path: '/usr/bin/bash', names: ['bash', '/bin/bash'], symbols: { readline: 0x1000n, readline_internal: 0x1100n, rl_set_prompt: 0x2000n } };
const kernel = fakeKernelInfo({ binaries: [BASH] });

/** Compiles `script`, which must fail, and returns everything it reported, rendered. */
function errors(script: string, params: readonly string[] = []): string {
  const result = compile(script, kernel, { params });
  assert.equal(result.ok, false, 'the script compiles');
  return result.diagnostics.render();
}

/** Compiles `script`, which must succeed without any diagnostic. */
function clean(script: string): void {
  const result = compile(script, kernel);
  assert.equal(result.diagnostics.render(), '');
  assert.equal(result.ok, true);
}

describe('diagnostics: attach points', () => {
  it('a missing tracepoint names the nearest ones', () => {
    assert.equal(
      errors('tracepoint:syscalls:sys_enter_opnat { }'),
      'stdin:1:1-36: ERROR: No matches for tracepoint syscalls:sys_enter_opnat.\n' +
        'tracepoint:syscalls:sys_enter_opnat { }\n' +
        '~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n' +
        'HINT: did you mean one of: tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_openat2?\n',
    );
  });

  it('a misspelt category is matched as a whole name', () => {
    assert.equal(
      errors('tracepoint:sycalls:sys_enter_openat { }'),
      'stdin:1:1-36: ERROR: No matches for tracepoint sycalls:sys_enter_openat.\n' +
        'tracepoint:sycalls:sys_enter_openat { }\n' +
        '~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n' +
        'HINT: did you mean one of: tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_openat2?\n',
    );
  });

  it('points at the attach point that is wrong, not the whole probe', () => {
    assert.equal(
      errors('tracepoint:syscalls:sys_enter_openat,tracepoint:sched:sched_swtch { }'),
      'stdin:1:38-66: ERROR: No matches for tracepoint sched:sched_swtch.\n' +
        'tracepoint:syscalls:sys_enter_openat,tracepoint:sched:sched_swtch { }\n' +
        '                                     ~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n' +
        'HINT: did you mean tracepoint:sched:sched_switch?\n',
    );
  });

  it('an unknown probe type lists the supported ones', () => {
    assert.equal(
      errors('foo:bar { }'),
      'stdin:1:1-8: ERROR: Invalid probe type: foo\n' +
        'foo:bar { }\n' +
        '~~~~~~~\n' +
        'HINT: supported probe types: begin, end, interval (i), profile (p), rawtracepoint (rt), software (s), tracepoint (t), uprobe (u), uretprobe (ur)\n',
    );
  });

  it('a missing uprobe function names the nearest symbol', () => {
    assert.equal(
      errors('uprobe:/bin/bash:redline { }'),
      'stdin:1:1-25: ERROR: No matches for uprobe /bin/bash:redline.\n' +
        'uprobe:/bin/bash:redline { }\n' +
        '~~~~~~~~~~~~~~~~~~~~~~~~\n' +
        'HINT: did you mean uprobe:/bin/bash:readline?\n',
    );
  });

  it('a script without probes', () => {
    assert.equal(errors(''), 'ERROR: No probes to attach\n');
  });
});

describe('diagnostics: syntax', () => {
  it('an unterminated string underlines the rest of the line, without a cascade of syntax errors', () => {
    assert.equal(
      errors('begin { printf("abc); }'),
      'stdin:1:16-24: ERROR: unterminated string\n' + //
        'begin { printf("abc); }\n' +
        '               ~~~~~~~~\n',
    );
  });

  it('nesting too deep for the recursive passes is an error, not a stack overflow', () => {
    const deep = `begin { @x = ${'!'.repeat(600)}1; }`;
    assert.equal(
      errors(deep),
      'stdin:1:512-513: ERROR: the script is nested too deeply (more than 500 levels)\n' + //
        `${deep}\n` +
        `${' '.repeat(511)}~\n`,
    );
  });
});

describe('diagnostics: types', () => {
  it('a map assigned an integer, then a string', () => {
    assert.equal(
      errors('begin { @x = 1; @x = "s"; }'),
      "stdin:1:17-25: ERROR: Type mismatch for @x: trying to assign value of type 'string' when map already contains a value of type 'int64'\n" +
        'begin { @x = 1; @x = "s"; }\n' +
        '                ~~~~~~~~\n',
    );
  });

  it('a map assigned an integer, then an aggregation, points at the call', () => {
    assert.equal(
      errors('begin { @x = 1; @x = count(); }'),
      "stdin:1:22-29: ERROR: Type mismatch for @x: trying to assign value of type 'count_t' when map already contains a value of type 'int64'\n" +
        'begin { @x = 1; @x = count(); }\n' +
        '                     ~~~~~~~\n',
    );
  });

  it('a variable assigned an integer, then a string', () => {
    assert.equal(
      errors('begin { $x = 1; $x = "a"; }'),
      "stdin:1:17-25: ERROR: Type mismatch for $x: trying to assign value of type 'string' when variable already contains a value of type 'int64'\n" +
        'begin { $x = 1; $x = "a"; }\n' +
        '                ~~~~~~~~\n',
    );
  });

  it('tuples are spelt as bpftrace spells them', () => {
    assert.equal(
      errors('begin { @x = (1, 2); @x = (1, "a"); }'),
      "stdin:1:22-35: ERROR: Type mismatch for @x: trying to assign value of type '(int64,string)' when map already contains a value of type '(int64,int64)'\n" +
        'begin { @x = (1, 2); @x = (1, "a"); }\n' +
        '                     ~~~~~~~~~~~~~\n',
    );
  });

  it('comparing a string with an integer points at the operator, then each operand', () => {
    assert.equal(
      errors('begin { if (comm == 1) { } }'),
      "stdin:1:18-20: ERROR: Type mismatch for '==': comparing string with int64\n" +
        'begin { if (comm == 1) { } }\n' +
        '                 ~~\n' +
        'stdin:1:13-17: ERROR: left (string)\n' +
        'begin { if (comm == 1) { } }\n' +
        '            ~~~~\n' +
        'stdin:1:21-22: ERROR: right (int64)\n' +
        'begin { if (comm == 1) { } }\n' +
        '                    ~\n',
    );
  });

  it('ternary branches of different types', () => {
    assert.equal(
      errors('begin { @x = pid < 10000 ? 1 : "high" }'),
      "stdin:1:14-38: ERROR: Branches must return the same type: have 'int64' and 'string'\n" +
        'begin { @x = pid < 10000 ? 1 : "high" }\n' +
        '             ~~~~~~~~~~~~~~~~~~~~~~~~\n',
    );
  });

  it('a predicate that is not a condition', () => {
    assert.equal(
      errors('begin / @m / { @m = "str" }'),
      'stdin:1:9-11: ERROR: Invalid condition: string\n' + //
        'begin / @m / { @m = "str" }\n' +
        '        ~~\n',
    );
  });

  it('map keys of another type, and a key where there was none', () => {
    assert.equal(
      errors('begin { @x[1, 2] = 0; @x[3]; @y = 0; @y[1]; @z[1] = 0; @z; }'),
      "stdin:1:26-27: ERROR: Argument mismatch for @x: trying to access with arguments: 'int64' when map expects arguments: '(int64,int64)'\n" +
        'begin { @x[1, 2] = 0; @x[3]; @y = 0; @y[1]; @z[1] = 0; @z; }\n' +
        '                         ~\n' +
        'stdin:1:38-43: ERROR: @y used as a map with an explicit key (non-scalar map), previously used without an explicit key (scalar map)\n' +
        'begin { @x[1, 2] = 0; @x[3]; @y = 0; @y[1]; @z[1] = 0; @z; }\n' +
        '                                     ~~~~~\n' +
        'stdin:1:56-58: ERROR: @z used as a map without an explicit key (scalar map), previously used with an explicit key (non-scalar map)\n' +
        'begin { @x[1, 2] = 0; @x[3]; @y = 0; @y[1]; @z[1] = 0; @z; }\n' +
        '                                                       ~~\n',
    );
  });

  it('a keyed map named whole is fine where a whole map is expected', () => {
    clean('begin { @x[1] = 1; print(@x); clear(@x); zero(@x); @y[1] = 1; delete(@y, 1); if (has_key(@y, 1)) { } @z = 1; @z; }');
  });

  it('copying an aggregation from map to map', () => {
    assert.equal(
      errors('begin { @y = count(); @x = @y; }'),
      "stdin:1:23-30: ERROR: Map value 'count_t' cannot be assigned from one map to another. The function that returns this type must be called directly e.g. `@x = count();`.\n" +
        'begin { @y = count(); @x = @y; }\n' +
        '                      ~~~~~~~\n' +
        'HINT: Add a cast to integer if you want the value of the aggregate, e.g. `@x = (int64)@y;`.\n',
    );
  });

  it('arithmetic assignment to an aggregation', () => {
    assert.equal(
      errors('begin { @ = count(); @ += 5 }'),
      "stdin:1:22-28: ERROR: Type mismatch for @: trying to assign value of type 'uint64' when map already contains a value of type 'count_t'\n" +
        'begin { @ = count(); @ += 5 }\n' +
        '                     ~~~~~~\n',
    );
  });

  it('indexing a string past its terminating NUL', () => {
    assert.equal(
      errors('begin { $x = "foo"; printf("%c", $x[4]); }'),
      'stdin:1:34-39: ERROR: the index 4 is out of bounds for array of size 4\n' + //
        'begin { $x = "foo"; printf("%c", $x[4]); }\n' +
        '                                 ~~~~~\n',
    );
  });

  it('++ on a string', () => {
    assert.equal(
      errors('begin { $s = "a"; $s++; }'),
      "stdin:1:19-23: ERROR: The ++ operator can not be used on expressions of type 'string'\n" + //
        'begin { $s = "a"; $s++; }\n' +
        '                  ~~~~\n',
    );
  });
});

describe('diagnostics: names', () => {
  it('an undefined variable', () => {
    assert.equal(
      errors('begin { printf("%d\\n", $y); }'),
      'stdin:1:24-26: ERROR: Undefined or undeclared variable: $y\n' + //
        'begin { printf("%d\\n", $y); }\n' +
        '                       ~~\n',
    );
  });

  it('an undefined variable updated with ++ points at the variable', () => {
    assert.equal(
      errors('begin { $z++; }'),
      'stdin:1:9-11: ERROR: Undefined or undeclared variable: $z\n' + //
        'begin { $z++; }\n' +
        '        ~~\n',
    );
  });

  it('an unknown function', () => {
    assert.equal(
      errors('begin { foo(1); }'),
      "stdin:1:9-15: ERROR: Unknown function: 'foo'\n" + //
        'begin { foo(1); }\n' +
        '        ~~~~~~\n',
    );
  });

  it('an unknown identifier', () => {
    assert.equal(
      errors('begin { @y = nosuch; }'),
      "stdin:1:14-20: ERROR: Unknown identifier: 'nosuch'\n" + //
        'begin { @y = nosuch; }\n' +
        '             ~~~~~~\n',
    );
  });

  it('a loop variable that shadows a variable; a scalar map in a for loop', () => {
    assert.equal(
      errors('begin { $j = 1; for ($j : 0..2) { } @m = 1; for ($kv : @m) { } }'),
      'stdin:1:22-24: ERROR: Loop declaration shadows existing variable: $j\n' +
        'begin { $j = 1; for ($j : 0..2) { } @m = 1; for ($kv : @m) { } }\n' +
        '                     ~~\n' +
        'stdin:1:56-58: ERROR: @m has no explicit keys (scalar map), and cannot be used for iteration\n' +
        'begin { $j = 1; for ($j : 0..2) { } @m = 1; for ($kv : @m) { } }\n' +
        '                                                       ~~\n',
    );
  });

  it('two loops may reuse their variable', () => {
    clean('begin { for ($i : 0..3) { printf("%d\\n", $i); } for ($i : 0..2) { printf("%d\\n", $i); } }');
  });
});

describe('diagnostics: builtin calls', () => {
  it('printf with too few arguments', () => {
    assert.equal(
      errors('begin { printf("%d %s\\n", 1); }'),
      'stdin:1:9-29: ERROR: printf: not enough arguments for format string (1 supplied, 2 expected)\n' +
        'begin { printf("%d %s\\n", 1); }\n' +
        '        ~~~~~~~~~~~~~~~~~~~~\n',
    );
  });

  it('printf with too many arguments', () => {
    assert.equal(
      errors('begin { printf("%d\\n", 1, 2); }'),
      'stdin:1:9-29: ERROR: printf: too many arguments for format string (2 supplied, 1 expected)\n' +
        'begin { printf("%d\\n", 1, 2); }\n' +
        '        ~~~~~~~~~~~~~~~~~~~~\n',
    );
  });

  it('printf %d of a string', () => {
    assert.equal(
      errors('begin { printf("%d\\n", "a"); }'),
      "stdin:1:9-28: ERROR: printf: unsupported format specifier for type 'string': d\n" +
        'begin { printf("%d\\n", "a"); }\n' +
        '        ~~~~~~~~~~~~~~~~~~~\n',
    );
  });

  it('lhist() and hist() bounds', () => {
    const script = 'begin { @a = lhist(1, 0, 10, 0); @b = lhist(1, -1, 10, 1); @c = hist(1, 6); @d = lhist(1, 10, 5, 1); }';
    assert.equal(
      errors(script),
      'stdin:1:14-32: ERROR: lhist() step must be >= 1 (0 provided)\n' +
        `${script}\n` +
        '             ~~~~~~~~~~~~~~~~~~\n' +
        'stdin:1:39-58: ERROR: lhist: invalid min value (must be non-negative literal)\n' +
        `${script}\n` +
        '                                      ~~~~~~~~~~~~~~~~~~~\n' +
        'stdin:1:65-75: ERROR: hist: bits 6 must be 0..5\n' +
        `${script}\n` +
        '                                                                ~~~~~~~~~~\n' +
        'stdin:1:82-100: ERROR: lhist() min must be less than max (provided min 10 and max 5)\n' +
        `${script}\n` +
        '                                                                                 ~~~~~~~~~~~~~~~~~~\n' +
        'stdin:1:82-100: ERROR: lhist() step is too large for the given range (provided step 1 for range -5)\n' +
        `${script}\n` +
        '                                                                                 ~~~~~~~~~~~~~~~~~~\n',
    );
  });

  it('lhist() bounds may be numeric positional parameters', () => {
    const result = compile('begin { @a = lhist(5, $1, $2, $3); }', kernel, { params: ['0', '100', '10'] });
    assert.equal(result.diagnostics.render(), '');
  });

  it('builtins of other probe types', () => {
    assert.equal(
      errors('interval:s:1 { printf("%d\\n", args.x); } begin { printf("%d\\n", retval); }'),
      'stdin:1:31-35: ERROR: The args builtin can only be used with tracepoint and rawtracepoint probes (interval used here)\n' +
        'interval:s:1 { printf("%d\\n", args.x); } begin { printf("%d\\n", retval); }\n' +
        '                              ~~~~\n' +
        "stdin:1:65-71: ERROR: The retval builtin can only be used with 'uretprobe' probes (begin used here)\n" +
        'interval:s:1 { printf("%d\\n", args.x); } begin { printf("%d\\n", retval); }\n' +
        '                                                                ~~~~~~\n',
    );
  });
});

describe('diagnostics: a script with several errors reports them all', () => {
  it('every type error, across probes, in source order', () => {
    assert.equal(
      errors('begin { $x = 1; $x = "a"; @y = nosuch; foo(); printf("%s %d\\n", 1); }\nend { if (comm == 1) { } $z++; }'),
      "stdin:1:17-25: ERROR: Type mismatch for $x: trying to assign value of type 'string' when variable already contains a value of type 'int64'\n" +
        'begin { $x = 1; $x = "a"; @y = nosuch; foo(); printf("%s %d\\n", 1); }\n' +
        '                ~~~~~~~~\n' +
        "stdin:1:32-38: ERROR: Unknown identifier: 'nosuch'\n" +
        'begin { $x = 1; $x = "a"; @y = nosuch; foo(); printf("%s %d\\n", 1); }\n' +
        '                               ~~~~~~\n' +
        "stdin:1:40-45: ERROR: Unknown function: 'foo'\n" +
        'begin { $x = 1; $x = "a"; @y = nosuch; foo(); printf("%s %d\\n", 1); }\n' +
        '                                       ~~~~~\n' +
        'stdin:1:47-67: ERROR: printf: not enough arguments for format string (1 supplied, 2 expected)\n' +
        'begin { $x = 1; $x = "a"; @y = nosuch; foo(); printf("%s %d\\n", 1); }\n' +
        '                                              ~~~~~~~~~~~~~~~~~~~~\n' +
        "stdin:2:16-18: ERROR: Type mismatch for '==': comparing string with int64\n" +
        'end { if (comm == 1) { } $z++; }\n' +
        '               ~~\n' +
        'stdin:2:11-15: ERROR: left (string)\n' +
        'end { if (comm == 1) { } $z++; }\n' +
        '          ~~~~\n' +
        'stdin:2:19-20: ERROR: right (int64)\n' +
        'end { if (comm == 1) { } $z++; }\n' +
        '                  ~\n' +
        'stdin:2:26-28: ERROR: Undefined or undeclared variable: $z\n' +
        'end { if (comm == 1) { } $z++; }\n' +
        '                         ~~\n',
    );
  });

  it('every attach point that does not resolve', () => {
    assert.equal(
      errors('tracepoint:syscalls:sys_enter_opnat { }\ntracepoint:sched:sched_swtch { }\nfoo:bar { }'),
      'stdin:1:1-36: ERROR: No matches for tracepoint syscalls:sys_enter_opnat.\n' +
        'tracepoint:syscalls:sys_enter_opnat { }\n' +
        '~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n' +
        'HINT: did you mean one of: tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_openat2?\n' +
        'stdin:2:1-29: ERROR: No matches for tracepoint sched:sched_swtch.\n' +
        'tracepoint:sched:sched_swtch { }\n' +
        '~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n' +
        'HINT: did you mean tracepoint:sched:sched_switch?\n' +
        'stdin:3:1-8: ERROR: Invalid probe type: foo\n' +
        'foo:bar { }\n' +
        '~~~~~~~\n' +
        'HINT: supported probe types: begin, end, interval (i), profile (p), rawtracepoint (rt), software (s), tracepoint (t), uprobe (u), uretprobe (ur)\n',
    );
  });

  it('every syntax error', () => {
    assert.equal(
      errors('begin { $x = ; }\nend { @y = 1 +; }'),
      'stdin:1:14-15: ERROR: syntax error, unexpected ;\n' +
        'begin { $x = ; }\n' +
        '             ~\n' +
        'stdin:2:15-16: ERROR: syntax error, unexpected ;\n' +
        'end { @y = 1 +; }\n' +
        '              ~\n',
    );
  });
});

// The high-level API's edge: trace() validates its arguments before touching the kernel, naming the option at
// fault, and a script that does not parse rejects with a ScriptError. Nothing here loads a program: every call
// either fails validation or stops at a syntax error, which the parser reports before any kernel access.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScriptError, trace, type TraceOptions } from '../../src/index.js';

/** A script that never reaches the kernel: parsing fails at line 1, column 20. */
const UNPARSABLE = 'begin { printf("x" }';

/** Asserts that `trace(source, options)` rejects with `type` and exactly `message`. */
async function rejectsWith(source: unknown, options: unknown, type: typeof TypeError | typeof RangeError, message: string): Promise<void> {
  await assert.rejects(trace(source as string, options as TraceOptions), (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    assert.equal(e.constructor, type);
    assert.equal(e.message, message);
    return true;
  });
}

describe('trace() option validation', () => {
  it('needs the source as a string', async () => {
    await rejectsWith(undefined, undefined, TypeError, 'trace(): source must be a string (the script), got undefined');
    await rejectsWith(Buffer.from('begin {}'), undefined, TypeError, 'trace(): source must be a string (the script), got an object (Uint8Array)');
  });

  it('needs options to be an object', async () => {
    await rejectsWith(UNPARSABLE, null, TypeError, 'trace(): options must be an object, got null');
    await rejectsWith(UNPARSABLE, ['1'], TypeError, 'trace(): options must be an object, got an array');
    await rejectsWith(UNPARSABLE, 5, TypeError, 'trace(): options must be an object, got number 5');
  });

  it('rejects unknown options, so a misspelt one is not silently ignored', async () => {
    await rejectsWith(UNPARSABLE, { pids: 1 }, TypeError, "trace(): unknown option 'pids' (known: command, file, helperErrors, marks, named, params, pid, reads, signal)");
  });

  it('checks params element by element', async () => {
    await rejectsWith(UNPARSABLE, { params: 'a b' }, TypeError, 'trace(): options.params must be an array of strings, got the string "a b"');
    await rejectsWith(UNPARSABLE, { params: ['a', 2] }, TypeError, 'trace(): options.params[1] must be a string, got number 2');
    await rejectsWith(UNPARSABLE, { params: ['a', 2n] }, TypeError, 'trace(): options.params[1] must be a string, got bigint 2n');
  });

  it('checks pid type and range', async () => {
    await rejectsWith(UNPARSABLE, { pid: '12' }, TypeError, 'trace(): options.pid must be a number, got the string "12"');
    for (const pid of [0, -1, 1.5, Number.NaN, Infinity, 4194305]) {
      await rejectsWith(UNPARSABLE, { pid }, RangeError, `trace(): options.pid must be an integer from 1 to 4194304, got ${pid}`);
    }
  });

  it('checks signal and file', async () => {
    await rejectsWith(UNPARSABLE, { signal: new AbortController() }, TypeError, 'trace(): options.signal must be an AbortSignal, got an AbortController (pass its .signal)');
    await rejectsWith(UNPARSABLE, { signal: {} }, TypeError, 'trace(): options.signal must be an AbortSignal, got an object (Object)');
    await rejectsWith(UNPARSABLE, { file: 3 }, TypeError, 'trace(): options.file must be a string, got number 3');
    await rejectsWith(UNPARSABLE, { file: '' }, RangeError, 'trace(): options.file must be a non-empty name on one line, got ""');
    await rejectsWith(UNPARSABLE, { file: 'a\nb' }, RangeError, 'trace(): options.file must be a non-empty name on one line, got "a\\nb"');
  });

  it('checks the reliable-read options', async () => {
    await rejectsWith(UNPARSABLE, { reads: 1 }, TypeError, 'trace(): options.reads must be a string, got number 1');
    await rejectsWith(UNPARSABLE, { reads: 'strict' }, RangeError, `trace(): options.reads must be one of 'any', 'recovered', 'exact', got "strict"`);
    await rejectsWith(UNPARSABLE, { marks: 'no' }, TypeError, 'trace(): options.marks must be a boolean, got the string "no"');
  });

  it('checks helperErrors, as -k', async () => {
    await rejectsWith(UNPARSABLE, { helperErrors: 1 }, TypeError, 'trace(): options.helperErrors must be a boolean, got number 1');
  });

  it('checks command, as -c: a program to run, not with pid', async () => {
    await rejectsWith(UNPARSABLE, { command: 5 }, TypeError, 'trace(): options.command must be a string or an array of strings, got number 5');
    await rejectsWith(UNPARSABLE, { command: ['ls', 1] }, TypeError, 'trace(): options.command[1] must be a string, got number 1');
    await rejectsWith(UNPARSABLE, { command: '   ' }, RangeError, 'trace(): options.command must name a program, got "   "');
    await rejectsWith(UNPARSABLE, { command: [] }, RangeError, 'trace(): options.command must name a program, got []');
    await rejectsWith(UNPARSABLE, { command: ['ls', 'a\0b'] }, RangeError, 'trace(): options.command[1] must not contain a NUL byte');
    await rejectsWith(UNPARSABLE, { command: 'ls', pid: 1 }, TypeError, "trace(): options.command and options.pid cannot be given together: the command's pid is the traced process");
  });

  it('checks named getopt() parameters', async () => {
    await rejectsWith(UNPARSABLE, { named: new Map() }, TypeError, 'trace(): options.named must be an object of parameter names to values, got an object (Map)');
    await rejectsWith(UNPARSABLE, { named: ['a'] }, TypeError, 'trace(): options.named must be an object of parameter names to values, got an array');
    await rejectsWith(UNPARSABLE, { named: { '1x': 1 } }, RangeError, 'trace(): options.named: "1x" is not a parameter name (letters, digits and _, not starting with a digit)');
    await rejectsWith(UNPARSABLE, { named: { limit: 1.5 } }, RangeError, 'trace(): options.named.limit must be an integer (a safe integer, or a bigint), got 1.5');
    await rejectsWith(UNPARSABLE, { named: { limit: null } }, TypeError, 'trace(): options.named.limit must be a string, an integer or a boolean, got null');
  });

  it('accepts valid options and undefined values (then fails on the script, not on them)', async () => {
    const options: TraceOptions = { params: ['a'], pid: 1, signal: new AbortController().signal, file: 'x.bt', reads: 'exact', marks: false };
    await assert.rejects(trace(UNPARSABLE, options), ScriptError);
    // A command is only started once the script compiled: nothing runs here.
    const more: TraceOptions = { helperErrors: true, command: ['/bin/false'], named: { a: 'x', b: 2, c: 3n, d: true } };
    await assert.rejects(trace(UNPARSABLE, more), ScriptError);
    const absent = { pid: undefined, params: undefined, signal: undefined, file: undefined, reads: undefined, marks: undefined, helperErrors: undefined, command: undefined, named: undefined };
    await assert.rejects(trace(UNPARSABLE, absent), ScriptError);
    await assert.rejects(trace(UNPARSABLE, {}), ScriptError);
  });

  it('rejects with the reason of an already aborted signal, before compiling', async () => {
    await assert.rejects(trace(UNPARSABLE, { signal: AbortSignal.abort() }), { name: 'AbortError' });
    const reason = new Error('gave up');
    await assert.rejects(trace(UNPARSABLE, { signal: AbortSignal.abort(reason) }), (e) => e === reason);
  });
});

describe('ScriptError', () => {
  it('carries structured diagnostics in report order and the text the CLI prints (errors first)', async () => {
    const source = '#include <linux/sched.h>\nbegin { printf("x" }\n';
    const e = await trace(source, { file: 'bad.bt' }).then(() => assert.fail('compiled'), (err: unknown) => err);
    assert.ok(e instanceof ScriptError);
    assert.equal(e.name, 'ScriptError');
    assert.deepEqual(e.diagnostics, [
      {
        severity: 'warning', text: 'ignoring #include <linux/sched.h>: C headers are not processed',
        location: { file: 'bad.bt', line: 1, column: 1, lineText: '#include <linux/sched.h>', length: 24 },
        notes: ['kernel types come from BTF; declare other types in the script'],
      },
      {
        severity: 'error', text: 'syntax error, unexpected }, expecting , or )',
        location: { file: 'bad.bt', line: 2, column: 20, lineText: 'begin { printf("x" }', length: 1 },
        notes: [],
      },
    ]);
    assert.deepEqual(e.errors, [e.diagnostics[1]]);
    const rendered = [
      'bad.bt:2:20-21: ERROR: syntax error, unexpected }, expecting , or )',
      'begin { printf("x" }',
      '                   ~',
      'bad.bt:1:1-25: WARNING: ignoring #include <linux/sched.h>: C headers are not processed',
      '#include <linux/sched.h>',
      '~~~~~~~~~~~~~~~~~~~~~~~~',
      'HINT: kernel types come from BTF; declare other types in the script',
      '',
    ].join('\n');
    assert.equal(e.rendered, rendered);
    assert.equal(e.message, rendered.trimEnd());
  });

  it('names the script stdin by default, as the CLI does for -e', async () => {
    await assert.rejects(trace(UNPARSABLE), (e: unknown) => e instanceof ScriptError && e.diagnostics[0]?.location?.file === 'stdin');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Diagnostics, renderDiagnostic } from '../../src/lang/diagnostics.js';
import { parse } from '../../src/lang/parser.js';
import { formatLocation, SourceFile, spanLocations } from '../../src/lang/source.js';

/** Parses `text` and returns everything it reported, rendered. */
function errorsOf(text: string, file?: string): string {
  return parse(text, file).diagnostics.render();
}

describe('diagnostics: syntax errors render like bpftrace', () => {
  it('unterminated string', () => {
    assert.equal(
      errorsOf('kprobe:f { printf("abc); }'),
      'stdin:1:19-27: ERROR: unterminated string\n' + //
        'kprobe:f { printf("abc); }\n' +
        '                  ~~~~~~~~\n',
    );
  });

  it('still reports a later error after an unterminated string', () => {
    assert.equal(
      errorsOf('kprobe:f { $x = "abc\n; @y = 1 +; }'),
      'stdin:1:17-21: ERROR: unterminated string\n' +
        'kprobe:f { $x = "abc\n' +
        '                ~~~~\n' +
        'stdin:2:11-12: ERROR: syntax error, unexpected ;\n' +
        '; @y = 1 +; }\n' +
        '          ~\n',
    );
  });

  it('unexpected token', () => {
    assert.equal(
      errorsOf('kprobe:f { $x = 1 $y = 2; }'),
      'stdin:1:19-21: ERROR: syntax error, unexpected variable, expecting ; or }\n' +
        'kprobe:f { $x = 1 $y = 2; }\n' +
        '                  ~~\n',
    );
  });

  it('missing }', () => {
    assert.equal(
      errorsOf('BEGIN {\n  printf("hi\\n");\n'),
      'stdin:2:18-19: ERROR: syntax error, unexpected end of file, expecting }\n' +
        '  printf("hi\\n");\n' +
        '                 ~\n' +
        'HINT: the block opened at stdin:1:7 is not closed\n',
    );
  });

  it('missing { after the attach points', () => {
    assert.equal(
      errorsOf('kprobe:f'),
      'stdin:1:9-10: ERROR: syntax error, unexpected end of file, expecting {\n' + //
        'kprobe:f\n' +
        '        ~\n',
    );
  });

  it('bad integer literal', () => {
    assert.equal(
      errorsOf('kprobe:f { @x = 09; }', 'script.bt'),
      'script.bt:1:17-19: ERROR: invalid trailing bytes: 09\n' + //
        'kprobe:f { @x = 09; }\n' +
        '                ~~\n',
    );
  });

  it('reports two errors in one script', () => {
    assert.equal(
      errorsOf('kprobe:f { $x = ; }\nkprobe:g { @y = 1 +; @z = (1; }\nEND { }'),
      'stdin:1:17-18: ERROR: syntax error, unexpected ;\n' +
        'kprobe:f { $x = ; }\n' +
        '                ~\n' +
        'stdin:2:20-21: ERROR: syntax error, unexpected ;\n' +
        'kprobe:g { @y = 1 +; @z = (1; }\n' +
        '                   ~\n' +
        'stdin:2:29-30: ERROR: syntax error, unexpected ;, expecting )\n' +
        'kprobe:g { @y = 1 +; @z = (1; }\n' +
        '                            ~\n',
    );
    const { program } = parse('kprobe:f { $x = ; }\nkprobe:g { @y = 1 +; @z = 2; }\nEND { }');
    assert.deepEqual(
      program.probes.map((p) => p.body.stmts.length),
      [0, 1, 0],
    );
  });

  it('an error in one probe does not hide the next probe', () => {
    const { program, diagnostics } = parse('kprobe:f /pid == / { 1 }\nkprobe:g { 2 } }\nEND { 3 }');
    assert.equal(diagnostics.errors.length, 2);
    assert.deepEqual(
      program.probes.map((p) => p.attachPoints[0]?.raw),
      ['kprobe:g', 'END'],
    );
  });

  it('++ on something that is not a map or variable', () => {
    assert.equal(
      errorsOf('BEGIN { 1++; }'),
      'stdin:1:10-12: ERROR: The ++ operator must be applied to a map or variable\n' + //
        'BEGIN { 1++; }\n' +
        '         ~~\n',
    );
  });

  it('assignment to a tuple element', () => {
    assert.equal(
      errorsOf('BEGIN { $t = (1, 2); $t.0 = 3; }'),
      'stdin:1:22-26: ERROR: Tuples are immutable once created. Consider creating a new tuple and assigning it instead.\n' +
        'BEGIN { $t = (1, 2); $t.0 = 3; }\n' +
        '                     ~~~~\n',
    );
  });

  it('unterminated comment', () => {
    assert.equal(
      errorsOf('BEGIN { } /* never'),
      'stdin:1:11-13: ERROR: end of file during comment\n' + //
        'BEGIN { } /* never\n' +
        '          ~~\n',
    );
  });

  it('prints an #include warning after errors, with its hint', () => {
    assert.equal(
      errorsOf('#include <linux/sched.h>\nBEGIN { $x = 0x; }'),
      'stdin:2:14-16: ERROR: invalid integer: 0x\n' +
        'BEGIN { $x = 0x; }\n' +
        '             ~~\n' +
        'stdin:1:1-25: WARNING: ignoring #include <linux/sched.h>: C headers are not processed\n' +
        '#include <linux/sched.h>\n' +
        '~~~~~~~~~~~~~~~~~~~~~~~~\n' +
        'HINT: kernel types come from BTF; declare other types in the script\n',
    );
  });
});

describe('diagnostics: collector and renderer', () => {
  it('renders an error attached to a node by a later pass', () => {
    const { program, diagnostics } = parse('kprobe:f { printf("%d", nosuch); }');
    const stmt = program.probes[0]?.body.stmts[0];
    assert.ok(stmt?.kind === 'ExprStmt' && stmt.expr.kind === 'Call');
    if (stmt?.kind === 'ExprStmt' && stmt.expr.kind === 'Call') {
      const arg = stmt.expr.args[1];
      assert.ok(arg);
      if (arg) diagnostics.error(arg.loc, "Unknown identifier: 'nosuch'");
    }
    assert.equal(
      diagnostics.render(),
      "stdin:1:25-31: ERROR: Unknown identifier: 'nosuch'\n" + //
        'kprobe:f { printf("%d", nosuch); }\n' +
        '                        ~~~~~~\n',
    );
  });

  it('expands tabs to four spaces in the line and the underline', () => {
    const source = new SourceFile('t.bt', 'BEGIN {\n\t\t@x = nosuch;\n}');
    const diags = new Diagnostics(source);
    diags.error(source.location(15, 21), 'Unknown identifier');
    assert.equal(diags.render(), 't.bt:2:8-14: ERROR: Unknown identifier\n' + '        @x = nosuch;\n' + '             ~~~~~~\n');
  });

  it('quotes every line of a multi-line location, without an underline', () => {
    const source = new SourceFile('stdin', 'BEGIN {\n  1;\n}');
    const diags = new Diagnostics(source);
    diags.warning(source.location(0, source.text.length), 'probe does nothing');
    assert.equal(diags.render(), 'stdin:1-3: WARNING: probe does nothing\n' + 'BEGIN {\n' + '  1;\n' + '}\n');
  });

  it('renders a diagnostic without a location', () => {
    const diags = new Diagnostics();
    diags.error(null, 'No probes to attach', ['add a probe']);
    assert.equal(diags.render(), 'ERROR: No probes to attach\nHINT: add a probe\n');
  });

  it('can colour the labels', () => {
    const diags = new Diagnostics();
    const d = diags.warning(null, 'w');
    assert.equal(renderDiagnostic(d, { color: true }), '\x1b[33mWARNING:\x1b[0m w\n');
  });

  it('keeps structured data and drops exact duplicates', () => {
    const source = new SourceFile('stdin', 'BEGIN { x }');
    const diags = new Diagnostics(source);
    diags.error(source.location(8, 9), 'bad', ['why']);
    diags.error(source.location(8, 9), 'bad', ['why']);
    assert.deepEqual(diags.all, [
      {
        severity: 'error',
        text: 'bad',
        location: { file: 'stdin', line: 1, column: 9, lineText: 'BEGIN { x }', length: 1 },
        notes: ['why'],
      },
    ]);
    assert.equal(diags.hasErrors(), true);
    const other = new Diagnostics();
    other.merge(diags);
    assert.equal(other.errors.length, 1);
  });
});

describe('source files and locations', () => {
  it('maps offsets to lines and columns across \\n and \\r\\n', () => {
    const source = new SourceFile('s', 'ab\r\ncd\nef');
    assert.deepEqual(source.position(0), { line: 1, column: 1 });
    assert.deepEqual(source.position(4), { line: 2, column: 1 });
    assert.deepEqual(source.position(8), { line: 3, column: 2 });
    assert.equal(source.lineText(1), 'ab');
    assert.equal(source.lineText(2), 'cd');
    assert.equal(source.lineCount, 3);
  });

  it('formats and joins locations', () => {
    const a = { file: 'f', line: 1, column: 3, endLine: 1, endColumn: 5 };
    const b = { file: 'f', line: 2, column: 1, endLine: 2, endColumn: 4 };
    assert.equal(formatLocation(a), 'f:1:3-5');
    assert.equal(formatLocation(spanLocations(b, a)), 'f:1-2');
    assert.deepEqual(spanLocations(a, b), { file: 'f', line: 1, column: 3, endLine: 2, endColumn: 4 });
  });
});

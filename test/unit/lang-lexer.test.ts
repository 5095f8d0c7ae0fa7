import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Diagnostics } from '../../src/lang/diagnostics.js';
import { parseIntLiteral } from '../../src/lang/int-literal.js';
import { Lexer, tokenize } from '../../src/lang/lexer.js';
import { SourceFile } from '../../src/lang/source.js';
import type { Token } from '../../src/lang/tokens.js';

function lex(text: string): { tokens: Token[]; diags: Diagnostics } {
  const source = new SourceFile('stdin', text);
  const diags = new Diagnostics(source);
  return { tokens: tokenize(source, diags), diags };
}

/** `kind:text` for each token, without the final eof. */
function shapes(text: string): string[] {
  const { tokens, diags } = lex(text);
  assert.equal(diags.render(), '');
  return tokens.slice(0, -1).map((t) => (t.kind === t.text ? t.kind : `${t.kind}:${t.text}`));
}

function attachPoints(text: string): string[] {
  const source = new SourceFile('stdin', text);
  const lexer = new Lexer(source, new Diagnostics(source));
  const found: string[] = [];
  for (;;) {
    const ap = lexer.nextAttachPoint();
    if (!ap) break;
    found.push(ap.text);
    const sep = lexer.next();
    if (sep.kind !== ',') break;
  }
  return found;
}

describe('lexer: tokens', () => {
  it('lexes identifiers, builtins, keywords, variables, parameters and maps', () => {
    assert.deepEqual(shapes('foo pid comm arg0 args if let $x $1 $12 $# @m @ _x'), [
      'ident:foo',
      'builtin:pid',
      'builtin:comm',
      'builtin:arg0',
      'builtin:args',
      'if',
      'let',
      'variable:$x',
      'param:$1',
      'param:$12',
      'param_count:$#',
      'map:@m',
      'map:@',
      'ident:_x',
    ]);
  });

  it('lexes every operator greedily', () => {
    const ops = '== != <= >= && || ! ~ << >> += -= *= /= %= &= |= ^= <<= >>= ++ -- -> . ? : , ; .. = < > + - * % & | ^ [ ] ( ) { }';
    assert.deepEqual(shapes(ops), ops.split(' '));
  });

  it('splits ranges and tuple indexes around integers', () => {
    assert.deepEqual(shapes('0..10 $t.0.1'), ['int:0', '..', 'int:10', 'variable:$t', '.', 'int:0', '.', 'int:1']);
  });

  it('skips // and /* */ comments and a #! line', () => {
    assert.deepEqual(shapes('#!/usr/bin/env bpftrace\n// c\n1 /* a\nb */ 2 // end'), ['int:1', 'int:2']);
  });

  it('keeps token offsets', () => {
    const { tokens } = lex('  @x = 1');
    assert.deepEqual(
      tokens.map((t) => [t.start, t.end]),
      [
        [2, 4],
        [5, 6],
        [7, 8],
        [8, 8],
      ],
    );
  });

  it('reports an invalid character and goes on', () => {
    const { tokens, diags } = lex('1 # 2');
    assert.deepEqual(
      tokens.map((t) => t.kind),
      ['int', 'int', 'eof'],
    );
    assert.equal(diags.errors[0]?.text, "invalid character '#'");
  });

  it('reports an unterminated comment', () => {
    const { diags } = lex('1 /* never closed');
    assert.equal(diags.errors[0]?.text, 'end of file during comment');
  });
});

describe('lexer: predicates and division', () => {
  it('ends a predicate at a / followed by { or /', () => {
    assert.deepEqual(shapes('/100/25/ {'), ['/', 'int:100', '/', 'int:25', 'endpred:/', '{']);
    assert.deepEqual(shapes('/pid/\n  {'), ['/', 'builtin:pid', 'endpred:/', '{']);
    assert.deepEqual(shapes('/pid/ // c\n{'), ['/', 'builtin:pid', 'endpred:/', '{']);
  });

  it('keeps / as division elsewhere, and /= as an operator', () => {
    assert.deepEqual(shapes('$a / $b; $a /= 2'), ['variable:$a', '/', 'variable:$b', ';', 'variable:$a', '/=', 'int:2']);
  });
});

describe('lexer: attach points', () => {
  it('reads attach-point text in attach-point mode', () => {
    assert.deepEqual(attachPoints('tracepoint:syscalls:sys_enter_open* {'), ['tracepoint:syscalls:sys_enter_open*']);
    assert.deepEqual(attachPoints('uprobe:/bin/bash:readline /pid/ {'), ['uprobe:/bin/bash:readline']);
    assert.deepEqual(attachPoints('uprobe:./a.out:"quoted name()" {'), ['uprobe:./a.out:"quoted name()"']);
    assert.deepEqual(attachPoints('interval:s:1,profile:hz:99, BEGIN{'), ['interval:s:1', 'profile:hz:99', 'BEGIN']);
    assert.deepEqual(attachPoints('kprobe:[Ss]y[Ss]_read+0x10 {'), ['kprobe:[Ss]y[Ss]_read+0x10']);
    assert.deepEqual(attachPoints('hardware:cache-references:1000000{'), ['hardware:cache-references:1000000']);
    assert.deepEqual(attachPoints('uprobe:$1:main {'), ['uprobe:$1:main']);
  });

  it('ends an attach point at a predicate written without space', () => {
    assert.deepEqual(attachPoints('kprobe:f/pid/{'), ['kprobe:f']);
    assert.deepEqual(attachPoints('uprobe:lib/x.so:f/pid/{'), ['uprobe:lib/x.so:f']);
  });
});

describe('lexer: strings', () => {
  it('decodes escapes', () => {
    const { tokens, diags } = lex(String.raw`"a\n\t\\\"\x41\101\0"`);
    assert.equal(diags.render(), '');
    assert.equal(tokens[0]?.stringValue, 'a\n\t\\"AA\0');
    assert.deepEqual([...(tokens[0]?.stringBytes ?? [])], [0x61, 10, 9, 0x5c, 0x22, 0x41, 0x41, 0]);
  });

  it('keeps UTF-8 text and raw escaped bytes apart', () => {
    const { tokens } = lex(String.raw`"é\xff"`);
    assert.deepEqual([...(tokens[0]?.stringBytes ?? [])], [0xc3, 0xa9, 0xff]);
  });

  it('reports an unterminated string at the end of the line', () => {
    const { tokens, diags } = lex('"abc\n1');
    assert.equal(diags.errors[0]?.text, 'unterminated string');
    assert.deepEqual(
      tokens.map((t) => t.kind),
      ['string', 'int', 'eof'],
    );
  });

  it('reports an invalid escape', () => {
    const { diags } = lex(String.raw`"\q"`);
    assert.equal(diags.errors[0]?.text, String.raw`invalid escape character '\q'`);
  });
});

describe('integer literals', () => {
  const good: [string, bigint][] = [
    ['0', 0n],
    ['42', 42n],
    ['1_000_000', 1000000n],
    ['0x10', 16n],
    ['0XfF', 255n],
    ['0b101', 5n],
    ['017', 15n],
    ['2e3', 2000n],
    ['1e19', 10000000000000000000n],
    ['123u', 123n],
    ['123UL', 123n],
    ['123ll', 123n],
    ['5ns', 5n],
    ['5us', 5000n],
    ['5ms', 5000000n],
    ['1s', 1000000000n],
    ['1m', 60000000000n],
    ['1h', 3600000000000n],
    ['1d', 86400000000000n],
    ['18446744073709551615', 18446744073709551615n],
  ];
  for (const [text, value] of good) {
    it(`parses ${text}`, () => {
      assert.deepEqual(parseIntLiteral(text), { ok: true, value });
    });
  }

  const bad: [string, string][] = [
    ['08', 'invalid trailing bytes: 08'],
    ['0o17', 'invalid trailing bytes: 0o17'],
    ['12abc', 'invalid trailing bytes: 12abc'],
    ['0x', 'invalid integer: 0x'],
    ['10e3', 'coefficient part of scientific literal must be 1-9: 10e3'],
    ['18446744073709551616', 'overflow error, maximum value is 18446744073709551615: 18446744073709551616'],
    ['5000000000u', 'overflow error, maximum value is 4294967295: 5000000000u'],
    ['1e20', 'overflow error, maximum value is 18446744073709551615: 1e20'],
  ];
  for (const [text, error] of bad) {
    it(`rejects ${text}`, () => {
      assert.deepEqual(parseIntLiteral(text), { ok: false, error });
    });
  }

  it('gives integer tokens their value', () => {
    const { tokens } = lex('0x10 1_000');
    assert.deepEqual(
      tokens.slice(0, 2).map((t) => t.intValue),
      [16n, 1000n],
    );
  });
});

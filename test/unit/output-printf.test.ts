// printf: parsing and argument checks as bpftrace 0.26's FormatString (src/format_string.cpp), and
// formatting as its FormatSpec::apply, which streams each value into a C++ ostream. The expected strings
// below were checked against libstdc++ 12 (a g++ program applying the same stream flags) and against
// bpftrace's runtime tests where they exist (tests/runtime/call, tests/runtime/other, cited per row).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { checkPrintfArgs, DEFAULT_FLAGS, formatPrintf, int64, pad, parsePrintfFormat, putFloat, str, tuple, uint64 } from '../../src/output/index.js';
import type { PrintfArgType, StreamFlags, Value } from '../../src/output/index.js';

const buf = (s: string): Value => ({ kind: 'buffer', bytes: new TextEncoder().encode(s) });
const enumv = (symbol: string, numeric: number): Value => ({ kind: 'symbolic', symbol, numeric: BigInt(numeric) });

describe('formatPrintf', () => {
  const table: Array<[string, Value[], string, string?]> = [
    // bpftrace runtime tests
    ['value: %dms100\n', [int64(100)], 'value: 100ms100\n', 'call printf_argument'],
    ['%dst: %sa; %dnd: %sb;; %drd: %sc;;; %dth: %sd;;;;\n', [int64(1), str('a'), int64(2), str('ab'), int64(3), str('abc'), int64(4), str('abcd')], '1st: aa; 2nd: abb;; 3rd: abcc;;; 4th: abcdd;;;;\n', 'call printf_more_arguments'],
    ['%hhx %hx %x %jx\n', [0x12345678abcdefn, 0x12345678abcdefn, 0x12345678abcdefn, 0x12345678abcdefn].map(int64), 'ef cdef 78abcdef 12345678abcdef\n', 'call printf_length_modifiers'],
    ['%c%c%c%c\n', [0x41, 0x42, 0x43, 0x44].map(int64), 'ABCD\n', 'call printf_char'],
    ['Elapsed time: %llus\n', [uint64(1)], 'Elapsed time: 1s\n', 'call printf_llu'],
    ['%lu', [uint64(2n ** 64n - 1n)], '18446744073709551615', 'other positional unsigned hex'],
    ['got: %d %o 0x%x\n', [int64(123), int64(0o775), int64(0x123)], 'got: 123 775 0x123\n', 'other positional multiple bases'],
    ['%rx', [buf('Hello\0')], '\\x48\\x65\\x6c\\x6c\\x6f\\x00', 'call buf_no_ascii'],
    ['%rh', [buf('Hello\0')], '48 65 6c 6c 6f 00', 'call buf_no_ascii_no_escaping'],
    ['P: %r-%r\n', [buf('\x09\x08\x07\x06'), buf('ok')], 'P: \\x09\\x08\\x07\\x06-ok\n', 'call buf'],
    ['%d %s %d %s %d %s\n', [enumv('ONE', 1), enumv('ONE', 1), enumv('TWO', 2), enumv('TWO', 2), enumv('OTHER', 99999), enumv('OTHER', 99999)], '1 ONE 2 TWO 99999 OTHER\n', 'json-output enum_symbolized_printf'],
    ['0x%lx -- 0x%lx\n', [int64(0x55555555), int64(0x33333333)], '0x55555555 -- 0x33333333\n', 'call uaddr'],
    ['%s\n', [tuple(int64(1), int64(2), str('string'))], '(1, 2, string)\n'],
    // integer casts follow C: int unless a length modifier widens it
    ['%d', [int64(5000000000)], '705032704'],
    ['%ld', [int64(5000000000)], '5000000000'],
    ['%u', [int64(-1)], '4294967295'],
    ['%lu', [int64(-1)], '18446744073709551615'],
    ['%hu', [int64(-1)], '65535'],
    ['%hd', [int64(40000)], '-25536'],
    ['%hhd', [int64(255)], '-1'],
    ['%x', [int64(-1)], 'ffffffff'],
    ['%lx', [int64(-1)], 'ffffffffffffffff'],
    ['%hx', [int64(0x1234567890abcdefn)], 'cdef'],
    ['%zd %td %tu', [int64(-7), int64(-7), int64(-7)], '-7 -7 18446744073709551609'],
    ['%X %o %i', [int64(0xbeef), int64(511), int64(42)], 'BEEF 777 42'],
    ['%d', [{ kind: 'bool', value: true }], '1'],
    ['%d', [{ kind: 'count', value: 7n }], '7'],
    // flags and width (C++ stream padding: the fill goes before the sign and the prefix)
    ['[%-8d][%8d][%08d][%+08d]', [int64(42), int64(-42), int64(42), int64(42)], '[42      ][     -42][00000042][00000+42]'],
    ['[%05d][%-05d]', [int64(-5), int64(-5)], '[000-5][-5000]'],
    ['[%+d][%+i][%+u]', [int64(5), int64(-42), int64(5)], '[+5][-42][5]'],
    ['[%#x][%#x][%#X][%#o][%#o][%#010x]', [int64(0), int64(255), int64(255), int64(8), int64(0), int64(255)], '[0][0xff][0XFF][010][0][0000000xff]'],
    ['[%p][%p][%10p][%-20p]', [int64(0), int64(-1), int64(4096), int64(255)], '[0][0xffffffffffffffff][    0x1000][0xff                ]'],
    ['[%5c][%-3c]', [int64(65), int64(66)], '[    A][B  ]'],
    // precision only applies to floating conversions; `*` is parsed and ignored
    ['[%.2d][%*d][%5.2s]', [int64(5), int64(5), str('hello')], '[5][5][hello]'],
    // %s of anything: width pads the first piece the stream receives
    ['[%-5s][%5s][%05s]', [str('ab'), str('ab'), str('ab')], '[ab   ][   ab][000ab]'],
    ['[%s][%+s][%5s][%#s]', [int64(-5), int64(5), int64(-5), int64(255)], '[-5][+5][   -5][255]'],
    ['[%6s]', [tuple(int64(1), int64(2))], '[     (1, 2)]'],
    ['[%-4s]', [str('é')], '[é  ]'],
    ['[%5r]', [buf('ab')], '[   ab]'],
    ['%s', [buf('a\nb')], 'a\\x0ab'],
    ['%r', [str('not a buffer')], 'not a buffer'],
    // floating conversions of integers: general format unless a precision is given
    ['[%f][%.2f][%e][%.3e][%g][%10.4f]', [int64(3), int64(3), int64(12345), int64(12345), int64(100000), int64(3)], '[3][3.00][12345][1.234e+04][100000][    3.0000]'],
    ['[%g][%G][%.0e]', [int64(1000000), int64(1000000), int64(15)], '[1e+06][1e+06][2e+01]'],
    // literal text
    ['100%% done %y %', [], '100% done %y %'],
    ['%5%|%+-d', [], '%|%+-d'],
    // values that cannot be converted are reported in place, as bpftrace does
    ['%d', [str('abc')], '!{invalid integer conversion: abc}'],
    ['%d %d', [int64(1)], '1 !{missing argument}'],
  ];
  for (const [fmt, args, want, cite] of table) {
    it(`${JSON.stringify(fmt)}${cite ? ` (tests/runtime/${cite.replace(' ', ' NAME ')})` : ''}`, () => {
      assert.equal(formatPrintf(fmt, args), want);
    });
  }

  it('escapes control characters in substituted values only, unless asked not to', () => {
    assert.equal(formatPrintf('\x1b[1m%s\x1b[0m\n', [str('x\x1b[2Jy\tz\n')]), '\x1b[1mx\\x1b[2Jy\tz\n\x1b[0m\n');
    assert.equal(formatPrintf('%s', [str('x\x1b[2J')], { escape: false }), 'x\x1b[2J');
    assert.equal(formatPrintf('%c%c%c', [int64(7), int64(0xe9), int64(9)]), '\\x07\\xe9\t');
    assert.equal(formatPrintf('%s', [tuple(str('\x07'), int64(1))]), '(\\x07, 1)');
    assert.equal(formatPrintf('%d', [str('\x1b')]), '!{invalid integer conversion: \\x1b}');
  });

  it('lets the caller rewrite the text of each argument after padding', () => {
    const argText = (text: string, i: number) => (i === 1 ? `<${text}>` : text);
    assert.equal(formatPrintf('%d:%-4s|\n', [int64(1), str('ab')], { argText }), '1:<ab  >|\n');
  });
});

describe('putFloat (libstdc++ num_put semantics, exact rounding)', () => {
  const flags = (over: Partial<StreamFlags>): StreamFlags => ({ ...DEFAULT_FLAGS, ...over });
  const table: Array<[number, Partial<StreamFlags>, string]> = [
    [3.5, {}, '3.5'],
    [3.14159, { float: 'fixed', precision: 2 }, '3.14'],
    [12345.678, {}, '12345.7'],
    [12345.678, { float: 'scientific', precision: 3 }, '1.235e+04'],
    [0.0001, {}, '0.0001'],
    [1234567, { precision: 3 }, '1.23e+06'],
    [1e-10, {}, '1e-10'],
    [0, { float: 'fixed', precision: 2, showpos: true }, '+0.00'],
    [1e21, {}, '1e+21'],
    [0.25, { float: 'fixed', precision: 1 }, '0.2'],
    [2.5, { float: 'fixed', precision: 0 }, '2'],
    [3.5, { float: 'fixed', precision: 0 }, '4'],
    [0.1, { precision: 10 }, '0.1'],
    [0.1, { float: 'fixed', precision: 20 }, '0.10000000000000000555'],
    [9.9995, { float: 'scientific', precision: 3 }, '9.999e+00'],
    [9.995, { float: 'scientific', precision: 2 }, '9.99e+00'],
    [123456789, {}, '1.23457e+08'],
    [0.0001234, { precision: 0 }, '0.0001'],
    [1e-5, {}, '1e-05'],
    [2.5e-320, { precision: 17 }, '2.4999721679567075e-320'],
    [1e300, { float: 'fixed', precision: 3 }, `${'1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160'}.000`],
    [-3.14159265, { float: 'fixed', precision: 4, width: 10, fill: '0' }, '000-3.1416'],
    [1.5, { showpos: true, float: 'scientific', precision: 6 }, '+1.500000e+00'],
    [Number.NaN, {}, 'nan'],
    [-Infinity, {}, '-inf'],
  ];
  for (const [x, over, want] of table) {
    it(`${x} ${JSON.stringify(over)} → ${want.length > 40 ? `${want.slice(0, 20)}...` : want}`, () => {
      const f = flags(over);
      assert.equal(pad(putFloat(x, f), f), want);
    });
  }
});

describe('parsePrintfFormat', () => {
  it('splits literals and conversions, folding %% into the literal text', () => {
    const p = parsePrintfFormat('a%-08.3lx b%%c %s%rx|%5%');
    assert.deepEqual(p.segments, ['a', ' b%c ', '', '|%']);
    assert.deepEqual(
      p.argSpecs.map((s) => [s.text, s.conversion, s.length, s.width, s.precision, s.leftAlign, s.leadZeros, s.accepts]),
      [
        ['%-08.3lx', 'x', 'l', 8, 3, true, true, 'integer'],
        ['%s', 's', '', -1, -1, false, false, 'any'],
        ['%rx', 'rx', '', -1, -1, false, false, 'buffer'],
      ],
    );
  });

  it('accepts flags only in bpftrace order and leaves unknown sequences as text', () => {
    assert.equal(parsePrintfFormat('%-+ #0*.*d').argSpecs[0]?.text, '%-+ #0*.*d');
    assert.equal(parsePrintfFormat('%+-d').argSpecs.length, 0);
    assert.equal(parsePrintfFormat('%y %').argSpecs.length, 0);
    assert.deepEqual(parsePrintfFormat('%rh%r').argSpecs.map((s) => s.conversion), ['rh', 'r']);
    assert.deepEqual(parsePrintfFormat('%f %n').argSpecs.map((s) => s.accepts), ['float', 'unsupported']);
  });
});

describe('checkPrintfArgs', () => {
  const int: PrintfArgType = { kind: 'integer', name: 'int64' };
  const string: PrintfArgType = { kind: 'other', name: 'string[16]' };
  it('reports bpftrace messages for count and type mismatches', () => {
    const p = parsePrintfFormat('%d %s');
    assert.equal(checkPrintfArgs(p, [int, string]), undefined);
    assert.equal(checkPrintfArgs(p, [int]), 'not enough arguments for format string (1 supplied, 2 expected)');
    assert.equal(checkPrintfArgs(p, [int, int, int]), 'too many arguments for format string (3 supplied, 2 expected)');
    assert.equal(checkPrintfArgs(p, [string, int]), "unsupported format specifier for type 'string[16]': d");
    assert.equal(checkPrintfArgs(parsePrintfFormat('%r'), [int]), "unsupported format specifier for type 'int64': r");
    assert.equal(checkPrintfArgs(parsePrintfFormat('%rx'), [{ kind: 'buffer', name: 'buffer[6]' }]), undefined);
    assert.equal(checkPrintfArgs(parsePrintfFormat('%x %c %p'), [{ kind: 'boolean', name: 'bool' }, int, { kind: 'pointer', name: 'void *' }]), undefined);
    assert.equal(checkPrintfArgs(parsePrintfFormat('%d'), [{ kind: 'none', name: 'none' }]), 'unable to print none type for specifier: d');
    assert.equal(checkPrintfArgs(parsePrintfFormat('%n'), [int]), 'unsupported format specifier: n');
  });

  it('rejects floating conversions as bpftrace 0.26 does, unless the extension is enabled', () => {
    const p = parsePrintfFormat('%f');
    assert.equal(checkPrintfArgs(p, [int]), 'unsupported format specifier: f');
    assert.equal(checkPrintfArgs(p, [int], { allowFloat: true }), undefined);
    assert.equal(checkPrintfArgs(p, [string], { allowFloat: true }), "unsupported format specifier for type 'string[16]': f");
  });
});

/**
 * The builtins of issue 3 without a kernel: diagnostics for their misuse (full rendered text, compiled against
 * the fake machine), the text of ntop() addresses, strftime's %f and clock offset, /proc/PID/maps parsing,
 * stack decoding through the Symbolizer, and the -k warning text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { helperWarning } from '../../src/cli/run.js';
import { compile } from '../../src/codegen/index.js';
import { parseProcMaps } from '../../src/kernel/symbolize.js';
import { AF_INET, AF_INET6, inetText, strftime, strftimeNs } from '../../src/output/index.js';
import { decodeValue } from '../../src/runtime/decode.js';
import { Symbolizer } from '../../src/runtime/symbolize.js';
import { fakeKernelInfo } from '../helpers/fake-kernel-info.js';

const kernel = fakeKernelInfo();

/** Compiles `script`, which must fail, and returns everything it reported, rendered. */
function errors(script: string, options: { command?: boolean } = {}): string {
  const result = compile(script, kernel, options);
  assert.equal(result.ok, false, 'the script compiles');
  return result.diagnostics.render();
}

/** Compiles `script`, which must succeed without any diagnostic; returns the resources record. */
function clean(script: string, options: { command?: boolean } = {}) {
  const result = compile(script, kernel, options);
  assert.equal(result.diagnostics.render(), '');
  assert.ok(result.ok);
  return result.script.resources;
}

describe('builtins: diagnostics for misuse', () => {
  it('an unknown stack mode names the modes', () => {
    assert.equal(
      errors('begin { @[kstack(fast)] = count(); }'),
      "stdin:1:18-22: ERROR: kstack(): unknown stack mode 'fast' (expected bpftrace, perf, raw)\n" +
        'begin { @[kstack(fast)] = count(); }\n' +
        '                 ~~~~\n',
    );
  });

  it('a stack limit out of range explains the kernel limit', () => {
    assert.equal(
      errors('begin { @[ustack(perf, 500)] = count(); }'),
      'stdin:1:24-27: ERROR: ustack(): the limit must be between 1 and 127 (500 provided)\n' +
        'begin { @[ustack(perf, 500)] = count(); }\n' +
        '                       ~~~\n' +
        'HINT: the kernel collects at most kernel.perf_event_max_stack frames (127 by default)\n',
    );
    assert.match(errors('begin { @[kstack(0)] = count(); }'), /kstack\(\): the limit must be between 1 and 127 \(0 provided\)/);
  });

  it('a stack limit must be a literal, and the mode comes first', () => {
    assert.equal(
      errors('begin { $n = 3; @[kstack($n)] = count(); }'),
      'stdin:1:26-28: ERROR: kstack(): the limit must be an integer literal\n' +
        'begin { $n = 3; @[kstack($n)] = count(); }\n' +
        '                         ~~\n',
    );
    assert.equal(
      errors('begin { @[kstack(3, perf)] = count(); }'),
      'stdin:1:11-26: ERROR: kstack() takes a stack mode and/or a limit: kstack([mode, ][limit])\n' +
        'begin { @[kstack(3, perf)] = count(); }\n' +
        '          ~~~~~~~~~~~~~~~\n',
    );
  });

  it('ntop needs an integer or a 4- or 16-byte array', () => {
    assert.equal(
      errors('begin { printf("%s\\n", ntop("10.0.0.1")); }'),
      'stdin:1:29-39: ERROR: ntop() expects an integer or a char[4] or char[16] array as the address (string provided)\n' +
        'begin { printf("%s\\n", ntop("10.0.0.1")); }\n' +
        '                            ~~~~~~~~~~\n',
    );
  });

  it('len takes a map or a stack taken here', () => {
    assert.equal(
      errors('begin { $x = len(5); }'),
      'stdin:1:18-19: ERROR: len() expects a map, kstack or ustack (int64 provided)\n' + //
        'begin { $x = len(5); }\n' +
        '                 ~\n',
    );
  });

  it('len of a histogram map is refused rather than counting its buckets', () => {
    assert.equal(
      errors('begin { @h = hist(5); printf("%d\\n", len(@h)); }'),
      'stdin:1:42-44: ERROR: len() of hist() map @h is not supported\n' +
        'begin { @h = hist(5); printf("%d\\n", len(@h)); }\n' +
        '                                         ~~\n',
    );
  });

  it('join takes an array of pointers and prints, returning nothing', () => {
    assert.equal(
      errors('begin { join("a b"); }'),
      'stdin:1:14-19: ERROR: join() expects an array of string pointers, e.g. args.argv (string provided)\n' +
        'begin { join("a b"); }\n' +
        '             ~~~~~\n',
    );
    assert.match(errors('begin { $s = join(0); }'), /Value '\$s' cannot be assigned: the right-hand side has no value/);
  });

  it('strftime needs a literal format and prints only as a string', () => {
    assert.equal(
      errors('begin { $f = "%H"; printf("%s\\n", strftime($f, nsecs)); }'),
      'stdin:1:44-46: ERROR: strftime() expects a string literal as its format\n' +
        'begin { $f = "%H"; printf("%s\\n", strftime($f, nsecs)); }\n' +
        '                                           ~~\n',
    );
    assert.match(errors('begin { printf("%d\\n", strftime("%H", nsecs)); }'), /printf: unsupported format specifier for type 'timestamp': d/);
  });

  it('cpid needs a command', () => {
    assert.equal(
      errors('begin { printf("%d\\n", cpid); }'),
      'stdin:1:24-28: ERROR: cpid can only be used when a command is started with -c\n' +
        'begin { printf("%d\\n", cpid); }\n' +
        '                       ~~~~\n',
    );
    clean('begin { printf("%d\\n", cpid); }', { command: true });
  });

  it('one stack map per frame limit, shared by kernel and user stacks', () => {
    const res = clean('begin { @a[kstack] = count(); @b[ustack] = count(); @c[kstack(perf, 3)] = count(); printf("%s%d\\n", ustack(3), len(kstack)); }');
    assert.deepEqual(res.stackMaps.map((m) => m.limit).sort((a, b) => a - b), [3, 127]);
  });
});

describe('builtins: ntop text', () => {
  const v6 = (...words: number[]) => new Uint8Array(words.flatMap((w) => [w >> 8, w & 0xff]));
  it('IPv4 as a dotted quad', () => {
    assert.equal(inetText(AF_INET, new Uint8Array([192, 168, 1, 20])), '192.168.1.20');
  });
  it('IPv6 with the longest zero run compressed, the first on a tie', () => {
    assert.equal(inetText(AF_INET6, v6(0, 0, 0, 0, 0, 0, 0, 1)), '::1');
    assert.equal(inetText(AF_INET6, v6(0, 0, 0, 0, 0, 0, 0, 0)), '::');
    assert.equal(inetText(AF_INET6, v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1)), '2001:db8::1:0:0:1');
    assert.equal(inetText(AF_INET6, v6(0xfe80, 0, 0, 0, 0x1ff, 0xfe23, 0x4567, 0x890a)), 'fe80::1ff:fe23:4567:890a');
    assert.equal(inetText(AF_INET6, v6(1, 0, 2, 3, 4, 5, 6, 7)), '1:0:2:3:4:5:6:7');
    assert.equal(inetText(AF_INET6, v6(1, 0, 0, 0, 0, 0, 0, 0)), '1::');
  });
  it('IPv4-mapped and -compatible IPv6 end in a dotted quad', () => {
    assert.equal(inetText(AF_INET6, v6(0, 0, 0, 0, 0, 0xffff, 0x7f00, 1)), '::ffff:127.0.0.1');
    assert.equal(inetText(AF_INET6, v6(0, 0, 0, 0, 0, 0, 0x0a00, 1)), '::10.0.0.1');
  });
  it('an inet value decodes from its family and bytes', () => {
    const bytes = new Uint8Array(24);
    bytes[0] = AF_INET6;
    bytes.set([0x20, 0x01, 0x0d, 0xb8], 8);
    bytes[23] = 5;
    assert.deepEqual(decodeValue(new DataView(bytes.buffer), 0, { kind: 'inet' }), { kind: 'string', value: '2001:db8::5' });
    assert.equal(inetText(99, bytes), '');
  });
});

describe('builtins: strftime', () => {
  it('%f is the microsecond, zero-padded', () => {
    const d = new Date(2024, 0, 2, 3, 4, 5, 6);
    assert.equal(strftime('%H:%M:%S.%f', d), '03:04:05.006000');
    assert.equal(strftime('%f', d, 42), '000042');
  });
  it('a timestamp is offset to wall-clock time with microsecond precision', () => {
    const offset = BigInt(new Date(2024, 5, 1, 12, 0, 0).getTime()) * 1_000_000n;
    assert.equal(strftimeNs('%Y-%m-%d %H:%M:%S.%f', 1_500_123_456n, offset), '2024-06-01 12:00:01.500123');
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, 2_000_000_000n, true);
    assert.deepEqual(decodeValue(new DataView(bytes.buffer), 0, { kind: 'timestamp', format: '%S' }, { clockOffsetNs: offset }), { kind: 'string', value: '02' });
  });
});

describe('builtins: stacks', () => {
  it('parses executable file mappings of /proc/PID/maps', () => {
    const maps = parseProcMaps([
      '55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 123 /usr/bin/prog',
      '55d0c0a01000-55d0c0a05000 r-xp 00001000 08:01 123 /usr/bin/prog',
      '7f0000000000-7f0000001000 rw-p 00000000 00:00 0 ',
      '7f1000000000-7f1000100000 r-xp 00028000 08:01 456 /usr/lib/libc.so.6 (deleted)',
      '7ffc00000000-7ffc00001000 r-xp 00000000 00:00 0 [vdso]',
    ].join('\n'));
    assert.deepEqual(maps, [
      { start: 0x55d0c0a01000n, end: 0x55d0c0a05000n, offset: 0x1000n, path: '/usr/bin/prog' },
      { start: 0x7f1000000000n, end: 0x7f1000100000n, offset: 0x28000n, path: '/usr/lib/libc.so.6' },
    ]);
  });

  it('reads frames from the stack map of the value\'s limit, stopping at the first zero, and keeps raw addresses raw', () => {
    const asked: Array<[number, number]> = [];
    const frames = new Uint8Array(3 * 8);
    const v = new DataView(frames.buffer);
    v.setBigUint64(0, 0xffffffff81000010n, true);
    v.setBigUint64(8, 0xffffffff81000020n, true);
    const sym = new Symbolizer((limit, id) => {
      asked.push([limit, id]);
      return frames;
    });
    const s = sym.stack((1234n << 32n) | 7n, { kind: 'stack', user: true, mode: 'raw', limit: 3 });
    assert.deepEqual(asked, [[3, 7]]);
    assert.deepEqual(s, { kind: 'stack', user: true, mode: 'raw', frames: [{ address: 0xffffffff81000010n }, { address: 0xffffffff81000020n }] });
  });

  it('a failed get_stackid (negative id) is an empty stack, never a lookup', () => {
    const sym = new Symbolizer(() => assert.fail('looked up a failed stack'));
    assert.deepEqual(sym.stack(BigInt.asUintN(32, -17n), { kind: 'stack', user: false }), { kind: 'stack', user: false, mode: 'bpftrace', frames: [] });
  });
});

describe('builtins: -k warnings', () => {
  it('a full map, as bpftrace words it', () => {
    assert.equal(
      helperWarning('map_update_elem', -7, { file: 'stdin', line: 1, column: 40 }),
      "stdin:1:40: WARNING: Map full; can't update element. Try increasing max_map_keys config or manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`\n" +
        'Additional Info - helper: map_update_elem, retcode: -7\n',
    );
  });
  it('quotes the script line and underlines the call, as bpftrace 0.26', () => {
    const source = 'begin { @x = 1; }\ni:ms:100 { @[1] = 1; delete(@, 2); exit(); }';
    assert.equal(
      helperWarning('map_delete_elem', -2, { file: 'stdin', line: 2, column: 22, endColumn: 34 }, source),
      "stdin:2:22-34: WARNING: Can't delete map element because it does not exist.\n" +
        'Additional Info - helper: map_delete_elem, retcode: -2\n' +
        'i:ms:100 { @[1] = 1; delete(@, 2); exit(); }\n' +
        '                     ~~~~~~~~~~~~\n',
    );
    assert.match(helperWarning('map_lookup_elem', 0), /^WARNING: Can't lookup map element because it does not exist\.\nAdditional Info - helper: map_lookup_elem, retcode: 0\n$/);
  });
  it('other failures name the errno', () => {
    assert.equal(helperWarning('get_stackid', -17), 'WARNING: File exists\nAdditional Info - helper: get_stackid, retcode: -17\n');
  });
});

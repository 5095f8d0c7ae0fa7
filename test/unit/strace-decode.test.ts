// Decoders and line formatting of `siesta trace`, checked against lines strace 6.1 printed for the same calls
// (test/fixtures/strace/calls.c run under `strace -o`).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTraceArgs } from '../../src/cli/trace.js';
import type { Capture, TraceRecord } from '../../src/strace/events.js';
import { decodeArgs, formatOpenHow, formatReturn, formatStat } from '../../src/strace/decode.js';
import { errnoInfo, formatErrorReturn } from '../../src/strace/errno.js';
import { parseStatusSet, parseTraceSet } from '../../src/strace/filter.js';
import { formatMmapFlags, formatOpenFlags, formatFlags, formatStMode, MMAP_PROT, ACCESS_MODES } from '../../src/strace/flags.js';
import { TracePrinter, type PrinterOptions } from '../../src/strace/printer.js';
import { escapeBytes, quoteBuffer, quoteString } from '../../src/strace/quote.js';
import { formatSummary } from '../../src/strace/summary.js';
import { captureSpec, SYSCALL_NUMBERS, SYSCALL_SPECS } from '../../src/strace/syscalls.js';
import { SYSCALLS } from '../../src/strace/syscall-table.js';

const enc = new TextEncoder();
const nr = (name: string) => SYSCALL_NUMBERS.get(name)!;

describe('strace quoting', () => {
  it('escapes as strace does: named escapes, shortest octal, full octal before a digit', () => {
    assert.equal(escapeBytes(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 0, 0x10, 0x74])), '\\177ELF\\2\\1\\0\\20t');
    assert.equal(escapeBytes(new Uint8Array([1, 0x37])), '\\0017');
    assert.equal(escapeBytes(enc.encode('a"b\\c\n\t\r\v\f')), 'a\\"b\\\\c\\n\\t\\r\\v\\f');
    assert.equal(escapeBytes(new Uint8Array([0xff, 0x41]), 'non-ascii'), '\\xffA');
    assert.equal(escapeBytes(enc.encode('AB'), 'all'), '\\x41\\x42');
  });
  it('cuts buffers at -s with ... and prints paths whole', () => {
    const data = enc.encode('hello, strace\n\t\u0001');
    assert.equal(quoteBuffer(data, 36, 8), '"hello, s"...');
    assert.equal(quoteBuffer(enc.encode('hi\n'), 3, 32), '"hi\\n"');
    const long = enc.encode(`/${'x'.repeat(60)}\0`);
    assert.equal(quoteString(long, { limit: 32, path: true }), `"/${'x'.repeat(60)}"`);
    assert.equal(quoteString(long, { limit: 4, path: false }), '"/xxx"...');
  });
});

describe('strace flags and errno', () => {
  it('names open flags, access modes, mmap prot/flags', () => {
    assert.equal(formatOpenFlags(0o2000000), 'O_RDONLY|O_CLOEXEC');
    assert.equal(formatOpenFlags(0o1101), 'O_WRONLY|O_CREAT|O_TRUNC');
    assert.equal(formatOpenFlags(0o4010002), 'O_RDWR|O_SYNC');
    assert.equal(formatFlags(6, ACCESS_MODES), 'R_OK|W_OK');
    assert.equal(formatFlags(0, ACCESS_MODES), 'F_OK');
    assert.equal(formatFlags(3, MMAP_PROT), 'PROT_READ|PROT_WRITE');
    assert.equal(formatFlags(0, MMAP_PROT), 'PROT_NONE');
    assert.equal(formatMmapFlags(0x812), 'MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE');
    assert.equal(formatMmapFlags(0x22), 'MAP_PRIVATE|MAP_ANONYMOUS');
    assert.equal(formatStMode(0o100644), 'S_IFREG|0644');
    assert.equal(formatFlags(0x10000000, ACCESS_MODES), '0x10000000');
  });
  it('names errnos with glibc messages', () => {
    assert.deepEqual(errnoInfo(2), { name: 'ENOENT', msg: 'No such file or directory' });
    assert.equal(formatErrorReturn(9), '-1 EBADF (Bad file descriptor)');
    assert.equal(formatErrorReturn(95), '-1 EOPNOTSUPP (Operation not supported)');
    assert.equal(formatErrorReturn(512), '? ERESTARTSYS (To be restarted if SA_RESTART is set)');
  });
});

describe('syscall table', () => {
  it('has x86_64 numbers and argument names from the tracepoint formats', () => {
    assert.equal(nr('read'), 0);
    assert.equal(nr('openat'), 257);
    assert.equal(nr('openat2'), 437);
    const openat = SYSCALLS.find((s) => s.name === 'openat')!;
    assert.deepEqual(openat.args?.map((a) => a.name), ['dfd', 'filename', 'flags', 'mode']);
  });
  it('captures strings at entry and stat buffers at exit', () => {
    assert.deepEqual(captureSpec(SYSCALL_SPECS.get(nr('openat'))!), { str0: 1, str1: 0xff, inPtr: 0xff, inLenArg: 0xff, inFixed: 0, outPtr: 0xff, outKind: 0, outFixed: 0 });
    assert.equal(captureSpec(SYSCALL_SPECS.get(nr('rename'))!).str1, 1);
    assert.deepEqual(captureSpec(SYSCALL_SPECS.get(nr('newfstatat'))!), { str0: 1, str1: 0xff, inPtr: 0xff, inLenArg: 0xff, inFixed: 0, outPtr: 2, outKind: 2, outFixed: 144 });
    assert.equal(captureSpec(SYSCALL_SPECS.get(nr('write'))!).inLenArg, 2);
    assert.equal(captureSpec(SYSCALL_SPECS.get(nr('openat2'))!).inFixed, 24);
  });
});

function cap(bytes: Uint8Array, provenance: Capture['provenance'] = 'exact', result = bytes.length): Capture {
  return { bytes, result, provenance };
}

function cstr(s: string): Uint8Array {
  return enc.encode(`${s}\0`);
}

function enter(tid: number, name: string, args: bigint[], o: Partial<Pick<TraceRecord, 'str' | 'buf'>> = {}, ns = 1000n): TraceRecord {
  return { kind: 'enter', tid, tgid: tid, nr: nr(name), ns, args: [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6), str: o.str ?? [null, null], buf: o.buf ?? null, reread: { str0: false, str1: false, inbuf: false, outbuf: false } };
}

function exitRec(tid: number, name: string, ret: bigint, o: Partial<Pick<TraceRecord, 'str' | 'buf' | 'reread'>> = {}, ns = 3000n): TraceRecord {
  return { kind: 'exit', tid, tgid: tid, nr: nr(name), ns, args: [BigInt.asUintN(64, ret)], str: o.str ?? [null, null], buf: o.buf ?? null, reread: { str0: false, str1: false, inbuf: false, outbuf: false, ...o.reread } };
}

function printer(o: Partial<PrinterOptions> = {}): { p: TracePrinter; lines: string[] } {
  const lines: string[] = [];
  const p = new TracePrinter({ strsize: 32, hex: 'none', follow: false, pidStyle: 'bracket', timestamps: 'none', syscallTimes: false, json: false, monoToEpochNs: 0n, ...o }, (l) => lines.push(...l.split('\n').filter((x) => x)));
  return { p, lines };
}

const AT_FDCWD = BigInt.asUintN(64, -100n);

describe('strace lines', () => {
  it('prints calls as strace 6.1 did for calls.c', () => {
    const { p, lines } = printer();
    const path = '/tmp/siesta-calls-data';
    p.onRecord(enter(7, 'openat', [AT_FDCWD, 0x1000n, 0o1101n, 0o640n], { str: [cap(cstr(path)), null] }));
    p.onRecord(exitRec(7, 'openat', 3n));
    const data = enc.encode('hello, strace\n\t\u0001');
    const full = new Uint8Array([...data.subarray(0, 16), 0xff, ...enc.encode(' quote" back\\slash')]);
    p.onRecord(enter(7, 'write', [3n, 0x2000n, 36n], { buf: cap(full) }));
    p.onRecord(exitRec(7, 'write', 36n));
    p.onRecord(enter(7, 'read', [3n, 0x2000n, 64n]));
    p.onRecord(exitRec(7, 'read', 36n, { buf: cap(full, 'exit'), reread: { str0: false, str1: false, inbuf: false, outbuf: true } }));
    const st = new Uint8Array(144);
    new DataView(st.buffer).setUint32(24, 0o100640, true);
    new DataView(st.buffer).setBigInt64(48, 36n, true);
    p.onRecord(enter(7, 'newfstatat', [3n, 0x3000n, 0x4000n, 0x1000n], { str: [cap(cstr('')), null] }));
    p.onRecord(exitRec(7, 'newfstatat', 0n, { buf: cap(st, 'exit'), reread: { str0: false, str1: false, inbuf: false, outbuf: true } }));
    const how = new Uint8Array(24);
    new DataView(how.buffer).setBigUint64(16, 4n, true);
    p.onRecord(enter(7, 'openat2', [AT_FDCWD, 0x1000n, 0x5000n, 24n], { str: [cap(cstr(path)), null], buf: cap(how) }));
    p.onRecord(exitRec(7, 'openat2', 3n));
    p.onRecord(enter(7, 'openat', [AT_FDCWD, 0x1000n, 0n, 0n], { str: [cap(cstr('/nonexistent/siesta-missing')), null] }));
    p.onRecord(exitRec(7, 'openat', -2n));
    p.onRecord(enter(7, 'access', [0x1000n, 6n], { str: [cap(cstr('/nonexistent/siesta-access')), null] }));
    p.onRecord(exitRec(7, 'access', -2n));
    p.onRecord(enter(7, 'close', [12345n]));
    p.onRecord(exitRec(7, 'close', -9n));
    p.onRecord(enter(7, 'mmap', [0n, 8192n, 3n, 0x22n, BigInt.asUintN(64, -1n), 0n]));
    p.onRecord(exitRec(7, 'mmap', 0x7f5457b9d000n));
    // Not the command siesta started (no `exec`): exit_group's argument is the status.
    p.onRecord(enter(7, 'exit_group', [3n]));
    assert.deepEqual(lines, [
      'openat(AT_FDCWD, "/tmp/siesta-calls-data", O_WRONLY|O_CREAT|O_TRUNC, 0640) = 3',
      'write(3, "hello, strace\\n\\t\\1\\377 quote\\" back\\\\sl"..., 36) = 36',
      'read(3, "hello, strace\\n\\t\\1\\377 quote\\" back\\\\sl"..., 64) = 36',
      'newfstatat(3, "", {st_mode=S_IFREG|0640, st_size=36, ...}, AT_EMPTY_PATH) = 0',
      'openat2(AT_FDCWD, "/tmp/siesta-calls-data", {flags=O_RDONLY, resolve=RESOLVE_NO_SYMLINKS}, 24) = 3',
      'openat(AT_FDCWD, "/nonexistent/siesta-missing", O_RDONLY) = -1 ENOENT (No such file or directory)',
      'access("/nonexistent/siesta-access", R_OK|W_OK) = -1 ENOENT (No such file or directory)',
      'close(12345)                            = -1 EBADF (Bad file descriptor)',
      'mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f5457b9d000',
      'exit_group(3)                           = ?',
      '+++ exited with 3 +++',
    ]);
  });

  it('interleaves threads with <unfinished ...> and <... resumed> and [pid N] prefixes', () => {
    const { p, lines } = printer({ follow: true });
    p.onRecord(enter(10, 'read', [0n, 0x1000n, 64n]));
    p.onRecord(enter(11, 'close', [3n]));
    p.onRecord(exitRec(11, 'close', 0n));
    p.onRecord(exitRec(10, 'read', 2n, { buf: cap(enc.encode('a\n'), 'exit'), reread: { str0: false, str1: false, inbuf: false, outbuf: true } }));
    assert.deepEqual(lines, [
      '[pid    10] read(0,  <unfinished ...>',
      '[pid    11] close(3)                    = 0',
      '[pid    10] <... read resumed>"a\\n", 64) = 2',
    ]);
  });

  it('uses the exit re-read when the entry read failed, and reports provenance in JSON', () => {
    const { p, lines } = printer({ json: true });
    p.onRecord(enter(5, 'openat', [AT_FDCWD, 0x1000n, 0n, 0n], { str: [cap(new Uint8Array(0), 'lost', -14), null] }));
    p.onRecord(exitRec(5, 'openat', 3n, { str: [cap(cstr('/etc/hostname'), 'exit'), null], reread: { str0: true, str1: false, inbuf: false, outbuf: false } }));
    const obj = JSON.parse(lines[0]!) as { syscall: string; args: Array<{ value: string; provenance?: string }>; ret: number };
    assert.equal(obj.syscall, 'openat');
    assert.equal(obj.ret, 3);
    assert.deepEqual(obj.args[1], { name: 'filename', value: '"/etc/hostname"', provenance: 'exit' });
  });

  it('prints a pointer when neither read succeeded', () => {
    const { p, lines } = printer();
    p.onRecord(enter(5, 'openat', [AT_FDCWD, 0xabc000n, 0n, 0n], { str: [cap(new Uint8Array(0), 'lost', -14), null] }));
    p.onRecord(exitRec(5, 'openat', -2n, { str: [cap(new Uint8Array(0), 'exit', -14), null], reread: { str0: true, str1: false, inbuf: false, outbuf: false } }));
    assert.equal(lines[0], 'openat(AT_FDCWD, 0xabc000, O_RDONLY)    = -1 ENOENT (No such file or directory)');
  });

  it('adds -T durations and filters with -e trace= and -e status=', () => {
    const { p, lines } = printer({ syscallTimes: true, trace: parseTraceSet('close'), status: parseStatusSet('failed') });
    p.onRecord(enter(5, 'close', [3n], {}, 1_000n));
    p.onRecord(exitRec(5, 'close', 0n, {}, 2_000n));
    p.onRecord(enter(5, 'close', [99n], {}, 10_000n));
    p.onRecord(exitRec(5, 'close', -9n, {}, 22_000n));
    p.onRecord(enter(5, 'getpid', []));
    p.onRecord(exitRec(5, 'getpid', 5n));
    assert.deepEqual(lines, ['close(99)                               = -1 EBADF (Bad file descriptor) <0.000012>']);
  });

  it('decodes stat of devices, open_how with a mode, hex returns', () => {
    const st = new Uint8Array(144);
    new DataView(st.buffer).setUint32(24, 0o20620, true);
    new DataView(st.buffer).setBigUint64(40, 0x8800n, true);
    assert.equal(formatStat(st), '{st_mode=S_IFCHR|0620, st_rdev=makedev(0x88, 0), ...}');
    const how = new Uint8Array(24);
    new DataView(how.buffer).setBigUint64(0, 0o101n, true);
    new DataView(how.buffer).setBigUint64(8, 0o644n, true);
    assert.equal(formatOpenHow(how), '{flags=O_WRONLY|O_CREAT, mode=0644, resolve=0}');
    assert.equal(formatReturn(SYSCALL_SPECS.get(nr('brk'))!, 0x55b19ed22000n), '0x55b19ed22000');
    const args = decodeArgs(SYSCALL_SPECS.get(nr('execve'))!, { tid: 9, tgid: 9, nr: 59, args: [1n, 2n, 0x7ffen, 0n, 0n, 0n], enterNs: 0n, str: [cap(cstr('/bin/true')), null], inbuf: null },
      { strsize: 32, hex: 'none', exec: { tgid: 9, argv: ['/bin/true', 'x'], envCount: 3 } });
    assert.deepEqual(args.map((a) => a.text), ['"/bin/true"', '["/bin/true", "x"]', '0x7ffe /* 3 vars */']);
  });
});

describe('strace -c table', () => {
  it('prints strace\'s columns, sorted by time, with a total', () => {
    const text = formatSummary([
      { name: 'close', calls: 6, errors: 1, ns: 3000n },
      { name: 'openat', calls: 5, errors: 1, ns: 70_000n },
      { name: 'read', calls: 0, errors: 0, ns: 0n },
    ]);
    assert.equal(text, [
      '% time     seconds  usecs/call     calls    errors syscall',
      '------ ----------- ----------- --------- --------- ----------------',
      ' 95.89    0.000070          14         5         1 openat',
      '  4.11    0.000003           0         6         1 close',
      '------ ----------- ----------- --------- --------- ----------------',
      '100.00    0.000073           6        11         2 total',
      '',
    ].join('\n'));
  });
});

describe('-e and command-line parsing', () => {
  it('parses names, classes, negation and regexes, naming close matches on errors', () => {
    assert.deepEqual([...parseTraceSet('openat,close')].sort((a, b) => a - b), [3, 257]);
    assert.ok(parseTraceSet('%file').has(nr('openat')));
    assert.ok(!parseTraceSet('%file').has(nr('close')));
    assert.ok(parseTraceSet('%desc').has(nr('close')));
    assert.ok(parseTraceSet('%memory').has(nr('mmap')));
    assert.ok(!parseTraceSet('!openat').has(nr('openat')));
    assert.ok(parseTraceSet('/^open').has(nr('openat2')));
    assert.throws(() => parseTraceSet('opnat'), /invalid system call 'opnat'; did you mean openat/);
    assert.throws(() => parseTraceSet('%fil'), /did you mean %file/);
    assert.throws(() => parseStatusSet('succesful'), /did you mean successful/);
  });
  it('parses strace\'s flags', () => {
    const o = parseTraceArgs(['-f', '-tt', '-T', '-s64', '-xx', '-e', 'trace=openat', '-o', 'out.txt', '--', 'ls', '-l']);
    assert.equal(o.follow, true);
    assert.equal(o.timestamps, 'tt');
    assert.equal(o.syscallTimes, true);
    assert.equal(o.strsize, 64);
    assert.equal(o.hex, 'all');
    assert.equal(o.output, 'out.txt');
    assert.deepEqual(o.command, ['ls', '-l']);
    assert.deepEqual([...o.trace!], [257]);
    assert.deepEqual(parseTraceArgs(['-c', 'true']).command, ['true']);
    assert.deepEqual(parseTraceArgs(['-p', '12,13']).pids, [12, 13]);
    assert.throws(() => parseTraceArgs([]), /must have PROG/);
    assert.throws(() => parseTraceArgs(['-p', 'x']), /Invalid process id/);
  });
});

// Decoders and line formatting of `siesta trace`, checked against lines strace 6.1 printed for the same calls
// (test/fixtures/strace/calls.c run under `strace -o`).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTraceArgs } from '../../src/cli/trace.js';
import type { Capture, TraceRecord } from '../../src/strace/events.js';
import { decodeArgs, formatOpenHow, formatReturn, formatStat } from '../../src/strace/decode.js';
import { errnoInfo, formatErrorReturn } from '../../src/strace/errno.js';
import { parseQuietSet, parseSignalSet, parseStatusSet, parseTraceSet } from '../../src/strace/filter.js';
import { formatMmapFlags, formatOpenFlags, formatFlags, formatStMode, MMAP_PROT, ACCESS_MODES } from '../../src/strace/flags.js';
import { readsSummary, TracePrinter, type PrinterOptions } from '../../src/strace/printer.js';
import { escapeBytes, quoteBuffer, quoteString } from '../../src/strace/quote.js';
import { formatSummary } from '../../src/strace/summary.js';
import { captureSpec, entryReads, SYSCALL_NUMBERS, SYSCALL_SPECS } from '../../src/strace/syscalls.js';
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
    const none = { in2Ptr: 0xff, in2Kind: 0, in2LenArg: 0xff, in2Fixed: 0, out2Ptr: 0xff, out2Kind: 0, out2Fixed: 0, out2Off: 0 };
    assert.deepEqual(captureSpec(SYSCALL_SPECS.get(nr('openat'))!), { str0: 1, str1: 0xff, inPtr: 0xff, inLenArg: 0xff, inFixed: 0, outPtr: 0xff, outKind: 0, outFixed: 0, ...none });
    assert.equal(captureSpec(SYSCALL_SPECS.get(nr('rename'))!).str1, 1);
    assert.deepEqual(captureSpec(SYSCALL_SPECS.get(nr('newfstatat'))!), { str0: 1, str1: 0xff, inPtr: 0xff, inLenArg: 0xff, inFixed: 0, outPtr: 2, outKind: 2, outFixed: 144, ...none });
    // Second regions: sendto's address (length in arg 5), ppoll's timeout both ways, writev's and readv's
    // iovec data (count in the next argument), clone3's parent_tid behind clone_args, recvfrom's address.
    const second = (name: string) => {
      const c = captureSpec(SYSCALL_SPECS.get(nr(name))!);
      return [c.in2Ptr, c.in2Kind, c.in2LenArg, c.in2Fixed, c.out2Ptr, c.out2Kind, c.out2Fixed, c.out2Off];
    };
    assert.deepEqual(second('sendto'), [4, 1, 5, 0, 0xff, 0, 0, 0]);
    assert.deepEqual(second('ppoll'), [2, 1, 0xff, 16, 2, 2, 16, 0]);
    assert.deepEqual(second('writev'), [1, 4, 2, 0, 0xff, 0, 0, 0]);
    assert.deepEqual(second('readv'), [0xff, 0, 2, 0, 1, 4, 0, 0]);
    assert.deepEqual(second('clone3'), [0xff, 0, 0xff, 0, 0, 3, 4, 24]);
    assert.deepEqual(second('recvfrom'), [0xff, 0, 5, 0, 4, 5, 128, 0]);
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

  it('prints a pointer marked lost when neither read succeeded, and counts it', () => {
    const { p, lines } = printer();
    p.onRecord(enter(5, 'openat', [AT_FDCWD, 0xabc000n, 0n, 0n], { str: [cap(new Uint8Array(0), 'lost', -14), null] }));
    p.onRecord(exitRec(5, 'openat', -2n, { str: [cap(new Uint8Array(0), 'exit', -14), null], reread: { str0: true, str1: false, inbuf: false, outbuf: false } }));
    assert.equal(lines[0], 'openat(AT_FDCWD, 0xabc000 /* lost */, O_RDONLY) = -1 ENOENT (No such file or directory)');
    assert.deepEqual(p.reads, { exact: 0, exit: 0, lost: 1 });
    assert.equal(readsSummary(p.reads), 'siesta trace: user-memory reads: 0 exact, 0 recovered at syscall exit, 1 lost\n');
  });

  it('prints an unreadable pointer as strace does when the call itself failed with EFAULT', () => {
    const { p, lines } = printer();
    p.onRecord(enter(5, 'openat', [AT_FDCWD, 0x1n, 0n, 0n], { str: [cap(new Uint8Array(0), 'lost', -14), null] }));
    p.onRecord(exitRec(5, 'openat', -14n, { str: [cap(new Uint8Array(0), 'exit', -14), null], reread: { str0: true, str1: false, inbuf: false, outbuf: false } }));
    assert.equal(lines[0], 'openat(AT_FDCWD, 0x1, O_RDONLY)         = -1 EFAULT (Bad address)');
  });

  it('marks recovered values with ~ only under --marks; outputs read at exit are exact; no summary when all are', () => {
    const run = (marks: boolean) => {
      const { p, lines } = printer(marks ? { marks: true } : {});
      const how = new Uint8Array(24);
      p.onRecord(enter(5, 'openat2', [AT_FDCWD, 0x1000n, 0x2000n, 24n], { str: [cap(new Uint8Array(0), 'lost', -14), null], buf: cap(new Uint8Array(0), 'lost', -14) }));
      p.onRecord(exitRec(5, 'openat2', 3n, { str: [cap(cstr('/etc/hostname'), 'exit'), null], buf: cap(how, 'exit'), reread: { str0: true, str1: false, inbuf: true, outbuf: false } }));
      return { p, lines };
    };
    assert.equal(run(false).lines[0], 'openat2(AT_FDCWD, "/etc/hostname", {flags=O_RDONLY, resolve=0}, 24) = 3');
    const marked = run(true);
    assert.equal(marked.lines[0], 'openat2(AT_FDCWD, "/etc/hostname"~, {flags=O_RDONLY, resolve=0}~, 24) = 3');
    assert.deepEqual(marked.p.reads, { exact: 0, exit: 2, lost: 0 });
    assert.equal(readsSummary(marked.p.reads), 'siesta trace: user-memory reads: 0 exact, 2 recovered at syscall exit, 0 lost\n');
    const { p, lines } = printer({ json: true });
    const st = new Uint8Array(144);
    p.onRecord(enter(7, 'fstat', [3n, 0x4000n]));
    p.onRecord(exitRec(7, 'fstat', 0n, { buf: cap(st, 'exit'), reread: { str0: false, str1: false, inbuf: false, outbuf: true } }));
    assert.equal((JSON.parse(lines[0]!) as { args: Array<{ provenance?: string }> }).args[1]!.provenance, 'exact');
    assert.equal(readsSummary(p.reads), null);
  });

  it('--exact traps the calls whose user memory is read at entry, and no others', () => {
    const { trapped, iovecs } = entryReads();
    assert.deepEqual(trapped.get(nr('openat')), [1]);
    assert.deepEqual(trapped.get(nr('openat2')), [1, 2]);
    assert.deepEqual(trapped.get(nr('write')), [1]);
    assert.deepEqual(trapped.get(nr('sendto')), [1, 4]);
    assert.deepEqual(trapped.get(nr('writev')), [1]);
    assert.deepEqual(iovecs.get(nr('writev')), [1, 2]);
    assert.ok(trapped.has(nr('execve')));
    for (const name of ['read', 'close', 'getpid', 'fstat', 'mmap', 'exit_group', 'dup2']) assert.ok(!trapped.has(nr(name)), name);
    const only = entryReads(parseTraceSet('openat,close'));
    assert.deepEqual([...only.trapped.keys()], [nr('openat')]);
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
    // -e signal= as strace 6.1 reads it: with or without SIG, any case, numbers, negation; -e quiet= names.
    assert.deepEqual([...parseSignalSet('SIGCHLD,usr1,9,SIGRTMIN,RT_2')], [17, 10, 9, 32, 34]);
    assert.equal(parseSignalSet('!USR1').has(10), false);
    assert.equal(parseSignalSet('!USR1').size, 63);
    assert.equal(parseSignalSet('none').size, 0);
    assert.throws(() => parseSignalSet('SIGCHILD'), /invalid signal 'SIGCHILD'; did you mean SIGCHLD/);
    assert.deepEqual(parseQuietSet('attach,exit'), { exit: true });
    assert.deepEqual(parseQuietSet('attach,personality'), { exit: false });
    assert.deepEqual(parseQuietSet('!exit'), { exit: false });
    assert.throws(() => parseQuietSet('exi'), /invalid quiet 'exi'; did you mean exit/);
    assert.equal(parseTraceArgs(['-qq', 'true']).quietExit, true);
    assert.equal(parseTraceArgs(['-q', 'true']).quietExit, undefined);
    assert.equal(parseTraceArgs(['-e', 'signal=!all', 'true']).signals!.size, 0);
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
    const exact = parseTraceArgs(['--exact', '--marks', '--', 'true']);
    assert.equal(exact.exact, true);
    assert.equal(exact.marks, true);
    assert.throws(() => parseTraceArgs(['--exact', '-p', '12']), /--exact needs a command that siesta starts .*a process already running \(-p\)/);
    assert.throws(() => parseTraceArgs(['--exact', '-a']), /--exact needs a command that siesta starts/);
  });
});

/** Little-endian bytes from a list of [size, value] fields. */
function bytes(...fields: Array<[1 | 2 | 4 | 8, number | bigint]>): Uint8Array {
  const out = new Uint8Array(fields.reduce((n, [size]) => n + size, 0));
  const v = new DataView(out.buffer);
  let off = 0;
  for (const [size, value] of fields) {
    if (size === 8) v.setBigUint64(off, BigInt.asUintN(64, BigInt(value)), true);
    else if (size === 4) v.setUint32(off, Number(value) >>> 0, true);
    else if (size === 2) v.setUint16(off, Number(value), true);
    else v.setUint8(off, Number(value));
    off += size;
  }
  return out;
}

/**
 * One call as strace prints it (without the column padding): `args` are the raw registers, `inbuf`/`outbuf` the
 * bytes the kernel programs captured at entry and at exit.
 */
function line(
  name: string, args: bigint[], ret: bigint,
  o: { inbuf?: Uint8Array; outbuf?: Uint8Array; inbuf2?: Uint8Array; outbuf2?: Uint8Array; addrlen?: number; str?: string } = {},
): string {
  const spec = SYSCALL_SPECS.get(nr(name))!;
  const call = {
    tid: 1, tgid: 1, nr: nr(name), args: [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6), enterNs: 0n,
    str: [o.str === undefined ? null : cap(cstr(o.str)), null] as [Capture | null, Capture | null],
    inbuf: o.inbuf ? cap(o.inbuf) : null,
    inbuf2: o.inbuf2 ? cap(o.inbuf2) : null,
    exit: {
      ret: BigInt.asUintN(64, ret), ns: 1n, outbuf: o.outbuf ? cap(o.outbuf, 'exit') : null,
      outbuf2: o.outbuf2 ? cap(o.outbuf2, 'exit') : null, ...(o.addrlen !== undefined ? { addrlen: o.addrlen } : {}),
    },
  };
  return `${name}(${decodeArgs(spec, call, { strsize: 32, hex: 'none' }).map((a) => a.text).join(', ')}) = ${formatReturn(spec, call.exit.ret, call)}`;
}

const P = 0x7ffe1000n;
const neg = (v: number): bigint => BigInt.asUintN(64, BigInt(v));

// Expected strings below are lines strace 6.1 printed on this VM for calls.c and for a second program making
// the same calls with other arguments (pthread_create, posix_spawn, a pty, accept4 on loopback...).
describe('strace decoders: memory and descriptors', () => {
  it('mmap, mprotect, munmap, brk', () => {
    assert.equal(line('mmap', [0x7fa4fd810000n, 110592n, 5n, 0x812n, 3n, 0x7000n], 0x7fa4fd810000n),
      'mmap(0x7fa4fd810000, 110592, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x7000) = 0x7fa4fd810000');
    assert.equal(line('mprotect', [0x7f45ad0c0000n, 4096n, 1n], 0n), 'mprotect(0x7f45ad0c0000, 4096, PROT_READ) = 0');
    assert.equal(line('munmap', [0x7f45ad0c0000n, 8192n], 0n), 'munmap(0x7f45ad0c0000, 8192) = 0');
    assert.equal(line('brk', [0n], 0x5565d66f8000n), 'brk(NULL) = 0x5565d66f8000');
  });
  it('pipe, pipe2 and socketpair print the descriptors written at exit; failures print the address', () => {
    assert.equal(line('pipe', [P], 0n, { outbuf: bytes([4, 3], [4, 4]) }), 'pipe([3, 4]) = 0');
    assert.equal(line('pipe2', [P, 0o2000000n], 0n, { outbuf: bytes([4, 3], [4, 4]) }), 'pipe2([3, 4], O_CLOEXEC) = 0');
    assert.equal(line('pipe2', [P, 0o2044000n], 0n, { outbuf: bytes([4, 12], [4, 13]) }), 'pipe2([12, 13], O_NONBLOCK|O_DIRECT|O_CLOEXEC) = 0');
    assert.equal(line('pipe2', [P, 0n], neg(-24)), 'pipe2(0x7ffe1000, 0) = -1 EMFILE (Too many open files)');
    assert.equal(line('socketpair', [1n, 2n, 0n, P], 0n, { outbuf: bytes([4, 7], [4, 8]) }), 'socketpair(AF_UNIX, SOCK_DGRAM, 0, [7, 8]) = 0');
  });
  it('dup, dup2, dup3', () => {
    assert.equal(line('dup', [5n], 6n), 'dup(5) = 6');
    assert.equal(line('dup2', [5n, 10n], 10n), 'dup2(5, 10) = 10');
    assert.equal(line('dup3', [5n, 11n, 0o2000000n], 11n), 'dup3(5, 11, O_CLOEXEC) = 11');
  });
  it('fcntl commands, their arguments and the flags they return', () => {
    assert.equal(line('fcntl', [5n, 1n], 0n), 'fcntl(5, F_GETFD) = 0');
    assert.equal(line('fcntl', [5n, 1n], 1n), 'fcntl(5, F_GETFD) = 0x1 (flags FD_CLOEXEC)');
    assert.equal(line('fcntl', [5n, 2n, 1n], 0n), 'fcntl(5, F_SETFD, FD_CLOEXEC) = 0');
    assert.equal(line('fcntl', [5n, 3n], 0x8000n), 'fcntl(5, F_GETFL) = 0x8000 (flags O_RDONLY|O_LARGEFILE)');
    assert.equal(line('fcntl', [5n, 4n, 0o4000n], 0n), 'fcntl(5, F_SETFL, O_RDONLY|O_NONBLOCK) = 0');
    assert.equal(line('fcntl', [7n, 4n, 0o4002n], 0n), 'fcntl(7, F_SETFL, O_RDWR|O_NONBLOCK) = 0');
    assert.equal(line('fcntl', [5n, 1030n, 20n], 20n), 'fcntl(5, F_DUPFD_CLOEXEC, 20) = 20');
    assert.equal(line('fcntl', [9n, 8n, 12n], 0n), 'fcntl(9, F_SETOWN, 12) = 0');
    assert.equal(line('fcntl', [0n, 6n, 0n], neg(-14)), 'fcntl(0, F_SETLK, NULL) = -1 EFAULT (Bad address)');
    assert.equal(line('fcntl', [1n, 1234n, 0n], neg(-22)), 'fcntl(1, 0x4d2 /* F_??? */, 0) = -1 EINVAL (Invalid argument)');
  });
  it('lseek whence and signed offsets', () => {
    assert.equal(line('lseek', [5n, 5n, 0n], 5n), 'lseek(5, 5, SEEK_SET) = 5');
    assert.equal(line('lseek', [5n, neg(-2), 2n], 34n), 'lseek(5, -2, SEEK_END) = 34');
    assert.equal(line('lseek', [5n, 0n, 1n], 34n), 'lseek(5, 0, SEEK_CUR) = 34');
  });
  it('poll arrays at entry and their revents in the return', () => {
    const fds = bytes([4, 3], [2, 1], [2, 0], [4, 4], [2, 4], [2, 0]);
    const after = bytes([4, 3], [2, 1], [2, 0], [4, 4], [2, 4], [2, 4]);
    assert.equal(line('poll', [P, 2n, 0n], 1n, { inbuf: fds, outbuf: after }),
      'poll([{fd=3, events=POLLIN}, {fd=4, events=POLLOUT}], 2, 0) = 1 ([{fd=4, revents=POLLOUT}])');
    assert.equal(line('poll', [P, 1n, 0n], 0n, { inbuf: fds, outbuf: fds }), 'poll([{fd=3, events=POLLIN}], 1, 0) = 0 (Timeout)');
  });
  it('readv/writev iovec arrays (shape: the buffers are not captured)', () => {
    const iov = bytes([8, 0x1000], [8, 4], [8, 0x2000], [8, 6]);
    assert.equal(line('readv', [5n, P, 2n], 10n, { inbuf: iov }), 'readv(5, [{iov_base=0x1000, iov_len=4}, {iov_base=0x2000, iov_len=6}], 2) = 10');
    assert.equal(line('writev', [1n, P, 3n], 10n, { inbuf: iov }), 'writev(1, [{iov_base=0x1000, iov_len=4}, {iov_base=0x2000, iov_len=6}, ...], 3) = 10');
  });
  it('ioctl request names and int, winsize and termios arguments', () => {
    assert.equal(line('ioctl', [3n, 0x541bn, P], 0n, { outbuf: bytes([4, 0]) }), 'ioctl(3, FIONREAD, [0]) = 0');
    assert.equal(line('ioctl', [3n, 0x5421n, P], 0n, { inbuf: bytes([4, 1]) }), 'ioctl(3, FIONBIO, [1]) = 0');
    assert.equal(line('ioctl', [9n, 0x80045430n, P], 0n, { outbuf: bytes([4, 0]) }), 'ioctl(9, TIOCGPTN, [0]) = 0');
    assert.equal(line('ioctl', [3n, 0x5413n, 0x7ffe6d248450n], neg(-25)), 'ioctl(3, TIOCGWINSZ, 0x7ffe6d248450) = -1 ENOTTY (Inappropriate ioctl for device)');
    const ws = bytes([2, 24], [2, 80], [2, 0], [2, 0]);
    assert.equal(line('ioctl', [11n, 0x5413n, P], 0n, { outbuf: ws }), 'ioctl(11, TIOCGWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}) = 0');
    assert.equal(line('ioctl', [11n, 0x5414n, P], 0n, { inbuf: ws }), 'ioctl(11, TIOCSWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}) = 0');
    const tio = bytes([4, 0o2400], [4, 0o5], [4, 0o277], [4, 0o105073]);
    assert.equal(line('ioctl', [11n, 0x5401n, P], 0n, { outbuf: tio }),
      'ioctl(11, TCGETS, {c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, ...}) = 0');
  });
  it('getdents64 entry counts, umask octal, access modes', () => {
    const d = new Uint8Array(48);
    new DataView(d.buffer).setUint16(16, 24, true);
    new DataView(d.buffer).setUint16(40, 24, true);
    assert.equal(line('getdents64', [7n, 0x7ffe6d248540n, 64n], 48n, { outbuf: d }), 'getdents64(7, 0x7ffe6d248540 /* 2 entries */, 64) = 48');
    assert.equal(line('umask', [0o27n], 0o22n), 'umask(027) = 022');
    assert.equal(line('faccessat2', [neg(-100), P, 1n, 0x200n], neg(-13), { str: '/tmp/x' }), 'faccessat2(AT_FDCWD, "/tmp/x", X_OK, AT_EACCESS) = -1 EACCES (Permission denied)');
  });
});

describe('strace decoders: sockets', () => {
  const in4 = bytes([2, 2], [1, 0], [1, 1], [1, 127], [1, 0], [1, 0], [1, 1], [8, 0]);
  it('socket domains, types and protocols', () => {
    assert.equal(line('socket', [2n, 0o2000001n, 6n], 7n), 'socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 7');
    assert.equal(line('socket', [10n, 2n, 0n], 7n), 'socket(AF_INET6, SOCK_DGRAM, IPPROTO_IP) = 7');
    assert.equal(line('socket', [1n, 1n, 0n], 7n), 'socket(AF_UNIX, SOCK_STREAM, 0) = 7');
    assert.equal(line('socket', [16n, 0o2000003n, 0n], 7n), 'socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE) = 7');
    assert.equal(line('socket', [10n, 3n, 58n], 8n), 'socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6) = 8');
    assert.equal(line('socket', [2n, 0o4001n, 0n], 4n), 'socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, IPPROTO_IP) = 4');
  });
  it('sockaddr in, in6 and un at entry', () => {
    assert.equal(line('connect', [7n, P, 16n], neg(-111), { inbuf: in4 }),
      'connect(7, {sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)');
    const in6 = new Uint8Array(28);
    in6.set([10, 0, 0, 9]);
    in6[23] = 1;
    assert.equal(line('connect', [7n, P, 28n], 0n, { inbuf: in6 }),
      'connect(7, {sa_family=AF_INET6, sin6_port=htons(9), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0');
    const un = new Uint8Array(110);
    un.set([1, 0, ...enc.encode('/tmp/h1/siesta-sock')]);
    assert.equal(line('bind', [7n, P, 110n], 0n, { inbuf: un }), 'bind(7, {sa_family=AF_UNIX, sun_path="/tmp/h1/siesta-sock"}, 110) = 0');
  });
  it('sockaddr and its length at exit: [before => after], or the address when the call failed', () => {
    const un = new Uint8Array(128);
    un.set([1, 0, ...enc.encode('/tmp/h1/siesta-sock')]);
    assert.equal(line('getsockname', [7n, P, P + 200n], 0n, { inbuf: bytes([4, 110]), outbuf: un }),
      'getsockname(7, {sa_family=AF_UNIX, sun_path="/tmp/h1/siesta-sock"}, [110 => 22]) = 0');
    const peer = new Uint8Array(128);
    peer.set([2, 0, 0x97, 0x4c, 127, 0, 0, 1]);
    assert.equal(line('accept4', [3n, P, P + 200n, 0o2000000n], 5n, { inbuf: bytes([4, 28]), outbuf: peer }),
      'accept4(3, {sa_family=AF_INET, sin_port=htons(38732), sin_addr=inet_addr("127.0.0.1")}, [28 => 16], SOCK_CLOEXEC) = 5');
    assert.equal(line('getpeername', [4n, P, P + 200n], 0n, { inbuf: bytes([4, 16]), outbuf: peer }),
      'getpeername(4, {sa_family=AF_INET, sin_port=htons(38732), sin_addr=inet_addr("127.0.0.1")}, [16]) = 0');
    assert.equal(line('accept', [7n, 0x7ffe6d248230n, P], neg(-11), { inbuf: bytes([4, 110]) }),
      'accept(7, 0x7ffe6d248230, [110]) = -1 EAGAIN (Resource temporarily unavailable)');
  });
  it('sendto/recvfrom data and flags', () => {
    assert.equal(line('sendto', [7n, P, 4n, 0x40n, 0n, 0n], 4n, { inbuf: enc.encode('ping') }), 'sendto(7, "ping", 4, MSG_DONTWAIT, NULL, 0) = 4');
    assert.equal(line('recvfrom', [8n, P, 64n, 0n, 0n, 0n], 3n, { outbuf: enc.encode('hi\n') }), 'recvfrom(8, "hi\\n", 64, 0, NULL, NULL) = 3');
  });
});

describe('strace decoders: signals and processes', () => {
  it('signal names, sigsets and their complements', () => {
    assert.equal(line('kill', [10163n, 10n], 0n), 'kill(10163, SIGUSR1) = 0');
    assert.equal(line('kill', [12096n, 0n], neg(-3)), 'kill(12096, 0) = -1 ESRCH (No such process)');
    assert.equal(line('tgkill', [10163n, 10163n, 10n], 0n), 'tgkill(10163, 10163, SIGUSR1) = 0');
    assert.equal(line('rt_sigprocmask', [0n, P, P, 8n], 0n, { inbuf: bytes([8, (1n << 9n) | (1n << 16n)]), outbuf: bytes([8, 0]) }),
      'rt_sigprocmask(SIG_BLOCK, [USR1 CHLD], [], 8) = 0');
    assert.equal(line('rt_sigprocmask', [0n, P, P, 8n], 0n, { inbuf: bytes([8, -1n]), outbuf: bytes([8, 0]) }), 'rt_sigprocmask(SIG_BLOCK, ~[], [], 8) = 0');
    assert.equal(line('rt_sigprocmask', [0n, P, 0n, 8n], 0n, { inbuf: bytes([8, ~((1n << 31n) | (1n << 32n))]) }), 'rt_sigprocmask(SIG_BLOCK, ~[RTMIN RT_1], NULL, 8) = 0');
    assert.equal(line('rt_sigprocmask', [0n, 0n, P, 8n], 0n, { outbuf: bytes([8, ~((1n << 8n) | (1n << 18n))]) }), 'rt_sigprocmask(SIG_BLOCK, NULL, ~[KILL STOP], 8) = 0');
    assert.equal(line('rt_sigprocmask', [0n, P, 0n, 8n], 0n, { inbuf: bytes([8, (1n << 33n) | (1n << 36n) | (1n << 63n)]) }), 'rt_sigprocmask(SIG_BLOCK, [RT_2 RT_5 RT_32], NULL, 8) = 0');
  });
  it('second regions: clone3\'s parent_tid, iovec data, ppoll\'s time left, sendto\'s and recvfrom\'s addresses', () => {
    const thread = bytes([8, 0x3d0f00], [8, 0], [8, 0x7f3cb1d30990n], [8, 0x7f3cb1d30990n], [8, 0], [8, 0x7f3cb1530000n], [8, 0x7fff80], [8, 0x7f3cb1d306c0n], [8, 0], [8, 0], [8, 0]);
    assert.equal(line('clone3', [P, 88n], 29640n, { inbuf: thread, outbuf2: bytes([4, 29640]) }),
      'clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f3cb1d30990, parent_tid=0x7f3cb1d30990, exit_signal=0, stack=0x7f3cb1530000, stack_size=0x7fff80, tls=0x7f3cb1d306c0} => {parent_tid=[29640]}, 88) = 29640');
    const iov = bytes([8, 0x1000], [8, 4], [8, 0x2000], [8, 8]);
    // readv: the data as far as the call returned (10 bytes: all of the first element, 6 of the second).
    assert.equal(line('readv', [3n, P, 2n], 10n, { inbuf: iov, outbuf2: enc.encode('hello, str') }),
      'readv(3, [{iov_base="hell", iov_len=4}, {iov_base="o, str", iov_len=8}], 2) = 10');
    assert.equal(line('readv', [3n, P, 2n], neg(-9), { inbuf: iov }),
      'readv(3, [{iov_base=0x1000, iov_len=4}, {iov_base=0x2000, iov_len=8}], 2) = -1 EBADF (Bad file descriptor)');
    assert.equal(line('writev', [4n, P, 2n], 12n, { inbuf: iov, inbuf2: enc.encode('hello world\n') }),
      'writev(4, [{iov_base="hell", iov_len=4}, {iov_base="o world\\n", iov_len=8}], 2) = 12');
    const pfd = bytes([4, 3], [2, 1], [2, 0]);
    const ready = bytes([4, 3], [2, 1], [2, 1]);
    assert.equal(line('ppoll', [P, 1n, P + 64n, 0n, 8n], 1n, { inbuf: pfd, inbuf2: bytes([8, 5], [8, 0]), outbuf: ready, outbuf2: bytes([8, 4], [8, 999998445]) }),
      'ppoll([{fd=3, events=POLLIN}], 1, {tv_sec=5, tv_nsec=0}, NULL, 8) = 1 ([{fd=3, revents=POLLIN}], left {tv_sec=4, tv_nsec=999998445})');
    const in4 = bytes([2, 2], [2, 0x0900], [4, 0x0100007f], [8, 0]);
    assert.equal(line('sendto', [5n, P, 4n, 0n, P + 64n, 16n], 4n, { inbuf: enc.encode('ping'), inbuf2: in4 }),
      'sendto(5, "ping", 4, 0, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16) = 4');
    assert.equal(line('recvfrom', [5n, P, 16n, 0n, P + 64n, P + 256n], 4n, { inbuf: bytes([4, 16]), outbuf: enc.encode('ping'), outbuf2: in4, addrlen: 16 }),
      'recvfrom(5, "ping", 16, 0, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, [16]) = 4');
    // An unnamed unix peer: the kernel writes back a length of 0 and no address (strace prints the pointer).
    assert.equal(line('recvfrom', [8n, P, 64n, 0n, P + 64n, P + 256n], 2n, { inbuf: bytes([4, 110]), outbuf: enc.encode('yo'), addrlen: 0 }),
      'recvfrom(8, "yo", 64, 0, 0x7ffe1040, [110 => 0]) = 2');
  });
  it('an input set whose entry read failed is taken from the exit record\'s re-read (rt_sigprocmask)', () => {
    const { p, lines } = printer();
    const set = bytes([8, (1n << 9n) | (1n << 16n)]);
    p.onRecord(enter(7, 'rt_sigprocmask', [0n, P, P + 8n, 8n], { buf: { bytes: new Uint8Array(0), result: -14, provenance: 'lost' } }));
    p.onRecord({ ...exitRec(7, 'rt_sigprocmask', 0n, { buf: cap(bytes([8, 0]), 'exit'), reread: { str0: false, str1: false, inbuf: false, outbuf: true } }),
      buf2: cap(set, 'exit'), reread: { str0: false, str1: false, inbuf: false, outbuf: true, inbuf2: true } });
    assert.deepEqual(lines, ['rt_sigprocmask(SIG_BLOCK, [USR1 CHLD], [], 8) = 0']);
  });
  it('struct sigaction in and out', () => {
    const sa = bytes([8, 1], [8, 0x14000000], [8, 0x7f45acf13050n], [8, 1n << 14n]);
    const text = '{sa_handler=SIG_IGN, sa_mask=[TERM], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f45acf13050}';
    assert.equal(line('rt_sigaction', [12n, P, 0n, 8n], 0n, { inbuf: sa }), `rt_sigaction(SIGUSR2, ${text}, NULL, 8) = 0`);
    assert.equal(line('rt_sigaction', [12n, 0n, P, 8n], 0n, { outbuf: sa }), `rt_sigaction(SIGUSR2, NULL, ${text}, 8) = 0`);
    assert.equal(line('rt_sigaction', [1n, 0n, P, 8n], 0n, { outbuf: bytes([8, 0], [8, 0], [8, 0], [8, 0]) }), 'rt_sigaction(SIGHUP, NULL, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0');
    const info = bytes([8, 0x1234], [8, 0x4c000004], [8, 0x7f3cb1d70050n], [8, 0]);
    assert.equal(line('rt_sigaction', [11n, P, 0n, 8n], 0n, { inbuf: info }),
      'rt_sigaction(SIGSEGV, {sa_handler=0x1234, sa_mask=[], sa_flags=SA_RESTORER|SA_ONSTACK|SA_NODEFER|SA_SIGINFO, sa_restorer=0x7f3cb1d70050}, NULL, 8) = 0');
    assert.equal(line('rt_sigaction', [33n, P, 0n, 8n], 0n, { inbuf: bytes([8, 0x7f3cb1dba720n], [8, 0x1c000004], [8, 0x7f3cb1d70050n], [8, 0]) }),
      'rt_sigaction(SIGRT_1, {sa_handler=0x7f3cb1dba720, sa_mask=[], sa_flags=SA_RESTORER|SA_ONSTACK|SA_RESTART|SA_SIGINFO, sa_restorer=0x7f3cb1d70050}, NULL, 8) = 0');
  });
  it('clone flags in strace\'s order, clone3\'s clone_args, wait4 statuses', () => {
    assert.equal(line('clone', [0x1200011n, 0n, 0n, 0x7f45aced4a10n, 0n], 10164n),
      'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f45aced4a10) = 10164');
    const vfork = bytes([8, 0x4100], [8, 0], [8, 0], [8, 0], [8, 17], [8, 0x7f3cb1f16000n], [8, 0x9000], [8, 0], [8, 0], [8, 0], [8, 0]);
    assert.equal(line('clone3', [P, 88n], 12097n, { inbuf: vfork }), 'clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f3cb1f16000, stack_size=0x9000}, 88) = 12097');
    const thread = bytes([8, 0x3d0f00], [8, 0], [8, 0x7f3cb1d30990n], [8, 0x7f3cb1d30990n], [8, 0], [8, 0x7f3cb1530000n], [8, 0x7fff80], [8, 0x7f3cb1d306c0n], [8, 0], [8, 0], [8, 0]);
    assert.equal(line('clone3', [P, 88n], 12095n, { inbuf: thread }),
      'clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f3cb1d30990, parent_tid=0x7f3cb1d30990, exit_signal=0, stack=0x7f3cb1530000, stack_size=0x7fff80, tls=0x7f3cb1d306c0}, 88) = 12095');
    assert.equal(line('wait4', [10164n, P, 0n, 0n], 10164n, { outbuf: bytes([4, 7 << 8]) }), 'wait4(10164, [{WIFEXITED(s) && WEXITSTATUS(s) == 7}], 0, NULL) = 10164');
    assert.equal(line('wait4', [12096n, P, 0n, 0n], 12096n, { outbuf: bytes([4, 9]) }), 'wait4(12096, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], 0, NULL) = 12096');
    assert.equal(line('wait4', [neg(-1), 0x7fff24b9d57cn, 1n, 0n], neg(-10)), 'wait4(-1, 0x7fff24b9d57c, WNOHANG, NULL) = -1 ECHILD (No child processes)');
  });
  it('arch_prctl, set_tid_address, set_robust_list, rseq', () => {
    assert.equal(line('arch_prctl', [0x1002n, 0x7fa4fd58bc40n], 0n), 'arch_prctl(ARCH_SET_FS, 0x7fa4fd58bc40) = 0');
    assert.equal(line('arch_prctl', [0x1003n, P], 0n, { outbuf: bytes([8, 0x7f3cb1d31740n]) }), 'arch_prctl(ARCH_GET_FS, [0x7f3cb1d31740]) = 0');
    assert.equal(line('arch_prctl', [0x3001n, 0n], neg(-22)), 'arch_prctl(0x3001 /* ARCH_??? */, 0) = -1 EINVAL (Invalid argument)');
    assert.equal(line('set_tid_address', [0x7fa4fd58bf10n], 10275n), 'set_tid_address(0x7fa4fd58bf10) = 10275');
    assert.equal(line('set_robust_list', [0x7fa4fd58bf20n, 24n], 0n), 'set_robust_list(0x7fa4fd58bf20, 24) = 0');
    assert.equal(line('rseq', [0x7fa4fd58c560n, 0x20n, 0n, 0x53053053n], 0n), 'rseq(0x7fa4fd58c560, 0x20, 0, 0x53053053) = 0');
  });
});

describe('strace decoders: resources, time, futex, random', () => {
  it('rlimits with N*1024 and RLIM64_INFINITY', () => {
    assert.equal(line('prlimit64', [0n, 4n, P, 0n], 0n, { inbuf: bytes([8, 0], [8, 1024 * 1024]) }), 'prlimit64(0, RLIMIT_CORE, {rlim_cur=0, rlim_max=1024*1024}, NULL) = 0');
    assert.equal(line('prlimit64', [0n, 3n, 0n, P], 0n, { outbuf: bytes([8, 8192 * 1024], [8, -1n]) }), 'prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0');
    assert.equal(line('prlimit64', [0n, 7n, 0n, P], 0n, { outbuf: bytes([8, 20000], [8, 20000]) }), 'prlimit64(0, RLIMIT_NOFILE, NULL, {rlim_cur=20000, rlim_max=20000}) = 0');
    assert.equal(line('getrlimit', [4n, P], 0n, { outbuf: bytes([8, 0], [8, 1024 * 1024]) }), 'getrlimit(RLIMIT_CORE, {rlim_cur=0, rlim_max=1024*1024}) = 0');
  });
  it('uname and statx at exit', () => {
    const u = new Uint8Array(256);
    u.set(enc.encode('Linux'));
    u.set(enc.encode('vm'), 65);
    assert.equal(line('uname', [P], 0n, { outbuf: u }), 'uname({sysname="Linux", nodename="vm", ...}) = 0');
    const sx = new Uint8Array(256);
    const v = new DataView(sx.buffer);
    v.setUint32(0, 0x173f, true);
    v.setUint16(28, 0o100640, true);
    v.setBigUint64(40, 36n, true);
    assert.equal(line('statx', [neg(-100), P, 0x100n, 0x201n, P], 0n, { str: '/tmp/h1/siesta-calls-data', outbuf: sx }),
      'statx(AT_FDCWD, "/tmp/h1/siesta-calls-data", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW, STATX_TYPE|STATX_SIZE, {stx_mask=STATX_TYPE|STATX_MODE|STATX_NLINK|STATX_UID|STATX_GID|STATX_ATIME|STATX_INO|STATX_SIZE|STATX_BLOCKS|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFREG|0640, stx_size=36, ...}) = 0');
    v.setUint32(0, 0x17ff, true);
    v.setUint16(28, 0o40755, true);
    v.setBigUint64(40, 4096n, true);
    assert.equal(line('statx', [neg(-100), P, 0n, 0xfffn, P], 0n, { str: '/etc', outbuf: sx }),
      'statx(AT_FDCWD, "/etc", AT_STATX_SYNC_AS_STAT, STATX_ALL, {stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFDIR|0755, stx_size=4096, ...}) = 0');
  });
  it('timespecs of nanosleep and clock_nanosleep', () => {
    const ts = bytes([8, 0], [8, 1000]);
    assert.equal(line('nanosleep', [P, 0n], 0n, { inbuf: ts }), 'nanosleep({tv_sec=0, tv_nsec=1000}, NULL) = 0');
    assert.equal(line('clock_nanosleep', [1n, 0n, P, 0n], 0n, { inbuf: ts }), 'clock_nanosleep(CLOCK_MONOTONIC, 0, {tv_sec=0, tv_nsec=1000}, NULL) = 0');
    assert.equal(line('clock_nanosleep', [0n, 1n, P, 0n], 0n, { inbuf: bytes([8, 0], [8, 0]) }), 'clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, {tv_sec=0, tv_nsec=0}, NULL) = 0');
  });
  it('futex ops print the arguments each op uses', () => {
    const a = 0x7fff24b9d514n;
    assert.equal(line('futex', [a, 0x81n, 1n, 0n, 0n, 0n], 0n), 'futex(0x7fff24b9d514, FUTEX_WAKE_PRIVATE, 1) = 0');
    assert.equal(line('futex', [a, 0x80n, 1n, 0n, 0n, 0n], neg(-11)), 'futex(0x7fff24b9d514, FUTEX_WAIT_PRIVATE, 1, NULL) = -1 EAGAIN (Resource temporarily unavailable)');
    assert.equal(line('futex', [a, 0n, 1n, P, 0n, 0n], neg(-11), { inbuf: bytes([8, 0], [8, 0]) }), 'futex(0x7fff24b9d514, FUTEX_WAIT, 1, {tv_sec=0, tv_nsec=0}) = -1 EAGAIN (Resource temporarily unavailable)');
    assert.equal(line('futex', [a, 0x189n, 1n, 0n, 0n, 0xffffffffn], neg(-11)),
      'futex(0x7fff24b9d514, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 1, NULL, FUTEX_BITSET_MATCH_ANY) = -1 EAGAIN (Resource temporarily unavailable)');
    assert.equal(line('futex', [0x7f3cb1d30990n, 0x109n, 12095n, 0n, 0n, 0xffffffffn], 0n),
      'futex(0x7f3cb1d30990, FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME, 12095, NULL, FUTEX_BITSET_MATCH_ANY) = 0');
  });
  it('getrandom bytes in hex', () => {
    assert.equal(line('getrandom', [P, 8n, 1n], 8n, { outbuf: new Uint8Array([0x46, 0x1c, 0xff, 0xd9, 0xfd, 0x78, 0x64, 0xbe]) }),
      'getrandom("\\x46\\x1c\\xff\\xd9\\xfd\\x78\\x64\\xbe", 8, GRND_NONBLOCK) = 8');
  });
});

describe('strace decoders: orders and corner cases seen against ls and other programs', () => {
  it('open flags in strace\'s order, set-id and sticky mode bits, empty reads, SOCK_CLOEXEC first, madvise', () => {
    assert.equal(formatOpenFlags(0o2204000), 'O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY');
    assert.equal(formatOpenFlags(0o12600000), 'O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_PATH|O_DIRECTORY');
    assert.equal(formatOpenFlags(0o22200002), 'O_RDWR|O_CLOEXEC|O_TMPFILE');
    assert.equal(formatOpenFlags(0o7676000), 'O_RDONLY|O_APPEND|O_NONBLOCK|O_SYNC|O_DIRECT|O_NOFOLLOW|O_NOATIME|O_CLOEXEC|O_DIRECTORY|FASYNC');
    assert.equal(formatStMode(0o104755), 'S_IFREG|S_ISUID|0755');
    assert.equal(formatStMode(0o41777), 'S_IFDIR|S_ISVTX|0777');
    assert.equal(line('read', [3n, P, 1024n], 0n), 'read(3, "", 1024) = 0');
    assert.equal(line('getdents64', [3n, P, 32768n], 0n), 'getdents64(3, 0x7ffe1000 /* 0 entries */, 32768) = 0');
    assert.equal(line('socket', [1n, 0o2004001n, 0n], 3n), 'socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0) = 3');
    assert.equal(line('madvise', [0x7f3cb1530000n, 8368128n, 4n], 0n), 'madvise(0x7f3cb1530000, 8368128, MADV_DONTNEED) = 0');
  });
});

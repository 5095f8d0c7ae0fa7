// The packed record layout of `siesta trace` (src/strace/program.ts): captures follow the header back to back,
// each as long as its positive read result, so the decoder must find the second string and the buffer after
// the first string's real length, not at fixed offsets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeRecord } from '../../src/strace/events.js';
import { KIND_ENTER, KIND_EXIT, RECORD_HEADER } from '../../src/strace/program.js';
import { fatalByDefault, formatSiginfo, formatSignal } from '../../src/strace/signals.js';
import { lostReport } from '../../src/strace/tracer.js';

const enc = new TextEncoder();

function record(kind: number, lens: [number, number, number], flags: number, data: Uint8Array[]): DataView {
  const size = RECORD_HEADER + data.reduce((s, d) => s + d.length, 0);
  const b = new Uint8Array(size + 16);
  const v = new DataView(b.buffer);
  const at = 8; // a record need not start at offset 0 of the ring's view
  v.setUint32(at, kind, true);
  v.setUint32(at + 4, 101, true);
  v.setUint32(at + 8, 100, true);
  v.setUint32(at + 12, 257, true);
  v.setBigUint64(at + 16, 5000n, true);
  for (let i = 0; i < 6; i++) v.setBigUint64(at + 24 + 8 * i, BigInt(i + 1), true);
  v.setInt32(at + 72, lens[0], true);
  v.setInt32(at + 76, lens[1], true);
  v.setInt32(at + 80, lens[2], true);
  v.setUint32(at + 84, flags, true);
  let o = at + RECORD_HEADER;
  for (const d of data) {
    b.set(d, o);
    o += d.length;
  }
  return v;
}

describe('siesta trace records', () => {
  it('finds the second string and the buffer after the first string\'s real length', () => {
    const s0 = enc.encode('/a/b\0');
    const s1 = enc.encode('xyz\0');
    const buf = new Uint8Array([1, 2, 3]);
    const r = decodeRecord(record(KIND_ENTER, [5, 4, 3], 0, [s0, s1, buf]), 8, 256);
    assert.equal(r.kind, 'enter');
    assert.deepEqual([r.tid, r.tgid, r.nr, r.ns], [101, 100, 257, 5000n]);
    assert.deepEqual(r.args, [1n, 2n, 3n, 4n, 5n, 6n]);
    assert.deepEqual([...r.str[0]!.bytes], [...s0]);
    assert.deepEqual([...r.str[1]!.bytes], [...s1]);
    assert.deepEqual([...r.buf!.bytes], [1, 2, 3]);
    assert.equal(r.str[0]!.provenance, 'exact');
  });
  it('a failed read takes no room: the next capture starts where it would have', () => {
    const s1 = enc.encode('ok\0');
    const r = decodeRecord(record(KIND_EXIT, [-14, 3, 0], 1, [s1]), 8, 256);
    assert.equal(r.kind, 'exit');
    assert.equal(r.str[0]!.result, -14);
    assert.equal(r.str[0]!.provenance, 'lost');
    assert.deepEqual([...r.str[1]!.bytes], [...s1]);
    assert.equal(r.str[1]!.provenance, 'exit');
    assert.equal(r.buf, null);
  });
  it('finds the second region after the buffer: its length at 86 (s16), what it holds in the flags at 84 (u16)', () => {
    const s0 = enc.encode('/p\0');
    const out = new Uint8Array([9, 9]);
    const second = new Uint8Array([1, 0, 0, 0]);
    const v = record(KIND_EXIT, [3, 0, 2], 8 | 32, [s0, out, second]);
    v.setInt16(8 + 86, 4, true);
    const r = decodeRecord(v, 8, 256);
    assert.deepEqual([...r.buf!.bytes], [9, 9]);
    assert.deepEqual([...r.buf2!.bytes], [1, 0, 0, 0]);
    assert.equal(r.reread.outbuf2, true);
    v.setInt16(8 + 86, -14, true);
    const failed = decodeRecord(v, 8, 256);
    assert.equal(failed.buf2!.provenance, 'lost');
  });
  it('reports lost records with the total and the share', () => {
    assert.match(lostReport(250n, 750), /^siesta trace: 250 of 1000 records lost \(25\.0%\)/);
  });
});

describe('siginfo as strace prints it', () => {
  const info = (fields: [number, number, 'i32' | 'u32' | 'i64'][]): Uint8Array => {
    const b = new Uint8Array(48);
    const v = new DataView(b.buffer);
    for (const [at, value, kind] of fields) {
      if (kind === 'i64') v.setBigInt64(at, BigInt(value), true);
      else if (kind === 'u32') v.setUint32(at, value, true);
      else v.setInt32(at, value, true);
    }
    return b;
  };
  it('SIGCHLD: source, status (a number when exited, a signal when killed), times', () => {
    assert.equal(
      formatSiginfo(info([[0, 17, 'i32'], [8, 1, 'i32'], [16, 42, 'i32'], [24, 3, 'i32'], [32, 5, 'i64']])),
      '{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=42, si_uid=0, si_status=3, si_utime=5, si_stime=0}',
    );
    assert.match(formatSiginfo(info([[0, 17, 'i32'], [8, 2, 'i32'], [24, 9, 'i32']])), /si_code=CLD_KILLED, .*si_status=SIGKILL,/);
  });
  it('kill(), faults, si_errno and real-time signals', () => {
    assert.equal(formatSiginfo(info([[0, 15, 'i32'], [16, 7, 'i32'], [20, 1000, 'u32']])), '{si_signo=SIGTERM, si_code=SI_USER, si_pid=7, si_uid=1000}');
    assert.equal(formatSiginfo(info([[0, 11, 'i32'], [8, 2, 'i32'], [16, 0x1000, 'i64']])), '{si_signo=SIGSEGV, si_code=SEGV_ACCERR, si_addr=0x1000}');
    assert.equal(formatSiginfo(info([[0, 10, 'i32'], [4, 1, 'i32'], [8, -6, 'i32']])), '{si_signo=SIGUSR1, si_errno=EPERM, si_code=SI_TKILL, si_pid=0, si_uid=0}');
    assert.equal(formatSignal(34), 'SIGRT_2');
    assert.ok(fatalByDefault(15) && !fatalByDefault(17) && !fatalByDefault(28));
  });
});

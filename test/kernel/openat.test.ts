// A hand-assembled program on tracepoint:syscalls:sys_enter_openat sees this process open a known file.
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeOpenatRecord, openatCollection, type OpenatRecord } from '../../examples/openat-program.js';
import { attachTracepoint, loadCollection, RingBufferReader, sumPerCpuCounter } from '../../src/index.js';
import { assertNoLeaks, kernelUnavailable, objectBaseline } from '../helpers/kernel.js';

const skip = kernelUnavailable();
let base: ReturnType<typeof objectBaseline>;
before(() => {
  if (!skip) base = objectBaseline();
});
after(async () => {
  if (!skip) await assertNoLeaks(base);
});

test('sys_enter_openat event carries our pid and the filename pointer', { skip: skip ?? false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'siesta-'));
  const path = join(dir, 'known'); // short enough for the record's 32-byte string
  writeFileSync(path, 'x');
  try {
    using coll = loadCollection(openatCollection());
    using reader = new RingBufferReader(coll.map('events'));
    const seen: OpenatRecord[] = [];
    {
      using _link = attachTracepoint(coll.program('openat_events'), 'syscalls', 'sys_enter_openat');
      closeSync(openSync(path, 'r'));
    }
    reader.drain((view, offset, length) => {
      assert.equal(length, 64);
      seen.push(decodeOpenatRecord(view, offset));
    });
    const ours = seen.filter((r) => r.pid === process.pid && r.filename === path);
    assert.equal(ours.length, 1, `one openat of ${path} by pid ${process.pid} among ${seen.length} events`);
    const ev = ours[0]!;
    assert.equal(ev.tid, process.pid, 'openSync runs on the main thread');
    assert.equal(ev.comm, readFileSync('/proc/self/comm', 'utf8').trim());
    // A user-space pointer on x86-64: non-null, below the canonical user limit.
    assert.ok(ev.filenamePtr > 0x1000n && ev.filenamePtr < 0x0000_8000_0000_0000n, `pointer ${ev.filenamePtr.toString(16)}`);
    assert.equal(sumPerCpuCounter(coll.map('drops')), 0n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('records dropped when the ring buffer is full are counted exactly', { skip: skip ?? false }, () => {
  // A 4 KiB ring holds 56 records of 72 bytes (64 + 8-byte header); we never drain while opening.
  using coll = loadCollection(openatCollection({ ringSize: 4096 }));
  using reader = new RingBufferReader(coll.map('events'));
  const calls = 500;
  {
    using _link = attachTracepoint(coll.program('openat_events'), 'syscalls', 'sys_enter_openat');
    for (let i = 0; i < calls; i++) {
      try {
        closeSync(openSync('/nonexistent-siesta-path', 'r'));
      } catch {
        // ENOENT is the point: the syscall still happens.
      }
    }
  }
  let received = 0;
  reader.drain(() => received++);
  const drops = sumPerCpuCounter(coll.map('drops'));
  assert.equal(received, 56, 'a full 4 KiB ring holds 56 records');
  // Other processes may open files meanwhile, so at least our calls beyond capacity were dropped.
  assert.ok(Number(drops) + received >= calls, `received ${received} + dropped ${drops} >= ${calls}`);
});

test('records that wrap around the end of the ring arrive whole', { skip: skip ?? false }, () => {
  // 72-byte records in a 4 KiB ring: every 57th record starts 56 bytes before the end and runs on from its
  // start. The reader maps the data area once (not the kernel's double mapping) and must stitch those together.
  using coll = loadCollection(openatCollection({ ringSize: 4096 }));
  using reader = new RingBufferReader(coll.map('events'));
  // Each call opens its own path, so a record stitched from stale bytes names an earlier call.
  const path = (n: number) => `/nonexistent-siesta-wrap-${n}`;
  let ours = 0;
  let others = 0;
  let last = -1;
  {
    using _link = attachTracepoint(coll.program('openat_events'), 'syscalls', 'sys_enter_openat');
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 20; i++) {
        try {
          closeSync(openSync(path(round * 20 + i), 'r'));
        } catch {
          // ENOENT: the call was made, which is all the probe needs.
        }
      }
      reader.drain((view, offset, length) => {
        assert.equal(length, 64);
        const r = decodeOpenatRecord(view, offset);
        const m = /^\/nonexistent-siesta-wrap-(\d+)$/.exec(r.filename);
        if (r.pid !== process.pid || !m) {
          others++;
          return;
        }
        assert.ok(Number(m[1]) > last, `record of call ${m[1]} after call ${last}: torn`);
        last = Number(m[1]);
        ours++;
      });
    }
  }
  // 800 calls cross the end of the ring ~14 times; a torn record would decode to another pid or path.
  const drops = Number(sumPerCpuCounter(coll.map('drops')));
  assert.equal(ours + drops >= 800 && ours > 700, true, `${ours} of 800 records whole (${others} from other processes, ${drops} dropped)`);
});

// Loader and sys wrappers against a fake system-call layer that rejects any call the test did not script.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exit, ldMapFd, link, mov64Imm, R0, R1 } from '../../src/asm/index.js';
import { createMap, loadCollection, loadProgram, VerifierError } from '../../src/loader/index.js';
import { liveFds } from '../../src/sys/index.js';
import { FakeSys, u32, u64 } from '../helpers/fake-sys.js';

const BPF_MAP_CREATE = 0, BPF_MAP_LOOKUP_ELEM = 1, BPF_PROG_LOAD = 5;

test('map create fills union bpf_attr as the kernel expects', () => {
  const fake: FakeSys = new FakeSys().expect(
    {
      call: 'bpf',
      check: (cmd: number, attr: Uint8Array): void => {
        assert.equal(cmd, BPF_MAP_CREATE);
        assert.equal(u32(attr, 0), 1, 'map_type = BPF_MAP_TYPE_HASH');
        assert.equal(u32(attr, 4), 4, 'key_size');
        assert.equal(u32(attr, 8), 8, 'value_size');
        assert.equal(u32(attr, 12), 100, 'max_entries');
        assert.equal(new TextDecoder().decode(attr.subarray(28, 33)), 'count', 'map_name');
      },
      result: 7,
    },
    { call: 'close', check: (fd: number) => assert.equal(fd, 7), result: 0 },
  ).install();
  try {
    const m = createMap({ name: 'count', kind: 'hash', keySize: 4, valueSize: 8, maxEntries: 100 });
    assert.equal(m.fd.raw, 7);
    m.close();
    m.close(); // idempotent: no second close() reaches the kernel
  } finally {
    fake.done();
  }
});

test('lookup of an absent key is null, not an error', () => {
  const fake: FakeSys = new FakeSys().expect(
    { call: 'bpf', result: 3 },
    {
      call: 'bpf',
      check: (cmd: number, attr: Uint8Array): void => {
        assert.equal(cmd, BPF_MAP_LOOKUP_ELEM);
        assert.equal(u32(attr, 0), 3, 'map_fd');
        assert.deepEqual([...fake.deref(u64(attr, 8))], [1, 0, 0, 0], 'key pointer');
      },
      result: -2,
    },
    { call: 'close', result: 0 },
  ).install();
  try {
    using m = createMap({ name: 'm', kind: 'hash', keySize: 4, valueSize: 8, maxEntries: 1 });
    assert.equal(m.lookup(new Uint8Array([1, 0, 0, 0])), null);
  } finally {
    fake.done();
  }
});

test('a rejected program is loaded again with a log and becomes a VerifierError', () => {
  const log = '0: R1=ctx() R10=fp0\n0: (b7) r0 = 0\n1: (95) exit\nR0 !read_ok\nprocessed 2 insns (limit 1000000)\n';
  const fake: FakeSys = new FakeSys().expect(
    { call: 'bpf', check: (cmd: number, attr: Uint8Array) => cmd === BPF_PROG_LOAD && u32(attr, 24) === 0, result: -13 },
    {
      call: 'bpf',
      check: (cmd: number, attr: Uint8Array): void => {
        assert.equal(cmd, BPF_PROG_LOAD);
        assert.equal(u32(attr, 24), 1, 'log_level');
        const buf = fake.deref(u64(attr, 32));
        assert.equal(u32(attr, 28), buf.byteLength, 'log_size');
        buf.set(new TextEncoder().encode(log));
      },
      result: -13,
    },
  ).install();
  try {
    assert.throws(
      () => loadProgram({ name: 'p', kind: 'tracepoint', code: link([mov64Imm(R0, 0), exit()], 'p') }),
      (e: unknown) => e instanceof VerifierError && e.reason === 'R0 !read_ok' && e.log === log &&
        e.summary === "program 'p' rejected by the verifier at instruction 1: R0 !read_ok (a register was read before anything was written to it)",
    );
  } finally {
    fake.done();
  }
});

test('the log buffer grows until the whole verifier log fits', () => {
  let sizes: number[] = [];
  const grow = (cmd: number, attr: Uint8Array) => {
    sizes.push(u32(attr, 28));
    new DataView(attr.buffer, attr.byteOffset).setUint32(140, 300000, true); // log_true_size
  };
  const fake: FakeSys = new FakeSys().expect(
    { call: 'bpf', result: -22 },
    { call: 'bpf', check: grow, result: -28 },
    {
      call: 'bpf',
      check: (_cmd: number, attr: Uint8Array): void => {
        sizes.push(u32(attr, 28));
        fake.deref(u64(attr, 32)).set(new TextEncoder().encode('too big\n'));
      },
      result: -22,
    },
  ).install();
  try {
    assert.throws(() => loadProgram({ name: 'p', kind: 'tracepoint', code: link([mov64Imm(R0, 0), exit()], 'p') }), VerifierError);
    assert.equal(sizes[0], 65536);
    assert.ok(sizes[1]! > 300000, `second buffer ${sizes[1]} holds log_true_size`);
  } finally {
    sizes = [];
    fake.done();
  }
});

test('map fd relocations are patched with the loaded map fd', () => {
  const fake: FakeSys = new FakeSys().expect(
    { call: 'bpf', check: (cmd: number) => cmd === BPF_MAP_CREATE, result: 41 },
    {
      call: 'bpf',
      check: (cmd: number, attr: Uint8Array): void => {
        assert.equal(cmd, BPF_PROG_LOAD);
        const insns = fake.deref(u64(attr, 8));
        assert.equal(insns[1], 0x11, 'dst r1, src BPF_PSEUDO_MAP_FD');
        assert.equal(u32(insns, 4), 41, 'imm = map fd');
      },
      result: 42,
    },
    { call: 'close', check: (fd: number) => fd === 42, result: 0 },
    { call: 'close', check: (fd: number) => fd === 41, result: 0 },
  ).install();
  try {
    const coll = loadCollection({
      maps: [{ name: 'events', kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 }],
      programs: [{ name: 'p', kind: 'tracepoint', code: link([ldMapFd(R1, 'events'), mov64Imm(R0, 0), exit()], 'p') }],
    });
    coll.close();
  } finally {
    fake.done();
  }
});

test('a failed collection load releases what it already created', () => {
  const fake: FakeSys = new FakeSys().expect(
    { call: 'bpf', result: 10 },
    { call: 'bpf', result: 11 },
    { call: 'bpf', result: -1 },
    { call: 'bpf', result: -1 },
    { call: 'close', check: (fd: number) => fd === 10, result: 0 },
    { call: 'close', check: (fd: number) => fd === 11, result: 0 },
  ).install();
  const before = liveFds().get('map') ?? 0;
  try {
    assert.throws(() => loadCollection({
      maps: [
        { name: 'a', kind: 'array', keySize: 4, valueSize: 8, maxEntries: 1 },
        { name: 'b', kind: 'array', keySize: 4, valueSize: 8, maxEntries: 1 },
      ],
      programs: [{ name: 'p', kind: 'tracepoint', code: link([mov64Imm(R0, 0), exit()], 'p') }],
    }), /the kernel refused to load program 'p' \(EPERM\) without a verifier log/);
    assert.equal(liveFds().get('map') ?? 0, before);
  } finally {
    fake.done();
  }
});

test('an unexpected system call fails the test', () => {
  const fake = new FakeSys().install();
  try {
    assert.throws(() => createMap({ name: 'x', kind: 'hash', keySize: 4, valueSize: 4, maxEntries: 1 }), /fake: unexpected call bpf\(0/);
  } finally {
    fake.done();
  }
});

// Provenance of user-memory reads in generated code: which values carry a status slot (and so an exit re-read,
// a deferral and a mark), and what the --reads refusal names as the probes that may sleep.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile } from '../../src/codegen/index.js';
import { PROVENANCE_NONE } from '../../src/codegen/user-reads.js';
import { KPATH_MAP, kernelPathMap, kernelPathOffsets, PROVENANCE_KERNEL, returnsFd } from '../../src/codegen/kernel-path.js';
import { exitProgram } from '../../src/codegen/deferred.js';
import type { DeferredRecord } from '../../src/codegen/resources.js';
import { disassemble } from '../../src/asm/index.js';
import { markRead } from '../../src/runtime/session.js';
import type { RecordArg } from '../../src/codegen/resources.js';
import { decodeRecordArgs } from '../../src/runtime/decode.js';
import { string } from '../../src/types/types.js';
import { fakeKernelInfo } from '../helpers/fake-kernel-info.js';

const BIN = { path: '/usr/bin/app', symbols: { f: 0x1000n } };

describe('--reads refusal hint', () => {
  const source = 'tracepoint:sched:sched_switch { printf("%s\\n", str(uptr(args.prev_pid))); }';
  const hint = (sleepableUprobes: boolean) => {
    const r = compile(source, fakeKernelInfo({ binaries: [BIN], sleepableUprobes }), { floor: 'recovered' });
    assert.equal(r.ok, false);
    return r.diagnostics.render().split('\n').find((l) => l.startsWith('HINT: '));
  };

  it('names uprobes where sleepable uprobe programs load', () => {
    assert.equal(hint(true), 'HINT: probes that may sleep: tracepoint:syscalls:*, tracepoint:raw_syscalls:*, rawtracepoint:sys_enter, rawtracepoint:sys_exit, uprobe, uretprobe');
  });

  it('leaves uprobes out where they do not load (they are atomic there)', () => {
    assert.equal(hint(false), 'HINT: probes that may sleep: tracepoint:syscalls:*, tracepoint:raw_syscalls:*, rawtracepoint:sys_enter, rawtracepoint:sys_exit');
  });
});

/** The compiled script of `source` on the fake 6.18 machine. */
function script(source: string, floor?: 'recovered' | 'exact') {
  const r = compile(source, fakeKernelInfo({ binaries: [BIN] }), floor ? { floor } : {});
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.render());
  return r.script;
}

/** The diagnostics of a source that must not compile. */
function refused(source: string, floor: 'recovered' | 'exact'): string {
  const r = compile(source, fakeKernelInfo({ binaries: [BIN] }), { floor });
  assert.equal(r.ok, false);
  return r.diagnostics.render();
}

// sys_enter_read has a recorded format (test/fixtures/tracefs): its buf is a user pointer like write's.
const WRITE = 'tracepoint:syscalls:sys_enter_read';

describe('buf() of user memory', () => {
  it('carries a status slot, and its exit re-read writes after the u32 length', () => {
    const s = script(`${WRITE} { printf("%r %d\\n", buf(args.buf, 16), args.fd); }`);
    const [fmt] = s.resources.formats;
    const [b, fd] = fmt!.args;
    assert.ok(b!.statusOffset !== undefined, 'buf() has a status');
    assert.deepEqual(b!.userRead, { size: 16, str: false });
    assert.equal(fd!.statusOffset, undefined, 'a tracepoint field is no user read');
    const [d] = s.resources.deferred;
    assert.ok(d, 'the record waits for the exit when a read fails');
    assert.deepEqual(d.fixups, [{ offset: b!.offset + 4, statusOffset: b!.statusOffset!, size: 16, str: false }]);
  });

  it('of a kernel pointer, or of a string, reads no user memory', () => {
    const s = script('tracepoint:sched:sched_switch { printf("%r %r\\n", buf(args.prev_comm, 4), buf(comm, 4)); }');
    assert.ok(s.resources.formats[0]!.args.every((a) => a.statusOffset === undefined));
    assert.equal(s.resources.deferred.length, 0);
  });

  it('in an atomic probe is refused under a floor, as str() is', () => {
    assert.match(refused('tracepoint:sched:sched_switch { printf("%r\\n", buf(uptr(args.prev_pid), 8)); }', 'recovered'),
      /ERROR: buf\(\) reads user memory, which needs a probe that may sleep/);
  });
});

describe('user reads stored in variables', () => {
  it('str()/buf() in a variable keep their status up to the printf, with an exit re-read', () => {
    const s = script(`${WRITE} { $b = buf(args.buf, 16); $s = str(args.buf, 32); $c = $b; printf("%r %s %r\\n", $b, $s, $c); }`);
    const args = s.resources.formats[0]!.args;
    assert.deepEqual(args.map((a) => a.userRead), [{ size: 16, str: false }, { size: 33, str: true }, { size: 16, str: false }]);
    assert.deepEqual(s.resources.deferred[0]!.fixups.map((f) => f.offset - args.find((a) => a.statusOffset === f.statusOffset)!.offset), [4, 0, 4]);
  });

  it('a variable only ever assigned other values carries nothing', () => {
    const s = script(`${WRITE} { $s = comm; printf("%s\\n", $s); }`);
    assert.equal(s.resources.formats[0]!.args[0]!.statusOffset, undefined);
    assert.equal(s.resources.deferred.length, 0);
  });

  it('map keys and values, and scalars through user pointers in variables, are refused under a floor', () => {
    const keys = refused(`${WRITE} { @[str(args.buf)] = count(); }`, 'recovered');
    assert.match(keys, /ERROR: str\(\) stored in @ cannot carry its provenance \(--reads=recovered\)/);
    assert.match(refused(`${WRITE} { @w[tid] = buf(args.buf, 8); }`, 'exact'), /ERROR: buf\(\) stored in @w cannot carry its provenance \(--reads=exact\)/);
    assert.match(refused('tracepoint:syscalls:sys_enter_openat { $f = *args.filename; printf("%d\\n", $f); }', 'recovered'),
      /ERROR: this read of user memory stored in the variable \$f cannot carry its provenance/);
    // Without a floor they compile, as in bpftrace.
    script(`${WRITE} { @[str(args.buf)] = count(); }`);
  });
});

describe('decoding a variable\'s status', () => {
  it('a value that was not a user read this time (PROVENANCE_NONE) has no provenance', () => {
    const args: RecordArg[] = [{ type: string(8), offset: 8, statusOffset: 16 }];
    const bytes = new Uint8Array(32);
    bytes.set(new TextEncoder().encode('lit'), 8);
    new DataView(bytes.buffer).setBigInt64(16, BigInt(PROVENANCE_NONE), true);
    assert.deepEqual(decodeRecordArgs(new DataView(bytes.buffer), 0, args), [{ value: { kind: 'string', value: 'lit' } }]);
  });
});

describe('kernel path of a returned descriptor', () => {
  const offsets = { taskFiles: 1824, filesFdt: 32, fdtMaxFds: 0, fdtFd: 8, fileMnt: 64, fileDentry: 72, dentryParent: 24, dentryName: 40,
    dentryLen: 36, vfsmountRoot: 0, mountMnt: 32, mountParent: 16, mountMountpoint: 24 };
  const record = (event: string, kernelPath?: typeof offsets): DeferredRecord => ({
    format: 0, pendingMap: 'pend_0', size: 96, exit: { category: 'syscalls', event }, entry: 'p0',
    fixups: [{ offset: 8, statusOffset: 72, size: 64, str: true }], ...(kernelPath ? { kernelPath } : {}),
  });

  it('applies to the calls that return a descriptor opened from their path', () => {
    assert.deepEqual(['sys_exit_openat', 'sys_exit_openat2', 'sys_exit_open', 'sys_exit_creat', 'sys_exit_write', 'sys_exit_execve'].map((e) => returnsFd(record(e))),
      [true, true, true, true, false, false]);
    assert.equal(returnsFd({ ...record('sys_exit'), exit: { category: 'raw_syscalls', event: 'sys_exit' } }), false);
    assert.equal(kernelPathOffsets(null), null, 'no BTF, no walk');
  });

  it('the exit program walks the descriptor only when the offsets are known, in a work area twice the string', () => {
    const plain = disassemble(exitProgram(record('sys_exit_openat'), 0).code).join('\n');
    assert.doesNotMatch(plain, /get_current_task\b/);
    const walk = disassemble(exitProgram(record('sys_exit_openat', offsets), 0).code).join('\n');
    assert.match(walk, /get_current_task\b/);
    assert.equal(kernelPathMap([record('sys_exit_openat')]), null);
    const map = kernelPathMap([record('sys_exit_openat', offsets)])!;
    assert.equal(map.name, KPATH_MAP);
    assert.ok(map.valueSize >= 16 * 16 + 2 * 64, `value ${map.valueSize}`);
  });

  it('decodes status bit 43 as kernel, marked ~fd in text', () => {
    const args: RecordArg[] = [{ type: string(16), offset: 8, statusOffset: 24 }];
    const bytes = new Uint8Array(40);
    bytes.set(new TextEncoder().encode('/tmp/t/p0001'), 8);
    new DataView(bytes.buffer).setBigInt64(24, BigInt(PROVENANCE_KERNEL) + 13n, true);
    const decoded = decodeRecordArgs(new DataView(bytes.buffer), 0, args);
    assert.deepEqual(decoded, [{ value: { kind: 'string', value: '/tmp/t/p0001' }, provenance: 'kernel' }]);
    assert.equal(markRead('/tmp/t/p0001', decoded[0]!), '/tmp/t/p0001~fd');
  });
});

describe('a record waiting for the syscall exit', () => {
  it('is sent at once, its reads still marked lost, when the pending map is full', () => {
    const s = script('tracepoint:syscalls:sys_enter_openat { printf("%s\\n", str(args.filename)); }');
    const lines = disassemble(s.spec.programs[0]!.code);
    const update = lines.findIndex((l) => /call bpf_map_update_elem#2/.test(l));
    assert.ok(update > 0, 'the record is stored in the pending map');
    // The update's result is checked: a failure (E2BIG, the map full) jumps back to the output of the record.
    const check = /^(\d+): \(55\) if r0 != 0x0 goto pc(-\d+)$/.exec(lines[update + 1]!);
    assert.ok(check, `after the update: ${lines[update + 1]}`);
    const target = Number(check[1]) + 1 + Number(check[2]);
    const at = lines.findIndex((l) => l.startsWith(`${target}: `));
    assert.ok(at >= 0 && at < update, 'a jump back to code before the store');
    const output = lines.slice(at, update).findIndex((l) => /call bpf_ringbuf_(output|reserve)/.test(l));
    assert.ok(output >= 0, 'that code writes the record to the ring buffer');
  });
});

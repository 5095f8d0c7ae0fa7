// Per-CPU scratch slots (src/codegen/scratch-slots.ts): the maps' layout and what each program does with them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { disassemble } from '../../src/asm/index.js';
import { compile } from '../../src/codegen/index.js';
import { SCRATCH_BUSY_MAP, SCRATCH_SLOTS } from '../../src/codegen/scratch-slots.js';
import type { CollectionSpec, ProgramSpec } from '../../src/loader/index.js';
import { fakeKernelInfo } from '../helpers/fake-kernel-info.js';

const BIN = { path: '/usr/bin/app', symbols: { f: 0x1000n } };

function spec(source: string): CollectionSpec {
  const r = compile(source, fakeKernelInfo({ binaries: [BIN], sleepableUprobes: true }));
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.render());
  return r.script.spec;
}

const text = (p: ProgramSpec) => disassemble(p.code).join('\n');
const xchgs = (p: ProgramSpec) => text(p).split('\n').filter((l) => /atomic64_xchg/.test(l));

describe('per-CPU scratch slots', () => {
  it('one scratch buffer per slot, and one u64 busy flag per slot, per CPU', () => {
    const s = spec('tracepoint:syscalls:sys_enter_openat { printf("%s\\n", str(args.filename)); }');
    const scratch = s.maps.find((m) => m.name === 'scratch')!;
    assert.equal(scratch.kind, 'percpu_array');
    assert.equal(scratch.maxEntries, SCRATCH_SLOTS);
    assert.ok(scratch.valueSize >= 1024, 'the buffer holds the string');
    const busy = s.maps.find((m) => m.name === SCRATCH_BUSY_MAP)!;
    assert.deepEqual({ kind: busy.kind, keySize: busy.keySize, valueSize: busy.valueSize, maxEntries: busy.maxEntries },
      { kind: 'percpu_array', keySize: 4, valueSize: 8 * SCRATCH_SLOTS, maxEntries: 1 });
  });

  it('a program tries each busy flag in order with an exchange, and clears the one it took at its exit', () => {
    const [p] = spec('tracepoint:syscalls:sys_enter_openat { printf("%s\\n", str(args.filename)); }').programs;
    const x = xchgs(p!);
    assert.equal(x.length, SCRATCH_SLOTS);
    // busy[i] is at offset 8 * i of the flags' map value.
    x.forEach((l, i) => assert.ok(l.endsWith(`r1 = atomic64_xchg((u64 *)(r0 +${8 * i}), r1)`), l));
    const lines = text(p!).split('\n');
    const exit = lines.findLastIndex((l) => /exit/.test(l));
    assert.match(lines.slice(exit - 4, exit).join('\n'), /\*\(u64 \*\)\(r1 \+0\) = 0/, 'the flag is cleared before the exit');
  });

  it('a sleepable program takes no slot (it works in its thread\'s own buffer)', () => {
    const [p] = spec('uprobe:/usr/bin/app:f { printf("%s\\n", str(arg0)); }').programs;
    assert.equal(p!.sleepable, true);
    assert.equal(xchgs(p!).length, 0);
    assert.equal(xchgs(p!.fallback!).length, SCRATCH_SLOTS, 'its non-sleepable fallback does');
  });
});

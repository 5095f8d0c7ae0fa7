// Each attach kind fires: raw tracepoints, BTF-typed tracepoints, software perf events, uprobes, uretprobes
// and sleepable uprobes, each counting hits into an array map.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { alu64Imm, atomic, call, exit, jmpImm, label, ldMapFd, link, mov64Imm, mov64Reg, R0, R1, R10, R2, st } from '../../src/asm/index.js';
import {
  attachRawTracepoint, attachSoftwareEvent, attachTracing, attachUprobe, type Collection, type Link, loadCollection, type ProgramKind,
} from '../../src/index.js';
import { openElf } from '../../src/elf/index.js';
import { kernelTypes } from '../../src/kernel/btf.js';
import { programSupport } from '../../src/kernel/features.js';
import { assertNoLeaks, kernelUnavailable, objectBaseline } from '../helpers/kernel.js';

const skip = kernelUnavailable() ?? false;
let base: ReturnType<typeof objectBaseline>;
let dir = '';
before(() => {
  if (!skip) base = objectBaseline();
  dir = mkdtempSync(join(tmpdir(), 'siesta-attach-'));
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!skip) await assertNoLeaks(base);
});

/** counts[0] += 1 on every run. */
function counter(kind: ProgramKind, o: { sleepable?: boolean; attachTo?: string } = {}): Collection {
  const code = link([
    st(4, R10, -4, 0),
    ldMapFd(R1, 'counts'),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, -4),
    call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, 'out'),
    mov64Imm(R1, 1),
    atomic('add', 8, R0, 0, R1),
    label('out'),
    mov64Imm(R0, 0),
    exit(),
  ], 'count');
  return loadCollection({
    maps: [{ name: 'counts', kind: 'array', keySize: 4, valueSize: 8, maxEntries: 1 }],
    programs: [{ name: 'count', kind, code, ...o }],
  }, { kernel: kernelTypes });
}

function hits(c: Collection): bigint {
  const v = c.map('counts').lookup(new Uint8Array(4))!;
  return new DataView(v.buffer).getBigUint64(0, true);
}

async function withLink(c: Collection, attach: () => Link, trigger: () => void | Promise<void>): Promise<bigint> {
  const l = attach();
  try {
    await trigger();
  } finally {
    l.close();
  }
  return hits(c);
}

const syscalls = () => {
  for (let i = 0; i < 10; i++) spawnSync('true');
};

test('raw tracepoint sys_enter counts syscalls', { skip }, async () => {
  using c = counter('raw_tp');
  assert.ok(await withLink(c, () => attachRawTracepoint(c.program('count'), 'sys_enter'), syscalls) > 10n);
});

test('tp_btf sys_enter counts syscalls', { skip: skip || (!programSupport('tp_btf').ok && 'tp_btf does not load here') }, async () => {
  using c = counter('tp_btf', { attachTo: 'sys_enter' });
  assert.ok(await withLink(c, () => attachTracing(c.program('count')), syscalls) > 10n);
});

test('software cpu-clock at 1000 Hz on every CPU fires', { skip }, async () => {
  using c = counter('perf_event');
  const n = await withLink(c, () => attachSoftwareEvent(c.program('count'), { config: 0, frequency: 1000 }, 'profile:hz:1000'),
    () => new Promise((r) => setTimeout(r, 200)));
  assert.ok(n > 5n, `${n} samples in 200 ms`);
});

function buildTarget(): string | null {
  const src = join(dir, 'target.c');
  writeFileSync(src, `
#include <stdlib.h>
__attribute__((noinline)) int siesta_target(int a) { __asm__ volatile(""); return a * 2; }
int main(int argc, char **argv) { int n = atoi(argv[1]), s = 0; for (int i = 0; i < n; i++) s += siesta_target(i); return s == -1; }
`);
  const bin = join(dir, 'target');
  try {
    execFileSync('gcc', ['-O1', '-o', bin, src]);
  } catch {
    return null;
  }
  return bin;
}

for (const variant of [{ name: 'uprobe', retprobe: false, sleepable: false }, { name: 'uretprobe', retprobe: true, sleepable: false },
  { name: 'uprobe.s (sleepable)', retprobe: false, sleepable: true }]) {
  test(`${variant.name} on a test binary's function counts each call`, { skip }, async (t) => {
    const bin = buildTarget();
    if (!bin) return t.skip('gcc is not installed');
    if (variant.sleepable && !programSupport('uprobe', true).ok) return t.skip('sleepable uprobes do not load here');
    const { fileOffset } = openElf(bin).resolve('siesta_target');
    using c = counter('uprobe', { sleepable: variant.sleepable });
    const n = await withLink(c, () => attachUprobe(c.program('count'), { path: bin, offset: fileOffset, retprobe: variant.retprobe }),
      () => void execFileSync(bin, ['37']));
    assert.equal(n, 37n);
  });
}

/** `siesta --info`: the kernel, what it lets siesta do, and which reliable-read mechanisms are available. */
import { readFileSync } from 'node:fs';
import { release, version } from 'node:os';
import { MECHANISMS } from '../capture/mechanisms.js';
import { kernelBtf } from '../kernel/btf.js';
import {
  hasKfunc, mapSupport, type ProbedProgram, programSupport, RELIABLE_READ_KFUNCS, seccompUserNotifSupport, type Support,
} from '../kernel/features.js';
import { tracefsRoot } from '../kernel/tracefs.js';
import { privilegeProblem } from './errors.js';

function mark(s: Support): string {
  return s.ok ? 'yes' : `no (${s.reason})`;
}

function tryText(f: () => string): string {
  try {
    return f();
  } catch (e) {
    return `unavailable (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** Renders the feature report. */
export function renderInfo(siestaVersion: string): string {
  const lines: string[] = [];
  const add = (s = '') => lines.push(s);
  add(`siesta ${siestaVersion}`);
  add(`Kernel: ${release()} ${version()}`);
  add(`BTF: ${tryText(() => {
    const t0 = performance.now();
    const btf = kernelBtf();
    return btf ? `/sys/kernel/btf/vmlinux (${btf.typeCount} types, read in ${(performance.now() - t0).toFixed(1)} ms)` :
      'none (CONFIG_DEBUG_INFO_BTF unset): tracepoint, uprobe and profile probes still work; tp_btf, struct casts by name and kfunc-based reads do not';
  })}`);
  const lack = privilegeProblem();
  if (lack) {
    add();
    add(lack);
    add('(features below need root to be probed)');
    return lines.join('\n');
  }
  add(`tracefs: ${tryText(tracefsRoot)}`);
  add(`Unprivileged BPF: ${tryText(() => ['enabled', 'disabled', 'disabled (admin only)'][Number(readFileSync('/proc/sys/kernel/unprivileged_bpf_disabled', 'utf8'))] ?? 'unknown')}`);
  add();
  add('Program types:');
  const kinds: ProbedProgram[] = ['tracepoint', 'raw_tp', 'tp_btf', 'perf_event', 'uprobe', 'iter', 'fentry', 'lsm'];
  for (const k of kinds) add(`  ${k.padEnd(16)}${mark(programSupport(k))}`);
  add('Sleepable programs:');
  for (const k of ['uprobe', 'tp_btf', 'raw_tp', 'tracepoint', 'fentry'] as const) add(`  ${`${k}.s`.padEnd(16)}${mark(programSupport(k, true))}`);
  add('Maps:');
  add(`  ${'ringbuf'.padEnd(16)}${mark(mapSupport('ringbuf'))}`);
  add('kfuncs:');
  for (const k of RELIABLE_READ_KFUNCS) add(`  ${k.padEnd(32)}${hasKfunc(k) ? 'yes' : 'no'}`);
  add(`seccomp user notification: ${mark(seccompUserNotifSupport())}`);
  add();
  add('Reliable user-memory reads (strongest first):');
  for (const m of MECHANISMS) {
    const s = m.available();
    add(`  [${s.ok ? 'x' : ' '}] ${m.title}${s.ok ? '' : `: ${s.reason}`}`);
  }
  return lines.join('\n');
}

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

/**
 * Renders the feature report. With `timings` (`--info -v`), ends with how long each part took, from the
 * process start (Node itself and loading siesta's modules) to the last probe.
 */
export function renderInfo(siestaVersion: string, o: { timings?: boolean } = {}): string {
  const lines: string[] = [];
  const add = (s = '') => lines.push(s);
  const begin = performance.now(); // ms since the process started (performance.timeOrigin)
  const phases: Array<[string, number]> = [['node start-up and module loading', begin]];
  let last = begin;
  const lap = (what: string): void => {
    const now = performance.now();
    phases.push([what, now - last]);
    last = now;
  };
  const finish = (): string => {
    if (o.timings) {
      add();
      add('Timings (ms):');
      for (const [what, ms] of phases) add(`  ${what.padEnd(36)}${ms.toFixed(1).padStart(6)}`);
      add(`  ${'total'.padEnd(36)}${performance.now().toFixed(1).padStart(6)}`);
    }
    return lines.join('\n');
  };
  add(`siesta ${siestaVersion}`);
  add(`Kernel: ${release()} ${version()}`);
  add(`BTF: ${tryText(() => {
    const t0 = performance.now();
    const btf = kernelBtf();
    return btf ? `/sys/kernel/btf/vmlinux (${btf.typeCount} types, read in ${(performance.now() - t0).toFixed(1)} ms)` :
      'none (CONFIG_DEBUG_INFO_BTF unset): tracepoint, uprobe and profile probes still work; tp_btf, struct casts by name and kfunc-based reads do not';
  })}`);
  lap('vmlinux BTF');
  const lack = privilegeProblem();
  if (lack) {
    add();
    add(lack);
    add('(features below need root to be probed)');
    return finish();
  }
  add(`tracefs: ${tryText(tracefsRoot)}`);
  add(`Unprivileged BPF: ${tryText(() => ['enabled', 'disabled', 'disabled (admin only)'][Number(readFileSync('/proc/sys/kernel/unprivileged_bpf_disabled', 'utf8'))] ?? 'unknown')}`);
  lap('tracefs');
  add();
  add('Program types:');
  const kinds: ProbedProgram[] = ['tracepoint', 'raw_tp', 'tp_btf', 'perf_event', 'uprobe', 'iter', 'fentry', 'lsm'];
  for (const k of kinds) add(`  ${k.padEnd(16)}${mark(programSupport(k))}`);
  add('Sleepable programs:');
  for (const k of ['uprobe', 'tp_btf', 'raw_tp', 'tracepoint', 'fentry'] as const) add(`  ${`${k}.s`.padEnd(16)}${mark(programSupport(k, true))}`);
  add('Maps:');
  add(`  ${'ringbuf'.padEnd(16)}${mark(mapSupport('ringbuf'))}`);
  lap(`program and map probes (${kinds.length + 6} loads)`);
  add('kfuncs:');
  for (const k of RELIABLE_READ_KFUNCS) add(`  ${k.padEnd(32)}${hasKfunc(k) ? 'yes' : 'no'}`);
  add(`seccomp user notification: ${mark(seccompUserNotifSupport())}`);
  lap('kfuncs and seccomp');
  add();
  add('Reliable user-memory reads (strongest first):');
  for (const m of MECHANISMS) {
    const s = m.available();
    add(`  [${s.ok ? 'x' : ' '}] ${m.title}${s.ok ? '' : `: ${s.reason}`}`);
  }
  lap('mechanisms (bpf_wq probe)');
  return finish();
}

/**
 * `siesta trace` beside strace and perf trace (the trace-mode issue): per-call overhead in the traced process,
 * in one run, on the same workloads, with the tools interleaved round by round:
 *
 *   failing openat loop   openat-loop CALLS MISSING_PATH: one openat a call, each failing with ENOENT
 *   openat+close loop     openat-loop CALLS <an existing file>: openat then close, two syscalls a call
 *
 * under: nothing (baseline), strace -f, strace -c, perf trace -s (when perf is installed and works), siesta
 * trace (full decoding, lines to /dev/null) and siesta trace -c. Every tool starts the workload itself (as a
 * user would: `tool -o /dev/null -- CMD`), so the workload's own timing of its loop (CLOCK_MONOTONIC around the
 * timed calls, after the warm-up) is the measure; overhead per syscall = (mode - baseline) / syscalls a call.
 * Targets: siesta full decoding <= 1/10 of strace -f's overhead per call; siesta -c <= 1/20 of strace -c's.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, num, table } from './stats.js';
import { MISSING_PATH, spawnTracked, type Workload } from './workload.js';

const SIESTA_BIN = fileURLToPath(new URL('../../bin/siesta.cjs', import.meta.url));
/** Targets from the trace-mode issue: siesta's overhead over strace's, at most. */
const TARGET_FULL_VS_STRACE = 1 / 10;
const TARGET_SUMMARY_VS_STRACE_C = 1 / 20;

/** The tools, in the order each round runs them. */
export type TraceMode = 'baseline' | 'strace -f' | 'strace -c' | 'perf trace -s' | 'siesta trace' | 'siesta trace -c';

/** The two workloads. */
export type TraceWorkload = 'failing openat' | 'openat+close';

/** One run of one workload under one tool. */
export interface TraceRun {
  mode: TraceMode;
  workload: TraceWorkload;
  round: number;
  nsPerCall: number;
  /** siesta trace: the "N of M records lost" it reported, else 0. */
  lost: number;
  error?: string;
}

/** Options of the section. */
export interface TraceBenchOptions {
  rounds: number;
  calls: number;
  warmup: number;
  /** CPU of the workload (the tools stay on the bench's CPU). */
  cpu?: number;
  onRun?: (r: TraceRun) => void;
}

function works(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** The tool's command line in front of the workload's. */
function prefix(mode: TraceMode): string[] {
  switch (mode) {
    case 'baseline': return [];
    case 'strace -f': return ['strace', '-f', '-o', '/dev/null', '--'];
    case 'strace -c': return ['strace', '-c', '-o', '/dev/null', '--'];
    case 'perf trace -s': return ['perf', 'trace', '-s', '-o', '/dev/null', '--'];
    case 'siesta trace': return [process.execPath, SIESTA_BIN, 'trace', '-o', '/dev/null', '--'];
    case 'siesta trace -c': return [process.execPath, SIESTA_BIN, 'trace', '-c', '-o', '/dev/null', '--'];
  }
}

async function runOnce(workload: Workload, mode: TraceMode, which: TraceWorkload, round: number, o: TraceBenchOptions): Promise<TraceRun> {
  const path = which === 'failing openat' ? MISSING_PATH : workload.binary;
  const cmd = [...(o.cpu !== undefined ? ['taskset', '-c', String(o.cpu)] : []), workload.binary, String(o.calls), path, String(o.warmup)];
  const argv = [...prefix(mode), ...cmd];
  const child = spawnTracked(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(-1));
    child.on('close', (c) => resolve(c));
  });
  const lost = Number(/(\d+) of \d+ records lost/.exec(err)?.[1] ?? 0);
  const line = out.split('\n').find((l) => l.startsWith('{"pid"'));
  if (code !== 0 || !line) return { mode, workload: which, round, nsPerCall: Number.NaN, lost, error: `exit ${code}: ${err.trim().split('\n').slice(-2).join(' / ')}` };
  return { mode, workload: which, round, nsPerCall: (JSON.parse(line) as { ns_per_call: number }).ns_per_call, lost };
}

/** The modes this machine can run, and why the others are left out. */
export function traceModes(): { modes: TraceMode[]; missing: string[] } {
  const modes: TraceMode[] = ['baseline'];
  const missing: string[] = [];
  if (works('strace', ['-V'])) modes.push('strace -f', 'strace -c');
  else missing.push('strace: not installed');
  if (works('perf', ['trace', '-s', '-o', '/dev/null', '--', 'true'])) modes.push('perf trace -s');
  else missing.push('perf trace: not installed or not usable here');
  modes.push('siesta trace', 'siesta trace -c');
  return { modes, missing };
}

/** Runs every mode on both workloads, `rounds` times, interleaved. */
export async function benchTrace(workload: Workload, modes: readonly TraceMode[], o: TraceBenchOptions): Promise<TraceRun[]> {
  const runs: TraceRun[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (const which of ['failing openat', 'openat+close'] as const) {
      for (const mode of modes) {
        const r = await runOnce(workload, mode, which, round, o);
        runs.push(r);
        o.onRun?.(r);
      }
    }
  }
  return runs;
}

/** Syscalls one call of the workload makes. */
const SYSCALLS_PER_CALL: Record<TraceWorkload, number> = { 'failing openat': 1, 'openat+close': 2 };

/** The section's table and targets, printed; returns the summary for results.json. */
export function reportTrace(runs: readonly TraceRun[], modes: readonly TraceMode[], o: TraceBenchOptions): unknown {
  const summary = (['failing openat', 'openat+close'] as const).map((which) => {
    const of = (mode: TraceMode) => runs.filter((r) => r.workload === which && r.mode === mode);
    const base = median(of('baseline').map((r) => r.nsPerCall));
    const rows = modes.map((mode) => {
      const mine = of(mode);
      const med = median(mine.map((r) => r.nsPerCall).filter((x) => Number.isFinite(x)));
      return {
        mode, medianNsPerCall: med, roundsNsPerCall: mine.map((r) => r.nsPerCall),
        overheadNsPerSyscall: mode === 'baseline' ? 0 : (med - base) / SYSCALLS_PER_CALL[which],
        lost: mine.reduce((a, r) => a + r.lost, 0), errors: mine.flatMap((r) => (r.error ? [r.error] : [])),
      };
    });
    return { workload: which, rows };
  });
  const us = (ns: number): string => (Number.isFinite(ns) ? `${num(ns / 1000, 2)} µs` : 'n/a');
  const targets: Record<string, unknown> = {};
  for (const s of summary) {
    console.log(`\n6. siesta trace beside strace and perf trace: ${s.workload} loop (median of ${o.rounds} interleaved rounds; ${num(o.calls)} timed + ${num(o.warmup)} warm-up calls a run, ${SYSCALLS_PER_CALL[s.workload]} syscall(s) a call)`);
    const base = s.rows.find((r) => r.mode === 'baseline')!;
    console.log(table([
      ['tool', 'ns/call', 'rounds (ns/call)', 'overhead per syscall', 'x baseline', 'records lost'],
      ...s.rows.map((r) => [
        r.mode, num(r.medianNsPerCall, 0), r.roundsNsPerCall.map((x) => num(x, 0)).join(' '),
        r.mode === 'baseline' ? '-' : us(r.overheadNsPerSyscall), r.mode === 'baseline' ? '-' : `x${num(r.medianNsPerCall / base.medianNsPerCall, 1)}`,
        r.mode === 'siesta trace' ? num(r.lost) : '-',
      ]),
    ]));
    for (const r of s.rows) for (const e of new Set(r.errors)) console.log(`   NOTE ${r.mode}: ${e}`);
    const over = (m: TraceMode) => s.rows.find((r) => r.mode === m)?.overheadNsPerSyscall ?? Number.NaN;
    const full = over('siesta trace') / over('strace -f');
    const summ = over('siesta trace -c') / over('strace -c');
    const fullOk = full <= TARGET_FULL_VS_STRACE;
    const summOk = summ <= TARGET_SUMMARY_VS_STRACE_C;
    console.log(`   target: siesta trace overhead <= 1/10 of strace -f's: ${Number.isFinite(full) ? (fullOk ? 'met' : 'MISSED') : 'not checked'} (${us(over('siesta trace'))} vs ${us(over('strace -f'))}: 1/${num(1 / full, 1)})`);
    console.log(`   target: siesta trace -c overhead <= 1/20 of strace -c's: ${Number.isFinite(summ) ? (summOk ? 'met' : 'MISSED') : 'not checked'} (${us(over('siesta trace -c'))} vs ${us(over('strace -c'))}: 1/${num(1 / summ, 1)})`);
    targets[s.workload] = { fullVsStraceF: { limit: TARGET_FULL_VS_STRACE, value: full, met: fullOk }, summaryVsStraceC: { limit: TARGET_SUMMARY_VS_STRACE_C, value: summ, met: summOk } };
  }
  console.log('   every tool starts the workload (`TOOL -o /dev/null -- taskset -c N openat-loop ...`); the workload times its own loop, so start-up is not counted');
  console.log('   records lost: siesta trace\'s end-of-trace report summed over the rounds (its lines go to /dev/null, as fast as Node prints)');
  return { options: { rounds: o.rounds, calls: o.calls, warmup: o.warmup, cpu: o.cpu }, summary, runs, targets };
}

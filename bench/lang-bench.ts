/**
 * The language issue's benchmarks: siesta's CLI running bpftrace one-liners, beside bpftrace running the same
 * one-liners and beside bare `node -e 0` (the floor of anything written for Node):
 *
 *   startup   launch → `__BPFTRACE_NOTIFY_PROBES_ATTACHED` for the printf+str one-liner, and the wall time of
 *             `begin { exit(); }` (`BEGIN` for bpftrace), each with its peak RSS; `node -e 0`'s wall time and
 *             peak RSS are the floor. Kinds are interleaved round by round.
 *   cost      the traced process's ns per openat (the C workload of bench/workload.ts) under the printf+str
 *             one-liner (stdout to /dev/null) and under `@[comm] = count()`, for each tool, beside the same
 *             workload with nothing attached; interleaved round by round.
 *   rate      events/s delivered with zero loss: the workload paced at increasing rates under a printf one-liner
 *             filtered to its comm, the tool's stdout to a file; lines of the workload's path are counted
 *             against the calls made, and any "Lost N events" (stdout or stderr) counts as loss. A tool's ladder
 *             stops at its first loss or when the workload could not keep the rate (then the tool, not the
 *             rate, is the limit); when every rate passes, one flat-out run ends it.
 *
 * Tracers run on the bench's CPU (the consumer CPU when pinned), the workload on its own CPU.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BpftraceProbe } from './bpftrace.js';
import { Tracer, type TracerExit } from './tracer.js';
import { MISSING_PATH, type Workload, WORKLOAD_COMM } from './workload.js';

/** siesta's command, from dist/bench/ or bench/ alike. */
const SIESTA_BIN = fileURLToPath(new URL('../../bin/siesta.cjs', import.meta.url));
const NOTIFY = '__BPFTRACE_NOTIFY_PROBES_ATTACHED';
const BUNDLE_MAIN = fileURLToPath(new URL('../../dist/bundle/cli/main.cjs', import.meta.url));
const COMPILED_MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/**
 * Which code bin/siesta.cjs will load, by its own rule: the esbuild bundle unless dist/src/cli/main.js is newer
 * (a bare `tsc` after the build), in which case it loads dist/src module by module, ~20 ms slower to start.
 */
export function siestaEntry(): 'bundle' | 'dist/src (bundle missing or older)' {
  const mtime = (f: string): number => {
    try {
      return statSync(f).mtimeMs;
    } catch {
      return -1;
    }
  };
  return mtime(BUNDLE_MAIN) >= 0 && mtime(BUNDLE_MAIN) >= mtime(COMPILED_MAIN) ? 'bundle' : 'dist/src (bundle missing or older)';
}

/** A tracer command and how it spells what differs between bpftrace versions. */
export interface Tool {
  name: 'siesta' | 'bpftrace';
  cmd: string;
  /** Arguments before `-e PROGRAM`. */
  pre: readonly string[];
  /** Tracepoint argument access: `args.` (bpftrace 0.21+, siesta) or `args->` (bpftrace before 0.21). */
  args: 'args.' | 'args->';
  /** The begin probe's name: bpftrace 0.17 knows only `BEGIN`. */
  begin: 'begin' | 'BEGIN';
}

/**
 * The tools to compare: the `siesta` command as a user runs it (npx or PATH: bin/siesta.cjs through its shebang,
 * which gives Node its memory flags), and bpftrace when it is usable.
 */
export function langTools(bt: BpftraceProbe): Tool[] {
  const tools: Tool[] = [{ name: 'siesta', cmd: SIESTA_BIN, pre: [], args: 'args.', begin: 'begin' }];
  if (bt.ok) tools.push({ name: 'bpftrace', cmd: bt.path, pre: [], args: bt.args, begin: 'BEGIN' });
  return tools;
}

/** The one-liners, as each tool spells them. */
export const PROGRAMS = {
  printf: (t: Tool): string => `tracepoint:syscalls:sys_enter_openat { printf("%s\\n", str(${t.args}filename)); }`,
  count: (_t: Tool): string => 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }',
  beginExit: (t: Tool): string => `${t.begin} { exit(); }`,
  filtered: (t: Tool): string =>
    `tracepoint:syscalls:sys_enter_openat /comm == "${WORKLOAD_COMM}"/ { printf("%s\\n", str(${t.args}filename)); }`,
};

const run = (t: Tool, program: string): { cmd: string; args: string[] } => ({ cmd: t.cmd, args: [...t.pre, '-e', program] });

function failure(what: string, e: TracerExit & { hung?: string }): string | undefined {
  if (e.code === 0 && e.hung === undefined) return undefined;
  const how = e.hung !== undefined ? `did not exit within 5 s of SIGINT (threads waiting in ${e.hung || '?'}); SIGKILL` : `exited ${e.code ?? e.signal}`;
  const err = e.stderr.trim().split('\n').filter((l) => !/RLIMIT_MEMLOCK/.test(l)).slice(-3).join(' | ');
  return `${what} ${how}${err ? `; stderr: ${err}` : ''}`;
}

// ---------------------------------------------------------------------------------------------------------
// Start-up and memory.

/** What a start-up run measured. */
export type StartupKind = 'floor' | 'attach' | 'begin-exit';

/** One start-up run. */
export interface StartupRun {
  round: number;
  tool: 'node' | Tool['name'];
  kind: StartupKind;
  /** floor and begin-exit: spawn → exit; attach: spawn → the NOTIFY line. */
  ms: number;
  /** attach: spawn → exit after the SIGINT sent on NOTIFY. */
  exitMs?: number;
  peakRssKiB?: number;
  /** SIGINTs it took to stop (attach runs; more than 1: see Tracer.stop). */
  sigints?: number;
  /** Set when the process did not exit 0. */
  error?: string;
}

/** Runs `rounds` interleaved rounds of node -e 0, then each tool's attach and begin-exit runs (after one untimed round). */
export async function benchStartup(tools: readonly Tool[], o: { rounds: number; onRound?: (round: number, runs: StartupRun[]) => void }): Promise<StartupRun[]> {
  const runs: StartupRun[] = [];
  for (let round = 0; round <= o.rounds; round++) {
    const mine: StartupRun[] = [];
    mine.push(await floorRun(round));
    for (const t of tools) {
      mine.push(await attachRun(t, round));
      mine.push(await beginExitRun(t, round));
    }
    // Round 0 warms the page cache and the kernel's BTF/tracefs caches; it is not kept.
    if (round > 0) {
      runs.push(...mine);
      o.onRound?.(round, mine);
    }
  }
  return runs;
}

async function floorRun(round: number): Promise<StartupRun> {
  const t = Tracer.spawn({ cmd: process.execPath, args: ['-e', '0'], stdout: 'pipe', rss: true });
  const e = await t.exited;
  const error = failure('node -e 0', e);
  return { round, tool: 'node', kind: 'floor', ms: e.ms, ...rss(e), ...(error ? { error } : {}) };
}

async function attachRun(tool: Tool, round: number): Promise<StartupRun> {
  const t = Tracer.spawn({ ...run(tool, PROGRAMS.printf(tool)), stdout: 'pipe', env: { [NOTIFY]: '1' }, rss: true });
  let ms: number;
  try {
    ms = await t.waitForLine(new RegExp(`^${NOTIFY}$`));
  } catch (e) {
    await t.stop(2000);
    throw e;
  }
  const e = await t.stop();
  const error = failure(tool.name, e);
  return { round, tool: tool.name, kind: 'attach', ms, exitMs: e.ms, sigints: e.sigints, ...rss(e), ...(error ? { error } : {}) };
}

async function beginExitRun(tool: Tool, round: number): Promise<StartupRun> {
  const t = Tracer.spawn({ ...run(tool, PROGRAMS.beginExit(tool)), stdout: 'pipe', rss: true });
  const e = await t.exited;
  const error = failure(tool.name, e);
  return { round, tool: tool.name, kind: 'begin-exit', ms: e.ms, ...rss(e), ...(error ? { error } : {}) };
}

const rss = (e: TracerExit): { peakRssKiB?: number } => (e.peakRssKiB !== undefined ? { peakRssKiB: e.peakRssKiB } : {});

// ---------------------------------------------------------------------------------------------------------
// Per-event cost of one-liners.

/** A cost mode: nothing attached, or a tool running a one-liner with stdout to /dev/null. */
export type LangCostMode = 'baseline' | `${Tool['name']}-${'printf' | 'count'}`;

/** One workload run under one mode. */
export interface LangCostRun {
  mode: LangCostMode;
  round: number;
  nsPerCall: number;
  /** Timed plus warm-up calls. */
  events: number;
  peakRssKiB?: number;
  /** "Lost N events" on the tool's stderr (siesta prints it there; bpftrace 0.17 on stdout, /dev/null here). */
  lost?: number;
  /** Spawn → programs running, ms (includes the BPF_ENABLE_STATS polling). */
  readyMs?: number;
  /** SIGINTs it took to stop (more than 1: see Tracer.stop). */
  sigints?: number;
  error?: string;
}

/** Runs the workload under every mode, `rounds` rounds, modes interleaved within each round. */
export async function benchLangCost(
  w: Workload, tools: readonly Tool[],
  o: { rounds: number; calls: number; warmup: number; cpu?: number; onRound?: (round: number, runs: LangCostRun[]) => void },
): Promise<LangCostRun[]> {
  const modes: LangCostMode[] = ['baseline'];
  for (const kind of ['printf', 'count'] as const) for (const t of tools) modes.push(`${t.name}-${kind}`);
  const args = { calls: o.calls, warmup: o.warmup, ...(o.cpu !== undefined ? { cpu: o.cpu } : {}) };
  const runs: LangCostRun[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    const mine: LangCostRun[] = [];
    for (const mode of modes) {
      if (mode === 'baseline') {
        const r = await w.run(args);
        mine.push({ mode, round, nsPerCall: r.nsPerCall, events: r.calls + r.warmup });
        continue;
      }
      const [name, kind] = mode.split('-') as [Tool['name'], 'printf' | 'count'];
      const tool = tools.find((t) => t.name === name)!;
      const t = Tracer.spawn({ ...run(tool, PROGRAMS[kind](tool)), stdout: 'ignore', rss: true, watchPrograms: true });
      let readyMs: number;
      let r;
      try {
        readyMs = await t.waitUntilFiring();
        r = await w.run(args);
      } catch (e) {
        await t.stop(2000);
        throw e;
      }
      const e = await t.stop();
      const error = failure(tool.name, e);
      mine.push({
        mode, round, nsPerCall: r.nsPerCall, events: r.calls + r.warmup, readyMs, sigints: e.sigints, ...rss(e),
        lost: lostIn(e.stderr), ...(error ? { error } : {}),
      });
    }
    runs.push(...mine);
    o.onRound?.(round, mine);
  }
  return runs;
}

/** The sum of every "Lost N events" in `text`. */
export function lostIn(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/Lost (\d+) events/g)) n += Number(m[1]);
  return n;
}

// ---------------------------------------------------------------------------------------------------------
// Events/s with zero loss.

/** One paced run of the workload under the filtered printf one-liner. */
export interface RateRun {
  tool: Tool['name'];
  /** Requested calls/s; 0 = flat out. */
  rate: number;
  /** Calls/s the workload achieved (its own clock). */
  achieved: number;
  calls: number;
  /** Lines equal to the workload's path in the tool's output. */
  lines: number;
  /** Sum of "Lost N events" on stdout and stderr. */
  lost: number;
  zeroLoss: boolean;
  /** The workload fell more than 5% short of the requested rate. */
  saturated: boolean;
  /** After the workload ended, ms until the tool's output stopped growing (its backlog). */
  settleMs: number;
  peakRssKiB?: number;
  error?: string;
}

/** Default ladder of rates, calls/s. */
export const DEFAULT_RATES = [25_000, 50_000, 75_000, 100_000, 150_000, 200_000, 300_000, 400_000, 600_000, 800_000];

/**
 * Climbs `rates` for each tool (see the file comment); each step makes `seconds` × rate calls (flat out:
 * `flatCalls`).
 */
export async function benchRates(
  w: Workload, tools: readonly Tool[],
  o: { rates: readonly number[]; seconds: number; flatCalls: number; cpu?: number; onRun?: (r: RateRun) => void },
): Promise<RateRun[]> {
  const dir = mkdtempSync(join(tmpdir(), 'siesta-bench-rate-'));
  const runs: RateRun[] = [];
  try {
    for (const tool of tools) {
      for (const rate of [...o.rates, 0]) {
        const r = await rateRun(w, tool, rate, rate ? Math.max(1000, Math.round(rate * o.seconds)) : o.flatCalls, join(dir, `${tool.name}-${rate}.out`), o.cpu);
        runs.push(r);
        o.onRun?.(r);
        if (!r.zeroLoss || r.saturated || r.error) break;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return runs;
}

async function rateRun(w: Workload, tool: Tool, rate: number, calls: number, outFile: string, cpu?: number): Promise<RateRun> {
  const t = Tracer.spawn({ ...run(tool, PROGRAMS.filtered(tool)), stdout: { file: outFile }, rss: true, watchPrograms: true });
  let r;
  let settleMs: number;
  try {
    await t.waitUntilFiring();
    r = await w.run({ calls, warmup: 0, ...(rate ? { rate } : {}), ...(cpu !== undefined ? { cpu } : {}) });
    settleMs = await settle(outFile, 250, 20_000);
  } catch (e) {
    await t.stop(2000);
    throw e;
  }
  const e = await t.stop();
  const out = readFileSync(outFile, 'utf8');
  let lines = 0;
  for (let at = out.indexOf(`${MISSING_PATH}\n`); at >= 0; at = out.indexOf(`${MISSING_PATH}\n`, at + 1)) {
    if (at === 0 || out[at - 1] === '\n') lines++;
  }
  const lost = lostIn(out) + lostIn(e.stderr);
  const achieved = 1e9 / r.nsPerCall;
  const error = failure(tool.name, e);
  return {
    tool: tool.name, rate, achieved, calls: r.calls, lines, lost, zeroLoss: lost === 0 && lines === r.calls && !error,
    saturated: rate > 0 && achieved < rate * 0.95, settleMs, ...rss(e), ...(error ? { error } : {}),
  };
}

/** Waits until `file` has not grown for `quietMs`; resolves with the ms waited (at most `maxMs`). */
async function settle(file: string, quietMs: number, maxMs: number): Promise<number> {
  const t0 = Date.now();
  let size = -1;
  let since = t0;
  for (;;) {
    const now = Date.now();
    const s = statSync(file).size;
    if (s !== size) {
      size = s;
      since = now;
    } else if (now - since >= quietMs) {
      return since - t0;
    }
    if (now - t0 > maxMs) return now - t0;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The highest achieved rate among a tool's zero-loss runs (0 when none). */
export function bestRate(runs: readonly RateRun[], tool: Tool['name']): number {
  return Math.max(0, ...runs.filter((r) => r.tool === tool && r.zeroLoss).map((r) => r.achieved));
}

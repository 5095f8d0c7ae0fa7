/**
 * siesta's benchmark (`npm run bench`, as root): in one run, side by side,
 *
 *   1. the per-event cost inside a traced process (bench/cost-bench.ts): a C workload times openat calls with
 *      nothing attached, with siesta's openat program and batched wake-ups, with per-event wake-ups, and under
 *      bpftrace when it is installed; the modes are interleaved round by round and medians are reported;
 *   2. the Node consumer's ring-buffer drain rate in records/s (bench/ringbuf-bench.ts);
 *   3-5. the language (bench/lang-bench.ts): siesta's CLI running bpftrace one-liners beside bpftrace and beside
 *      bare `node -e 0`: launch → probes attached, `begin { exit(); }`, peak RSS, the traced process's cost of a
 *      printf+str and a count one-liner, and the highest events/s delivered with zero loss;
 *   6. `siesta trace` (bench/trace-bench.ts): per-syscall overhead of strace -f, strace -c, perf trace -s,
 *      siesta trace and siesta trace -c on a failing openat loop and an openat+close loop;
 *
 * printed as tables, with the machine at the top, and written to bench/out/results.json.
 *
 *   npm run bench -- [--rounds 5] [--calls 200000] [--drain-rounds 5] [--lang-rounds 5] [--rate-seconds 1]
 *                    [--rates 50000,100000,...] [--no-foundation] [--no-lang] [--no-bpftrace] [--no-install] [--no-pin]
 *                    [--no-trace] [--trace-rounds 3] [--trace-calls 20000] [--no-reads]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanup } from '../src/index.js';
import { listObjects, liveFds } from '../src/sys/index.js';
import { type BpftraceProbe, findBpftrace } from './bpftrace.js';
import { type CostMode, type CostOptions, type CostRun, runBaseline, runBpftrace, runSiesta } from './cost-bench.js';
import { machineInfo, type Pinning, pinForBench } from './machine.js';
import {
  benchLangCost, benchRates, benchStartup, bestRate, DEFAULT_RATES, type LangCostMode, type LangCostRun, langTools, PROGRAMS,
  type RateRun, siestaEntry, type StartupKind, type StartupRun, type Tool,
} from './lang-bench.js';
import { benchReads } from './reads-bench.js';
import { benchDrain, type DrainRun } from './ringbuf-bench.js';
import { benchTrace, reportTrace, traceModes } from './trace-bench.js';
import { peakRssMethod } from './tracer.js';
import { median, num, table } from './stats.js';
import { MISSING_PATH, Workload } from './workload.js';

const OUT_DIR = fileURLToPath(new URL('../../bench/out/', import.meta.url));
const MiB = 1 << 20;
/** Targets from the foundation issue. */
const TARGET_NS_PER_EVENT = 2000;
const TARGET_DRAIN_PER_SEC = 1_000_000;
/** Targets from the language issue. */
const TARGET_ATTACH_OVER_NODE_MS = 60;
const TARGET_BEGIN_EXIT_OVER_NODE_MS = 50;
const TARGET_PEAK_RSS_MIB = 60;
const TARGET_PRINTF_NS_PER_EVENT = 2000;
const TARGET_ZERO_LOSS_PER_SEC = 300_000;

const LABELS: Record<CostMode, string> = {
  baseline: '(a) no program attached',
  batched: '(b) siesta, batched wake-ups',
  'per-event': '(c) siesta, per-event wake-ups',
  forced: "(c') siesta, BPF_RB_FORCE_WAKEUP",
  bpftrace: '(d) bpftrace printf > /dev/null',
};

/** The three load averages of /proc/loadavg ("1.02 0.80 0.61"), or "unknown". */
function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, not '${v}'`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      calls: { type: 'string', default: '200000' },
      'drain-rounds': { type: 'string', default: '5' },
      'no-bpftrace': { type: 'boolean', default: false },
      'no-install': { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      'lang-rounds': { type: 'string', default: '5' },
      'rate-seconds': { type: 'string', default: '1' },
      rates: { type: 'string', default: DEFAULT_RATES.join(',') },
      'no-foundation': { type: 'boolean', default: false },
      'no-lang': { type: 'boolean', default: false },
      'no-trace': { type: 'boolean', default: false },
      'no-reads': { type: 'boolean', default: false },
      'trace-rounds': { type: 'string', default: '3' },
      'trace-calls': { type: 'string', default: '20000' },
    },
  });
  const rounds = positiveInt('rounds', values.rounds);
  const calls = positiveInt('calls', values.calls);
  const drainRounds = positiveInt('drain-rounds', values['drain-rounds']);
  const langRounds = positiveInt('lang-rounds', values['lang-rounds']);
  const rateSeconds = Number(values['rate-seconds']);
  if (!(rateSeconds > 0)) throw new Error(`--rate-seconds must be a positive number, not '${values['rate-seconds']}'`);
  const traceRounds = positiveInt('trace-rounds', values['trace-rounds']);
  const traceCalls = positiveInt('trace-calls', values['trace-calls']);
  const rates = values.rates.split(',').map((r) => positiveInt('rates', r.trim())).sort((a, b) => a - b);
  if (process.getuid?.() !== 0) {
    console.error('bench: needs root (BPF_PROG_LOAD, perf_event_open); run it as root');
    return 1;
  }
  installCleanup();

  const machine = machineInfo();
  const started = new Date();
  console.log(`siesta bench, ${started.toISOString()}`);
  console.log(`machine: nproc ${machine.nproc}, kernel ${machine.kernel}, ${machine.cpuModel}${machine.virtualised ? ' (virtual)' : ''}, Node ${machine.node}`);
  const { pinning, note: pinNote } = pinForBench(!values['no-pin']);
  console.log(`pinning: ${pinNote}`);

  using workload = Workload.build();
  const bt: BpftraceProbe = values['no-bpftrace'] ? { ok: false, why: 'skipped (--no-bpftrace)' } : findBpftrace({ install: !values['no-install'], logDir: OUT_DIR });
  console.log(bt.ok ? `bpftrace: ${bt.version}${bt.installed ? ' (installed by this run)' : ''}, program: ${bt.program}` : `bpftrace: ${bt.why}`);

  const sections: Record<string, unknown> = {};
  if (!values['no-foundation']) Object.assign(sections, await foundation({ workload, bt, pinning, rounds, calls, drainRounds }));
  if (!values['no-lang']) {
    sections['language'] = await language({ workload, bt, pinning, rounds: langRounds, calls, rates, rateSeconds });
  }
  if (!values['no-trace']) sections['trace'] = await traceSection(workload, pinning, traceRounds, traceCalls);

  const leaked = Object.fromEntries(liveFds());
  if (Object.keys(leaked).length) console.log(`\nWARNING: siesta fds still open at the end: ${JSON.stringify(leaked)}`);

  mkdirSync(OUT_DIR, { recursive: true });
  const out = `${OUT_DIR}results.json`;
  writeFileSync(out, `${JSON.stringify({
    started: started.toISOString(), argv: process.argv.slice(2), machine, pinning, pinNote,
    bpftrace: bt.ok ? { version: bt.version, program: bt.program, installedByThisRun: bt.installed } : { missing: bt.why },
    ...sections,
    leakedFds: leaked,
  }, null, 2)}\n`);
  console.log(`\nresults: ${out}`);
  if (!values['no-reads']) await benchReads({ pinning, bt, resultsFile: out });
  return 0;
}

/** What the foundation and language sections need. */
interface SectionContext {
  workload: Workload;
  bt: BpftraceProbe;
  pinning: Pinning;
  rounds: number;
  calls: number;
}

/** Section 6: siesta trace beside strace and perf trace. */
async function traceSection(workload: Workload, pinning: Pinning, rounds: number, calls: number): Promise<unknown> {
  const { modes, missing } = traceModes();
  const o = {
    rounds, calls, warmup: Math.floor(calls / 10), ...(pinning.workloadCpu !== undefined ? { cpu: pinning.workloadCpu } : {}),
    onRun: (r: { mode: string; workload: string; round: number; nsPerCall: number; error?: string }) =>
      console.log(`  round ${r.round}/${rounds} ${r.workload}, ${r.mode}: ${r.error ?? `${num(r.nsPerCall, 0)} ns/call`}`),
  };
  console.log(`
trace: ${rounds} rounds of ${modes.join(', ')} on a failing openat loop and an openat+close loop${missing.length ? `; left out: ${missing.join('; ')}` : ''}`);
  const runs = await benchTrace(workload, modes, o);
  return { ...(reportTrace(runs, modes, o) as object), missing };
}

/** Sections 1 and 2: the hand-assembled openat program's per-event cost, and the ring-buffer drain rate. */
async function foundation({ workload, bt, pinning, rounds, calls, drainRounds }: SectionContext & { drainRounds: number }): Promise<{ cost: unknown; drain: unknown }> {
  // 1. Per-event cost, modes interleaved round by round.
  const cost: CostOptions = {
    calls, warmup: Math.floor(calls / 10), ringSize: 8 * MiB, pollMs: 10,
    ...(pinning.workloadCpu !== undefined ? { cpu: pinning.workloadCpu } : {}),
  };
  const modes: CostMode[] = ['baseline', 'batched', 'per-event', 'forced', ...(bt.ok ? ['bpftrace' as const] : [])];
  console.log(`\nper-event cost: ${rounds} rounds of ${modes.join(', ')}; each run ${num(cost.warmup)} warm-up + ${num(calls)} timed openat("${MISSING_PATH}") = ENOENT`);
  const runs: CostRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    const line: string[] = [];
    for (const mode of modes) {
      const r = mode === 'baseline'
        ? await runBaseline(workload, cost, round)
        : mode === 'bpftrace' && bt.ok
          ? await runBpftrace(workload, cost, round, bt)
          : await runSiesta(workload, cost, round, mode === 'batched' ? 'none' : mode === 'per-event' ? 'caught-up' : 'forced');
      runs.push(r);
      line.push(`${mode} ${num(r.nsPerCall, 1)}`);
    }
    console.log(`  round ${round}/${rounds}: ${line.join(', ')} ns/call`);
  }
  // The program's own run time, from one extra batched run with BPF_ENABLE_STATS (not part of the medians).
  const statsRun = await runSiesta(workload, cost, 0, 'none', true);

  const baseline = median(runs.filter((r) => r.mode === 'baseline').map((r) => r.nsPerCall));
  const summary = modes.map((mode) => {
    const mine = runs.filter((r) => r.mode === mode);
    const med = median(mine.map((r) => r.nsPerCall));
    const siesta = mode === 'batched' || mode === 'per-event' || mode === 'forced';
    const sum = (f: (r: CostRun) => number | undefined): number => mine.reduce((a, r) => a + (f(r) ?? 0), 0);
    return {
      mode, label: LABELS[mode], medianNsPerCall: med, roundsNsPerCall: mine.map((r) => r.nsPerCall),
      perEventNs: mode === 'baseline' ? 0 : med - baseline,
      events: sum((r) => r.events),
      ...(siesta
        ? {
          records: sum((r) => r.records), startupRecords: sum((r) => r.startupRecords), drops: sum((r) => r.drops),
          batches: sum((r) => r.batches), otherRecords: sum((r) => r.otherRecords),
        }
        : {}),
    };
  });

  // 2. Drain rate.
  const drainRing = 64 * MiB;
  console.log(`\nring-buffer drain: ${drainRounds} rounds (+2 with the full decoder), ring ${drainRing / MiB} MiB, filled while Node is not reading`);
  const drains: DrainRun[] = await benchDrain(workload, {
    ringSize: drainRing, rounds: drainRounds, decodeRounds: 2,
    ...(pinning.workloadCpu !== undefined ? { cpu: pinning.workloadCpu } : {}),
  });
  const drainPid = median(drains.filter((d) => d.handler === 'pid').map((d) => d.recordsPerSec));
  const drainFull = median(drains.filter((d) => d.handler === 'full-decode').map((d) => d.recordsPerSec));

  // Tables.
  const batched = summary.find((s) => s.mode === 'batched')!;
  console.log(`\n1. Per-event cost in the traced process (median of ${rounds} interleaved rounds; per event = mode - (a))`);
  console.log(table([
    ['mode', 'ns/call', 'rounds (ns/call)', 'per event', 'records/calls', 'drops', 'batches', 'startup', 'other procs'],
    ...summary.map((s) => [
      s.label, num(s.medianNsPerCall, 1), s.roundsNsPerCall.map((x) => num(x, 0)).join(' '),
      s.mode === 'baseline' ? '-' : `${s.perEventNs >= 0 ? '+' : ''}${num(s.perEventNs, 0)} ns`,
      s.records !== undefined ? `${num(s.records)}/${num(s.events)}` : '-',
      s.drops !== undefined ? num(s.drops) : '-',
      s.batches !== undefined ? num(s.batches) : '-',
      s.startupRecords !== undefined ? num(s.startupRecords) : '-',
      s.otherRecords !== undefined ? num(s.otherRecords) : '-',
    ]),
  ]));
  console.log('   records/calls: records of the workload\'s openat calls (its pid, its path) over the calls it made, all rounds;');
  console.log('   batches: drain() calls that found records; startup: the workload pid\'s openat before main() (spawn, taskset, ld.so)');
  console.log(`   workload: ${num(calls)} timed + ${num(cost.warmup)} warm-up calls a run, ${pinning.workloadCpu !== undefined ? `pinned to CPU ${pinning.workloadCpu}` : 'not pinned'}; siesta modes: ring ${cost.ringSize / MiB} MiB, RingBufferReader.run pollMs ${cost.pollMs}, consumer ${pinning.consumerCpu !== undefined ? `on CPU ${pinning.consumerCpu}` : 'not pinned'}`);
  const perEvent = summary.find((s) => s.mode === 'per-event');
  if (perEvent?.records && perEvent.batches) {
    console.log(`   (c): the kernel wakes the consumer only for a record submitted when it had caught up (cons_pos == record), so this consumer saw ${num(perEvent.records / perEvent.batches, 1)} records a wake-up`);
  }
  console.log("   (c'): not asked for by the issue: every record submitted with BPF_RB_FORCE_WAKEUP (flags patched in a copy of the example), the worst case of per-event wake-ups");
  if (bt.ok) console.log("   (d): bpftrace's own output, including any 'Lost N events', goes to /dev/null: its records are not counted");
  else console.log(`   bpftrace: ${bt.why}`);
  const sample = runs.find((r) => r.sample)?.sample;
  if (sample) console.log(`   a record: pid ${sample.pid} comm ${JSON.stringify(sample.comm)} filename ${JSON.stringify(sample.filename)}`);
  if (statsRun.progNsPerRun !== undefined) {
    console.log(`   BPF program's own run time (BPF_ENABLE_STATS, one extra batched run): ${num(statsRun.progNsPerRun, 0)} ns/event over ${num(statsRun.progRuns ?? 0)} runs; that run ${num(statsRun.nsPerCall, 1)} ns/call`);
  }
  const costOk = batched.perEventNs <= TARGET_NS_PER_EVENT;
  console.log(`   target: batched <= ${num(TARGET_NS_PER_EVENT)} ns/event: ${costOk ? 'met' : 'MISSED'} (${num(batched.perEventNs, 0)} ns)`);

  console.log(`\n2. Ring-buffer drain rate (drain() alone, timed after the kernel filled the ${drainRing / MiB} MiB ring; early rounds include V8 warming up)`);
  console.log(table([
    ['round', 'handler', 'records', 'of workload', 'MiB', 'ms', 'records/s', 'left', 'drops', 'faults'],
    ...drains.map((d) => [
      String(d.round), d.handler, num(d.records), num(d.workloadRecords), num(d.bytes / MiB, 1), num(d.ms, 1),
      num(d.recordsPerSec), num(d.leftBytes), num(d.drops), num(d.minorFaults),
    ]),
  ]));
  const drainOk = drainPid >= TARGET_DRAIN_PER_SEC;
  console.log(`   median records/s: pid ${num(drainPid)}, full decode ${num(drainFull)}`);
  console.log('   handlers: pid = getUint32 of the tgid and a compare; full-decode = examples\' decodeOpenatRecord (BigInt, 2 TextDecoder strings)');
  console.log('   left: bytes still pending after the drain; faults: minor page faults during the drain');
  console.log(`   target: pid drain >= ${num(TARGET_DRAIN_PER_SEC)} records/s: ${drainOk ? 'met' : 'MISSED'}`);
  return {
    cost: { options: { ...cost, path: MISSING_PATH }, summary, runs, statsRun, target: { nsPerEvent: TARGET_NS_PER_EVENT, met: costOk } },
    drain: { ringSize: drainRing, runs: drains, medianPid: drainPid, medianFullDecode: drainFull, target: { recordsPerSec: TARGET_DRAIN_PER_SEC, met: drainOk } },
  };
}

/** Sections 3-5: the language, siesta's CLI beside bpftrace and bare Node. */
async function language({ workload, bt, pinning, rounds, calls, rates, rateSeconds }: SectionContext & { rates: number[]; rateSeconds: number }): Promise<unknown> {
  const tools = langTools(bt);
  const names = tools.map((t) => t.name);
  const cpu = pinning.workloadCpu !== undefined ? { cpu: pinning.workloadCpu } : {};
  const rssMethod = peakRssMethod();
  const programs = Object.fromEntries(tools.map((t) => [t.name, {
    printf: PROGRAMS.printf(t), count: PROGRAMS.count(t), beginExit: PROGRAMS.beginExit(t), filtered: PROGRAMS.filtered(t),
  }]));
  const tried = (t: Tool): string => `${t.name}: ${[t.cmd, ...t.pre].join(' ')} -e '...'`;
  const sectionStart = Date.now();
  const loadBefore = loadAverage();
  const foreignProgs = listObjects('prog').length;
  console.log(`\nmachine load at the start of the language section: loadavg ${loadBefore}; ${foreignProgs} BPF programs already loaded by other processes`);
  const entryBefore = siestaEntry();
  console.log(`\nlanguage: ${tools.map(tried).join('; ')}; siesta loads ${entryBefore}`);
  console.log(`  peak RSS by ${rssMethod === 'gnu-time' ? "GNU time's %M (/usr/bin/time wraps every command here, node -e 0 included)" : 'VmHWM polled every 5 ms'}`);

  // 3. Start-up and memory.
  console.log(`\nstart-up: 1 untimed + ${rounds} rounds of node -e 0, then per tool: printf one-liner until ${'__BPFTRACE_NOTIFY_PROBES_ATTACHED'} (then SIGINT), begin { exit(); }`);
  const startup = await benchStartup(tools, {
    rounds,
    onRound: (round, mine) => console.log(`  round ${round}/${rounds}: ${mine.map((r) => `${r.tool} ${r.kind} ${num(r.ms, 0)}`).join(', ')} ms`),
  });
  const med = (tool: StartupRun['tool'], kind: StartupKind, f: (r: StartupRun) => number | undefined): number =>
    median(startup.filter((r) => r.tool === tool && r.kind === kind).map(f).filter((x): x is number => x !== undefined));
  const floorMs = med('node', 'floor', (r) => r.ms);
  const floorRss = med('node', 'floor', (r) => r.peakRssKiB);
  const startupSummary = Object.fromEntries(names.map((n) => [n, {
    attachMs: med(n, 'attach', (r) => r.ms), beginExitMs: med(n, 'begin-exit', (r) => r.ms),
    attachRssKiB: med(n, 'attach', (r) => r.peakRssKiB), beginExitRssKiB: med(n, 'begin-exit', (r) => r.peakRssKiB),
  }]));
  const siestaStart = startupSummary['siesta']!;
  const roundsOf = (tool: StartupRun['tool'], kind: StartupKind, f: (r: StartupRun) => number | undefined, digits = 0): string =>
    startup.filter((r) => r.tool === tool && r.kind === kind).map((r) => num(f(r) ?? Number.NaN, digits)).join(' ');
  const mib = (kib: number | undefined): string => (kib === undefined || !Number.isFinite(kib) ? '-' : `${num(kib / 1024, 1)} MiB`);

  // 4. Per-event cost of the one-liners.
  const warmup = Math.floor(calls / 10);
  console.log(`\none-liner cost: ${rounds} rounds of baseline, ${tools.map((t) => `${t.name} printf`).join(', ')}, ${tools.map((t) => `${t.name} count`).join(', ')}; each run ${num(warmup)} warm-up + ${num(calls)} timed openat`);
  const cost = await benchLangCost(workload, tools, {
    rounds, calls, warmup, ...cpu,
    onRound: (round, mine) => console.log(`  round ${round}/${rounds}: ${mine.map((r) => `${r.mode} ${num(r.nsPerCall, 1)}`).join(', ')} ns/call`),
  });
  const modes = [...new Set(cost.map((r) => r.mode))];
  const baseline = median(cost.filter((r) => r.mode === 'baseline').map((r) => r.nsPerCall));
  const costSummary = modes.map((mode) => {
    const mine = cost.filter((r) => r.mode === mode);
    const m = median(mine.map((r) => r.nsPerCall));
    const rssKiB = median(mine.map((r) => r.peakRssKiB).filter((x): x is number => x !== undefined));
    return {
      mode, medianNsPerCall: m, perEventNs: mode === 'baseline' ? 0 : m - baseline, roundsNsPerCall: mine.map((r) => r.nsPerCall),
      ...(mode === 'baseline' ? {} : { medianPeakRssKiB: rssKiB, lost: mine.reduce((a, r) => a + (r.lost ?? 0), 0), medianReadyMs: median(mine.map((r) => r.readyMs ?? Number.NaN)) }),
      errors: mine.flatMap((r) => (r.error ? [r.error] : [])),
    };
  });
  const perEvent = (mode: LangCostMode): number => costSummary.find((c) => c.mode === mode)?.perEventNs ?? Number.NaN;

  // 5. Events/s with zero loss.
  console.log(`\nzero-loss rate: per tool, rates ${rates.map((r) => num(r)).join(', ')} then flat out, ${rateSeconds} s of calls each, until the first loss or a rate the workload cannot keep`);
  const rateRuns = await benchRates(workload, tools, {
    rates, seconds: rateSeconds, flatCalls: Math.round(300_000 * rateSeconds), ...cpu,
    onRun: (r) => console.log(`  ${r.tool} ${r.rate ? num(r.rate) : 'flat out'}: achieved ${num(r.achieved)}/s, ${num(r.lines)}/${num(r.calls)} lines, lost ${num(r.lost)}${r.error ? `, ${r.error}` : ''}`),
  });
  const best = Object.fromEntries(names.map((n) => [n, bestRate(rateRuns, n)]));

  // Tables.
  const loadAfter = loadAverage();
  const sectionSeconds = (Date.now() - sectionStart) / 1000;
  console.log(`\nlanguage section: ${num(sectionSeconds, 1)} s; machine load at its end: loadavg ${loadAfter} (the bench itself adds about 1)`);
  const entryAfter = siestaEntry();
  if (entryAfter !== entryBefore || entryAfter !== 'bundle') {
    console.log(`\nWARNING: bin/siesta.cjs loaded ${entryBefore} at the start of this section and ${entryAfter} at its end (dist/ rebuilt meanwhile?): start-up times are not those of the bundled CLI`);
  }
  const over = (x: number): string => `${x >= 0 ? '+' : ''}${num(x, 0)}`;
  const cols = ['node -e 0', ...names, ...names.map((n) => `${n} - node`)];
  console.log(`\n3. Language: start-up and peak RSS (median of ${rounds} interleaved rounds after one untimed; wall time from spawn())`);
  const startRow = (what: string, kind: 'attach' | 'begin-exit', unit: 'ms' | 'rss'): string[] => {
    const field = unit === 'ms' ? (kind === 'attach' ? 'attachMs' : 'beginExitMs') : (kind === 'attach' ? 'attachRssKiB' : 'beginExitRssKiB');
    const floor = unit === 'ms' ? floorMs : floorRss;
    const fmt = (x: number): string => (unit === 'ms' ? `${num(x, 1)} ms` : mib(x));
    const fmtOver = (x: number): string => (unit === 'ms' ? `${over(x)} ms` : `${over(x / 1024)} MiB`);
    return [what, fmt(floor), ...names.map((n) => fmt(startupSummary[n]![field])), ...names.map((n) => fmtOver(startupSummary[n]![field] - floor))];
  };
  console.log(table([
    ['', ...cols],
    startRow('launch -> probes attached', 'attach', 'ms'),
    startRow('begin { exit(); } wall time', 'begin-exit', 'ms'),
    startRow('peak RSS, printf one-liner run', 'attach', 'rss'),
    startRow('peak RSS, begin { exit(); }', 'begin-exit', 'rss'),
  ]));
  console.log(`   launch -> probes attached: spawn() to the ${'__BPFTRACE_NOTIFY_PROBES_ATTACHED'} line on stdout or stderr (env var set), for ${programs['siesta']!.printf}; then SIGINT`);
  console.log('   node -e 0: spawn() to exit, the floor of both rows; bpftrace 0.17 needs BEGIN; children inherit the bench\'s CPU affinity');
  for (const n of names) {
    console.log(`   ${n} rounds: attach ${roundsOf(n, 'attach', (r) => r.ms)} ms; begin-exit ${roundsOf(n, 'begin-exit', (r) => r.ms)} ms; attach-run RSS ${roundsOf(n, 'attach', (r) => (r.peakRssKiB ?? Number.NaN) / 1024, 1)} MiB`);
  }
  console.log(`   node -e 0 rounds: ${roundsOf('node', 'floor', (r) => r.ms)} ms, ${roundsOf('node', 'floor', (r) => (r.peakRssKiB ?? Number.NaN) / 1024, 1)} MiB`);
  for (const n of names) {
    const again = [...startup, ...cost].filter((r) => (r.sigints ?? 1) > 1 && ('tool' in r ? r.tool === n : r.mode.startsWith(`${n}-`))).length;
    if (again) console.log(`   NOTE: ${n} needed more than one SIGINT to stop in ${again} runs of 3-4 (it missed the first; see bench/tracer.ts)`);
  }
  const startupErrors = startup.flatMap((r) => (r.error ? [`${r.tool} ${r.kind} round ${r.round}: ${r.error}`] : []));
  for (const e of new Set(startupErrors)) console.log(`   NOTE: ${e}`);
  const siestaCostRss = costSummary.find((c) => c.mode === 'siesta-printf')?.medianPeakRssKiB;
  const siestaRateRss = Math.max(0, ...rateRuns.filter((r) => r.tool === 'siesta').map((r) => r.peakRssKiB ?? 0));
  const attachTargetOk = siestaStart.attachMs - floorMs <= TARGET_ATTACH_OVER_NODE_MS;
  const beginTargetOk = siestaStart.beginExitMs - floorMs <= TARGET_BEGIN_EXIT_OVER_NODE_MS;
  // The issue's RSS target sits among the start-up measurements, beside bpftrace's 88-99 MiB, which are its
  // start-up peaks (see the table): judged on the start-up runs; the runs under load are reported beside it.
  const peakRss = Math.max(siestaStart.attachRssKiB, siestaStart.beginExitRssKiB);
  const loadRss = Math.max(siestaCostRss ?? 0, siestaRateRss);
  const rssTargetOk = peakRss <= TARGET_PEAK_RSS_MIB * 1024;
  console.log(`   target: siesta attach <= node + ${TARGET_ATTACH_OVER_NODE_MS} ms: ${attachTargetOk ? 'met' : 'MISSED'} (${over(siestaStart.attachMs - floorMs)} ms)`);
  console.log(`   target: siesta begin-exit <= node + ${TARGET_BEGIN_EXIT_OVER_NODE_MS} ms: ${beginTargetOk ? 'met' : 'MISSED'} (${over(siestaStart.beginExitMs - floorMs)} ms)`);
  console.log(`   target: siesta peak RSS <= ${TARGET_PEAK_RSS_MIB} MiB in the start-up runs: ${rssTargetOk ? 'met' : 'MISSED'} (largest ${mib(peakRss)})`);
  console.log(`   under load (not the target; for comparison with bpftrace's rows in 4-5): siesta's largest peak RSS ${mib(loadRss || undefined)} (printf cost runs ${mib(siestaCostRss)}, zero-loss runs ${mib(siestaRateRss || undefined)})`);

  console.log(`\n4. Language: per-event cost of one-liners in the traced process (median of ${rounds} interleaved rounds; per event = mode - baseline)`);
  console.log(table([
    ['mode', 'ns/call', 'rounds (ns/call)', 'per event', 'peak RSS', 'Lost (stderr)', 'ready after'],
    ...costSummary.map((c) => [
      c.mode === 'baseline' ? 'baseline: nothing attached' : c.mode.replace('-', ' '), num(c.medianNsPerCall, 1), c.roundsNsPerCall.map((x) => num(x, 0)).join(' '),
      c.mode === 'baseline' ? '-' : `${over(c.perEventNs)} ns`, c.mode === 'baseline' ? '-' : mib(c.medianPeakRssKiB),
      c.mode === 'baseline' ? '-' : c.mode.startsWith('siesta') ? num(c.lost ?? 0) : 'n/a',
      c.mode === 'baseline' ? '-' : `${num(c.medianReadyMs ?? Number.NaN, 0)} ms`,
    ]),
  ]));
  for (const t of tools) console.log(`   ${t.name}: printf = ${programs[t.name]!.printf}; count = ${programs[t.name]!.count}`);
  console.log(`   stdout to /dev/null; workload ${num(calls)} timed + ${num(warmup)} warm-up calls a run, ${pinning.workloadCpu !== undefined ? `on CPU ${pinning.workloadCpu}, tracers on CPU ${pinning.consumerCpu}` : 'not pinned'}`);
  console.log('   Lost (stderr): sum over the rounds of siesta\'s "Lost N events" (bpftrace 0.17 prints its own on stdout, here /dev/null);');
  console.log('   ready after: spawn() until every new tracepoint program had run (BPF_ENABLE_STATS polled every 20 ms, off before timing)');
  for (const c of costSummary) for (const e of new Set(c.errors)) console.log(`   NOTE ${c.mode}: ${e}`);
  for (const c of costSummary) {
    if (!c.lost) continue;
    const events = cost.filter((r) => r.mode === c.mode).reduce((a, r) => a + r.events, 0);
    console.log(`   NOTE ${c.mode}: lost ${num(c.lost)} events over the rounds (every openat on the machine is traced; the workload made ${num(events)}): a lost record skips the output, so the per-event cost understates delivering every event`);
  }
  const printfOk = perEvent('siesta-printf') <= TARGET_PRINTF_NS_PER_EVENT;
  const countOk = bt.ok ? perEvent('siesta-count') <= perEvent('bpftrace-count') : undefined;
  console.log(`   target: siesta printf+str <= ${num(TARGET_PRINTF_NS_PER_EVENT)} ns/event: ${printfOk ? 'met' : 'MISSED'} (${num(perEvent('siesta-printf'), 0)} ns)`);
  console.log(`   target: siesta count <= bpftrace count: ${countOk === undefined ? 'not checked (no bpftrace)' : countOk ? 'met' : 'MISSED'} (${num(perEvent('siesta-count'), 0)} vs ${num(perEvent('bpftrace-count'), 0)} ns)`);

  console.log(`\n5. Language: events/s delivered with zero loss (${tools.map((t) => t.name).join(', ')}: ${programs['siesta']!.filtered}, stdout to a file)`);
  console.log(table([
    ['tool', 'requested/s', 'achieved/s', 'lines/calls', 'Lost N', 'zero loss', 'backlog', 'peak RSS'],
    ...rateRuns.map((r: RateRun) => [
      r.tool, r.rate ? num(r.rate) : 'flat out', num(r.achieved), `${num(r.lines)}/${num(r.calls)}`, num(r.lost),
      r.zeroLoss ? 'yes' : 'NO', `${num(r.settleMs)} ms`, mib(r.peakRssKiB),
    ]),
  ]));
  console.log('   achieved: the workload\'s own calls/s (paced by spinning on CLOCK_MONOTONIC); lines: output lines equal to its path; Lost N: every "Lost N events" on stdout and stderr');
  console.log('   backlog: after the workload exited, time until the output stopped growing (the tool catching up); a ladder stops at its first loss or at a rate 5% short of the request');
  for (const r of rateRuns) if (r.error) console.log(`   NOTE ${r.tool} ${r.rate}: ${r.error}`);
  for (const n of names) console.log(`   highest zero-loss rate, ${n}: ${best[n] ? `${num(best[n])}/s` : 'none'}`);
  const rateOk = (best['siesta'] ?? 0) >= TARGET_ZERO_LOSS_PER_SEC;
  console.log(`   target: siesta >= ${num(TARGET_ZERO_LOSS_PER_SEC)} events/s with zero loss: ${rateOk ? 'met' : 'MISSED'} (${num(best['siesta'] ?? 0)}/s)`);

  return {
    tools, programs, rssMethod, siestaEntry: { before: entryBefore, after: entryAfter },
    load: { before: loadBefore, after: loadAfter, foreignBpfPrograms: foreignProgs }, seconds: sectionSeconds,
    startup: {
      runs: startup, floor: { ms: floorMs, peakRssKiB: floorRss }, summary: startupSummary,
      targets: {
        attachOverNodeMs: { limit: TARGET_ATTACH_OVER_NODE_MS, value: siestaStart.attachMs - floorMs, met: attachTargetOk },
        beginExitOverNodeMs: { limit: TARGET_BEGIN_EXIT_OVER_NODE_MS, value: siestaStart.beginExitMs - floorMs, met: beginTargetOk },
        peakRssMiB: { limit: TARGET_PEAK_RSS_MIB, value: peakRss / 1024, met: rssTargetOk, underLoad: loadRss / 1024 },
      },
    },
    cost: {
      options: { calls, warmup, path: MISSING_PATH, ...cpu }, summary: costSummary, runs: cost as LangCostRun[],
      targets: {
        printfNsPerEvent: { limit: TARGET_PRINTF_NS_PER_EVENT, value: perEvent('siesta-printf'), met: printfOk },
        countNotAboveBpftrace: { value: perEvent('siesta-count'), bpftrace: perEvent('bpftrace-count'), met: countOk ?? null },
      },
    },
    rate: {
      options: { rates, seconds: rateSeconds, ...cpu }, runs: rateRuns, best,
      target: { eventsPerSec: TARGET_ZERO_LOSS_PER_SEC, value: best['siesta'] ?? 0, met: rateOk },
    },
  };
}

try {
  process.exitCode = await main();
} catch (e) {
  console.error(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
}

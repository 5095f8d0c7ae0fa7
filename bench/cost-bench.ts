/**
 * Per-event cost inside the traced process. The workload (bench/workload.ts) times CALLS openat calls of a
 * missing path with CLOCK_MONOTONIC, under one of these modes:
 *
 *   baseline   nothing attached
 *   batched    examples/openat-program.ts attached with `wakeup: false` (BPF_RB_NO_WAKEUP); this process
 *              drains with RingBufferReader.run({ pollMs }) meanwhile
 *   per-event  the same program with `wakeup: true` (flags 0): the kernel wakes the consumer for a record
 *              submitted when the consumer had caught up, so a slow consumer is woken less than once a record
 *   forced     the same with BPF_RB_FORCE_WAKEUP patched in: a wake-up for every record, the worst case
 *   bpftrace   bpftrace's printf of pid and filename, output to /dev/null (bench/bpftrace.ts)
 *
 * Each call is one sys_enter_openat event, so (mode - baseline) in ns per call is the cost per event. For the
 * siesta modes every record is counted by tgid and the workload's are matched on their filename, so the report
 * can show records received of the workload's calls against the calls it made (warm-up included), the
 * `drops` counter, the consumer's batches, and records from other processes.
 */
import { decodeOpenatRecord, openatCollection } from '../examples/openat-program.js';
import { BPF_ALU64, BPF_CALL, BPF_FUNC, BPF_JMP, BPF_K, BPF_MOV, INSN_SIZE } from '../src/asm/index.js';
import { attachTracepoint, type CollectionSpec, loadCollection, RingBufferReader, sumPerCpuCounter } from '../src/index.js';
import { enableStats, progInfo } from '../src/sys/index.js';
import { type BpftraceProbe, BpftraceSession } from './bpftrace.js';
import { MISSING_PATH, type Workload, type WorkloadResult } from './workload.js';

/** Where the record's filename string starts (examples/openat-program.ts). */
const FILENAME_OFFSET = 32;
const PATH_BYTES = new TextEncoder().encode(`${MISSING_PATH}\0`);

/** True when the NUL-terminated string at `at` is MISSING_PATH; a byte compare, cheap enough per record. */
function isPath(view: DataView, at: number): boolean {
  for (let i = 0; i < PATH_BYTES.length; i++) if (view.getUint8(at + i) !== PATH_BYTES[i]) return false;
  return true;
}

/** The modes, in the order each round runs them. */
export type CostMode = 'baseline' | 'batched' | 'per-event' | 'forced' | 'bpftrace';

/** Submit flags of the siesta modes (include/uapi/linux/bpf.h: BPF_RB_NO_WAKEUP 1, BPF_RB_FORCE_WAKEUP 2). */
export type Wakeup = 'none' | 'caught-up' | 'forced';

const BPF_RB_FORCE_WAKEUP = 2;

/**
 * The openat collection for a wake-up policy. `forced` submits every record with BPF_RB_FORCE_WAKEUP, which
 * the example does not offer: the `r2 = flags` just before `call ringbuf_submit` is patched in a copy.
 */
export function collectionFor(wakeup: Wakeup, ringSize: number): CollectionSpec {
  const spec = openatCollection({ ringSize, wakeup: wakeup !== 'none' });
  if (wakeup !== 'forced') return spec;
  const programs = spec.programs.map((p) => {
    const bytes = p.code.bytes.slice();
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let patched = 0;
    for (let at = INSN_SIZE; at < bytes.length; at += INSN_SIZE) {
      const isSubmit = bytes[at] === (BPF_JMP | BPF_CALL) && v.getInt32(at + 4, true) === BPF_FUNC.ringbuf_submit;
      const prev = at - INSN_SIZE;
      if (isSubmit && bytes[prev] === (BPF_ALU64 | BPF_MOV | BPF_K) && (bytes[prev + 1]! & 0x0f) === 2) {
        v.setInt32(prev + 4, BPF_RB_FORCE_WAKEUP, true);
        patched++;
      }
    }
    if (patched !== 1) throw new Error(`expected one 'r2 = flags; call ringbuf_submit' in ${p.name}, found ${patched}`);
    return { ...p, code: { ...p.code, bytes } };
  });
  return { ...spec, programs };
}

/** One run of the workload under one mode. */
export interface CostRun {
  mode: CostMode;
  round: number;
  nsPerCall: number;
  /** Timed plus warm-up calls: the events the workload caused. */
  events: number;
  /** Records of the workload's openat calls (its pid and MISSING_PATH) that the consumer received. */
  records?: number;
  /**
   * Other records of the workload's pid: the openat calls made before main() by Node's spawn in the forked
   * child, by taskset and by the dynamic loader.
   */
  startupRecords?: number;
  /** drain() calls that delivered at least one record: the consumer's wake-ups that found work. */
  batches?: number;
  /** Records from every other process during the run. */
  otherRecords?: number;
  /** The program's `drops` counter: records it could not reserve because the ring was full. */
  drops?: number;
  /** The first record of the workload decoded, to show the records carry what they should. */
  sample?: { pid: number; comm: string; filename: string };
}

/** How the workload runs. */
export interface CostOptions {
  calls: number;
  warmup: number;
  cpu?: number;
  /** Ring size for the siesta modes, bytes. */
  ringSize: number;
  /** RingBufferReader.run's poll interval for the siesta modes. */
  pollMs: number;
}

/** Runs the workload with nothing attached. */
export async function runBaseline(w: Workload, o: CostOptions, round: number): Promise<CostRun> {
  const r = await w.run(workloadArgs(o));
  return { mode: 'baseline', round, nsPerCall: r.nsPerCall, events: r.calls + r.warmup };
}

/**
 * Runs the workload with the openat program attached, consumed by RingBufferReader.run in this process.
 * With `stats`, BPF_ENABLE_STATS is on during the run and the program's own run time per event is returned
 * too (stats cost a little per event, so the rounds run without them).
 */
export async function runSiesta(
  w: Workload, o: CostOptions, round: number, wakeup: Wakeup, stats = false,
): Promise<CostRun & { progNsPerRun?: number; progRuns?: number }> {
  using coll = loadCollection(collectionFor(wakeup, o.ringSize));
  using reader = new RingBufferReader(coll.map('events'));
  const byTgid = new Map<number, number>();
  let workloadPid = -1;
  let ofCalls = 0;
  let sample: CostRun['sample'];
  // Batches: drain() calls that delivered records. drain() is synchronous, so a microtask queued by its
  // first record runs only after it returns.
  let batches = 0;
  let inBatch = false;
  const endBatch = (): void => {
    inBatch = false;
  };
  const abort = new AbortController();
  let consumerError: unknown;
  const consuming = reader
    .run((view, offset) => {
      if (!inBatch) {
        inBatch = true;
        batches++;
        queueMicrotask(endBatch);
      }
      // The tgid is the high half of the record's leading pid_tgid u64 (little-endian).
      const tgid = view.getUint32(offset + 4, true);
      byTgid.set(tgid, (byTgid.get(tgid) ?? 0) + 1);
      if (tgid === workloadPid && isPath(view, offset + FILENAME_OFFSET)) {
        ofCalls++;
        if (!sample) {
          const d = decodeOpenatRecord(view, offset);
          sample = { pid: d.pid, comm: d.comm, filename: d.filename };
        }
      }
    }, { pollMs: o.pollMs, signal: abort.signal })
    .catch((e: unknown) => {
      consumerError = e;
    });
  let r: WorkloadResult;
  let prog: { runTimeNs: bigint; runCnt: bigint } | undefined;
  try {
    using statsFd = stats ? enableStats() : undefined;
    using _link = attachTracepoint(coll.program('openat_events'), 'syscalls', 'sys_enter_openat');
    // taskset execs the workload, so the child's pid is the workload's from the start.
    r = await w.run({ ...workloadArgs(o), onStart: (pid) => (workloadPid = pid) });
    if (statsFd) prog = progInfo(coll.program('openat_events').fd.raw);
  } finally {
    abort.abort();
    await consuming;
  }
  if (consumerError) throw consumerError;
  let other = 0;
  for (const [tgid, n] of byTgid) if (tgid !== r.pid) other += n;
  return {
    mode: wakeup === 'none' ? 'batched' : wakeup === 'caught-up' ? 'per-event' : 'forced',
    round,
    nsPerCall: r.nsPerCall,
    events: r.calls + r.warmup,
    records: ofCalls,
    startupRecords: (byTgid.get(r.pid) ?? 0) - ofCalls,
    otherRecords: other,
    batches,
    drops: Number(sumPerCpuCounter(coll.map('drops'))),
    ...(sample ? { sample } : {}),
    ...(prog && prog.runCnt > 0n ? { progNsPerRun: Number(prog.runTimeNs) / Number(prog.runCnt), progRuns: Number(prog.runCnt) } : {}),
  };
}

/** Runs the workload while bpftrace prints every openat to /dev/null. */
export async function runBpftrace(w: Workload, o: CostOptions, round: number, bt: Extract<BpftraceProbe, { ok: true }>): Promise<CostRun> {
  const session = await BpftraceSession.start(bt);
  try {
    const r = await w.run(workloadArgs(o));
    return { mode: 'bpftrace', round, nsPerCall: r.nsPerCall, events: r.calls + r.warmup };
  } finally {
    await session.stop();
  }
}

function workloadArgs(o: CostOptions): { calls: number; warmup: number; cpu?: number } {
  return { calls: o.calls, warmup: o.warmup, ...(o.cpu !== undefined ? { cpu: o.cpu } : {}) };
}

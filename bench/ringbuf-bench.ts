/**
 * Ring-buffer drain rate of the Node consumer. Each round fills a large ring buffer (64 MiB by default) from
 * the kernel while Node is not reading: the openat program is attached, the workload makes about 90% of a
 * ring's worth of openat calls (72 bytes a record with its header), and the program is detached. Only then is
 * `RingBufferReader.drain()` timed, alone, over everything in the ring. The callback decodes each record's pid
 * (the tgid half of its pid_tgid) and counts the workload's, so the loop is not empty.
 *
 * The reader and its mapping live across rounds, so later rounds wrap around the end of the ring into the
 * second mapping of the data pages (the kernel maps every page at mmap time; the report shows the page faults
 * taken during each drain to confirm it).
 * The first rounds also include V8 optimising drain() and the callback.
 * A second handler, the example's full `decodeOpenatRecord` (BigInt pid_tgid and two TextDecoder strings), is
 * timed in extra rounds to show what a heavier decode costs; the ≥ 1 M records/s target is for the pid loop.
 */
import { decodeOpenatRecord, openatCollection, RECORD_SIZE } from '../examples/openat-program.js';
import { attachTracepoint, loadCollection, type RecordHandler, RingBufferReader, sumPerCpuCounter } from '../src/index.js';
import { uapi } from '../src/sys/index.js';
import type { Workload } from './workload.js';

/** The callback the drain is timed with. */
export type DrainHandler = 'pid' | 'full-decode';

/** One timed drain. */
export interface DrainRun {
  round: number;
  handler: DrainHandler;
  /** Records drain() delivered (all processes). */
  records: number;
  /** Of which from the workload, as decoded by the callback. */
  workloadRecords: number;
  /** Calls the workload made to fill the ring. */
  fillCalls: number;
  /** Bytes that were pending when the drain started. */
  bytes: number;
  /** Bytes still pending after the drain (should be 0). */
  leftBytes: number;
  /** Records the program could not reserve (ring full) during this fill. */
  drops: number;
  ms: number;
  recordsPerSec: number;
  /** Minor page faults of this process during the drain (getrusage). */
  minorFaults: number;
}

/** Runs `rounds` pid drains then `decodeRounds` full-decode drains of a `ringSize` ring. */
export async function benchDrain(
  w: Workload, o: { ringSize: number; rounds: number; decodeRounds: number; cpu?: number },
): Promise<DrainRun[]> {
  const recordBytes = RECORD_SIZE + uapi.BPF_RINGBUF_HDR_SZ;
  const fillCalls = Math.floor((o.ringSize / recordBytes) * 0.9);
  using coll = loadCollection(openatCollection({ ringSize: o.ringSize, wakeup: false }));
  using reader = new RingBufferReader(coll.map('events'));
  const drops = coll.map('drops');
  const runs: DrainRun[] = [];
  const plan: DrainHandler[] = [...Array<DrainHandler>(o.rounds).fill('pid'), ...Array<DrainHandler>(o.decodeRounds).fill('full-decode')];
  let dropsBefore = 0;
  for (const [i, handler] of plan.entries()) {
    let pid = -1;
    {
      using _link = attachTracepoint(coll.program('openat_events'), 'syscalls', 'sys_enter_openat');
      const r = await w.run({ calls: fillCalls, warmup: 0, ...(o.cpu !== undefined ? { cpu: o.cpu } : {}) });
      pid = r.pid;
    }
    const dropsNow = Number(sumPerCpuCounter(drops));
    let ours = 0;
    const onRecord: RecordHandler = handler === 'pid'
      ? (view, offset) => {
        if (view.getUint32(offset + 4, true) === pid) ours++;
      }
      : (view, offset) => {
        if (decodeOpenatRecord(view, offset).pid === pid) ours++;
      };
    const bytes = reader.pending;
    const faults0 = process.resourceUsage().minorPageFault;
    const t0 = process.hrtime.bigint();
    const n = reader.drain(onRecord);
    const ns = Number(process.hrtime.bigint() - t0);
    const faults = process.resourceUsage().minorPageFault - faults0;
    runs.push({
      round: i + 1, handler, records: n, workloadRecords: ours, fillCalls, bytes, leftBytes: reader.pending,
      drops: dropsNow - dropsBefore, ms: ns / 1e6, recordsPerSec: n / (ns / 1e9), minorFaults: faults,
    });
    dropsBefore = dropsNow;
  }
  return runs;
}

/**
 * The supervisor loop of `--exact`, run on a worker thread of its own (started by exact.ts): it blocks in
 * poll(2) on the seccomp listener and, for each notification, reads the caller's argument memory and lets the
 * call continue, all synchronously on this thread. The main thread's event loop (ring-buffer consumer,
 * printing) is never on the path of a trapped call, and no koffi async call or thread hop is made per call.
 *
 * Ends when no task is left under the filter (POLLHUP) or when the main thread sets the stop flag; it never
 * blocks longer than POLL_MS without looking at the flag, so it cannot outlive the command by more than that.
 */
import { workerData } from 'node:worker_threads';
import { NotifLoop } from '../sys/index.js';

/** What the main thread hands the worker (structured-clone data only). */
export interface ExactWorkerData {
  /** The listener's descriptor number (owned and closed by the main thread, after this worker exits). */
  fd: number;
  /** Syscall number → indexes of its pointer arguments. */
  trapped: Array<[number, number[]]>;
  /** Syscall number → [iovec array argument, count argument]. */
  iovecs: Array<[number, [number, number]]>;
  /** Bytes read at each pointer. */
  readBytes: number;
  /** iovec elements whose data is read. */
  iovRead: number;
  /** Int32Array slots: [0] stop flag (set by the main thread), [1] calls served (set here). */
  shared: SharedArrayBuffer;
}

/** Longest wait in poll before the stop flag is looked at again (a command's exit wakes the poll at once). */
const POLL_MS = 50;
const STOP = 0, SERVED = 1;

function run(d: ExactWorkerData): void {
  const flags = new Int32Array(d.shared);
  // Dense tables indexed by syscall number: no Map lookup or allocation per notification.
  const maxNr = Math.max(0, ...d.trapped.map(([nr]) => nr), ...d.iovecs.map(([nr]) => nr));
  const ptrs: Array<number[] | undefined> = new Array(maxNr + 1);
  for (const [nr, idx] of d.trapped) ptrs[nr] = idx;
  const iovs: Array<[number, number] | undefined> = new Array(maxNr + 1);
  for (const [nr, pair] of d.iovecs) iovs[nr] = pair;
  const loop = new NotifLoop(d.fd, d.readBytes, d.iovRead);
  const limit = BigInt(d.readBytes);
  loop.syncWakeUps();
  while (Atomics.load(flags, STOP) === 0) {
    const state = loop.wait(POLL_MS);
    if (state === 'closed') return;
    if (state === 'idle' || !loop.receive()) continue;
    const pid = loop.pid, nr = loop.nr;
    for (const i of ptrs[nr] ?? []) {
      const address = loop.args[i]!;
      if (address !== 0n) loop.read(pid, address, d.readBytes);
    }
    const iov = iovs[nr];
    if (iov) {
      const array = loop.args[iov[0]]!, count = loop.args[iov[1]]!;
      const n = array === 0n ? 0 : loop.readIovecArray(pid, array, Number(count > BigInt(d.iovRead) ? BigInt(d.iovRead) : count));
      for (let k = 0; k < n; k++) {
        const [base, len] = loop.iovec(k);
        if (base !== 0n && len > 0n) loop.read(pid, base, Number(len < limit ? len : limit));
      }
    }
    loop.continue();
    Atomics.add(flags, SERVED, 1);
  }
}

run(workerData as ExactWorkerData);

/**
 * The runtime side of deferred reads (codegen/wq-deferred.ts): whether the kernel offers them, the one-time
 * initialisation of the bpf_wq slot pools, and, at the end, waiting for the callbacks still in flight so that
 * the values they read are printed before the summary.
 */
import { statSync } from 'node:fs';
import type { Resources } from '../codegen/index.js';
import { WQ_CTL } from '../codegen/wq-deferred.js';
import { hasKfunc, type Support, wqSupport } from '../kernel/features.js';
import type { Collection } from '../loader/index.js';

/**
 * Whether reads can be deferred to a bpf_wq here: a tp_btf program can arm one (the verifier says so when
 * it loads the probe program) and the kfuncs the callback calls exist. Found by trying, never by version.
 */
export function deferredReadSupport(): Support {
  const wq = wqSupport('tp_btf');
  if (!wq.ok) return wq;
  // bpf_copy_from_user_task itself is a helper (5.18), older than bpf_wq: only the kfuncs need checking.
  const missing = ['bpf_copy_from_user_task_str', 'bpf_task_acquire', 'bpf_task_release'].filter((k) => !hasKfunc(k));
  return missing.length ? { ok: false, reason: `kfuncs missing: ${missing.join(', ')}` } : { ok: true };
}

/** Counters of the deferred-read pools, summed over every record kind. */
export interface DeferredReadStats {
  /** Slots whose bpf_wq is initialised, of `slots`. */
  ready: number;
  slots: number;
  /** Reads handed to a callback, and callbacks that finished. */
  started: number;
  done: number;
  /** Reads left lost because their slot was still busy (the pool was full) or the work could not start. */
  busy: number;
  initFailed: number;
  startFailed: number;
}

function ctlKey(i: number): Uint8Array {
  const k = new Uint8Array(4);
  new DataView(k.buffer).setUint32(0, i, true);
  return k;
}

/** The counters of every pool, summed; null when the script defers nothing. */
export function deferredReadStats(coll: Collection, res: Resources): DeferredReadStats | null {
  if (!res.wqCtlMap) return null;
  const ctl = coll.map(res.wqCtlMap);
  const s: DeferredReadStats = { ready: 0, slots: 0, started: 0, done: 0, busy: 0, initFailed: 0, startFailed: 0 };
  for (const d of res.deferred) {
    if (!d.wq) continue;
    s.slots += d.wq.slots;
    const v = ctl.lookup(ctlKey(d.wq.ctlIndex));
    if (!v) continue;
    const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
    const at = (off: number) => Number(view.getBigUint64(off, true));
    s.ready += at(WQ_CTL.ready);
    s.started += at(WQ_CTL.started);
    s.done += at(WQ_CTL.done);
    s.busy += at(WQ_CTL.busy);
    s.initFailed += at(WQ_CTL.initFailed);
    s.startFailed += at(WQ_CTL.startFailed);
  }
  return s;
}

function setWarmTgid(coll: Collection, res: Resources, tgid: number): void {
  const ctl = coll.map(res.wqCtlMap!);
  for (const d of res.deferred) {
    if (!d.wq) continue;
    const key = ctlKey(d.wq.ctlIndex);
    // Read-modify-write of the whole entry: the counters are still zero this early, so nothing is lost.
    const v = ctl.lookup(key) ?? new Uint8Array(WQ_CTL.size);
    const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
    view.setBigUint64(WQ_CTL.warmTgid, BigInt(tgid), true);
    // Failures while warming up are retries, not reads left lost: count only those after it.
    view.setBigUint64(WQ_CTL.initFailed, 0n, true);
    ctl.update(key, v);
  }
}

/**
 * Initialises the slot pools: while `warmTgid` names this process, each of its syscall exits runs the exit
 * programs' warm-up, which initialises the next few slots of the pool not yet ready. bpf_wq_init often fails
 * with -ENOMEM on a first try (kmalloc_nolock cannot grow slabs early in the life of these VMs, KERNEL.md), so
 * it is retried for up to `budgetMs`; slots still missing are retried when used, and a read that finds none
 * is reported lost. It runs after the probes are attached and yields to the event loop between rounds, so
 * start-up does not wait for it and events are consumed meanwhile; the runtime awaits it only before it
 * starts a traced command. `signal` ends it early (the session stops); the pools are then left as they are.
 */
export async function warmUpDeferredReads(coll: Collection, res: Resources, o: { budgetMs?: number; signal?: AbortSignal } = {}): Promise<DeferredReadStats | null> {
  if (!res.wqCtlMap || o.signal?.aborted) return null;
  setWarmTgid(coll, res, process.pid);
  const end = Date.now() + (o.budgetMs ?? 300);
  let stats = deferredReadStats(coll, res);
  try {
    while (stats && stats.ready < stats.slots && Date.now() < end) {
      // Any syscall: its exit runs the warm-up. A round covers the pool once (a few slots per exit).
      for (let i = 0; i < 128; i++) statSync('/');
      // Let the allocator's deferred work (and the event loop) run between rounds.
      await new Promise((r) => setTimeout(r, 1));
      if (o.signal?.aborted) return null;
      stats = deferredReadStats(coll, res);
    }
  } finally {
    if (!o.signal?.aborted) setWarmTgid(coll, res, 0);
  }
  return deferredReadStats(coll, res);
}

/** Waits (up to `timeoutMs`) until every started deferred read has been sent. */
export async function settleDeferredReads(coll: Collection, res: Resources, timeoutMs = 1000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = deferredReadStats(coll, res);
    if (!s || s.done >= s.started || Date.now() >= end) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

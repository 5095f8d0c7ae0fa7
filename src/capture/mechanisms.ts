/**
 * The reliable user-memory read mechanisms, strongest first, and whether the running kernel offers each.
 * Selection per probe is done by the capture planner; this table is what `siesta --info` reports.
 */
import { hasKfunc, programSupport, seccompUserNotifSupport, type Support, wqSupport } from '../kernel/features.js';

/** How a value was obtained; attached to every user-memory value siesta reports. */
export type Provenance = 'exact' | 'exit' | 'kernel' | 'deferred' | 'lost';

/** The mechanisms' identifiers. */
export type MechanismId = 'sleepable-tp' | 'fentry-sleepable' | 'exit-reread' | 'wq-deferred' | 'seccomp-exact' | 'uprobe-sleepable';

/** One mechanism: its name, what it guarantees, and a probe of the running kernel. */
export interface Mechanism {
  id: MechanismId;
  title: string;
  /** A few words naming it in a sentence (the start-up notice of read-notice.ts). */
  short: string;
  /** Provenance of the values it produces. */
  provenance: Provenance;
  available(): Support;
}

function all(...checks: Array<() => Support>): Support {
  for (const c of checks) {
    const s = c();
    if (!s.ok) return s;
  }
  return { ok: true };
}

function kfuncs(...names: string[]): () => Support {
  return () => {
    const missing = names.filter((n) => !hasKfunc(n));
    return missing.length ? { ok: false, reason: `kfuncs missing: ${missing.join(', ')}` } : { ok: true };
  };
}

/** Mechanisms in order of preference. */
export const MECHANISMS: readonly Mechanism[] = [
  {
    id: 'sleepable-tp',
    // The flavour the compiler uses (compile.ts, wantsSleepable): BPF_PROG_TYPE_TRACEPOINT with BPF_F_SLEEPABLE.
    title: 'sleepable syscall tracepoint programs (tp.s on syscalls:sys_enter_*/sys_exit_*) with bpf_copy_from_user',
    short: 'sleepable syscall tracepoint programs (tp.s)',
    provenance: 'exact',
    available: () => programSupport('tracepoint', true),
  },
  {
    id: 'fentry-sleepable',
    // Reported only: the compiler does not use it (README, "Sleepable fentry.s ... is not compiled").
    title: 'sleepable fentry.s on the syscall entry function (reported only, not compiled)',
    short: 'sleepable fentry.s',
    provenance: 'exact',
    available: () => programSupport('fentry', true),
  },
  {
    id: 'exit-reread',
    title: 'non-faulting read at entry, re-read at syscall exit (and kernel fd paths)',
    short: 're-reads at syscall exit',
    provenance: 'exit',
    available: () => all(() => programSupport('tracepoint'), () => programSupport('raw_tp')),
  },
  {
    id: 'wq-deferred',
    title: 'deferred sleepable read from tp_btf via bpf_wq + bpf_copy_from_user_task',
    short: 'bpf_wq deferred reads',
    provenance: 'deferred',
    available: () => all(() => wqSupport(), kfuncs('bpf_copy_from_user_task_str', 'bpf_task_acquire')),
  },
  {
    id: 'seccomp-exact',
    title: '--exact: seccomp user notification supervisor for commands siesta starts',
    short: 'seccomp user notification (--exact)',
    provenance: 'exact',
    available: seccompUserNotifSupport,
  },
  {
    id: 'uprobe-sleepable',
    title: 'sleepable uprobes (uprobe.s): uprobes read user memory with faulting helpers',
    short: 'sleepable uprobes (uprobe.s)',
    provenance: 'exact',
    available: () => programSupport('uprobe', true),
  },
];

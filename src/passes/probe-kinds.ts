/**
 * The probe kinds siesta knows, as a data table (bpftrace's `PROBE_LIST`, src/probe_types.h, and its
 * `SW_PROBE_LIST`, src/probe_matcher.h, as of 0.26), and the name-matching rules shared by attach-point
 * resolution (probes.ts) and `siesta -l` (list-probes.ts): wildcards, nearest-name suggestions, and the
 * catalogue of what the machine offers (tracepoints, raw tracepoints from BTF).
 */
import { type Btf, BTF_KIND_FUNC, BTF_KIND_TYPEDEF } from '../btf/index.js';
import type { KernelInfo } from '../types/kernel-info.js';

/** The probe kinds siesta can compile. */
export type ProbeKindName =
  | 'begin'
  | 'end'
  | 'tracepoint'
  | 'rawtracepoint'
  | 'interval'
  | 'profile'
  | 'software'
  | 'uprobe'
  | 'uretprobe';

/** One provider of bpftrace's language. */
export interface ProbeProvider {
  /** The canonical name, as the `probe` builtin and `-l` print it. */
  readonly name: string;
  /** Short names (`t`, `rt`, ...). */
  readonly aliases: readonly string[];
  /** What siesta compiles it to, or null for a bpftrace provider siesta does not support. */
  readonly kind: ProbeKindName | null;
  /** For unsupported providers: the rest of the error after the name, and a hint (default: the supported kinds). */
  readonly unsupported?: { readonly message: string; readonly hint?: string };
  /** Listed by a bare `siesta -l` (bpftrace's `show_in_kernel_list`). */
  readonly listed: boolean;
}

const KPROBES = {
  message: 'is not supported by siesta on this kernel yet: kprobes need CONFIG_KPROBES',
  hint: "use a tracepoint or rawtracepoint instead (siesta -l 'tracepoint:*')",
};
const FENTRY = {
  message: 'is not supported by siesta on this kernel yet: fentry/fexit need BPF trampolines',
  hint: "use a rawtracepoint or tracepoint instead (siesta -l 'rawtracepoint:*')",
};
const LATER = { message: 'is not supported by siesta yet' };

/** Every provider bpftrace 0.26 accepts, in its table order; `kind: null` ones are rejected with a reason. */
export const PROBE_PROVIDERS: readonly ProbeProvider[] = [
  { name: 'kprobe', aliases: ['k'], kind: null, unsupported: KPROBES, listed: false },
  { name: 'kretprobe', aliases: ['kr'], kind: null, unsupported: KPROBES, listed: false },
  { name: 'uprobe', aliases: ['u'], kind: 'uprobe', listed: false },
  { name: 'uretprobe', aliases: ['ur'], kind: 'uretprobe', listed: false },
  { name: 'usdt', aliases: ['U'], kind: null, unsupported: LATER, listed: false },
  { name: 'begin', aliases: [], kind: 'begin', listed: false },
  { name: 'end', aliases: [], kind: 'end', listed: false },
  { name: 'self', aliases: [], kind: null, unsupported: LATER, listed: false },
  { name: 'bench', aliases: [], kind: null, unsupported: LATER, listed: false },
  { name: 'test', aliases: [], kind: null, unsupported: LATER, listed: false },
  { name: 'tracepoint', aliases: ['t'], kind: 'tracepoint', listed: true },
  { name: 'profile', aliases: ['p'], kind: 'profile', listed: false },
  { name: 'interval', aliases: ['i'], kind: 'interval', listed: false },
  { name: 'software', aliases: ['s'], kind: 'software', listed: true },
  { name: 'hardware', aliases: ['h'], kind: null, unsupported: LATER, listed: false },
  { name: 'watchpoint', aliases: ['w'], kind: null, unsupported: LATER, listed: false },
  { name: 'asyncwatchpoint', aliases: ['aw'], kind: null, unsupported: LATER, listed: false },
  { name: 'fentry', aliases: ['f', 'kfunc'], kind: null, unsupported: FENTRY, listed: false },
  { name: 'fexit', aliases: ['fr', 'kretfunc'], kind: null, unsupported: FENTRY, listed: false },
  { name: 'iter', aliases: ['it'], kind: null, unsupported: LATER, listed: false },
  { name: 'rawtracepoint', aliases: ['rt'], kind: 'rawtracepoint', listed: true },
];

/**
 * The provider `written` names: an exact name or alias first (`U` is usdt, `u` uprobe), then
 * case-insensitively, as bpftrace 0.26 lower-cases providers (so `BEGIN` is `begin`).
 */
export function findProvider(written: string): ProbeProvider | undefined {
  const exact = PROBE_PROVIDERS.find((p) => p.name === written || p.aliases.includes(written));
  if (exact) return exact;
  const lower = written.toLowerCase();
  return PROBE_PROVIDERS.find((p) => p.name === lower || p.aliases.includes(lower));
}

/** `tracepoint (t), rawtracepoint (rt), ...`: the providers siesta supports, for hints. */
export function supportedProvidersText(): string {
  return PROBE_PROVIDERS.filter((p) => p.kind !== null)
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((p) => (p.aliases.length ? `${p.name} (${p.aliases.join(', ')})` : p.name))
    .join(', ');
}

/** A perf software event (`perf_event_open(2)`, PERF_TYPE_SOFTWARE) with bpftrace's name, alias and default count. */
export interface SoftwareEvent {
  readonly name: string;
  readonly alias?: string;
  /** `PERF_COUNT_SW_*` (include/uapi/linux/perf_event.h). */
  readonly config: number;
  /** The sample period used when the probe gives no count. */
  readonly defaultCount: number;
}

/** `PERF_COUNT_SW_CPU_CLOCK`, the timer behind `interval` and `profile`. */
export const PERF_COUNT_SW_CPU_CLOCK = 0;

/** bpftrace's `SW_PROBE_LIST`, sorted by name. */
export const SOFTWARE_EVENTS: readonly SoftwareEvent[] = [
  { name: 'alignment-faults', config: 7, defaultCount: 1 }, // PERF_COUNT_SW_ALIGNMENT_FAULTS
  { name: 'bpf-output', config: 10, defaultCount: 1 }, // PERF_COUNT_SW_BPF_OUTPUT
  { name: 'context-switches', alias: 'cs', config: 3, defaultCount: 1000 }, // PERF_COUNT_SW_CONTEXT_SWITCHES
  { name: 'cpu-clock', alias: 'cpu', config: PERF_COUNT_SW_CPU_CLOCK, defaultCount: 1_000_000 },
  { name: 'cpu-migrations', config: 4, defaultCount: 1 }, // PERF_COUNT_SW_CPU_MIGRATIONS
  { name: 'dummy', config: 9, defaultCount: 1 }, // PERF_COUNT_SW_DUMMY
  { name: 'emulation-faults', config: 8, defaultCount: 1 }, // PERF_COUNT_SW_EMULATION_FAULTS
  { name: 'major-faults', config: 6, defaultCount: 1 }, // PERF_COUNT_SW_PAGE_FAULTS_MAJ
  { name: 'minor-faults', config: 5, defaultCount: 100 }, // PERF_COUNT_SW_PAGE_FAULTS_MIN
  { name: 'page-faults', alias: 'faults', config: 2, defaultCount: 100 }, // PERF_COUNT_SW_PAGE_FAULTS
  { name: 'task-clock', config: 1, defaultCount: 1 }, // PERF_COUNT_SW_TASK_CLOCK
];

/** The software event called `name` or aliased so. */
export function findSoftwareEvent(name: string): SoftwareEvent | undefined {
  return SOFTWARE_EVENTS.find((e) => e.name === name || e.alias === name);
}

/** Units of `interval:UNIT:N` and `profile:UNIT:N`, with nanoseconds per unit (`hz` is a rate). */
export const TIME_UNITS: ReadonlyMap<string, bigint | 'hz'> = new Map<string, bigint | 'hz'>([
  ['hz', 'hz'],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['us', 1_000n],
]);

// ---- matching ----

/** Whether `text` has a wildcard (`*` or `?`). */
export function hasWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?');
}

const globCache = new Map<string, RegExp>();

/** A matcher for a pattern where `*` is any run of characters and `?` any one character. */
export function globMatcher(pattern: string): (name: string) => boolean {
  if (!hasWildcard(pattern)) return (name) => name === pattern;
  if (pattern === '*') return () => true;
  let re = globCache.get(pattern);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
    re = new RegExp(`^${body}$`, 's');
    globCache.set(pattern, re);
  }
  const compiled = re;
  return (name) => compiled.test(name);
}

/** Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

/**
 * Up to `max` candidates nearest to `name` by edit distance, closest first (ties: the longer common prefix,
 * then by name), keeping only those within a third of the name's length (at least 2 edits) and at most one
 * edit further than the closest, so unrelated names are not suggested.
 */
export function nearestNames(name: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  const scored: { name: string; d: number; prefix: number }[] = [];
  for (const c of candidates) {
    const d = editDistance(name, c, limit);
    if (d <= limit && c !== name) scored.push({ name: c, d, prefix: commonPrefix(name, c) });
  }
  scored.sort((x, y) => x.d - y.d || y.prefix - x.prefix || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  // Only names about as close as the closest: `sched_swich` suggests sched_switch, not also sched_waking.
  const best = scored[0]?.d ?? 0;
  return scored.filter((s) => s.d <= best + 1).slice(0, max).map((s) => s.name);
}

/** The `HINT:` text suggesting `names`: `did you mean X?` or `did you mean one of: X, Y?`. */
export function didYouMean(names: readonly string[]): string {
  return names.length === 1 ? `did you mean ${names[0]}?` : `did you mean one of: ${names.join(', ')}?`;
}

// ---- what the machine offers ----

/** The machine's tracepoints sorted and indexed by category. */
export interface TracepointCatalogue {
  /** Every tracepoint as `category:event`, sorted. */
  readonly all: readonly string[];
  /** Category → its events, sorted; categories in sorted order. */
  readonly byCategory: ReadonlyMap<string, readonly string[]>;
}

const catalogues = new WeakMap<readonly string[], TracepointCatalogue>();

/** The tracepoint catalogue of `kernel`, memoised on the list `kernel.tracepoints()` returns. */
export function tracepointCatalogue(kernel: KernelInfo): TracepointCatalogue {
  const list = kernel.tracepoints();
  let catalogue = catalogues.get(list);
  if (!catalogue) {
    const all = [...list].sort();
    const byCategory = new Map<string, string[]>();
    for (const tp of all) {
      const colon = tp.indexOf(':');
      if (colon < 0) continue;
      const category = tp.slice(0, colon);
      let events = byCategory.get(category);
      if (!events) byCategory.set(category, (events = []));
      events.push(tp.slice(colon + 1));
    }
    catalogue = { all, byCategory };
    catalogues.set(list, catalogue);
  }
  return catalogue;
}

/** `[category, event]` of every tracepoint matching the two patterns, sorted. */
export function matchTracepoints(kernel: KernelInfo, category: string, event: string): [string, string][] {
  // An exact name needs only its own format file: listing every tracepoint costs ~10 ms of start-up.
  if (!hasWildcard(category) && !hasWildcard(event) && kernel.tracepointFormat(category, event) !== null) return [[category, event]];
  const { byCategory } = tracepointCatalogue(kernel);
  const categories = hasWildcard(category) ? [...byCategory.keys()].filter(globMatcher(category)) : byCategory.has(category) ? [category] : [];
  const out: [string, string][] = [];
  const matches = globMatcher(event);
  for (const c of categories) {
    const events = byCategory.get(c) ?? [];
    if (!hasWildcard(event)) {
      if (events.includes(event)) out.push([c, event]);
      continue;
    }
    for (const e of events) if (matches(e)) out.push([c, e]);
  }
  return out;
}

const rawNames = new WeakMap<Btf, readonly string[]>();

/** Every raw tracepoint of vmlinux, from its `btf_trace_<name>` typedefs, sorted (a ~10 ms scan, memoised). */
export function rawTracepointNames(btf: Btf): readonly string[] {
  let names = rawNames.get(btf);
  if (!names) {
    const found: string[] = [];
    for (let id = btf.firstTypeId; id < btf.nextTypeId; id++) {
      if (btf.kindOf(id) !== BTF_KIND_TYPEDEF) continue;
      const name = btf.nameOf(id);
      if (name.startsWith('btf_trace_')) found.push(name.slice('btf_trace_'.length));
    }
    names = found.sort();
    rawNames.set(btf, names);
  }
  return names;
}

/**
 * The arguments of raw tracepoint `name`, or null if there is none: types from the `btf_trace_<name>` typedef
 * (a pointer to a FUNC_PROTO whose first parameter, `void *__data`, is skipped), names from the
 * `__probestub_<name>` function (6.4+) or `__bpf_trace_<name>`, since the typedef's parameters are unnamed;
 * `argN` when neither has them.
 */
export function rawTracepointParams(btf: Btf, name: string): { name: string; typeId: number }[] | null {
  const id = btf.findByName(`btf_trace_${name}`, BTF_KIND_TYPEDEF);
  if (id === undefined) return null;
  let params: readonly { name: string; typeId: number }[];
  try {
    params = btf.funcProto(id).params.slice(1);
  } catch {
    return null;
  }
  let names: string[] | undefined;
  for (const fn of [`__probestub_${name}`, `__bpf_trace_${name}`]) {
    const fid = btf.findByName(fn, BTF_KIND_FUNC);
    if (fid === undefined) continue;
    const named = btf.funcProto(fid).params.slice(1);
    if (named.length === params.length && named.every((p) => p.name)) {
      names = named.map((p) => p.name);
      break;
    }
  }
  return params.map((p, i) => ({ name: names?.[i] ?? (p.name || `arg${i}`), typeId: p.typeId }));
}

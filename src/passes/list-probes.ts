/**
 * `siesta -l [pattern]` and `-lv`: the probes a pattern matches, one per line as bpftrace 0.26 prints them
 * (`tracepoint:syscalls:sys_enter_openat`, `rawtracepoint:vmlinux:sched_switch`, `software:cpu-clock:`,
 * `interval:hz:`), grouped by probe type in name order, matches sorted.
 *
 * With `verbose`, each probe is followed by its arguments indented by four spaces, as bpftrace -lv prints them
 * (tracepoint fields as the `format` file declares them, `const char * filename`; raw tracepoint arguments from
 * BTF, `struct task_struct * prev`), and then a siesta-specific line giving the probe's context,
 * `    (context: may-sleep)` or `    (context: atomic)`, which decides how user memory can be read there.
 *
 * Patterns use the attach-point syntax and wildcards (`*`, `?`). A pattern without a provider (`sched_switch`,
 * `sched:*`) matches every listable provider (tracepoint, rawtracepoint, software); `uprobe:` is listed only
 * when the pattern names a binary (`uprobe:/bin/bash:read*`, or `*:/bin/bash:*`); a bare provider (`software`)
 * lists all of its probes. Like compilation, listing learns about the machine only through `KernelInfo`.
 */
import type { Diagnostics } from '../lang/index.js';
import { formatDeclaration, parseTracefsFormat, TracefsFormatError } from '../btf/index.js';
import type { KernelInfo } from '../types/kernel-info.js';
import {
  findProvider, globMatcher, hasWildcard, matchTracepoints, PROBE_PROVIDERS, type ProbeKindName, type ProbeProvider,
  rawTracepointNames, rawTracepointParams, SOFTWARE_EVENTS, TIME_UNITS,
} from './probe-kinds.js';
import { lexAttachPoint, type ProbeContext, probeContextOf } from './probes.js';

/** One listed probe: its name, its argument declarations (for -v) and its context. */
interface Listed {
  readonly name: string;
  readonly args: () => readonly string[];
  readonly context: ProbeContext;
}

/**
 * The lines `siesta -l [pattern]` prints (without newlines); `verbose` adds arguments and context. Problems
 * with the pattern itself (a missing binary, an unsupported provider) are reported to `diags` when given.
 */
export function listProbes(kernel: KernelInfo, pattern?: string, verbose = false, diags?: Diagnostics): string[] {
  const composite = /^\s*(struct|union)\s+([A-Za-z_]\w*)\s*$/.exec(pattern ?? '');
  if (composite) return listComposite(kernel, composite[1] as 'struct' | 'union', composite[2]!);
  const lexed = lexAttachPoint(pattern?.trim() || '*', []);
  if (!Array.isArray(lexed)) {
    diags?.error(null, lexed.error);
    return [];
  }
  const lines: string[] = [];
  for (const { provider, rest } of providersFor(lexed, diags)) {
    for (const probe of listProvider(kernel, provider, rest, diags)) {
      lines.push(probe.name);
      if (!verbose) continue;
      for (const arg of probe.args()) lines.push(`    ${arg}`);
      lines.push(`    (context: ${probe.context})`);
    }
  }
  return lines;
}

/** Which providers a pattern's first part selects, each with the parts left to match. */
function providersFor(parts: string[], diags: Diagnostics | undefined): { provider: ProbeProvider; rest: string[] }[] {
  const first = parts[0]!;
  const listed = PROBE_PROVIDERS.filter((p) => p.listed);
  const sorted = (ps: readonly ProbeProvider[]) => [...ps].sort((a, b) => (a.name < b.name ? -1 : 1));
  const provider = hasWildcard(first) ? undefined : findProvider(first);
  if (provider) {
    if (provider.kind === null) {
      diags?.error(null, `${provider.name} ${provider.unsupported!.message}`);
      return [];
    }
    return [{ provider, rest: parts.slice(1) }];
  }
  // No provider (`sched_switch`, `sched:*`, `*`): every listable provider, matched against the whole pattern.
  if (parts.length === 1 || !hasWildcard(first)) return sorted(listed).map((p) => ({ provider: p, rest: parts }));
  // A wildcard provider: the listable kernel probe types, or the user-space ones when a path follows.
  const matches = globMatcher(first);
  const userspace = parts[1]!.includes('/');
  const candidates = userspace ? PROBE_PROVIDERS.filter((p) => p.kind === 'uprobe') : listed;
  return sorted(candidates.filter((p) => matches(p.name))).map((p) => ({ provider: p, rest: parts.slice(1) }));
}

/** The probes of one provider matching `rest` (the pattern after the provider). */
function listProvider(kernel: KernelInfo, provider: ProbeProvider, rest: string[], diags: Diagnostics | undefined): Listed[] {
  const kind = provider.kind!;
  switch (kind) {
    case 'tracepoint':
      return listTracepoints(kernel, rest);
    case 'rawtracepoint':
      return listRawTracepoints(kernel, rest);
    case 'software': {
      if (rest.length > 2) return [];
      const matches = globMatcher(rest[0] || '*');
      const names = SOFTWARE_EVENTS.flatMap((e) => (e.alias ? [e.name, e.alias] : [e.name]));
      // Sorted as printed (`cpu-clock:` before `cpu:`), as bpftrace's std::set of lines is.
      return names
        .filter(matches)
        .map((n) => `${n}:`)
        .sort()
        .map((n) => ({ name: `software:${n}`, args: () => [], context: 'atomic' }));
    }
    case 'interval':
    case 'profile': {
      if (rest.length > 2) return [];
      const matches = globMatcher(rest[0] || '*');
      return [...TIME_UNITS.keys()].filter(matches).map((u) => ({ name: `${provider.name}:${u}:`, args: () => [], context: 'atomic' }));
    }
    case 'uprobe':
    case 'uretprobe':
      return listUprobes(kernel, provider, kind, rest, diags);
    case 'begin':
    case 'end':
      return [];
  }
}

function listTracepoints(kernel: KernelInfo, rest: string[]): Listed[] {
  if (rest.length > 2) return [];
  const [category, event] = rest.length === 2 ? [rest[0] || '*', rest[1] || '*'] : ['*', rest[0] || '*'];
  return matchTracepoints(kernel, category, event).map(([c, e]) => ({
    name: `tracepoint:${c}:${e}`,
    args: () => tracepointFieldDecls(kernel, c, e),
    context: probeContextOf('tracepoint', c, e),
  }));
}

/** The event's own fields as its `format` file declares them (`const char * filename`), as bpftrace -lv prints them. */
function tracepointFieldDecls(kernel: KernelInfo, category: string, event: string): string[] {
  const text = kernel.tracepointFormat(category, event);
  if (text === null) return [];
  try {
    return parseTracefsFormat(text).fields.map((f) => f.decl);
  } catch (e) {
    if (e instanceof TracefsFormatError) return [];
    throw e;
  }
}

function listRawTracepoints(kernel: KernelInfo, rest: string[]): Listed[] {
  const btf = kernel.btf;
  if (!btf || rest.length > 2) return [];
  const [module, event] = rest.length === 2 ? [rest[0] || '*', rest[1] || '*'] : ['*', rest[0] || '*'];
  if (!globMatcher(module)('vmlinux')) return [];
  const names = hasWildcard(event) ? rawTracepointNames(btf).filter(globMatcher(event)) : rawTracepointParams(btf, event) ? [event] : [];
  return names.map((n) => ({
    name: `rawtracepoint:vmlinux:${n}`,
    args: () => (rawTracepointParams(btf, n) ?? []).map((p) => `${btf.typeName(p.typeId)} ${p.name}`),
    context: probeContextOf('rawtracepoint', 'vmlinux', n),
  }));
}

function listUprobes(kernel: KernelInfo, provider: ProbeProvider, kind: ProbeKindName, rest: string[], diags: Diagnostics | undefined): Listed[] {
  const target = rest[0] ?? '';
  if (rest.length > 2) {
    diags?.error(null, `language-specific ${provider.name}s are not supported by siesta yet`);
    return [];
  }
  if (!target || hasWildcard(target)) {
    diags?.error(null, target ? `wildcards in ${provider.name} targets are not supported by siesta yet` : `${provider.name} should have a target`);
    return [];
  }
  const path = kernel.resolveBinary(target);
  if (path === null) {
    diags?.error(null, `uprobe target file '${target}' does not exist or is not executable`);
    return [];
  }
  const shown = target.includes('/') ? target : path;
  const func = rest[1] || '*';
  const matches = globMatcher(func);
  const names = new Set<string>();
  try {
    for (const s of kernel.userSymbols(path, func.replaceAll('?', '*'))) if (matches(s.name)) names.add(s.name);
  } catch (e) {
    // A file the host cannot read as ELF: reported, not thrown, like a missing one.
    if (!(e instanceof Error)) throw e;
    diags?.error(null, `cannot read the symbols of ${path}: ${e.message}`);
    return [];
  }
  return [...names].sort().map((n) => ({ name: `${provider.name}:${shown}:${n}`, args: () => [], context: probeContextOf(kind, path, n, kernel) }));
}

/**
 * `-lv 'struct task_struct'`: the kernel's definition of a struct or union from BTF, one member a line as C
 * declares it (bitfields with their width); nothing when BTF has no such type.
 */
function listComposite(kernel: KernelInfo, keyword: 'struct' | 'union', name: string): string[] {
  const btf = kernel.btf;
  const id = btf?.findByName(name, keyword);
  if (!btf || id === undefined) return [];
  const lines = [`${keyword} ${name} {`];
  for (const m of btf.members(id)) {
    const decl = formatDeclaration(btf, m.typeId, m.name);
    lines.push(`\t${decl}${m.bitfieldSize ? `:${m.bitfieldSize}` : ''};`);
  }
  lines.push('};');
  return lines;
}

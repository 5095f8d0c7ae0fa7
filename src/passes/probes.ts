/**
 * Attach-point resolution: every attach point of every probe becomes one or more `ResolvedProbe`s (one per
 * wildcard match), each naming exactly what to attach to and what its context offers (`args` types, perf
 * settings, uprobe file offsets). This is bpftrace's attach-point parser, checker and probe expansion
 * (src/ast/passes/attachpoint_passes.cpp, ap_probe_expansion.cpp) in one pure pass: all it knows of the
 * machine comes through `KernelInfo`. Problems are diagnostics on the attach point, worded as bpftrace's.
 */
import type { AttachPoint, Diagnostics, Program, SourceLocation } from '../lang/index.js';
import { parseIntLiteral } from '../lang/index.js';
import { parseTracefsFormat, TracefsFormatError } from '../btf/index.js';
import { BtfTypes } from '../types/from-btf.js';
import { tracepointArgsType } from '../types/from-tracefs.js';
import type { KernelInfo } from '../types/kernel-info.js';
import type { RecordType, Type } from '../types/types.js';
import {
  didYouMean, findProvider, findSoftwareEvent, globMatcher, hasWildcard, matchTracepoints, nearestNames,
  PERF_COUNT_SW_CPU_CLOCK, PROBE_PROVIDERS, type ProbeKindName, type ProbeProvider, rawTracepointNames,
  rawTracepointParams, SOFTWARE_EVENTS, supportedProvidersText, TIME_UNITS, tracepointCatalogue,
} from './probe-kinds.js';

/** Whether a probe's program may sleep (fault in user memory) or runs where it must not. */
export type ProbeContext = 'atomic' | 'may-sleep';

/**
 * The context of a probe of `kind` on `target` (tracepoint category, binary) and `name` (event, function):
 * syscall tracepoints, raw_syscalls and rawtracepoint sys_enter/sys_exit may sleep (through the reliable-read
 * mechanisms); uprobes may sleep where `kernel` loads sleepable uprobe programs; the rest are atomic.
 */
export function probeContextOf(kind: ProbeKindName, target: string, name: string, kernel?: KernelInfo): ProbeContext {
  switch (kind) {
    case 'uprobe':
    case 'uretprobe':
      return kernel?.sleepableUprobes?.() ? 'may-sleep' : 'atomic';
    case 'tracepoint':
      return target === 'raw_syscalls' || (target === 'syscalls' && /^sys_(enter|exit)_/.test(name)) ? 'may-sleep' : 'atomic';
    case 'rawtracepoint':
      return name === 'sys_enter' || name === 'sys_exit' ? 'may-sleep' : 'atomic';
    default:
      return 'atomic';
  }
}

/** One attach point, resolved against the machine: what to attach to and what the probe's context holds. */
export interface ResolvedProbe {
  /** Index of the AST probe (program.probes[i]) whose body this attach point runs. */
  probeIndex: number;
  /**
   * Canonical full name, as bpftrace 0.26's `probe` builtin prints it: `tracepoint:syscalls:sys_enter_openat`,
   * `rawtracepoint:vmlinux:sched_switch`, `uprobe:/bin/bash:readline`, `interval:s:1`, `software:cpu:100000`,
   * and `begin`/`end` (lower case even when written `BEGIN`/`END`).
   */
  name: string;
  /** The probe kind (aliases expanded). */
  kind: ProbeKindName;
  /**
   * Whether the program may sleep here: syscall tracepoints (syscalls:sys_enter_* and sys_exit_*,
   * raw_syscalls:*, rawtracepoint sys_enter/sys_exit), and uprobes/uretprobes where sleepable uprobes load, are
   * 'may-sleep'; the rest 'atomic'.
   */
  context: ProbeContext;
  /** Where the attach point is written, for diagnostics. */
  loc: SourceLocation;
  /** Tracepoints: the event and the record type of `args` (common fields left out). */
  tracepoint?: { category: string; event: string; args: RecordType };
  /** Raw tracepoints (tp_btf): the event and its arguments from BTF, the leading `void *__data` skipped. */
  rawtracepoint?: { name: string; args: { name: string; type: Type }[] };
  /**
   * interval/profile/software: a PERF_TYPE_SOFTWARE event. `config` is a PERF_COUNT_SW_*; `period` is a sample
   * period (nanoseconds for cpu-clock), or `frequency` a rate in Hz; `oneCpu` for interval (one CPU), else all.
   */
  perf?: { type: 'software'; config: number; period?: number; frequency?: number; oneCpu: boolean };
  /** uprobe/uretprobe: the resolved binary, the function, and the file offset to attach at. */
  uprobe?: { path: string; symbol: string; offset: bigint; retprobe: boolean };
}

/** Options of {@link resolveProbes}. */
export interface ResolveOptions {
  /** Positional parameters (`$1` is the first), substituted in attach points as bpftrace does; missing ones are ''. */
  positionalParams?: readonly string[];
}

/** Resolves every attach point of `program`; errors go to `diags` on the attach point and yield no probe. */
export function resolveProbes(program: Program, kernel: KernelInfo, diags: Diagnostics, options: ResolveOptions = {}): ResolvedProbe[] {
  const resolver = new Resolver(kernel, diags, options.positionalParams ?? []);
  const out: ResolvedProbe[] = [];
  program.probes.forEach((probe, probeIndex) => {
    for (const ap of probe.attachPoints) out.push(...resolver.resolve(ap, probeIndex));
  });
  return out;
}

/**
 * Splits attach-point text at `:` outside quotes and expands unquoted `$N` (bpftrace's `lex_attachpoint`).
 * Returns the parts, or an error message.
 */
export function lexAttachPoint(raw: string, params: readonly string[]): string[] | { error: string } {
  const parts: string[] = [];
  let part = '';
  let quoted = false;
  let text = raw;
  // A parameter's value is lexed like the rest (its `:` split parts, as in bpftrace), but its `$` are literal.
  let literalEnd = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === ':' && !quoted) {
      parts.push(part);
      part = '';
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted && c === '\\' && i + 1 < text.length) {
      part += text[++i] ?? '';
    } else if (!quoted && c === '$' && i >= literalEnd) {
      const digits = /^[1-9]\d*/.exec(text.slice(i + 1))?.[0] ?? '';
      if (digits === '') {
        const next = text[i + 1];
        if (next === undefined) return { error: 'positional parameter is not valid: invalid integer: ' };
        return { error: `invalid trailing character for positional param: ${next}. Try quoting this entire part if this is intentional e.g. "$${next}".` };
      }
      const value = params[Number(digits) - 1] ?? '';
      text = text.slice(0, i) + value + text.slice(i + 1 + digits.length);
      literalEnd = i + value.length;
      i--;
    } else {
      part += c;
    }
  }
  parts.push(part);
  return parts;
}

/** Thrown inside the resolver to abandon one attach point after reporting its diagnostic. */
class Reported extends Error {}

class Resolver {
  #btfTypes: BtfTypes | null | undefined;

  constructor(
    readonly kernel: KernelInfo,
    readonly diags: Diagnostics,
    readonly params: readonly string[],
  ) {}

  get btfTypes(): BtfTypes | null {
    if (this.#btfTypes === undefined) this.#btfTypes = this.kernel.btf ? new BtfTypes(this.kernel.btf) : null;
    return this.#btfTypes;
  }

  resolve(ap: AttachPoint, probeIndex: number): ResolvedProbe[] {
    try {
      return this.#resolve(ap, probeIndex);
    } catch (e) {
      if (e instanceof Reported) return [];
      throw e;
    }
  }

  #fail(ap: AttachPoint, text: string, notes: readonly string[] = []): never {
    this.diags.error(ap.loc, text, notes);
    throw new Reported(text);
  }

  #resolve(ap: AttachPoint, probeIndex: number): ResolvedProbe[] {
    const lexed = ap.raw.includes('$') ? lexAttachPoint(ap.raw, this.params) : [...ap.parts];
    if (!Array.isArray(lexed)) this.#fail(ap, lexed.error);
    const parts = lexed;
    // `name=provider:...`: a user-provided name, reserved by bpftrace for future use.
    const eq = parts[0]!.indexOf('=');
    if (eq >= 0 && eq !== parts[0]!.length - 1) parts[0] = parts[0]!.slice(eq + 1);
    const written = parts[0]!;
    if (written === '') return [];
    if (hasWildcard(written)) this.#fail(ap, `wildcards in the probe type (${written}) are only supported when listing probes (siesta -l)`);
    const provider = findProvider(written);
    if (!provider) {
      const names = PROBE_PROVIDERS.filter((p) => p.kind !== null).flatMap((p) => [p.name, ...p.aliases]);
      const near = nearestNames(written.toLowerCase(), names, 1);
      this.#fail(ap, `Invalid probe type: ${written}`, [
        ...(near.length ? [didYouMean(near)] : []),
        `supported probe types: ${supportedProvidersText()}`,
      ]);
    }
    if (provider.kind === null) {
      const u = provider.unsupported!;
      this.#fail(ap, `${provider.name} ${u.message}`, [u.hint ?? `supported probe types: ${supportedProvidersText()}`]);
    }
    const base = { probeIndex, loc: ap.loc, kind: provider.kind };
    switch (provider.kind) {
      case 'begin':
      case 'end':
        if (parts.length === 2 && parts[1] === '*') parts.pop();
        if (parts.length !== 1) this.#countError(ap, provider, parts, '0');
        return [{ ...base, name: provider.name, context: 'atomic' }];
      case 'tracepoint':
        return this.#tracepoint(ap, parts).map((p) => ({ ...base, ...p }));
      case 'rawtracepoint':
        return this.#rawTracepoint(ap, parts).map((p) => ({ ...base, ...p }));
      case 'interval':
      case 'profile':
        return [{ ...base, ...this.#timer(ap, provider, parts) }];
      case 'software':
        return [{ ...base, ...this.#software(ap, parts) }];
      case 'uprobe':
      case 'uretprobe':
        return this.#uprobe(ap, provider, parts).map((p) => ({ ...base, ...p }));
    }
  }

  /** Runs a symbol lookup; a file the host cannot read as ELF becomes a diagnostic rather than an exception. */
  #hostCall<T>(ap: AttachPoint, path: string, call: () => T): T {
    try {
      return call();
    } catch (e) {
      if (e instanceof Reported || !(e instanceof Error)) throw e;
      this.#fail(ap, `cannot read the symbols of ${path}: ${e.message}`);
    }
  }

  #countError(ap: AttachPoint, provider: ProbeProvider, parts: readonly string[], expected: string): never {
    this.#fail(ap, `${provider.name} probe type requires ${expected} arguments, found ${parts.length - 1}`);
  }

  #tracepoint(ap: AttachPoint, parts: string[]): Omit<ResolvedProbe, 'probeIndex' | 'loc' | 'kind'>[] {
    // As bpftrace: `tracepoint:sys_enter_open*` searches every category.
    if (parts.length === 2 && hasWildcard(parts[1]!)) parts.splice(1, 0, '*');
    if (parts.length !== 3) this.#countError(ap, PROBE_PROVIDERS.find((p) => p.kind === 'tracepoint')!, parts, '2');
    const [, category, event] = parts as [string, string, string];
    if (!category || !event) this.#fail(ap, 'tracepoint probe must have a target');
    const matches = matchTracepoints(this.kernel, category, event);
    if (matches.length === 0) {
      const notes: string[] = [];
      if (!hasWildcard(category) && !hasWildcard(event)) {
        const near = nearestNames(`${category}:${event}`, tracepointCatalogue(this.kernel).all);
        if (near.length) notes.push(didYouMean(near.map((n) => `tracepoint:${n}`)));
      }
      this.#fail(ap, `No matches for tracepoint ${category}:${event}.`, notes);
    }
    return matches.map(([c, e]) => {
      const text = this.kernel.tracepointFormat(c, e);
      if (text === null) this.#fail(ap, `tracepoint format not found: ${c}:${e}`);
      let args: RecordType;
      try {
        args = tracepointArgsType(c, parseTracefsFormat(text), this.btfTypes);
      } catch (err) {
        if (!(err instanceof TracefsFormatError)) throw err;
        this.#fail(ap, `cannot read the format of tracepoint ${c}:${e}: ${err.message}`);
      }
      return { name: `tracepoint:${c}:${e}`, context: probeContextOf('tracepoint', c, e), tracepoint: { category: c, event: e, args } };
    });
  }

  #rawTracepoint(ap: AttachPoint, parts: string[]): Omit<ResolvedProbe, 'probeIndex' | 'loc' | 'kind'>[] {
    if (parts.length !== 2 && parts.length !== 3) {
      this.#countError(ap, PROBE_PROVIDERS.find((p) => p.kind === 'rawtracepoint')!, parts, '2 or 1');
    }
    const module = parts.length === 3 ? parts[1]! : '*';
    const event = parts.at(-1)!;
    if (!event) this.#fail(ap, 'rawtracepoint should be attached to a function');
    const btf = this.kernel.btf;
    if (!btf) this.#fail(ap, "rawtracepoints require kernel BTF. Try using a 'tracepoint' instead.");
    // Only vmlinux BTF is known at compile time; module raw tracepoints are not (yet) resolved.
    if (!globMatcher(module)('vmlinux')) this.#fail(ap, `No BTF found for ${module}:${event}.`);
    const all = rawTracepointNames(btf);
    const matches = hasWildcard(event) ? all.filter(globMatcher(event)) : rawTracepointParams(btf, event) ? [event] : [];
    if (matches.length === 0) {
      const near = hasWildcard(event) ? [] : nearestNames(event, all);
      this.#fail(ap, `No matches for rawtracepoint ${parts.length === 3 ? `${module}:` : ''}${event}.`, near.length ? [didYouMean(near.map((n) => `rawtracepoint:vmlinux:${n}`))] : []);
    }
    const types = this.btfTypes!;
    return matches.map((name) => ({
      name: `rawtracepoint:vmlinux:${name}`,
      context: probeContextOf('rawtracepoint', 'vmlinux', name),
      rawtracepoint: { name, args: rawTracepointParams(btf, name)!.map((p) => ({ name: p.name, type: types.toType(p.typeId, 'kernel') })) },
    }));
  }

  /** `interval:UNIT:N` / `profile:UNIT:N`, or `interval:N` in nanoseconds (`interval:1s`). */
  #timer(ap: AttachPoint, provider: ProbeProvider, parts: string[]): Omit<ResolvedProbe, 'probeIndex' | 'loc' | 'kind'> {
    const what = provider.name;
    let unit: string;
    let count: bigint;
    if (parts.length === 2) {
      if (hasWildcard(parts[1]!)) this.#fail(ap, `wildcards are not allowed for ${what} probe type`);
      const ns = parseIntLiteral(parts[1]!);
      if (!ns.ok) this.#fail(ap, `Invalid rate of ${what} probe: ${ns.error}`);
      if (ns.value < 1000n) this.#fail(ap, `Invalid rate of ${what} probe. Minimum is 1000 or 1us. Found: ${ns.value} nanoseconds`);
      unit = 'us';
      count = ns.value / 1000n;
    } else if (parts.length === 3) {
      unit = parts[1]!;
      if (!unit) this.#fail(ap, `${what} probe must have unit of time`);
      if (!TIME_UNITS.has(unit)) this.#fail(ap, `${unit} is not an accepted unit of time`, [`accepted units: ${[...TIME_UNITS.keys()].join(', ')}`]);
      const n = parseIntLiteral(parts[2]!);
      if (!n.ok) this.#fail(ap, `Invalid rate of ${what} probe: ${n.error}`);
      if (n.value <= 0n) this.#fail(ap, `${what} frequency should be a positive integer`);
      count = n.value;
    } else {
      this.#countError(ap, provider, parts, '1 or 2');
    }
    const perUnit = TIME_UNITS.get(unit)!;
    const value = perUnit === 'hz' ? count : count * perUnit;
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.#fail(ap, `${what} rate is too large: ${unit}:${count}`);
    const timing = perUnit === 'hz' ? { frequency: Number(value) } : { period: Number(value) };
    return {
      name: `${what}:${unit}:${count}`,
      context: 'atomic',
      perf: { type: 'software', config: PERF_COUNT_SW_CPU_CLOCK, ...timing, oneCpu: provider.kind === 'interval' },
    };
  }

  /** `software:EVENT[:COUNT]`. */
  #software(ap: AttachPoint, parts: string[]): Omit<ResolvedProbe, 'probeIndex' | 'loc' | 'kind'> {
    if (parts.length !== 2 && parts.length !== 3) this.#countError(ap, findProvider('software')!, parts, '1 or 2');
    const name = parts[1]!;
    if (!name) this.#fail(ap, 'software probe must have a software event name');
    if (hasWildcard(name)) this.#fail(ap, 'wildcards are not allowed for software probe type');
    const event = findSoftwareEvent(name);
    if (!event) {
      const names = SOFTWARE_EVENTS.flatMap((e) => (e.alias ? [e.name, e.alias] : [e.name]));
      const near = nearestNames(name, names);
      this.#fail(ap, `${name} is not a software probe`, [
        near.length ? didYouMean(near) : `software events: ${SOFTWARE_EVENTS.map((e) => e.name).join(', ')}`,
      ]);
    }
    let count = 0n;
    const written = parts[2];
    if (written !== undefined && written !== '' && written !== '*') {
      const n = parseIntLiteral(written);
      if (!n.ok) this.#fail(ap, `Invalid count for software probe: ${n.error}`);
      if (n.value > BigInt(Number.MAX_SAFE_INTEGER)) this.#fail(ap, `software count is too large: ${n.value}`);
      count = n.value;
    }
    return {
      name: count ? `software:${name}:${count}` : `software:${name}`,
      context: 'atomic',
      perf: { type: 'software', config: event.config, period: count ? Number(count) : event.defaultCount, oneCpu: false },
    };
  }

  /** `uprobe:BINARY:FUNCTION[+OFFSET]`, `uretprobe:BINARY:FUNCTION`; the binary may be a library name (`libc`). */
  #uprobe(ap: AttachPoint, provider: ProbeProvider, parts: string[]): Omit<ResolvedProbe, 'probeIndex' | 'loc' | 'kind'>[] {
    const what = provider.name;
    const retprobe = provider.kind === 'uretprobe';
    if (parts.length !== 3 && parts.length !== 4) this.#countError(ap, provider, parts, '2 or 3');
    if (parts.length === 4) this.#fail(ap, `language-specific ${what}s (${what}:BINARY:${parts[2]}:FUNCTION) are not supported by siesta yet`);
    const target = parts[1]!;
    let func = parts[2]!;
    if (!target) this.#fail(ap, `${what} should have a target`);
    if (!func) this.#fail(ap, `${what} should be attached to a function and/or address`);
    let offset = 0n;
    const plus = func.split('+').length - 1;
    if (plus > 0) {
      if (retprobe) this.#fail(ap, 'Offset not allowed');
      if (plus !== 1) this.#fail(ap, 'Cannot take more than one offset');
      const [fn, off] = func.split('+') as [string, string];
      if (!fn || !off) this.#fail(ap, 'Invalid offset');
      const n = parseIntLiteral(off);
      if (!n.ok) this.#fail(ap, `Invalid offset: ${n.error}`);
      func = fn;
      offset = n.value;
    } else if (parseIntLiteral(func).ok) {
      this.#fail(ap, `${what}s at an absolute address are not supported by siesta yet`, [
        `attach to a function, with an offset if needed: ${what}:${target}:FUNCTION${retprobe ? '' : '+OFFSET'}`,
      ]);
    }
    if (hasWildcard(target)) this.#fail(ap, `wildcards in ${what} targets are not supported by siesta yet`);
    const path = this.kernel.resolveBinary(target);
    if (path === null) this.#fail(ap, `uprobe target file '${target}' does not exist or is not executable`);
    // bpftrace names the probe by the path as written, or by the resolved one for library and PATH names.
    const shown = target.includes('/') ? target : path;
    const wild = hasWildcard(func);
    const matches = globMatcher(func);
    const byName = new Map<string, bigint>();
    for (const s of this.#hostCall(ap, path, () => this.kernel.userSymbols(path, wild ? func.replaceAll('?', '*') : func))) {
      if (matches(s.name) && !byName.has(s.name)) byName.set(s.name, s.fileOffset);
    }
    if (byName.size === 0) {
      const near = wild ? [] : this.#hostCall(ap, path, () => this.kernel.nearestUserSymbols(path, func)).slice(0, 3);
      this.#fail(ap, `No matches for ${what} ${shown}:${func}.`, near.length ? [didYouMean(near.map((n) => `${what}:${shown}:${n}`))] : []);
    }
    return [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([symbol, fileOffset]) => ({
      name: `${what}:${shown}:${symbol}${offset ? `+${offset}` : ''}`,
      context: probeContextOf(provider.kind!, path, symbol, this.kernel),
      uprobe: { path, symbol, offset: fileOffset + offset, retprobe },
    }));
  }
}

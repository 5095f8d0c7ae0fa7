/**
 * The compiler pipeline, in order: parse → resolve attach points → type check → generate code. Pure: the
 * script and a KernelInfo snapshot in, program specs and the resources record out, or diagnostics.
 */
import { AsmError, type Item, layout, link, type LinkedProgram } from '../asm/index.js';
import { type Diagnostics, parse, type Program, type SourceLocation, walk } from '../lang/index.js';
import type { CollectionSpec, ProgramKind, ProgramSpec } from '../loader/index.js';
import { type ResolvedProbe, resolveProbes } from '../passes/probes.js';
import { readConfig, type ScriptConfig } from '../passes/config.js';
import { checkMapDecls } from '../passes/map-decls.js';
import { unusedNamedParams } from '../passes/cli-opts.js';
import { type TypedProgram, typecheck } from '../passes/typecheck.js';
import type { KernelInfo } from '../types/kernel-info.js';
import { CodegenError, type ProgramBuilder } from './builder.js';
import { ResourceCollector } from './collect.js';
import { syscallExitOf } from './calls.js';
import { exitProbe, exitProgram } from './deferred.js';
import { funcInfoBtf } from './func-info.js';
import { DROPS_MAP, EVENTS_MAP, EVENTS_RING_SIZE, GLOBALS_ENTRIES, GLOBALS_MAP, SCRATCH_MAP } from './emit.js';
import { type CodegenOptions, ProbeCodegen, type UserReadHook } from './probe.js';
import type { ProgramInfo, Resources } from './resources.js';
import { SCRATCH_BUSY_MAP, SCRATCH_SLOTS } from './scratch-slots.js';
import { SLEEP_SCRATCH_ENTRIES, SLEEP_SCRATCH_MAP } from './sleepable.js';
import { checkStoredUserReads } from './user-reads.js';
import { kernelPathMap, kernelPathOffsets, returnsFd } from './kernel-path.js';
import { WQ_CTL_MAP, wqDeferredPrograms, wqExitProbe } from './wq-deferred.js';
import { BtfBuilder } from '../btf/index.js';

/** Options of a compilation. */
export interface CompileOptions {
  /** File name for diagnostics (`stdin` for -e). */
  file?: string;
  /** Positional parameters $1... */
  params?: readonly string[];
  maxStrlen?: number;
  maxMapKeys?: number;
  userRead?: UserReadHook;
  /** Provenance floor for user-memory reads (--reads). */
  floor?: 'any' | 'recovered' | 'exact';
  /**
   * Defer reads still lost at syscall exit to a bpf_wq (wq-deferred.ts); the caller checks the kernel can. A
   * function is asked only when the script has such reads, so the kernel is probed for those scripts alone.
   */
  deferredReads?: boolean | (() => boolean);
  /** A command is started for the script (-c), so `cpid` has a value. */
  command?: boolean;
  /** -k: report failed helper calls (map updates, stack collection) at run time. */
  helperErrors?: boolean;
  /** Named program parameters (`--name=value` on the command line), read by getopt(). */
  named?: ReadonlyMap<string, string>;
}

/** A compiled script: what to load, and how to read what it produces. */
export interface CompiledScript {
  spec: CollectionSpec;
  resources: Resources;
  probes: readonly ResolvedProbe[];
  ast: Program;
  typed: TypedProgram;
  /** Per program: the slot where each statement's code starts, to explain verifier errors in script terms. */
  sourceMap: Map<string, Array<{ slot: number; loc: SourceLocation }>>;
  /** The script's text (for quoting the statement a verifier error is about). */
  source: string;
  /** The settings of its `config = { ... }` block that siesta acts on. */
  config: ScriptConfig;
}

/** The script statement whose code contains instruction `insn` of program `program`. */
export function statementAt(script: CompiledScript, program: string, insn: number): SourceLocation | undefined {
  let best: SourceLocation | undefined;
  for (const e of script.sourceMap.get(program) ?? []) if (e.slot <= insn) best = e.loc;
  return best;
}

/** The outcome: a compiled script, or the diagnostics that prevented it (warnings are kept either way). */
export type CompileResult = { ok: true; script: CompiledScript; diagnostics: Diagnostics } | { ok: false; diagnostics: Diagnostics };

/** Per-CPU scratch value limit (PCPU_MIN_UNIT_SIZE). */
const SCRATCH_LIMIT = 32 * 1024;

function programKind(p: ResolvedProbe): { kind: ProgramKind; attachTo?: string } {
  switch (p.kind) {
    case 'begin': case 'end': return { kind: 'raw_tp' };
    case 'tracepoint': return { kind: 'tracepoint' };
    case 'rawtracepoint': return { kind: 'tp_btf', attachTo: p.rawtracepoint!.name };
    case 'interval': case 'profile': case 'software': return { kind: 'perf_event' };
    case 'uprobe': case 'uretprobe': return { kind: 'uprobe' };
  }
}

/** Whether `p` is on a per-syscall tracepoint (`tracepoint:syscalls:sys_enter_*` or `sys_exit_*`). */
function perSyscallTracepoint(p: ResolvedProbe): boolean {
  return p.kind === 'tracepoint' && p.tracepoint?.category === 'syscalls' && /^sys_(enter|exit)_/.test(p.tracepoint.event);
}

/**
 * Whether `p` gets a sleepable program when it reads user memory: a uprobe where the kernel loads uprobe.s, or
 * a per-syscall tracepoint where it loads tp.s (reliable reads, mechanism a; expected in 7.2).
 *
 * Of the three sleepable tracepoint flavours of that kernel series (tp.s, raw_tp.s, tp_btf.s), siesta uses the
 * classic one, BPF_PROG_TYPE_TRACEPOINT with BPF_F_SLEEPABLE, on the same `syscalls:sys_enter_<name>` event
 * as its plain program: the context is the same record (`args.filename` at the same offset), so the sleepable
 * program and its plain fallback differ only in how they read user memory; the event fires for its own syscall
 * only (tp_btf.s or raw_tp.s on sys_enter would run for every syscall behind a syscall-number filter, with a
 * pt_regs context); and the kernel runs it from perf_syscall_enter() before preemption is disabled. A kernel
 * whose verifier refuses it at load gets the plain program and its exit re-read instead (loader `fallback`).
 * raw_syscalls:* is left out: it is not the per-syscall perf path of that series, and a refusal there would
 * come at attach time, when no fallback is possible.
 */
function wantsSleepable(p: ResolvedProbe, kernel: KernelInfo): boolean {
  if (p.kind === 'uprobe' || p.kind === 'uretprobe') return p.context === 'may-sleep';
  return perSyscallTracepoint(p) && kernel.sleepableSyscallTracepoints?.() === true;
}

/** Whether the script calls exit() anywhere (only then do probes check the exiting flag). */
function callsExit(program: Program): boolean {
  let found = false;
  walk(program, (n) => {
    if (n.kind === 'Call' && n.name === 'exit') found = true;
    return !found;
  });
  return found;
}

/**
 * Records whose reads failed at a syscall's entry that can wait for its exit at once, per probe: one per thread
 * inside that syscall. The map is preallocated (creating it costs ~0.6 ms per 4096 entries of ~1 KiB); when it
 * is full, a record is sent at once with its reads marked lost.
 */
const PENDING_ENTRIES = 4096;

/** Scratch bytes a program may keep on its stack instead of a per-CPU slot, and the stack it must leave free. */
const STACK_SCRATCH_MAX = 256, STACK_MARGIN = 64;

/** Whether a generated program's scratch can live on its stack: small, and no callbacks (own frames). */
function fitsOnStack(b: ProgramBuilder): boolean {
  return b.scratchSize > 0 && b.scratchSize <= STACK_SCRATCH_MAX && !b.hasSubprogs && b.stackSize + b.scratchSize <= 512 - STACK_MARGIN;
}

/** A program and the fallbacks the loader may load in its place, in order. */
function withFallbacks(p: ProgramSpec): ProgramSpec[] {
  return p.fallback ? [p, ...withFallbacks(p.fallback)] : [p];
}

/** Compiles `source` against `kernel`. */
export function compile(source: string, kernel: KernelInfo, o: CompileOptions = {}): CompileResult {
  const parsed = parse(source, o.file ?? 'stdin');
  const diags = parsed.diagnostics;
  if (diags.hasErrors()) return { ok: false, diagnostics: diags };
  const config = readConfig(parsed.program, diags);
  if (diags.hasErrors()) return { ok: false, diagnostics: diags };
  const maxStrlen = o.maxStrlen ?? config.max_strlen ?? 1024;
  const maxMapKeys = o.maxMapKeys ?? config.max_map_keys ?? 4096;
  const probes = resolveProbes(parsed.program, kernel, diags, { positionalParams: o.params ?? [] });
  if (diags.hasErrors()) return { ok: false, diagnostics: diags };
  if (probes.length === 0) {
    diags.error(null, 'No probes to attach');
    return { ok: false, diagnostics: diags };
  }
  const params = o.params ?? [];
  const named = o.named ?? new Map<string, string>();
  const unused = unusedNamedParams(parsed.program, named);
  if (unused.length) {
    diags.error(null, `Unexpected command line options: ${unused.join(', ')}`);
    return { ok: false, diagnostics: diags };
  }
  const typed = typecheck(parsed.program, probes, kernel, diags, { maxStrlen, params, named, ...(kernel.kernelSymbolAddress ? { kernelSymbol: (n: string) => kernel.kernelSymbolAddress!(n) } : {}), ...(o.floor ? { floor: o.floor } : {}), ...(o.command ? { command: true } : {}) });
  if (!diags.hasErrors()) checkStoredUserReads(parsed.program, typed, diags, o.floor ?? 'any');
  if (diags.hasErrors()) return { ok: false, diagnostics: diags };
  const declared = checkMapDecls(parsed.program, typed.maps, diags);
  if (diags.hasErrors()) return { ok: false, diagnostics: diags };
  try {
    const res = new ResourceCollector(typed, maxMapKeys, declared);
    const options: CodegenOptions = {
      ncpus: kernel.ncpus, params, named, ...(kernel.kernelSymbolAddress ? { kernelSymbol: (n: string) => kernel.kernelSymbolAddress!(n) } : {}), ...(o.userRead ? { userRead: o.userRead } : {}), ...(o.helperErrors ? { helperErrors: true } : {}),
      ...(kernel.bpfLoop ? { bpfLoop: () => kernel.bpfLoop!() } : {}), ...(kernel.mayGoto ? { mayGoto: () => kernel.mayGoto!() } : {}),
      ...(callsExit(parsed.program) ? { exitFlag: true } : {}), ...(kernel.exitRereads?.() === false ? { exitRereads: false } : {}),
    };
    const programs: ProgramSpec[] = [];
    const infos: Resources['programs'] = [];
    const sourceMap = new Map<string, Array<{ slot: number; loc: SourceLocation }>>();
    let scratch = 8;
    let sleepScratch = false;
    typed.probes.forEach((pt, i) => {
      const name = `p${i}_${pt.probe.kind}`.slice(0, 15);
      const gen = (sleepable: boolean, stackScratch?: number) => {
        const g = new ProbeCodegen(typed, pt, parsed.program.probes[pt.probe.probeIndex]!, res, { ...options, sleepable, ...(stackScratch !== undefined ? { stackScratch } : {}) }, name);
        const built = g.generate();
        scratch = Math.max(scratch, built.scratchSize);
        return { g, b: built };
      };
      const { kind, attachTo } = programKind(pt.probe);
      const deferredBefore = res.deferred.length;
      let { g, b } = gen(false);
      let spec: ProgramSpec = { name, kind, code: linkProbe(b.items, name), ...(attachTo ? { attachTo } : {}) };
      // Source locations of verifier errors come from the per-CPU program: the one whose rejection is reported.
      const plainItems = b.items, plainLocs = b.locs;
      if (fitsOnStack(b) && res.deferred.length === deferredBefore) {
        // Its scratch fits beside its stack: the run's own stack serves, the per-CPU program is the fallback
        // should the verifier refuse this one (kernels that refuse reads of uninitialised stack, say).
        const onStack = gen(false, b.scratchSize).b;
        spec = { ...spec, code: linkProbe(onStack.items, name), fallback: spec };
      }
      // How the plain program reads user memory: retried at the syscall's exit, or once at the event.
      const plainReads = syscallExitOf(g) && options.exitRereads !== false ? 'exit' : 'entry';
      let reads: ProgramInfo['reads'] = g.userReads > 0 ? plainReads : undefined;
      if (g.userReads > 0 && wantsSleepable(pt.probe, kernel)) {
        // A uprobe or syscall tracepoint reading user memory where its sleepable flavour loads: read with
        // faulting helpers; the plain program stays as the fallback the loader uses if the verifier refuses
        // the sleepable one (a helper or map a sleepable program may not use).
        const fallback = spec;
        ({ g, b } = gen(true));
        spec = { ...fallback, code: linkProbe(b.items, name), sleepable: true, fallback };
        sleepScratch = true;
        reads = 'sleepable';
      }
      programs.push(spec);
      const slots = layout(plainItems).slots;
      sourceMap.set(name, plainLocs.map((l) => ({ slot: slots[l.item] ?? Number.MAX_SAFE_INTEGER, loc: l.loc })));
      infos.push({ name, probe: pt.probe, ...(reads ? { reads } : {}), ...(reads === 'sleepable' ? { fallbackReads: plainReads } : {}) });
    });
    // One BTF per collection: the deferred-read slots and callbacks, then the other programs' func_info.
    const btf = new BtfBuilder();
    // Path reads of openat & co. still lost at exit fall back to the kernel's path of the returned fd.
    const kpath = res.deferred.some(returnsFd) ? kernelPathOffsets(kernel.btf) : null;
    if (kpath) for (const d of res.deferred) if (returnsFd(d) && d.fixups.some((f) => f.str)) d.kernelPath = kpath;
    const kpathMap = kernelPathMap(res.deferred);
    const defer = res.deferred.length > 0 && (typeof o.deferredReads === 'function' ? o.deferredReads() : o.deferredReads === true);
    const wq = defer ? wqDeferredPrograms(res.deferred, btf) : null;
    res.deferred.forEach((d, i) => {
      const prog = wq ? wq.programs[i]! : exitProgram(d, i);
      programs.push(prog);
      const entry = infos.find((p) => p.name === d.entry)!;
      infos.push({ name: prog.name, probe: wq ? wqExitProbe(entry.probe) : exitProbe(d, entry.probe), internal: true });
    });
    // Programs with callbacks (loops over maps) need func_info, hence BTF for their functions.
    const funcBtf = funcInfoBtf(programs.flatMap(withFallbacks), btf) ?? (wq ? btf.encode() : undefined);
    if (scratch > SCRATCH_LIMIT) throw new CodegenError(`the script needs ${scratch} bytes of scratch space per CPU (limit ${SCRATCH_LIMIT}): lower max_strlen`);
    const spec: CollectionSpec = {
      maps: [
        ...[...res.maps.values()].map((m) => ({ name: m.bpfName, kind: m.kind, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries })),
        { name: EVENTS_MAP, kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: EVENTS_RING_SIZE },
        { name: DROPS_MAP, kind: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: 1 },
        { name: SCRATCH_MAP, kind: 'percpu_array', keySize: 4, valueSize: Math.ceil(scratch / 8) * 8, maxEntries: SCRATCH_SLOTS },
        { name: SCRATCH_BUSY_MAP, kind: 'percpu_array', keySize: 4, valueSize: 8 * SCRATCH_SLOTS, maxEntries: 1 },
        { name: GLOBALS_MAP, kind: 'array', keySize: 4, valueSize: 8, maxEntries: GLOBALS_ENTRIES },
        ...(sleepScratch ? [{ name: SLEEP_SCRATCH_MAP, kind: 'hash' as const, keySize: 8, valueSize: Math.ceil(scratch / 8) * 8, maxEntries: SLEEP_SCRATCH_ENTRIES }] : []),
        // 4096 stacks of each depth, as bpftrace's default; the kernel rejects deeper than perf_event_max_stack.
        ...res.stackMaps.map((m) => ({ name: m.name, kind: 'stack_trace' as const, keySize: 4, valueSize: m.limit * 8, maxEntries: 4096 })),
        ...res.deferred.map((d) => ({ name: d.pendingMap, kind: 'hash' as const, keySize: 8, valueSize: d.size, maxEntries: PENDING_ENTRIES })),
        ...(wq?.maps ?? []),
        ...(kpathMap ? [kpathMap] : []),
      ],
      programs,
      ...(funcBtf ? { btf: funcBtf } : {}),
    };
    const userSymbols = typed.probes.some((pt) => [...pt.exprs.values()].some((t) => t.kind === 'usym' || (t.kind === 'stack' && t.user)));
    const resources: Resources = {
      userSymbols, maps: [...res.maps.values()], formats: res.formats, printValues: res.printValues, timeFormats: res.timeFormats, deferred: res.deferred, stackMaps: res.stackMaps, joins: res.joins, helperErrors: res.helperErrors, programs: infos,
      eventsMap: EVENTS_MAP, dropsMap: DROPS_MAP, globalsMap: GLOBALS_MAP, ...(wq ? { wqCtlMap: WQ_CTL_MAP } : {}),
    };
    return { ok: true, script: { spec, resources, probes, ast: parsed.program, typed, sourceMap, source, config }, diagnostics: diags };
  } catch (e) {
    if (e instanceof CodegenError) {
      diags.error(e.loc, e.message);
      return { ok: false, diagnostics: diags };
    }
    throw e;
  }
}

/** Links one probe's program; a jump too far for its 16-bit offset means the script made it too large. */
function linkProbe(items: readonly Item[], name: string): LinkedProgram {
  try {
    return link(items, name);
  } catch (e) {
    if (e instanceof AsmError && e.code === 'offset_range') throw new CodegenError(`probe ${name} is too large: ${e.message}`);
    throw e;
  }
}

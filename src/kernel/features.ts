/**
 * Feature probes: what the running kernel lets siesta do, found by trying (loading a two-instruction program of
 * each kind, creating a map) rather than by version strings. Results are cached for the life of the process.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  alu64Imm, call, callKfunc, exit, type Item, jmpImm, label, ldFuncAddr, ldMapFd, link, type LinkedProgram, mayGoto, mov64Imm, mov64Reg, patchImm, R0,
  R1, R10, R2, R3, R4, R6, st,
} from '../asm/index.js';
import { BTF_FUNC_GLOBAL, BtfBuilder } from '../btf/index.js';
import { btfLoad, encodeFuncInfo, errnoName, type Fd, mapCreate, progLoadOnce, SysError, uapi } from '../sys/index.js';
import { bootCacheEnabled, readBootFact, writeBootFact } from './boot-cache.js';
import { hintKernelNames, kernelBtf, kernelTypes } from './btf.js';
import { verifierReason } from './verifier-log.js';

/** Whether something works here, and if not, the kernel's answer in words. */
export type Support = { ok: true } | { ok: false; reason: string };

/** Program kinds probed by loading an empty program. */
export type ProbedProgram = 'tracepoint' | 'raw_tp' | 'tp_btf' | 'perf_event' | 'uprobe' | 'fentry' | 'lsm' | 'iter';

interface ProbeSpec {
  progType: number;
  attachType?: number;
  /** vmlinux BTF name and kind of the attach target. */
  btfTarget?: [string, 'func' | 'typedef'];
}

const PROBES: Record<ProbedProgram, ProbeSpec> = {
  tracepoint: { progType: uapi.BPF_PROG_TYPE_TRACEPOINT },
  raw_tp: { progType: uapi.BPF_PROG_TYPE_RAW_TRACEPOINT },
  tp_btf: { progType: uapi.BPF_PROG_TYPE_TRACING, attachType: uapi.BPF_TRACE_RAW_TP, btfTarget: ['btf_trace_sys_enter', 'typedef'] },
  perf_event: { progType: uapi.BPF_PROG_TYPE_PERF_EVENT },
  uprobe: { progType: uapi.BPF_PROG_TYPE_KPROBE },
  fentry: { progType: uapi.BPF_PROG_TYPE_TRACING, attachType: uapi.BPF_TRACE_FENTRY, btfTarget: ['__x64_sys_openat', 'func'] },
  lsm: { progType: uapi.BPF_PROG_TYPE_LSM, attachType: uapi.BPF_LSM_MAC, btfTarget: ['bpf_lsm_file_open', 'func'] },
  iter: { progType: uapi.BPF_PROG_TYPE_TRACING, attachType: uapi.BPF_TRACE_ITER, btfTarget: ['bpf_iter_task', 'func'] },
};

/** kfuncs that the reliable-reads mechanisms call. */
export const RELIABLE_READ_KFUNCS = [
  'bpf_copy_from_user_str', 'bpf_copy_from_user_task', 'bpf_copy_from_user_task_str', 'bpf_wq_init',
  'bpf_wq_set_callback_impl', 'bpf_wq_start', 'bpf_task_acquire', 'bpf_task_release', 'bpf_task_from_pid',
  'bpf_task_work_schedule_signal', 'bpf_send_signal_task',
] as const;

/** kfuncs of a deferred sleepable read with bpf_wq (6.10), called by the `wqSupport` probe. */
const WQ_KFUNCS = ['bpf_wq_init', 'bpf_wq_set_callback_impl', 'bpf_wq_start'] as const;

let emptyProgram: LinkedProgram | undefined;
const cache = new Map<string, Support>();
/**
 * Every vmlinux name the probes and `siesta --info` may ask about. Hinted to vmlinux BTF, they are resolved by
 * whichever lookup first scans the types (a script's compilation, often): separate lookups would cost a scan
 * each and then the whole name index (~16 ms on 6.18's 127k types, cold).
 */
const PROBED_NAMES = [...Object.values(PROBES).flatMap((p) => (p.btfTarget ? [p.btfTarget[0]] : [])), ...RELIABLE_READ_KFUNCS, ...WQ_KFUNCS];
// Also the attach target of reliable reads' exit programs (tp_btf on sys_exit), which the loader looks up.
hintKernelNames([...PROBED_NAMES, 'btf_trace_sys_exit']);

function describe(e: { errno: number; log: string }): string {
  const { reason } = verifierReason(e.log);
  return reason ? `${errnoName(e.errno)}: ${reason}` : errnoName(e.errno);
}

function probeLoad(kind: ProbedProgram, sleepable: boolean): Support {
  const spec = PROBES[kind];
  let attachBtfId: number | undefined;
  if (spec.btfTarget) {
    attachBtfId = kernelTypes.typeId(spec.btfTarget[0], spec.btfTarget[1]);
    if (attachBtfId === undefined) return { ok: false, reason: kernelBtf() ? `no ${spec.btfTarget[0]} in vmlinux BTF` : 'no vmlinux BTF' };
  }
  emptyProgram ??= link([mov64Imm(R0, 0), exit()], 'probe');
  const r = progLoadOnce({
    progType: spec.progType,
    insns: emptyProgram.bytes,
    license: 'GPL',
    name: 'siesta_probe',
    ...(spec.attachType !== undefined ? { expectedAttachType: spec.attachType } : {}),
    ...(attachBtfId !== undefined ? { attachBtfId } : {}),
    flags: sleepable ? uapi.BPF_F_SLEEPABLE : 0,
    logLevel: 1,
    logSize: 4096,
  });
  if (r.ok) {
    r.fd.close();
    return { ok: true };
  }
  return { ok: false, reason: describe(r) };
}

function cached(key: string, probe: () => Support): Support {
  let s = cache.get(key) ?? (bootCacheEnabled() ? keptAnswers()?.[key] : undefined);
  if (!s) {
    try {
      s = probe();
    } catch (e) {
      s = { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
    if (bootCacheEnabled() && (s.ok || !TRANSIENT.test(s.reason))) {
      kept = { ...(keptAnswers() ?? {}), [key]: s };
      writeBootFact(FEATURES_FACT, `${JSON.stringify(kept)}\n`);
    }
  }
  cache.set(key, s);
  return s;
}

/** Failures that say nothing lasting about the kernel: never kept beyond this process. */
const TRANSIENT = /\b(EAGAIN|ENOMEM|EINTR|EBUSY|EMFILE|ENFILE|ENOSPC)\b/;

/** Answers of earlier runs in this boot (boot-cache.ts), read on the first probe; null when there are none. */
let kept: Record<string, Support> | null | undefined;

function keptAnswers(): Record<string, Support> | null {
  if (kept === undefined) {
    kept = null;
    const text = readBootFact(FEATURES_FACT)?.toString('utf8');
    try {
      const parsed: unknown = text ? JSON.parse(text) : null;
      if (parsed && typeof parsed === 'object') kept = parsed as Record<string, Support>;
    } catch {
      // Damaged: probe again, and the write below replaces it.
    }
  }
  return kept;
}

const FEATURES_FACT = 'features.json';

/** Whether programs of `kind` load here (optionally as sleepable programs, BPF_F_SLEEPABLE). */
export function programSupport(kind: ProbedProgram, sleepable = false): Support {
  return cached(`prog:${kind}:${sleepable}`, () => probeLoad(kind, sleepable));
}

/** Whether `name` is a kernel function present in vmlinux BTF (kfuncs are FUNCs; being callable is per program type). */
export function hasKfunc(name: string): boolean {
  return kernelTypes.typeId(name, 'func') !== undefined;
}

/**
 * The bpf_wq probe program (on sys_enter), the instructions libbpf loads for this C (prototypes/q2_wq.bpf.c):
 *
 *   struct siesta_wq_probe { struct bpf_wq wq; };           // array map value, 1 entry, BTF-typed
 *   int siesta_wq_probe(void *ctx) {                        // global FUNC: func_info[0]
 *     struct siesta_wq_probe *v = bpf_map_lookup_elem(&map, &(int){0});
 *     if (v) {
 *       bpf_wq_init(&v->wq, &map, 0);
 *       bpf_wq_set_callback_impl(&v->wq, siesta_wq_cb, 0, NULL);
 *       bpf_wq_start(&v->wq, 0);
 *     }
 *     return 0;
 *   }
 *   static int siesta_wq_cb(void *map, int *key, void *value) { return 0; }   // func_info[1]
 *
 * The program is only loaded, never attached, so nothing runs.
 */
const wqProgram = (): Item[] => [
  st(4, R10, -4, 0),
  mov64Reg(R2, R10),
  alu64Imm('add', R2, -4),
  ldMapFd(R1, 'wq'),
  call('map_lookup_elem'),
  jmpImm('jeq', R0, 0, 'out'),
  mov64Reg(R6, R0),
  mov64Reg(R1, R6),
  ldMapFd(R2, 'wq'),
  mov64Imm(R3, 0),
  callKfunc('bpf_wq_init'),
  mov64Reg(R1, R6),
  ldFuncAddr(R2, 'siesta_wq_cb'),
  mov64Imm(R3, 0),
  mov64Imm(R4, 0),
  callKfunc('bpf_wq_set_callback_impl'),
  mov64Reg(R1, R6),
  mov64Imm(R2, 0),
  callKfunc('bpf_wq_start'),
  label('out'),
  mov64Imm(R0, 0),
  exit(),
  label('siesta_wq_cb'),
  mov64Imm(R0, 0),
  exit(),
];

/**
 * Loads the bpf_wq probe as a `kind` program. src/kernel sits below src/loader (which imports it), so the few
 * steps loadCollection would take are done here with src/sys directly: BPF_BTF_LOAD of the value and function types, BPF_MAP_CREATE with the value's
 * BTF id (the kernel finds the bpf_wq field through it), and BPF_PROG_LOAD with func_info for both functions,
 * the map fd and the kfunc BTF ids (module offset 0: vmlinux) patched into the immediates.
 */
function probeWq(kind: 'tp_btf' | 'raw_tp'): Support {
  const spec = PROBES[kind];
  let attachBtfId: number | undefined;
  if (spec.btfTarget) {
    attachBtfId = kernelTypes.typeId(spec.btfTarget[0], spec.btfTarget[1]);
    if (attachBtfId === undefined) return { ok: false, reason: kernelBtf() ? `no ${spec.btfTarget[0]} in vmlinux BTF` : 'no vmlinux BTF' };
  }
  const missing = WQ_KFUNCS.filter((k) => kernelTypes.typeId(k, 'func') === undefined);
  if (missing.length) return { ok: false, reason: `kfuncs missing: ${missing.join(', ')}` };

  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 'signed');
  const voidPtr = b.addPtr(0);
  const value = b.addStruct('siesta_wq_probe', 16, [{ name: 'wq', typeId: b.addSpecialStruct('bpf_wq'), bitOffset: 0 }]);
  const funcIds = new Map<string, number>([
    ['siesta_wq_probe', b.addFunction('siesta_wq_probe', int, [{ name: 'ctx', typeId: voidPtr }], BTF_FUNC_GLOBAL).funcId],
    ['siesta_wq_cb', b.addFunction('siesta_wq_cb', int, [
      { name: 'map', typeId: voidPtr }, { name: 'key', typeId: b.addPtr(int) }, { name: 'value', typeId: voidPtr },
    ]).funcId],
  ]);

  using btf = btfLoad(b.encode());
  using map = mapCreate({
    mapType: uapi.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 16, maxEntries: 1, name: 'siesta_wq_probe',
    btfFd: btf.raw, btfKeyTypeId: int, btfValueTypeId: value,
  });
  const code = link(wqProgram(), 'siesta_wq_probe');
  const insns = code.bytes.slice();
  for (const r of code.relocations) {
    if (r.kind === 'map_fd') patchImm(insns, r.slot, map.raw);
    else if (r.kind === 'kfunc') patchImm(insns, r.slot, kernelTypes.typeId(r.name, 'func')!);
    else throw new Error(`wq probe: unexpected relocation ${r.kind}`);
  }
  const funcInfo = encodeFuncInfo(code.funcs, code.funcs.map((f) => funcIds.get(f.name)!));
  const r = progLoadOnce({
    progType: spec.progType,
    ...(spec.attachType !== undefined ? { expectedAttachType: spec.attachType } : {}),
    ...(attachBtfId !== undefined ? { attachBtfId } : {}),
    insns,
    license: 'GPL',
    name: 'siesta_wq_probe',
    btfFd: btf.raw,
    funcInfo,
    logLevel: 1,
    logSize: 1 << 16,
  });
  if (r.ok) {
    r.fd.close();
    return { ok: true };
  }
  return { ok: false, reason: describe(r) };
}

/**
 * Whether a syscall-entry program of `kind` can defer work to a sleepable bpf_wq callback (6.10, tp_btf;
 * 6.18 still answers "tracing progs cannot use bpf_wq yet" for raw_tp, tracepoint and kprobe programs): loads
 * a program that initialises a bpf_wq held in a map value, sets a callback subprogram and starts it. On
 * failure the reason is the verifier's answer.
 */
export function wqSupport(kind: 'tp_btf' | 'raw_tp' = 'tp_btf'): Support {
  return cached(`wq:${kind}`, () => probeWq(kind));
}

/**
 * Whether tracing programs may call bpf_loop (helper 181, 5.17), which range loops with run-time bounds compile
 * to: loads a tracepoint program that calls it once with a callback subprogram (so with func_info, which a
 * program taking a callback's address needs), never attached.
 */
export function bpfLoopSupport(): Support {
  return cached('helper:loop', probeBpfLoop);
}

function probeBpfLoop(): Support {
  const b = new BtfBuilder();
  const int = b.addInt('int', 4, 'signed');
  const long = b.addInt('long', 8, 'signed');
  const voidPtr = b.addPtr(0);
  const funcIds = new Map<string, number>([
    ['siesta_loop_probe', b.addFunction('siesta_loop_probe', int, [{ name: 'ctx', typeId: voidPtr }], BTF_FUNC_GLOBAL).funcId],
    ['siesta_loop_cb', b.addFunction('siesta_loop_cb', long, [{ name: 'index', typeId: b.addInt('u64', 8, 'unsigned') }, { name: 'ctx', typeId: voidPtr }]).funcId],
  ]);
  using btf = btfLoad(b.encode());
  const code = link([
    mov64Imm(R1, 1), ldFuncAddr(R2, 'siesta_loop_cb'), mov64Imm(R3, 0), mov64Imm(R4, 0), call('loop'), mov64Imm(R0, 0), exit(),
    label('siesta_loop_cb'), mov64Imm(R0, 0), exit(),
  ], 'siesta_loop_probe');
  const funcInfo = encodeFuncInfo(code.funcs, code.funcs.map((f) => funcIds.get(f.name)!));
  const r = progLoadOnce({
    progType: uapi.BPF_PROG_TYPE_TRACEPOINT, insns: code.bytes, license: 'GPL', name: 'siesta_loop', btfFd: btf.raw, funcInfo,
    logLevel: 1, logSize: 1 << 14,
  });
  if (r.ok) {
    r.fd.close();
    return { ok: true };
  }
  return { ok: false, reason: describe(r) };
}

/**
 * Whether programs may use may_goto (6.9), with which while loops bound their iterations for the verifier: loads
 * a tracepoint program with a loop the verifier could not bound without it, never attached.
 */
export function mayGotoSupport(): Support {
  return cached('insn:may_goto', () => {
    const code = link([
      call('get_prandom_u32'), label('top'), mayGoto('out'), alu64Imm('add', R0, -1), jmpImm('jne', R0, 0, 'top'), label('out'), mov64Imm(R0, 0), exit(),
    ], 'siesta_may_goto');
    const r = progLoadOnce({ progType: uapi.BPF_PROG_TYPE_TRACEPOINT, insns: code.bytes, license: 'GPL', name: 'siesta_may_goto', logLevel: 1, logSize: 1 << 14 });
    if (r.ok) {
      r.fd.close();
      return { ok: true };
    }
    return { ok: false, reason: describe(r) };
  });
}

/** Whether a map of this type can be created (ring buffers: 5.8). */
export function mapSupport(kind: 'ringbuf'): Support {
  return cached(`map:${kind}`, () => {
    let fd: Fd | undefined;
    try {
      fd = mapCreate({ mapType: uapi.BPF_MAP_TYPE_RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096, name: 'siesta_probe' });
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: e instanceof SysError ? e.code : String(e) };
    } finally {
      fd?.close();
    }
  });
}

/** seccomp user notification (5.0, needed by --exact): SECCOMP_RET_USER_NOTIF listed by the kernel. */
export function seccompUserNotifSupport(): Support {
  return cached('seccomp', () => {
    const path = '/proc/sys/kernel/seccomp/actions_avail';
    if (!existsSync(path)) return { ok: false, reason: 'no seccomp in this kernel' };
    return readFileSync(path, 'utf8').includes('user_notif') ? { ok: true } : { ok: false, reason: 'user_notif not in actions_avail' };
  });
}

/** Forgets cached results (tests). */
export function resetFeatureCache(): void {
  cache.clear();
  kept = undefined;
}

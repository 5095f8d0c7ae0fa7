/**
 * Feature probes: what the running kernel lets siesta do, found by trying (loading a two-instruction program of
 * each kind, creating a map) rather than by version strings. Results are cached for the life of the process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { exit, link, mov64Imm, R0, type LinkedProgram } from '../asm/index.js';
import { type Fd, mapCreate, progLoadOnce, SysError, uapi } from '../sys/index.js';
import { errnoName } from '../sys/index.js';
import { kernelBtf, kernelTypes } from './btf.js';
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

let emptyProgram: LinkedProgram | undefined;
const cache = new Map<string, Support>();

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
  let s = cache.get(key);
  if (!s) {
    try {
      s = probe();
    } catch (e) {
      s = { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
    cache.set(key, s);
  }
  return s;
}

/** Whether programs of `kind` load here (optionally as sleepable programs, BPF_F_SLEEPABLE). */
export function programSupport(kind: ProbedProgram, sleepable = false): Support {
  return cached(`prog:${kind}:${sleepable}`, () => probeLoad(kind, sleepable));
}

/** Whether `name` is a kernel function present in vmlinux BTF (kfuncs are FUNCs; being callable is per program type). */
export function hasKfunc(name: string): boolean {
  return kernelTypes.typeId(name, 'func') !== undefined;
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
}

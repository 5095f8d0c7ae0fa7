/**
 * Programs: a ProgramSpec is the pure output of the compiler or a hand assembler; loadProgram resolves what
 * depends on the running kernel (map fds, kfunc and attach BTF ids) and calls BPF_PROG_LOAD.
 */
import type { LinkedProgram } from '../asm/index.js';
import { patchImm } from '../asm/index.js';
import { encodeFuncInfo, type Fd, progLoad, uapi } from '../sys/index.js';
import type { BpfMap } from './map.js';
import { VerifierError } from './verifier-error.js';

/** Program kinds, named as libbpf's section prefixes (`uprobe` with sleepable=true is `uprobe.s`). */
export type ProgramKind = 'tracepoint' | 'raw_tp' | 'tp_btf' | 'perf_event' | 'uprobe' | 'fentry' | 'fexit' | 'lsm' | 'iter' | 'socket_filter';

/** A program's description: bytecode plus what it attaches to. */
export interface ProgramSpec {
  name: string;
  kind: ProgramKind;
  code: LinkedProgram;
  /** Load with BPF_F_SLEEPABLE (uprobe.s, fentry.s, and tp_btf.s/raw_tp.s on kernels that allow it). */
  sleepable?: boolean;
  /** tp_btf: the raw tracepoint (`sys_enter`); fentry/fexit/lsm: the kernel function; iter: the iterator. */
  attachTo?: string;
  license?: string;
  /**
   * Loaded instead when the verifier rejects this program (and so on down the chain): a sleepable program that
   * reads user memory with faulting helpers has a non-sleepable twin for kernels that refuse it something it
   * uses; a program keeping its scratch on the stack has a twin using a per-CPU buffer.
   */
  fallback?: ProgramSpec;
  /** BTF FUNC type ids (in the collection's BTF), one per `code.funcs` entry, for func_info. */
  funcTypeIds?: number[];
}

/** What loading needs from the running kernel: vmlinux BTF ids by name. */
export interface KernelTypes {
  /** The vmlinux BTF id of a named type of a kind (`func` for kfuncs, `typedef` for btf_trace_*), or undefined. */
  typeId(name: string, kind: 'func' | 'typedef' | 'struct' | 'var'): number | undefined;
}

/** A loaded program. */
export class Program implements Disposable {
  /** When this is a sleepable spec's fallback: the verifier's rejection of the sleepable program. */
  rejected?: VerifierError;

  constructor(readonly spec: ProgramSpec, readonly fd: Fd, readonly log: string) {}

  get name(): string {
    return this.spec.name;
  }

  close(): void {
    this.fd.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** A program could not be prepared for loading (a missing map, kfunc or attach target). */
export class LoadError extends Error {
  override readonly name = 'LoadError';
}

interface KindInfo {
  progType: number;
  attachType?: number;
  btfAttach?: (name: string) => [string, 'func' | 'typedef'];
}

const KINDS: Record<ProgramKind, KindInfo> = {
  tracepoint: { progType: uapi.BPF_PROG_TYPE_TRACEPOINT },
  raw_tp: { progType: uapi.BPF_PROG_TYPE_RAW_TRACEPOINT },
  tp_btf: { progType: uapi.BPF_PROG_TYPE_TRACING, attachType: uapi.BPF_TRACE_RAW_TP, btfAttach: (n) => [`btf_trace_${n}`, 'typedef'] },
  perf_event: { progType: uapi.BPF_PROG_TYPE_PERF_EVENT },
  uprobe: { progType: uapi.BPF_PROG_TYPE_KPROBE },
  fentry: { progType: uapi.BPF_PROG_TYPE_TRACING, attachType: uapi.BPF_TRACE_FENTRY, btfAttach: (n) => [n, 'func'] },
  fexit: { progType: uapi.BPF_PROG_TYPE_TRACING, attachType: uapi.BPF_TRACE_FEXIT, btfAttach: (n) => [n, 'func'] },
  lsm: { progType: uapi.BPF_PROG_TYPE_LSM, attachType: uapi.BPF_LSM_MAC, btfAttach: (n) => [`bpf_lsm_${n}`, 'func'] },
  iter: { progType: uapi.BPF_PROG_TYPE_TRACING, attachType: uapi.BPF_TRACE_ITER, btfAttach: (n) => [`bpf_iter_${n}`, 'func'] },
  socket_filter: { progType: uapi.BPF_PROG_TYPE_SOCKET_FILTER },
};

/** Copies the bytecode and writes the host-dependent immediates of every relocation. */
export function relocate(spec: ProgramSpec, maps: ReadonlyMap<string, BpfMap>, kernel: KernelTypes | undefined): Uint8Array {
  const bytes = spec.code.bytes.slice();
  for (const r of spec.code.relocations) {
    switch (r.kind) {
      case 'map_fd':
      case 'map_value': {
        const map = maps.get(r.map);
        if (!map) throw new LoadError(`program '${spec.name}' uses map '${r.map}', which the collection does not define`);
        patchImm(bytes, r.slot, map.fd.raw);
        if (r.kind === 'map_value') patchImm(bytes, r.slot + 1, r.offset);
        break;
      }
      case 'kfunc':
      case 'btf_id': {
        const kind = r.kind === 'kfunc' ? 'func' : r.btfKind;
        const id = kernel?.typeId(r.name, kind);
        if (id === undefined) {
          throw new LoadError(`program '${spec.name}' needs kernel ${r.kind === 'kfunc' ? 'function' : kind} '${r.name}', which this kernel's BTF does not have`);
        }
        patchImm(bytes, r.slot, id);
        break;
      }
    }
  }
  return bytes;
}

/** The func_info records of a program that has BTF function types. */
function funcInfo(spec: ProgramSpec): Uint8Array | undefined {
  return spec.funcTypeIds ? encodeFuncInfo(spec.code.funcs, spec.funcTypeIds) : undefined;
}

/** Loads a program; a rejection throws VerifierError with the full log, other failures SysError or LoadError. */
export function loadProgram(spec: ProgramSpec, o: { maps?: ReadonlyMap<string, BpfMap>; kernel?: KernelTypes; btfFd?: Fd; logLevel?: number } = {}): Program {
  const info = KINDS[spec.kind];
  const insns = relocate(spec, o.maps ?? new Map(), o.kernel);
  let attachBtfId: number | undefined;
  if (info.btfAttach) {
    if (!spec.attachTo) throw new LoadError(`program '${spec.name}' of kind ${spec.kind} needs an attach target`);
    const [typeName, kind] = info.btfAttach(spec.attachTo);
    attachBtfId = o.kernel?.typeId(typeName, kind);
    if (attachBtfId === undefined) throw new LoadError(`no ${spec.kind} attach point '${spec.attachTo}' in this kernel's BTF (looked for ${typeName})`);
  }
  const fi = funcInfo(spec);
  const r = progLoad({
    progType: info.progType,
    insns,
    license: spec.license ?? 'GPL',
    name: spec.name.slice(0, 15),
    ...(info.attachType !== undefined ? { expectedAttachType: info.attachType } : {}),
    flags: spec.sleepable ? uapi.BPF_F_SLEEPABLE : 0,
    ...(attachBtfId !== undefined ? { attachBtfId } : {}),
    ...(o.btfFd && fi ? { btfFd: o.btfFd.raw, funcInfo: fi } : {}),
    ...(o.logLevel ? { logLevel: o.logLevel } : {}),
  });
  if (!r.ok) throw new VerifierError(spec.name, r.errno, r.log);
  return new Program(spec, r.fd, r.log);
}

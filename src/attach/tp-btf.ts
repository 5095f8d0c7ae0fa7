/**
 * BTF-typed raw tracepoints (tp_btf, 5.5): the target was fixed at load time by attach_btf_id, so attaching
 * names nothing. BPF_LINK_CREATE(BPF_TRACE_RAW_TP) where available, else BPF_RAW_TRACEPOINT_OPEN(NULL).
 */
import type { Program } from '../loader/index.js';
import { linkCreate, rawTracepointOpen, SysError, uapi } from '../sys/index.js';
import { Link } from './link.js';

/** Attaches a loaded tp_btf program (also fentry/fexit/lsm, which attach the same way). */
export function attachTracing(prog: Program): Link {
  const what = `${prog.spec.kind}:${prog.spec.attachTo ?? ''}`;
  try {
    return new Link(what, [linkCreate({ progFd: prog.fd.raw, targetFd: 0, attachType: attachTypeOf(prog), label: what })]);
  } catch (e) {
    if (!(e instanceof SysError) || e.errno !== 22) throw e;
  }
  return new Link(what, [rawTracepointOpen(null, prog.fd.raw)]);
}

function attachTypeOf(prog: Program): number {
  switch (prog.spec.kind) {
    case 'fentry': return uapi.BPF_TRACE_FENTRY;
    case 'fexit': return uapi.BPF_TRACE_FEXIT;
    case 'lsm': return uapi.BPF_LSM_MAC;
    default: return uapi.BPF_TRACE_RAW_TP;
  }
}

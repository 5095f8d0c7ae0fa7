/**
 * Attaching a compiled script's programs: each resolved probe kind maps to one attach function. begin/end
 * programs are not attached; the session runs them with BPF_PROG_TEST_RUN.
 */
import { attachSoftwareEvent, attachTracepoint, attachTracing, attachUprobe, type Link } from '../attach/index.js';
import type { Program } from '../loader/index.js';
import type { ResolvedProbe } from '../passes/probes.js';

/** Attaches `prog` for `probe`; null for begin/end. `pid` restricts uprobes to one process (-p). */
export function attachProbe(prog: Program, probe: ResolvedProbe, pid?: number): Link | null {
  switch (probe.kind) {
    case 'begin':
    case 'end':
      return null;
    case 'tracepoint':
      return attachTracepoint(prog, probe.tracepoint!.category, probe.tracepoint!.event);
    case 'rawtracepoint':
      return attachTracing(prog);
    case 'interval':
    case 'profile':
    case 'software': {
      const p = probe.perf!;
      return attachSoftwareEvent(prog, {
        config: p.config, oneCpu: p.oneCpu,
        ...(p.period !== undefined ? { period: p.period } : {}), ...(p.frequency !== undefined ? { frequency: p.frequency } : {}),
      }, probe.name);
    }
    case 'uprobe':
    case 'uretprobe': {
      const u = probe.uprobe!;
      return attachUprobe(prog, { path: u.path, offset: u.offset, retprobe: u.retprobe, description: probe.name, ...(pid !== undefined ? { pid } : {}) });
    }
  }
}

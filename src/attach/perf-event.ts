/**
 * profile:/interval:/software: probes — software perf events (cpu-clock and friends) carrying a
 * BPF_PROG_TYPE_PERF_EVENT program, one event per online CPU (or a single one on CPU 0 for intervals).
 */
import { onlineCpus } from '../kernel/cpus.js';
import type { Program } from '../loader/index.js';
import { type Fd, perfEventOpen, uapi } from '../sys/index.js';
import { attachToPerfEvent, Link } from './link.js';

/** A software perf event: `config` is a PERF_COUNT_SW_* id; either a period or a frequency in Hz. */
export interface SoftwareEvent {
  config: number;
  period?: number;
  frequency?: number;
  /** Only CPU 0 (interval probes fire once per period, not once per CPU). */
  oneCpu?: boolean;
}

/** Attaches `prog` to a software event on every online CPU; one Link owning all of them. */
export function attachSoftwareEvent(prog: Program, ev: SoftwareEvent, description: string): Link {
  const cpus = ev.oneCpu ? [0] : onlineCpus();
  const links: Link[] = [];
  try {
    for (const cpu of cpus) {
      const perf: Fd = perfEventOpen({
        type: uapi.PERF_TYPE_SOFTWARE,
        config: ev.config,
        samplePeriod: ev.frequency ?? ev.period ?? 1,
        freq: ev.frequency !== undefined,
      }, -1, cpu, `${description} cpu ${cpu}`);
      links.push(attachToPerfEvent(prog.fd.raw, perf, `${description} cpu ${cpu}`));
    }
  } catch (e) {
    for (const l of links) l.close();
    throw e;
  }
  return new Link(description, links.flatMap((l) => l.fds));
}

/** tracepoint:<category>:<event> — a perf event of PERF_TYPE_TRACEPOINT carrying a BPF_PROG_TYPE_TRACEPOINT program. */
import { readEventId } from '../kernel/tracefs.js';
import type { Program } from '../loader/index.js';
import { perfEventOpen, uapi } from '../sys/index.js';
import { attachToPerfEvent, type Link } from './link.js';

/** The tracepoint does not exist; `category:event` is named in the message. */
export class NoSuchTracepointError extends Error {
  override readonly name = 'NoSuchTracepointError';
}

/** Attaches a tracepoint program to `category:event` for every process and CPU. */
export function attachTracepoint(prog: Program, category: string, event: string): Link {
  const id = readEventId(category, event);
  if (id === null) throw new NoSuchTracepointError(`tracepoint ${category}:${event} does not exist`);
  const what = `tracepoint:${category}:${event}`;
  // A tracepoint perf event with pid -1 must be bound to a CPU, yet fires on every CPU.
  const perf = perfEventOpen({ type: uapi.PERF_TYPE_TRACEPOINT, config: id }, -1, 0, what);
  return attachToPerfEvent(prog.fd.raw, perf, what);
}

/** rawtracepoint:<name> — BPF_PROG_TYPE_RAW_TRACEPOINT attached with BPF_RAW_TRACEPOINT_OPEN (4.17). */
import type { Program } from '../loader/index.js';
import { rawTracepointOpen } from '../sys/index.js';
import { Link } from './link.js';

/** Attaches a raw_tp program to the raw tracepoint `name` (e.g. `sys_enter`). */
export function attachRawTracepoint(prog: Program, name: string): Link {
  return new Link(`rawtracepoint:${name}`, [rawTracepointOpen(name, prog.fd.raw)]);
}

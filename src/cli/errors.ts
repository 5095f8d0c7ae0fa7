/**
 * Turning failures into one clear message for the terminal: no stack traces for anything a user can cause.
 */
import { BtfError } from '../btf/index.js';
import { TracefsError } from '../kernel/tracefs.js';
import { LoadError, VerifierError } from '../loader/index.js';
import { SysError } from '../sys/index.js';
import { writeStderr } from './stdio.js';

/**
 * A user-facing failure with a message and an exit code. `style` 'bpftrace' prints it as bpftrace prints
 * its errors (`ERROR: ...`), for the messages scripts and harnesses written for bpftrace look for.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode = 1, readonly style: 'siesta' | 'bpftrace' = 'siesta') {
    super(message);
  }
}

/** One sentence naming what is missing when not root. */
export function privilegeProblem(): string | null {
  if (process.getuid?.() === 0) return null;
  return 'siesta needs root (CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN) to load eBPF programs: run it with sudo';
}

/** Prints `e` for a user and returns the exit code. `verbose` adds verifier logs and internal stacks. */
export function reportError(e: unknown, verbose: boolean): number {
  const out = (s: string) => writeStderr(`${s}\n`);
  if (e instanceof CliError) {
    out(e.style === 'bpftrace' ? `ERROR: ${e.message}` : `siesta: ${e.message}`);
    return e.exitCode;
  }
  if (e instanceof VerifierError) {
    out(`siesta: ${e.summary}`);
    if (verbose) out(e.log);
    else out('(run with -v for the full verifier log)');
    return 1;
  }
  if (e instanceof SysError) {
    out(`siesta: ${e.message}`);
    if (e.errno === 1 || e.errno === 13) out(privilegeProblem() ?? 'the kernel refused the operation for this process');
    return 1;
  }
  if (e instanceof BtfError || e instanceof TracefsError || e instanceof LoadError) {
    out(`siesta: ${e.message}`);
    return 1;
  }
  out(`siesta: internal error: ${e instanceof Error ? e.message : String(e)}`);
  if (verbose && e instanceof Error && e.stack) out(e.stack);
  else out('(run with -v for details; please report this as a bug)');
  return 70;
}

/**
 * Checks of command-line values that bpftrace words in its own way, so that scripts and test harnesses
 * written for bpftrace see the same messages.
 */
import { existsSync } from 'node:fs';
import { CliError } from './errors.js';

/** The largest pid Linux can hand out (PID_MAX_LIMIT on 64-bit, include/linux/threads.h), as bpftrace checks. */
const PID_MAX_LIMIT = 4194304;

/** The pid given to `-p`, checked as bpftrace checks it: decimal digits only, in [1, 4194304]. */
export function parsePid(text: string): number {
  if (!/^\d+$/.test(text)) throw new CliError(`Failed to parse pid: pid '${text}' is not a valid decimal number`, 1, 'bpftrace');
  const pid = Number(text);
  if (pid < 1 || pid > PID_MAX_LIMIT) throw new CliError(`Failed to parse pid: pid '${text}' out of valid pid range [1,${PID_MAX_LIMIT}]`, 1, 'bpftrace');
  return pid;
}

/** Fails when no process has `pid`: probes restricted to it could never fire. */
export function checkPidExists(pid: number, procRoot = '/proc'): void {
  if (!existsSync(`${procRoot}/${pid}`)) throw new CliError(`No such process: ${pid}`, 1, 'bpftrace');
}

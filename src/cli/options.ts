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

/**
 * Splits bpftrace's named program parameters (`--name` or `--name=value`, read by getopt()) out of the
 * command line, wherever they are (before or after `--`). siesta's own long options (`known`) and the values
 * of options that take one (`takesValue`, e.g. the program after `-e`) stay. A bare `--name` is "true".
 */
export function splitNamedParams(argv: readonly string[], known: ReadonlySet<string>, takesValue: ReadonlySet<string>): { rest: string[]; named: Map<string, string> } {
  const rest: string[] = [];
  const named = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/s.exec(a);
    if (m && !known.has(m[1]!)) {
      named.set(m[1]!, m[2] ?? 'true');
      continue;
    }
    rest.push(a);
    if (takesValue.has(a) && i + 1 < argv.length) rest.push(argv[++i]!);
  }
  return { rest, named };
}

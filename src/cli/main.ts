/**
 * The `siesta` command. Parses arguments with commander and dispatches to a mode; every failure a user can
 * cause ends as one message on stderr and an exit code, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CliError, reportError } from './errors.js';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Runs siesta with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const version = packageVersion();
  const program = new Command('siesta')
    .description('A Linux tracer: bpftrace-compatible scripts compiled to eBPF by siesta, with reliable user-memory reads')
    .version(version, '-V, --version')
    .option('--info', 'print the kernel features siesta found and the reliable-read mechanisms available')
    .option('-v, --verbose', 'verbose: verifier logs, disassembly and internal details')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let verbose = false;
  try {
    program.parse(argv, { from: 'user' });
    const opts = program.opts<{ info?: boolean; verbose?: boolean }>();
    verbose = opts.verbose ?? false;
    if (opts.info) {
      const { renderInfo } = await import('./info.js');
      process.stdout.write(`${renderInfo(version)}\n`);
      return 0;
    }
    throw new CliError('nothing to do: give a program with -e, a script file, or --info (see --help)', 2);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    return reportError(e, verbose);
  }
}

/**
 * The `siesta` command. Parses arguments with commander and dispatches to a mode; every failure a user can
 * cause ends as one message on stderr and an exit code, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help, Option } from 'commander';
import { keepKernelFactsForBoot } from '../kernel/boot-cache.js';
import { CliError, reportError } from './errors.js';
import { checkPidExists, parsePid, splitNamedParams } from './options.js';
import { writeStderr, writeStdout } from './stdio.js';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

interface TopOptions {
  info?: boolean;
  verbose?: boolean;
  e?: string;
  c?: string;
  p?: string;
  l?: string | boolean;
  k?: boolean;
  f: 'text' | 'json';
  o?: string;
  q?: boolean;
  dryRun?: boolean;
  unsafe?: boolean;
  reads: 'any' | 'recovered' | 'exact';
  marks: boolean;
  exact?: boolean;
  deferredReads: boolean;
  recovery: boolean;
}

/** siesta's long options spelled without a dash inside (the rest cannot look like a named parameter). */
const OWN_LONG_OPTIONS: ReadonlySet<string> = new Set(['verbose', 'unsafe', 'reads', 'exact', 'info', 'version', 'help']);
/** Options whose value is the next argument (which may itself start with `--`). */
const OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set(['-e', '-c', '-p', '-f', '-o', '--reads']);

/** Runs siesta with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  // What earlier runs in this boot found out about the kernel is not found again (--info asks afresh).
  keepKernelFactsForBoot({ fresh: argv.includes('--info') });
  if (argv[0] === 'trace') {
    const { traceCommand } = await import('./trace.js');
    return traceCommand(argv.slice(1));
  }
  const version = packageVersion();
  const program = new Command('siesta')
    .description('A Linux tracer: bpftrace-compatible scripts compiled to eBPF by siesta, with reliable user-memory reads')
    // bpftrace's harnesses look for `bpftrace vN`: say which language version siesta speaks, and that it is not bpftrace.
    .version(`siesta v${version}\nbpftrace v0.26 language and output (siesta is a reimplementation, not bpftrace)`, '-V, --version')
    .usage('[options] [script.bt | -e program] [params...]')
    .argument('[args...]', 'a script file and its positional parameters ($1, $2...)')
    .option('-e <program>', 'the program to run')
    .option('-c <command>', 'run COMMAND after the probes are attached and stop when it exits')
    .option('-p <pid>', 'restrict uprobes to process PID')
    .option('-l [pattern]', 'list probes matching PATTERN (with -v: their arguments and context)')
    .option('-v, --verbose', 'verbose: verifier logs and internal details')
    .option('-k', 'warn when a helper fails (e.g. a read of user memory)')
    .addOption(new Option('-f <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o <file>', 'write output to FILE instead of stdout')
    .option('-q', 'quiet: do not print "Attached N probes"')
    .option('--dry-run', 'compile, load and attach, then exit')
    .option('--unsafe', 'allow unsafe functions such as system()')
    .addOption(new Option('--reads <floor>', 'weakest provenance of user-memory values printed as complete').choices(['any', 'recovered', 'exact']).default('any'))
    .option('--exact', 'with -c: trap the traced syscalls with seccomp and read their arguments while the command waits (exact values)')
    .option('--no-marks', 'do not mark user-memory values that were recovered at syscall exit, deferred or lost')
    .option('--no-recovery', 'read user memory only at the event, as bpftrace does: no re-read at syscall exit, no deferred read (failed reads are still marked lost)')
    .option('--no-deferred-reads', 'leave reads the syscall-exit re-read cannot recover lost instead of reading them later with a bpf_wq')
    .option('--info', 'print the kernel features siesta found and the reliable-read mechanisms available')
    .allowExcessArguments(true)
    .showHelpAfterError()
    // bpftrace's help starts with `USAGE:`; keep commander's text otherwise.
    .configureHelp({ formatHelp: (cmd, helper) => Help.prototype.formatHelp.call(helper, cmd, helper).replace(/^Usage: /, 'USAGE:\n    ') })
    .exitOverride()
    .configureOutput({ writeErr: (s) => writeStderr(s) });
  let verbose = false;
  try {
    // getopt()'s `--name=value` parameters are not siesta options: take them out before commander sees them.
    // `-lv PATTERN` is -l and -v as in bpftrace (commander would read `v` as the pattern of -l).
    const flags = argv.flatMap((a) => (a === '-lv' || a === '-vl' ? ['-v', '-l'] : [a]));
    const { rest, named } = splitNamedParams(flags, OWN_LONG_OPTIONS, OPTIONS_WITH_VALUE);
    program.parse(rest, { from: 'user' });
    const opts = program.opts<TopOptions>();
    verbose = opts.verbose ?? false;
    const args = program.args;
    if (opts.info) {
      const { renderInfo } = await import('./info.js');
      writeStdout(`${renderInfo(version, { timings: verbose })}\n`);
      return 0;
    }
    if (opts.l !== undefined) {
      const { listProbesCommand } = await import('./list.js');
      return listProbesCommand(typeof opts.l === 'string' ? opts.l : args[0], verbose);
    }
    if (opts.e === undefined && args.length === 0) {
      throw new CliError('nothing to do: give a program with -e, a script file, or --info (see --help)', 2);
    }
    const pid = opts.p !== undefined ? parsePid(opts.p) : undefined;
    if (pid !== undefined) checkPidExists(pid);
    const { runScript } = await import('./run.js');
    return await runScript({
      ...(opts.e !== undefined ? { program: opts.e } : { file: args[0]! }),
      params: opts.e !== undefined ? args : args.slice(1),
      ...(opts.c !== undefined ? { command: opts.c } : {}),
      ...(pid !== undefined ? { pid } : {}),
      verbose,
      warnHelperErrors: opts.k ?? false,
      format: opts.f,
      ...(opts.o !== undefined ? { output: opts.o } : {}),
      quiet: opts.q ?? false,
      dryRun: opts.dryRun ?? false,
      unsafe: opts.unsafe ?? false,
      floor: opts.reads,
      marks: opts.marks,
      exact: opts.exact ?? false,
      deferredReads: opts.deferredReads,
      recovery: opts.recovery,
      ...(named.size ? { named } : {}),
    });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    return reportError(e, verbose);
  }
}

/**
 * `siesta trace`: strace's command line (-f -e -T -t/-tt/-ttt/-r -c -s -x/-xx -o -p) on top of src/strace. Parsed
 * by hand because strace's syntax (`-tt`, `-e trace=...` repeated, the command after the first operand) is not
 * commander's.
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import { installCleanup, releaseAll } from '../runtime/cleanup.js';
import { parseQuietSet, parseSignalSet, parseStatusSet, parseTraceSet, type StatusFilter, TraceFilterError } from '../strace/filter.js';
import { EXACT_NEEDS_COMMAND, runTrace, TraceError, type TraceOptions } from '../strace/tracer.js';
import { CliError, privilegeProblem, reportError } from './errors.js';
import { writeStderr, writeStdout } from './stdio.js';

const USAGE = `usage: siesta trace [-cCfqTvwxy] [-e trace=SET] [-e status=SET] [-e signal=SET] [-e quiet=SET] [-t|-tt|-ttt|-r]
                    [-s STRSIZE] [-o FILE] [--json]
                    [--marks] { -p PID[,PID...] | -a | [--exact] [--] PROG [ARGS] }
  -y: descriptors with their paths (-yy: sockets with addresses, devices with numbers); -C: lines and the -c
  table; -w: wall time in the table (siesta's times always are); -a: every process but siesta, each line with
  pid and comm; -v: no abbreviation (verbose structures); --exact: the command's calls that pass user memory
  wait while siesta reads it (seccomp), so every argument is read exactly; --marks: values re-read at the
  call's exit (their entry read failed) end with ~. A value siesta could not read prints its address and
  /* lost */; a summary on stderr counts reads when any was not exact.
`;

/** Parsed options (before the output sink is opened). */
export type ParsedTraceArgs = Omit<TraceOptions, 'write' | 'toFile' | 'interrupted'> & { output?: string };

/** Parses strace-style arguments; throws CliError with exit code 1 on bad input, as strace exits. */
export function parseTraceArgs(argv: readonly string[]): ParsedTraceArgs {
  const o: ParsedTraceArgs = { follow: false, summary: false, strsize: 32, hex: 'none', timestamps: 'none', syscallTimes: false, json: false };
  let tcount = 0;
  let ycount = 0;
  let qcount = 0;
  let i = 0;
  const value = (flag: string, inline: string): string => {
    if (inline) return inline;
    const v = argv[++i];
    if (v === undefined) throw new CliError(`option requires an argument -- '${flag}'\n${USAGE}`, 1);
    return v;
  };
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a === '--json') {
      o.json = true;
      continue;
    }
    if (a === '--exact') {
      o.exact = true;
      continue;
    }
    if (a === '--marks') {
      o.marks = true;
      continue;
    }
    if (a === '-h' || a === '--help') throw new CliError(USAGE.trimEnd(), 0);
    if (!a.startsWith('-') || a === '-') break;
    // Clusters of letters: -fT, -tt, -xx, -s64, -otrace.txt
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const rest = a.slice(j + 1);
      switch (c) {
        case 'f': o.follow = true; continue;
        case 'c': o.summary = true; continue;
        case 'C': o.summaryToo = true; continue;
        case 'w': o.wallTime = true; continue;
        case 'y': ycount++; continue;
        case 'a': o.all = true; continue;
        case 'v': o.verbose = true; continue;
        // -q: no attach messages (siesta prints none); -qq: no exit line either.
        case 'q': qcount++; continue;
        case 'T': o.syscallTimes = true; continue;
        case 't': tcount++; continue;
        case 'r': o.timestamps = 'r'; continue;
        case 'x': o.hex = o.hex === 'none' ? 'non-ascii' : 'all'; continue;
        case 's': {
          const v = value('s', rest);
          const n = Number(v);
          if (!Number.isInteger(n) || n < 0) throw new CliError(`invalid -s argument: '${v}'`, 1);
          o.strsize = n;
          j = a.length;
          continue;
        }
        case 'o': o.output = value('o', rest); j = a.length; continue;
        case 'p': {
          const v = value('p', rest);
          const pids = v.split(/[,\s]+/).filter((x) => x).map((x) => Number(x));
          if (!pids.length || pids.some((p) => !Number.isInteger(p) || p <= 0)) throw new CliError(`Invalid process id: '${v}'`, 1);
          o.pids = [...(o.pids ?? []), ...pids];
          j = a.length;
          continue;
        }
        case 'e': {
          const v = value('e', rest);
          applyExpression(o, v);
          j = a.length;
          continue;
        }
        default: throw new CliError(`invalid option -- '${c}'\n${USAGE}`, 1);
      }
    }
  }
  if (tcount) o.timestamps = tcount === 1 ? 't' : tcount === 2 ? 'tt' : 'ttt';
  if (ycount) o.fds = ycount === 1 ? 'path' : 'full';
  if (qcount >= 2) o.quietExit = true;
  if (o.summary && o.summaryToo) throw new CliError('-c and -C are mutually exclusive', 1);
  const command = argv.slice(i);
  if (command.length) o.command = command;
  if (!o.command && !o.pids && !o.all) throw new CliError(`must have PROG [ARGS] or -p PID\n${USAGE}`, 1);
  if (o.command && o.pids) throw new CliError('-p and a command are mutually exclusive here', 1);
  if (o.all && (o.command || o.pids)) throw new CliError('-a traces every process: it takes no command and no -p', 1);
  if (o.exact && !o.command) throw new CliError(EXACT_NEEDS_COMMAND, 1);
  return o;
}

function applyExpression(o: ParsedTraceArgs, expr: string): void {
  const eq = expr.indexOf('=');
  const [key, val] = eq < 0 ? ['trace', expr] : [expr.slice(0, eq), expr.slice(eq + 1)];
  try {
    if (key === 'trace' || key === 't') o.trace = parseTraceSet(val);
    else if (key === 'status') o.status = parseStatusSet(val) satisfies StatusFilter;
    else if (key === 'signal' || key === 'signals' || key === 's') o.signals = parseSignalSet(val);
    else if (key === 'quiet' || key === 'silent' || key === 'silence' || key === 'q') o.quietExit = parseQuietSet(val).exit;
    else throw new CliError(`invalid -e qualifier '${key}' (supported: trace, status, signal, quiet)`, 1);
  } catch (e) {
    if (e instanceof TraceFilterError) throw new CliError(e.message, 1);
    throw e;
  }
}

/** Runs `siesta trace ARGV`; resolves to the exit code (the traced command's status). */
export async function traceCommand(argv: string[]): Promise<number> {
  let fd: number | undefined;
  try {
    const parsed = parseTraceArgs(argv);
    const lack = privilegeProblem();
    if (lack) throw new CliError(lack);
    const { output, ...rest } = parsed;
    if (output !== undefined) {
      try {
        fd = openSync(output, 'w');
      } catch (e) {
        throw new CliError(`Can't fopen '${output}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    }
    const out = fd;
    let interrupt: () => void = () => {};
    const interrupted = new Promise<void>((r) => {
      interrupt = r;
    });
    installCleanup(() => interrupt());
    return await runTrace({
      ...rest,
      write: out !== undefined ? (s) => writeSync(out, s) : (s) => writeStderr(s),
      toFile: out !== undefined,
      interrupted,
    });
  } catch (e) {
    if (e instanceof CliError && e.exitCode === 0) {
      writeStdout(`${e.message}\n`);
      return 0;
    }
    if (e instanceof TraceError) {
      writeStderr(`siesta trace: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof CliError) {
      writeStderr(`siesta trace: ${e.message}\n`);
      return e.exitCode;
    }
    return reportError(e, false);
  } finally {
    if (fd !== undefined) closeSync(fd);
    releaseAll();
  }
}

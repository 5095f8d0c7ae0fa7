/**
 * Running a script from the command line: compile, report diagnostics, start the session, print its events
 * with the text or JSON printer, and at the end print the maps as bpftrace does.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { disassemble } from '../asm/index.js';
import { type CompiledScript, compile, statementAt } from '../codegen/index.js';
import { VerifierError } from '../loader/index.js';
import { hostKernelInfo } from '../kernel/host-info.js';
import { createJsonPrinter, createTextPrinter, type Printer, strftime } from '../output/index.js';
import { installCleanup, releaseAll, setShowStacks } from '../runtime/cleanup.js';
import { splitCommand, startGatedCommand } from '../runtime/command.js';
import { type ExactChild, startExact, trappedSyscalls } from '../capture/exact.js';
import { unrecoverableReadsNotice } from '../capture/read-notice.js';
import { deferredReadSupport } from '../runtime/deferred-reads.js';
import { Session } from '../runtime/session.js';
import { errnoMessage, errnoName } from '../sys/index.js';
import { CliError, privilegeProblem } from './errors.js';
import { writeFd, writeStderr, writeStdout } from './stdio.js';

/** Options of a script run (bpftrace's flags). */
export interface RunOptions {
  program?: string;
  file?: string;
  params: string[];
  command?: string;
  pid?: number;
  verbose: boolean;
  warnHelperErrors: boolean;
  format: 'text' | 'json';
  output?: string;
  quiet: boolean;
  dryRun: boolean;
  unsafe: boolean;
  /** --reads: provenance floor of user-memory values. */
  floor: 'any' | 'recovered' | 'exact';
  /** Provenance markers in text output (--no-marks turns them off). */
  marks: boolean;
  /** --exact: trap the traced syscalls of the command with seccomp and read their arguments synchronously. */
  exact: boolean;
  /** Read what the syscall-exit re-read cannot recover later with a bpf_wq, where the kernel can (default true). */
  deferredReads: boolean;
  /** false (--no-recovery): read user memory only at the event, as bpftrace does; failed reads stay lost. */
  recovery?: boolean;
  /** Named program parameters (`--name=value`), read by getopt(). */
  named?: ReadonlyMap<string, string>;
}

/** `-v`: each loaded program's instructions and the verifier's log of it, as bpftrace -v prints its programs. */
function describePrograms(programs: Session['loadedPrograms']): string {
  return programs.map((p) => {
    const lines = disassemble(p.code);
    const head = `Program ${p.name} (${p.internal ? `siesta's own program for ${p.probe}` : p.probe}), ${lines.length} instructions:`;
    const log = p.log.trim() ? `The verifier log:\n${p.log.trimEnd()}\n` : '';
    return `${head}\n${lines.map((l) => `  ${l}`).join('\n')}\n${log}\n`;
  }).join('');
}

/** Runs a script; resolves to the exit code. */
export async function runScript(o: RunOptions): Promise<number> {
  const source = o.program ?? readSource(o.file!);
  const file = o.program !== undefined ? 'stdin' : o.file!;
  const host = hostKernelInfo();
  // --no-recovery: the compiler is told the syscall-exit re-read is not available (and deferral is off below).
  const kernel = o.recovery === false ? { ...host, exitRereads: () => false } : host;
  const own = { command: o.command !== undefined, helperErrors: o.warnHelperErrors, ...(o.named ? { named: o.named } : {}) };
  // Only scripts whose records may wait for a syscall's exit defer reads: the compiler probes the kernel for those alone.
  const deferredReads = o.deferredReads && o.recovery !== false ? () => deferredReadSupport().ok : false;
  const result = compile(source, kernel, { file, params: o.params, floor: o.floor, deferredReads, ...own });
  const rendered = result.diagnostics.render();
  if (!result.ok) {
    writeStderr(rendered.endsWith('\n') ? rendered : `${rendered}\n`);
    return 1;
  }
  if (rendered.trim()) writeStderr(rendered.endsWith('\n') ? rendered : `${rendered}\n`);
  const lack = privilegeProblem();
  if (lack) throw new CliError(lack);

  const out = o.output ? openOutput(o.output) : null;
  // Output is written once per batch of events (a write per printf line cost more than formatting it); the
  // batch goes out before anything written to stderr, so the two streams interleave as they did line by line.
  const batch = new OutputBatch((s) => (out !== null ? writeFd(out, s) : writeStdout(s)));
  const toStderr = (s: string): void => {
    batch.flush();
    writeStderr(s);
  };
  const sink = { stdout: (s: string) => batch.add(s), stderr: toStderr };
  const printer: Printer = o.format === 'json' ? createJsonPrinter(sink) : createTextPrinter(sink);

  let child: ChildProcess | null = null;
  let release: (() => void) | null = null;
  if (o.exact && !o.command) {
    throw new CliError('--exact needs a command that siesta starts (-c CMD): a running process cannot be put under a seccomp supervisor without restarting it');
  }
  let exact: ExactChild | null = null;
  if (o.command && o.exact) {
    const words = splitCommand(o.command);
    const trapped = trappedSyscalls(result.script.probes);
    if (trapped.size === 0) writeStderr('siesta: --exact: no probe of this script reads the arguments of a syscall entry; running without a supervisor\n');
    else {
      exact = await startExact(words, trapped);
      child = exact.child;
      release = exact.release;
    }
  }
  if (o.command && !exact) {
    const words = splitCommand(o.command);
    if (words.length === 0) throw new CliError('-c needs a command');
    ({ child, release } = startGatedCommand(words));
  }

  let stopRequested: (() => void) | null = null;
  const stopped = new Promise<void>((r) => {
    stopRequested = r;
  });
  setShowStacks(o.verbose);
  installCleanup(() => stopRequested?.());

  let session: Session;
  try {
    session = Session.start(result.script, {
    ...(o.pid !== undefined ? { pid: o.pid } : o.command && child?.pid ? { pid: child.pid } : {}),
    logLevel: o.verbose ? 1 : 0, unsafe: o.unsafe, floor: o.floor, marks: o.marks && o.format === 'text',
    ...(o.command && child?.pid ? { cpid: child.pid } : {}),
    // As bpftrace, the environment's setting wins over the script's config block.
    ...(/^\d+$/.test(process.env.BPFTRACE_MAX_CAT_BYTES ?? '') ? { maxCatBytes: Number(process.env.BPFTRACE_MAX_CAT_BYTES) } : {}),
    });
  } catch (e) {
    if (e instanceof VerifierError && e.insn !== undefined) explainRejection(result.script, e);
    // The command still waits for its release: it must not outlive the failed run (nor keep Node alive).
    child?.kill('SIGKILL');
    throw e;
  }
  try {
    for (const f of session.sleepFallbacks) {
      writeStderr(`siesta: ${f.probe}: reads user memory without faulting pages in (lost when not resident): the kernel refused its sleepable program: ${f.reason}\n`);
    }
    // Refused sleepable syscall tracepoints still recover at the syscall's exit: worth a line only under -v.
    if (o.verbose) {
      writeStderr(describePrograms(session.loadedPrograms));
      for (const f of session.refusedSleepable.filter((x) => x.fallbackReads === 'exit')) {
        writeStderr(`siesta: ${f.probe}: the kernel refused its sleepable program (${f.reason}): reads are retried at the syscall's exit\n`);
      }
    }
    const notice = unrecoverableReadsNotice(result.script.resources.programs);
    if (notice) writeStderr(`${notice}\n`);
    if (!o.quiet) printer.attachedProbes(session.attached);
    if (process.env.__BPFTRACE_NOTIFY_PROBES_ATTACHED !== undefined) writeStdout('__BPFTRACE_NOTIFY_PROBES_ATTACHED\n');
    if (o.dryRun) {
      await session.stop();
      return 0;
    }
    // The command's first reads should find the deferred-read pools ready (warmed up after the attach notice).
    if (release) await session.deferredReadsReady;
    release?.();
    child?.on('exit', () => stopRequested?.());
    session.signal.addEventListener('abort', () => stopRequested?.());
    // exit() in a begin probe has already fired by now.
    if (session.signal.aborted) stopRequested!();
    // As bpftrace 0.26: with nothing but begin and end probes there is nothing to wait for (unless a -c command runs).
    if (!child && result.script.probes.every((p) => p.kind === 'begin' || p.kind === 'end')) stopRequested!();
    // Synchronously as each record is drained (the events queued so far first).
    session.listen((ev) => {
      switch (ev.type) {
        case 'printf': printer.printf(ev.text, ev.provenance); break;
        case 'errorf': toStderr(`${ev.loc ? `${ev.loc.file}:${ev.loc.line}:${ev.loc.column}: ` : ''}ERROR: ${ev.text}\n`); break;
        case 'warnf': toStderr(`${ev.loc ? `${ev.loc.file}:${ev.loc.line}:${ev.loc.column}: ` : ''}WARNING: ${ev.text}\n`); break;
        case 'time': printer.time(strftime(ev.format, ev.date)); break;
        case 'print': printer.map(ev.map, { top: ev.top, div: ev.div }); break;
        case 'value': printer.value(ev.value); break;
        case 'cat': printer.cat(ev.text); break;
        case 'system': batch.flush(); printer.syscall(session.runSystem(ev.command)); break;
        case 'incomplete': toStderr(`siesta: incomplete event (${ev.reasons.join('; ')}): ${ev.text.replace(/\n$/, '')}\n`); break;
        case 'join': printer.join(ev.text); break;
        case 'helper-error': toStderr(helperWarning(ev.helper, ev.retcode, ev.loc, result.script.source)); break;
        case 'lost-read': if (o.warnHelperErrors) toStderr(`WARNING: Failed to read user memory: ${errnoName(ev.errno)} (${errnoMessage(ev.errno)})${ev.probe ? ` at ${ev.probe}` : ''}\n`); break;
        default: break;
      }
    });
    await stopped;
    const { maps, summary } = await session.stop();
    printer.end();
    if (result.script.config.print_maps_on_exit !== false) for (const m of maps) if (m.entries.length) printer.map(m);
    if (summary.lost > 0n) printer.lostEvents(summary.lost);
    const r = summary.reads;
    if (r.exact + r.exit + r.deferred + r.lost > 0 && !o.quiet) {
      toStderr(`User-memory reads: ${r.exact} exact, ${r.exit} recovered at syscall exit, ${r.deferred} deferred, ${r.lost} lost${r.kernel ? `, ${r.kernel} from the kernel's descriptor path` : ''}\n`);
      const d = summary.deferredReads;
      if (d && o.verbose) {
        toStderr(`Deferred reads: ${d.ready}/${d.slots} slots ready, ${d.started} started, ${d.done} done, ` +
          `${d.busy} left lost (pool full), ${d.initFailed} bpf_wq_init failures, ${d.startFailed} bpf_wq_start failures\n`);
      }
    }
    return summary.exitCode ?? 0;
  } finally {
    batch.flush();
    session.close();
    if (child && child.exitCode === null) child.kill('SIGTERM');
    if (out !== null) closeSync(out);
    releaseAll();
  }
}

/** Opens `-o FILE` for writing (created or truncated, as a shell's `>`). */
function openOutput(file: string): number {
  try {
    return openSync(file, 'w');
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).errno;
    throw new CliError(`cannot write to '${file}': ${errno !== undefined ? errnoMessage(Math.abs(errno)) : (e as Error).message}`);
  }
}

function readSource(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    // As bpftrace words it, e.g. "failed to open file 'x.bt': No such file or directory".
    const errno = (e as NodeJS.ErrnoException).errno;
    throw new CliError(`failed to open file '${file}': ${errno !== undefined ? errnoMessage(Math.abs(errno)) : (e as Error).message}`, 1, 'bpftrace');
  }
}

/** Names the script statement a verifier rejection is about, quoting it with a caret. */
function explainRejection(script: CompiledScript, e: VerifierError): void {
  const loc = statementAt(script, e.program, e.insn!);
  const info = script.resources.programs.find((p) => p.name === e.program);
  if (!loc) return;
  const line = script.source.split('\n')[loc.line - 1] ?? '';
  writeStderr(`${loc.file}:${loc.line}:${loc.column}: the kernel's verifier rejected the code of this statement${info ? ` (probe ${info.probe.name})` : ''}\n${line}\n${' '.repeat(Math.max(0, loc.column - 1))}^\n`);
}

/** What a failed helper call means, in bpftrace 0.26's words. */
function helperFailure(helper: string, retcode: number): string {
  if (helper === 'map_update_elem' && retcode === -7 /* E2BIG: the map is full */) {
    return "Map full; can't update element. Try increasing max_map_keys config or manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`";
  }
  if (helper === 'map_delete_elem' && retcode === -2 /* ENOENT */) return "Can't delete map element because it does not exist.";
  // A lookup "fails" by returning NULL: bpftrace reports it with return code 0.
  if (helper === 'map_lookup_elem') return "Can't lookup map element because it does not exist.";
  return errnoMessage(-retcode);
}

/**
 * The warning for a failed helper call, as bpftrace prints it: the location, what failed, the helper and its
 * return code (a negative errno), then the script line with the call underlined when `source` is given.
 */
export function helperWarning(helper: string, retcode: number, loc?: { file: string; line: number; column: number; endColumn?: number }, source?: string): string {
  const head = `WARNING: ${helperFailure(helper, retcode)}\nAdditional Info - helper: ${helper}, retcode: ${retcode}\n`;
  if (!loc) return head;
  const lineText = source?.split('\n')[loc.line - 1];
  if (lineText === undefined || loc.endColumn === undefined) return `${loc.file}:${loc.line}:${loc.column}: ${head}`;
  const underline = lineText.slice(0, loc.column - 1).replace(/[^\t]/g, ' ').replaceAll('\t', '    ') + '~'.repeat(Math.max(1, loc.endColumn - loc.column));
  return `${loc.file}:${loc.line}:${loc.column}-${loc.endColumn}: ${head}${lineText.replaceAll('\t', '    ')}\n${underline}\n`;
}

/**
 * Text collected and written in one piece: at the end of the current batch of events (setImmediate runs once
 * the microtasks printing a drained batch are done), when 64 KiB are waiting, or on flush().
 */
class OutputBatch {
  #parts: string[] = [];
  #chars = 0;
  #scheduled = false;
  readonly #flushSoon = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  constructor(readonly write: (s: string) => void) {}

  /** Queues `s`. */
  add(s: string): void {
    this.#parts.push(s);
    this.#chars += s.length;
    if (this.#chars >= 1 << 16) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flushSoon);
    }
  }

  /** Writes whatever is queued. */
  flush(): void {
    if (this.#parts.length === 0) return;
    const text = this.#parts.length === 1 ? this.#parts[0]! : this.#parts.join('');
    this.#parts = [];
    this.#chars = 0;
    this.write(text);
  }
}

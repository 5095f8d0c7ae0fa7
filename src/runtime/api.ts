/**
 * The high-level TypeScript API: compile a bpftrace script and run it from Node.
 *
 * ```ts
 * await using t = await trace('tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }', { signal });
 * for await (const ev of t.events()) if (ev.type === 'printf') process.stdout.write(ev.text);
 * const { maps, lost, exitCode } = await t.stop();
 * ```
 *
 * Options are validated once, here, before anything touches the kernel (TypeError or RangeError naming the
 * option); a script that does not compile rejects with a ScriptError carrying structured diagnostics. Kernel
 * and host failures keep their own types (VerifierError, LoadError, SysError, ...).
 */
import type { ChildProcess } from 'node:child_process';
import { compile } from '../codegen/index.js';
import { hostKernelInfo } from '../kernel/host-info.js';
import { type Diagnostic, renderDiagnostics, STDIN_FILE_NAME } from '../lang/index.js';
import type { MapData, Value } from '../output/index.js';
import type { ReadProvenance } from './decode.js';
import { deferredReadSupport } from './deferred-reads.js';
import { splitCommand, startGatedCommand } from './command.js';
import { type ReadCounts, Session, type SessionEvent } from './session.js';

/** Options of {@link trace}. Absent and `undefined` mean the same; any other key is rejected. */
export interface TraceOptions {
  /** Positional parameters `$1`, `$2`, ... (the CLI's arguments after the script), as strings. */
  readonly params?: readonly string[];
  /** Restrict uprobes to this process, as the CLI's `-p` (other probes are not filtered: use `/pid == N/`). */
  readonly pid?: number;
  /**
   * Stops the trace when aborted, as Ctrl-C stops the CLI: end probes run, `events()` ends and `stop()`
   * resolves with the final maps. Already aborted when `trace()` is called: it rejects with the signal's
   * reason and loads nothing.
   */
  readonly signal?: AbortSignal;
  /** The script's name in diagnostics (default `stdin`, as for the CLI's `-e`). */
  readonly file?: string;
  /**
   * The weakest provenance of user-memory values a `printf` may have to be delivered as complete, as the CLI's
   * `--reads`: `any` (default), `recovered` (exact or re-read at the syscall's exit) or `exact`. Events below
   * it arrive as `incomplete`; with a floor, a user-memory read in a probe that cannot sleep does not compile.
   */
  readonly reads?: ReadFloor;
  /** Mark user-memory values not read exactly in printf text (`value~`, `<lost:EFAULT>`), as the CLI does; default true. */
  readonly marks?: boolean;
  /**
   * As the CLI's `-k`: also report lookups of absent map keys and stacks that could not be collected, each as a
   * `helper-error` event (failed map updates and deletes are reported always, as bpftrace 0.26 does).
   */
  readonly helperErrors?: boolean;
  /**
   * As the CLI's `-c`: a command started once every probe is attached (it waits until then, with the same pid),
   * given as its argument vector or as one string split into words (quotes group words; no other shell
   * syntax). Its pid is `cpid` in the script and restricts uprobes; the trace stops by itself when it exits,
   * and stopping the trace earlier ends it with SIGTERM. It shares this process's standard streams.
   * Not together with `pid`.
   */
  readonly command?: string | readonly string[];
  /**
   * Named program parameters read by `getopt(name[, default])`, as the CLI's `--name=value`: a string, an
   * integer (a safe-integer number or a bigint) or a boolean (`true` is the CLI's bare `--name`). A name no
   * `getopt()` reads is a compile error, as in bpftrace.
   */
  readonly named?: Readonly<Record<string, string | number | bigint | boolean>>;
}

/** How the command of {@link TraceOptions.command} ended. */
export interface CommandStatus {
  /** Its pid (the script's `cpid`). */
  readonly pid: number;
  /** Its exit status, or null when a signal ended it (or it had not ended when the trace was released). */
  readonly exitCode: number | null;
  /** The signal that ended it (SIGTERM when the trace stopped first), or null. */
  readonly signal: NodeJS.Signals | null;
}

/** A floor on the provenance of user-memory values (see {@link TraceOptions.reads}). */
export type ReadFloor = 'any' | 'recovered' | 'exact';

/** Where an `errorf()`/`warnf()` call is in the script. */
export interface ScriptLocation {
  /** The script's name (`options.file`, default `stdin`). */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

/**
 * Something the running script produced, in the order its probes produced it. Integers are bigint; maps and
 * values use the neutral value model the CLI's text and JSON printers render (`formatMapText`, `formatMapJson`).
 */
export type TraceEvent =
  /**
   * `printf()`: the formatted text, newline included when the format had one, and how each user-memory
   * argument was obtained, in argument order (`exact` at the event, `exit` re-read at the syscall's exit, `kernel`, `deferred`,
   * `lost`); empty when the format reads no user memory.
   */
  | { readonly type: 'printf'; readonly text: string; readonly provenance: readonly ReadProvenance[] }
  /** `errorf()` / `warnf()`: the formatted message and the call's place in the script. */
  | { readonly type: 'errorf' | 'warnf'; readonly text: string; readonly location: ScriptLocation | null }
  /** `time(format)`: the strftime format and when the record was read. */
  | { readonly type: 'time'; readonly format: string; readonly date: Date }
  /** `print(@map, top, div)`: the map as it was when the record was read; `top` and `div` are 0 when not given. */
  | { readonly type: 'print'; readonly map: MapData; readonly top: number; readonly div: number }
  /** `print(expr)` of a non-map value. */
  | { readonly type: 'value'; readonly value: Value }
  /** `system(format, ...)`: the command line. siesta never runs it; a caller that trusts the script may. */
  | { readonly type: 'system'; readonly command: string }
  /** `cat(path)`: the file's contents (or the error reading it). */
  | { readonly type: 'cat'; readonly text: string }
  /** `exit(code)`: the script asked to stop; the trace then stops by itself and `events()` ends. */
  | { readonly type: 'exit'; readonly code: number }
  /**
   * A `printf()` whose reads of user memory fall below the required provenance: the text (with its markers)
   * and why, never passed off as a complete `printf` event.
   */
  | { readonly type: 'incomplete'; readonly text: string; readonly reasons: readonly string[] }
  /** A read of user memory failed with `errno` in the probe at `probe` (`file:line:column`). */
  | { readonly type: 'lost-read'; readonly errno: number; readonly probe: string }
  /** `join(array, sep)`: the strings of the array joined by `sep` (the CLI prints it as a line). */
  | { readonly type: 'join'; readonly text: string }
  /** A helper call failed with `retcode` (a negative errno); reported only when the trace asked for it. */
  | { readonly type: 'helper-error'; readonly helper: string; readonly retcode: number; readonly location: ScriptLocation | null }
  /**
   * The kernel refused the sleepable program of the uprobe `probe` (e.g. it needs a stack-trace map, which a
   * sleepable program may not use), so its plain program runs: its user reads do not fault pages in and are
   * lost when a page is not resident (labelled `lost`). `reason` is the verifier's. Delivered before any
   * event of the script, once per such probe (the CLI prints it on stderr).
   */
  | { readonly type: 'sleep-fallback'; readonly probe: string; readonly reason: string };

/** What a trace leaves when it stops. */
export interface TraceResult {
  /** Every map of the script after the end probes ran, by name with its `@` (`@` for the unnamed map). */
  readonly maps: Readonly<Record<string, MapData>>;
  /** Records the probes could not emit because the ring buffer was full. */
  readonly lost: bigint;
  /** The code the script passed to `exit()`, or null when it was stopped otherwise. */
  readonly exitCode: number | null;
  /** Reads of user memory by provenance: `exact` at the event, `exit` re-read at the syscall's exit, `kernel` the path of the descriptor an open call returned, `deferred` read after the call returned, `lost`. */
  readonly reads: Readonly<ReadCounts>;
  /** How `options.command` ended (it has ended when stop() resolves); null without a command. */
  readonly command: CommandStatus | null;
}

/**
 * A running script. Its probes are attached and its begin probes have run. It stops when the script calls
 * `exit()`, when `options.signal` aborts, or on `stop()`; stopping runs the end probes, reads the maps and
 * releases every kernel object. Disposing (`await using`) releases everything in any case.
 */
export interface Trace extends AsyncDisposable, Disposable {
  /** Number of probes attached, begin and end included (the CLI's "Attached N probes"). */
  readonly attached: number;
  /** Warnings of the compilation (errors reject `trace()` with a ScriptError). */
  readonly warnings: readonly Diagnostic[];
  /** The pid of `options.command` (the script's `cpid`), or null without a command. */
  readonly commandPid: number | null;
  /**
   * The script's events, buffered from the start until read. Ends when the trace has stopped and every event
   * was delivered, including those of end probes; throws if stopping failed. One iteration per trace.
   */
  events(): AsyncIterableIterator<TraceEvent>;
  /** Stops the trace (see {@link Trace}) and resolves with the final maps; every call returns the same result. */
  stop(): Promise<TraceResult>;
  /**
   * Releases every kernel object now, without running end probes or reading maps (a pending `events()`
   * ends after its buffered events). Safe to call twice, and after `stop()`.
   */
  close(): void;
}

/** A script that does not compile: its diagnostics as data, and as bpftrace prints them. */
export class ScriptError extends Error {
  override readonly name = 'ScriptError';
  /** Every error and warning, in report order. */
  readonly diagnostics: readonly Diagnostic[];
  /** The diagnostics rendered as the CLI prints them (errors first), each ending with a newline. */
  readonly rendered: string;

  /** A failure described by `diagnostics`, which holds at least one error. */
  constructor(diagnostics: readonly Diagnostic[]) {
    const rendered = renderDiagnostics(diagnostics);
    super(rendered.trimEnd() || 'the script does not compile');
    this.diagnostics = diagnostics;
    this.rendered = rendered;
  }

  /** The errors, in report order. */
  get errors(): readonly Diagnostic[] {
    return this.diagnostics.filter((d) => d.severity === 'error');
  }
}

/**
 * Compiles `source` (bpftrace's language) for the running kernel, loads it, runs its begin probes and attaches
 * the others. Rejects with TypeError/RangeError for bad arguments, ScriptError when the script does not
 * compile, and the loader's or kernel's error when it cannot run; nothing stays in the kernel on failure.
 * Needs root (CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN).
 */
export async function trace(source: string, options?: TraceOptions): Promise<Trace> {
  const o = validateTraceOptions(source, options);
  o.signal?.throwIfAborted();
  const floor = o.reads ?? 'any';
  const named = new Map(Object.entries(o.named ?? {}).map(([k, v]) => [k, String(v)]));
  const copts = {
    file: o.file ?? STDIN_FILE_NAME, params: o.params ?? [], floor,
    ...(o.command ? { command: true } : {}), ...(o.helperErrors ? { helperErrors: true } : {}), ...(named.size ? { named } : {}),
  };
  // Reads the syscall-exit re-read cannot recover are deferred to a bpf_wq where the kernel can (as the CLI).
  const result = compile(source, hostKernelInfo(), { ...copts, deferredReads: () => deferredReadSupport().ok });
  if (!result.ok) throw new ScriptError(result.diagnostics.all);
  const command = o.command ? startGatedCommand(typeof o.command === 'string' ? splitCommand(o.command) : o.command) : null;
  let session: Session;
  try {
    const pid = o.pid ?? command?.child.pid;
    session = Session.start(result.script, {
      ...(pid !== undefined ? { pid } : {}), ...(command?.child.pid !== undefined ? { cpid: command.child.pid } : {}), floor, marks: o.marks ?? true,
    });
  } catch (e) {
    // The command still waits for its release: it must not outlive the failed start.
    command?.child.kill('SIGKILL');
    throw e;
  }
  // As the CLI (and bpftrace 0.26): with nothing but begin and end probes there is nothing to wait for.
  const endsByItself = !command && result.script.probes.every((p) => p.kind === 'begin' || p.kind === 'end');
  const t = new RunningTrace(session, result.diagnostics.warnings, o.signal, command?.child ?? null, endsByItself);
  // Its first reads should find the deferred-read pools ready (warmed up in the background since the attach).
  if (command) await session.deferredReadsReady;
  command?.release();
  return t;
}

const OPTION_NAMES: readonly string[] = ['command', 'file', 'helperErrors', 'marks', 'named', 'params', 'pid', 'reads', 'signal'];
const READ_FLOORS: readonly string[] = ['any', 'recovered', 'exact'];

/** The largest pid Linux can hand out (PID_MAX_LIMIT on 64-bit, include/linux/threads.h). */
const PID_MAX_LIMIT = 4 * 1024 * 1024;

/** `v` named for an error message: its type, and its value when short. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string': return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
    case 'number': case 'bigint': case 'boolean': return `${typeof v} ${String(v)}${typeof v === 'bigint' ? 'n' : ''}`;
    case 'object': return `an object (${Object.prototype.toString.call(v).slice(8, -1)})`;
    default: return typeof v;
  }
}

/** Checks the arguments of trace() once, naming the culprit; returns the options with only known keys. */
function validateTraceOptions(source: unknown, options: unknown): TraceOptions {
  if (typeof source !== 'string') throw new TypeError(`trace(): source must be a string (the script), got ${describe(source)}`);
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`trace(): options must be an object, got ${describe(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new TypeError(`trace(): unknown option '${key}' (known: ${OPTION_NAMES.join(', ')})`);
    }
  }
  const out: { -readonly [K in keyof TraceOptions]: TraceOptions[K] } = {};
  if (o.params !== undefined) {
    if (!Array.isArray(o.params)) throw new TypeError(`trace(): options.params must be an array of strings, got ${describe(o.params)}`);
    o.params.forEach((p: unknown, i) => {
      if (typeof p !== 'string') throw new TypeError(`trace(): options.params[${i}] must be a string, got ${describe(p)}`);
    });
    out.params = [...(o.params as string[])];
  }
  if (o.pid !== undefined) {
    if (typeof o.pid !== 'number') throw new TypeError(`trace(): options.pid must be a number, got ${describe(o.pid)}`);
    if (!Number.isInteger(o.pid) || o.pid < 1 || o.pid > PID_MAX_LIMIT) {
      throw new RangeError(`trace(): options.pid must be an integer from 1 to ${PID_MAX_LIMIT}, got ${o.pid}`);
    }
    out.pid = o.pid;
  }
  if (o.signal !== undefined) {
    if (!(o.signal instanceof AbortSignal)) {
      const got = o.signal instanceof AbortController ? 'an AbortController (pass its .signal)' : describe(o.signal);
      throw new TypeError(`trace(): options.signal must be an AbortSignal, got ${got}`);
    }
    out.signal = o.signal;
  }
  if (o.file !== undefined) {
    if (typeof o.file !== 'string') throw new TypeError(`trace(): options.file must be a string, got ${describe(o.file)}`);
    if (o.file === '' || /[\n\r\0]/.test(o.file)) {
      throw new RangeError(`trace(): options.file must be a non-empty name on one line, got ${JSON.stringify(o.file)}`);
    }
    out.file = o.file;
  }
  if (o.reads !== undefined) {
    if (typeof o.reads !== 'string') throw new TypeError(`trace(): options.reads must be a string, got ${describe(o.reads)}`);
    if (!READ_FLOORS.includes(o.reads)) {
      throw new RangeError(`trace(): options.reads must be one of ${READ_FLOORS.map((f) => `'${f}'`).join(', ')}, got ${JSON.stringify(o.reads)}`);
    }
    out.reads = o.reads as ReadFloor;
  }
  if (o.marks !== undefined) {
    if (typeof o.marks !== 'boolean') throw new TypeError(`trace(): options.marks must be a boolean, got ${describe(o.marks)}`);
    out.marks = o.marks;
  }
  if (o.helperErrors !== undefined) {
    if (typeof o.helperErrors !== 'boolean') throw new TypeError(`trace(): options.helperErrors must be a boolean, got ${describe(o.helperErrors)}`);
    out.helperErrors = o.helperErrors;
  }
  if (o.command !== undefined) out.command = validateCommand(o.command, o.pid !== undefined);
  if (o.named !== undefined) out.named = validateNamed(o.named);
  return out;
}

/** options.command: a non-empty string or array of strings, without NUL bytes (they cannot reach execve). */
function validateCommand(c: unknown, withPid: boolean): string | readonly string[] {
  if (typeof c !== 'string' && !Array.isArray(c)) throw new TypeError(`trace(): options.command must be a string or an array of strings, got ${describe(c)}`);
  const words: unknown[] = typeof c === 'string' ? splitCommand(c) : c;
  words.forEach((w, i) => {
    if (typeof w !== 'string') throw new TypeError(`trace(): options.command[${i}] must be a string, got ${describe(w)}`);
    if (w.includes('\0')) throw new RangeError(`trace(): options.command${typeof c === 'string' ? '' : `[${i}]`} must not contain a NUL byte`);
  });
  if (words.length === 0 || words[0] === '') throw new RangeError(`trace(): options.command must name a program, got ${JSON.stringify(c)}`);
  if (withPid) throw new TypeError('trace(): options.command and options.pid cannot be given together: the command\'s pid is the traced process');
  return typeof c === 'string' ? c : [...(c as string[])];
}

/** options.named: an object of getopt() parameter names to strings, integers or booleans. */
function validateNamed(n: unknown): Readonly<Record<string, string | number | bigint | boolean>> {
  if (n === null || typeof n !== 'object' || Array.isArray(n) || n instanceof Map) {
    throw new TypeError(`trace(): options.named must be an object of parameter names to values, got ${describe(n)}`);
  }
  const out: Record<string, string | number | bigint | boolean> = {};
  for (const [k, v] of Object.entries(n)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new RangeError(`trace(): options.named: ${JSON.stringify(k)} is not a parameter name (letters, digits and _, not starting with a digit)`);
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`trace(): options.named.${k} must be an integer (a safe integer, or a bigint), got ${v}`);
    if (typeof v === 'string' && v.includes('\0')) throw new RangeError(`trace(): options.named.${k} must not contain a NUL byte`);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint' && typeof v !== 'boolean') {
      throw new TypeError(`trace(): options.named.${k} must be a string, an integer or a boolean, got ${describe(v)}`);
    }
    out[k] = v;
  }
  return out;
}

/** The Trace returned by trace(): a Session, stopped once, by whichever of exit(), the signal or stop() comes first. */
class RunningTrace implements Trace {
  readonly attached: number;
  readonly warnings: readonly Diagnostic[];
  readonly #session: Session;
  readonly #signal: AbortSignal | undefined;
  readonly #sleepFallbacks: readonly { probe: string; reason: string }[];
  readonly #child: ChildProcess | null;
  /** Resolves once the command has exited (at once without one). */
  readonly #childExited: Promise<void>;
  readonly commandPid: number | null;
  #result: Promise<TraceResult> | null = null;
  #closed = false;
  #eventsTaken = false;

  constructor(session: Session, warnings: readonly Diagnostic[], signal: AbortSignal | undefined, child: ChildProcess | null, endsByItself: boolean) {
    this.#session = session;
    this.attached = session.attached;
    this.warnings = warnings;
    // Read now: the session's programs are gone once it is closed.
    this.#sleepFallbacks = session.sleepFallbacks;
    this.#signal = signal;
    this.#child = child;
    this.commandPid = child?.pid ?? null;
    this.#childExited = !child || child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => child.once('exit', () => resolve()));
    // The session's signal fires when the script calls exit() (and on stop/close, which set #result/#closed
    // first). It fires inside the ring-buffer callback: stop from a microtask, once that callback has returned.
    // An exit() in a begin probe has already fired: Session.start drains the ring buffer once.
    if (session.signal.aborted || signal?.aborted || endsByItself) this.#stopSoon();
    else {
      session.signal.addEventListener('abort', this.#stopSoon, { once: true });
      signal?.addEventListener('abort', this.#stopSoon, { once: true });
      void this.#childExited.then(() => {
        if (child) this.#stopSoon();
      });
    }
  }

  readonly #stopSoon = (): void => {
    queueMicrotask(() => {
      if (!this.#closed) void this.stop();
    });
  };

  events(): AsyncIterableIterator<TraceEvent> {
    if (this.#eventsTaken) throw new Error('events() was already called: a trace delivers its events once');
    this.#eventsTaken = true;
    return this.#events();
  }

  async *#events(): AsyncGenerator<TraceEvent, void, undefined> {
    for (const f of this.#sleepFallbacks) yield { type: 'sleep-fallback', probe: f.probe, reason: f.reason };
    for await (const ev of this.#session.events()) {
      const out = toTraceEvent(ev);
      if (out) yield out;
    }
    // The session's events end when it has stopped or was closed; a failed stop is reported here too.
    if (this.#result) await this.#result;
  }

  stop(): Promise<TraceResult> {
    if (!this.#result) {
      this.#result = this.#closed
        ? Promise.reject(new Error('stop(): the trace was closed before it was stopped, so its maps are gone'))
        : this.#finish();
      // Reported to whoever awaits stop() or events(); a trace stopped by exit() must not crash the process.
      this.#result.catch(() => {});
    }
    return this.#result;
  }

  async #finish(): Promise<TraceResult> {
    this.#unlisten();
    try {
      const { maps, summary } = await this.#session.stop();
      return {
        maps: Object.fromEntries(maps.map((m) => [m.name, m])), lost: summary.lost, exitCode: summary.exitCode, reads: { ...summary.reads },
        command: await this.#endCommand(),
      };
    } catch (e) {
      if (this.#closed) throw new Error('stop(): the trace was closed while stopping', { cause: e });
      throw e;
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unlisten();
    this.#session.close();
    // As the CLI: the command does not outlive the trace.
    if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
  }

  /** Ends the command if it still runs (SIGTERM, as the CLI) and reports how it ended; null without one. */
  async #endCommand(): Promise<CommandStatus | null> {
    const child = this.#child;
    if (!child || child.pid === undefined) return null;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await this.#childExited;
    return { pid: child.pid, exitCode: child.exitCode, signal: child.signalCode };
  }

  #unlisten(): void {
    this.#session.signal.removeEventListener('abort', this.#stopSoon);
    this.#signal?.removeEventListener('abort', this.#stopSoon);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // Let a stop in progress finish (its result stays available to stop()); then release whatever is left.
    if (this.#result) await this.#result.catch(() => {});
    this.close();
  }
}

/** The public form of a session event; null for the session's internal bookkeeping. */
function toTraceEvent(ev: SessionEvent): TraceEvent | null {
  switch (ev.type) {
    case 'printf': return { type: 'printf', text: ev.text, provenance: [...(ev.provenance ?? [])] };
    case 'cat': return { type: 'cat', text: ev.text };
    case 'errorf': case 'warnf': return { type: ev.type, text: ev.text, location: ev.loc ? { file: ev.loc.file, line: ev.loc.line, column: ev.loc.column } : null };
    case 'time': return { type: 'time', format: ev.format, date: ev.date };
    case 'print': return { type: 'print', map: ev.map, top: ev.top, div: ev.div };
    case 'value': return { type: 'value', value: ev.value };
    case 'system': return { type: 'system', command: ev.command };
    case 'exit': return { type: 'exit', code: ev.code };
    case 'incomplete': return { type: 'incomplete', text: ev.text, reasons: [...ev.reasons] };
    case 'lost-read': return { type: 'lost-read', errno: ev.errno, probe: ev.probe };
    case 'join': return { type: 'join', text: ev.text };
    case 'helper-error': return { type: 'helper-error', helper: ev.helper, retcode: ev.retcode, location: ev.loc ?? null };
    case 'clear': case 'zero': return null;
    default: return unknownEvent(ev);
  }
}

/** Compile-time check that toTraceEvent covers every session event. */
function unknownEvent(ev: never): null {
  void ev;
  return null;
}

/**
 * Release of kernel objects on every exit path: normal exit, Ctrl-C, SIGTERM and uncaught errors. Closing the
 * fds detaches links and frees programs and maps (siesta never pins, so nothing outlives the fds).
 */
import { closeAllFds } from '../sys/index.js';

/** Callbacks run before the fds are closed (e.g. to print maps on Ctrl-C). */
type Finalizer = () => void;

let installed = false;
let showStacks = false;
const finalizers: Finalizer[] = [];

/** With `-v`, an internal error also prints its stack; otherwise one line (users get no stack traces). */
export function setShowStacks(on: boolean): void {
  showStacks = on;
}

/**
 * Installs process handlers that close every siesta fd. On SIGINT/SIGTERM, `onSignal` runs first (the CLI
 * uses it to stop tracing and print results); without it the process exits with 128+signal.
 */
export function installCleanup(onSignal?: (signal: NodeJS.Signals) => void): void {
  if (installed) return;
  installed = true;
  process.on('exit', releaseAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (onSignal) onSignal(sig);
      else {
        releaseAll();
        process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
      }
    });
  }
  process.on('uncaughtException', (e) => {
    releaseAll();
    // The reader of stdout went away (`siesta ... | head`): stop quietly, as a tool killed by SIGPIPE does.
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
    const text = e instanceof Error ? (showStacks ? (e.stack ?? e.message) : e.message) : String(e);
    process.stderr.write(`siesta: internal error: ${text}\n${showStacks ? '' : '(run with -v for details; please report this as a bug)\n'}`);
    process.exit(70);
  });
}

/** Registers `f` to run once before the fds are closed at exit. */
export function onRelease(f: Finalizer): void {
  finalizers.push(f);
}

/** Runs the finalizers and closes every live fd (links, then programs, then maps). Safe to call twice. */
export function releaseAll(): void {
  for (const f of finalizers.splice(0)) {
    try {
      f();
    } catch {
      // A finalizer failing must not keep kernel objects alive.
    }
  }
  closeAllFds();
}

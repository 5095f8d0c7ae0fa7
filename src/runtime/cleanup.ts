/**
 * Release of kernel objects on every exit path: normal exit, Ctrl-C, SIGTERM and uncaught errors. Closing the
 * fds detaches links and frees programs and maps (siesta never pins, so nothing outlives the fds).
 */
import { closeAllFds } from '../sys/index.js';

/** Callbacks run before the fds are closed (e.g. to print maps on Ctrl-C). */
type Finalizer = () => void;

let installed = false;
const finalizers: Finalizer[] = [];

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
    process.stderr.write(`siesta: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
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

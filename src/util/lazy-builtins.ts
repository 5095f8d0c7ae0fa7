/**
 * Node built-ins that are costly to load and needed only by some runs, required on first use rather than at
 * start-up: node:child_process brings the net and stream stacks (~5–10 ms of a script's start here) and is
 * needed only to start a command; node:worker_threads only by --exact's supervisor.
 */
import type * as ChildProcessModule from 'node:child_process';
import { createRequire } from 'node:module';
import type * as WorkerThreadsModule from 'node:worker_threads';

const requireBuiltin = createRequire(import.meta.url);

/** node:child_process, loaded on first call. */
export function childProcess(): typeof ChildProcessModule {
  return requireBuiltin('node:child_process') as typeof ChildProcessModule;
}

/** node:worker_threads, loaded on first call. */
export function workerThreads(): typeof WorkerThreadsModule {
  return requireBuiltin('node:worker_threads') as typeof WorkerThreadsModule;
}

/**
 * The command a trace starts (`-c CMD`, `trace({ command })`): held at a gate until the probes are attached,
 * so that its pid is known beforehand (for pid filters and cpid) and no event of its start is missed.
 */
import type { ChildProcess } from 'node:child_process';
import { childProcess } from '../util/lazy-builtins.js';
import { blockingStdio } from '../sys/index.js';

/** Splits a command line into words as `-c` does: quotes group words; no other shell syntax. */
export function splitCommand(cmd: string): string[] {
  return [...cmd.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/**
 * Starts `argv` held at a gate: a shell waits for a line on fd 3, then execs the command (same pid). The
 * command shares siesta's stdio, made blocking first (see sys/stdio.ts). `release()` opens the gate.
 */
export function startGatedCommand(argv: readonly string[]): { child: ChildProcess; release: () => void } {
  blockingStdio();
  const child = childProcess().spawn('/bin/sh', ['-c', 'read -r _ <&3; exec "$0" "$@"', ...argv], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
  const gate = child.stdio[3] as NodeJS.WritableStream;
  // A command that exits before reading the gate closes the pipe: not an error of the trace.
  (gate as unknown as { on(e: 'error', f: () => void): void }).on('error', () => {});
  return { child, release: () => gate.end('\n') };
}

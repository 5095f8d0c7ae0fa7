/** `siesta -l [pattern]`: lists probes as bpftrace -l does (with -v, their arguments and context). */
import { existsSync } from 'node:fs';
import { hostKernelInfo } from '../kernel/host-info.js';
import { listProbes } from '../passes/list-probes.js';
import { writeStderr, writeStdout } from './stdio.js';

/**
 * Prints the matching probes; exit code 0. An argument that names a script (`*.bt`) which does not exist is
 * warned about, as bpftrace does, and searched for as a pattern: when that matches nothing, the exit code is 1.
 */
export function listProbesCommand(pattern: string | undefined, verbose: boolean): number {
  const missingFile = pattern !== undefined && pattern.endsWith('.bt') && !existsSync(pattern);
  if (missingFile) {
    writeStderr(`WARNING: It appears that '${pattern}' is a filename but the file does not exist. Treating '${pattern}' as a search pattern.\n`);
  }
  const lines = listProbes(hostKernelInfo(), pattern, verbose);
  writeStdout(lines.length ? `${lines.join('\n')}\n` : '');
  return missingFile && lines.length === 0 ? 1 : 0;
}

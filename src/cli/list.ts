/** `siesta -l [pattern]`: lists probes as bpftrace -l does (with -v, their arguments and context). */
import { hostKernelInfo } from '../kernel/host-info.js';
import { listProbes } from '../passes/list-probes.js';

/** Prints the matching probes; exit code 0. */
export function listProbesCommand(pattern: string | undefined, verbose: boolean): number {
  const lines = listProbes(hostKernelInfo(), pattern, verbose);
  process.stdout.write(lines.length ? `${lines.join('\n')}\n` : '');
  return 0;
}

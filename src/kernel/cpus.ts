/** CPU sets from sysfs: per-CPU map values are sized by possible CPUs; per-CPU perf events open on online ones. */
import { readFileSync } from 'node:fs';

/** Parses a cpulist such as `0-3,5,7-8` into CPU numbers. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const [lo, hi] = part.split('-').map(Number);
    if (lo === undefined || Number.isNaN(lo)) throw new Error(`bad cpulist: ${text}`);
    for (let c = lo; c <= (hi ?? lo); c++) cpus.push(c);
  }
  return cpus;
}

let possible: number[] | undefined;
let online: number[] | undefined;

/** CPUs the kernel may ever bring up (/sys/devices/system/cpu/possible); per-CPU maps hold one slot each. */
export function possibleCpus(): number[] {
  return (possible ??= parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'utf8')));
}

/** CPUs online now (/sys/devices/system/cpu/online). */
export function onlineCpus(): number[] {
  return (online ??= parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8')));
}

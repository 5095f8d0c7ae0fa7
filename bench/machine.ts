/**
 * The machine the bench ran on (printed at the top and saved in results.json), and CPU pinning: the bench
 * pins itself (every Node thread, including koffi's epoll worker) to one CPU with `taskset -a -p`, and the
 * workload to another with `taskset -c`, so the traced process never shares its core with the consumer.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';

/** What identifies the machine. */
export interface MachineInfo {
  nproc: number;
  kernel: string;
  cpuModel: string;
  node: string;
  /** Present when the CPUs look virtual (the `hypervisor` cpuinfo flag). */
  virtualised: boolean;
}

/** Reads nproc, kernel release, CPU model and Node version. */
export function machineInfo(): MachineInfo {
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // Not fatal: the model is only printed.
  }
  return {
    nproc: availableParallelism(),
    kernel: release(),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    node: process.version,
    virtualised: /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo),
  };
}

/** Where each party runs; undefined CPUs mean "not pinned". */
export interface Pinning {
  /** CPU of Node (the ring-buffer consumer) and of bpftrace, which Node starts. */
  consumerCpu?: number;
  /** CPU of the traced workload. */
  workloadCpu?: number;
}

/**
 * Pins this process (all threads) to CPU 0 and chooses CPU 1 for the workload, when there are two CPUs or
 * more and `taskset` exists; otherwise leaves everything unpinned and says why.
 */
export function pinForBench(enabled: boolean): { pinning: Pinning; note: string } {
  if (!enabled) return { pinning: {}, note: 'not pinned (--no-pin)' };
  if (availableParallelism() < 2) return { pinning: {}, note: 'not pinned (one CPU)' };
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  } catch (e) {
    return { pinning: {}, note: `not pinned (taskset failed: ${(e as Error).message})` };
  }
  return {
    pinning: { consumerCpu: 0, workloadCpu: 1 },
    note: 'workload on CPU 1 (taskset -c 1); Node consumer, its epoll worker and bpftrace on CPU 0 (taskset -a -p -c 0)',
  };
}

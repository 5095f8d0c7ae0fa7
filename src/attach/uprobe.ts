/**
 * uprobe:/uretprobe: — the uprobe PMU (4.17): perf_event_open with the binary's path in config1 and the
 * probed instruction's file offset in config2; the program is BPF_PROG_TYPE_KPROBE (uprobe.s when sleepable).
 */
import { readFileSync } from 'node:fs';
import type { Program } from '../loader/index.js';
import { perfEventOpen } from '../sys/index.js';
import { attachToPerfEvent, type Link } from './link.js';

let pmu: { type: number; retprobeBit: number } | undefined;

/** The uprobe PMU's type and the config bit that makes a return probe (from sysfs). */
export function uprobePmu(): { type: number; retprobeBit: number } {
  if (pmu) return pmu;
  const dir = '/sys/bus/event_source/devices/uprobe';
  let type: number;
  try {
    type = Number(readFileSync(`${dir}/type`, 'utf8').trim());
  } catch {
    throw new Error('this kernel has no uprobe PMU (/sys/bus/event_source/devices/uprobe): uprobes need CONFIG_UPROBE_EVENTS');
  }
  // format/retprobe reads "config:0": the bit of attr.config that selects a return probe.
  const m = /config:(\d+)/.exec(readFileSync(`${dir}/format/retprobe`, 'utf8'));
  return (pmu = { type, retprobeBit: m ? Number(m[1]) : 0 });
}

/** Where to place a uprobe: the binary and the file offset of the instruction. */
export interface UprobeTarget {
  path: string;
  offset: number | bigint;
  retprobe?: boolean;
  /** Only this process (-1 or absent: every process that maps the binary). */
  pid?: number;
  /** For messages: `uprobe:/bin/bash:readline`. */
  description?: string;
}

/** Attaches a uprobe program at `target`. */
export function attachUprobe(prog: Program, target: UprobeTarget): Link {
  const { type, retprobeBit } = uprobePmu();
  const what = target.description ?? `${target.retprobe ? 'uretprobe' : 'uprobe'}:${target.path}+${target.offset}`;
  const pid = target.pid ?? -1;
  const perf = perfEventOpen({
    type,
    config: target.retprobe ? 1n << BigInt(retprobeBit) : 0n,
    path: target.path,
    config2: BigInt(target.offset),
  }, pid, pid === -1 ? 0 : -1, what);
  return attachToPerfEvent(prog.fd.raw, perf, what);
}

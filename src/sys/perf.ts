/**
 * perf_event_open(2) and its ioctls: the attach points of tracepoint, uprobe and software-clock programs.
 */
import { Attr, cString } from './attr.js';
import { sys } from './backend.js';
import * as C from './constants.js';
import { SysError } from './errors.js';
import { Fd } from './fd.js';

/** Fields of `struct perf_event_attr` (include/uapi/linux/perf_event.h) that siesta sets. */
export interface PerfEventAttr {
  type: number;
  config: number | bigint;
  /** sample_period, or sample_freq when `freq` is set. */
  samplePeriod?: number;
  freq?: boolean;
  /** config1: for the uprobe PMU, a pointer to the binary's path. */
  path?: string;
  /** config2: for the uprobe PMU, the file offset of the probed instruction. */
  config2?: number | bigint;
  /** The event starts disabled (enable it with PERF_EVENT_IOC_ENABLE). */
  disabled?: boolean;
}

/** Encodes a perf_event_attr (PERF_ATTR_SIZE_VER8 layout). */
export function encodePerfEventAttr(o: PerfEventAttr): Attr {
  const a = new Attr(C.PERF_ATTR_SIZE)
    .u32(0, o.type) // type
    .u32(4, C.PERF_ATTR_SIZE) // size
    .u64(8, o.config) // config
    .u64(16, o.samplePeriod ?? 0); // sample_period | sample_freq
  // Bitfield word at offset 40: bit 0 disabled, bit 10 freq.
  let bits = 0n;
  if (o.disabled) bits |= 1n << 0n;
  if (o.freq) bits |= 1n << 10n;
  a.u64(40, bits);
  if (o.path !== undefined) a.ptr(56, cString(o.path)); // config1 (uprobe_path)
  if (o.config2 !== undefined) a.u64(64, o.config2); // config2 (probe_offset)
  return a;
}

/** perf_event_open(2) with FD_CLOEXEC → an owned fd. */
export function perfEventOpen(o: PerfEventAttr, pid: number, cpu: number, label: string): Fd {
  const a = encodePerfEventAttr(o);
  const r = sys().perfEventOpen(a.bytes, pid, cpu, -1, C.PERF_FLAG_FD_CLOEXEC);
  if (r < 0) throw new SysError(`perf_event_open(${label})`, -r);
  return new Fd(r, 'perf_event', label);
}

/** ioctl(2) that throws SysError naming the request. */
export function ioctl(fd: number, request: number, arg: number, what: string): number {
  const r = sys().ioctl(fd, request, arg);
  if (r < 0) throw new SysError(`ioctl(${what})`, -r);
  return r;
}

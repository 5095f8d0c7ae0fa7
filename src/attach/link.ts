/**
 * A Link is one attachment: the fds that keep a program attached (a bpf link, and for perf-based attach points
 * the perf event too). Closing it detaches the program.
 */
import { type Fd, ioctl, linkCreate, SysError, uapi } from '../sys/index.js';

/** An attachment that detaches itself when closed. */
export class Link implements Disposable {
  constructor(readonly description: string, readonly fds: readonly Fd[]) {}

  /** Detaches: closes the bpf link before the perf event it refers to. */
  close(): void {
    for (const fd of this.fds) fd.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Attaches `progFd` to an open perf event: BPF_LINK_CREATE(BPF_PERF_EVENT) (5.15), or on older kernels
 * PERF_EVENT_IOC_SET_BPF + ENABLE, where the perf event fd itself holds the attachment.
 */
export function attachToPerfEvent(progFd: number, perf: Fd, description: string, cookie?: bigint): Link {
  try {
    const link = linkCreate({ progFd, targetFd: perf.raw, attachType: uapi.BPF_PERF_EVENT, label: description, ...(cookie !== undefined ? { cookie } : {}) });
    return new Link(description, [link, perf]);
  } catch (e) {
    if (!(e instanceof SysError) || (e.errno !== 22 && e.errno !== 95)) {
      perf.close();
      throw e;
    }
  }
  try {
    ioctl(perf.raw, uapi.PERF_EVENT_IOC_SET_BPF, progFd, `PERF_EVENT_IOC_SET_BPF ${description}`);
    ioctl(perf.raw, uapi.PERF_EVENT_IOC_ENABLE, 0, `PERF_EVENT_IOC_ENABLE ${description}`);
  } catch (e) {
    perf.close();
    throw e;
  }
  return new Link(description, [perf]);
}

/**
 * File descriptor ownership. Every fd siesta opens is held by exactly one Fd, which closes it once; live Fds
 * are tracked so that an exit path (signal, uncaught error) can release every kernel object siesta made.
 */
import { sys } from './backend.js';
import { SysError } from './errors.js';

/** What an fd refers to, for diagnostics and for the order of release (links before programs before maps). */
export type FdKind = 'link' | 'perf_event' | 'prog' | 'map' | 'btf' | 'epoll' | 'other';

const RELEASE_ORDER: readonly FdKind[] = ['link', 'perf_event', 'prog', 'map', 'btf', 'epoll', 'other'];
const live = new Set<Fd>();

/** An owned file descriptor. Close it with `close()` or a `using` declaration. */
export class Fd implements Disposable {
  #fd: number;

  constructor(fd: number, readonly kind: FdKind, readonly label = '') {
    if (!Number.isInteger(fd) || fd < 0) throw new Error(`invalid fd ${fd} for ${kind} ${label}`);
    this.#fd = fd;
    live.add(this);
  }

  /** The raw number; throws after close so a stale fd is never reused by mistake. */
  get raw(): number {
    if (this.#fd < 0) throw new Error(`use of closed ${this.kind} fd ${this.label}`);
    return this.#fd;
  }

  /** True until closed. */
  get open(): boolean {
    return this.#fd >= 0;
  }

  /** Closes the fd; later calls do nothing. */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    live.delete(this);
    const r = sys().close(fd);
    if (r < 0) throw new SysError(`close(${this.kind} fd ${fd})`, -r);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Number of Fds currently open, by kind (tests use it to find leaks). */
export function liveFds(): Map<FdKind, number> {
  const counts = new Map<FdKind, number>();
  for (const fd of live) counts.set(fd.kind, (counts.get(fd.kind) ?? 0) + 1);
  return counts;
}

/** Closes every live Fd, links first and maps last; errors are collected, not thrown halfway. */
export function closeAllFds(): Error[] {
  const errors: Error[] = [];
  for (const kind of RELEASE_ORDER) {
    for (const fd of [...live]) {
      if (fd.kind !== kind) continue;
      try {
        fd.close();
      } catch (e) {
        errors.push(e as Error);
      }
    }
  }
  return errors;
}

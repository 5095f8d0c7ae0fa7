/** epoll: waiting for ring-buffer wakeups without blocking Node's event loop. */
import { sys } from './backend.js';
import * as C from './constants.js';
import { EINTR, SysError } from './errors.js';
import { Fd } from './fd.js';

// x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl).
const NR_write = 1;
const NR_eventfd2 = 290;

/** An epoll instance watching fds for readability. */
export class Epoll implements Disposable {
  readonly fd: Fd;
  #count = 0;

  constructor() {
    const r = sys().epollCreate(C.EPOLL_CLOEXEC);
    if (r < 0) throw new SysError('epoll_create1', -r);
    this.fd = new Fd(r, 'epoll');
  }

  /** Watches `fd` for EPOLLIN. */
  add(fd: number): void {
    const r = sys().epollCtl(this.fd.raw, C.EPOLL_CTL_ADD, fd, C.EPOLLIN, fd);
    if (r < 0) throw new SysError('epoll_ctl(EPOLL_CTL_ADD)', -r);
    this.#count++;
  }

  /** Waits up to `timeoutMs` on a koffi worker thread; resolves to the number of ready fds (0 on timeout). */
  async wait(timeoutMs: number): Promise<number> {
    const r = await sys().epollWait(this.fd.raw, Math.max(1, this.#count), timeoutMs);
    if (r === -EINTR) return 0;
    if (r < 0) throw new SysError('epoll_wait', -r);
    return r;
  }

  /** Polls without blocking. */
  poll(): number {
    const r = sys().epollWaitSync(this.fd.raw, Math.max(1, this.#count), 0);
    if (r === -EINTR) return 0;
    if (r < 0) throw new SysError('epoll_wait', -r);
    return r;
  }

  close(): void {
    this.fd.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * An eventfd (eventfd2(2)) to add to an Epoll so another party can end a pending wait at once, instead of the
 * waiter sleeping out its timeout.
 */
export class EventFd implements Disposable {
  readonly fd: Fd;
  readonly #one = new Uint8Array(8);

  constructor() {
    const r = sys().syscall(NR_eventfd2, [0, C.EFD_CLOEXEC | C.EFD_NONBLOCK]);
    if (r < 0) throw new SysError('eventfd2', -r);
    this.fd = new Fd(r, 'other', 'eventfd');
    this.#one[0] = 1;
  }

  /** Makes the fd readable (it stays so: nothing reads the counter back), waking any epoll_wait on it. */
  signal(): void {
    if (!this.fd.open) return;
    // EAGAIN only when the counter would overflow, which leaves it readable anyway.
    sys().syscall(NR_write, [this.fd.raw, sys().addressOf(this.#one), 8]);
  }

  close(): void {
    this.fd.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

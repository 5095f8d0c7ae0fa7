/** epoll: waiting for ring-buffer wakeups without blocking Node's event loop. */
import { sys } from './backend.js';
import * as C from './constants.js';
import { EINTR, SysError } from './errors.js';
import { Fd } from './fd.js';

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

/**
 * The one choke point for raw system calls. Everything in siesta that touches the kernel goes through the
 * SysBackend installed here; unit tests install a fake that fails on any call they did not expect.
 *
 * Calls return the kernel's raw result: a non-negative value on success, `-errno` on failure. The typed
 * wrappers beside this file turn failures into SysError.
 */

/** A mapping of kernel memory into this process (ring buffers). */
export interface Mapping {
  /** Start address, for munmap. */
  readonly address: bigint;
  /** A view of the mapped bytes (no copy). */
  readonly buffer: ArrayBuffer;
}

/** The raw system calls siesta makes. Implemented by koffi over libc, or by a fake in tests. */
export interface SysBackend {
  /** bpf(2): `cmd` with `attr` (the caller's union bpf_attr bytes). */
  bpf(cmd: number, attr: Uint8Array): number;
  /** perf_event_open(2) with a `struct perf_event_attr`. */
  perfEventOpen(attr: Uint8Array, pid: number, cpu: number, groupFd: number, flags: number): number;
  /** ioctl(2) with an integer argument. */
  ioctl(fd: number, request: number, arg: number): number;
  /** close(2). */
  close(fd: number): number;
  /** mmap(2) of a file descriptor; returns `-errno` as a number on failure. */
  mmap(length: number, prot: number, flags: number, fd: number, offset: number): Mapping | number;
  /** munmap(2). */
  munmap(address: bigint, length: number): number;
  /** epoll_create1(2). */
  epollCreate(flags: number): number;
  /** epoll_ctl(2); `data` is stored in the event and handed back by epollWait. */
  epollCtl(epfd: number, op: number, fd: number, events: number, data: number): number;
  /** epoll_wait(2) run off the event loop; resolves to the ready count or `-errno`. */
  epollWait(epfd: number, maxEvents: number, timeoutMs: number): Promise<number>;
  /** epoll_wait(2) on this thread (timeout 0 polls). */
  epollWaitSync(epfd: number, maxEvents: number, timeoutMs: number): number;
  /** mount(2). */
  mount(source: string, target: string, fstype: string, flags: number, data: string | null): number;
  /** A raw system call with up to six integer arguments (pointers passed as addresses). */
  syscall(nr: number, args: ReadonlyArray<number | bigint>): number;
  /** The same, run on a worker thread (for calls that block, such as SECCOMP_IOCTL_NOTIF_RECV). */
  syscallAsync(nr: number, args: ReadonlyArray<number | bigint>, keepAlive: readonly Uint8Array[]): Promise<number>;
  /** execve(2): replaces this process; returns only on failure. */
  execve(path: string, argv: readonly string[], envp: readonly string[]): number;
  /** Address of a buffer's bytes, to place in an attr field that the kernel dereferences. */
  addressOf(buf: Uint8Array): bigint;
}

let current: SysBackend | undefined;
let factory: (() => SysBackend) | undefined;

/**
 * Registers how the real backend is built. src/sys/koffi-backend.ts calls this when imported, so the FFI is
 * only loaded by programs that touch the kernel.
 */
export function registerBackendFactory(make: () => SysBackend): void {
  factory = make;
}

/** The backend every wrapper uses. */
export function sys(): SysBackend {
  if (current) return current;
  if (!factory) throw new Error('no system-call backend: import src/sys/index.js (koffi) or install a fake');
  current = factory();
  return current;
}

/** Installs `backend` (a test fake) and returns a function that restores the previous one. */
export function installBackend(backend: SysBackend): () => void {
  const previous = current;
  current = backend;
  return () => {
    current = previous;
  };
}

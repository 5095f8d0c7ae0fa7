/**
 * The real SysBackend: koffi calls into glibc. This is the only file in siesta that imports koffi.
 */
import koffi from 'koffi';
import { registerBackendFactory, type SysBackend } from './backend.js';

// x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl).
const NR_bpf = 321;
const NR_perf_event_open = 298;

/** Builds the koffi backend; libc is loaded once, on first use. */
function makeKoffiBackend(): SysBackend {
  const libc = koffi.load('libc.so.6');
  // glibc's syscall() is variadic, but it only moves integer registers: a fixed prototype per use is safe on
  // x86_64 and much faster than koffi's variadic calls.
  const syscall3 = libc.func('long syscall(long nr, long a, void *b, unsigned long c)');
  const syscall5 = libc.func('long syscall(long nr, void *a, long b, long c, long d, unsigned long e)');
  const ioctl = libc.func('int ioctl(int fd, unsigned long req, long arg)');
  const close = libc.func('int close(int fd)');
  const mmap = libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)');
  const munmap = libc.func('int munmap(uint64_t addr, size_t len)');
  const epollCreate1 = libc.func('int epoll_create1(int flags)');
  koffi.pack('epoll_event', { events: 'uint32_t', data: 'uint64_t' });
  const epollCtl = libc.func('int epoll_ctl(int epfd, int op, int fd, epoll_event *ev)');
  // The events array is written by the kernel but never read by siesta: readiness is enough, the ring buffer
  // positions say what to read.
  const epollWait = libc.func('int epoll_wait(int epfd, void *events, int max, int timeout)');
  const mount = libc.func('int mount(const char *src, const char *target, const char *type, unsigned long flags, const char *data)');

  const syscall6 = libc.func('long syscall(long nr, long a, long b, long c, long d, long e, long f)');
  const execve = libc.func('int execve(const char *path, const char **argv, const char **envp)');
  const fail = (r: number): number => (r < 0 ? -koffi.errno() : r);
  const six = (args: ReadonlyArray<number | bigint>) => [0, 1, 2, 3, 4, 5].map((i) => args[i] ?? 0);
  const asyncKeep = new Set<readonly Uint8Array[]>();
  const waitBuf = Buffer.alloc(12 * 64);
  // koffi holds no reference to the arguments of an async call: keep each events buffer reachable until the
  // worker's epoll_wait returns, or GC frees it and the kernel writes a wake-up into freed memory.
  const inFlight = new Set<Buffer>();

  return {
    bpf: (cmd, attr) => fail(Number(syscall3(NR_bpf, cmd, attr, attr.byteLength))),
    perfEventOpen: (attr, pid, cpu, groupFd, flags) =>
      fail(Number(syscall5(NR_perf_event_open, attr, pid, cpu, groupFd, flags))),
    ioctl: (fd, request, arg) => fail(ioctl(fd, request, arg) as number),
    close: (fd) => fail(close(fd) as number),
    mmap(length, prot, flags, fd, offset) {
      const ptr = mmap(null, length, prot, flags, fd, offset);
      const address = ptr === null ? -1n : koffi.address(ptr);
      if (address === -1n || address === 0xffffffffffffffffn) return -koffi.errno();
      return { address, buffer: koffi.view(ptr, length) };
    },
    munmap: (address, length) => fail(munmap(address, length) as number),
    epollCreate: (flags) => fail(epollCreate1(flags) as number),
    epollCtl: (epfd, op, fd, events, data) => fail(epollCtl(epfd, op, fd, { events, data: BigInt(data) }) as number),
    epollWait: (epfd, maxEvents, timeoutMs) =>
      new Promise((resolve) => {
        const events = Buffer.alloc(12 * Math.max(1, maxEvents));
        inFlight.add(events);
        epollWait.async(epfd, events, maxEvents, timeoutMs, (err: unknown, r: number) => {
          inFlight.delete(events);
          resolve(err ? -4 : r < 0 ? -koffi.errno() : r);
        });
      }),
    epollWaitSync: (epfd, maxEvents, timeoutMs) =>
      fail(epollWait(epfd, waitBuf, Math.min(maxEvents, 64), timeoutMs) as number),
    // Arguments passed one by one: a spread of a fresh array costs more than the call on hot paths (--exact's
    // supervisor makes four of these per trapped syscall).
    syscall: (nr, a) => fail(Number(syscall6(nr, a[0] ?? 0, a[1] ?? 0, a[2] ?? 0, a[3] ?? 0, a[4] ?? 0, a[5] ?? 0))),
    syscallAsync: (nr, args, keepAlive) =>
      new Promise((resolve) => {
        // Buffers the kernel writes into must stay reachable until the worker thread returns.
        asyncKeep.add(keepAlive);
        syscall6.async(nr, ...six(args), (err: unknown, r: number | bigint) => {
          asyncKeep.delete(keepAlive);
          const n = Number(r);
          resolve(err ? -4 : n < 0 ? -koffi.errno() : n);
        });
      }),
    execve: (path, argv, envp) => fail(execve(path, [...argv, null], [...envp, null]) as number),
    mount: (source, target, fstype, flags, data) => fail(mount(source, target, fstype, flags, data) as number),
    addressOf: (buf) => koffi.address(buf),
  };
}

registerBackendFactory(makeKoffiBackend);

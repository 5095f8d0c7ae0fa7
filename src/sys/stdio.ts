/**
 * The standard streams a started command shares with siesta. Node puts a pipe on stdout/stderr in non-blocking
 * mode (O_NONBLOCK is a flag of the open file description, so a child inherits it): a command writing to a
 * full pipe then gets EAGAIN and C's stdio drops its output. Before a command is started, the shared streams
 * are made blocking again, as they are for bpftrace's and strace's children; Node's own writes to a blocking
 * pipe still work (they wait for the reader).
 */
import { sys } from './backend.js';

const NR_fcntl = 72, F_GETFL = 3, F_SETFL = 4, O_NONBLOCK = 0o4000;

/** Clears O_NONBLOCK on fds 0-2 where it is set; returns the fds it changed. Errors (a closed fd) are ignored. */
export function blockingStdio(): number[] {
  // Node opens its stdio streams lazily, and opening one sets O_NONBLOCK: open them first.
  void process.stdout.writable;
  void process.stderr.writable;
  const changed: number[] = [];
  for (const fd of [0, 1, 2]) {
    const flags = sys().syscall(NR_fcntl, [fd, F_GETFL, 0]);
    if (flags < 0 || !(flags & O_NONBLOCK)) continue;
    if (sys().syscall(NR_fcntl, [fd, F_SETFL, flags & ~O_NONBLOCK]) === 0) changed.push(fd);
  }
  return changed;
}

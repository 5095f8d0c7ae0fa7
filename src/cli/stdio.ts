/**
 * The command's writes to stdout, stderr and `-o FILE`, made with write(2) rather than through
 * process.stdout/process.stderr: creating either stream loads Node's stream stack, and for a pipe its net stack
 * too, ~7 ms of every start, for writes that Node makes synchronously on Linux anyway. Not creating them also
 * leaves a shared pipe in the blocking mode it was inherited in (Node sets O_NONBLOCK on the pipes it opens).
 */
import { writeSync } from 'node:fs';

/** Waited on for a millisecond when a non-blocking descriptor is full. */
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `text` to `fd`, waiting while a non-blocking descriptor is full (EAGAIN). When the reader of a
 * pipe has gone (`siesta ... | head`: EPIPE), exits quietly with status 0, as a tool killed by SIGPIPE would
 * stop; the process's exit handlers release every kernel object.
 */
export function writeFd(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 1);
      else if (code === 'EPIPE') process.exit(0);
      else throw e;
    }
  }
}

/** Writes `text` to standard output. */
export function writeStdout(text: string): void {
  writeFd(1, text);
}

/** Writes `text` to standard error. */
export function writeStderr(text: string): void {
  writeFd(2, text);
}

/**
 * A fake system-call layer for unit tests: it answers only the calls a test scripted, in order, and fails the
 * test on any other call, so loader code is tested without a kernel.
 */
import { installBackend, type Mapping, type SysBackend } from '../../src/sys/backend.js';

/** One expected call: its name, a predicate on its arguments, and what it returns. */
export interface Expectation {
  call: keyof SysBackend;
  /** Checks the arguments (throw or return false to fail). */
  check?: (...args: never[]) => boolean | void;
  result: number | Mapping | Promise<number>;
}

/** The scripted backend. `install()` makes it current; `done()` checks every expectation was consumed. */
export class FakeSys {
  readonly #queue: Expectation[] = [];
  readonly #buffers = new Map<bigint, Uint8Array>();
  #next = 0x1000n;
  #restore: (() => void) | undefined;

  /** Adds expectations in the order the code must make the calls. */
  expect(...e: Expectation[]): this {
    this.#queue.push(...e);
    return this;
  }

  /** The buffer whose address the code stored in an attr field (to inspect pointed-to data). */
  deref(address: bigint): Uint8Array {
    const b = this.#buffers.get(address);
    if (!b) throw new Error(`fake: no buffer at ${address}`);
    return b;
  }

  install(): this {
    this.#restore = installBackend(this.backend());
    return this;
  }

  /** Restores the real backend and asserts nothing expected is left. */
  done(): void {
    this.#restore?.();
    if (this.#queue.length) throw new Error(`fake: expected calls not made: ${this.#queue.map((e) => e.call).join(', ')}`);
  }

  #take(call: keyof SysBackend, args: unknown[]): Expectation['result'] {
    const e = this.#queue.shift();
    if (!e || e.call !== call) {
      throw new Error(`fake: unexpected call ${call}(${args.map((a) => (a instanceof Uint8Array ? `<${a.byteLength} bytes>` : String(a))).join(', ')})${e ? `; expected ${e.call}` : ''}`);
    }
    if (e.check && (e.check as (...a: unknown[]) => boolean | void)(...args) === false) throw new Error(`fake: arguments of ${call} rejected`);
    return e.result;
  }

  backend(): SysBackend {
    const num = (call: keyof SysBackend, args: unknown[]): number => this.#take(call, args) as number;
    return {
      bpf: (...a) => num('bpf', a),
      perfEventOpen: (...a) => num('perfEventOpen', a),
      ioctl: (...a) => num('ioctl', a),
      close: (...a) => num('close', a),
      mmap: (...a) => this.#take('mmap', a) as Mapping | number,
      munmap: (...a) => num('munmap', a),
      epollCreate: (...a) => num('epollCreate', a),
      epollCtl: (...a) => num('epollCtl', a),
      epollWait: (...a) => Promise.resolve(this.#take('epollWait', a) as number),
      epollWaitSync: (...a) => num('epollWaitSync', a),
      mount: (...a) => num('mount', a),
      syscall: (...a) => num('syscall', a),
      syscallAsync: (...a) => Promise.resolve(this.#take('syscallAsync', a) as number),
      execve: (...a) => num('execve', a),
      addressOf: (buf) => {
        const addr = this.#next;
        this.#next += 0x1000n;
        this.#buffers.set(addr, buf);
        return addr;
      },
    };
  }
}

/** Reads a little-endian u32 of an attr. */
export function u32(attr: Uint8Array, offset: number): number {
  return new DataView(attr.buffer, attr.byteOffset).getUint32(offset, true);
}

/** Reads a little-endian u64 of an attr. */
export function u64(attr: Uint8Array, offset: number): bigint {
  return new DataView(attr.buffer, attr.byteOffset).getBigUint64(offset, true);
}

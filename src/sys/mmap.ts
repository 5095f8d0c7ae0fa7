/** mmap/munmap of kernel objects (ring buffers), owned like fds. */
import { sys, type Mapping } from './backend.js';
import { SysError } from './errors.js';

/** An owned mapping; `close()` unmaps it. */
export class MappedRegion implements Disposable {
  #mapping: Mapping | null;

  constructor(mapping: Mapping, readonly length: number) {
    this.#mapping = mapping;
  }

  /** The mapped bytes; throws after close. */
  get buffer(): ArrayBuffer {
    if (!this.#mapping) throw new Error('use of an unmapped region');
    return this.#mapping.buffer;
  }

  /** Unmaps the region; later calls do nothing. */
  close(): void {
    if (!this.#mapping) return;
    const { address } = this.#mapping;
    this.#mapping = null;
    const r = sys().munmap(address, this.length);
    if (r < 0) throw new SysError('munmap', -r);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** mmap(2) of `length` bytes of `fd` at `offset`. */
export function mmapFd(fd: number, length: number, prot: number, flags: number, offset: number, what: string): MappedRegion {
  const m = sys().mmap(length, prot, flags, fd, offset);
  if (typeof m === 'number') throw new SysError(`mmap(${what})`, -m);
  return new MappedRegion(m, length);
}

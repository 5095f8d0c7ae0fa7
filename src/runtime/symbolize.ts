/**
 * Symbolisation of kstack/ustack values when they are printed (codegen/stacks.ts stores them): frames are
 * read from the stack map, then named with the host's kallsyms or the process's mapped ELF files.
 */
import { AddressSymbolizer } from '../kernel/symbolize.js';
import type { StackFrame, StackValue } from '../output/index.js';
import { DEFAULT_STACK_LIMIT } from '../types/types.js';
import type { StackType } from './decode.js';

/** Reads stack frames from the kernel: the stack map of `limit` frames, the value under `id`, or null. */
export type StackLookup = (limit: number, id: number) => Uint8Array | null;

/** Decodes stack values for one session. */
export class Symbolizer {
  readonly addresses = new AddressSymbolizer();

  constructor(readonly lookup: StackLookup) {}

  /** The name of the function containing a ksym (kernel) or usym (user, in process `pid`) address, as bpftrace prints them: no offset. */
  symbol(address: bigint, user: boolean, pid: number): string | undefined {
    return (user ? this.addresses.userFrame(pid, address) : this.addresses.kernelFrame(address)).symbol;
  }

  /** The frames of a stored kstack/ustack value (see codegen/stacks.ts for its 8 bytes). */
  stack(raw: bigint, t: StackType): StackValue {
    const mode = t.mode ?? 'bpftrace';
    const id = Number(BigInt.asIntN(32, raw));
    const pid = Number(raw >> 32n);
    const frames: StackFrame[] = [];
    const limit = t.limit ?? DEFAULT_STACK_LIMIT;
    const bytes = id >= 0 ? this.lookup(limit, id) : null;
    if (bytes) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i + 8 <= bytes.byteLength && i / 8 < limit; i += 8) {
        const address = view.getBigUint64(i, true);
        if (address === 0n) break;
        frames.push(mode === 'raw' ? { address } : t.user ? this.addresses.userFrame(pid, address) : this.addresses.kernelFrame(address));
      }
    }
    return { kind: 'stack', user: t.user, mode, frames };
  }
}

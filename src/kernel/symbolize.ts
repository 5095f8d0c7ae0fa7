/**
 * Symbols of addresses on this host: kernel addresses from /proc/kallsyms, user addresses from the ELF
 * symbols of the file mapped at that address in a process (/proc/PID/maps, read once per process). A process
 * that has exited leaves its addresses unresolved, as in bpftrace. Nothing here throws on missing or odd input.
 */
import { readFileSync } from 'node:fs';
import { type ElfFile, openElf, vaddrOfFileOffset } from '../elf/index.js';
import { kallsyms, type KernelSymbol, symbolize as kernelSymbol } from './kallsyms.js';

/** One executable mapping of a process. */
interface Mapping {
  start: bigint;
  end: bigint;
  offset: bigint;
  path: string;
}

/** Parses /proc/PID/maps text, keeping file-backed executable mappings. */
export function parseProcMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+([0-9a-f]+)\s+\S+\s+\d+\s+(\/.*)$/.exec(line);
    if (!m || !m[3]!.includes('x')) continue;
    out.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), offset: BigInt(`0x${m[4]}`), path: m[5]!.replace(/ \(deleted\)$/, '') });
  }
  return out;
}

/** An address with, when known, its symbol, the offset into it and (user addresses) the mapped file. */
export interface SymbolizedAddress {
  address: bigint;
  symbol?: string;
  offset?: bigint;
  module?: string;
}

/** Turns addresses into symbols (caches kallsyms, ELF files and process mappings; one per session). */
export class AddressSymbolizer {
  #kernel: KernelSymbol[] | null | undefined;
  readonly #elfs = new Map<string, ElfFile | null>();
  readonly #procs = new Map<number, Mapping[]>();

  /**
   * Reads a process's mappings again (while it runs), so its stacks can be symbolised after it exits; a
   * process that is gone keeps the mappings read last.
   */
  refresh(pid: number): void {
    const last = this.#procs.get(pid);
    this.#procs.delete(pid);
    if (!this.#mappings(pid).length && last) this.#procs.set(pid, last);
  }

  #mappings(pid: number): Mapping[] {
    let m = this.#procs.get(pid);
    if (!m) {
      try {
        m = parseProcMaps(readFileSync(`/proc/${pid}/maps`, 'utf8'));
      } catch {
        m = [];
      }
      // An exited process reads as no mappings; try again later only if it has none yet (it may be starting).
      if (m.length) this.#procs.set(pid, m);
    }
    return m;
  }

  #elf(path: string): ElfFile | null {
    let e = this.#elfs.get(path);
    if (e === undefined) {
      try {
        e = openElf(path);
      } catch {
        e = null;
      }
      this.#elfs.set(path, e);
    }
    return e;
  }

  /** The kernel symbol containing `address`, or null. */
  kernelFrame(address: bigint): SymbolizedAddress {
    if (this.#kernel === undefined) {
      try {
        this.#kernel = kallsyms().filter((s) => s.address !== 0n);
      } catch {
        this.#kernel = null;
      }
    }
    const s = this.#kernel?.length ? kernelSymbol(this.#kernel, address) : null;
    return s ? { address, symbol: s.name, offset: s.offset } : { address };
  }

  /** The ELF symbol containing `address` in process `pid`, with the mapped file as its module. */
  userFrame(pid: number, address: bigint): SymbolizedAddress {
    const m = this.#mappings(pid).find((x) => address >= x.start && address < x.end);
    if (!m) return { address };
    const elf = this.#elf(m.path);
    if (!elf) return { address, module: m.path };
    const vaddr = vaddrOfFileOffset(elf.segments, address - m.start + m.offset);
    const s = vaddr === undefined ? undefined : elf.symbolize(vaddr);
    return s ? { address, symbol: s.symbol.name, offset: s.offset, module: m.path } : { address, module: m.path };
  }
}

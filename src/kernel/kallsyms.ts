/** /proc/kallsyms: kernel symbol addresses (symbolising kernel stacks, checking that a function exists). */
import { readFileSync } from 'node:fs';

/** One kernel symbol. */
export interface KernelSymbol {
  address: bigint;
  type: string;
  name: string;
  module?: string;
}

/** Parses kallsyms text (`ffffffff81000000 T _stext [module]`) into symbols sorted by address. */
export function parseKallsyms(text: string): KernelSymbol[] {
  const out: KernelSymbol[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [addr, type, name, mod] = line.split(/\s+/);
    if (!addr || !type || !name) continue;
    const sym: KernelSymbol = { address: BigInt(`0x${addr}`), type, name };
    if (mod) sym.module = mod.replace(/^\[|\]$/g, '');
    out.push(sym);
  }
  return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

let cached: KernelSymbol[] | undefined;

/** The running kernel's symbols (read once). Addresses are zero unless the reader has CAP_SYSLOG. */
export function kallsyms(): KernelSymbol[] {
  return (cached ??= parseKallsyms(readFileSync('/proc/kallsyms', 'utf8')));
}

/** The symbol containing `address` (greatest start <= address), for kernel stack symbolisation. */
export function symbolize(syms: readonly KernelSymbol[], address: bigint): { name: string; offset: bigint } | null {
  let lo = 0, hi = syms.length - 1, best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (syms[mid]!.address <= address) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best < 0) return null;
  const s = syms[best]!;
  return { name: s.name, offset: address - s.address };
}

/** The running kernel's BTF: read once, lazily, and shared by the compiler, the loader and the feature probes. */
import { closeSync, existsSync, fstatSync, openSync } from 'node:fs';
import { Btf, type KnownIndex, loadVmlinuxBtf, VMLINUX_BTF_PATH } from '../btf/index.js';
import { bootCacheEnabled, readBootFact, writeBootFact } from './boot-cache.js';
import { mmapFd, uapi } from '../sys/index.js';

let vmlinux: Btf | null | undefined;

/**
 * Maps /sys/kernel/btf/vmlinux read-only (6.16+; the file refuses shared or writable mappings). sysfs hands
 * out at most a page per read(2), so reading the 5.5 MB blob takes ~1,400 system calls (~5 ms here); the
 * mapping takes one. The mapping is never unmapped: the process-wide Btf views it for the life of the process.
 */
function mapVmlinux(): Btf {
  const fd = openSync(VMLINUX_BTF_PATH, 'r');
  try {
    const size = fstatSync(fd).size;
    const region = mmapFd(fd, size, uapi.PROT_READ, uapi.MAP_PRIVATE, 0, VMLINUX_BTF_PATH);
    return withKeptIndex(size, (known) => Btf.parse(new Uint8Array(region.buffer), undefined, known));
  } finally {
    closeSync(fd);
  }
}

/**
 * Parses vmlinux BTF with what earlier runs in this boot kept of its index (boot-cache.ts): the type records'
 * offsets (~4 ms to find) and the names scanned for (~5 ms for the first scan). At exit, keeps what this run
 * added. The facts are named by the blob's size, as a second check that they describe this blob.
 */
function withKeptIndex(size: number, parse: (known: KnownIndex) => Btf): Btf {
  if (!bootCacheEnabled()) return parse({});
  const offsetsFact = `vmlinux-${size}.offsets`, namesFact = `vmlinux-${size}.names.json`;
  const known: KnownIndex = {};
  const raw = readBootFact(offsetsFact);
  if (raw && raw.length % 4 === 0) known.typeOffsets = new Int32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  let keptNames = 0;
  try {
    const text = readBootFact(namesFact)?.toString('utf8');
    if (text) {
      const names = new Map(Object.entries(JSON.parse(text) as Record<string, number[]>));
      known.names = names;
      keptNames = names.size;
    }
  } catch {
    // Damaged: scanned again, and replaced at exit.
  }
  const btf = parse(known);
  process.once('exit', () => {
    const now = btf.knownIndex;
    if (now.typeOffsets !== known.typeOffsets) writeBootFact(offsetsFact, new Uint8Array(now.typeOffsets.buffer, now.typeOffsets.byteOffset, now.typeOffsets.byteLength));
    if (now.names.size > keptNames) writeBootFact(namesFact, JSON.stringify(Object.fromEntries(now.names)));
  });
  return btf;
}

/** Names hinted before vmlinux BTF was read (see hintKernelNames). */
const earlyHints: string[] = [];

/**
 * Names the process will probably look up in vmlinux BTF: they are resolved with whichever lookup first scans
 * the types, instead of by a scan of their own (~1.5 ms each on 6.18's 127k types).
 */
export function hintKernelNames(names: readonly string[]): void {
  if (vmlinux) vmlinux.hintNames(names);
  else if (vmlinux === undefined) earlyHints.push(...names);
}

/** vmlinux BTF, or null when this kernel has none (CONFIG_DEBUG_INFO_BTF unset). */
export function kernelBtf(): Btf | null {
  if (vmlinux !== undefined) return vmlinux;
  if (!existsSync(VMLINUX_BTF_PATH)) return (vmlinux = null);
  try {
    vmlinux = mapVmlinux();
  } catch {
    // Kernels before 6.16 cannot map the file (ENODEV); reading it gives the same bytes.
    vmlinux = loadVmlinuxBtf();
  }
  vmlinux.hintNames(earlyHints.splice(0));
  return vmlinux;
}

/** vmlinux BTF id lookups for the loader (kfunc calls, tp_btf/fentry attach targets). */
export const kernelTypes = {
  typeId(name: string, kind: 'func' | 'typedef' | 'struct' | 'var'): number | undefined {
    const btf = kernelBtf();
    if (!btf) return undefined;
    // Btf keeps what its scans found, and hinted names ride along with the first scan (hintKernelNames).
    return btf.findByName(name, kind);
  },
};

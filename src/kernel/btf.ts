/** The running kernel's BTF: read once, lazily, and shared by the compiler, the loader and the feature probes. */
import { existsSync } from 'node:fs';
import { type Btf, loadVmlinuxBtf, VMLINUX_BTF_PATH } from '../btf/index.js';

let vmlinux: Btf | null | undefined;

/** vmlinux BTF, or null when this kernel has none (CONFIG_DEBUG_INFO_BTF unset). */
export function kernelBtf(): Btf | null {
  if (vmlinux !== undefined) return vmlinux;
  vmlinux = existsSync(VMLINUX_BTF_PATH) ? loadVmlinuxBtf() : null;
  return vmlinux;
}

/** vmlinux BTF id lookups for the loader (kfunc calls, tp_btf/fentry attach targets). */
export const kernelTypes = {
  typeId(name: string, kind: 'func' | 'typedef' | 'struct' | 'var'): number | undefined {
    return kernelBtf()?.findByName(name, kind);
  },
};

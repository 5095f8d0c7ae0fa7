/** Reading BTF from files: the only place in src/btf/ that touches the file system. */

import { readFileSync } from 'node:fs';
import { Btf } from './btf.js';
import { BtfError } from './errors.js';

/** Where the running kernel exposes its own BTF (CONFIG_DEBUG_INFO_BTF, 5.2+; sysfs file since 5.5). */
export const VMLINUX_BTF_PATH = '/sys/kernel/btf/vmlinux';

/** Reads a file for BTF parsing, mapping file-system failures to a one-sentence `BtfError`. */
function readBtfFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new BtfError(
        'missing',
        `No BTF at ${path}: the kernel was built without CONFIG_DEBUG_INFO_BTF, which siesta needs.`,
        { cause: err },
      );
    }
    throw new BtfError('unreadable', `Cannot read BTF from ${path} (${code ?? String(err)}).`, { cause: err });
  }
}

/** Reads and parses the kernel's BTF (default /sys/kernel/btf/vmlinux); throws `BtfError('missing')` if absent. */
export function loadVmlinuxBtf(path: string = VMLINUX_BTF_PATH): Btf {
  return Btf.parse(readBtfFile(path));
}

/** Reads and parses a kernel module's split BTF (e.g. /sys/kernel/btf/nf_tables) on top of `base`. */
export function loadModuleBtf(path: string, base: Btf): Btf {
  return Btf.parse(readBtfFile(path), base);
}

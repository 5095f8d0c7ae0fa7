/** mount(2), for tracefs and bpffs when they are not mounted. */
import { sys } from './backend.js';
import { SysError } from './errors.js';

/** Mounts `fstype` at `target`; throws SysError naming the filesystem. */
export function mountFs(fstype: string, target: string, flags: number): void {
  const r = sys().mount('nodev', target, fstype, flags, null);
  if (r < 0) throw new SysError(`mount(${fstype} at ${target})`, -r);
}

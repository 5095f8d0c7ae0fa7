/**
 * Facts about the running kernel kept for the rest of the boot, so that each run of the CLI need not find them
 * again: what the feature probes answered, and where vmlinux BTF's type records and common names are. None of
 * them changes while the kernel runs; finding them costs ~15 ms of a syscall one-liner's start here.
 *
 * They live in /run/siesta/<boot_id>/ (a tmpfs that a reboot empties; the boot's id in the path covers a /run
 * that survives), in files that root alone can write. A file that anyone else could have written is ignored:
 * its contents decide what siesta loads into the kernel. Off by default: the library API probes in every
 * process; the CLI turns it on (`keepKernelFactsForBoot`).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the facts of all boots are kept. */
export const BOOT_CACHE_ROOT = '/run/siesta';

interface State {
  root: string;
  dir: string;
  /** Ask afresh: read nothing, but write what is found. */
  fresh: boolean;
}

let state: State | undefined;

/** Turns the cache on for this process (`fresh`: ignore what is kept, replace it with this run's findings). */
export function keepKernelFactsForBoot(o: { root?: string; fresh?: boolean } = {}): void {
  let boot: string;
  try {
    boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return;
  }
  if (!/^[0-9a-f-]{36}$/.test(boot)) return;
  const root = o.root ?? BOOT_CACHE_ROOT;
  state = { root, dir: join(root, boot), fresh: o.fresh ?? false };
}

/** Turns the cache off again (tests). */
export function forgetBootCache(): void {
  state = undefined;
}

/** Whether the cache is on in this process. */
export function bootCacheEnabled(): boolean {
  return state !== undefined;
}

/** Only what this user owns and nobody else may write is trusted. */
function trusted(path: string): boolean {
  const st = statSync(path);
  return st.uid === process.geteuid?.() && (st.mode & 0o022) === 0;
}

/** The kept fact `name`, or undefined (cache off or fresh, nothing kept, or a file not to be trusted). */
export function readBootFact(name: string): Buffer | undefined {
  if (!state || state.fresh) return undefined;
  const file = join(state.dir, name);
  try {
    if (!trusted(state.root) || !trusted(state.dir) || !trusted(file)) return undefined;
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Keeps `data` as fact `name` (atomically: readers see the old file or the new one). Failures are ignored. */
export function writeBootFact(name: string, data: string | Uint8Array): void {
  if (!state) return;
  try {
    if (!existsSync(state.dir)) {
      mkdirSync(state.dir, { recursive: true, mode: 0o700 });
      // Facts of earlier boots (a /run that is not a tmpfs) are of no use any more.
      for (const d of readdirSync(state.root)) if (join(state.root, d) !== state.dir) rmSync(join(state.root, d), { recursive: true, force: true });
    }
    const file = join(state.dir, name);
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // A read-only /run, or not root: the next run finds these facts again.
  }
}

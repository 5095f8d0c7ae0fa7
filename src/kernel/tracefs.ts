/**
 * tracefs: where tracepoint ids and `format` files live. It is not mounted at boot on every machine, so
 * siesta mounts it itself when it is missing (root only).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mountFs, SysError, uapi } from '../sys/index.js';

const CANDIDATES = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/** tracefs could not be found nor mounted. */
export class TracefsError extends Error {
  override readonly name = 'TracefsError';
}

let root: string | undefined;

/** The tracefs mount point, mounting tracefs at /sys/kernel/tracing if no mount is found. */
export function tracefsRoot(): string {
  if (root) return root;
  for (const dir of CANDIDATES) {
    if (existsSync(join(dir, 'events'))) return (root = dir);
  }
  try {
    mountFs('tracefs', CANDIDATES[0]!, uapi.MS_NOSUID | uapi.MS_NODEV | uapi.MS_NOEXEC);
  } catch (e) {
    const why = e instanceof SysError ? `${e.code}` : String(e);
    throw new TracefsError(
      `tracefs is not mounted and siesta could not mount it at /sys/kernel/tracing (${why}); run as root or mount it: mount -t tracefs nodev /sys/kernel/tracing`,
    );
  }
  return (root = CANDIDATES[0]!);
}

/** Text of a tracepoint's `format` file, or null when the event does not exist. */
export function readEventFormat(category: string, event: string): string | null {
  const path = join(tracefsRoot(), 'events', category, event, 'format');
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The perf event id of a tracepoint (its `id` file), or null when the event does not exist. */
export function readEventId(category: string, event: string): number | null {
  try {
    return Number(readFileSync(join(tracefsRoot(), 'events', category, event, 'id'), 'utf8').trim());
  } catch {
    return null;
  }
}

/** Every tracepoint as `category:event`, read from tracefs/events. */
export function listTracepoints(): string[] {
  const events = join(tracefsRoot(), 'events');
  const out: string[] = [];
  for (const cat of readdirSync(events, { withFileTypes: true })) {
    if (!cat.isDirectory()) continue;
    for (const ev of readdirSync(join(events, cat.name), { withFileTypes: true })) {
      if (ev.isDirectory()) out.push(`${cat.name}:${ev.name}`);
    }
  }
  return out.sort();
}

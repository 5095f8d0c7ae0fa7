/**
 * The start-up notice of reliable reads: when a script reads user memory in a probe whose reads nothing can
 * recover on this kernel (a plain read at the event is all there is), siesta says so once, before any event,
 * naming the probes and the mechanisms this kernel lacks. Lost reads are still labelled one by one
 * (`<lost:EFAULT>`); the notice explains up front why they may appear.
 *
 * Pure: the compiled script's program table and a view of which mechanisms are available in, text out.
 */
import type { ProgramInfo } from '../codegen/resources.js';
import type { Support } from '../kernel/features.js';
import type { ResolvedProbe } from '../passes/probes.js';
import { MECHANISMS, type MechanismId } from './mechanisms.js';

/** Whether each mechanism is available: the feature probes of mechanisms.ts, or a test's answers. */
export type MechanismAvailability = (id: MechanismId) => Support;

/** The host's answers (each a cached feature probe). */
export const hostAvailability: MechanismAvailability = (id) => MECHANISMS.find((m) => m.id === id)!.available();

/** The mechanisms the compiler would use to recover reads in `p`, strongest first (none for atomic probes). */
function mechanismsFor(p: ResolvedProbe): MechanismId[] {
  if (p.kind === 'uprobe' || p.kind === 'uretprobe') return ['uprobe-sleepable'];
  const tp = p.tracepoint;
  if (p.kind === 'tracepoint' && tp?.category === 'syscalls') {
    return tp.event.startsWith('sys_enter_') ? ['sleepable-tp', 'exit-reread'] : ['sleepable-tp'];
  }
  if ((p.kind === 'tracepoint' && tp?.category === 'raw_syscalls' && tp.event === 'sys_enter') || (p.kind === 'rawtracepoint' && p.rawtracepoint?.name === 'sys_enter')) {
    return ['exit-reread'];
  }
  return [];
}

/** Why reads in `p` cannot be recovered here, in words. */
function explain(p: ResolvedProbe, available: MechanismAvailability): string {
  if (p.context === 'atomic' && p.kind !== 'uprobe' && p.kind !== 'uretprobe') return 'atomic context, where nothing can fault a page in';
  const missing = mechanismsFor(p).flatMap((id) => {
    const s = available(id);
    return s.ok ? [] : [`${MECHANISMS.find((m) => m.id === id)!.short}: ${s.reason}`];
  });
  return missing.length ? `this kernel lacks ${missing.join('; ')}` : 'no mechanism applies to this probe';
}

/**
 * The notice for `programs` (a compiled script's `resources.programs`), or null when every probe that reads
 * user memory has a way to recover a read of a page that is not resident.
 */
export function unrecoverableReadsNotice(programs: readonly ProgramInfo[], available: MechanismAvailability = hostAvailability): string | null {
  const groups = new Map<string, string[]>();
  for (const p of programs) {
    if (p.internal || p.reads !== 'entry') continue;
    const why = explain(p.probe, available);
    const names = groups.get(why) ?? [];
    if (!names.includes(p.probe.name)) names.push(p.probe.name);
    groups.set(why, names);
  }
  if (groups.size === 0) return null;
  const parts = [...groups].map(([why, names]) => `${names.join(', ')}: ${why}`);
  return `siesta: a read of user memory whose page is not resident is lost (printed <lost:...>) in ${parts.join('; in ')}`;
}

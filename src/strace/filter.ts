/**
 * `-e trace=SET` and `-e status=SET` as strace parses them: names, %classes, /regex/, `!` negation, `all`/`none`.
 */
import { SIGNAL_NUMBERS } from './signals.js';
import { SYSCALL_SPECS, syscallClasses } from './syscalls.js';

/** A user error in an -e expression; the message names close matches. */
export class TraceFilterError extends Error {
  override readonly name = 'TraceFilterError';
}

const CLASSES = new Set(['file', 'desc', 'process', 'memory', 'network', 'signal', 'ipc', 'stat']);

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

function closeMatches(word: string, names: Iterable<string>): string[] {
  return [...names].map((n) => [n, distance(word, n)] as const).filter(([, d]) => d <= 2).sort((x, y) => x[1] - y[1]).slice(0, 3).map(([n]) => n);
}

/** The set of syscall numbers selected by a `trace=` value. */
export function parseTraceSet(value: string): Set<number> {
  let negate = false;
  let v = value;
  if (v.startsWith('!')) {
    negate = true;
    v = v.slice(1);
  }
  const selected = new Set<number>();
  const all = [...SYSCALL_SPECS.values()];
  for (const raw of v.split(',').filter((w) => w.length > 0)) {
    const word = raw.trim();
    if (word === 'all') all.forEach((s) => selected.add(s.nr));
    else if (word === 'none') continue;
    else if (word.startsWith('/')) {
      let re: RegExp;
      try {
        re = new RegExp(word.slice(1));
      } catch (e) {
        throw new TraceFilterError(`invalid regular expression '${word.slice(1)}': ${(e as Error).message}`);
      }
      const hits = all.filter((s) => re.test(s.name));
      if (!hits.length) throw new TraceFilterError(`no syscall matches /${word.slice(1)}/`);
      hits.forEach((s) => selected.add(s.nr));
    } else if (word.startsWith('%') || CLASSES.has(word)) {
      const cls = word.replace(/^%/, '');
      if (!CLASSES.has(cls)) {
        const near = closeMatches(cls, CLASSES);
        throw new TraceFilterError(`invalid system call class '%${cls}'${near.length ? `; did you mean ${near.map((n) => `%${n}`).join(', ')}?` : ''}`);
      }
      all.filter((s) => syscallClasses(s).has(cls)).forEach((s) => selected.add(s.nr));
    } else {
      const spec = all.find((s) => s.name === word);
      if (!spec) {
        const near = closeMatches(word, all.map((s) => s.name));
        throw new TraceFilterError(`invalid system call '${word}'${near.length ? `; did you mean ${near.join(', ')}?` : ''}`);
      }
      selected.add(spec.nr);
    }
  }
  if (!negate) return selected;
  return new Set(all.filter((s) => !selected.has(s.nr)).map((s) => s.nr));
}

/** `-e status=`: which results to print. */
export interface StatusFilter {
  successful: boolean;
  failed: boolean;
  unfinished: boolean;
}

/** Parses `successful,failed,unfinished,...` (strace also has unavailable, detached: accepted and ignored). */
export function parseStatusSet(value: string): StatusFilter {
  let negate = false;
  let v = value;
  if (v.startsWith('!')) {
    negate = true;
    v = v.slice(1);
  }
  const f: StatusFilter = { successful: false, failed: false, unfinished: false };
  const known = ['successful', 'failed', 'unfinished', 'unavailable', 'detached', 'all', 'none'];
  for (const w of v.split(',').filter((x) => x)) {
    if (!known.includes(w)) {
      const near = closeMatches(w, known);
      throw new TraceFilterError(`invalid status '${w}'${near.length ? `; did you mean ${near.join(', ')}?` : ''}`);
    }
    if (w === 'all') f.successful = f.failed = f.unfinished = true;
    else if (w === 'successful' || w === 'failed' || w === 'unfinished') f[w] = true;
  }
  return negate ? { successful: !f.successful, failed: !f.failed, unfinished: !f.unfinished } : f;
}

/**
 * `-e signal=SET`: the signals whose `--- SIG... ---` and `+++ killed by SIG... +++` lines print (strace
 * 6.1 leaves both out for a signal outside the set). Names with or without `SIG` in any case, numbers 1..64,
 * `all`, `none`, `!` negation.
 */
export function parseSignalSet(value: string): Set<number> {
  let negate = false;
  let v = value;
  if (v.startsWith('!')) {
    negate = true;
    v = v.slice(1);
  }
  const out = new Set<number>();
  const names = [...SIGNAL_NUMBERS.keys()];
  for (const w of v.split(',').filter((x) => x)) {
    const upper = w.toUpperCase();
    const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    const n = /^\d+$/.test(w) ? Number(w) : SIGNAL_NUMBERS.get(name) ?? (/^SIGRTMIN$/.test(name) ? 32 : /^SIGRT_(\d+)$/.test(name) ? 32 + Number(name.slice(6)) : undefined);
    if (w === 'all') for (let s = 1; s <= 64; s++) out.add(s);
    else if (w === 'none') continue;
    else if (n === undefined || n < 1 || n > 64) {
      const near = closeMatches(name, names);
      throw new TraceFilterError(`invalid signal '${w}'${near.length ? `; did you mean ${near.join(', ')}?` : ''}`);
    } else out.add(n);
  }
  if (!negate) return out;
  const rest = new Set<number>();
  for (let s = 1; s <= 64; s++) if (!out.has(s)) rest.add(s);
  return rest;
}

/** strace's `-e quiet=` names (siesta prints none of these messages but the exit line: the rest are accepted). */
const QUIET = ['attach', 'exit', 'path-resolution', 'personality', 'thread-execve', 'superseded', 'all', 'none'];

/** `-e quiet=SET` (and -q/-qq): whether `+++ exited with N +++` is left out. */
export function parseQuietSet(value: string): { exit: boolean } {
  let negate = false;
  let v = value;
  if (v.startsWith('!')) {
    negate = true;
    v = v.slice(1);
  }
  let exit = false;
  for (const w of v.split(',').filter((x) => x)) {
    if (!QUIET.includes(w)) {
      const near = closeMatches(w, QUIET);
      throw new TraceFilterError(`invalid quiet '${w}'${near.length ? `; did you mean ${near.join(', ')}?` : ''}`);
    }
    if (w === 'exit' || w === 'all') exit = true;
  }
  return { exit: negate ? !exit : exit };
}

/**
 * Warnings for failed helper calls other than user-memory reads (those have their provenance), as
 * bpftrace's helper_error events: after the call, a negative R0 sends a record naming the call site, and the
 * runtime prints a warning with the script location. As in bpftrace, map updates and deletes are checked
 * always (a full map must not go unnoticed); other helpers, and lookups of absent keys, only under -k.
 *
 *   0       4       8          16
 *   | kind  | id    | s64 rc   |     id indexes Resources.helperErrors (helper name and script location)
 */
import { jmpImm, ldx, mov64Imm, R0, R10, stx } from '../asm/index.js';
import type { SourceLocation } from '../lang/index.js';
import { type ProgramBuilder, SCRATCH } from './builder.js';
import { eventHeader, outputRecord } from './emit.js';
import type { ProbeCodegen } from './probe.js';
import { EVENT } from './resources.js';

/** Helpers whose failures bpftrace reports without -k (its default warning level). */
const CHECKED_BY_DEFAULT = new Set(['map_update_elem', 'map_delete_elem']);

/** Registers the call site of `helper` (the expression at `at`, else the current statement). */
function site(g: ProbeCodegen, helper: string, at?: SourceLocation): number {
  const loc = at ?? g.b.locs.at(-1)?.loc;
  return g.res.addHelperError({
    helper,
    ...(loc ? { loc: { file: loc.file, line: loc.line, column: loc.column, ...(loc.endColumn !== undefined && (loc.endLine ?? loc.line) === loc.line ? { endColumn: loc.endColumn } : {}) } } : {}),
  });
}

/**
 * One record buffer and one stack slot per program for every check: they are used within a few instructions,
 * so the checks (one per map update in a script) share them rather than each taking scratch and stack space.
 */
const shared = new WeakMap<ProgramBuilder, { rec: number; rc: number }>();

/** Sends a helper_error record for site `id` with the result in R0, and leaves R0 as it was. */
function sendHelperError(g: ProbeCodegen, id: number): void {
  const b = g.b;
  let s = shared.get(b);
  if (s === undefined) shared.set(b, (s = { rec: b.allocScratch(16), rc: b.allocStack(8) }));
  // R0 goes through the stack, not the record: the verifier keeps a spilled scalar's known range, which
  // loops over the code after the check need to converge.
  b.emit(stx(8, R10, s.rc, R0), stx(8, SCRATCH, s.rec + 8, R0));
  eventHeader(b, s.rec, EVENT.helper_error, id);
  outputRecord(b, s.rec, 16);
  b.emit(ldx(8, R0, R10, s.rc));
}

/** After a call to `helper`, reports a negative result in R0 (always for map updates and deletes, else under -k); R0 is preserved. */
export function checkHelperResult(g: ProbeCodegen, helper: string, at?: SourceLocation): void {
  if (!g.options.helperErrors && !CHECKED_BY_DEFAULT.has(helper)) return;
  const b = g.b;
  const id = site(g, helper, at);
  const ok = b.newLabel('helper_ok');
  b.emit(jmpImm('jsge', R0, 0, ok));
  sendHelperError(g, id);
  b.mark(ok);
}

/**
 * -k: on the path where a map lookup found no element, reports it as bpftrace does (map_lookup_elem with
 * return code 0, since the helper returns NULL rather than an error). R0 is 0 afterwards.
 */
export function reportLookupMiss(g: ProbeCodegen, at: SourceLocation): void {
  if (!g.options.helperErrors) return;
  const id = site(g, 'map_lookup_elem', at);
  g.b.emit(mov64Imm(R0, 0));
  sendHelperError(g, id);
  g.b.emit(mov64Imm(R0, 0));
}

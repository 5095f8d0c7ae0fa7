/**
 * -k: warnings for failed helper calls other than user-memory reads (those have their provenance), as
 * bpftrace's helper_error events: after the call, a negative R0 sends a record naming the call site, and the
 * runtime prints a warning with the script location. Without -k nothing is emitted, so the cost is zero.
 *
 *   0       4       8          16
 *   | kind  | id    | s64 rc   |     id indexes Resources.helperErrors (helper name and script location)
 */
import { jmpImm, R0, stx } from '../asm/index.js';
import { SCRATCH } from './builder.js';
import { eventHeader, outputRecord, reload, spill } from './emit.js';
import type { ProbeCodegen } from './probe.js';
import { EVENT } from './resources.js';

/** After a call to `helper`, reports a negative result in R0 when -k asked for it; R0 is preserved. */
export function checkHelperResult(g: ProbeCodegen, helper: string): void {
  if (!g.options.helperErrors) return;
  const b = g.b;
  const loc = b.locs.at(-1)?.loc;
  const id = g.res.addHelperError({ helper, ...(loc ? { loc: { file: loc.file, line: loc.line, column: loc.column } } : {}) });
  const ok = b.newLabel('helper_ok');
  b.emit(jmpImm('jsge', R0, 0, ok));
  const rc = spill(b);
  const rec = b.allocScratch(16);
  b.emit(stx(8, SCRATCH, rec + 8, R0));
  eventHeader(b, rec, EVENT.helper_error, id);
  outputRecord(b, rec, 16);
  reload(b, rc, R0);
  b.mark(ok);
}

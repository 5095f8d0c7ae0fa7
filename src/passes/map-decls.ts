/**
 * Map declarations (`let @a = lruhash(100);` before the probes), checked as bpftrace 0.26 checks them: the
 * type must be one it knows and fit the values stored (per-CPU kinds for aggregations, plain ones for other
 * values), the size must be positive, and a declared map no probe uses is a warning. The result tells the
 * code generator which kernel map kind and size each declared map gets.
 */
import type { Diagnostics, Program } from '../lang/index.js';
import type { MapSig } from './typecheck.js';

/** The map types a declaration may name. */
export type DeclaredMapType = 'hash' | 'lruhash' | 'percpuhash' | 'percpulruhash';

/** What a declaration asks of one map. */
export interface DeclaredMap {
  type: DeclaredMapType;
  maxEntries: number;
}

/** Whether each declaration type keeps one value per CPU (as aggregations need). */
const PER_CPU: Record<DeclaredMapType, boolean> = { hash: false, lruhash: false, percpuhash: true, percpulruhash: true };

/** The declaration type a map's values need by default: bpftrace keeps aggregations per CPU. */
function naturalType(sig: MapSig): string {
  return sig.agg ? 'percpuhash' : 'hash';
}

/** Checks `program`'s map declarations against the maps its probes use; returns the declared maps by name. */
export function checkMapDecls(program: Program, maps: ReadonlyMap<string, MapSig>, diags: Diagnostics): Map<string, DeclaredMap> {
  const out = new Map<string, DeclaredMap>();
  const seen = new Set<string>();
  for (const d of program.mapDecls) {
    if (seen.has(d.name)) {
      diags.error(d.loc, `Map ${d.name} is already declared`);
      continue;
    }
    seen.add(d.name);
    if (!Object.hasOwn(PER_CPU, d.mapType)) {
      diags.error(d.loc, `Invalid bpf map type: ${d.mapType}`, [`Valid map types: ${Object.keys(PER_CPU).join(', ')}`]);
      continue;
    }
    if (d.maxEntries < 1n || d.maxEntries > 0xffffffffn) {
      diags.error(d.loc, `Max entries of ${d.name} must be between 1 and 4294967295`);
      continue;
    }
    const sig = maps.get(d.name);
    if (!sig) {
      diags.warning(d.loc, `Unused map: ${d.name}`);
      continue;
    }
    const type = d.mapType as DeclaredMapType;
    // Aggregations live in per-CPU maps and other values in shared ones; a declaration cannot change that.
    if (PER_CPU[type] === (sig.agg !== undefined)) out.set(d.name, { type, maxEntries: Number(d.maxEntries) });
    else diags.error(d.loc, `Incompatible map types. Type from declaration: ${d.mapType}. Type from value/key type: ${naturalType(sig)}`);
  }
  return out;
}

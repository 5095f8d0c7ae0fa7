/**
 * Collects the resources the generated programs refer to while code is generated: the script maps (with
 * their kernel layouts), output formats and print values. The result is the `Resources` record.
 */
import type { MapKind } from '../loader/index.js';
import type { DeclaredMap, DeclaredMapType } from '../passes/map-decls.js';
import type { MapSig, TypedProgram } from '../passes/typecheck.js';
import { sizeOf, type Type } from '../types/types.js';
import { CodegenError } from './builder.js';
import {
  bpfMapName, type DeferredRecord, type FormatEvent, type HelperErrorSite, type JoinEvent, type PrintValueEvent, type ScriptMap, type StackMapInfo,
} from './resources.js';

/** Value layout sizes of aggregations (per CPU). */
function aggValueSize(sig: MapSig): number {
  switch (sig.agg) {
    case 'min': case 'max': case 'avg': case 'stats': return 16;
    case 'count': case 'sum': case 'hist': case 'lhist': return 8;
    default: return Math.max(1, sizeOf(sig.value));
  }
}

/** The kernel map of each declaration type (`let @a = lruhash(100);`). */
const DECLARED_KINDS: Record<DeclaredMapType, MapKind> = { hash: 'hash', lruhash: 'lru_hash', percpuhash: 'percpu_hash', percpulruhash: 'lru_percpu_hash' };

/** Accumulates resources; one per compilation. */
export class ResourceCollector {
  readonly maps = new Map<string, ScriptMap>();
  readonly formats: FormatEvent[] = [];
  readonly printValues: PrintValueEvent[] = [];
  readonly timeFormats: string[] = [];
  readonly deferred: DeferredRecord[] = [];
  readonly stackMaps: StackMapInfo[] = [];
  readonly joins: JoinEvent[] = [];
  readonly helperErrors: HelperErrorSite[] = [];

  constructor(typed: TypedProgram, maxMapKeys: number, declared: ReadonlyMap<string, DeclaredMap> = new Map()) {
    let i = 0;
    for (const sig of [...typed.maps.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const userKeySize = sig.key ? sizeOf(sig.key) : 8;
      const bucketed = sig.agg === 'hist' || sig.agg === 'lhist';
      const hist = sig.agg === 'hist' ? { bits: sig.hist?.bits ?? 0 } : undefined;
      const decl = declared.get(sig.name);
      const m: ScriptMap = {
        name: sig.name,
        bpfName: bpfMapName(sig.name, i++),
        kind: decl ? DECLARED_KINDS[decl.type] : sig.agg ? 'percpu_hash' : 'hash',
        key: sig.key,
        keySize: userKeySize + (bucketed ? 8 : 0),
        value: sig.value,
        valueSize: aggValueSize(sig),
        maxEntries: decl ? decl.maxEntries : bucketed ? maxMapKeys * 16 : maxMapKeys,
        ...(sig.agg ? { agg: sig.agg } : {}),
        ...(hist ? { hist } : {}),
        ...(sig.lhist ? { lhist: sig.lhist } : {}),
      };
      if (m.value.kind === 'unknown') throw new CodegenError(`map ${sig.name} is read but never assigned`);
      this.maps.set(sig.name, m);
    }
  }

  /** The kernel layout of a script map. */
  map(name: string): ScriptMap {
    const m = this.maps.get(name);
    if (!m) throw new CodegenError(`unknown map ${name}`);
    return m;
  }

  /** Registers an output format; returns its id. */
  addFormat(f: FormatEvent): number {
    this.formats.push(f);
    return this.formats.length - 1;
  }

  /** Registers a print() of a value; returns its id. */
  addPrintValue(type: Type, size: number): number {
    this.printValues.push({ arg: { type, offset: 8 }, size });
    return this.printValues.length - 1;
  }

  /** The stack map keeping `limit` frames (created on first use); returns its kernel name. */
  stackMap(limit: number): string {
    let m = this.stackMaps.find((x) => x.limit === limit);
    if (!m) {
      m = { name: `stack_${limit}`, limit };
      this.stackMaps.push(m);
    }
    return m.name;
  }

  /** Registers a helper call checked under -k; returns its id. */
  addHelperError(site: HelperErrorSite): number {
    this.helperErrors.push(site);
    return this.helperErrors.length - 1;
  }

  /** Registers a join() record layout; returns its id. */
  addJoin(j: JoinEvent): number {
    this.joins.push(j);
    return this.joins.length - 1;
  }

  /** Registers a time() format; returns its id. */
  addTimeFormat(fmt: string): number {
    this.timeFormats.push(fmt);
    return this.timeFormats.length - 1;
  }
}

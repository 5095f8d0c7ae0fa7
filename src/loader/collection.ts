/**
 * A collection: the maps and programs of one siesta session, loaded together and released together.
 */
import { btfLoad, type Fd } from '../sys/index.js';
import { type BpfMap, createMap, type MapSpec } from './map.js';
import { type KernelTypes, loadProgram, type Program, type ProgramSpec } from './program.js';
import { VerifierError } from './verifier-error.js';

/**
 * Loads `spec`, or its fallback when the verifier rejects it; the returned program's `spec` and
 * `rejected` say which was loaded and why.
 */
function loadWithFallback(spec: ProgramSpec, options: Parameters<typeof loadProgram>[1]): Program {
  try {
    return loadProgram(spec, options);
  } catch (e) {
    if (!spec.fallback || !(e instanceof VerifierError)) throw e;
    const p = loadWithFallback(spec.fallback, options);
    // What the session reports: a refused sleepable program (its reads then cannot fault pages in).
    if (spec.sleepable) p.rejected = e;
    return p;
  }
}

/** Everything a session loads: pure data, the contract between the compiler and the runtime. */
export interface CollectionSpec {
  maps: MapSpec[];
  programs: ProgramSpec[];
  /** siesta's own BTF blob (func_info, map value types), loaded with BPF_BTF_LOAD when present. */
  btf?: Uint8Array;
}

/** Loaded maps and programs; `close()` releases them all (programs first, then maps, then BTF). */
export class Collection implements Disposable {
  constructor(
    readonly maps: ReadonlyMap<string, BpfMap>,
    readonly programs: ReadonlyMap<string, Program>,
    readonly btfFd?: Fd,
  ) {}

  /** The map named `name`; throws when absent (a compiler/runtime contract violation). */
  map(name: string): BpfMap {
    const m = this.maps.get(name);
    if (!m) throw new Error(`collection has no map '${name}'`);
    return m;
  }

  /** The program named `name`. */
  program(name: string): Program {
    const p = this.programs.get(name);
    if (!p) throw new Error(`collection has no program '${name}'`);
    return p;
  }

  close(): void {
    for (const p of this.programs.values()) p.close();
    for (const m of this.maps.values()) m.close();
    this.btfFd?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Loads every map then every program; on any failure, releases what was already loaded and rethrows. */
export function loadCollection(spec: CollectionSpec, o: { kernel?: KernelTypes; logLevel?: number } = {}): Collection {
  const maps = new Map<string, BpfMap>();
  const programs = new Map<string, Program>();
  let btfFd: Fd | undefined;
  try {
    if (spec.btf) btfFd = btfLoad(spec.btf);
    for (const m of spec.maps) maps.set(m.name, createMap(m, btfFd));
    for (const p of spec.programs) {
      const options = { maps, ...(o.kernel ? { kernel: o.kernel } : {}), ...(btfFd ? { btfFd } : {}), ...(o.logLevel ? { logLevel: o.logLevel } : {}) };
      programs.set(p.name, loadWithFallback(p, options));
    }
  } catch (e) {
    new Collection(maps, programs, btfFd).close();
    throw e;
  }
  return new Collection(maps, programs, btfFd);
}

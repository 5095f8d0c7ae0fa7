/**
 * Maps: a MapSpec describes one (pure data, same on every machine); BpfMap is the loaded kernel object.
 */
import { possibleCpus } from '../kernel/cpus.js';
import {
  type Fd, mapBatch, mapCreate, mapDelete, mapGetNextKey, mapLookup, mapUpdate, SysError, uapi,
} from '../sys/index.js';
import { alignUp } from '../util/bytes.js';

/** Map kinds siesta creates, named as libbpf's section names spell them. */
export type MapKind = 'hash' | 'array' | 'percpu_hash' | 'percpu_array' | 'lru_hash' | 'lru_percpu_hash' | 'ringbuf' |
  'stack_trace' | 'perf_event_array';

const MAP_TYPES: Record<MapKind, number> = {
  hash: uapi.BPF_MAP_TYPE_HASH,
  array: uapi.BPF_MAP_TYPE_ARRAY,
  percpu_hash: uapi.BPF_MAP_TYPE_PERCPU_HASH,
  percpu_array: uapi.BPF_MAP_TYPE_PERCPU_ARRAY,
  lru_hash: uapi.BPF_MAP_TYPE_LRU_HASH,
  lru_percpu_hash: uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH,
  ringbuf: uapi.BPF_MAP_TYPE_RINGBUF,
  stack_trace: uapi.BPF_MAP_TYPE_STACK_TRACE,
  perf_event_array: uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY,
};

/** A map's description. For ringbuf, maxEntries is the data size in bytes (a power of two, >= page size). */
export interface MapSpec {
  name: string;
  kind: MapKind;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  /** BTF type ids of key and value in the collection's BTF (needed for bpf_wq / kptr values). */
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
}

/** True for maps whose values have one slot per possible CPU. */
export function isPerCpu(kind: MapKind): boolean {
  return kind === 'percpu_hash' || kind === 'percpu_array' || kind === 'lru_percpu_hash';
}

/** Creates the kernel map of `spec`, with the collection's BTF fd when its value type needs BTF. */
export function createMap(spec: MapSpec, btfFd?: Fd): BpfMap {
  const fd = mapCreate({
    mapType: MAP_TYPES[spec.kind],
    keySize: spec.keySize,
    valueSize: spec.valueSize,
    maxEntries: spec.maxEntries,
    flags: spec.flags ?? 0,
    name: spec.name,
    ...(btfFd && spec.btfValueTypeId !== undefined
      ? { btfFd: btfFd.raw, btfKeyTypeId: spec.btfKeyTypeId ?? 0, btfValueTypeId: spec.btfValueTypeId }
      : {}),
  });
  return new BpfMap(spec, fd);
}

/** A loaded map. Keys and values are raw bytes in the kernel's layout. */
export class BpfMap implements Disposable {
  /** Bytes of one value as the syscall returns it (per-CPU maps: one 8-aligned slot per possible CPU). */
  readonly valueBytes: number;

  constructor(readonly spec: MapSpec, readonly fd: Fd) {
    this.valueBytes = isPerCpu(spec.kind) ? alignUp(spec.valueSize, 8) * possibleCpus().length : spec.valueSize;
  }

  get name(): string {
    return this.spec.name;
  }

  /** The value for `key`, or null when absent. Per-CPU maps return every CPU's slot concatenated. */
  lookup(key: Uint8Array): Uint8Array | null {
    const value = new Uint8Array(this.valueBytes);
    return mapLookup(this.fd.raw, key, value) ? value : null;
  }

  /** Per-CPU values of `key`, one Uint8Array of valueSize per possible CPU; null when absent. */
  lookupPerCpu(key: Uint8Array): Uint8Array[] | null {
    const all = this.lookup(key);
    if (!all) return null;
    const stride = alignUp(this.spec.valueSize, 8);
    return possibleCpus().map((_, i) => all.subarray(i * stride, i * stride + this.spec.valueSize));
  }

  /** Sets `key` to `value` (`flags`: BPF_ANY, BPF_NOEXIST, BPF_EXIST). */
  update(key: Uint8Array, value: Uint8Array, flags: number = uapi.BPF_ANY): void {
    mapUpdate(this.fd.raw, key, value, flags);
  }

  /** Deletes `key`; false when absent. */
  delete(key: Uint8Array): boolean {
    return mapDelete(this.fd.raw, key);
  }

  /** Every key, by BPF_MAP_GET_NEXT_KEY (a snapshot is not guaranteed while programs run). */
  *keys(): Generator<Uint8Array> {
    let prev: Uint8Array | null = null;
    for (;;) {
      const next = new Uint8Array(this.spec.keySize);
      if (!mapGetNextKey(this.fd.raw, prev, next)) return;
      yield next;
      prev = next;
    }
  }

  /**
   * Every entry. Uses BPF_MAP_LOOKUP_BATCH (5.6) in chunks, falling back to key-by-key lookups on kernels or
   * map types without batch support (EINVAL/ENOTSUPP).
   */
  entries(): Array<[Uint8Array, Uint8Array]> {
    try {
      return this.#batchEntries();
    } catch (e) {
      if (!(e instanceof SysError) || ![22, 95, 524].includes(e.errno)) throw e;
    }
    const out: Array<[Uint8Array, Uint8Array]> = [];
    for (const k of this.keys()) {
      const v = this.lookup(k);
      if (v) out.push([k, v]);
    }
    return out;
  }

  #batchEntries(): Array<[Uint8Array, Uint8Array]> {
    const chunk = Math.max(1, Math.min(this.spec.maxEntries, 4096));
    const keys = new Uint8Array(chunk * this.spec.keySize);
    const values = new Uint8Array(chunk * this.valueBytes);
    const cursorSize = Math.max(this.spec.keySize, 4);
    let inBatch: Uint8Array | null = null;
    const out: Array<[Uint8Array, Uint8Array]> = [];
    for (;;) {
      const outBatch = new Uint8Array(cursorSize);
      const r = mapBatch(uapi.BPF_MAP_LOOKUP_BATCH, this.fd.raw, { inBatch, outBatch, keys, values, count: chunk });
      for (let i = 0; i < r.count; i++) {
        out.push([
          keys.slice(i * this.spec.keySize, (i + 1) * this.spec.keySize),
          values.slice(i * this.valueBytes, (i + 1) * this.valueBytes),
        ]);
      }
      if (r.done) return out;
      inBatch = outBatch;
    }
  }

  /** Deletes every key (hash maps); array maps are zeroed instead. */
  clear(): void {
    if (this.spec.kind === 'array' || this.spec.kind === 'percpu_array') {
      const zero = new Uint8Array(this.valueBytes);
      for (const k of this.keys()) this.update(k, zero);
      return;
    }
    for (const k of [...this.keys()]) this.delete(k);
  }

  close(): void {
    this.fd.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Typed wrappers over bpf(2). Each builds the command's part of `union bpf_attr` (include/uapi/linux/bpf.h;
 * offsets cited per field and checked against the running kernel's BTF by test/kernel/uapi-layout.test.ts),
 * calls the choke point and turns failures into SysError.
 */
import { Attr, cString } from './attr.js';
import { sys } from './backend.js';
import * as C from './constants.js';
import { EAGAIN, ENOSPC, SysError } from './errors.js';
import { Fd } from './fd.js';

/** Size of the attr we pass: large enough for every command we use; the kernel checks the tail is zero. */
const ATTR_SIZE = 160;

/** Raw bpf() call returning the result or throwing SysError naming the command. */
export function bpfCall(cmd: number, attr: Attr, hint?: string): number {
  const r = sys().bpf(cmd, attr.bytes.subarray(0, ATTR_SIZE));
  if (r < 0) throw new SysError(`bpf(${C.BPF_CMD_NAMES[cmd] ?? cmd})`, -r, hint);
  return r;
}

/** Options of BPF_MAP_CREATE. */
export interface MapCreateAttr {
  mapType: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  name?: string;
  btfFd?: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
}

/** BPF_MAP_CREATE → an owned map fd. */
export function mapCreate(o: MapCreateAttr): Fd {
  const a = new Attr(ATTR_SIZE)
    .u32(0, o.mapType) // map_type
    .u32(4, o.keySize) // key_size
    .u32(8, o.valueSize) // value_size
    .u32(12, o.maxEntries) // max_entries
    .u32(16, o.flags ?? 0) // map_flags
    .name(28, o.name ?? '', 16) // map_name[BPF_OBJ_NAME_LEN]
    .u32(48, o.btfFd ?? 0) // btf_fd
    .u32(52, o.btfKeyTypeId ?? 0) // btf_key_type_id
    .u32(56, o.btfValueTypeId ?? 0); // btf_value_type_id
  return new Fd(bpfCall(C.BPF_MAP_CREATE, a, o.name ? `map ${o.name}` : undefined), 'map', o.name ?? '');
}

/** BPF_MAP_LOOKUP_ELEM into `value`; false when the key is absent (ENOENT). */
export function mapLookup(mapFd: number, key: Uint8Array | null, value: Uint8Array, cmd = C.BPF_MAP_LOOKUP_ELEM): boolean {
  const a = new Attr(ATTR_SIZE).u32(0, mapFd).ptr(8, key).ptr(16, value);
  const r = sys().bpf(cmd, a.bytes.subarray(0, ATTR_SIZE));
  if (r === -2) return false;
  if (r < 0) throw new SysError(`bpf(${C.BPF_CMD_NAMES[cmd]})`, -r);
  return true;
}

/** BPF_MAP_UPDATE_ELEM with BPF_ANY / BPF_NOEXIST / BPF_EXIST. */
export function mapUpdate(mapFd: number, key: Uint8Array, value: Uint8Array, flags = C.BPF_ANY): void {
  bpfCall(C.BPF_MAP_UPDATE_ELEM, new Attr(ATTR_SIZE).u32(0, mapFd).ptr(8, key).ptr(16, value).u64(24, flags));
}

/** BPF_MAP_DELETE_ELEM; false when the key was absent. */
export function mapDelete(mapFd: number, key: Uint8Array): boolean {
  const r = sys().bpf(C.BPF_MAP_DELETE_ELEM, new Attr(ATTR_SIZE).u32(0, mapFd).ptr(8, key).bytes.subarray(0, ATTR_SIZE));
  if (r === -2) return false;
  if (r < 0) throw new SysError('bpf(BPF_MAP_DELETE_ELEM)', -r);
  return true;
}

/** BPF_MAP_GET_NEXT_KEY: writes the key after `key` (or the first when null); false at the end. */
export function mapGetNextKey(mapFd: number, key: Uint8Array | null, next: Uint8Array): boolean {
  const r = sys().bpf(C.BPF_MAP_GET_NEXT_KEY, new Attr(ATTR_SIZE).u32(0, mapFd).ptr(8, key).ptr(16, next).bytes.subarray(0, ATTR_SIZE));
  if (r === -2) return false;
  if (r < 0) throw new SysError('bpf(BPF_MAP_GET_NEXT_KEY)', -r);
  return true;
}

/** Arguments and results of the batch commands (`attr.batch`, 5.6). */
export interface BatchResult {
  /** Elements processed. */
  count: number;
  /** True when the map has no more elements (the kernel answered ENOENT). */
  done: boolean;
}

/**
 * BPF_MAP_LOOKUP_BATCH / LOOKUP_AND_DELETE_BATCH / UPDATE_BATCH / DELETE_BATCH. `inBatch`/`outBatch` are
 * opaque cursors of the map's key size (hash maps) or 4 bytes (arrays); `count` is the capacity of keys/values.
 */
export function mapBatch(cmd: number, mapFd: number, o: {
  inBatch?: Uint8Array | null; outBatch?: Uint8Array | null; keys: Uint8Array; values?: Uint8Array | null; count: number; elemFlags?: number;
}): BatchResult {
  const a = new Attr(ATTR_SIZE)
    .ptr(0, o.inBatch ?? null) // in_batch
    .ptr(8, o.outBatch ?? null) // out_batch
    .ptr(16, o.keys) // keys
    .ptr(24, o.values ?? null) // values
    .u32(32, o.count) // count
    .u32(36, mapFd) // map_fd
    .u64(40, o.elemFlags ?? 0); // elem_flags
  const r = sys().bpf(cmd, a.bytes.subarray(0, ATTR_SIZE));
  const count = a.getU32(32);
  if (r === -2) return { count, done: true };
  if (r < 0) throw new SysError(`bpf(${C.BPF_CMD_NAMES[cmd]})`, -r);
  return { count, done: false };
}

/** Options of BPF_PROG_LOAD. */
export interface ProgLoadAttr {
  progType: number;
  insns: Uint8Array;
  license: string;
  name?: string;
  expectedAttachType?: number;
  flags?: number;
  attachBtfId?: number;
  btfFd?: number;
  /** struct bpf_func_info records: {insn_off u32, type_id u32}. */
  funcInfo?: Uint8Array;
  funcInfoCount?: number;
  /** 0: no log; 1: the verifier's normal log; 2: every instruction. */
  logLevel?: number;
  logSize?: number;
}

/**
 * struct bpf_func_info records for BPF_PROG_LOAD, one per function of a program: the instruction index where it
 * starts and its BTF FUNC type id.
 *
 *    0 u32 insn_off   4 u32 type_id
 */
export function encodeFuncInfo(funcs: ReadonlyArray<{ slot: number }>, typeIds: readonly number[]): Uint8Array {
  const out = new Uint8Array(funcs.length * 8);
  const v = new DataView(out.buffer);
  funcs.forEach((f, i) => {
    v.setUint32(i * 8, f.slot, true);
    v.setUint32(i * 8 + 4, typeIds[i] ?? 0, true);
  });
  return out;
}

/** The outcome of BPF_PROG_LOAD: either an owned fd or the errno with the verifier's log. */
export type ProgLoadResult = { ok: true; fd: Fd; log: string } | { ok: false; errno: number; log: string };

/** BPF_PROG_LOAD once, with a log buffer of `logSize` bytes when logLevel > 0. */
export function progLoadOnce(o: ProgLoadAttr): ProgLoadResult & { logTrueSize: number } {
  const logLevel = o.logLevel ?? 0;
  const log = logLevel > 0 ? new Uint8Array(o.logSize ?? 1 << 16) : null;
  const a = new Attr(ATTR_SIZE)
    .u32(0, o.progType) // prog_type
    .u32(4, o.insns.byteLength / 8) // insn_cnt
    .ptr(8, o.insns) // insns
    .ptr(16, cString(o.license)) // license
    .u32(24, logLevel) // log_level
    .u32(28, log ? log.byteLength : 0) // log_size
    .ptr(32, log) // log_buf
    .u32(44, o.flags ?? 0) // prog_flags
    .name(48, o.name ?? '', 16) // prog_name
    .u32(68, o.expectedAttachType ?? 0) // expected_attach_type
    .u32(72, o.btfFd ?? 0); // prog_btf_fd
  if (o.funcInfo) {
    a.u32(76, 8).ptr(80, o.funcInfo).u32(88, o.funcInfoCount ?? o.funcInfo.byteLength / 8); // func_info_rec_size, func_info, func_info_cnt
  }
  a.u32(108, o.attachBtfId ?? 0); // attach_btf_id
  // The verifier gives up with EAGAIN when a signal arrives while it works (a profiler's SIGPROF, a Ctrl-C
  // being handled); like libbpf, try again a few times before reporting it.
  let r = sys().bpf(C.BPF_PROG_LOAD, a.bytes.subarray(0, ATTR_SIZE));
  for (let tries = 1; r === -EAGAIN && tries < 5; tries++) r = sys().bpf(C.BPF_PROG_LOAD, a.bytes.subarray(0, ATTR_SIZE));
  const text = log ? new TextDecoder().decode(log.subarray(0, Math.max(0, log.indexOf(0)))) : '';
  const logTrueSize = a.getU32(140); // log_true_size (6.4)
  if (r < 0) return { ok: false, errno: -r, log: text, logTrueSize };
  return { ok: true, fd: new Fd(r, 'prog', o.name ?? ''), log: text, logTrueSize };
}

/**
 * BPF_PROG_LOAD: tries without a log first (cheapest); on failure loads again with the verifier log, growing
 * the buffer until the whole log fits (ENOSPC means it was truncated), up to 256 MiB.
 */
export function progLoad(o: ProgLoadAttr): ProgLoadResult {
  const first = progLoadOnce({ ...o, logLevel: o.logLevel ?? 0 });
  if (first.ok || (o.logLevel ?? 0) > 0 && first.errno !== ENOSPC) return first;
  let size = Math.max(o.logSize ?? 1 << 16, first.logTrueSize + 1);
  for (;;) {
    const again = progLoadOnce({ ...o, logLevel: o.logLevel || 1, logSize: size });
    if (again.ok || again.errno !== ENOSPC || size >= 1 << 28) return again;
    size = Math.max(size * 4, again.logTrueSize + 1);
  }
}

/** BPF_BTF_LOAD of a .BTF blob; on failure the error carries the kernel's BTF log. */
export function btfLoad(blob: Uint8Array): Fd {
  const log = new Uint8Array(1 << 16);
  const a = new Attr(ATTR_SIZE)
    .ptr(0, blob) // btf
    .ptr(8, log) // btf_log_buf
    .u32(16, blob.byteLength) // btf_size
    .u32(20, log.byteLength) // btf_log_size
    .u32(24, 1); // btf_log_level
  const r = sys().bpf(C.BPF_BTF_LOAD, a.bytes.subarray(0, ATTR_SIZE));
  if (r < 0) {
    const text = new TextDecoder().decode(log.subarray(0, Math.max(0, log.indexOf(0)))).trim();
    throw new SysError('bpf(BPF_BTF_LOAD)', -r, text.split('\n').slice(-3).join(' | '));
  }
  return new Fd(r, 'btf');
}

/** BPF_OBJ_GET_INFO_BY_FD into `info` (struct bpf_prog_info / bpf_map_info / bpf_link_info); returns its length. */
export function objGetInfoByFd(fd: number, info: Uint8Array): number {
  const a = new Attr(ATTR_SIZE).u32(0, fd).u32(4, info.byteLength).ptr(8, info);
  bpfCall(C.BPF_OBJ_GET_INFO_BY_FD, a);
  return a.getU32(4);
}

/** BPF_RAW_TRACEPOINT_OPEN (4.17): attaches a raw_tp program to `name` and returns the link-like fd. */
export function rawTracepointOpen(name: string | null, progFd: number): Fd {
  const a = new Attr(ATTR_SIZE).ptr(0, name === null ? null : cString(name)).u32(8, progFd);
  return new Fd(bpfCall(C.BPF_RAW_TRACEPOINT_OPEN, a, name ?? undefined), 'link', name ?? 'raw_tp');
}

/** BPF_LINK_CREATE (5.7) → an owned link fd. `targetBtfId` for tracing links; `cookie` for perf links. */
export function linkCreate(o: { progFd: number; targetFd: number; attachType: number; flags?: number; targetBtfId?: number; cookie?: bigint; label?: string }): Fd {
  const a = new Attr(ATTR_SIZE)
    .u32(0, o.progFd) // prog_fd
    .u32(4, o.targetFd) // target_fd
    .u32(8, o.attachType) // attach_type
    .u32(12, o.flags ?? 0); // flags
  if (o.attachType === C.BPF_PERF_EVENT) a.u64(16, o.cookie ?? 0n); // perf_event.bpf_cookie
  else if (o.targetBtfId !== undefined) a.u32(16, o.targetBtfId); // target_btf_id
  return new Fd(bpfCall(C.BPF_LINK_CREATE, a, o.label), 'link', o.label ?? '');
}

/** BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): run_time_ns/run_cnt are counted while the returned fd is open. */
export function enableStats(): Fd {
  return new Fd(bpfCall(C.BPF_ENABLE_STATS, new Attr(ATTR_SIZE).u32(0, C.BPF_STATS_RUN_TIME)), 'other', 'stats');
}

/** BPF_PROG/MAP/LINK_GET_NEXT_ID: the next id after `start`, or null at the end. */
export function getNextId(cmd: number, start: number): number | null {
  const a = new Attr(ATTR_SIZE).u32(0, start);
  const r = sys().bpf(cmd, a.bytes.subarray(0, ATTR_SIZE));
  if (r === -2) return null;
  if (r < 0) throw new SysError(`bpf(${C.BPF_CMD_NAMES[cmd]})`, -r);
  return a.getU32(4);
}

/** BPF_PROG/MAP/LINK_GET_FD_BY_ID → owned fd, or null if the object vanished meanwhile. */
export function getFdById(cmd: number, id: number, kind: 'prog' | 'map' | 'link' | 'btf'): Fd | null {
  const r = sys().bpf(cmd, new Attr(ATTR_SIZE).u32(0, id).bytes.subarray(0, ATTR_SIZE));
  if (r === -2) return null;
  if (r < 0) throw new SysError(`bpf(${C.BPF_CMD_NAMES[cmd]})`, -r);
  return new Fd(r, kind, `id ${id}`);
}

/**
 * BPF_PROG_TEST_RUN (`attr.test`): runs a program once in the kernel. siesta runs its begin/end probes this
 * way, as raw_tp programs (raw_tp test runs: 5.10), with a zeroed context of `ctxSize` bytes.
 */
export function progTestRun(progFd: number, ctxSize = 8): number {
  const ctx = new Uint8Array(ctxSize);
  const a = new Attr(ATTR_SIZE)
    .u32(0, progFd) // prog_fd
    .u32(40, ctx.byteLength) // ctx_size_in
    .ptr(48, ctx); // ctx_in
  bpfCall(C.BPF_PROG_TEST_RUN, a);
  return a.getU32(4); // retval
}

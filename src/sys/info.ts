/**
 * Object info (BPF_OBJ_GET_INFO_BY_FD) for programs, maps and links, and enumeration of every such object in
 * the kernel (tests use it to prove nothing of siesta's is left behind).
 */
import { getFdById, getNextId, objGetInfoByFd } from './bpf.js';
import * as C from './constants.js';

/** What siesta reads from `struct bpf_prog_info`. */
export interface ProgInfo {
  type: number;
  id: number;
  name: string;
  runTimeNs: bigint;
  runCnt: bigint;
  verifiedInsns: number;
}

/** `struct bpf_map_info` fields siesta reads. */
export interface MapInfo {
  type: number;
  id: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  name: string;
}

/** `struct bpf_link_info` fields siesta reads. */
export interface LinkInfo {
  type: number;
  id: number;
  progId: number;
}

function nameAt(b: Uint8Array, off: number): string {
  const s = b.subarray(off, off + 16);
  const end = s.indexOf(0);
  return new TextDecoder().decode(end < 0 ? s : s.subarray(0, end));
}

/** BPF_OBJ_GET_INFO_BY_FD for a program. */
export function progInfo(fd: number): ProgInfo {
  const b = new Uint8Array(232);
  objGetInfoByFd(fd, b);
  const v = new DataView(b.buffer);
  return {
    type: v.getUint32(0, true), // type
    id: v.getUint32(4, true), // id
    name: nameAt(b, 64), // name[BPF_OBJ_NAME_LEN]
    runTimeNs: v.getBigUint64(192, true), // run_time_ns (5.1)
    runCnt: v.getBigUint64(200, true), // run_cnt
    verifiedInsns: v.getUint32(216, true), // verified_insns (5.16)
  };
}

/** BPF_OBJ_GET_INFO_BY_FD for a map. */
export function mapInfo(fd: number): MapInfo {
  const b = new Uint8Array(96);
  objGetInfoByFd(fd, b);
  const v = new DataView(b.buffer);
  return {
    type: v.getUint32(0, true), id: v.getUint32(4, true), keySize: v.getUint32(8, true),
    valueSize: v.getUint32(12, true), maxEntries: v.getUint32(16, true), name: nameAt(b, 24),
  };
}

/** BPF_OBJ_GET_INFO_BY_FD for a link. */
export function linkInfo(fd: number): LinkInfo {
  const b = new Uint8Array(64);
  objGetInfoByFd(fd, b);
  const v = new DataView(b.buffer);
  return { type: v.getUint32(0, true), id: v.getUint32(4, true), progId: v.getUint32(8, true) };
}

/** Every program, map or link in the kernel, with its info (objects that vanish meanwhile are skipped). */
export function listObjects(kind: 'prog' | 'map' | 'link'): Array<ProgInfo | MapInfo | LinkInfo> {
  const [next, byId, read] = kind === 'prog'
    ? [C.BPF_PROG_GET_NEXT_ID, C.BPF_PROG_GET_FD_BY_ID, progInfo] as const
    : kind === 'map'
      ? [C.BPF_MAP_GET_NEXT_ID, C.BPF_MAP_GET_FD_BY_ID, mapInfo] as const
      : [C.BPF_LINK_GET_NEXT_ID, C.BPF_LINK_GET_FD_BY_ID, linkInfo] as const;
  const out: Array<ProgInfo | MapInfo | LinkInfo> = [];
  for (let id = getNextId(next, 0); id !== null; id = getNextId(next, id)) {
    const fd = getFdById(byId, id, kind);
    if (!fd) continue;
    try {
      out.push(read(fd.raw));
    } finally {
      fd.close();
    }
  }
  return out;
}

/**
 * `kernel` provenance (reliable reads, mechanism c, second half): when the path argument of a call that returns
 * a file descriptor (openat, openat2, open, creat) is still lost after the exit re-read, the exit program
 * writes the kernel's own path of the returned descriptor instead: task->files->fdt->fd[ret]->f_path, walked up
 * dentry by dentry (crossing mount points through struct mount) with bpf_probe_read_kernel at offsets taken
 * from the kernel's BTF at compile time.
 *
 * The value is what the kernel opened, as an absolute path in siesta's mount namespace (`/tmp/x/fifo` for an
 * argument `fifo`), not the bytes the caller passed: it is labelled `kernel`, never `exact`. A path deeper than
 * KPATH_DEPTH components, or a descriptor the walk cannot reach (closed by another thread before the exit),
 * leaves the read lost.
 *
 * Work area (per-CPU array `kpath`, one value):
 *   0                                                  KPATH_N   KPATH_HDR                     KPATH_HDR + 2 * size
 *   | { u64 name; u32 len } x KPATH_DEPTH, leaf first | u64 n   | path text, assembled root first |
 * The text area is twice the largest string so the verifier can bound `pos + len` without relating them.
 */
import {
  alu64Imm, alu64Reg, call, exit, ja, jmpImm, jmpReg, ldFuncAddr, ldImm64, ldMapFd, ldx, mov64Imm, mov64Reg, R0, R1, R2, R3, R4, R6, R7, R10, st, stx,
} from '../asm/index.js';
import { BTF_KIND_STRUCT, type Btf } from '../btf/index.js';
import type { MapSpec } from '../loader/index.js';
import type { ProgramBuilder } from './builder.js';
import { LOOP_CALLBACK_PREFIX } from './for-range.js';
import { FRAME, rebaseFrame } from './loop-callback.js';
import type { DeferredRecord } from './resources.js';

/** Bit set in a user read's status when the value is the kernel's path of the returned descriptor (bit 43). */
export const PROVENANCE_KERNEL = 2 ** 43;

/** Path components the walk collects (a deeper path stays lost). */
export const KPATH_DEPTH = 16;

/** Offset in the work area of the walk's component count (in the map value: the verifier tracks no value there). */
const KPATH_N = KPATH_DEPTH * 16;

/** Bytes of the component table and count at the start of the work area. */
const KPATH_HDR = KPATH_N + 8;

/** Label (and BTF name) of the walk's bpf_loop callback: a loop body to func-info.ts, by its prefix. */
export const KPATH_WALK = `${LOOP_CALLBACK_PREFIX}_kpath`;

/** How the walk ended, in its sEnd slot (0: the loop ran out before the root). */
const WALK_DONE = 1, WALK_FAILED = 2;

/** Name of the work-area map. */
export const KPATH_MAP = 'kpath';

/** Syscall exits whose return value is a new file descriptor opened from the path argument. */
const FD_RETURNING = new Set(['sys_exit_openat', 'sys_exit_openat2', 'sys_exit_open', 'sys_exit_creat']);

/** Byte offsets of the kernel fields the walk reads (from BTF; they differ between kernels). */
export interface KernelPathOffsets {
  taskFiles: number;
  filesFdt: number;
  fdtMaxFds: number;
  fdtFd: number;
  fileMnt: number;
  fileDentry: number;
  dentryParent: number;
  dentryName: number;
  dentryLen: number;
  vfsmountRoot: number;
  mountMnt: number;
  mountParent: number;
  mountMountpoint: number;
}

/** The offsets the walk needs, or null when this kernel's BTF lacks one of the fields. */
export function kernelPathOffsets(btf: Btf | null): KernelPathOffsets | null {
  if (!btf) return null;
  // The seven structs in one pass over the types: looked up one by one, they would make the BTF build its
  // whole name index (~16 ms of a script's start-up here) for these names alone.
  const structs = btf.findManyByName(['task_struct', 'files_struct', 'fdtable', 'file', 'dentry', 'vfsmount', 'mount']);
  const at = (struct: string, path: string): number | null => {
    const id = structs.get(struct)?.find((i) => btf.kindOf(i) === BTF_KIND_STRUCT);
    const m = id === undefined ? undefined : btf.memberOffset(id, path);
    return m && m.bitfieldSize === 0 && m.bitOffset % 8 === 0 ? m.bitOffset / 8 : null;
  };
  const o = {
    taskFiles: at('task_struct', 'files'), filesFdt: at('files_struct', 'fdt'), fdtMaxFds: at('fdtable', 'max_fds'), fdtFd: at('fdtable', 'fd'),
    fileMnt: at('file', 'f_path.mnt'), fileDentry: at('file', 'f_path.dentry'), dentryParent: at('dentry', 'd_parent'),
    dentryName: at('dentry', 'd_name.name'), dentryLen: at('dentry', 'd_name.len'), vfsmountRoot: at('vfsmount', 'mnt_root'),
    mountMnt: at('mount', 'mnt'), mountParent: at('mount', 'mnt_parent'), mountMountpoint: at('mount', 'mnt_mountpoint'),
  };
  return Object.values(o).every((v) => v !== null) ? (o as KernelPathOffsets) : null;
}

/** Whether `d` waits for the exit of a call that returns a descriptor opened from its path argument. */
export function returnsFd(d: DeferredRecord): boolean {
  return d.exit.category === 'syscalls' && FD_RETURNING.has(d.exit.event);
}

/** The work-area map for `deferred`, or null when no record uses the kernel path. */
export function kernelPathMap(deferred: readonly DeferredRecord[]): MapSpec | null {
  const sizes = deferred.filter((d) => d.kernelPath).flatMap((d) => d.fixups.filter((f) => f.str).map((f) => f.size));
  if (sizes.length === 0) return null;
  const text = Math.max(...sizes);
  return { name: KPATH_MAP, kind: 'percpu_array', keySize: 4, valueSize: KPATH_HDR + Math.ceil((2 * text + 8) / 8) * 8, maxEntries: 1 };
}

/**
 * At the start of an exit program (R1 = its context): saves the syscall's return value, at `retOffset` in the
 * context, to a new stack slot, returned (the rest of the program clobbers R1).
 */
export function saveReturnValue(b: ProgramBuilder, retOffset: number): number {
  const slot = b.allocStack(8);
  b.emit(ldx(8, R0, R1, retOffset), stx(8, R10, slot, R0));
  return slot;
}

/**
 * For each string read of the pending record at R7 still lost after the exit re-read: when the call returned a
 * descriptor, writes the kernel's path of that descriptor into the value and marks it `kernel`. Uses R6.
 */
export function emitKernelPaths(b: ProgramBuilder, d: DeferredRecord, retSlot: number): void {
  const o = d.kernelPath;
  if (!o) return;
  const slot = () => b.allocStack(8);
  const [sD, sVfs, sTmp, sN, sPos, key, sWork, sEnd] = [slot(), slot(), slot(), slot(), slot(), slot(), slot(), slot()];
  // The walk's callback is shared by every string of the record (it only reads the slots above).
  let walk: (() => void) | undefined;
  for (const f of d.fixups) {
    if (!f.str) continue;
    const skip = b.newLabel('kp_skip'), done = b.newLabel('kp_done'), fail = skip;
    const size = f.size;
    /** stack[dst] = *(u64 *)(R3), or to `fail`. */
    const read = (dst: number, bytes = 8) => {
      if (bytes !== 8) b.emit(st(8, R10, dst, 0));
      b.emit(mov64Reg(R1, R10), alu64Imm('add', R1, dst), mov64Imm(R2, bytes), call('probe_read_kernel'), jmpImm('jne', R0, 0, fail));
    };
    /** R3 = stack[from] + off. */
    const addr = (from: number, off: number) => {
      b.emit(ldx(8, R3, R10, from));
      if (off) b.emit(alu64Imm('add', R3, off));
    };
    b.emit(ldx(8, R1, R7, f.statusOffset), jmpImm('jsge', R1, 0, skip), ldx(8, R1, R10, retSlot), jmpImm('jslt', R1, 0, skip));
    b.emit(st(4, R10, key, 0), ldMapFd(R1, KPATH_MAP), mov64Reg(R2, R10), alu64Imm('add', R2, key), call('map_lookup_elem'),
      jmpImm('jeq', R0, 0, skip), mov64Reg(R6, R0));
    // The descriptor: current->files->fdt->fd[ret], checked against max_fds.
    b.emit(call('get_current_task'), mov64Reg(R3, R0), alu64Imm('add', R3, o.taskFiles));
    read(sTmp);
    addr(sTmp, o.filesFdt);
    read(sTmp);
    b.emit(ldx(8, R3, R10, sTmp), stx(8, R10, sD, R3), alu64Imm('add', R3, o.fdtMaxFds));
    read(sPos, 4);
    b.emit(ldx(8, R1, R10, retSlot), ldx(8, R2, R10, sPos), jmpReg('jge', R1, R2, fail));
    addr(sD, o.fdtFd);
    read(sTmp);
    b.emit(ldx(8, R3, R10, retSlot), alu64Imm('lsh', R3, 3), ldx(8, R1, R10, sTmp), alu64Reg('add', R3, R1));
    read(sTmp);
    addr(sTmp, o.fileMnt);
    read(sVfs);
    addr(sTmp, o.fileDentry);
    read(sD);
    // Up to the root, one step per bpf_loop iteration: KPATH_DEPTH components, and as many mount crossings.
    b.emit(st(8, R6, KPATH_N, 0), stx(8, R10, sWork, R6), st(8, R10, sEnd, 0), mov64Imm(R1, 2 * KPATH_DEPTH), ldFuncAddr(R2, KPATH_WALK),
      mov64Reg(R3, R10), alu64Imm('add', R3, sEnd), mov64Imm(R4, 0), call('loop'), ldx(8, R1, R10, sEnd), jmpImm('jne', R1, WALK_DONE, fail),
      ldx(8, R1, R6, KPATH_N), stx(8, R10, sN, R1));
    walk ??= () => emitWalkStep(b, o, { sD, sVfs, sTmp, sWork, sEnd });
    // Root first: "/" name for each component; the text area starts at KPATH_HDR.
    b.mark(done);
    b.emit(st(8, R10, sPos, 0));
    for (let k = KPATH_DEPTH - 1; k >= 0; k--) {
      const nextK = b.newLabel('kp_k'), clamp = b.newLabel('kp_len');
      b.emit(ldx(8, R1, R10, sN), jmpImm('jle', R1, k, nextK),
        ldx(8, R1, R10, sPos), jmpImm('jgt', R1, size - 1, `${done}_text`),
        mov64Reg(R2, R6), alu64Imm('add', R2, KPATH_HDR), alu64Reg('add', R2, R1), st(1, R2, 0, 0x2f),
        ldx(4, R3, R6, k * 16 + 8), jmpImm('jle', R3, size, clamp), mov64Imm(R3, size));
      b.mark(clamp);
      b.emit(stx(8, R10, sTmp, R3), mov64Reg(R1, R2), alu64Imm('add', R1, 1), mov64Reg(R2, R3), ldx(8, R3, R6, k * 16), call('probe_read_kernel'),
        jmpImm('jne', R0, 0, fail), ldx(8, R1, R10, sPos), ldx(8, R2, R10, sTmp), alu64Reg('add', R1, R2), alu64Imm('add', R1, 1), stx(8, R10, sPos, R1));
      b.mark(nextK);
    }
    b.mark(`${done}_text`);
    // The root itself is "/"; then the NUL, within the value's `size` bytes.
    const terminated = b.newLabel('kp_nul');
    b.emit(ldx(8, R1, R10, sPos), jmpImm('jne', R1, 0, `${terminated}_n`), st(1, R6, KPATH_HDR, 0x2f), mov64Imm(R1, 1));
    b.mark(`${terminated}_n`);
    b.emit(jmpImm('jle', R1, size - 1, terminated), mov64Imm(R1, size - 1));
    b.mark(terminated);
    b.emit(stx(8, R10, sPos, R1), mov64Reg(R2, R6), alu64Imm('add', R2, KPATH_HDR), alu64Reg('add', R2, R1), st(1, R2, 0, 0),
      mov64Reg(R1, R7), alu64Imm('add', R1, f.offset), mov64Imm(R2, size), mov64Reg(R3, R6), alu64Imm('add', R3, KPATH_HDR), call('probe_read_kernel'),
      jmpImm('jne', R0, 0, fail),
      ldx(8, R0, R10, sPos), alu64Imm('add', R0, 1), ldImm64(R1, BigInt(PROVENANCE_KERNEL)), alu64Reg('or', R0, R1), stx(8, R7, f.statusOffset, R0));
    b.mark(skip);
  }
  if (walk) b.subprog(walk, rebaseFrame);
}

/** Stack slots of the exit program that the walk's callback shares (see emitWalkStep). */
interface WalkSlots {
  sD: number;
  sVfs: number;
  sTmp: number;
  sWork: number;
  sEnd: number;
}

/**
 * The callback of the walk's bpf_loop: one step up from the dentry in sD, either to its parent (recording the
 * component's name and length in the work area, saved in sWork) or across a mount to its mount point. The
 * verifier checks this once per distinct state instead of 2 * KPATH_DEPTH unrolled copies (~24 ms of the exit
 * program's load). It ends the loop with sEnd = WALK_DONE at the namespace's root, WALK_FAILED when a read
 * fails or the path is too deep; the caller treats a loop that ran out (sEnd still 0) as failed too.
 *
 * Written against R10 like the caller's code: rebaseFrame turns every slot into the caller's (FRAME = R8).
 */
function emitWalkStep(b: ProgramBuilder, o: KernelPathOffsets, s: WalkSlots): void {
  const { sD, sVfs, sTmp, sWork, sEnd } = s;
  const fail = b.newLabel('kpw_fail'), done = b.newLabel('kpw_done'), next = b.newLabel('kpw_next'), notRoot = b.newLabel('kpw_dir');
  const read = (dst: number) => b.emit(mov64Reg(R1, R10), alu64Imm('add', R1, dst), mov64Imm(R2, 8), call('probe_read_kernel'), jmpImm('jne', R0, 0, fail));
  const addr = (from: number, off: number) => {
    b.emit(ldx(8, R3, R10, from));
    if (off) b.emit(alu64Imm('add', R3, off));
  };
  b.mark(KPATH_WALK);
  // R1 = index, R2 = &sEnd in the caller's frame: recover that frame, then the work area saved in it.
  b.emit(mov64Reg(FRAME, R2), alu64Imm('add', FRAME, -sEnd), ldx(8, R6, FRAME, sWork));
  addr(sVfs, o.vfsmountRoot);
  read(sTmp);
  b.emit(ldx(8, R1, R10, sD), ldx(8, R2, R10, sTmp), jmpReg('jne', R1, R2, notRoot));
  // The root of a mount: continue from its mount point in the parent mount; the namespace's root ends it.
  addr(sVfs, o.mountParent - o.mountMnt);
  read(sTmp);
  b.emit(ldx(8, R1, R10, sTmp), ldx(8, R2, R10, sVfs), alu64Imm('sub', R2, o.mountMnt), jmpReg('jeq', R1, R2, done));
  addr(sVfs, o.mountMountpoint - o.mountMnt);
  read(sD);
  b.emit(ldx(8, R1, R10, sTmp), alu64Imm('add', R1, o.mountMnt), stx(8, R10, sVfs, R1), ja(next));
  b.mark(notRoot);
  addr(sD, o.dentryParent);
  read(sTmp);
  b.emit(ldx(8, R1, R10, sTmp), ldx(8, R2, R10, sD), jmpReg('jeq', R1, R2, done));
  // Component n (leaf first): its name pointer and length. n lives in the map value, so every iteration
  // reaches here in the same verifier state and the loop converges at once (a stack counter would be precise
  // and make one state per value).
  b.emit(ldx(8, R1, R6, KPATH_N), jmpImm('jge', R1, KPATH_DEPTH, fail), alu64Imm('lsh', R1, 4), mov64Reg(R7, R6), alu64Reg('add', R7, R1),
    st(8, R7, 8, 0), mov64Reg(R1, R7));
  addr(sD, o.dentryName);
  b.emit(mov64Imm(R2, 8), call('probe_read_kernel'), jmpImm('jne', R0, 0, fail), mov64Reg(R1, R7), alu64Imm('add', R1, 8));
  addr(sD, o.dentryLen);
  b.emit(mov64Imm(R2, 4), call('probe_read_kernel'), jmpImm('jne', R0, 0, fail),
    ldx(8, R1, R6, KPATH_N), alu64Imm('add', R1, 1), stx(8, R6, KPATH_N, R1), ldx(8, R1, R10, sTmp), stx(8, R10, sD, R1));
  b.mark(next);
  b.emit(mov64Imm(R0, 0), exit());
  b.mark(done);
  b.emit(st(8, R10, sEnd, WALK_DONE), mov64Imm(R0, 1), exit());
  b.mark(fail);
  b.emit(st(8, R10, sEnd, WALK_FAILED), mov64Imm(R0, 1), exit());
}

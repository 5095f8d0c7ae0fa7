/**
 * The kernel side of `siesta trace`: hand-assembled programs on tracepoint:raw_syscalls:sys_enter/sys_exit
 * (and sched:sched_process_fork with -f), filtered in the kernel to the traced threads.
 *
 * Maps:
 *   pids      hash  u32 tid → u32 state (1 = armed: waiting for the command's execve; 2 = traced)
 *   sysinfo   array u32 nr  → CaptureSpec (12 bytes, below): what to capture for each syscall
 *   inflight  lru_hash u32 tid → { u32 nr, u32 retry, u64 args[6] } (56 bytes): entry state for the exit
 *   events    ringbuf of records (full mode), written with BPF_RB_NO_WAKEUP (batched wake-ups)
 *   scratch   percpu_array, one record of the largest size: records are built here, then copied out at
 *             their real length with bpf_ringbuf_output (a ring-buffer reservation must be a constant size)
 *   drops     percpu_array u64: records lost because the ring buffer was full
 *   start     lru_hash u32 tid → u64 entry ns (-c mode)
 *   counts    percpu_hash u32 nr → { u64 calls, u64 errors, u64 ns } (-c mode: aggregated in the kernel)
 *
 * Record (full mode), little-endian, RECORD_HEADER bytes then the captures packed back to back:
 *
 *    0 u32 kind (1 entry, 2 exit)   4 u32 tid   8 u32 tgid   12 u32 nr   16 u64 ktime ns
 *   24 u64 args[6]   (exit: args[0] = return value)
 *   72 s32 len0   76 s32 len1   80 s32 buflen      (bpf_probe_read_user(_str) results: bytes, or -errno)
 *   84 u16 flags   bit0/1/2: str0/str1/input buffer re-read at exit; bit3: output buffer read at exit;
 *                  bit4/5/6: the second region holds the first input re-read / output 2 / the second input
 *                  re-read; bit7: args[5] of the exit record holds the address length recvfrom wrote back
 *   86 s16 len2    the second region's length, or -errno
 *   88 str0[max(len0, 0)]   str1[max(len1, 0)]   buf[max(buflen, 0)]   second[max(len2, 0)]
 *
 * So an openat entry of a 20-byte path is 109 bytes and an exit without captures 88, where a fixed layout
 * needs RECORD_HEADER + 2 * STR_SIZE + bufSize (860 with the default -s 32): the ring buffer holds 8 times
 * more calls while the consumer is behind.
 *
 * sysinfo value (CaptureSpec): u8 str0, u8 str1, u8 inPtr, u8 inLenArg, u16 inFixed, u8 outPtr, u8 outKind,
 * u16 outFixed, u8 in2Ptr, u8 in2LenArg, u16 in2Fixed, u8 out2Ptr, u8 out2Kind, u16 out2Fixed, u8 in2Kind,
 * u8 out2Off (argument indexes; 0xff = none).
 */
import {
  alu64Imm, alu64Reg, call, exit, ja, jmpImm, jmpReg, label, ldMapFd, ldx, link, mov64Imm, mov64Reg, R0, R1, R2, R3, R4,
  R6, R7, R8, R9, R10, type Reg, st, stx, type Item,
} from '../asm/index.js';
import type { CollectionSpec } from '../loader/index.js';
import type { CaptureSpec } from './syscalls.js';
import { SYSCALL_SLOTS } from './syscalls.js';

/** Bytes before the captured data in a record. */
export const RECORD_HEADER = 88;
/** Capture size of each string (paths are printed whole by strace; longer ones end with `...`). */
export const STR_SIZE = 256;
/** Record kinds. */
export const KIND_ENTER = 1;
/** Record kind of a syscall exit. */
export const KIND_EXIT = 2;
/** Record kind of a signal delivered to a traced thread (raw tracepoint signal_deliver). */
export const KIND_SIGNAL = 3;
/** Record kind of a signal sent to a traced thread (tracepoint signal:signal_generate). */
export const KIND_GENERATE = 4;
/** Bytes of the kernel's siginfo copied into a signal record (struct kernel_siginfo, include/linux/signal_types.h). */
export const SIGINFO_SIZE = 48;
/** Size of a sysinfo value. */
export const SYSINFO_SIZE = 20;
/** execve's and execveat's numbers on x86_64: the armed command becomes traced at its execve. */
const NR_EXECVE = 59;
const NR_EXECVEAT = 322;

/** Options of the generated programs. */
export interface TraceProgramOptions {
  /** Summary mode (-c): count in the kernel, no records. */
  summary: boolean;
  /** Follow forks and threads (-f). */
  follow: boolean;
  /** Capture size of buffers (read/write data, structs): a multiple of 8, at least 64. */
  bufSize: number;
  /** Bytes of data captured per iovec element (readv/writev): a multiple of 8, 8..512; default 32. */
  iovChunk?: number;
  /** Ring buffer size in bytes (a power of two). */
  ringSize?: number;
  /** -a: trace every process but the one with this tgid (siesta); exit records then carry the comm at 32. */
  all?: number;
}

/** The largest record for a buffer size and iovec chunk. */
export function recordSize(bufSize: number, chunk = DEFAULT_CHUNK): number {
  return RECORD_HEADER + 2 * STR_SIZE + bufSize + secondRegionSize(chunk);
}

/** Bytes captured per iovec element by default (strace's default -s). */
export const DEFAULT_CHUNK = 32;
/** The iovec chunk for strace's -s: the string limit rounded up to 8, within 32..512. */
export function iovChunkFor(strsize: number): number {
  return Math.min(512, Math.max(DEFAULT_CHUNK, Math.ceil(strsize / 8) * 8));
}

/** iovec elements whose data is captured (readv/writev): the first ones, as the loop is unrolled. */
export const IOV_MAX_CAPTURED = 8;

/** Room of the second region: a sockaddr (128), or `IOV_MAX_CAPTURED` chunks of iovec data. */
export function secondRegionSize(chunk: number): number {
  return Math.max(128, IOV_MAX_CAPTURED * chunk);
}

function chunkOf(o: TraceProgramOptions): number {
  return o.iovChunk ?? DEFAULT_CHUNK;
}

/**
 * `if (tid not in pids) return 0; if armed: become traced at execve, else return 0`. Leaves tid key at fp-72
 * and pid_tgid in R9. With -a (`all` = siesta's own tgid) every thread but siesta's is traced: its own calls
 * (writing the trace) would feed themselves.
 */
function filter(enter: boolean, all?: number): Item[] {
  const out: Item[] = [
    call('get_current_pid_tgid'),
    mov64Reg(R9, R0),
    stx(4, R10, -72, R0),
  ];
  if (all !== undefined) {
    out.push(alu64Imm('rsh', R0, 32), jmpImm('jeq', R0, all, 'out'));
    return out;
  }
  out.push(
    ldMapFd(R1, 'pids'),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, -72),
    call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, 'out'),
    ldx(4, R1, R0, 0),
    jmpImm('jeq', R1, 2, 'traced'),
  );
  if (enter) {
    out.push(
      ldx(8, R2, R6, 8),
      jmpImm('jeq', R2, NR_EXECVE, 'arm'),
      jmpImm('jne', R2, NR_EXECVEAT, 'out'),
      label('arm'),
      st(4, R0, 0, 2),
    );
  } else {
    out.push(mov64Imm(R0, 0), exit());
  }
  out.push(label('traced'));
  return out;
}

const OUT: Item[] = [label('out'), mov64Imm(R0, 0), exit()];

/** `ptr = record.args[idx]` for idx loaded from sysinfo at `off` (R8 = sysinfo value); jumps to `skip` when none. */
function argPtr(base: Reg, argsOff: number, infoOff: number, skip: string, dst: Reg): Item[] {
  return [
    ldx(1, R1, R8, infoOff),
    jmpImm('jgt', R1, 5, skip),
    alu64Imm('lsh', R1, 3),
    mov64Reg(dst, base),
    alu64Reg('add', dst, R1),
    ldx(8, dst, dst, argsOff),
  ];
}

/** Stack slot of the record's write cursor: the offset where the next capture goes (spilled: bounds survive). */
const CURSOR = -88;
/** Stack slot of the scratch map's key (0). */
const SCRATCH_KEY = -84;

/** `R7 = this CPU's scratch record`, or return. */
function scratchRecord(): Item[] {
  return [
    st(4, R10, SCRATCH_KEY, 0),
    ldMapFd(R1, 'scratch'), mov64Reg(R2, R10), alu64Imm('add', R2, SCRATCH_KEY), call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, 'out'),
    mov64Reg(R7, R0),
    st(8, R10, CURSOR, RECORD_HEADER),
  ];
}

/**
 * `R1 = R7 + cursor`, jumping to `skip` when the cursor is past `max` (it never is: the check gives the
 * verifier the bound that proves the capture fits the scratch value).
 */
function atCursor(max: number, skip: string): Item[] {
  return [
    ldx(8, R1, R10, CURSOR),
    jmpImm('jgt', R1, max, skip),
    mov64Reg(R4, R7), alu64Reg('add', R4, R1), mov64Reg(R1, R4),
  ];
}

/** `cursor += src` for a src the caller has bounded. */
function advance(src: Reg): Item[] {
  return [ldx(8, R1, R10, CURSOR), alu64Reg('add', R1, src), stx(8, R10, CURSOR, R1)];
}

/** A string read's result in R0 (bytes with the NUL, or -errno): `cursor += R0` when positive. */
function advanceString(done: string): Item[] {
  return [jmpImm('jsle', R0, 0, done), jmpImm('jgt', R0, STR_SIZE, done), ...advance(R0)];
}

/** Copies the first `cursor` bytes of the scratch record to the ring buffer; a full ring buffer counts a drop. */
function output(recSize: number): Item[] {
  return [
    ldx(8, R3, R10, CURSOR),
    jmpImm('jgt', R3, recSize, 'out'),
    ldMapFd(R1, 'events'), mov64Reg(R2, R7), mov64Imm(R4, 1 /* BPF_RB_NO_WAKEUP */), call('ringbuf_output'),
    jmpImm('jsge', R0, 0, 'out'),
    ...dropCounter(),
    ...OUT,
  ];
}

/**
 * The sys_enter program of full mode. R6 ctx, R7 scratch record, R8 sysinfo value, R9 scratch. The record is
 * built in a per-CPU array value and copied out with bpf_ringbuf_output at its real length: a reservation has
 * to be a constant size, and the largest record is ten times the usual one.
 */
function enterFull(bufSize: number, recSize: number, chunk: number, all?: number): Item[] {
  const secondSize = secondRegionSize(chunk);
  const code: Item[] = [mov64Reg(R6, R1), ...filter(true, all), ...scratchRecord()];
  code.push(
    st(4, R7, 0, KIND_ENTER),
    stx(4, R7, 4, R9),
    mov64Reg(R1, R9), alu64Imm('rsh', R1, 32), stx(4, R7, 8, R1),
    ldx(8, R1, R6, 8), stx(4, R7, 12, R1),
    // inflight value on the stack at fp-64: u32 nr, u32 retry, u64 args[6]
    stx(4, R10, -64, R1), st(4, R10, -60, 0),
    call('ktime_get_ns'), stx(8, R7, 16, R0),
  );
  for (let i = 0; i < 6; i++) code.push(ldx(8, R1, R6, 16 + 8 * i), stx(8, R7, 24 + 8 * i, R1), stx(8, R10, -56 + 8 * i, R1));
  code.push(
    st(8, R7, 72, 0), st(8, R7, 80, 0),
    ldx(8, R1, R6, 8),
    jmpImm('jgt', R1, SYSCALL_SLOTS - 1, 'save'),
    stx(4, R10, -76, R1),
    ldMapFd(R1, 'sysinfo'), mov64Reg(R2, R10), alu64Imm('add', R2, -76), call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, 'save'),
    mov64Reg(R8, R0),
    stx(8, R10, INFO_SPILL, R0),
  );
  // Strings: read now; on failure (page not resident) mark them for a re-read at exit.
  for (const [i, infoOff] of [[0, 0], [1, 1]] as const) {
    const skip = `str${i}_done`;
    code.push(
      ...argPtr(R7, 24, infoOff, skip, R3),
      ...atCursor(RECORD_HEADER + i * STR_SIZE, skip), mov64Imm(R2, STR_SIZE),
      call('probe_read_user_str'),
      stx(4, R7, 72 + 4 * i, R0),
      jmpImm('jsgt', R0, 0, `str${i}_ok`),
      ldx(4, R1, R10, -60), alu64Imm('or', R1, 1 << i), stx(4, R10, -60, R1),
      ja(skip),
      label(`str${i}_ok`),
      ...advanceString(skip),
      label(skip),
    );
  }
  // Input buffer: length from an argument or fixed, clamped to the buffer.
  code.push(
    ...argPtr(R7, 24, 2, 'in_done', R9),
    ...regionLength('in', { info: R8, lenAt: 3, fixedAt: 4, args: R7, argsOff: 24, dst: R2, max: bufSize }),
    stx(4, R7, 80, R2),
    mov64Reg(R8, R2),
    ...atCursor(RECORD_HEADER + 2 * STR_SIZE, 'in_done'), mov64Reg(R2, R8), mov64Reg(R3, R9),
    call('probe_read_user'),
    jmpImm('jeq', R0, 0, 'in_ok'),
    stx(4, R7, 80, R0),
    ldx(4, R1, R10, -60), alu64Imm('or', R1, 4), stx(4, R10, -60, R1),
    ja('in_done'),
    label('in_ok'),
    ...advance(R8),
    label('in_done'),
    ...secondEntry(bufSize, secondSize, chunk),
    label('save'),
    ldMapFd(R1, 'inflight'), mov64Reg(R2, R10), alu64Imm('add', R2, -72), mov64Reg(R3, R10), alu64Imm('add', R3, -64),
    mov64Imm(R4, 0), call('map_update_elem'),
    ...output(recSize),
  );
  return code;
}

/**
 * `dst` = the length of a captured region, at most `max`: the syscall argument whose index is the u8 at
 * info+`lenAt` (the args array at args+`argsOff`) when that index is 0..5, else the u16 at info+`fixedAt`.
 * Labels start with `p`. Clobbers R1 and R2.
 */
function regionLength(p: string, o: { info: Reg; lenAt: number; fixedAt: number; args: Reg; argsOff: number; dst: Reg; max: number }): Item[] {
  return [
    ldx(1, R1, o.info, o.lenAt),
    jmpImm('jgt', R1, 5, `${p}_fixed`),
    alu64Imm('lsh', R1, 3), mov64Reg(R2, o.args), alu64Reg('add', R2, R1), ldx(8, o.dst, R2, o.argsOff),
    ja(`${p}_clamp`),
    label(`${p}_fixed`),
    ldx(2, o.dst, o.info, o.fixedAt),
    label(`${p}_clamp`),
    jmpImm('jle', o.dst, o.max, `${p}_len`),
    mov64Imm(o.dst, o.max),
    label(`${p}_len`),
  ];
}

function dropCounter(): Item[] {
  return [
    label('drop'),
    st(4, R10, -80, 0),
    ldMapFd(R1, 'drops'), mov64Reg(R2, R10), alu64Imm('add', R2, -80), call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, 'out'),
    ldx(8, R1, R0, 0), alu64Imm('add', R1, 1), stx(8, R0, 0, R1),
  ];
}

/**
 * The sys_exit program of full mode. R6 ctx then sysinfo value, R7 scratch record, R8 inflight value (or
 * null), R9 scratch. Strings and input buffers that could not be read at entry are read again now: the kernel
 * has faulted their pages in while running the call.
 */
function exitFull(bufSize: number, recSize: number, chunk: number, all?: number): Item[] {
  const secondSize = secondRegionSize(chunk);
  const code: Item[] = [mov64Reg(R6, R1), ...filter(false, all), ...scratchRecord()];
  code.push(
    ldMapFd(R1, 'inflight'), mov64Reg(R2, R10), alu64Imm('add', R2, -72), call('map_lookup_elem'),
    mov64Reg(R8, R0),
    st(4, R7, 0, KIND_EXIT),
    stx(4, R7, 4, R9),
    mov64Reg(R1, R9), alu64Imm('rsh', R1, 32), stx(4, R7, 8, R1),
    ldx(8, R1, R6, 8), stx(4, R7, 12, R1), stx(4, R10, -76, R1),
    ldx(8, R1, R6, 16), stx(8, R7, 24, R1),
    call('ktime_get_ns'), stx(8, R7, 16, R0),
  );
  for (let i = 1; i < 6; i++) code.push(st(8, R7, 24 + 8 * i, 0));
  // -a: the comm, in args[1..2], which an exit record does not use.
  if (all !== undefined) code.push(mov64Reg(R1, R7), alu64Imm('add', R1, 32), mov64Imm(R2, 16), call('get_current_comm'));
  code.push(
    st(8, R7, 72, 0), st(8, R7, 80, 0),
    jmpImm('jeq', R8, 0, 'submit'),
    ldx(4, R1, R10, -76),
    jmpImm('jgt', R1, SYSCALL_SLOTS - 1, 'del'),
    ldMapFd(R1, 'sysinfo'), mov64Reg(R2, R10), alu64Imm('add', R2, -76), call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, 'del'),
    mov64Reg(R6, R0),
  );
  // R8 = inflight (args at +8), R6 = sysinfo.
  for (const [i, infoOff] of [[0, 0], [1, 1]] as const) {
    const skip = `rstr${i}_done`;
    code.push(
      ldx(4, R1, R8, 4), jmpImm('jset', R1, 1 << i, `rstr${i}`), ja(skip), label(`rstr${i}`),
      ...argIndex(R6, infoOff, skip),
      mov64Reg(R3, R8), alu64Reg('add', R3, R1), ldx(8, R3, R3, 8),
      ...atCursor(RECORD_HEADER + i * STR_SIZE, skip), mov64Imm(R2, STR_SIZE),
      call('probe_read_user_str'),
      stx(4, R7, 72 + 4 * i, R0),
      ldx(2, R1, R7, 84), alu64Imm('or', R1, 1 << i), stx(2, R7, 84, R1),
      ...advanceString(skip),
      label(skip),
    );
  }
  // Output buffer (read data, stat): length = return value or fixed; else a retried input buffer.
  // Either way R9 = the length (bounded by bufSize) and R3 = the user pointer.
  code.push(
    ldx(1, R1, R6, 7),
    jmpImm('jeq', R1, 0, 'retry_in'),
    jmpImm('jeq', R1, 2, 'out_fixed'),
    ldx(8, R2, R7, 24),
    jmpImm('jsle', R2, 0, 'b_done'),
    ja('out_clamp'),
    label('out_fixed'),
    ldx(8, R2, R7, 24),
    jmpImm('jslt', R2, 0, 'b_done'),
    ldx(2, R2, R6, 8),
    label('out_clamp'),
    jmpImm('jle', R2, bufSize, 'out_ptr'),
    mov64Imm(R2, bufSize),
    label('out_ptr'),
    mov64Reg(R9, R2),
    ...argIndex(R6, 6, 'b_done'),
    mov64Reg(R3, R8), alu64Reg('add', R3, R1), ldx(8, R3, R3, 8),
    ldx(2, R1, R7, 84), alu64Imm('or', R1, 8), stx(2, R7, 84, R1),
    ja('buf_read'),
    label('retry_in'),
    ldx(4, R1, R8, 4), jmpImm('jset', R1, 4, 'rin'), ja('b_done'), label('rin'),
    ...regionLength('rin', { info: R6, lenAt: 3, fixedAt: 4, args: R8, argsOff: 8, dst: R2, max: bufSize }),
    mov64Reg(R9, R2),
    ...argIndex(R6, 2, 'b_done'),
    mov64Reg(R3, R8), alu64Reg('add', R3, R1), ldx(8, R3, R3, 8),
    ldx(2, R1, R7, 84), alu64Imm('or', R1, 4), stx(2, R7, 84, R1),
    label('buf_read'),
    stx(4, R7, 80, R9),
    ...atCursor(RECORD_HEADER + 2 * STR_SIZE, 'b_done'), mov64Reg(R2, R9),
    call('probe_read_user'),
    jmpImm('jeq', R0, 0, 'buf_ok'),
    stx(4, R7, 80, R0),
    ja('b_done'),
    label('buf_ok'),
    ...advance(R9),
    label('b_done'),
    ...secondExit(bufSize, secondSize, chunk),
    label('del'),
    ldMapFd(R1, 'inflight'), mov64Reg(R2, R10), alu64Imm('add', R2, -72), call('map_delete_elem'),
    label('submit'),
    ...output(recSize),
  );
  return code;
}

/** Stack slots of the second region: the spilled sysinfo pointer (entry) and the iovec gather's state. */
const INFO_SPILL = -96;
const IOV_PTR = -104;
const IOV_COUNT = -112;
const IOV_LEFT = -120;
const IOV_TMP = -136;
const IOV_TOTAL = -144;

/** Second-region kinds (sysinfo in2Kind/out2Kind): see encodeCaptureSpec. */
const REGION = 1;
// 2 (FIXED, `out2Fixed` bytes at the argument) is the default branch of secondExit.
const DEREF = 3;
const GATHER = 4;
const SOCKADDR = 5;

/**
 * Copies iovec data into the record: for each of the first IOV_MAX_CAPTURED elements of the array at
 * [IOV_PTR] (count at [IOV_COUNT]), take = min(iov_len, left); left -= take; then min(take, chunk) bytes are
 * read at the cursor. `left` starts as the return value (readv: the bytes the kernel wrote) or unbounded
 * (writev). The total lands in len2 (offset 86); a failed read ends the loop. R7 = record.
 */
function gather(p: string, base: number, secondSize: number, chunk: number, onFail: Item[] = []): Item[] {
  const done = `${p}_gdone`;
  const fail = `${p}_gfail`;
  const out: Item[] = [st(8, R10, IOV_TOTAL, 0)];
  for (let i = 0; i < IOV_MAX_CAPTURED; i++) {
    const next = `${p}_g${i}_next`;
    out.push(
      ldx(8, R1, R10, IOV_COUNT), jmpImm('jle', R1, i, done),
      mov64Reg(R1, R10), alu64Imm('add', R1, IOV_TMP), mov64Imm(R2, 16),
      ldx(8, R3, R10, IOV_PTR), alu64Imm('add', R3, 16 * i),
      call('probe_read_user'),
      jmpImm('jne', R0, 0, fail),
      ldx(8, R9, R10, IOV_TMP + 8),
      ldx(8, R1, R10, IOV_LEFT),
      jmpReg('jle', R9, R1, `${p}_g${i}_a`), mov64Reg(R9, R1), label(`${p}_g${i}_a`),
      alu64Reg('sub', R1, R9), stx(8, R10, IOV_LEFT, R1),
      jmpImm('jle', R9, chunk, `${p}_g${i}_b`), mov64Imm(R9, chunk), label(`${p}_g${i}_b`),
      jmpImm('jeq', R9, 0, next),
      ...atCursor(base + secondSize - chunk, done), mov64Reg(R2, R9), ldx(8, R3, R10, IOV_TMP),
      call('probe_read_user'),
      jmpImm('jne', R0, 0, fail),
      ...advance(R9),
      ldx(8, R1, R10, IOV_TOTAL), alu64Reg('add', R1, R9), stx(8, R10, IOV_TOTAL, R1),
      label(next),
    );
  }
  out.push(ja(done), label(fail), ...onFail, label(done), ldx(8, R1, R10, IOV_TOTAL), stx(2, R7, 86, R1));
  return out;
}

/**
 * Entry, second region (sysinfo in2*): a struct whose length is an argument or fixed (sendto's address,
 * ppoll's timeout), or writev's iovec data. R7 record; R8 is reloaded with the sysinfo value.
 */
function secondEntry(bufSize: number, secondSize: number, chunk: number): Item[] {
  const base = RECORD_HEADER + 2 * STR_SIZE + bufSize;
  return [
    ldx(8, R8, R10, INFO_SPILL),
    ldx(1, R1, R8, 18),
    jmpImm('jeq', R1, GATHER, 'c_in_gather'),
    jmpImm('jne', R1, REGION, 'c_in_done'),
    ...argPtr(R7, 24, 10, 'c_in_done', R9),
    ...regionLength('c_in', { info: R8, lenAt: 11, fixedAt: 12, args: R7, argsOff: 24, dst: R2, max: secondSize }),
    jmpImm('jeq', R2, 0, 'c_in_done'),
    mov64Reg(R8, R2),
    ...atCursor(base, 'c_in_done'), mov64Reg(R2, R8), mov64Reg(R3, R9),
    call('probe_read_user'),
    jmpImm('jeq', R0, 0, 'c_in_ok'),
    stx(2, R7, 86, R0),
    ja('c_in_done'),
    label('c_in_ok'),
    stx(2, R7, 86, R8),
    ...advance(R8),
    ja('c_in_done'),
    label('c_in_gather'),
    ...argPtr(R7, 24, 10, 'c_in_done', R9),
    stx(8, R10, IOV_PTR, R9),
    ldx(1, R1, R8, 11), jmpImm('jgt', R1, 5, 'c_in_done'),
    alu64Imm('lsh', R1, 3), mov64Reg(R2, R7), alu64Reg('add', R2, R1), ldx(8, R2, R2, 24),
    stx(8, R10, IOV_COUNT, R2),
    mov64Imm(R1, 0x7fffffff), stx(8, R10, IOV_LEFT, R1),
    // A failed read (the data's page not resident yet) is retried at exit: the kernel has read it by then.
    ...gather('c_in', base, secondSize, chunk, [ldx(4, R1, R10, -60), alu64Imm('or', R1, 8), stx(4, R10, -60, R1)]),
    label('c_in_done'),
  ];
}

/**
 * Exit, second region (sysinfo out2*), after a successful call: a struct at an argument (recvfrom's address,
 * ppoll's remaining time), a value behind a pointer inside an argument's struct (clone3's parent_tid), or
 * readv's iovec data. Without one, and when slot B held the output, the first input region is re-read here
 * if its entry read failed (rt_sigprocmask's and rt_sigaction's input set). R6 sysinfo, R7 record, R8 inflight.
 * writev's data, when its entry read failed, is read again. Flags: bit4 = the second region is the first input
 * re-read, bit5 = it is output 2, bit6 = it is the second input (iovec data) re-read.
 */
function secondExit(bufSize: number, secondSize: number, chunk: number): Item[] {
  const base = RECORD_HEADER + 2 * STR_SIZE + bufSize;
  const clamp = (lbl: string): Item[] => [jmpImm('jle', R9, secondSize, lbl), mov64Imm(R9, secondSize), label(lbl)];
  const flag = (bit: number): Item[] => [ldx(2, R1, R7, 84), alu64Imm('or', R1, bit), stx(2, R7, 84, R1)];
  return [
    ldx(1, R1, R6, 15),
    jmpImm('jeq', R1, 0, 'c_retry'),
    ldx(8, R2, R7, 24),
    jmpImm('jslt', R2, 0, 'c_done'),
    jmpImm('jeq', R1, GATHER, 'c_gather'),
    jmpImm('jeq', R1, DEREF, 'c_deref'),
    jmpImm('jeq', R1, SOCKADDR, 'c_sockaddr'),
    ...argIndex(R6, 14, 'c_done'),
    mov64Reg(R3, R8), alu64Reg('add', R3, R1), ldx(8, R3, R3, 8),
    ldx(2, R9, R6, 16), ...clamp('c_fixed_ok'),
    ...flag(32),
    ja('c_read'),
    // recvfrom: the address length the kernel wrote back (exit record's args[5], unused otherwise), then as
    // many bytes of the address (none when it is 0: the kernel did not write the address).
    label('c_sockaddr'),
    ...argIndex(R6, 11, 'c_done'),
    mov64Reg(R3, R8), alu64Reg('add', R3, R1), ldx(8, R3, R3, 8),
    jmpImm('jeq', R3, 0, 'c_done'),
    mov64Reg(R1, R10), alu64Imm('add', R1, IOV_TMP), mov64Imm(R2, 4), call('probe_read_user'),
    jmpImm('jne', R0, 0, 'c_done'),
    ldx(4, R9, R10, IOV_TMP), stx(8, R7, 64, R9),
    ...argIndex(R6, 14, 'c_done'),
    mov64Reg(R3, R8), alu64Reg('add', R3, R1), ldx(8, R3, R3, 8),
    ldx(2, R1, R6, 16), jmpReg('jle', R9, R1, 'c_sa_len'), mov64Reg(R9, R1), label('c_sa_len'),
    ...clamp('c_sa_ok'),
    ...flag(32 | 128),
    ja('c_read'),
    label('c_deref'),
    ...argIndex(R6, 14, 'c_done'),
    mov64Reg(R3, R8), alu64Reg('add', R3, R1), ldx(8, R3, R3, 8),
    ldx(1, R1, R6, 19), alu64Reg('add', R3, R1),
    mov64Reg(R1, R10), alu64Imm('add', R1, IOV_TMP), mov64Imm(R2, 8), call('probe_read_user'),
    jmpImm('jne', R0, 0, 'c_done'),
    ldx(8, R3, R10, IOV_TMP),
    jmpImm('jeq', R3, 0, 'c_done'),
    ldx(2, R9, R6, 16), ...clamp('c_deref_ok'),
    ...flag(32),
    ja('c_read'),
    label('c_retry'),
    ldx(1, R1, R6, 18), jmpImm('jne', R1, GATHER, 'c_retry_in'),
    ldx(4, R1, R8, 4), jmpImm('jset', R1, 8, 'c_regather'), ja('c_done'),
    label('c_regather'),
    ...argIndex(R6, 10, 'c_done'),
    mov64Reg(R3, R8), alu64Reg('add', R3, R1), ldx(8, R3, R3, 8), stx(8, R10, IOV_PTR, R3),
    ...argIndex(R6, 11, 'c_done'),
    mov64Reg(R3, R8), alu64Reg('add', R3, R1), ldx(8, R3, R3, 8), stx(8, R10, IOV_COUNT, R3),
    mov64Imm(R1, 0x7fffffff), stx(8, R10, IOV_LEFT, R1),
    ...flag(64),
    ...gather('c_re', base, secondSize, chunk),
    ja('c_done'),
    label('c_retry_in'),
    ldx(1, R1, R6, 7), jmpImm('jeq', R1, 0, 'c_done'),
    ldx(4, R1, R8, 4), jmpImm('jset', R1, 4, 'c_rin'), ja('c_done'), label('c_rin'),
    ...regionLength('c_rin', { info: R6, lenAt: 3, fixedAt: 4, args: R8, argsOff: 8, dst: R9, max: secondSize }),
    ...argIndex(R6, 2, 'c_done'),
    mov64Reg(R3, R8), alu64Reg('add', R3, R1), ldx(8, R3, R3, 8),
    ...flag(16),
    label('c_read'),
    jmpImm('jeq', R9, 0, 'c_done'),
    ...atCursor(base, 'c_done'), mov64Reg(R2, R9),
    call('probe_read_user'),
    jmpImm('jeq', R0, 0, 'c_ok'),
    stx(2, R7, 86, R0),
    ja('c_done'),
    label('c_ok'),
    stx(2, R7, 86, R9),
    ...advance(R9),
    ja('c_done'),
    label('c_gather'),
    ...argIndex(R6, 14, 'c_done'),
    mov64Reg(R3, R8), alu64Reg('add', R3, R1), ldx(8, R3, R3, 8), stx(8, R10, IOV_PTR, R3),
    ...argIndex(R6, 11, 'c_done'),
    mov64Reg(R3, R8), alu64Reg('add', R3, R1), ldx(8, R3, R3, 8), stx(8, R10, IOV_COUNT, R3),
    ldx(8, R2, R7, 24), stx(8, R10, IOV_LEFT, R2),
    ...flag(32),
    ...gather('c_out', base, secondSize, chunk),
    label('c_done'),
  ];
}

/** `r1 = sysinfo[infoOff] * 8`, jumping to `skip` when the index is not an argument (0xff). */
function argIndex(info: Reg, infoOff: number, skip: string): Item[] {
  return [ldx(1, R1, info, infoOff), jmpImm('jgt', R1, 5, skip), alu64Imm('lsh', R1, 3)];
}

/** -c, sys_enter: remember when the call started. */
function enterSummary(all?: number): Item[] {
  return [
    mov64Reg(R6, R1), ...filter(true, all),
    call('ktime_get_ns'), stx(8, R10, -64, R0),
    ldMapFd(R1, 'start'), mov64Reg(R2, R10), alu64Imm('add', R2, -72), mov64Reg(R3, R10), alu64Imm('add', R3, -64),
    mov64Imm(R4, 0), call('map_update_elem'),
    ...OUT,
  ];
}

/** -c, sys_exit: counts[nr] += {1, failed, now - start} on this CPU's slot (no atomics needed). */
function exitSummary(all?: number): Item[] {
  return [
    mov64Reg(R6, R1), ...filter(false, all),
    ldMapFd(R1, 'start'), mov64Reg(R2, R10), alu64Imm('add', R2, -72), call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, 'out'),
    ldx(8, R7, R0, 0),
    ldMapFd(R1, 'start'), mov64Reg(R2, R10), alu64Imm('add', R2, -72), call('map_delete_elem'),
    call('ktime_get_ns'), alu64Reg('sub', R0, R7), mov64Reg(R7, R0),
    ldx(8, R1, R6, 8), stx(4, R10, -76, R1),
    ldMapFd(R1, 'counts'), mov64Reg(R2, R10), alu64Imm('add', R2, -76), call('map_lookup_elem'),
    jmpImm('jne', R0, 0, 'add'),
    st(8, R10, -64, 0), st(8, R10, -56, 0), st(8, R10, -48, 0),
    ldMapFd(R1, 'counts'), mov64Reg(R2, R10), alu64Imm('add', R2, -76), mov64Reg(R3, R10), alu64Imm('add', R3, -64),
    mov64Imm(R4, 1 /* BPF_NOEXIST */), call('map_update_elem'),
    ldMapFd(R1, 'counts'), mov64Reg(R2, R10), alu64Imm('add', R2, -76), call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, 'out'),
    label('add'),
    ldx(8, R1, R0, 0), alu64Imm('add', R1, 1), stx(8, R0, 0, R1),
    ldx(8, R1, R0, 16), alu64Reg('add', R1, R7), stx(8, R0, 16, R1),
    ldx(8, R1, R6, 16),
    jmpImm('jsge', R1, 0, 'out'),
    jmpImm('jslt', R1, -4095, 'out'),
    ldx(8, R1, R0, 8), alu64Imm('add', R1, 1), stx(8, R0, 8, R1),
    ...OUT,
  ];
}

/** sched:sched_process_fork (-f): a traced parent's new task (process or thread) is traced too. */
function forkProgram(): Item[] {
  return [
    mov64Reg(R6, R1),
    call('get_current_pid_tgid'),
    stx(4, R10, -4, R0),
    ldMapFd(R1, 'pids'), mov64Reg(R2, R10), alu64Imm('add', R2, -4), call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, 'out'),
    ldx(4, R1, R0, 0), stx(4, R10, -8, R1),
    ldx(4, R1, R6, 20), stx(4, R10, -12, R1),
    ldMapFd(R1, 'pids'), mov64Reg(R2, R10), alu64Imm('add', R2, -12), mov64Reg(R3, R10), alu64Imm('add', R3, -8),
    mov64Imm(R4, 0), call('map_update_elem'),
    ...OUT,
  ];
}

/**
 * raw_tp signal_deliver(int sig, struct kernel_siginfo *info, struct k_sigaction *ka) (include/trace/events/
 * signal.h), which runs in the receiving thread as get_signal() hands it a signal, whether it is caught,
 * ignored or fatal. The record is a header (kind 3, nr = sig, args[0] = ka->sa.sa_handler, args[1] = info) and
 * the siginfo as buf: info is NULL (SEND_SIG_NOINFO) when a group exit turns into SIGKILL.
 */
function signalProgram(all?: number): Item[] {
  const rec = RECORD_HEADER + SIGINFO_SIZE;
  return [
    mov64Reg(R6, R1), ...filter(false, all),
    ldMapFd(R1, 'events'), mov64Imm(R2, rec), mov64Imm(R3, 0), call('ringbuf_reserve'),
    jmpImm('jeq', R0, 0, 'drop'),
    mov64Reg(R7, R0),
    st(4, R7, 0, KIND_SIGNAL),
    stx(4, R7, 4, R9),
    mov64Reg(R1, R9), alu64Imm('rsh', R1, 32), stx(4, R7, 8, R1),
    ldx(8, R1, R6, 0), stx(4, R7, 12, R1),
    call('ktime_get_ns'), stx(8, R7, 16, R0),
    ldx(8, R1, R6, 8), stx(8, R7, 32, R1),
    st(8, R7, 24, 0), st(8, R7, 40, 0), st(8, R7, 48, 0), st(8, R7, 56, 0), st(8, R7, 64, 0),
    st(8, R7, 72, 0), st(8, R7, 80, 0),
    // sa_handler: the first field of k_sigaction.sa (struct sigaction, x86_64).
    ldx(8, R3, R6, 16), jmpImm('jeq', R3, 0, 'info'),
    mov64Reg(R1, R7), alu64Imm('add', R1, 24), mov64Imm(R2, 8), call('probe_read_kernel'),
    label('info'),
    ldx(8, R3, R6, 8), jmpImm('jeq', R3, 0, 'submit'),
    mov64Reg(R1, R7), alu64Imm('add', R1, RECORD_HEADER), mov64Imm(R2, SIGINFO_SIZE), call('probe_read_kernel'),
    jmpImm('jne', R0, 0, 'failed'),
    st(4, R7, 80, SIGINFO_SIZE),
    ja('submit'),
    label('failed'),
    stx(4, R7, 80, R0),
    label('submit'),
    mov64Reg(R1, R7), mov64Imm(R2, 1 /* BPF_RB_NO_WAKEUP */), call('ringbuf_submit'),
    ...OUT,
    ...dropCounter(),
    ...OUT.slice(1),
  ];
}

/**
 * tracepoint signal:signal_generate, in the sender, for a signal sent to a traced thread. A signal that kills
 * by default and has no handler (SIGTERM, SIGINT, ...) never reaches signal_deliver: complete_signal() turns
 * it into a group exit and every thread dequeues SIGKILL instead (strace, being a ptracer, is exempt). The
 * record keeps what strace's `--- SIGTERM {...} ---` shows: kind 4, tid = the target, nr = sig,
 * args[0] = si_code, args[1] = the sender's pid_tgid, args[2] = its uid_gid.
 */
function generateProgram(): Item[] {
  return [
    mov64Reg(R6, R1),
    ldx(4, R1, R6, 44), jmpImm('jne', R1, 0, 'out'), // result: TRACE_SIGNAL_DELIVERED only
    ldx(4, R1, R6, 36), stx(4, R10, -72, R1),
    ldMapFd(R1, 'pids'), mov64Reg(R2, R10), alu64Imm('add', R2, -72), call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, 'out'),
    ldx(4, R1, R0, 0), jmpImm('jne', R1, 2, 'out'),
    ldMapFd(R1, 'events'), mov64Imm(R2, RECORD_HEADER), mov64Imm(R3, 0), call('ringbuf_reserve'),
    jmpImm('jeq', R0, 0, 'drop'),
    mov64Reg(R7, R0),
    st(4, R7, 0, KIND_GENERATE),
    ldx(4, R1, R10, -72), stx(4, R7, 4, R1), st(4, R7, 8, 0),
    ldx(4, R1, R6, 8), stx(4, R7, 12, R1),
    ldx(4, R1, R6, 16), stx(8, R7, 24, R1),
    call('ktime_get_ns'), stx(8, R7, 16, R0),
    call('get_current_pid_tgid'), stx(8, R7, 32, R0),
    call('get_current_uid_gid'), stx(8, R7, 40, R0),
    st(8, R7, 48, 0), st(8, R7, 56, 0), st(8, R7, 64, 0), st(8, R7, 72, 0), st(8, R7, 80, 0),
    mov64Reg(R1, R7), mov64Imm(R2, 1 /* BPF_RB_NO_WAKEUP */), call('ringbuf_submit'),
    ...OUT,
    ...dropCounter(),
    ...OUT.slice(1),
  ];
}

/** The collection of `siesta trace` for `o`: programs `sys_enter`, `sys_exit`, `signal` (not with -c) and (with -f) `fork`. */
export function traceCollection(o: TraceProgramOptions): CollectionSpec {
  const rec = recordSize(o.bufSize, chunkOf(o));
  const maps: CollectionSpec['maps'] = [
    { name: 'pids', kind: 'hash', keySize: 4, valueSize: 4, maxEntries: 8192 },
  ];
  const programs: CollectionSpec['programs'] = [];
  if (o.summary) {
    maps.push(
      { name: 'start', kind: 'lru_hash', keySize: 4, valueSize: 8, maxEntries: 8192 },
      { name: 'counts', kind: 'percpu_hash', keySize: 4, valueSize: 24, maxEntries: SYSCALL_SLOTS },
    );
    programs.push(
      { name: 'sys_enter', kind: 'tracepoint', code: link(enterSummary(o.all), 'sys_enter'), license: 'GPL' },
      { name: 'sys_exit', kind: 'tracepoint', code: link(exitSummary(o.all), 'sys_exit'), license: 'GPL' },
    );
  } else {
    maps.push(
      { name: 'sysinfo', kind: 'array', keySize: 4, valueSize: SYSINFO_SIZE, maxEntries: SYSCALL_SLOTS },
      { name: 'inflight', kind: 'lru_hash', keySize: 4, valueSize: 56, maxEntries: 8192 },
      { name: 'events', kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: o.ringSize ?? 1 << 24 },
      { name: 'drops', kind: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: 1 },
      { name: 'scratch', kind: 'percpu_array', keySize: 4, valueSize: rec, maxEntries: 1 },
    );
    programs.push(
      { name: 'sys_enter', kind: 'tracepoint', code: link(enterFull(o.bufSize, rec, chunkOf(o), o.all), 'sys_enter'), license: 'GPL' },
      { name: 'sys_exit', kind: 'tracepoint', code: link(exitFull(o.bufSize, rec, chunkOf(o), o.all), 'sys_exit'), license: 'GPL' },
    );
  }
  if (!o.summary) {
    programs.push(
      { name: 'signal', kind: 'raw_tp', code: link(signalProgram(o.all), 'signal'), license: 'GPL' },
    );
    // With -a, signal_deliver's SIGKILL is shown as such: the group-exit refinement needs the traced-pid map.
    if (o.all === undefined) programs.push({ name: 'generate', kind: 'tracepoint', code: link(generateProgram(), 'generate'), license: 'GPL' });
  }
  if (o.follow && o.all === undefined) programs.push({ name: 'fork', kind: 'tracepoint', code: link(forkProgram(), 'fork'), license: 'GPL' });
  return { maps, programs };
}

/** The sysinfo value of a capture spec. */
export function encodeCaptureSpec(c: CaptureSpec): Uint8Array {
  const out = new Uint8Array(SYSINFO_SIZE);
  const v = new DataView(out.buffer);
  out[0] = c.str0;
  out[1] = c.str1;
  out[2] = c.inPtr;
  out[3] = c.inLenArg;
  v.setUint16(4, c.inFixed, true);
  out[6] = c.outPtr;
  out[7] = c.outKind;
  v.setUint16(8, c.outFixed, true);
  out[10] = c.in2Ptr;
  out[11] = c.in2LenArg;
  v.setUint16(12, c.in2Fixed, true);
  out[14] = c.out2Ptr;
  out[15] = c.out2Kind;
  v.setUint16(16, c.out2Fixed, true);
  out[18] = c.in2Kind;
  out[19] = c.out2Off;
  return out;
}

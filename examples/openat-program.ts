/**
 * A hand-assembled program for tracepoint:syscalls:sys_enter_openat that writes one 64-byte record per call to
 * a ring buffer, counting the records it could not write. Used by the example, the kernel tests and the bench.
 *
 * Record layout (64 bytes):
 *   0  u64  pid_tgid (tgid in the high 32 bits)
 *   8  u64  filename pointer (args->filename)
 *  16  char comm[16]
 *  32  char filename[32]   (bpf_probe_read_user_str: may be empty when the page is not resident)
 */
import {
  alu64Imm, call, exit, jmpImm, label, ldMapFd, ldx, link, mov64Imm, mov64Reg, R0, R1, R10, R2, R3, R6, R7, R8,
  st, stx, type Item,
} from '../src/asm/index.js';
import type { CollectionSpec } from '../src/loader/index.js';

/** Size of one record. */
export const RECORD_SIZE = 64;

/** Offsets in the sys_enter_openat tracepoint context (from its tracefs `format` file). */
const CTX_FILENAME = 24;

/**
 * The collection: an `events` ring buffer, a per-CPU `drops` counter and the program. With `wakeup: false`
 * records are submitted with BPF_RB_NO_WAKEUP and the reader polls (batched wake-ups).
 */
export function openatCollection(o: { ringSize?: number; wakeup?: boolean } = {}): CollectionSpec {
  const submitFlags = o.wakeup === false ? 1 /* BPF_RB_NO_WAKEUP */ : 0;
  const code: Item[] = [
    mov64Reg(R6, R1), // r6 = ctx
    call('get_current_pid_tgid'),
    mov64Reg(R7, R0), // r7 = pid_tgid
    ldMapFd(R1, 'events'),
    mov64Imm(R2, RECORD_SIZE),
    mov64Imm(R3, 0),
    call('ringbuf_reserve'),
    jmpImm('jeq', R0, 0, 'drop'),
    mov64Reg(R8, R0), // r8 = record
    stx(8, R8, 0, R7),
    ldx(8, R1, R6, CTX_FILENAME),
    stx(8, R8, 8, R1),
    mov64Reg(R1, R8),
    alu64Imm('add', R1, 16),
    mov64Imm(R2, 16),
    call('get_current_comm'),
    mov64Reg(R1, R8),
    alu64Imm('add', R1, 32),
    mov64Imm(R2, 32),
    ldx(8, R3, R6, CTX_FILENAME),
    call('probe_read_user_str'),
    mov64Reg(R1, R8),
    mov64Imm(R2, submitFlags),
    call('ringbuf_submit'),
    mov64Imm(R0, 0),
    exit(),
    label('drop'),
    // drops[0] += 1 (per-CPU, so no atomic is needed)
    st(4, R10, -4, 0),
    ldMapFd(R1, 'drops'),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, -4),
    call('map_lookup_elem'),
    jmpImm('jeq', R0, 0, 'out'),
    ldx(8, R1, R0, 0),
    alu64Imm('add', R1, 1),
    stx(8, R0, 0, R1),
    label('out'),
    mov64Imm(R0, 0),
    exit(),
  ];
  return {
    maps: [
      { name: 'events', kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: o.ringSize ?? 1 << 20 },
      { name: 'drops', kind: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: 1 },
    ],
    programs: [{ name: 'openat_events', kind: 'tracepoint', code: link(code, 'openat_events') }],
  };
}

/** A decoded record. */
export interface OpenatRecord {
  pid: number;
  tid: number;
  filenamePtr: bigint;
  comm: string;
  filename: string;
}

function cstr(view: DataView, offset: number, max: number): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, max);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.subarray(0, end < 0 ? max : end));
}

/** Decodes the record at `offset` of `view`. */
export function decodeOpenatRecord(view: DataView, offset: number): OpenatRecord {
  const pidTgid = view.getBigUint64(offset, true);
  return {
    pid: Number(pidTgid >> 32n),
    tid: Number(pidTgid & 0xffffffffn),
    filenamePtr: view.getBigUint64(offset + 8, true),
    comm: cstr(view, offset + 16, 16),
    filename: cstr(view, offset + 32, 32),
  };
}

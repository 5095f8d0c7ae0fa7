/**
 * The contract between the compiler and the runtime: which maps a script has and how their bytes are laid
 * out, which output events its programs emit and how each record is laid out, and what each program attaches
 * to. Pure data: the runtime decodes everything it reads from the kernel with this record alone.
 */
import type { MapKind } from '../loader/index.js';
import type { ResolvedProbe } from '../passes/probes.js';
import type { AggFn, Type } from '../types/types.js';
import type { KernelPathOffsets } from './kernel-path.js';

/** Event record kinds (u32 at offset 0 of every ring-buffer record; u32 `id` at offset 4). */
export const EVENT = {
  printf: 1,
  exit: 2,
  print_map: 3,
  clear_map: 4,
  zero_map: 5,
  time: 6,
  print_value: 7,
  system: 8,
  cat: 9,
  join: 10,
  errorf: 11,
  warnf: 12,
  signal_fail: 13,
  helper_error: 14,
} as const;

/** Bit set in a user read's status when the value was re-read at syscall exit. */
export const PROVENANCE_EXIT = 2 ** 40;

/** Bit set in a user read's status when a bpf_wq callback read the value after the call returned (wq-deferred.ts). */
export const PROVENANCE_DEFERRED = 2 ** 41;

/**
 * An output record whose user reads failed at a syscall's entry: it waits in `pendingMap` (keyed by
 * pid_tgid) until the syscall's exit, where the failed reads are retried and the record is sent.
 */
export interface DeferredRecord {
  format: number;
  pendingMap: string;
  size: number;
  /** The syscall exit tracepoint. */
  exit: { category: string; event: string };
  fixups: Array<{ offset: number; statusOffset: number; size: number; str: boolean }>;
  /** Name of the entry program (for the exit program's name). */
  entry: string;
  /**
   * Reads still lost at exit are handed to a bpf_wq callback (wq-deferred.ts): its slot pool map, the index
   * of its counters in Resources.wqCtlMap, and the pool's size. Absent when the kernel cannot do it.
   */
  wq?: { poolMap: string; ctlIndex: number; slots: number };
  /**
   * For calls returning a descriptor opened from the path (openat...): where the kernel's fields are, so the
   * exit program writes the descriptor's path where the path read is still lost (kernel-path.ts).
   */
  kernelPath?: KernelPathOffsets;
}

/** Size of the event header (kind u32, id u32). */
export const EVENT_HEADER = 8;

/** A script map (`@name`) as the kernel holds it. */
export interface ScriptMap {
  /** Script name, with `@`. */
  name: string;
  /** Kernel map name. */
  bpfName: string;
  kind: MapKind;
  /** Key type, or null for maps used without keys (their kernel key is a zero u64). */
  key: Type | null;
  keySize: number;
  /** Value type (for aggregations, the type of the aggregated expression). */
  value: Type;
  valueSize: number;
  agg?: AggFn;
  /** hist: bits; lhist: bounds. */
  hist?: { bits: number };
  lhist?: { min: number; max: number; step: number };
  maxEntries: number;
}

/** One argument of an output record. */
export interface RecordArg {
  type: Type;
  /** Byte offset from the start of the record (the header included). Integers occupy 8 bytes in records. */
  offset: number;
  /**
   * For user-memory reads: offset of a 16-byte status slot { s64 result; u64 user address }. The result is
   * the bytes read (exact), that count | PROVENANCE_EXIT when re-read at syscall exit, or -errno (lost).
   */
  statusOffset?: number;
  /** For user-memory reads: how the bytes at `offset` were read (for a re-read at syscall exit). */
  userRead?: { size: number; str: boolean };
}

/** printf/errorf/warnf/system/cat: a format and its argument layout. */
export interface FormatEvent {
  kind: 'printf' | 'errorf' | 'warnf' | 'system' | 'cat';
  format: string;
  args: RecordArg[];
  /** Record size, header included. */
  size: number;
  /** Where the call is, for errorf/warnf messages. */
  loc?: { file: string; line: number; column: number };
}

/** `print(value)` of a non-map value. */
export interface PrintValueEvent {
  arg: RecordArg;
  size: number;
}

/** A stack map (BPF_MAP_TYPE_STACK_TRACE) keeping `limit` frames per stack; kstack/ustack of that limit use it. */
export interface StackMapInfo {
  name: string;
  limit: number;
}

/**
 * `join(argv[, sep])`: its record holds, after the header, a u64 count of strings read then `argNum` slots of
 * `argSize` bytes (NUL-terminated strings) and a s64 status (the first failed read's -errno, else 0).
 */
export interface JoinEvent {
  sep: string;
  argNum: number;
  argSize: number;
  /** Record size, header included. */
  size: number;
}

/** A helper call checked under -k (see helper-errors.ts): what was called, and where in the script. */
export interface HelperErrorSite {
  helper: string;
  /** `endColumn`: one past the last character of the call or map access, when on one line. */
  loc?: { file: string; line: number; column: number; endColumn?: number };
}

/** What each generated program is for. */
export interface ProgramInfo {
  /** Program name in the collection. */
  name: string;
  probe: ResolvedProbe;
  /** Added by siesta (exit re-reads), not written in the script: not counted in "Attached N probes". */
  internal?: boolean;
  /**
   * How the program reads user memory, when it does: `sleepable` with faulting helpers at the event (its spec
   * has a plain fallback), `exit` without faulting at the event and again at the syscall's exit, or `entry`
   * once without faulting (a page that is not resident is lost).
   */
  reads?: 'sleepable' | 'exit' | 'entry';
  /** For `sleepable`: how the plain fallback reads, should the verifier refuse the sleepable program. */
  fallbackReads?: 'exit' | 'entry';
}

/** Everything the runtime needs besides the loaded objects. */
export interface Resources {
  /**
   * Whether some value is a user-space symbol or stack (usym, ustack): the runtime then keeps the traced
   * process's mappings while it lives, so they can still be named after it exits.
   */
  userSymbols: boolean;
  maps: ScriptMap[];
  formats: FormatEvent[];
  printValues: PrintValueEvent[];
  /** time() formats. */
  timeFormats: string[];
  /** Records that may wait for a syscall's exit to complete their user reads. */
  deferred: DeferredRecord[];
  /** Stack maps of kstack/ustack values, one per frame limit. */
  stackMaps: StackMapInfo[];
  /** join() calls, by record id. */
  joins: JoinEvent[];
  /** Helper calls checked under -k, by record id. */
  helperErrors: HelperErrorSite[];
  programs: ProgramInfo[];
  /** Name of the ring buffer, drops counter, scratch and globals maps. */
  eventsMap: string;
  dropsMap: string;
  /** Global values written by the runtime before attaching (index 0: start time for `elapsed`; 1: cpid). */
  globalsMap: string;
  /** Counters of the bpf_wq slot pools (one array entry per DeferredRecord with `wq`); see wq-deferred.ts. */
  wqCtlMap?: string;
}

/** Kernel map name for a script map (BPF names allow [A-Za-z0-9_.], 15 bytes). */
export function bpfMapName(name: string, index: number): string {
  const base = name === '@' ? 'AT_' : `AT_${name.slice(1)}`;
  return `${base.slice(0, 11)}${base.length > 11 ? `_${index}` : ''}`.slice(0, 15);
}

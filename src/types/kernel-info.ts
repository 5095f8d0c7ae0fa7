/**
 * What compiling a script needs to know about the machine, as an interface: the host implementation reads
 * tracefs, BTF and ELF files (src/kernel/host-info.ts); tests pass recorded fixtures. Compilation is a pure
 * function of the script and this snapshot.
 */
import type { Btf } from '../btf/index.js';

/** A function symbol found in a binary, for uprobes. */
export interface UserSymbol {
  name: string;
  /** File offset the uprobe attaches at. */
  fileOffset: bigint;
}

/** The compile-time view of the machine. */
export interface KernelInfo {
  /** vmlinux BTF, or null on kernels without it. */
  readonly btf: Btf | null;
  /** Number of possible CPUs (`ncpus`). */
  readonly ncpus: number;
  /** Text of a tracepoint's tracefs `format` file, or null when absent. */
  tracepointFormat(category: string, event: string): string | null;
  /** Every tracepoint as `category:event`. */
  tracepoints(): readonly string[];
  /** The resolved path of a binary or library (`libc` → /lib/x86_64-linux-gnu/libc.so.6), or null. */
  resolveBinary(name: string): string | null;
  /** Function symbols of a binary matching a pattern (`*` wildcards). */
  userSymbols(path: string, pattern: string): UserSymbol[];
  /** Nearest function names in a binary, for "no such function" diagnostics. */
  nearestUserSymbols(path: string, name: string): string[];
  /**
   * Whether uprobe programs load as sleepable programs here (uprobe.s, 6.2), found by trying: then uprobes
   * may sleep and read user memory with bpf_copy_from_user. Absent means they do not.
   */
  sleepableUprobes?(): boolean;
  /**
   * Whether tracepoint programs load as sleepable programs here (tp.s: BPF_PROG_TYPE_TRACEPOINT with
   * BPF_F_SLEEPABLE, expected in 7.2, where the kernel lets them attach to syscall tracepoints only), found by
   * trying: then syscall probes read user memory with faulting helpers. Absent means they do not.
   */
  sleepableSyscallTracepoints?(): boolean;
  /**
   * Whether a read that failed at a syscall's entry can be retried by a program on the syscall's exit tracepoint
   * (reliable reads, mechanism c). Absent means it can.
   */
  exitRereads?(): boolean;
  /** Whether programs may call bpf_loop (5.17), found by trying; asked only by loops over run-time ranges. Absent means they may. */
  bpfLoop?(): boolean;
  /** Whether programs may use may_goto (6.9), found by trying; asked only by while loops. Absent means they may not. */
  mayGoto?(): boolean;
  /** The address of a kernel symbol (/proc/kallsyms), or null when there is none; asked only by kaddr(). */
  kernelSymbolAddress?(name: string): bigint | null;
}

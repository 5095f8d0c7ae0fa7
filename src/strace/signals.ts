/**
 * Signals as strace prints them: names (x86_64 numbering, arch/x86/include/uapi/asm/signal.h), which signals
 * kill by default, and the `{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=N, ...}` text of a siginfo
 * (strace's printsiginfo in signal.c), decoded from the kernel's struct kernel_siginfo:
 *
 *    0 s32 si_signo   4 s32 si_errno   8 s32 si_code   12 pad
 *   16 union: kill/rt/sigchld {s32 pid, u32 uid, [rt: sigval 24] [sigchld: s32 status 24, long utime 32, stime 40]}
 *             timer {s32 tid, s32 overrun, sigval 24}    sigfault {void *addr}
 *             sigpoll {long band, s32 fd 24}             sigsys {void *call_addr, s32 syscall 24, u32 arch 28}
 */
import { errnoInfo } from './errno.js';

const NAMES = [
  '', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV',
  'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU',
  'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS',
];

/** Signal numbers by name (`SIGKILL` → 9). */
export const SIGNAL_NUMBERS: ReadonlyMap<string, number> = new Map(NAMES.flatMap((n, i) => (n ? [[n, i] as const] : [])));

/** A signal's name without `SIG` (`USR1`, `RTMIN`, `RT_2`), as strace prints members of a sigset; null when unknown. */
export function signalShortName(sig: number): string | null {
  if (sig > 0 && sig < NAMES.length) return NAMES[sig]!.slice(3);
  if (sig === 32) return 'RTMIN';
  if (sig > 32 && sig <= 64) return `RT_${sig - 32}`;
  return null;
}

/** `SIGCHLD`, `SIGRTMIN`, `SIGRT_3`, or the number for one out of range (`0` for the null signal), as strace names signals. */
export function formatSignal(sig: number): string {
  const n = signalShortName(sig);
  return n ? `SIG${n}` : String(sig);
}

/** Signals whose default action is not to terminate: ignore (CHLD, URG, WINCH), continue or stop. */
const NOT_FATAL = new Set([17, 18, 19, 20, 21, 22, 23, 28]);

/** True when `sig` under SIG_DFL ends the process (signal(7)'s Term and Core actions). */
export function fatalByDefault(sig: number): boolean {
  return sig > 0 && !NOT_FATAL.has(sig);
}

const SI_CODES: Record<number, string> = {
  0: 'SI_USER', 0x80: 'SI_KERNEL', [-1]: 'SI_QUEUE', [-2]: 'SI_TIMER', [-3]: 'SI_MESGQ', [-4]: 'SI_ASYNCIO', [-5]: 'SI_SIGIO',
  [-6]: 'SI_TKILL', [-7]: 'SI_DETHREAD', [-60]: 'SI_ASYNCNL',
};

/** Per-signal si_code names for codes > 0 (include/uapi/asm-generic/siginfo.h). */
const SIGNAL_CODES: Record<number, readonly string[]> = {
  4: ['ILL_ILLOPC', 'ILL_ILLOPN', 'ILL_ILLADR', 'ILL_ILLTRP', 'ILL_PRVOPC', 'ILL_PRVREG', 'ILL_COPROC', 'ILL_BADSTK', 'ILL_BADIADDR'],
  5: ['TRAP_BRKPT', 'TRAP_TRACE', 'TRAP_BRANCH', 'TRAP_HWBKPT', 'TRAP_UNK', 'TRAP_PERF'],
  7: ['BUS_ADRALN', 'BUS_ADRERR', 'BUS_OBJERR', 'BUS_MCEERR_AR', 'BUS_MCEERR_AO'],
  8: ['FPE_INTDIV', 'FPE_INTOVF', 'FPE_FLTDIV', 'FPE_FLTOVF', 'FPE_FLTUND', 'FPE_FLTRES', 'FPE_FLTINV', 'FPE_FLTSUB', '', '', '', '', '', 'FPE_FLTUNK', 'FPE_CONDTRAP'],
  11: ['SEGV_MAPERR', 'SEGV_ACCERR', 'SEGV_BNDERR', 'SEGV_PKUERR', 'SEGV_ACCADI', 'SEGV_ADIDERR', 'SEGV_ADIPERR', 'SEGV_MTEAERR', 'SEGV_MTESERR', 'SEGV_CPERR'],
  17: ['CLD_EXITED', 'CLD_KILLED', 'CLD_DUMPED', 'CLD_TRAPPED', 'CLD_STOPPED', 'CLD_CONTINUED'],
  29: ['POLL_IN', 'POLL_OUT', 'POLL_MSG', 'POLL_ERR', 'POLL_PRI', 'POLL_HUP'],
  31: ['SYS_SECCOMP', 'SYS_USER_DISPATCH'],
};

function codeName(signo: number, code: number): string {
  if (code <= 0 || code === 0x80) return SI_CODES[code] ?? String(code);
  return SIGNAL_CODES[signo]?.[code - 1] || String(code);
}

const addr = (v: bigint): string => (v === 0n ? 'NULL' : `0x${v.toString(16)}`);

/** The `{si_signo=..., ...}` text of a struct kernel_siginfo (at least 48 bytes). */
export function formatSiginfo(b: Uint8Array): string {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const signo = v.getInt32(0, true);
  const errno = v.getInt32(4, true);
  const code = v.getInt32(8, true);
  const parts = [`si_signo=${formatSignal(signo)}`];
  if (errno) parts.push(`si_errno=${errnoInfo(errno)?.name ?? errno}`);
  parts.push(`si_code=${codeName(signo, code)}`);
  const source = (): void => void parts.push(`si_pid=${v.getInt32(16, true)}`, `si_uid=${v.getUint32(20, true)}`);
  const ptr = v.getBigUint64(24, true);
  const sigval = (): void => void parts.push(`si_int=${v.getInt32(24, true)}`, `si_ptr=${addr(ptr)}`);
  if (code <= 0) {
    if (code === -2) parts.push(`si_timerid=0x${v.getInt32(16, true).toString(16)}`, `si_overrun=${v.getInt32(20, true)}`, `si_int=${v.getInt32(24, true)}`, `si_ptr=${addr(ptr)}`);
    else {
      source();
      if (code !== 0 && code !== -6 && ptr) sigval();
    }
    return `{${parts.join(', ')}}`;
  }
  switch (signo) {
    case 17: {
      source();
      const status = v.getInt32(24, true);
      parts.push(`si_status=${code === 1 ? status : formatSignal(status)}`, `si_utime=${v.getBigInt64(32, true)}`, `si_stime=${v.getBigInt64(40, true)}`);
      break;
    }
    case 4: case 8: case 11: case 7:
      parts.push(`si_addr=${addr(v.getBigUint64(16, true))}`);
      break;
    case 29:
      if (code >= 1 && code <= 6) parts.push(`si_band=${v.getBigInt64(16, true)}`, `si_fd=${v.getInt32(24, true)}`);
      break;
    case 31:
      parts.push(`si_call_addr=${addr(v.getBigUint64(16, true))}`, `si_syscall=${v.getInt32(24, true)}`, `si_arch=0x${v.getUint32(28, true).toString(16)}`);
      break;
    default:
      if (v.getInt32(16, true) || v.getUint32(20, true)) source();
      if (ptr) sigval();
  }
  return `{${parts.join(', ')}}`;
}

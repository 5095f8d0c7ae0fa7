/**
 * `-c`: the per-syscall table strace prints (strace's summary.c), from counts aggregated in the kernel.
 */

/** One syscall's totals. */
export interface SyscallTotals {
  name: string;
  calls: number;
  errors: number;
  ns: bigint;
}

const RULE = '------ ----------- ----------- --------- --------- ----------------';

/** The table, sorted by time (then calls, then name) as `strace -c` sorts by default. */
export function formatSummary(rows: readonly SyscallTotals[]): string {
  const sorted = [...rows].filter((r) => r.calls > 0).sort((a, b) => (b.ns > a.ns ? 1 : b.ns < a.ns ? -1 : b.calls - a.calls || a.name.localeCompare(b.name)));
  const totalNs = sorted.reduce((s, r) => s + r.ns, 0n);
  const totalCalls = sorted.reduce((s, r) => s + r.calls, 0);
  const totalErrors = sorted.reduce((s, r) => s + r.errors, 0);
  const line = (pct: number, ns: bigint, calls: number, errors: number, name: string) => {
    const secs = (Number(ns) / 1e9).toFixed(6).padStart(11);
    const usecs = String(calls ? Math.floor(Number(ns) / 1000 / calls) : 0).padStart(11);
    return `${pct.toFixed(2).padStart(6)} ${secs} ${usecs} ${String(calls).padStart(9)} ${(errors ? String(errors) : '').padStart(9)} ${name}`;
  };
  const out = ['% time     seconds  usecs/call     calls    errors syscall', RULE];
  for (const r of sorted) out.push(line(totalNs ? (Number(r.ns) * 100) / Number(totalNs) : 0, r.ns, r.calls, r.errors, r.name));
  out.push(RULE, line(100, totalNs, totalCalls, totalErrors, 'total'));
  return `${out.join('\n')}\n`;
}

/** Sums per-CPU values of the kernel's `counts` map ({u64 calls, u64 errors, u64 ns} per CPU). */
export function sumCounts(perCpu: readonly Uint8Array[]): { calls: number; errors: number; ns: bigint } {
  let calls = 0n;
  let errors = 0n;
  let ns = 0n;
  for (const b of perCpu) {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    calls += v.getBigUint64(0, true);
    errors += v.getBigUint64(8, true);
    ns += v.getBigUint64(16, true);
  }
  return { calls: Number(calls), errors: Number(errors), ns };
}

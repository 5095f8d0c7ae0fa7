/**
 * Example of siesta's low-level API: load a hand-assembled program, attach it to
 * tracepoint:syscalls:sys_enter_openat, and print each openat with its pid and comm, then counts per comm.
 *
 *   node dist/examples/count-openat.js [seconds]      (as root)
 */
import { attachTracepoint, installCleanup, loadCollection, RingBufferReader, sumPerCpuCounter } from '../src/index.js';
import { decodeOpenatRecord, openatCollection } from './openat-program.js';

const seconds = Number(process.argv[2] ?? 5);
installCleanup();

using collection = loadCollection(openatCollection());
using link = attachTracepoint(collection.program('openat_events'), 'syscalls', 'sys_enter_openat');
using reader = new RingBufferReader(collection.map('events'));

const counts = new Map<string, number>();
const stop = AbortSignal.timeout(seconds * 1000);
console.log(`Tracing openat for ${seconds} s (${link.description})...`);
await reader.run((view, offset) => {
  const r = decodeOpenatRecord(view, offset);
  counts.set(r.comm, (counts.get(r.comm) ?? 0) + 1);
  console.log(`${String(r.pid).padStart(7)} ${JSON.stringify(r.comm).padEnd(18)} ${JSON.stringify(r.filename)}`);
}, { signal: stop });

console.log('\nopenat calls by comm:');
for (const [comm, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`${String(n).padStart(8)}  ${comm}`);
console.log(`records lost (ring buffer full): ${sumPerCpuCounter(collection.map('drops'))}`);

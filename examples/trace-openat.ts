/**
 * Example of siesta's high-level API: run a bpftrace script from Node, print its printf output as it arrives,
 * then the ten commands that opened the most files, from the script's final map.
 *
 *   node dist/examples/trace-openat.js [seconds]      (as root)
 */
import { formatMapText, ScriptError, trace } from '../src/index.js';

const SCRIPT = `
tracepoint:syscalls:sys_enter_openat {
  printf("%-7d %-16s %s\\n", pid, comm, str(args.filename));
  @opens[comm] = count();
}`;

const seconds = Number(process.argv[2] ?? 5);
if (!(seconds > 0)) throw new RangeError(`seconds must be a positive number, got ${process.argv[2]}`);

// Ctrl-C stops the trace like the time limit does: end probes run and the maps are still read.
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());

try {
  // `await using` releases every kernel object even if the loop below throws.
  await using t = await trace(SCRIPT, { signal: AbortSignal.any([stop.signal, AbortSignal.timeout(seconds * 1000)]) });
  console.log(`Tracing openat for ${seconds} s (${t.attached} probe)...`);
  for await (const ev of t.events()) {
    if (ev.type === 'printf') process.stdout.write(ev.text);
  }
  const { maps, lost } = await t.stop();
  console.log('\nopenat calls by comm (top 10):');
  process.stdout.write(formatMapText(maps['@opens']!, { top: 10 }));
  console.log(`records lost (ring buffer full): ${lost}`);
} catch (e) {
  if (!(e instanceof ScriptError)) throw e;
  process.stderr.write(e.rendered);
  process.exitCode = 1;
}

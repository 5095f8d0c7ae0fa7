// The high-level API against the running kernel: trace() compiles and runs scripts, delivers typed events,
// stops by itself on exit() and on an aborted signal, returns the final maps, and leaves nothing behind.
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type MapData, ScriptError, trace, type TraceEvent } from '../../src/index.js';
import { kernelUnavailable, leakChecked } from '../helpers/kernel.js';

const skip = kernelUnavailable() ?? false;

/** Every event until the trace ends by itself. */
async function collect(events: AsyncIterable<TraceEvent>): Promise<TraceEvent[]> {
  const out: TraceEvent[] = [];
  for await (const ev of events) out.push(ev);
  return out;
}

/** The entries of `map` as [first key component, value] pairs of plain bigints, for assertions. */
function counts(map: MapData | undefined): Array<[unknown, bigint]> {
  assert.ok(map, 'map present');
  return map.entries.map((e) => {
    const k = e.key[0];
    assert.ok(e.value.kind === 'count', `count value, got ${e.value.kind}`);
    return [k && 'value' in k ? k.value : undefined, e.value.value];
  });
}

test('a begin probe yields its printf, exit() stops the trace, stop() returns the maps', { skip, timeout: 20_000 }, leakChecked(async () => {
  await using t = await trace('begin { printf("x %d\\n", 1); @m[1] = count(); exit(); } end { printf("end\\n"); }');
  assert.equal(t.attached, 2);
  assert.deepEqual(t.warnings, []);
  // The loop ends on its own: exit() stops the trace, and the end probe's output still arrives.
  assert.deepEqual(await collect(t.events()), [
    { type: 'printf', text: 'x 1\n', provenance: [] },
    { type: 'exit', code: 0 },
    { type: 'printf', text: 'end\n', provenance: [] },
  ]);
  const result = await t.stop();
  assert.equal(result.exitCode, 0);
  assert.equal(result.lost, 0n);
  assert.deepEqual(result.reads, { exact: 0, exit: 0, kernel: 0, deferred: 0, lost: 0 });
  assert.deepEqual(Object.keys(result.maps), ['@m']);
  assert.equal(result.maps['@m']!.valueKind, 'count');
  assert.deepEqual(counts(result.maps['@m']), [[1n, 1n]]);
  assert.equal(await t.stop(), result, 'stop() is idempotent');
  assert.throws(() => t.events(), /already called/);
}));

test('a tracepoint script sees this process open a known file', { skip, timeout: 20_000 }, leakChecked(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'siesta-api-'));
  const path = join(dir, 'known');
  writeFileSync(path, 'x');
  try {
    await using t = await trace(
      'tracepoint:syscalls:sys_enter_openat /pid == $1/ { printf("open %s\\n", str(args.filename)); @opens[str(args.filename)] = count(); }',
      { params: [String(process.pid)], signal: AbortSignal.timeout(10_000) },
    );
    assert.equal(t.attached, 1);
    closeSync(openSync(path, 'r'));
    let seen: TraceEvent | undefined;
    for await (const ev of t.events()) {
      if (ev.type === 'printf' && ev.text.startsWith(`open ${path}`)) {
        seen = ev;
        break;
      }
    }
    assert.ok(seen?.type === 'printf', `a printf for ${path}`);
    // The path is read from this process's memory: at the event, or (page not resident) at the syscall's exit.
    assert.equal(seen.text, seen.provenance[0] === 'exit' ? `open ${path}~\n` : `open ${path}\n`);
    assert.equal(seen.provenance.length, 1);
    const { maps, exitCode, lost, reads } = await t.stop();
    assert.equal(exitCode, null);
    assert.equal(lost, 0n);
    assert.ok(reads.exact + reads.exit >= 1, `the printf's read is counted: ${JSON.stringify(reads)}`);
    assert.deepEqual(counts(maps['@opens']).filter(([k]) => k === path), [[path, 1n]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}));

test('a script that does not compile rejects with a ScriptError pointing at the problem', { skip }, leakChecked(async () => {
  const source = 'tracepoint:syscalls:sys_enter_openat {\n  printf("%d\\n", args.nosuch);\n}\n';
  const e = await trace(source, { file: 'bad.bt' }).then(() => assert.fail('compiled'), (err: unknown) => err);
  assert.ok(e instanceof ScriptError, String(e));
  assert.deepEqual(e.errors.map((d) => ({ text: d.text, location: d.location })), [{
    text: 'args has no field named nosuch',
    location: { file: 'bad.bt', line: 2, column: 18, lineText: '  printf("%d\\n", args.nosuch);', length: 11 },
  }]);
  assert.equal(e.rendered, [
    'bad.bt:2:18-29: ERROR: args has no field named nosuch',
    '  printf("%d\\n", args.nosuch);',
    '                 ~~~~~~~~~~~',
    '',
  ].join('\n'));
}));

test('compilation warnings are on the trace', { skip, timeout: 20_000 }, leakChecked(async () => {
  await using t = await trace('#include <linux/sched.h>\nbegin { exit(); }');
  assert.deepEqual(t.warnings.map((d) => [d.severity, d.text, d.location?.line]), [
    ['warning', 'ignoring #include <linux/sched.h>: C headers are not processed', 1],
  ]);
  await t.stop();
}));

test('aborting the signal stops the trace: end probes run, maps are returned, everything is released', { skip, timeout: 20_000 }, leakChecked(async () => {
  const ac = new AbortController();
  const t = await trace('interval:ms:10 { @ticks = count(); } end { printf("end\\n"); }', { signal: ac.signal });
  setTimeout(() => ac.abort(), 200);
  assert.deepEqual(await collect(t.events()), [{ type: 'printf', text: 'end\n', provenance: [] }]);
  const { maps, exitCode } = await t.stop();
  assert.equal(exitCode, null);
  const [[key, ticks] = []] = counts(maps['@ticks']);
  assert.equal(key, undefined, 'a scalar map has no key');
  assert.ok(ticks !== undefined && ticks > 0n, `@ticks = ${ticks}`);
  // Released without dispose or close(): the leak check runs before anything else touches the trace.
}));

test('close() without stop() releases everything and ends events()', { skip, timeout: 20_000 }, leakChecked(async () => {
  const t = await trace('interval:ms:10 { @ticks = count(); } end { printf("end\\n"); }');
  const events = collect(t.events());
  await new Promise((r) => setTimeout(r, 50));
  t.close();
  t.close();
  assert.deepEqual(await events, [], 'end probes do not run on close()');
  await assert.rejects(t.stop(), /closed before it was stopped/);
}));

test('await using releases a trace left running by an exception', { skip, timeout: 20_000 }, leakChecked(async () => {
  await assert.rejects(async () => {
    await using _t = await trace('interval:ms:10 { @ticks = count(); }');
    throw new Error('boom');
  }, /boom/);
}));

test('a script of begin and end probes only ends by itself, as the CLI does', { skip, timeout: 20_000 }, leakChecked(async () => {
  await using t = await trace('begin { printf("b\\n"); @n = 1; } end { printf("e\\n"); }');
  assert.deepEqual(await collect(t.events()), [
    { type: 'printf', text: 'b\n', provenance: [] },
    { type: 'printf', text: 'e\n', provenance: [] },
  ]);
  const { exitCode, command, maps } = await t.stop();
  assert.equal(exitCode, null);
  assert.equal(command, null);
  assert.deepEqual(Object.keys(maps), ['@n']);
}));

test('exit(N) gives the trace its exit code', { skip, timeout: 20_000 }, leakChecked(async () => {
  await using t = await trace('interval:ms:10 { exit(7); }');
  assert.deepEqual(await collect(t.events()), [{ type: 'exit', code: 7 }]);
  assert.equal((await t.stop()).exitCode, 7);
}));

test('named parameters reach getopt(), and an unread one is a compile error', { skip, timeout: 20_000 }, leakChecked(async () => {
  await using t = await trace('begin { printf("%d %s %d %d\\n", getopt("limit", 10), getopt("name", "x"), getopt("verbose"), getopt("absent", 4)); }', {
    named: { limit: 25, name: 'disk', verbose: true },
  });
  assert.deepEqual(await collect(t.events()), [{ type: 'printf', text: '25 disk 1 4\n', provenance: [] }]);
  await t.stop();
  const e = await trace('begin { }', { named: { nosuch: 1 } }).then(() => assert.fail('compiled'), (err: unknown) => err);
  assert.ok(e instanceof ScriptError, String(e));
  assert.deepEqual(e.errors.map((d) => d.text), ['Unexpected command line options: nosuch']);
}));

test('helperErrors (-k) reports a lookup of an absent key; without it nothing is reported', { skip, timeout: 20_000 }, leakChecked(async () => {
  const script = 'begin { @m[1] = 1; $x = @m[2]; printf("%d\\n", $x); exit(); }';
  await using k = await trace(script, { helperErrors: true });
  const withK = await collect(k.events());
  await k.stop();
  assert.deepEqual(withK.map((ev) => ev.type), ['helper-error', 'printf', 'exit']);
  const h = withK[0]!;
  assert.ok(h.type === 'helper-error');
  assert.deepEqual([h.helper, h.retcode, h.location?.line, h.location?.column], ['map_lookup_elem', 0, 1, 25]);
  await using plain = await trace(script);
  assert.deepEqual((await collect(plain.events())).map((ev) => ev.type), ['printf', 'exit']);
  await plain.stop();
}));

test('command (-c) starts once attached, is cpid, and the trace stops when it exits', { skip, timeout: 20_000 }, leakChecked(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'siesta-api-cmd-'));
  const path = join(dir, 'marker');
  writeFileSync(path, 'x');
  try {
    // The command's first call is made after the probes attached: its open of `path` is seen.
    await using t = await trace('tracepoint:syscalls:sys_enter_openat /pid == cpid/ { printf("open %s\\n", str(args.filename)); } end { printf("cpid=%d\\n", cpid); }', {
      command: ['/bin/sh', '-c', `exec 3<'${path}'; exit 4`],
    });
    assert.ok(t.commandPid !== null && t.commandPid > 0);
    const events = await collect(t.events());
    const texts = events.flatMap((ev) => (ev.type === 'printf' ? [ev.text.replace(/~+$|~fd$/m, '')] : []));
    assert.ok(texts.includes(`open ${path}\n`), JSON.stringify(texts));
    assert.equal(texts.at(-1), `cpid=${t.commandPid}\n`);
    const { command } = await t.stop();
    assert.deepEqual(command, { pid: t.commandPid, exitCode: 4, signal: null });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}));

test('stopping a trace ends its command with SIGTERM, as the CLI does', { skip, timeout: 20_000 }, leakChecked(async () => {
  await using t = await trace('interval:ms:10 { @ticks = count(); }', { command: 'sleep 30', signal: AbortSignal.timeout(200) });
  await collect(t.events());
  const { command } = await t.stop();
  assert.deepEqual(command, { pid: t.commandPid, exitCode: null, signal: 'SIGTERM' });
}));

test('cpid without a command is a compile error', { skip }, leakChecked(async () => {
  const e = await trace('begin { printf("%d\\n", cpid); }').then(() => assert.fail('compiled'), (err: unknown) => err);
  assert.ok(e instanceof ScriptError, String(e));
  assert.equal(e.errors.length, 1);
}));

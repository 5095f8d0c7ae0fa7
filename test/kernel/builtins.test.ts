// Builtins of issue 3 whose values are checked against the machine itself: strftime() against the wall clock,
// ntop() of the IPv4 and IPv6 address arrays of a real TCP connection (tracepoint sock:inet_sock_set_state),
// and kstack frames against /proc/kallsyms.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { trace, type TraceEvent } from '../../src/index.js';
import { kernelUnavailable, leakChecked } from '../helpers/kernel.js';

const skip = kernelUnavailable() ?? false;

async function printfs(events: AsyncIterable<TraceEvent>): Promise<string[]> {
  const out: string[] = [];
  for await (const ev of events) if (ev.type === 'printf') out.push(ev.text);
  return out;
}

test('strftime() of nsecs is the wall-clock time of the event, to the microsecond field', { skip, timeout: 20_000 }, leakChecked(async () => {
  const before = Date.now();
  await using t = await trace('begin { printf("%s\\n", strftime("%s.%f", nsecs)); exit(); }');
  const [line] = await printfs(t.events());
  const after = Date.now();
  assert.match(line ?? '', /^\d+\.\d{6}\n$/);
  const ms = Number.parseFloat(line!) * 1000;
  // The clock offset is read once per process with microsecond precision: the event lies within the window.
  assert.ok(ms >= before - 5 && ms <= after + 5, `${ms} not within [${before}, ${after}]`);
}));


for (const [family, host, script] of [
  [2, '127.0.0.1', 'printf("%s %s\\n", ntop(args.saddr), ntop(2, args.daddr))'],
  [10, '::1', 'printf("%s %s\\n", ntop(args.saddr_v6), ntop(10, args.daddr_v6))'],
] as const) {
  test(`ntop() of the ${family === 2 ? 'IPv4' : 'IPv6'} address arrays of a TCP connection`, { skip, timeout: 20_000 }, leakChecked(async () => {
    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, host, r));
    const port = (server.address() as AddressInfo).port;
    try {
      await using t = await trace(`tracepoint:sock:inet_sock_set_state /args.family == ${family} && args.dport == ${port}/ { ${script}; exit(); }`);
      const sock = connect({ host, port });
      sock.on('error', () => {});
      const lines = await printfs(t.events());
      sock.destroy();
      // Every state change of the connection (SYN_SENT, ESTABLISHED, ...) may fire before exit() takes effect.
      assert.ok(lines.length >= 1);
      assert.deepEqual(new Set(lines), new Set([`${host} ${host}\n`]));
    } finally {
      await new Promise((r) => server.close(r));
    }
  }));
}

test('kstack frames name kallsyms symbols with offsets inside them', { skip, timeout: 20_000 }, leakChecked(async () => {
  await using t = await trace('begin { printf("%s", kstack(perf)); exit(); }');
  const [text] = await printfs(t.events());
  const frames = (text ?? '').split('\n').filter(Boolean).map((l) => /^\t([0-9a-f]+) (\S+)\+(\d+)$/.exec(l));
  assert.ok(frames.length >= 3 && frames.every(Boolean), text);
  const syms = new Map<string, bigint>();
  for (const l of readFileSync('/proc/kallsyms', 'utf8').split('\n')) {
    const [a, , name] = l.split(/\s+/);
    if (a && name && !syms.has(name)) syms.set(name, BigInt(`0x${a}`));
  }
  for (const m of frames.slice(1)) {
    const [, addr, name, off] = m!;
    const start = syms.get(name!);
    assert.ok(start !== undefined, `${name} is in kallsyms`);
    assert.equal(BigInt(`0x${addr}`) - start, BigInt(off!), `${name}+${off}`);
  }
  assert.ok(frames.some((m) => m![2] === '__sys_bpf'), 'the begin probe runs inside bpf()');
}));

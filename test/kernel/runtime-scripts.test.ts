// Runs the scripts of test/runtime/*.txt, written in bpftrace's runtime-test directive format
// (NAME / PROG or RUN / EXPECT, EXPECT_REGEX, EXPECT_NONE / AFTER / TIMEOUT / WILL_FAIL / RETURN_CODE), through the real CLI.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kernelUnavailable } from '../helpers/kernel.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin/siesta.cjs');
const skip = kernelUnavailable() ?? false;

interface Case {
  name: string;
  prog?: string;
  run?: string;
  expect: string[];
  expectRegex: RegExp[];
  expectNone: string[];
  after?: string;
  timeout: number;
  willFail: boolean;
  returnCode?: number;
  file: string;
}

function parseCases(file: string): Case[] {
  const cases: Case[] = [];
  let c: Case | null = null;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    if (!raw.trim() || raw.startsWith('#')) continue;
    const m = /^(\w+)\s?(.*)$/.exec(raw);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'NAME') {
      c = { name: value, expect: [], expectRegex: [], expectNone: [], timeout: 5, willFail: false, file };
      cases.push(c);
      continue;
    }
    if (!c) throw new Error(`${file}: ${key} before NAME`);
    switch (key) {
      case 'PROG': c.prog = value; break;
      case 'RUN': c.run = value; break;
      case 'EXPECT': c.expect.push(value); break;
      case 'EXPECT_REGEX': c.expectRegex.push(new RegExp(value, 'm')); break;
      case 'EXPECT_NONE': c.expectNone.push(value); break;
      case 'AFTER': c.after = value; break;
      case 'TIMEOUT': c.timeout = Number(value); break;
      case 'WILL_FAIL': c.willFail = true; break;
      case 'RETURN_CODE': c.returnCode = Number(value); break;
      default: throw new Error(`${file}: unknown directive ${key}`);
    }
  }
  return cases;
}

function run(c: Case): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve) => {
    const args = c.prog !== undefined ? [bin, '-e', c.prog] : ['-c', c.run!.replaceAll('{{BPFTRACE}}', `${process.execPath} ${bin}`)];
    // From the repository root, so RUN and AFTER lines can name test/fixtures/... relatively.
    const options = { cwd: root, env: { ...process.env, __BPFTRACE_NOTIFY_PROBES_ATTACHED: '1' } };
    const child = c.prog !== undefined ? spawn(process.execPath, args, options) : spawn('/bin/sh', args, options);
    let out = '';
    let afterStarted = false;
    const onData = (d: Buffer) => {
      out += d.toString();
      if (c.after && !afterStarted && out.includes('__BPFTRACE_NOTIFY_PROBES_ATTACHED')) {
        afterStarted = true;
        spawnSync('/bin/sh', ['-c', c.after], { stdio: 'ignore', timeout: c.timeout * 1000, cwd: root });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGINT'), c.timeout * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ out, code });
    });
  });
}

const dir = join(root, 'test/runtime');
for (const f of readdirSync(dir).filter((n) => n.endsWith('.txt')).sort()) {
  for (const c of parseCases(join(dir, f))) {
    test(`${f}: ${c.name}`, { skip }, async () => {
      const { out, code } = await run(c);
      const ctx = `output:\n${out}`;
      if (c.willFail) assert.notEqual(code, 0, ctx);
      if (c.returnCode !== undefined) assert.equal(code, c.returnCode, ctx);
      for (const e of c.expect) assert.ok(out.split('\n').some((l) => l === e), `expected line ${JSON.stringify(e)}\n${ctx}`);
      for (const r of c.expectRegex) assert.match(out, r, ctx);
      for (const n of c.expectNone) assert.ok(!out.includes(n), `unexpected ${JSON.stringify(n)}\n${ctx}`);
    });
  }
}

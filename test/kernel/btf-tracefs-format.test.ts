/**
 * The tracefs `format` parser against every event of the running kernel. tracefs is not mounted at
 * boot on the project VMs, so the test mounts it (root) as siesta itself does; it skips only when
 * tracefs is absent and cannot be mounted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTracefsFormat } from '../../src/btf/index.js';

const ROOTS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/** The events directory of a mounted tracefs, mounting it at /sys/kernel/tracing if needed. */
function eventsDir(): string | undefined {
  const found = ROOTS.find((r) => existsSync(join(r, 'events')));
  if (found !== undefined) return join(found, 'events');
  try {
    execFileSync('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return existsSync('/sys/kernel/tracing/events') ? '/sys/kernel/tracing/events' : undefined;
}

test('every tracefs event format parses, with consistent offsets and sizes', (t) => {
  const events = eventsDir();
  if (events === undefined) return t.skip('tracefs is not mounted and cannot be mounted');
  let parsed = 0;
  for (const category of readdirSync(events, { withFileTypes: true })) {
    if (!category.isDirectory()) continue;
    for (const event of readdirSync(join(events, category.name), { withFileTypes: true })) {
      const path = join(events, category.name, event.name, 'format');
      if (!event.isDirectory() || !existsSync(path)) continue;
      const f = parseTracefsFormat(readFileSync(path, 'utf8'));
      parsed++;
      assert.equal(f.name, event.name, path);
      assert.deepEqual(f.commonFields.map((c) => c.name), ['common_type', 'common_flags', 'common_preempt_count', 'common_pid'], path);
      let end = 8; // struct trace_entry
      for (const field of f.fields) {
        assert.ok(field.offset >= end, `${path}: ${field.name} overlaps the previous field`);
        assert.ok(/^[\w ]+(?: \*+(?:const)?)*$/.test(field.cType), `${path}: odd type ${field.cType}`);
        if (field.isDataLoc || field.isRelLoc) assert.equal(field.size, 4, `${path}: ${field.name}`);
        end = field.offset + field.size;
      }
    }
  }
  t.diagnostic(`${parsed} event formats parsed`);
  assert.ok(parsed > 100, `only ${parsed} events`);
});

test('sys_enter_openat has the layout the fixtures record', (t) => {
  const events = eventsDir();
  if (events === undefined) return t.skip('tracefs is not mounted and cannot be mounted');
  const path = join(events, 'syscalls', 'sys_enter_openat', 'format');
  if (!existsSync(path)) return t.skip('syscall tracepoints are not built in (CONFIG_FTRACE_SYSCALLS)');
  const f = parseTracefsFormat(readFileSync(path, 'utf8'));
  assert.deepEqual(f.fields.map((x) => [x.name, x.cType, x.offset, x.size]), [
    ['__syscall_nr', 'int', 8, 4],
    ['dfd', 'int', 16, 8],
    ['filename', 'const char *', 24, 8],
    ['flags', 'int', 32, 8],
    ['mode', 'umode_t', 40, 8],
  ]);
});

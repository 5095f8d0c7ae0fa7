/**
 * A `KernelInfo` built from recorded fixtures, so compilation passes are tested without a kernel:
 * test/fixtures/tracefs holds a real tracepoint list (available_events) and real `format` files of a few
 * tracepoints, recorded on Linux 6.18 (see its README). Tracepoints in the list without a recorded format get
 * a minimal synthetic one (common fields, plus `__syscall_nr` for syscalls), enough for wildcard expansion.
 * Binaries and their symbols are given by the test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Btf } from '../../src/btf/index.js';
import { globMatcher, nearestNames } from '../../src/passes/probe-kinds.js';
import type { KernelInfo, UserSymbol } from '../../src/types/kernel-info.js';

/** Absolute path of test/fixtures/tracefs (tests run from dist/test/...). */
export const TRACEFS_FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/tracefs');

/** A binary the fake machine has: its path and function symbols with their file offsets. */
export interface FakeBinary {
  readonly path: string;
  readonly symbols: Readonly<Record<string, bigint>>;
  /** Other names `resolveBinary` maps to this path (`bash`, `libc`, `/bin/bash`). */
  readonly names?: readonly string[];
}

/** What the fake machine has besides the recorded tracefs. */
export interface FakeKernelOptions {
  readonly btf?: Btf | null;
  readonly binaries?: readonly FakeBinary[];
  /** Replaces the recorded tracepoint list. */
  readonly tracepoints?: readonly string[];
  /** Whether uprobes load as sleepable programs (default true, as on the project's 6.18 VMs). */
  readonly sleepableUprobes?: boolean;
  /** Whether tracepoint programs load as sleepable programs (default false, as on 6.18; expected in 7.2). */
  readonly sleepableSyscallTracepoints?: boolean;
  /** Whether syscall exit re-reads work (default true). */
  readonly exitRereads?: boolean;
}

/** A fake `KernelInfo` that also counts the calls made to it. */
export interface FakeKernelInfo extends KernelInfo {
  readonly calls: Record<string, number>;
}

const COMMON = `format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;
`;

let recordedList: readonly string[] | undefined;

/** The recorded tracepoint list (`category:event`, in tracefs order). */
export function recordedTracepoints(): readonly string[] {
  recordedList ??= readFileSync(join(TRACEFS_FIXTURES, 'available_events'), 'utf8').split('\n').filter(Boolean);
  return recordedList;
}

/** The recorded `format` text of a tracepoint, or undefined if none was recorded. */
export function recordedFormat(category: string, event: string): string | undefined {
  const path = join(TRACEFS_FIXTURES, 'events', category, event, 'format');
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function syntheticFormat(category: string, event: string): string {
  const own = category === 'syscalls' ? '\n\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n' : '\n';
  return `name: ${event}\nID: 1\n${COMMON}${own}\nprint fmt: ""\n`;
}

/** A fake machine: the recorded tracefs, `options.btf` (default none) and `options.binaries`. */
export function fakeKernelInfo(options: FakeKernelOptions = {}): FakeKernelInfo {
  const list = options.tracepoints ?? recordedTracepoints();
  const known = new Set(list);
  const calls: Record<string, number> = {};
  const count = (name: string) => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  const binaries = options.binaries ?? [];
  const binary = (path: string) => binaries.find((b) => b.path === path);
  return {
    calls,
    btf: options.btf ?? null,
    ncpus: 4,
    tracepointFormat(category, event) {
      count('tracepointFormat');
      if (!known.has(`${category}:${event}`)) return null;
      return recordedFormat(category, event) ?? syntheticFormat(category, event);
    },
    tracepoints() {
      count('tracepoints');
      return list;
    },
    resolveBinary(name) {
      count('resolveBinary');
      return binaries.find((b) => b.path === name || b.names?.includes(name))?.path ?? null;
    },
    userSymbols(path, pattern): UserSymbol[] {
      count('userSymbols');
      const matches = globMatcher(pattern);
      return Object.entries(binary(path)?.symbols ?? {})
        .filter(([name]) => matches(name))
        .map(([name, fileOffset]) => ({ name, fileOffset }));
    },
    nearestUserSymbols(path, name) {
      count('nearestUserSymbols');
      return nearestNames(name, Object.keys(binary(path)?.symbols ?? {}));
    },
    sleepableUprobes: () => options.sleepableUprobes ?? true,
    sleepableSyscallTracepoints: () => options.sleepableSyscallTracepoints ?? false,
    exitRereads: () => options.exitRereads ?? true,
  };
}

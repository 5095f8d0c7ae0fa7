// The host KernelInfo parts that need no privileges: binary and library resolution, ELF function symbols with
// wildcards, nearest names, CPU count.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseCpuList } from '../../src/kernel/cpus.js';
import { hostKernelInfo, symbolMatcher } from '../../src/kernel/host-info.js';

const host = hostKernelInfo();

describe('resolveBinary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'siesta-host-info-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a bare command name in PATH', () => {
    const path = host.resolveBinary('true');
    assert.ok(path !== null && isAbsolute(path) && basename(path) === 'true', String(path));
  });

  it('resolves a library name through the loader cache or the standard directories', () => {
    assert.match(host.resolveBinary('libc') ?? '', /^\/.*\/libc\.so\.6$/);
    assert.match(host.resolveBinary('libc.so.6') ?? '', /^\/.*\/libc\.so\.6$/);
  });

  it('takes names with a slash as paths, relative to the working directory', () => {
    const file = join(dir, 'prog');
    writeFileSync(file, '');
    assert.equal(host.resolveBinary(file), file);
    assert.equal(host.resolveBinary(`./${relative(process.cwd(), file)}`), file);
    assert.equal(host.resolveBinary(join(dir, 'missing')), null);
    assert.equal(host.resolveBinary(dir), null, 'a directory is not a binary');
  });

  it('searches PATH in order and skips files that are not executable', () => {
    const saved = process.env.PATH;
    const [a, b, c] = ['a', 'b', 'c'].map((d) => join(dir, d)) as [string, string, string];
    for (const d of [a, b, c]) mkdirSync(d);
    writeFileSync(join(a, 'siesta-tool'), '#!/bin/sh\n');
    chmodSync(join(a, 'siesta-tool'), 0o644);
    for (const d of [b, c]) {
      writeFileSync(join(d, 'siesta-tool'), '#!/bin/sh\n');
      chmodSync(join(d, 'siesta-tool'), 0o755);
    }
    try {
      process.env.PATH = [a, b, c].join(':');
      assert.equal(host.resolveBinary('siesta-tool'), join(b, 'siesta-tool'));
    } finally {
      process.env.PATH = saved;
    }
  });

  it('answers null for unknown names', () => {
    assert.equal(host.resolveBinary(''), null);
    assert.equal(host.resolveBinary('siesta-no-such-command-or-library'), null);
  });
});

describe('userSymbols', () => {
  const libc = host.resolveBinary('libc')!;

  it('finds one function by exact name, with its uprobe file offset', () => {
    const [malloc, ...rest] = host.userSymbols(libc, 'malloc');
    assert.equal(rest.length, 0);
    assert.equal(malloc?.name, 'malloc');
    assert.ok(malloc!.fileOffset > 0n);
  });

  it('matches * and ? wildcards, one entry per name, sorted', () => {
    const q = host.userSymbols(libc, '?alloc').map((s) => s.name);
    assert.ok(q.includes('malloc') && q.includes('calloc'), q.join(' '));
    assert.ok(!q.includes('realloc'), '? is exactly one character');
    const star = host.userSymbols(libc, '*alloc').map((s) => s.name);
    assert.ok(star.includes('realloc') && star.includes('malloc'));
    assert.deepEqual(star, [...new Set(star)].sort());
    assert.deepEqual(host.userSymbols(libc, 'siesta_no_such_function*'), []);
  });

  it('names the nearest functions for a misspelt one', () => {
    assert.ok(host.nearestUserSymbols(libc, 'mallok').includes('malloc'));
  });

  it('reports an unreadable file as an ElfError', () => {
    assert.throws(() => host.userSymbols('/nonexistent/siesta', '*'), { name: 'ElfError' });
  });
});

describe('symbolMatcher', () => {
  it('treats only * and ? as special', () => {
    assert.equal(symbolMatcher('a.b')('aXb'), false);
    assert.equal(symbolMatcher('a.b')('a.b'), true);
    assert.equal(symbolMatcher('a(b)*')('a(b)c'), true);
    assert.equal(symbolMatcher('*')(''), true);
    assert.equal(symbolMatcher('a?c')('ac'), false);
    assert.equal(symbolMatcher('a*c*e')('abcde'), true);
  });
});

it('ncpus counts the possible CPUs', () => {
  assert.equal(host.ncpus, parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'utf8')).length);
  assert.ok(host.ncpus > 0);
});

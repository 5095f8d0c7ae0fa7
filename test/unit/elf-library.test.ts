// Library name resolution: the loader cache first, then standard directories; linker scripts never qualify.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';

import { ElfError, openElf, parseLdSoCache, resolveLibrary } from '../../src/elf/index.js';

const BIN = ['/usr/bin/true', '/bin/true', '/usr/bin/env'].find((p) => existsSync(p))!;

/** Builds an ld.so.cache image (new format, optionally behind the old "ld.so-1.7.0" table) for the given entries. */
function cacheImage(entries: Array<{ soname: string; path: string; flags: number }>, withOld = false): Uint8Array {
  const strings: number[] = [];
  const header = 48 + entries.length * 24;
  const offsets = entries.map((e) => {
    const k = header + strings.length;
    strings.push(...Buffer.from(`${e.soname}\0`));
    const v = header + strings.length;
    strings.push(...Buffer.from(`${e.path}\0`));
    return [k, v] as const;
  });
  const out = Buffer.alloc(header + strings.length);
  out.write('glibc-ld.so.cache1.1', 0, 'latin1');
  out.writeUInt32LE(entries.length, 20);
  out.writeUInt32LE(strings.length, 24);
  entries.forEach((e, i) => {
    out.writeInt32LE(e.flags, 48 + i * 24);
    out.writeUInt32LE(offsets[i]![0], 48 + i * 24 + 4);
    out.writeUInt32LE(offsets[i]![1], 48 + i * 24 + 8);
  });
  Buffer.from(strings).copy(out, header);
  if (!withOld) return out;
  const old = Buffer.alloc(16 + 12); // magic, nlibs = 1, one 12-byte entry; already 8-aligned at 28 → 32
  old.write('ld.so-1.7.0', 0, 'latin1');
  old.writeUInt32LE(1, 12);
  return Buffer.concat([old, Buffer.alloc(4), out]);
}

describe('resolveLibrary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'siesta-elf-lib-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves libc, libc.so.6 and c to the file ldconfig names', () => {
    const viaCache = resolveLibrary('libc');
    assert.equal(basename(viaCache), 'libc.so.6');
    assert.equal(resolveLibrary('libc.so.6'), viaCache);
    assert.equal(resolveLibrary('c'), viaCache);
    assert.ok(openElf(viaCache).findSymbol('openat'));
    const ldconfig = ['/sbin/ldconfig', '/usr/sbin/ldconfig'].find((p) => existsSync(p));
    if (ldconfig) {
      const listing = spawnSync(ldconfig, ['-p'], { encoding: 'utf8' }).stdout;
      const line = listing.split('\n').find((l) => /^\s*libc\.so\.6 \(.*x86-64|^\s*libc\.so\.6 \(.*AArch64/.test(l));
      if (line) assert.equal(realpathSync(line.split(' => ')[1]!.trim()), realpathSync(viaCache));
    }
  });

  it('parses the real loader cache', { skip: existsSync('/etc/ld.so.cache') ? false : 'no /etc/ld.so.cache' }, () => {
    const entries = parseLdSoCache(readFileSync('/etc/ld.so.cache'));
    assert.ok(entries.some((e) => e.soname === 'libc.so.6' && e.path.endsWith('/libc.so.6')));
  });

  it('parses a cache with and without the old-format prefix', () => {
    const entries = [
      { soname: 'libfoo.so.1', path: '/opt/lib/libfoo.so.1', flags: 0x0303 },
      { soname: 'libbar.so.2', path: '/opt/lib/libbar.so.2', flags: 0x0003 },
    ];
    assert.deepEqual(parseLdSoCache(cacheImage(entries)), entries);
    assert.deepEqual(parseLdSoCache(cacheImage(entries, true)), entries);
    assert.deepEqual(parseLdSoCache(Buffer.from('not a cache at all')), []);
  });

  it('prefers a cache entry of the machine ABI that is a real ELF file', () => {
    const lib = join(dir, 'libsiesta.so.1');
    copyFileSync(BIN, lib);
    const cache = join(dir, 'ld.so.cache');
    writeFileSync(cache, cacheImage([
      { soname: 'libsiesta.so.1', path: '/nonexistent/libsiesta.so.1', flags: 0x0303 },
      { soname: 'libsiesta.so.1', path: lib, flags: 0x0003 }, // wrong ABI byte for x86-64
      { soname: 'libsiesta.so.1', path: lib, flags: 0x0303 },
    ]));
    assert.equal(resolveLibrary('libsiesta', { cachePath: cache, searchDirs: [], arch: 'x64' }), lib);
  });

  it('searches directories after the cache, skipping linker scripts', () => {
    const libdir = join(dir, 'lib');
    mkdirSync(libdir, { recursive: true });
    writeFileSync(join(libdir, 'libzed.so'), '/* GNU ld script */\nGROUP ( libzed.so.3 )\n');
    copyFileSync(BIN, join(libdir, 'libzed.so.3'));
    const opts = { cachePath: join(dir, 'missing-cache'), searchDirs: ['/nonexistent', libdir] };
    assert.equal(resolveLibrary('libzed', opts), join(libdir, 'libzed.so.3'));
    assert.equal(resolveLibrary('zed', opts), join(libdir, 'libzed.so.3'));
    assert.equal(resolveLibrary('libzed.so.3', opts), join(libdir, 'libzed.so.3'));
    assert.throws(() => resolveLibrary('libzed.so', opts), (e: unknown) => e instanceof ElfError && e.code === 'LIBRARY_NOT_FOUND');
  });

  it('reports a library that is nowhere, naming where it looked', () => {
    assert.throws(
      () => resolveLibrary('libsiesta_does_not_exist', { searchDirs: ['/nonexistent'] }),
      (e: unknown) => e instanceof ElfError && e.code === 'LIBRARY_NOT_FOUND' && e.message.includes('/etc/ld.so.cache') && e.message.includes('/nonexistent'),
    );
    assert.throws(() => resolveLibrary('/nonexistent/libx.so'), (e: unknown) => e instanceof ElfError && e.code === 'LIBRARY_NOT_FOUND');
    assert.equal(resolveLibrary(BIN), BIN);
  });
});

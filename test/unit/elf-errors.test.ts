// ElfError cases: each kind of bad input gives its own code and a message naming the file and the problem.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { editDistance, ElfError, fileOffsetOf, matchWildcard, nearestNames, openElf, parseElfBytes, PT_LOAD } from '../../src/elf/index.js';
import type { ElfErrorCode, ElfSegment } from '../../src/elf/index.js';

const BIN = ['/usr/bin/true', '/bin/true', '/usr/bin/env'].find((p) => existsSync(p))!;

function isElfError(code: ElfErrorCode, text?: RegExp) {
  return (e: unknown) => e instanceof ElfError && e.code === code && (text === undefined || text.test(e.message));
}

describe('ElfError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'siesta-elf-err-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const good = readFileSync(BIN);

  it('rejects a file that is not ELF, naming the path', () => {
    const p = join(dir, 'script.sh');
    writeFileSync(p, '#!/bin/sh\necho hello, this is not an ELF file\n');
    assert.throws(() => openElf(p), isElfError('NOT_ELF', new RegExp(`^${p}: not an ELF file`)));
    assert.throws(() => parseElfBytes(new Uint8Array(3)), isElfError('NOT_ELF', /only 3 bytes/));
  });

  it('rejects ELF32 and big-endian objects', () => {
    const elf32 = Uint8Array.from(good);
    elf32[4] = 1; // EI_CLASS = ELFCLASS32
    assert.throws(() => parseElfBytes(elf32, 'x32'), isElfError('UNSUPPORTED_CLASS', /^x32: ELF32 \(32-bit\) objects are not supported/));
    const msb = Uint8Array.from(good);
    msb[5] = 2; // EI_DATA = ELFDATA2MSB
    assert.throws(() => parseElfBytes(msb), isElfError('UNSUPPORTED_ENDIANNESS', /big-endian/));
  });

  it('reports truncation instead of reading past the end', () => {
    assert.throws(() => parseElfBytes(good.subarray(0, 40)), isElfError('MALFORMED', /truncated ELF header/));
    assert.throws(() => parseElfBytes(good.subarray(0, 2000)), isElfError('MALFORMED', /outside the file/));
    const p = join(dir, 'truncated');
    writeFileSync(p, good.subarray(0, 2000));
    assert.throws(() => openElf(p), isElfError('MALFORMED'));
  });

  it('reports a missing file and a directory as IO errors', () => {
    assert.throws(() => openElf(join(dir, 'missing')), isElfError('IO', /cannot open/));
    assert.throws(() => openElf(dir), isElfError('IO', /not a regular file/));
  });

  it('gives the same result parsing bytes as reading the file', () => {
    const a = openElf(BIN);
    const b = parseElfBytes(good, BIN);
    assert.deepEqual(b.header, a.header);
    assert.deepEqual(b.segments, a.segments);
    assert.deepEqual(b.symbols, a.symbols);
  });

  it('refuses an address outside every PT_LOAD segment', () => {
    const segs: ElfSegment[] = [{ type: PT_LOAD, flags: 5, offset: 0x1000n, vaddr: 0x401000n, paddr: 0x401000n, filesz: 0x100n, memsz: 0x200n, align: 0x1000n }];
    assert.equal(fileOffsetOf(segs, 0x401010n), 0x1010n);
    assert.throws(() => fileOffsetOf(segs, 0x401180n), isElfError('ADDRESS_NOT_MAPPED', /zero-filled/));
    assert.throws(() => fileOffsetOf(segs, 0x10n), isElfError('ADDRESS_NOT_MAPPED', /0x10 is not inside any PT_LOAD/));
  });
});

describe('symbol name matching', () => {
  it('matches * wildcards anywhere and nothing else specially', () => {
    const cases: Array<[string, string, boolean]> = [
      ['read*', 'read', true],
      ['read*', 'readv', true],
      ['read*', 'pread', false],
      ['*read', 'pread', true],
      ['*read*', 'xx_read_yy', true],
      ['r*d', 'read', true],
      ['r*d', 'readv', false],
      ['a*b*c', 'abc', true],
      ['a*b*c', 'acb', false],
      ['a*a', 'a', false],
      ['*', '', true],
      ['re?d', 'read', false],
      ['re?d', 're?d', true],
      ['operator[]', 'operator[]', true],
    ];
    for (const [pattern, name, want] of cases) assert.equal(matchWildcard(pattern, name), want, `${pattern} vs ${name}`);
  });

  it('computes edit distances and suggests the nearest names', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('abc', 'abc'), 0);
    assert.equal(editDistance('abcdef', 'x', 2), 3);
    assert.deepEqual(nearestNames('opnat', ['openat', 'open', 'close', 'openat64']), ['openat']);
    assert.deepEqual(nearestNames('opn', ['openat', 'open', 'close', 'pen']), ['open', 'pen']);
    assert.deepEqual(nearestNames('zzz', ['openat', 'close']), []);
  });
});

// ELF reader checked against binutils (readelf, nm) on system binaries and on a program gcc builds at test
// time from test/fixtures/elf/siesta_test.c; expectations are parsed from binutils' output, never recorded.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { ElfError, ET_DYN, ET_EXEC, openElf, resolveLibrary } from '../../src/elf/index.js';

/** Absolute path of test/fixtures (tests run from dist/test/unit). */
const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures');

/** Whether `tool` runs. */
function have(tool: string): boolean {
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** stdout of `tool args`, as text. */
function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** A fresh temporary directory. */
function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'siesta-elf-'));
}

/** A PT_LOAD line of `readelf -lW`. */
interface ReadelfLoad {
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
  memsz: bigint;
  flags: string;
}

/** The PT_LOAD segments as `readelf -lW` prints them. */
function readelfLoads(path: string): ReadelfLoad[] {
  const out: ReadelfLoad[] = [];
  for (const line of run('readelf', ['-lW', path]).split('\n')) {
    const m = /^\s*LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+([RWE ]+?)\s+0x[0-9a-f]+\s*$/.exec(line);
    if (m) out.push({ offset: BigInt(m[1]!), vaddr: BigInt(m[2]!), filesz: BigInt(m[3]!), memsz: BigInt(m[4]!), flags: m[5]!.replace(/ /g, '') });
  }
  return out;
}

/** A symbol line of `readelf -Ws`. */
interface ReadelfSym {
  table: string;
  value: bigint;
  size: bigint;
  type: string;
  bind: string;
  ndx: string;
  name: string;
}

/** All symbols `readelf -Ws` (and `--dyn-syms`) prints, with `@VERSION` suffixes removed. */
function readelfSymbols(path: string): ReadelfSym[] {
  const out: ReadelfSym[] = [];
  let table = '';
  for (const line of run('readelf', ['-Ws', path]).split('\n')) {
    const t = /^Symbol table '([^']+)'/.exec(line);
    if (t) table = t[1]!;
    const m = /^\s*\d+:\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+(\S+)\s+(\S+)\s+\S+\s+(\S+)\s*(\S*)/.exec(line);
    if (m && table) {
      out.push({ table, value: BigInt(`0x${m[1]}`), size: BigInt(m[2]!), type: m[3]!, bind: m[4]!, ndx: m[5]!, name: m[6]!.replace(/@.*$/, '') });
    }
  }
  return out;
}

/** The file offset readelf's own PT_LOAD table gives for `vaddr`. */
function expectedOffset(loads: readonly ReadelfLoad[], vaddr: bigint): bigint {
  const seg = loads.find((l) => vaddr >= l.vaddr && vaddr < l.vaddr + l.filesz);
  if (!seg) throw new Error(`readelf maps no segment at 0x${vaddr.toString(16)}`);
  return vaddr - seg.vaddr + seg.offset;
}

/** `nm` value of `name` (defined symbols only), as bigint. */
function nmValue(path: string, name: string, dynamic = false): bigint | undefined {
  for (const line of run('nm', dynamic ? ['-D', '--defined-only', path] : ['--defined-only', path]).split('\n')) {
    const m = /^([0-9a-f]+)\s+\S\s+(\S+)$/.exec(line);
    if (m && m[2]!.replace(/@.*$/, '') === name) return BigInt(`0x${m[1]}`);
  }
  return undefined;
}

const GCC = have('gcc');

describe('ELF reader against binutils: system binaries', { skip: have('readelf') ? false : 'binutils (readelf) is not installed' }, () => {
  const bin = ['/usr/bin/true', '/bin/true', '/usr/bin/env'].find((p) => existsSync(p))!;

  it('reads the header, program headers and section names of a system binary as readelf does', () => {
    const f = openElf(bin);
    const h = run('readelf', ['-hW', bin]);
    const field = (label: string) => new RegExp(`^\\s*${label}:\\s+(.*)$`, 'm').exec(h)?.[1]?.trim() ?? '';
    assert.equal(f.header.type === ET_DYN ? 'DYN' : f.header.type === ET_EXEC ? 'EXEC' : '?', field('Type').split(' ')[0]);
    assert.equal(f.header.entry, BigInt(field('Entry point address')));
    assert.equal(f.header.phnum, Number(field('Number of program headers')));
    assert.equal(f.sections.length, Number(field('Number of section headers')));
    const loads = readelfLoads(bin);
    assert.deepEqual(
      f.loadSegments.map((s) => ({ offset: s.offset, vaddr: s.vaddr, filesz: s.filesz, memsz: s.memsz })),
      loads.map((l) => ({ offset: l.offset, vaddr: l.vaddr, filesz: l.filesz, memsz: l.memsz })),
    );
    const names = [...run('readelf', ['-SW', bin]).matchAll(/^\s*\[\s*(\d+)\]\s+(\S*)/gm)].map((m) => m[2] === 'NULL' ? '' : m[2]);
    assert.deepEqual(f.sections.map((s) => s.name), names);
  });

  it('falls back to .dynsym for a stripped system binary', () => {
    const f = openElf(bin);
    const readelf = readelfSymbols(bin);
    if (!readelf.some((s) => s.table === '.symtab')) assert.equal(f.hasSymtab, false);
    assert.equal(f.symbols.filter((s) => s.source === 'dynsym').length, readelf.filter((s) => s.table === '.dynsym').length - 1);
  });

  it('finds openat in libc with the value, size and file offset readelf gives', () => {
    const libc = resolveLibrary('libc');
    const f = openElf(libc);
    const sym = f.findSymbol('openat');
    assert.equal(sym.type, 'FUNC');
    const want = readelfSymbols(libc).find((s) => s.name === 'openat' && s.ndx !== 'UND');
    assert.ok(want, 'readelf lists openat');
    assert.equal(sym.value, want.value);
    assert.equal(sym.size, want.size);
    assert.equal(f.fileOffset(sym.value), expectedOffset(readelfLoads(libc), want.value));
    assert.equal(f.resolve('openat', 4n).fileOffset, f.fileOffset(sym.value) + 4n);
  });

  it('decodes every libc .dynsym entry as readelf does', () => {
    const libc = resolveLibrary('libc');
    const ours = openElf(libc).symbols.filter((s) => s.source === 'dynsym');
    const theirs = readelfSymbols(libc).filter((s) => s.table === '.dynsym').slice(1);
    assert.equal(ours.length, theirs.length);
    ours.forEach((s, i) => {
      const t = theirs[i]!;
      assert.deepEqual([s.name, s.value, s.size, s.type, s.binding], [t.name, t.value, t.size, t.type === 'GNU_IFUNC' ? 'IFUNC' : t.type, t.bind === 'GNU_UNIQUE' ? 'UNIQUE' : t.bind]);
    });
  });

  it('lists functions by wildcard, one per name, sorted', () => {
    const f = openElf(resolveLibrary('libc'));
    const names = f.matchSymbols('openat*').map((s) => s.name);
    assert.ok(names.includes('openat') && names.includes('openat64'));
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.every((n) => n.startsWith('openat')));
    assert.ok(f.matchSymbols('*penat6*').every((s) => s.name.includes('penat6')));
    assert.ok(f.matchSymbols('*penat6*').some((s) => s.name === 'openat64'));
  });

  it('symbolizes an address inside a function', () => {
    const f = openElf(resolveLibrary('libc'));
    const sym = f.findSymbol('openat');
    const hit = f.symbolize(sym.value + 3n);
    assert.equal(hit?.symbol.value, sym.value);
    assert.equal(hit?.offset, 3n);
  });
});

describe('ELF reader against binutils: a test program built with gcc', { skip: GCC && have('readelf') ? false : 'gcc or binutils is not installed' }, () => {
  const src = join(FIXTURES, 'elf', 'siesta_test.c');
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));
  const build = (out: string, flags: string[]) => {
    const path = join(dir, out);
    run('gcc', ['-O1', '-g0', ...flags, '-o', path, src]);
    return path;
  };

  for (const [label, flags] of [
    ['non-PIE executable', ['-no-pie', '-fno-pie']],
    ['PIE executable', ['-pie', '-fPIE']],
    ['shared object', ['-shared', '-fPIC', '-DSIESTA_NO_MAIN']],
  ] as const) {
    it(`resolves siesta_test_func in a ${label} to nm's value and readelf's offset`, () => {
      const path = build(label.replace(/\W+/g, '-'), [...flags]);
      const f = openElf(path);
      assert.equal(f.hasSymtab, true);
      const sym = f.findSymbol('siesta_test_func');
      assert.equal(sym.type, 'FUNC');
      assert.equal(sym.binding, 'GLOBAL');
      assert.equal(sym.source, 'symtab');
      assert.equal(sym.value, nmValue(path, 'siesta_test_func'));
      const offset = f.fileOffset(sym.value);
      assert.equal(offset, expectedOffset(readelfLoads(path), sym.value));
      // The same offset computed through the section table instead of the segment table.
      const text = f.sections[sym.sectionIndex]!;
      assert.equal(text.name, '.text');
      assert.equal(offset, text.offset + (sym.value - text.addr));
      if (label === 'non-PIE executable') {
        assert.equal(f.header.type, ET_EXEC);
        assert.notEqual(offset, sym.value, 'a non-PIE executable maps its text above its file offset');
      } else {
        assert.equal(f.header.type, ET_DYN);
      }
      assert.equal(f.isExecutable, label !== 'shared object');
      assert.deepEqual(f.matchSymbols('siesta_test_*').map((s) => s.name), ['siesta_test_func', 'siesta_test_other']);
      assert.deepEqual(f.matchSymbols('siesta_test_*', ['OBJECT']).map((s) => s.name), ['siesta_test_bss', 'siesta_test_data']);
    });
  }

  it('uses .dynsym when .symtab has been stripped', { skip: have('strip') ? false : 'strip is not installed' }, () => {
    const path = build('stripped.so', ['-shared', '-fPIC', '-DSIESTA_NO_MAIN']);
    run('strip', ['--strip-all', path]);
    const f = openElf(path);
    assert.equal(f.hasSymtab, false);
    const sym = f.findSymbol('siesta_test_func');
    assert.equal(sym.source, 'dynsym');
    assert.equal(sym.value, nmValue(path, 'siesta_test_func', true));
    assert.equal(f.fileOffset(sym.value), expectedOffset(readelfLoads(path), sym.value));
  });

  it('reads the build ID readelf reports', () => {
    const path = build('buildid', ['-Wl,--build-id=sha1']);
    const note = /Build ID:\s*([0-9a-f]+)/.exec(run('readelf', ['-nW', path]));
    assert.equal(openElf(path).buildId, note?.[1]);
  });

  it('refuses to give a file offset for a .bss symbol', () => {
    const f = openElf(build('bss', ['-no-pie', '-fno-pie']));
    const bss = f.findSymbol('siesta_test_bss');
    assert.throws(() => f.fileOffset(bss.value), (e: unknown) => e instanceof ElfError && e.code === 'ADDRESS_NOT_MAPPED' && /\.bss/.test(e.message));
  });

  it('names the nearest symbols when a symbol is missing', () => {
    const f = openElf(build('nearest', ['-no-pie', '-fno-pie']));
    assert.throws(
      () => f.findSymbol('siesta_test_fnuc'),
      (e: unknown) => e instanceof ElfError && e.code === 'SYMBOL_NOT_FOUND' && e.nearest[0] === 'siesta_test_func' && e.message.includes("did you mean 'siesta_test_func'"),
    );
  });
});

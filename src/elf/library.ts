/**
 * Resolving a library named in an attach point (`uprobe:libc:malloc`, `uprobe:libc.so.6:malloc`) to a file:
 * first /etc/ld.so.cache, as the dynamic loader would, then the standard library directories. Only real ELF
 * files qualify, so a `libc.so` linker script is never chosen.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { ElfError } from './elf-error.js';
import type { LdCacheEntry } from './ld-so-cache.js';
import { LD_CACHE_ABI_BY_ARCH, LD_CACHE_ABI_MASK, parseLdSoCache } from './ld-so-cache.js';

/** Where and how to look. Every field has a default for the running machine. */
export interface LibraryResolveOptions {
  /** The loader cache (default /etc/ld.so.cache; a missing or unreadable cache is skipped). */
  readonly cachePath?: string;
  /** Directories searched after the cache, in order. */
  readonly searchDirs?: readonly string[];
  /** Node-style architecture selecting the cache entries' ABI (default `process.arch`). */
  readonly arch?: string;
}

/** The multiarch triplet directory name for a Node architecture (Debian layout). */
function multiarch(arch: string): string {
  return arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
}

/** The standard library directories for `arch`, in search order. */
export function defaultLibraryDirs(arch: string = process.arch): string[] {
  const m = multiarch(arch);
  return [`/lib/${m}`, `/usr/lib/${m}`, '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib'];
}

/** Whether `path` is a regular file starting with the ELF magic. */
function isElfFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    const fd = openSync(path, 'r');
    try {
      const b = new Uint8Array(4);
      return readSync(fd, b, 0, 4, 0) === 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** The soname patterns `name` stands for, most specific first: exact, `name.so*`, then `libname.so*`. */
function matchers(name: string): Array<(soname: string) => boolean> {
  const m: Array<(soname: string) => boolean> = [(s) => s === name];
  if (!name.includes('.so')) {
    m.push((s) => s === `${name}.so` || s.startsWith(`${name}.so.`));
    if (!name.startsWith('lib')) m.push((s) => s === `lib${name}.so` || s.startsWith(`lib${name}.so.`));
  }
  return m;
}

/** Orders candidate file names: versioned `.so.N` before a bare `.so` (often a development symlink or script). */
function byPreference(a: string, b: string): number {
  const va = a.includes('.so.') ? 0 : 1;
  const vb = b.includes('.so.') ? 0 : 1;
  return va - vb || a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function readCache(path: string): LdCacheEntry[] {
  try {
    return parseLdSoCache(readFileSync(path));
  } catch {
    return [];
  }
}

/**
 * The path of the library `name` (`libc`, `libc.so.6`, `c`, or a path containing `/`); throws ElfError
 * LIBRARY_NOT_FOUND naming the places searched.
 */
export function resolveLibrary(name: string, options: LibraryResolveOptions = {}): string {
  if (name.includes('/')) {
    if (existsSync(name)) return name;
    throw new ElfError('LIBRARY_NOT_FOUND', `library '${name}' does not exist`);
  }
  const cachePath = options.cachePath ?? '/etc/ld.so.cache';
  const arch = options.arch ?? process.arch;
  const dirs = options.searchDirs ?? defaultLibraryDirs(arch);
  const abi = LD_CACHE_ABI_BY_ARCH[arch];
  const entries = readCache(cachePath).filter((e) => abi === undefined || (e.flags & LD_CACHE_ABI_MASK) === abi);
  for (const match of matchers(name)) {
    const hits = entries.filter((e) => match(e.soname) && isElfFile(e.path));
    hits.sort((a, b) => byPreference(a.soname, b.soname));
    if (hits[0]) return hits[0].path;
    for (const dir of dirs) {
      let files: string[];
      try {
        files = readdirSync(dir);
      } catch {
        continue;
      }
      const found = files.filter(match).sort(byPreference).map((f) => join(dir, f)).find(isElfFile);
      if (found) return found;
    }
  }
  throw new ElfError('LIBRARY_NOT_FOUND', `library '${name}' not found in ${cachePath} or ${dirs.join(', ')}`);
}

/**
 * The KernelInfo of the running machine: the snapshot compilation reads (src/types/kernel-info.ts), backed by
 * vmlinux BTF, sysfs, tracefs and the ELF files of traced binaries. Everything is read on first use and cached
 * for the life of the process, so a compile that asks nothing about tracepoints never touches tracefs.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import type { Btf } from '../btf/index.js';
import { ElfError, type ElfFile, FUNCTION_TYPES, isDefined, nearestNames, openElf, resolveLibrary } from '../elf/index.js';
import type { KernelInfo, UserSymbol } from '../types/kernel-info.js';
import { kernelBtf } from './btf.js';
import { possibleCpus } from './cpus.js';
import { kallsyms } from './kallsyms.js';
import { bpfLoopSupport, mayGotoSupport, programSupport } from './features.js';
import { listTracepoints, readEventFormat } from './tracefs.js';

/** Used when the environment has no PATH, as execvp(3) does. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

let tracepointList: readonly string[] | undefined;
const elfFiles = new Map<string, ElfFile>();

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isExecutableFile(path: string): boolean {
  if (!isFile(path)) return false;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `name` looked up in PATH as a shell would (first executable regular file), as an absolute path. */
function findInPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? DEFAULT_PATH).split(delimiter)) {
    const candidate = resolve(dir === '' ? '.' : dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/**
 * A binary or library for uprobes, as bpftrace resolves attach targets: a name with a `/` is a path (relative
 * to the working directory), a bare name is looked up in PATH (`bash`) and then as a library through the
 * loader cache and the standard directories (`libc`, `libc.so.6`).
 */
export function resolveBinaryPath(name: string): string | null {
  if (name === '') return null;
  if (name.includes('/')) {
    const path = resolve(name);
    return isFile(path) ? path : null;
  }
  const inPath = findInPath(name);
  if (inPath) return inPath;
  try {
    return resolve(resolveLibrary(name));
  } catch (e) {
    if (e instanceof ElfError) return null;
    throw e;
  }
}

/** The parsed ELF file at `path`, read once per process. Throws ElfError when it cannot be read or parsed. */
function elfAt(path: string): ElfFile {
  let elf = elfFiles.get(path);
  if (!elf) {
    elf = openElf(path);
    elfFiles.set(path, elf);
  }
  return elf;
}

/** A matcher for a symbol pattern where `*` matches any run of characters and `?` any one character. */
export function symbolMatcher(pattern: string): (name: string) => boolean {
  if (!/[*?]/.test(pattern)) return (name) => name === pattern;
  const source = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  const re = new RegExp(`^${source}$`, 's');
  return (name) => re.test(name);
}

/**
 * Function symbols (FUNC and IFUNC, defined in the file) of the ELF file at `path` whose names match
 * `pattern`, one per name (`.symtab` before `.dynsym`), sorted by name, with the file offset a uprobe attaches
 * at. Symbols no PT_LOAD segment maps from the file are left out. Throws ElfError when the file is unreadable.
 */
export function functionSymbols(path: string, pattern: string): UserSymbol[] {
  const elf = elfAt(path);
  const matches = symbolMatcher(pattern);
  const seen = new Set<string>();
  const out: UserSymbol[] = [];
  for (const s of elf.symbols) {
    if (seen.has(s.name) || !isDefined(s) || !FUNCTION_TYPES.includes(s.type) || !matches(s.name)) continue;
    seen.add(s.name);
    let fileOffset: bigint;
    try {
      fileOffset = elf.fileOffset(s.value);
    } catch (e) {
      if (e instanceof ElfError && e.code === 'ADDRESS_NOT_MAPPED') continue;
      throw e;
    }
    out.push({ name: s.name, fileOffset });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Up to three function names of the file at `path` closest to `name`, for "no such function" diagnostics. */
export function nearestFunctionSymbols(path: string, name: string): string[] {
  const names = function* (): Generator<string> {
    for (const s of elfAt(path).symbols) if (isDefined(s) && FUNCTION_TYPES.includes(s.type)) yield s.name;
  };
  return nearestNames(name, names());
}

/** A path component tracefs could hold: not empty, no `/`, not `.` or `..`. */
function isEventName(s: string): boolean {
  return s !== '' && s !== '.' && s !== '..' && !s.includes('/') && !s.includes('\0');
}

/** The running machine as compilation sees it. tracefs errors (not mounted, not root) are thrown as TracefsError. */
export function hostKernelInfo(): KernelInfo {
  return HOST;
}

const HOST: KernelInfo = Object.freeze({
  get btf(): Btf | null {
    return kernelBtf();
  },
  get ncpus(): number {
    return possibleCpus().length;
  },
  tracepointFormat(category: string, event: string): string | null {
    if (!isEventName(category) || !isEventName(event)) return null;
    return readEventFormat(category, event);
  },
  tracepoints(): readonly string[] {
    return (tracepointList ??= Object.freeze(listTracepoints()));
  },
  resolveBinary: resolveBinaryPath,
  userSymbols: functionSymbols,
  nearestUserSymbols: nearestFunctionSymbols,
  sleepableUprobes: () => programSupport('uprobe', true).ok,
  sleepableSyscallTracepoints: () => programSupport('tracepoint', true).ok,
  exitRereads: () => programSupport('tracepoint').ok,
  bpfLoop: () => bpfLoopSupport().ok,
  mayGoto: () => mayGotoSupport().ok,
  kernelSymbolAddress: (name: string) => kallsyms().find((s) => s.name === name && s.module === undefined)?.address ?? null,
});

/**
 * Argument and return-value decoding: a SyscallCall and the syscall's spec → the strings strace prints.
 */
import type { Provenance } from '../capture/mechanisms.js';
import { formatErrorReturn } from './errno.js';
import type { Capture, SyscallCall } from './events.js';
import {
  ACCESS_MODES, AT_FDCWD, AT_FLAGS, formatFlags, formatMmapFlags, formatMode, formatOpenFlags, formatStMode, MMAP_PROT,
  O__TMPFILE, O_CREAT, RESOLVE_FLAGS,
} from './flags.js';
import { type HexMode, quoteBuffer, quoteString } from './quote.js';
import { type ArgSpec, argPhase, captureSpec, type SyscallSpec } from './syscalls.js';

/** Options of decoding (strace's -s, -x/-xx, and what siesta knows of the command it started). */
export interface DecodeOptions {
  /** -s: the string limit (default 32). */
  strsize: number;
  hex: HexMode;
  /** The command siesta started: its execve prints with the real argv and the number of environment variables. */
  exec?: { tgid: number; argv: readonly string[]; envCount: number };
}

/** One decoded argument. */
export interface DecodedArg {
  name: string;
  text: string;
  phase: 'entry' | 'exit';
  provenance?: Provenance;
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;
const s32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

function ptr(v: bigint): string {
  return v === 0n ? 'NULL' : hex(v);
}

function quoteArgv(argv: readonly string[], o: DecodeOptions): string {
  const enc = new TextEncoder();
  return `[${argv.map((a) => quoteString(enc.encode(a), { limit: o.strsize, path: false, cut: false, hex: o.hex })).join(', ')}]`;
}

function makedev(rdev: bigint): string {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return `makedev(0x${major.toString(16)}, 0x${minor.toString(16)})`.replace(', 0x0)', ', 0)');
}

/** `{st_mode=S_IFREG|0644, st_size=36, ...}` from a struct stat (x86_64, 144 bytes). */
export function formatStat(b: Uint8Array): string {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const mode = v.getUint32(24, true);
  const type = mode & 0o170000;
  const second = type === 0o20000 || type === 0o60000 ? `st_rdev=${makedev(v.getBigUint64(40, true))}` : `st_size=${v.getBigInt64(48, true)}`;
  return `{st_mode=${formatStMode(mode)}, ${second}, ...}`;
}

/** `{flags=O_RDONLY, resolve=RESOLVE_NO_SYMLINKS}` from a struct open_how (5.6). */
export function formatOpenHow(b: Uint8Array): string {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const flags = Number(v.getBigUint64(0, true) & 0xffffffffn);
  const mode = Number(v.getBigUint64(8, true));
  const resolve = Number(v.getBigUint64(16, true));
  const parts = [`flags=${formatOpenFlags(flags)}`];
  if (flags & (O_CREAT | O__TMPFILE) || mode) parts.push(`mode=${formatMode(mode)}`);
  parts.push(`resolve=${formatFlags(resolve, RESOLVE_FLAGS)}`);
  return `{${parts.join(', ')}}`;
}

function stringArg(c: Capture | null, value: bigint, path: boolean, o: DecodeOptions): { text: string; provenance?: Provenance } {
  if (value === 0n) return { text: 'NULL' };
  if (!c || c.result <= 0) return { text: hex(value), provenance: 'lost' };
  return { text: quoteString(c.bytes, { limit: o.strsize, path, cut: c.result >= c.bytes.length && c.bytes.indexOf(0) < 0, hex: o.hex }), provenance: c.provenance };
}

function failed(call: SyscallCall): boolean {
  if (!call.exit) return false;
  const r = BigInt.asIntN(64, call.exit.ret);
  return r < 0n && r >= -4095n;
}

function decodeArg(spec: SyscallSpec, a: ArgSpec, i: number, call: SyscallCall, o: DecodeOptions): { text: string; provenance?: Provenance } | null {
  const v = call.args[i] ?? 0n;
  const cap = captureSpec(spec);
  switch (a.kind) {
    case 'int': return { text: String(/long/.test(spec.args?.[i]?.type ?? '') ? BigInt.asIntN(64, v) : s32(v)) };
    case 'uint': return { text: String(/^unsigned int$|^u32$|^__u32$/.test(spec.args?.[i]?.type ?? '') ? Number(BigInt.asUintN(32, v)) : BigInt.asUintN(64, v)) };
    case 'hex': return { text: v === 0n ? '0' : hex(v) };
    case 'ptr': return { text: ptr(v) };
    case 'fd': return { text: String(s32(v)) };
    case 'dirfd': return { text: s32(v) === AT_FDCWD ? 'AT_FDCWD' : String(s32(v)) };
    case 'mode': return { text: formatMode(Number(v & 0o7777n)) };
    case 'open_flags': return { text: formatOpenFlags(s32(v)) };
    case 'open_mode': {
      const flagsIdx = spec.decode.findIndex((d) => d.kind === 'open_flags');
      const flags = s32(call.args[flagsIdx] ?? 0n);
      return flags & (O_CREAT | O__TMPFILE) ? { text: formatMode(Number(v & 0o7777n)) } : null;
    }
    case 'access_mode': return { text: formatFlags(s32(v), ACCESS_MODES) };
    case 'mmap_prot': return { text: formatFlags(s32(v), MMAP_PROT) };
    case 'mmap_flags': return { text: formatMmapFlags(s32(v)) };
    case 'at_flags': return { text: formatFlags(s32(v), AT_FLAGS) };
    case 'path':
    case 'str': return stringArg(cap.str0 === i ? call.str[0] : cap.str1 === i ? call.str[1] : null, v, a.kind === 'path', o);
    case 'inbuf': {
      const c = call.inbuf;
      if (v === 0n) return { text: 'NULL' };
      if (!c || c.result < 0) return { text: hex(v), provenance: 'lost' };
      const total = Number(BigInt.asUintN(64, call.args[a.lenArg ?? 2] ?? 0n));
      return { text: quoteBuffer(c.bytes, total, o.strsize, o.hex), provenance: c.provenance };
    }
    case 'open_how': {
      const c = call.inbuf;
      if (!c || c.result < 24) return { text: ptr(v), provenance: 'lost' };
      return { text: formatOpenHow(c.bytes), provenance: c.provenance };
    }
    case 'outbuf':
    case 'stat': {
      const c = call.exit?.outbuf;
      if (!call.exit || failed(call) || !c || c.result < 0) return { text: ptr(v), ...(call.exit && !failed(call) ? { provenance: 'lost' as const } : {}) };
      if (a.kind === 'stat') return c.bytes.length >= 144 ? { text: formatStat(c.bytes), provenance: 'exit' } : { text: ptr(v), provenance: 'lost' };
      const total = Number(BigInt.asIntN(64, call.exit.ret));
      return { text: quoteBuffer(c.bytes, total, o.strsize, o.hex), provenance: 'exit' };
    }
    case 'argv': {
      if (o.exec && o.exec.tgid === call.tgid && spec.name === 'execve') return { text: quoteArgv(o.exec.argv, o) };
      return { text: ptr(v) };
    }
  }
}

/** The decoded arguments of `call`, in order; arguments strace leaves out (open's mode without O_CREAT) are absent. */
export function decodeArgs(spec: SyscallSpec, call: SyscallCall, o: DecodeOptions): DecodedArg[] {
  const out: DecodedArg[] = [];
  spec.decode.forEach((a, i) => {
    const d = decodeArg(spec, a, i, call, o);
    if (!d) return;
    let text = d.text;
    // execve's envp: `0x7ffd... /* 35 vars */` for the command siesta started.
    if (spec.name === 'execve' && i === 2 && o.exec && o.exec.tgid === call.tgid) text = `${text} /* ${o.exec.envCount} vars */`;
    out.push({ name: a.name, text, phase: argPhase(a), ...(d.provenance ? { provenance: d.provenance } : {}) });
  });
  return out;
}

/** The return value as strace prints it: `3`, `0x7f...`, `-1 ENOENT (No such file or directory)`, or `?`. */
export function formatReturn(spec: SyscallSpec, ret: bigint | undefined): string {
  if (ret === undefined || spec.ret === 'none') return '?';
  const r = BigInt.asIntN(64, ret);
  if (r < 0n && r >= -4095n) return formatErrorReturn(Number(-r));
  if (spec.ret === 'hex') return hex(BigInt.asUintN(64, ret));
  return String(r);
}

/** The errno of a failed call, or undefined. */
export function callErrno(call: SyscallCall): number | undefined {
  if (!call.exit) return undefined;
  const r = BigInt.asIntN(64, call.exit.ret);
  return r < 0n && r >= -4095n ? Number(-r) : undefined;
}

/**
 * Builtin function calls in generated code. Output functions (printf, print, exit, time...) build a record
 * in scratch and send it to the runtime through the events ring buffer; the others compute a value.
 */
import { alu64Imm, alu64Reg, call, ja, jmpImm, jmpReg, ldBtfId, ldImm64, ldMapFd, ldx, mov64Imm, mov64Reg, R0, R1, R2, R3, R4, R10, st, stx } from '../asm/index.js';
import type { Call, Expr } from '../lang/index.js';
import { getoptValue } from '../passes/cli-opts.js';
import { constantInt, kaddrName } from '../passes/typecheck-calls.js';
import { int, isScalar, sizeOf, type Type } from '../types/types.js';
import { CodegenError, SCRATCH } from './builder.js';
import { copyScratch, eventHeader, GLOBAL_EXITING, GLOBALS_MAP, outputRecord, reload, scratchPtr, spill, zeroScratch } from './emit.js';
import { genJoin, genNtop } from './join.js';
import { mapDelete, mapHasKey } from './maps.js';
import { genLen, genStack } from './stacks.js';
import type { ProbeCodegen } from './probe.js';
import { EVENT, EVENT_HEADER, type RecordArg } from './resources.js';
import { copyVarStatus, spaceOf, userReadOf } from './user-reads.js';

/** Builds and sends a record of `kind`/`id` with `args` laid out after the header (8-byte aligned). */
function sendRecord(g: ProbeCodegen, kind: number, id: number, args: readonly Expr[], userStatus: boolean): { layout: RecordArg[]; size: number } {
  const b = g.b;
  const layout: RecordArg[] = [];
  const skips = new Map<RecordArg, number>();
  let off = EVENT_HEADER;
  for (const a of args) {
    const t = g.type(a);
    const scalar = isScalar(t);
    const size = scalar ? 8 : sizeOf(t);
    const arg: RecordArg = { type: scalar && t.kind === 'int' ? int(8, t.signed) : t, offset: off };
    off += Math.ceil(size / 8) * 8;
    const user = userStatus ? userReadOf(g, a) : null;
    if (user) {
      arg.statusOffset = off;
      arg.userRead = { size: user.size, str: user.str };
      // A buffer's bytes follow its length: the re-reads write there.
      if (user.skip) skips.set(arg, user.skip);
      off += 16;
    }
    layout.push(arg);
  }
  const size = off;
  const rec = b.allocScratch(size);
  zeroScratch(b, rec, size);
  args.forEach((a, i) => {
    const l = layout[i]!;
    if (l.userRead && isScalar(g.type(a))) {
      // A scalar read through a user pointer (`args.how->flags`): read straight into the record.
      const place = g.placeOf(a);
      if (place.base !== 'ptr') throw new CodegenError('user read without a pointer');
      g.readMemory({ dstScratch: rec + l.offset, size: l.userRead.size, ptrSlot: place.slot, off: place.off, space: 'user', str: false, statusOff: rec + l.statusOffset! });
    } else if (isScalar(g.type(a))) {
      g.scalar(a);
      b.emit(stx(8, SCRATCH, rec + l.offset, R0));
    } else {
      g.into(a, rec + l.offset, l.statusOffset !== undefined ? rec + l.statusOffset : undefined);
      // A variable holding a user read brings its status along (user-reads.ts).
      if (l.statusOffset !== undefined) copyVarStatus(g, a, rec + l.statusOffset);
    }
  });
  eventHeader(b, rec, kind, id);
  // A sleepable program's reads fault pages in and need no retry; nor can they be retried without exit programs.
  const exitTp = g.options.sleepable || g.options.exitRereads === false ? null : syscallExitOf(g);
  const fixups = layout.filter((l) => l.userRead);
  if (!exitTp || fixups.length === 0) {
    outputRecord(b, rec, size);
    return { layout, size };
  }
  // Some user read failed at the syscall's entry (page not resident): keep the record until the exit,
  // where the kernel has faulted the pages in, and retry there (DeferredRecord, generated in deferred.ts).
  const defer = b.newLabel('defer'), output = b.newLabel('output'), sent = b.newLabel('sent');
  for (const l of fixups) b.emit(ldx(8, R1, SCRATCH, rec + l.statusOffset!), jmpImm('jslt', R1, 0, defer));
  b.mark(output);
  outputRecord(b, rec, size);
  b.emit(ja(sent));
  b.mark(defer);
  const pendingMap = `pend_${g.res.deferred.length}`;
  const key = b.allocStack(8);
  b.emit(call('get_current_pid_tgid'), stx(8, R10, key, R0), ldMapFd(R1, pendingMap), mov64Reg(R2, R10), alu64Imm('add', R2, key));
  scratchPtr(b, R3, rec);
  // A full map (more calls with failed reads in flight than it holds): send the record now, its reads marked
  // lost, rather than drop it.
  b.emit(mov64Imm(R4, 0), call('map_update_elem'), jmpImm('jne', R0, 0, output));
  b.mark(sent);
  g.res.deferred.push({
    format: id, pendingMap, size, exit: exitTp, entry: g.b.name,
    fixups: fixups.map((l) => ({ offset: l.offset + (skips.get(l) ?? 0), statusOffset: l.statusOffset!, size: l.userRead!.size, str: l.userRead!.str })),
  });
  return { layout, size };
}

/** The exit tracepoint matching this probe when it is a syscall entry (where exit re-reads apply). */
export function syscallExitOf(g: ProbeCodegen): { category: string; event: string } | null {
  const p = g.pt.probe;
  if (p.kind === 'tracepoint' && p.tracepoint) {
    const { category, event } = p.tracepoint;
    if (category === 'syscalls' && event.startsWith('sys_enter_')) return { category, event: `sys_exit_${event.slice(10)}` };
    if (category === 'raw_syscalls' && event === 'sys_enter') return { category, event: 'sys_exit' };
  }
  if (p.kind === 'rawtracepoint' && p.rawtracepoint?.name === 'sys_enter') return { category: 'raw_syscalls', event: 'sys_exit' };
  return null;
}

/** True when `e` reads user memory (str/buf of a user pointer, a user struct field): its record carries a status. */
export function isUserRead(g: ProbeCodegen, e: Expr): boolean {
  return userReadOf(g, e) !== null;
}

/** Generates call `c`: a scalar result in R0, an aggregate into scratch at `dst`. */
export function genCall(g: ProbeCodegen, c: Call, dst: number | null, statusOff?: number): void {
  const b = g.b;
  switch (c.name) {
    case 'printf': case 'errorf': case 'warnf': case 'system': case 'cat': {
      const fmt = (c.args[0] as Extract<Expr, { kind: 'String' }>).value;
      const kind = c.name;
      const id = g.res.formats.length;
      const { layout, size } = sendRecordDeferred(g, kind === 'printf' ? EVENT.printf : EVENT[kind], id, c.args.slice(1));
      g.res.addFormat({ kind, format: fmt, args: layout, size, loc: { file: c.loc.file, line: c.loc.line, column: c.loc.column } });
      return;
    }
    case 'print': {
      const first = c.args[0]!;
      if (first.kind === 'Map' && !first.indexed) {
        const sm = g.res.map(first.name);
        const idx = [...g.res.maps.keys()].indexOf(sm.name);
        const rec = b.allocScratch(24);
        zeroScratch(b, rec, 24);
        for (const [i, a] of c.args.slice(1).entries()) {
          g.scalar(a);
          b.emit(stx(8, SCRATCH, rec + 8 + i * 8, R0));
        }
        eventHeader(b, rec, EVENT.print_map, idx);
        outputRecord(b, rec, 24);
        return;
      }
      const t = g.type(first);
      const id = g.res.printValues.length;
      const { size } = sendRecord(g, EVENT.print_value, id, [first], true);
      g.res.addPrintValue(isScalar(t) && t.kind === 'int' ? { ...t, size: 8 } : t, size);
      return;
    }
    case 'clear': case 'zero': {
      const m = c.args[0] as Extract<Expr, { kind: 'Map' }>;
      const idx = [...g.res.maps.keys()].indexOf(m.name);
      const rec = b.allocScratch(8);
      eventHeader(b, rec, c.name === 'clear' ? EVENT.clear_map : EVENT.zero_map, idx);
      outputRecord(b, rec, 8);
      return;
    }
    case 'kaddr': {
      // Resolved when the script compiles (the type checker refused an unknown symbol).
      const name = kaddrName(c, g.options.params);
      const addr = name === null ? null : g.options.kernelSymbol?.(name);
      if (addr == null) throw new CodegenError(`kaddr(): no address for ${String(name)}`);
      b.emit(ldImm64(R0, addr));
      return;
    }
    case 'percpu_kaddr': {
      // The variable's vmlinux BTF id is filled in by the loader (a kernel without it refuses to load); its
      // address on CPU `cpu` (bpf_per_cpu_ptr, NULL past the last CPU), or on this CPU (bpf_this_cpu_ptr).
      const name = kaddrName(c, g.options.params);
      if (name === null) throw new CodegenError('percpu_kaddr(): no variable name');
      if (c.args[1]) {
        g.scalar(c.args[1]);
        b.emit(mov64Reg(R2, R0), ldBtfId(R1, name, 'var'), call('per_cpu_ptr'));
      } else b.emit(ldBtfId(R1, name, 'var'), call('this_cpu_ptr'));
      return;
    }
    case 'getopt': {
      // A constant: the command line is known when the script compiles (passes/cli-opts.ts).
      const v = getoptValue(c, g.options.named ?? new Map());
      if (v.kind === 'int') g.constant(v.value);
      else if (v.kind === 'string' && dst !== null) {
        const bytes = new Uint8Array(sizeOf(g.type(c)));
        bytes.set(new TextEncoder().encode(v.text).subarray(0, bytes.length - 1));
        g.storeBytes(dst, bytes);
      } else throw new CodegenError('getopt() without a value');
      return;
    }
    case 'exit': {
      // Raise the exiting flag first (globals are one array shared by all CPUs), so that probes firing
      // before the runtime detaches return at once (see ProbeCodegen.generate).
      const key = b.allocStack(8), raised = b.newLabel('exiting');
      b.emit(st(4, R10, key, GLOBAL_EXITING), ldMapFd(R1, GLOBALS_MAP), mov64Reg(R2, R10), alu64Imm('add', R2, key), call('map_lookup_elem'),
        jmpImm('jeq', R0, 0, raised), st(8, R0, 0, 1));
      b.mark(raised);
      const rec = b.allocScratch(16);
      if (c.args[0]) g.scalar(c.args[0]);
      else b.emit(mov64Imm(R0, 0));
      b.emit(stx(8, SCRATCH, rec + 8, R0));
      eventHeader(b, rec, EVENT.exit, 0);
      outputRecord(b, rec, 16);
      b.emit(ja(g.exitLabel));
      return;
    }
    case 'time': {
      const fmt = c.args[0] ? (c.args[0] as Extract<Expr, { kind: 'String' }>).value : '%H:%M:%S\n';
      const id = g.res.addTimeFormat(fmt);
      const rec = b.allocScratch(8);
      eventHeader(b, rec, EVENT.time, id);
      outputRecord(b, rec, 8);
      return;
    }
    case 'delete': {
      const m = c.args[0] as Extract<Expr, { kind: 'Map' }>;
      if (c.args.length === 2) mapDelete(g, { ...m, keys: [c.args[1]!], indexed: true }, c.loc);
      else mapDelete(g, m, c.loc);
      return;
    }
    case 'has_key': {
      const m = c.args[0] as Extract<Expr, { kind: 'Map' }>;
      mapHasKey(g, { ...m, keys: [c.args[1]!], indexed: true });
      return;
    }
    case 'str': case 'buf': {
      if (dst === null) throw new CodegenError(`${c.name}() produces a value that must be stored`);
      const t = g.type(c);
      const src = c.args[0]!;
      const st0 = g.type(src);
      if (st0.kind === 'string' && c.name === 'buf') {
        // A buffer is a u32 length then the bytes: copy the string's first bytes after the length.
        const size = (t as Extract<Type, { kind: 'buffer' }>).size;
        const n = Math.min(size, sizeOf(st0));
        copyScratch(b, dst + 4, g.materialize(src), n);
        zeroScratch(b, dst + 4 + n, size - n);
        b.emit(st(4, SCRATCH, dst, size));
        return;
      }
      if (st0.kind === 'string') {
        if (sizeOf(st0) <= sizeOf(t)) {
          g.into(src, dst);
          return;
        }
        // A shorter str() of a string: its first bytes, then the NUL that ends it.
        const n = sizeOf(t) - 1;
        copyScratch(b, dst, g.materialize(src), n);
        b.emit(st(1, SCRATCH, dst + n, 0));
        return;
      }
      const size = c.name === 'str' ? sizeOf(t) : (t as Extract<Type, { kind: 'buffer' }>).size;
      g.scalar(src);
      const slot = spill(b);
      const space = spaceOf(g, src);
      const data = c.name === 'str' ? dst : dst + 4;
      let sizeSlot: number | null = null;
      if (c.args[1] && c.args[1].kind !== 'Integer') {
        g.scalar(c.args[1]);
        sizeSlot = spill(b);
      }
      void sizeSlot;
      g.readMemory({ dstScratch: data, size, ptrSlot: slot, off: 0, space, str: c.name === 'str', ...(statusOff !== undefined ? { statusOff } : {}) });
      if (c.name === 'buf') b.emit(st(4, SCRATCH, dst, size));
      return;
    }
    case 'strncmp': {
      const n = Number(constantInt(c.args[2]!, g.options.params) ?? 0n);
      const [a, d] = [g.materialize(c.args[0]!), g.materialize(c.args[1]!)];
      const ta = g.type(c.args[0]!), td = g.type(c.args[1]!);
      const limit = Math.min(n, sizeOf(ta), sizeOf(td));
      if (limit <= 0) {
        // Nothing to compare: equal. (The loop below would leave its `differ` branch unreachable.)
        b.emit(mov64Imm(R0, 0));
        return;
      }
      const differ = b.newLabel('ndiff'), end = b.newLabel('nend');
      for (let i = 0; i < limit; i++) {
        b.emit(ldx(1, R1, SCRATCH, a + i), ldx(1, R2, SCRATCH, d + i), jmpReg('jne', R1, R2, differ), jmpImm('jeq', R1, 0, `${differ}_eq`));
      }
      b.mark(`${differ}_eq`);
      b.emit(mov64Imm(R0, 0), ja(end));
      b.mark(differ);
      b.emit(mov64Imm(R0, 1));
      b.mark(end);
      return;
    }
    case 'strcontains': {
      strcontains(g, c);
      return;
    }
    case 'kptr': case 'uptr':
      g.scalar(c.args[0]!);
      return;
    case 'ksym':
      g.scalar(c.args[0]!);
      return;
    case 'usym': {
      // 16 bytes: the address, then the pid whose mappings the runtime names it in (usym_t).
      if (dst === null) throw new CodegenError('usym() produces a value that must be stored');
      g.scalar(c.args[0]!);
      b.emit(stx(8, SCRATCH, dst, R0), call('get_current_pid_tgid'), alu64Imm('rsh', R0, 32), stx(8, SCRATCH, dst + 8, R0));
      return;
    }
    case 'strerror':
      g.scalar(c.args[0]!);
      return;
    case 'signal': {
      const a = c.args[0]!;
      if (a.kind === 'String') b.emit(mov64Imm(R1, signalNumber(a.value)));
      else {
        g.scalar(a);
        b.emit(mov64Reg(R1, R0));
      }
      b.emit(call('send_signal'));
      return;
    }
    case 'kstack': case 'ustack':
      genStack(g, g.type(c) as Extract<Type, { kind: 'stack' }>);
      return;
    case 'len':
      genLen(g, c.args[0]!);
      return;
    case 'strftime':
      g.scalar(c.args[1]!);
      return;
    case 'join':
      genJoin(g, c);
      return;
    case 'ntop':
      if (dst === null) throw new CodegenError('ntop() produces a value that must be stored');
      genNtop(g, c, dst);
      return;
    case 'nsecs': {
      const kind = c.args[0]?.kind === 'Identifier' ? c.args[0].name : 'monotonic';
      b.emit(call(kind === 'boot' ? 'ktime_get_boot_ns' : kind === 'tai' || kind === 'sw_tai' ? 'ktime_get_tai_ns' : 'ktime_get_ns'));
      return;
    }
    default:
      throw new CodegenError(`${c.name}() is not supported by siesta's code generator yet`);
  }
}

/** Like sendRecord, for formats: user reads in printf arguments carry a status so lost reads are never silent. */
function sendRecordDeferred(g: ProbeCodegen, kind: number, id: number, args: readonly Expr[]): { layout: RecordArg[]; size: number } {
  return sendRecord(g, kind, id, args, true);
}

/** R0 = 1 when string argument 0 contains string argument 1 (a literal or short string). */
function strcontains(g: ProbeCodegen, c: Call): void {
  const b = g.b;
  const hay = g.materialize(c.args[0]!);
  const ht = g.type(c.args[0]!);
  const needle = c.args[1]!;
  if (needle.kind !== 'String') throw new CodegenError('strcontains() needs a string literal as its second argument in siesta');
  const n = needle.bytes.length;
  const found = b.newLabel('found'), end = b.newLabel('scend');
  if (n === 0) {
    b.emit(mov64Imm(R0, 1));
    return;
  }
  const hsize = Math.min(sizeOf(ht), 256);
  // Bounded loop over start positions; the needle is compared unrolled.
  const i = g.b.allocStack(8);
  b.emit(st(8, R10, i, 0));
  const top = b.newLabel('sctop'), next = b.newLabel('scnext');
  b.mark(top);
  reload(b, i, R3);
  b.emit(jmpImm('jgt', R3, hsize - n, `${end}_no`));
  scratchPtr(b, R1, hay);
  b.emit(mov64Reg(R2, R3), alu64Imm('and', R2, 0xfff));
  // r1 = hay + i (bounded by the and above, so the verifier accepts the variable offset)
  b.emit(alu64Reg('add', R1, R2));
  for (let k = 0; k < n; k++) {
    b.emit(ldx(1, R0, R1, k), jmpImm('jeq', R0, 0, `${end}_no`), jmpImm('jne', R0, needle.bytes[k]!, next));
  }
  b.emit(ja(found));
  b.mark(next);
  reload(b, i, R3);
  b.emit(alu64Imm('add', R3, 1), stx(8, R10, i, R3), ja(top));
  b.mark(found);
  b.emit(mov64Imm(R0, 1), ja(end));
  b.mark(`${end}_no`);
  b.emit(mov64Imm(R0, 0));
  b.mark(end);
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11,
  SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20,
};

/** A signal number from a name (`SIGKILL` or `KILL`). */
export function signalNumber(name: string): number {
  const n = SIGNALS[name] ?? SIGNALS[`SIG${name}`];
  if (n === undefined) throw new CodegenError(`unknown signal ${name}`);
  return n;
}

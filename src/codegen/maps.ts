/**
 * Script maps in generated code: building keys, reading and writing values, `++`/`+=`, and the
 * aggregations (count, sum, min, max, avg, stats, hist, lhist), which live in per-CPU hash maps so no
 * atomic operation is needed.
 *
 * Aggregation value layouts (per CPU):
 *   count, sum          u64/s64
 *   min, max            { s64 value; u64 set }
 *   avg, stats          { s64 total; u64 count }
 *   hist, lhist         u64 count, keyed by the user key followed by a u64 bucket index
 */
import {
  alu64Imm, alu64Reg, call, ja, jmpImm, jmpReg, ldImm64, ldMapFd, ldx, mov64Imm, mov64Reg, R0, R1, R2, R3, R4, R7, R10, type Reg, st, stx,
} from '../asm/index.js';
import type { Call, CompoundOp, Expr, MapRef, SourceLocation } from '../lang/index.js';
import { isScalar, sameType, sizeOf, type Type } from '../types/types.js';
import { CodegenError, SCRATCH } from './builder.js';
import { copyScratch, extend, reload, scratchPtr, spill, zeroScratch } from './emit.js';
import { checkHelperResult, reportLookupMiss } from './helper-errors.js';
import type { ProbeCodegen } from './probe.js';
import type { ScriptMap } from './resources.js';

/** Builds the key of `m[...]` in scratch (plus room for a bucket index); returns its offset. */
export function buildKey(g: ProbeCodegen, m: MapRef, sm: ScriptMap): number {
  const b = g.b;
  const off = b.allocScratch(sm.keySize);
  zeroScratch(b, off, sm.keySize);
  if (!sm.key || m.keys.length === 0) return off;
  if (m.keys.length === 1) {
    writeKeyPart(g, m.keys[0]!, sm.key, off);
    return off;
  }
  if (sm.key.kind !== 'tuple') throw new CodegenError(`key of ${m.name} is not a tuple`);
  const layout = sm.key;
  m.keys.forEach((k, i) => writeKeyPart(g, k, layout.elems[i]!, off + layout.offsets[i]!));
  return off;
}

/**
 * Writes `k` at scratch offset `at` in the key layout `want`. Integers in keys are 64-bit at every depth
 * (typecheck's keyTypeOf), so a tuple holding a narrower one (`("a", (int8)5)`) has another layout as a key
 * than as a value: it is written element by element, widening each integer.
 */
function writeKeyPart(g: ProbeCodegen, k: Expr, want: Type, at: number): void {
  const b = g.b;
  const have = g.type(k);
  if (isScalar(have)) {
    g.scalar(k);
    b.emit(stx(Math.min(8, sizeOf(want)) as 1 | 2 | 4 | 8, SCRATCH, at, R0));
    return;
  }
  if (have.kind !== 'tuple' || want.kind !== 'tuple' || sameType(have, want)) {
    g.into(k, at);
    return;
  }
  if (k.kind === 'Tuple') k.elems.forEach((e, i) => writeKeyPart(g, e, want.elems[i]!, at + want.offsets[i]!));
  else convertTuple(g, have, g.materialize(k), want, at);
}

/** Copies the tuple at scratch `src` (layout `have`) to `dst` in layout `want`, sign- or zero-extending integers. */
function convertTuple(g: ProbeCodegen, have: TupleType, src: number, want: TupleType, dst: number): void {
  have.elems.forEach((h, i) => {
    const w = want.elems[i]!, from = src + have.offsets[i]!, to = dst + want.offsets[i]!;
    if (h.kind === 'tuple' && w.kind === 'tuple') convertTuple(g, h, from, w, to);
    else if (h.kind === 'int' && h.size < sizeOf(w)) {
      g.b.emit(ldx(h.size, R0, SCRATCH, from));
      extend(g.b, R0, h.size, h.signed);
      g.b.emit(stx(8, SCRATCH, to, R0));
    } else copyScratch(g.b, to, from, Math.min(sizeOf(h), sizeOf(w)));
  });
}

type TupleType = Extract<Type, { kind: 'tuple' }>;

/** r0 = bpf_map_lookup_elem(map, scratch + keyOff). */
function lookup(g: ProbeCodegen, sm: ScriptMap, keyOff: number): void {
  g.b.emit(ldMapFd(R1, sm.bpfName));
  scratchPtr(g.b, R2, keyOff);
  g.b.emit(call('map_lookup_elem'));
}

/** bpf_map_update_elem(map, key, value, BPF_ANY). */
function update(g: ProbeCodegen, sm: ScriptMap, keyOff: number, valueOff: number): void {
  g.b.emit(ldMapFd(R1, sm.bpfName));
  scratchPtr(g.b, R2, keyOff);
  scratchPtr(g.b, R3, valueOff);
  g.b.emit(mov64Imm(R4, 0), call('map_update_elem'));
  checkHelperResult(g, 'map_update_elem');
}

/** Reads `@m[k]`: a scalar into R0 (0 when absent), or an aggregate into scratch at `dst` (zeroes when absent). */
export function mapRead(g: ProbeCodegen, m: MapRef, dst: number | null): void {
  const b = g.b;
  const sm = g.res.map(m.name);
  if (sm.agg) {
    percpuValue(g, sm, buildKey(g, m, sm));
    // As a tuple element or a map key, the aggregated value is a 64-bit integer in place.
    if (dst !== null) b.emit(stx(8, SCRATCH, dst, R0));
    return;
  }
  const keyOff = buildKey(g, m, sm);
  lookup(g, sm, keyOff);
  const absent = b.newLabel('absent'), end = b.newLabel('mread');
  b.emit(jmpImm('jeq', R0, 0, absent));
  if (dst === null) {
    b.emit(ldx(8, R0, R0, 0), ja(end));
    b.mark(absent);
    reportLookupMiss(g, m.loc);
    b.emit(mov64Imm(R0, 0));
  } else {
    const size = sizeOf(sm.value);
    b.emit(mov64Reg(R7, R0));
    scratchPtr(b, R1, dst);
    b.emit(mov64Imm(R2, size), mov64Reg(R3, R7), call('probe_read_kernel'), ja(end));
    b.mark(absent);
    reportLookupMiss(g, m.loc);
    zeroScratch(b, dst, size);
  }
  b.mark(end);
}

/**
 * R0 = the value of the aggregation at scratch key `keyOff` over every CPU (0 when absent), as bpftrace reads
 * count, sum, min, max and avg values in expressions: each CPU's slot is read with bpf_map_lookup_percpu_elem
 * (5.19) in a loop bounded by the number of possible CPUs.
 */
export function percpuValue(g: ProbeCodegen, sm: ScriptMap, keyOff: number): void {
  const b = g.b;
  const fn = sm.agg;
  if (fn !== 'count' && fn !== 'sum' && fn !== 'min' && fn !== 'max' && fn !== 'avg') {
    throw new CodegenError(`the value of a ${String(fn)}() map cannot be read as an integer`);
  }
  const signed = fn !== 'count' && (sm.value.kind !== 'int' || sm.value.signed);
  // acc: the total, or the best min/max so far; aux: avg's element count, or whether min/max saw a value.
  const cpu = b.allocStack(8), acc = b.allocStack(8), aux = b.allocStack(8);
  const top = b.newLabel('pcpu'), next = b.newLabel('pcpu_next'), done = b.newLabel('pcpu_done');
  b.emit(st(8, R10, cpu, 0), st(8, R10, acc, 0), st(8, R10, aux, 0));
  b.mark(top);
  b.emit(ldx(8, R3, R10, cpu), jmpImm('jge', R3, g.options.ncpus, done), ldMapFd(R1, sm.bpfName));
  scratchPtr(b, R2, keyOff);
  b.emit(call('map_lookup_percpu_elem'), jmpImm('jeq', R0, 0, next), ldx(8, R1, R0, 0), ldx(8, R2, R10, acc));
  if (fn === 'count' || fn === 'sum') b.emit(alu64Reg('add', R2, R1), stx(8, R10, acc, R2));
  else if (fn === 'avg') b.emit(alu64Reg('add', R2, R1), stx(8, R10, acc, R2), ldx(8, R1, R0, 8), ldx(8, R2, R10, aux), alu64Reg('add', R2, R1), stx(8, R10, aux, R2));
  else {
    // A CPU's min/max counts only once set ({ value, set }); the first set one is taken as is.
    const take = b.newLabel('pcpu_take');
    b.emit(ldx(8, R3, R0, 8), jmpImm('jeq', R3, 0, next), ldx(8, R3, R10, aux), jmpImm('jeq', R3, 0, take),
      jmpReg(fn === 'min' ? (signed ? 'jsge' : 'jge') : (signed ? 'jsle' : 'jle'), R1, R2, next));
    b.mark(take);
    b.emit(stx(8, R10, acc, R1), st(8, R10, aux, 1));
  }
  b.mark(next);
  b.emit(ldx(8, R3, R10, cpu), alu64Imm('add', R3, 1), stx(8, R10, cpu, R3), ja(top));
  b.mark(done);
  b.emit(ldx(8, R0, R10, acc));
  if (fn === 'avg') {
    const empty = b.newLabel('avg_empty');
    b.emit(ldx(8, R1, R10, aux), jmpImm('jeq', R1, 0, empty), alu64Reg(signed ? 'sdiv' : 'div', R0, R1));
    b.mark(empty);
  }
}

/** `@m[k] = value`, including aggregations (`@m[k] = count()`). */
export function mapAssign(g: ProbeCodegen, m: MapRef, value: Expr): void {
  const sm = g.res.map(m.name);
  if (sm.agg) {
    if (value.kind !== 'Call') throw new CodegenError(`${m.name} holds ${sm.agg}() values`);
    aggregate(g, m, sm, value);
    return;
  }
  const b = g.b;
  const valueOff = b.allocScratch(sm.valueSize);
  zeroScratch(b, valueOff, sm.valueSize);
  if (isScalar(sm.value)) {
    g.scalar(value);
    b.emit(stx(Math.min(8, sm.valueSize) as 1 | 2 | 4 | 8, SCRATCH, valueOff, R0));
  } else g.into(value, valueOff);
  const keyOff = buildKey(g, m, sm);
  update(g, sm, keyOff, valueOff);
}

/**
 * `@m[k] op= value` and `@m[k]++`: R0 receives the old or new value when `result` asks for it. Not atomic
 * across CPUs, as in bpftrace.
 */
export function mapUpdateOp(g: ProbeCodegen, m: MapRef, op: CompoundOp, value: Expr | null, result?: 'old' | 'new'): void {
  const b = g.b;
  const sm = g.res.map(m.name);
  if (value) g.scalar(value);
  else b.emit(mov64Imm(R0, 1));
  const operand = spill(b);
  const keyOff = buildKey(g, m, sm);
  lookup(g, sm, keyOff);
  const absent = b.newLabel('absent'), end = b.newLabel('mupd');
  b.emit(mov64Imm(R1, 0), jmpImm('jeq', R0, 0, absent), mov64Reg(R7, R0), ldx(8, R1, R0, 0));
  b.mark(absent);
  b.emit(mov64Reg(R0, R1));
  const old = spill(b);
  reload(b, operand, R1);
  const signed = sm.value.kind === 'int' && sm.value.signed;
  g.arith(op, R1, signed);
  const fresh = spill(b);
  // Write back: in place when the entry exists, else insert.
  lookup(g, sm, keyOff);
  const insert = b.newLabel('ins');
  b.emit(jmpImm('jeq', R0, 0, insert));
  reload(b, fresh, R1);
  b.emit(stx(8, R0, 0, R1), ja(end));
  b.mark(insert);
  const valueOff = b.allocScratch(8);
  reload(b, fresh, R1);
  b.emit(stx(8, SCRATCH, valueOff, R1));
  update(g, sm, keyOff, valueOff);
  b.mark(end);
  if (result) reload(b, result === 'old' ? old : fresh, R0);
}

/** The per-CPU update of an aggregation. */
function aggregate(g: ProbeCodegen, m: MapRef, sm: ScriptMap, c: Call): void {
  const b = g.b;
  // The aggregated value first (it may call helpers), then the key, then the bucket.
  if (c.args[0] && sm.agg !== 'count') g.scalar(c.args[0]);
  else b.emit(mov64Imm(R0, 1));
  const v = spill(b);
  const keyOff = buildKey(g, m, sm);
  if (sm.agg === 'hist' || sm.agg === 'lhist') {
    reload(b, v, R0);
    if (sm.agg === 'hist') log2Bucket(g, sm.hist?.bits ?? 0);
    else linearBucket(g, sm.lhist!);
    b.emit(stx(8, SCRATCH, keyOff + sm.keySize - 8, R0), mov64Imm(R0, 1), stx(8, R10, v, R0));
  }
  lookup(g, sm, keyOff);
  const absent = b.newLabel('agg_new'), end = b.newLabel('agg_end');
  b.emit(jmpImm('jeq', R0, 0, absent), mov64Reg(R7, R0));
  reload(b, v, R1);
  switch (sm.agg) {
    case 'count': case 'sum': case 'hist': case 'lhist':
      b.emit(ldx(8, R2, R7, 0), alu64Reg('add', R2, R1), stx(8, R7, 0, R2));
      break;
    case 'min': case 'max': {
      const keep = b.newLabel('keep');
      b.emit(ldx(8, R2, R7, 8), jmpImm('jeq', R2, 0, `${keep}_set`), ldx(8, R2, R7, 0),
        jmpReg(sm.agg === 'min' ? 'jsle' : 'jsge', R2, R1, keep));
      b.mark(`${keep}_set`);
      b.emit(stx(8, R7, 0, R1), st(8, R7, 8, 1));
      b.mark(keep);
      break;
    }
    case 'avg': case 'stats':
      b.emit(ldx(8, R2, R7, 0), alu64Reg('add', R2, R1), stx(8, R7, 0, R2), ldx(8, R2, R7, 8), alu64Imm('add', R2, 1), stx(8, R7, 8, R2));
      break;
    default:
      throw new CodegenError(`aggregation ${String(sm.agg)}`);
  }
  b.emit(ja(end));
  b.mark(absent);
  const valueOff = b.allocScratch(16);
  reload(b, v, R1);
  b.emit(stx(8, SCRATCH, valueOff, R1), st(8, SCRATCH, valueOff + 8, 1));
  update(g, sm, keyOff, valueOff);
  b.mark(end);
}

/**
 * R0 = bpftrace's log2 bucket of R0 with 2^bits sub-buckets per power of two:
 * n < 0 → 0; n == 0 → 1; l = floor(log2 n); l < bits → n + 1; else ((l - bits + 1) << bits) + 1 + ((n >> (l - bits)) & (2^bits - 1)).
 */
function log2Bucket(g: ProbeCodegen, bits: number): void {
  const b = g.b;
  const done = b.newLabel('log2');
  b.emit(mov64Reg(R1, R0), mov64Imm(R0, 0), jmpImm('jslt', R1, 0, done), mov64Imm(R0, 1), jmpImm('jeq', R1, 0, done));
  // R2 = floor(log2 R1) by binary search over shifts; R3 = scratch copy.
  b.emit(mov64Imm(R2, 0), mov64Reg(R3, R1));
  for (const s of [32, 16, 8, 4, 2, 1]) {
    const skip = b.newLabel('l2s');
    b.emit(mov64Reg(R4, R3), alu64Imm('rsh', R4, s), jmpImm('jeq', R4, 0, skip), mov64Reg(R3, R4), alu64Imm('add', R2, s));
    b.mark(skip);
  }
  const big = b.newLabel('l2big');
  b.emit(jmpImm('jge', R2, bits, big), mov64Reg(R0, R1), alu64Imm('add', R0, 1), ja(done));
  b.mark(big);
  // R0 = ((l - bits + 1) << bits) + 1 + ((n >> (l - bits)) & mask)
  b.emit(mov64Reg(R0, R2), alu64Imm('add', R0, 1 - bits));
  if (bits) b.emit(alu64Imm('lsh', R0, bits));
  b.emit(alu64Imm('add', R0, 1));
  if (bits) {
    b.emit(mov64Reg(R4, R2), alu64Imm('add', R4, -bits), mov64Reg(R3, R1), alu64Reg('rsh', R3, R4),
      alu64Imm('and', R3, (1 << bits) - 1), alu64Reg('add', R0, R3));
  }
  b.mark(done);
}

/** R0 = lhist bucket of R0: 0 below min, (v - min) / step + 1 inside, (max - min) / step + 1 at or above max. */
function linearBucket(g: ProbeCodegen, l: { min: number; max: number; step: number }): void {
  const b = g.b;
  const done = b.newLabel('lin');
  const last = Math.floor((l.max - l.min) / l.step) + 1;
  // Bounds go through registers: lhist() takes any 64-bit literal, and immediates only hold 32 bits.
  const load = (reg: Reg, v: number) => b.emit(v >= -0x80000000 && v <= 0x7fffffff ? mov64Imm(reg, v) : ldImm64(reg, BigInt.asIntN(64, BigInt(v))));
  b.emit(mov64Reg(R1, R0));
  load(R2, l.min);
  load(R3, l.max);
  load(R4, l.step);
  b.emit(mov64Imm(R0, 0), jmpReg('jslt', R1, R2, done), mov64Imm(R0, last), jmpReg('jsge', R1, R3, done),
    mov64Reg(R0, R1), alu64Reg('sub', R0, R2), alu64Reg('div', R0, R4), alu64Imm('add', R0, 1));
  b.mark(done);
}

/** `delete(@m[k])` / `delete(@m, k)`; `at` is the call, where a missing element is reported. */
export function mapDelete(g: ProbeCodegen, m: MapRef, at?: SourceLocation): void {
  const sm = g.res.map(m.name);
  const keyOff = buildKey(g, m, sm);
  g.b.emit(ldMapFd(R1, sm.bpfName));
  scratchPtr(g.b, R2, keyOff);
  g.b.emit(call('map_delete_elem'));
  checkHelperResult(g, 'map_delete_elem', at);
}

/** `has_key(@m, k)`: R0 = 1 when present. */
export function mapHasKey(g: ProbeCodegen, m: MapRef): void {
  const sm = g.res.map(m.name);
  const keyOff = buildKey(g, m, sm);
  lookup(g, sm, keyOff);
  g.boolify('jne');
}

/** Copies a map value into scratch (used by `for` over maps and print of values). */
export function copyMapValue(g: ProbeCodegen, dst: number, src: number, size: number): void {
  copyScratch(g.b, dst, src, size);
}

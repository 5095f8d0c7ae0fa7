/**
 * Fuzzing the front end: thousands of random and mutated scripts go through parse() and compile() (against
 * the fake machine), and neither may throw: every problem in a script must come back as a diagnostic. A
 * program compile() accepts must also have no unreachable instruction, which the verifier would reject.
 * The PRNG is seeded, so a failure names the seed and the script and reproduces with SIESTA_FUZZ_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  BPF_CALL, BPF_CLASS, BPF_EXIT, BPF_JA, BPF_JMP, BPF_JMP32, BPF_OP, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, decode, insnSlots, type LinkedProgram,
} from '../../src/asm/index.js';
import { compile } from '../../src/codegen/index.js';
import { parse } from '../../src/lang/index.js';
import { fakeKernelInfo } from '../helpers/fake-kernel-info.js';

/** mulberry32: small, fast and good enough to drive mutations; `next()` is in [0, 1). */
function prng(seed: number): { next(): number; int(n: number): number; pick<T>(list: readonly T[]): T } {
  let state = seed | 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, pick: (list) => list[int(list.length)]! };
}

type Rng = ReturnType<typeof prng>;

const TARGET = { path: '/tmp/siesta-fuzz-target', names: ['fuzz-target'], symbols: { f: 0x1000n, g: 0x1100n, 'h(int)': 0x1200n } };
const kernel = fakeKernelInfo({ binaries: [TARGET] });

/**
 * Scripts to mutate: bpftrace's tutorial one-liners and scripts that touch most of the language. Most
 * compile as they are, so mild mutations reach the type checker and the code generator.
 */
const SEEDS: readonly string[] = [
  'begin { printf("hello world\\n"); }',
  'tracepoint:syscalls:sys_enter_openat { printf("%s %s\\n", comm, str(args.filename)); }',
  'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }',
  'tracepoint:syscalls:sys_exit_read /pid == 18644/ { @bytes = hist(args.ret); }',
  'tracepoint:syscalls:sys_exit_read /args.ret/ { @[comm] = sum(args.ret); }',
  'tracepoint:syscalls:sys_exit_read { @bytes = lhist(args.ret, 0, 2000, 200); }',
  'tracepoint:sched:sched* { @[probe] = count(); } interval:s:5 { exit(); }',
  'tracepoint:sched:sched_switch { printf("%s %d\\n", args.prev_comm, args.next_pid); }',
  'tracepoint:syscalls:sys_enter_* { @[probe] = count(); }',
  'profile:hz:99 { @[cpu] = count(); }',
  'software:faults:1 { @[comm] = count(); } software:cpu-clock:100000 { @c = count(); }',
  'uprobe:/tmp/siesta-fuzz-target:f { printf("%d %d\\n", arg0, sarg1); @s[tid] = nsecs; }' +
    ' uretprobe:/tmp/siesta-fuzz-target:f /@s[tid]/ { @ns = hist(nsecs - @s[tid]); delete(@s, tid); printf("%d %s\\n", retval, func); }',
  'begin { $x = 1; while ($x < 10) { $x++; if ($x == 5) { break; } continue; } @y++; @y--; --@y; ++$x; }',
  'begin { $x = pid > 1 ? "a" : "b"; $y = pid > 1 ? 1 : 2; printf("%s %d\\n", $x, $y); }',
  'begin { @h = lhist(-5, -10, 10, 1); @g = hist(0); print(@h); print(@g); clear(@g); zero(@h); delete(@h); }',
  'begin { @m[1] = 1; if (has_key(@m, 1)) { delete(@m[1]); delete(@m, 1); } print(@m, 1); }',
  'begin { $s = "abc"; printf("%d %d\\n", strncmp($s, "abd", 2), strcontains($s, "b")); }',
  'begin { printf("%-10s|%5d|%x|%05.2d|%c|%u|%p|%%\\n", "a", 1, 255, 3, 65, 3, 0); }',
  'begin { print(1); print("s"); print((1, 2)); print(comm); $x = (uint8)300; $z = sizeof(uint32); $w = !$x; $v = ~$x; $u = -$x; }',
  'begin { $x = 7; $q = $x << 2 | 1 & 3 ^ 4; $r = $x % 3 / 1 * 2 - 1 + 5 >> 1; @r = $q == $r; }',
  'begin { exit(1); } end { printf("%s %s %s\\n", ksym(0), usym(0), strerror(1)); }',
  'begin { $a = $1; $b = str($2); $c = $#; printf("%d %s %d\\n", $a, $b, $c); unroll(3) { printf("x"); } }',
  'interval:ms:100 { printf("%d %d %d %d %d %d %d\\n", elapsed, nsecs, pid, tid, uid, gid, cpu); printf("%s %s %d\\n", comm, probe, ncpus); }',
  'begin { let $a: int16 = 1; let $b; $b = 2; { $c = 3; } $d = { $e = 1; $e + 1 }; }',
  'begin { $x = (int8 *)0; $y = *$x; $z = $x[1]; printf("%p\\n", $x); }',
  'begin { @a = avg(5); @b = stats(3); @c = min(-1); @d = max(2); @e = sum(3); @f = count(); print(@a); print(@b); }',
  'begin { $b = buf("abc", 3); printf("%r %rx %rh\\n", $b, $b, $b); @b = $b; }',
  'begin { @s["a"] = "x"; @s["b"] = "yy"; $v = @s["a"]; if ($v == "x") { printf("%s\\n", $v); } }',
  'begin { $x = true; $y = false; if ($x && !$y || $x) { printf("%d\\n", $x); } }',
  'begin { @x = (1, "a"); @y[1, 2] = (3, 4); print(@x); print(@y); @z[comm, pid] = count(); }',
  'begin { $i = 0; for ($j : 0..10) { $i += $j; } @i = $i; for ($kv : @i) { print($kv); } }',
  'begin { printf("%d\\n", (int64)-1 < 0); printf("%s\\n", "a" != "b" ? "y" : "n"); $t = (1, "x"); print($t.0); }',
  'config = { max_strlen = 64; max_map_keys = 100 } begin { @[kstack] = count(); time("%H:%M\\n"); }',
  'macro twice($x) { $x * 2 } fn one(): int64 { return 1; } begin { @ = twice(3); }',
  '#define N 3\nstruct foo { int a; } begin { $p = (struct foo *)0; @ = $p->a; @t = offsetof(struct foo, a); }',
  'BEGIN { @x = 1; @x = "s"; if ("a" == 1) { } printf("%d %d\\n", 1); foo(); $u; } END { clear(@nope); }',
  'begin { $i = 0; while ($i < 10) { $i++; if ($i == 3) { continue; } if ($i == 5) { break; } printf("%d\\n", $i); } if ($i) { exit(); } else { return; } }',
  'begin { @m[1] = 10; @m[2] = 20; } interval:ms:100 { @t++; if (@t == 1) { print(@m); } if (@t == 2) { delete(@m[1]); } if (@t == 3) { exit(); } }',
  'begin { pid > 1 ? printf("a\\n") : exit(); $x = pid > 1 ? (1, "a") : (2, "bb"); print($x); }',
];

const ALPHABET = '{}()[];:,./\\"\'@$#!~-+*&|^%<>=?0123456789abcxyz_ \n\t';

/** Tokens a mutation may insert anywhere. */
const TOKENS: readonly string[] = [
  '{', '}', '(', ')', '[', ']', ';', ',', ':', '/', '"', '@', '$', '#', '$x', '@m', '$1', '$#', 'if', 'else', 'while', 'for',
  'unroll', 'return', 'break', 'continue', 'let', 'macro', 'fn', 'config', 'import', '=', '==', '+=', '<<=', '++', '--', '?',
  '->', '.', '..', '.0', 'printf', 'str', 'buf', 'count', 'hist', 'lhist', 'print', 'delete', 'clear', 'exit', 'args', 'arg0',
  'retval', 'comm', 'pid', 'kstack', 'ustack', 'curtask', '0', '-1', '0x7fffffffffffffff', '0xffffffffffffffff',
  '99999999999999999999999', '1e3', '"s"', '"%d"', '"%s %d\\n"', '"\\x00"', '""', 'begin', 'end', 'interval:s:1',
  'tracepoint:syscalls:sys_enter_openat', 'uprobe:/tmp/siesta-fuzz-target:f', 'rawtracepoint:sched_switch', 'struct',
  'int8', 'uint64', 'string', 'bool', '(uint64)', '(int8 *)', 'sizeof', 'offsetof', '1ms', '1_000', 'true', 'false', '_',
];

/** Words of one class swap for each other, so the script stays well-formed more often than not. */
const CLASSES: readonly (readonly string[])[] = [
  ['0', '1', '-1', '2', '7', '64', '255', '4096', '0x10', '-5', '1000000', '0xffffffffffffffff', '9223372036854775807'],
  ['pid', 'tid', 'uid', 'gid', 'cpu', 'nsecs', 'elapsed', 'comm', 'probe', 'func', 'rand', 'cgroup', 'args', 'arg0', 'arg1',
    'sarg0', 'retval', 'kstack', 'ustack', 'curtask', 'jiffies', 'ncpus', 'numaid'],
  ['+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^', '&&', '||', '==', '!=', '<', '>', '<=', '>='],
  ['count', 'sum', 'min', 'max', 'avg', 'stats', 'hist', 'lhist', 'str', 'buf', 'print', 'printf', 'delete', 'clear', 'zero',
    'exit', 'has_key', 'len', 'strncmp', 'strcontains', 'ksym', 'usym', 'strerror', 'kptr', 'uptr', 'time', 'strftime', 'join',
    'cat', 'system', 'signal', 'errorf', 'warnf'],
  ['"%d\\n"', '"%s\\n"', '"%x %d"', '"%-5s|"', '"%r"', '"abc"', '""', '"%"', '"%d %d %d"', '"\\n"'],
  ['@', '@x', '@m', '@s', '@h', '@bytes'],
  ['$x', '$y', '$s', '$i', '$t', '$kv', '$1', '$2', '$#'],
  ['int8', 'uint8', 'int16', 'uint32', 'int64', 'uint64', 'bool', 'string', 'struct foo', 'int8 *', 'uint64 *', 'string[4]'],
];

/** Splits a script into rough tokens: words, strings, single punctuation, whitespace. */
function tokens(text: string): string[] {
  return text.match(/[\w$@]+|"(?:[^"\\]|\\.)*"?|\s+|./gs) ?? [];
}

function mutate(r: Rng, text: string): string {
  let s = text;
  const count = 1 + r.int(4);
  for (let i = 0; i < count; i++) {
    const at = r.int(s.length + 1);
    const op = r.int(9);
    if (op === 0) {
      s = s.slice(0, at) + s.slice(at + 1 + r.int(4));
    } else if (op === 1) {
      s = s.slice(0, at) + r.pick([...ALPHABET]) + s.slice(at);
    } else if (op === 2) {
      const end = Math.min(s.length, at + 1 + r.int(16));
      s = s.slice(0, end) + s.slice(at, end) + s.slice(end);
    } else {
      const toks = tokens(s);
      const j = r.int(toks.length + 1);
      if (op === 3) toks.splice(j, 1);
      else if (op === 4) toks.splice(j, 0, ` ${r.pick(TOKENS)} `);
      else if (op === 5 && toks.length > 0) toks.splice(j, 0, r.pick(toks));
      else if (op === 6 && toks.length > 1) {
        const a = r.int(toks.length), b = r.int(toks.length);
        [toks[a], toks[b]] = [toks[b]!, toks[a]!];
      } else {
        // Swap a word for another of its class (an operator for an operator, a builtin for a builtin...).
        const spots = toks.flatMap((t, k) => (CLASSES.some((c) => c.includes(t)) ? [k] : []));
        if (spots.length > 0) {
          const k = r.pick(spots);
          toks[k] = r.pick(CLASSES.find((c) => c.includes(toks[k]!))!);
        }
      }
      s = toks.join('');
    }
  }
  return s;
}

function randomBytes(r: Rng): string {
  let s = '';
  const n = r.int(120);
  for (let i = 0; i < n; i++) s += String.fromCharCode(r.next() < 0.85 ? 32 + r.int(95) : r.int(256));
  return s;
}

function tokenSoup(r: Rng): string {
  const n = r.int(40);
  let s = r.next() < 0.7 ? `${r.pick(['begin', 'end', 'interval:ms:1', 'tracepoint:syscalls:sys_enter_openat', 'uprobe:/tmp/siesta-fuzz-target:f'])} { ` : '';
  for (let i = 0; i < n; i++) s += `${r.next() < 0.5 ? r.pick(TOKENS) : r.pick(r.pick(CLASSES))} `;
  return r.next() < 0.7 ? `${s}}` : s;
}

/** Deeply nested constructs: the parser must report them rather than overflow the stack. */
const NESTINGS: readonly ((n: number) => string)[] = [
  (n) => `begin { @x = ${'('.repeat(n)}1${')'.repeat(n)}; }`,
  (n) => `begin { @x = ${'('.repeat(n)}1; }`,
  (n) => `begin { ${'{'.repeat(n)}${'}'.repeat(n)} }`,
  (n) => `begin { ${'{'.repeat(n)}`,
  (n) => `begin { ${'if (1) { '.repeat(n)}${'} '.repeat(n)}}`,
  (n) => `begin { if (pid) {} ${'else if (pid) { @x = 1; } '.repeat(n)}}`,
  (n) => `begin { @x = ${'!'.repeat(n)}1; }`,
  (n) => `begin { @x = ${'- '.repeat(n)}1; }`,
  (n) => `begin { @x = ${'*'.repeat(n)}0; }`,
  (n) => `begin { @x = ${'1 + '.repeat(n)}1; }`,
  (n) => `begin /${'pid == 1 || '.repeat(n)}1/ { }`,
  (n) => `begin { @x = ${'1 ? 1 : '.repeat(n)}1; }`,
  (n) => `begin { @x = ${'(uint8)'.repeat(n)}1; }`,
  (n) => `begin { @x = ${'str('.repeat(n)}"a"${')'.repeat(n)}; }`,
  (n) => `begin { @x = ${'(1,'.repeat(n)}1${')'.repeat(n)}; }`,
  (n) => `begin { @x = ${'@m['.repeat(n)}1${']'.repeat(n)}; }`,
  (n) => `begin { @x = args${'.a'.repeat(n)}; }`,
  (n) => `begin { $a = 1; @x = $a${'[0]'.repeat(n)}; }`,
  (n) => `begin { @x = (uint8 ${'*'.repeat(n)})0; }`,
  (n) => `begin { @x = ${'{ '.repeat(n)}1${' }'.repeat(n)}; }`,
  (n) => `begin { $i = 0; ${'while ($i < 1) { $i++; '.repeat(n)}${'}'.repeat(n)} }`,
];

/**
 * The first instruction no path from an entry reaches, if any: the verifier rejects such a program
 * ("unreachable insn"), so compile() must never produce one.
 */
function unreachableSlot(code: LinkedProgram): number | null {
  const insns = decode(code.bytes);
  const at = new Map<number, (typeof insns)[number]>();
  let slot = 0;
  for (const insn of insns) {
    at.set(slot, insn);
    slot += insnSlots(insn);
  }
  const seen = new Set<number>();
  const work = code.funcs.map((f) => f.slot);
  for (let s = work.pop(); s !== undefined; s = work.pop()) {
    const insn = at.get(s);
    if (!insn || seen.has(s)) continue;
    seen.add(s);
    const cls = BPF_CLASS(insn.code), op = BPF_OP(insn.code);
    const jump = cls === BPF_JMP || cls === BPF_JMP32;
    if (jump && op === BPF_EXIT) continue;
    if (jump && op === BPF_JA) {
      work.push(s + 1 + (cls === BPF_JMP32 ? insn.imm : insn.off));
      continue;
    }
    if (jump && op === BPF_CALL) {
      if (insn.src === BPF_PSEUDO_CALL) work.push(s + 1 + insn.imm);
    } else if (jump) {
      work.push(s + 1 + insn.off);
    } else if (insnSlots(insn) === 2 && insn.src === BPF_PSEUDO_FUNC) {
      work.push(s + 1 + insn.imm);
    }
    work.push(s + insnSlots(insn));
  }
  for (const s of at.keys()) if (!seen.has(s)) return s;
  return null;
}

/** Runs `script` through parse() and compile(); returns the exception either threw, if any. */
function check(script: string, params: readonly string[]): { stage: string; error: unknown } | null {
  try {
    const parsed = parse(script);
    parsed.diagnostics.render();
    const result = compile(script, kernel, { params });
    const rendered = result.diagnostics.render();
    if (!result.ok && !result.diagnostics.hasErrors()) return { stage: 'compile', error: new Error('compile failed without an error diagnostic') };
    if (parsed.diagnostics.hasErrors() && result.ok) return { stage: 'compile', error: new Error('compile succeeded on a script parse() rejects') };
    for (const program of result.ok ? result.script.spec.programs : []) {
      const dead = unreachableSlot(program.code);
      if (dead !== null) return { stage: 'codegen', error: new Error(`${program.name}: instruction ${dead} is unreachable`) };
    }
    void rendered;
  } catch (error) {
    return { stage: 'parse/compile', error };
  }
  return null;
}

const SEED = Number(process.env.SIESTA_FUZZ_SEED ?? 0x5e57a);

describe('fuzz: parse() and compile() report diagnostics and never throw', () => {
  it('every seed script is checked as it is', () => {
    for (const script of SEEDS) assert.equal(check(script, ['1', 'abc']), null, script);
  });

  it(`mutated, random and deeply nested scripts (seed ${SEED})`, () => {
    const r = prng(SEED);
    const failures: string[] = [];
    for (let i = 0; i < 6000 && failures.length < 5; i++) {
      const kind = r.next();
      let script: string;
      if (kind < 0.75) script = mutate(r, r.pick(SEEDS));
      else if (kind < 0.85) script = tokenSoup(r);
      else if (kind < 0.95) script = randomBytes(r);
      else script = r.pick(NESTINGS)(1 + r.int(r.next() < 0.5 ? 40 : 3000));
      const params = r.next() < 0.5 ? [] : r.pick([['1'], ['abc', '2'], ['-5', '', 'x y']]);
      const failure = check(script, params);
      if (failure) {
        const stack = failure.error instanceof Error ? failure.error.stack : String(failure.error);
        failures.push(`#${i} ${failure.stage} threw on ${JSON.stringify(script)} (params ${JSON.stringify(params)}):\n${stack}`);
      }
    }
    assert.deepEqual(failures, [], `reproduce with SIESTA_FUZZ_SEED=${SEED}`);
  });

  it('reports nesting beyond the limit as an error, once', () => {
    for (const nest of NESTINGS) {
      const { diagnostics } = parse(nest(5000));
      assert.equal(diagnostics.errors.filter((d) => d.text.includes('nested too deeply')).length <= 1, true, nest(3));
      assert.ok(diagnostics.hasErrors(), nest(3));
    }
    const { diagnostics } = parse('begin { @x = ((((1)))); }');
    assert.equal(diagnostics.render(), '');
  });

  it('reports a program too large for 16-bit jump and scratch offsets as an error', () => {
    for (const script of [`begin { $x = 1; ${'$x++; '.repeat(20000)} }`, `begin { ${'@x = comm; '.repeat(3000)} }`]) {
      assert.equal(check(script, []), null);
      const result = compile(script, kernel);
      assert.equal(result.ok, false);
      assert.match(result.diagnostics.render(), /^ERROR: probe p0_begin (is too large|needs more than 32768 bytes of scratch space)/);
    }
  });
});

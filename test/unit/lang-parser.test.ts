import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Node, Program } from '../../src/lang/ast.js';
import { parse } from '../../src/lang/parser.js';
import { toSexpr } from '../../src/lang/sexpr.js';
import { walk } from '../../src/lang/walk.js';

/** Parses `text`, requires no errors, and renders the program. */
function sx(text: string): string {
  const { program, diagnostics } = parse(text);
  assert.equal(diagnostics.render(), '', `unexpected diagnostics for ${text}`);
  return toSexpr(program);
}

/** Renders the value of `expr` assigned in a probe. */
function ex(expr: string): string {
  const out = sx(`k:f { $r = ${expr}; }`);
  const m = /^\(probe k:f \(= \$r (.*)\)\)$/.exec(out);
  assert.ok(m, out);
  return m[1] ?? '';
}

describe('parser: the task scripts', () => {
  const cases: [string, string][] = [
    [
      'tracepoint:syscalls:sys_enter_openat { printf("%s %s\\n", comm, str(args.filename)); }',
      '(probe tracepoint:syscalls:sys_enter_openat (call printf "%s %s\\n" comm (call str (field args filename))))',
    ],
    ['tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }', '(probe tracepoint:raw_syscalls:sys_enter (= (map @ comm) (call count)))'],
    [
      'tracepoint:syscalls:sys_exit_read /args.ret/ { @bytes = hist(args.ret); }',
      '(probe tracepoint:syscalls:sys_exit_read (pred (field args ret)) (= @bytes (call hist (field args ret))))',
    ],
    [
      'tracepoint:syscalls:sys_enter_openat2 { printf("0x%x\\n", args.how->flags) }',
      '(probe tracepoint:syscalls:sys_enter_openat2 (call printf "0x%x\\n" (-> (field args how) flags)))',
    ],
    ['interval:s:1 { exit(); }', '(probe interval:s:1 (call exit))'],
    ['profile:hz:99 { @[cpu] = count(); }', '(probe profile:hz:99 (= (map @ cpu) (call count)))'],
    ['BEGIN { printf("hi\\n"); } END { clear(@); }', '(probe BEGIN (call printf "hi\\n"))\n(probe END (call clear @))'],
    ['uprobe:/bin/bash:readline { printf("%s\\n", str(arg0)); }', '(probe uprobe:/bin/bash:readline (call printf "%s\\n" (call str arg0)))'],
    ['uretprobe:./a.out:f { @ = lhist(retval, 0, 100, 10); }', '(probe uretprobe:./a.out:f (= @ (call lhist retval 0 100 10)))'],
    [
      'config = { max_map_keys = 100 } begin { let $x: uint32 = 1; for ($i : 0..10) { $x += $i; } @s[pid, comm] = sum($x); }',
      '(config (max_map_keys 100))\n' +
        '(probe begin (let $x <uint32> 1) (for $i (range 0 10) (+= $x $i)) (= (map @s pid comm) (call sum $x)))',
    ],
    [
      'tracepoint:syscalls:sys_enter_* /pid == $1 && comm != "sh"/ { @c[probe] = count(); }',
      '(probe tracepoint:syscalls:sys_enter_* (pred (&& (== pid $1) (!= comm "sh"))) (= (map @c probe) (call count)))',
    ],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.equal(sx(text), expected));
  }
});

describe('parser: one-liner tutorial', () => {
  const cases: [string, string][] = [
    ['begin { printf("hello world\\n"); }', '(probe begin (call printf "hello world\\n"))'],
    [
      'tracepoint:syscalls:sys_exit_read /pid == 18644/ { @bytes = hist(args.ret); }',
      '(probe tracepoint:syscalls:sys_exit_read (pred (== pid 18644)) (= @bytes (call hist (field args ret))))',
    ],
    ['kretprobe:vfs_read { @bytes = lhist(retval, 0, 2000, 200); }', '(probe kretprobe:vfs_read (= @bytes (call lhist retval 0 2000 200)))'],
    [
      'kprobe:vfs_read { @start[tid] = nsecs; } kretprobe:vfs_read /@start[tid]/ { @ns[comm] = hist(nsecs - @start[tid]); delete(@start, tid); }',
      '(probe kprobe:vfs_read (= (map @start tid) nsecs))\n' +
        '(probe kretprobe:vfs_read (pred (map @start tid)) (= (map @ns comm) (call hist (- nsecs (map @start tid)))) (call delete @start tid))',
    ],
    [
      'tracepoint:sched:sched* { @[probe] = count(); } interval:s:5 { exit(); }',
      '(probe tracepoint:sched:sched* (= (map @ probe) (call count)))\n(probe interval:s:5 (call exit))',
    ],
    ['profile:hz:99 { @[kstack] = count(); }', '(probe profile:hz:99 (= (map @ kstack) (call count)))'],
    ['tracepoint:block:block_rq_issue { @ = hist(args.bytes); }', '(probe tracepoint:block:block_rq_issue (= @ (call hist (field args bytes))))'],
    [
      'kprobe:vfs_open { printf("open path: %s\\n", str(((struct path *)arg0)->dentry->d_name.name)); }',
      '(probe kprobe:vfs_open (call printf "open path: %s\\n" (call str (field (-> (-> (cast <struct path *> arg0) dentry) d_name) name))))',
    ],
    ['kprobe:do_nanosleep { printf("PID %d sleeping...\\n", pid); }', '(probe kprobe:do_nanosleep (call printf "PID %d sleeping...\\n" pid))'],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.equal(sx(text), expected));
  }
});

describe('parser: precedence', () => {
  const cases: [string, string][] = [
    ['1 + 2 * 3', '(+ 1 (* 2 3))'],
    ['1 - 2 - 3', '(- (- 1 2) 3)'],
    ['1 << 2 + 3', '(<< 1 (+ 2 3))'],
    ['1 < 2 == 3 > 4', '(== (< 1 2) (> 3 4))'],
    ['1 & 2 ^ 3 | 4', '(| (^ (& 1 2) 3) 4)'],
    ['1 | 2 && 3 || 4', '(|| (&& (| 1 2) 3) 4)'],
    ['a ? b : c ? d : e', '(? a b (? c d e))'],
    ['a || b ? 1 : 2', '(? (|| a b) 1 2)'],
    ['-1 * 2', '(* (- 1) 2)'],
    ['!a && ~b', '(&& (! a) (~ b))'],
    ['*$p + 1', '(+ (* $p) 1)'],
    ['&$x', '(& $x)'],
    ['-$x->y', '(- (-> $x y))'],
    ['$a % $b / $c', '(/ (% $a $b) $c)'],
    ['(1 + 2) * 3', '(* (+ 1 2) 3)'],
    ['$x++ + ++$y', '(+ (post++ $x) (pre++ $y))'],
    ['@m[1]--', '(post-- (map @m 1))'],
    ['$t.0.1', '(tuple-get (tuple-get $t 0) 1)'],
    ['$a[1][2]', '(index (index $a 1) 2)'],
    ['@m[1, 2]', '(map @m 1 2)'],
    ['@m[(1, 2)]', '(map @m (tuple 1 2))'],
    ['(1, "a", $x)', '(tuple 1 "a" $x)'],
    ['(1,)', '(tuple 1)'],
    ['()', '(tuple)'],
    ['true ? 0x10 : 1_000', '(? true 16 1000)'],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.equal(ex(text), expected));
  }
});

describe('parser: casts', () => {
  const cases: [string, string][] = [
    ['(uint32)$x', '(cast <uint32> $x)'],
    ['(uint32)$x + 1', '(+ (cast <uint32> $x) 1)'],
    ['(uint32)$p->f', '(cast <uint32> (-> $p f))'],
    ['(struct task_struct *)curtask', '(cast <struct task_struct *> curtask)'],
    ['(struct sock **)arg0', '(cast <struct sock **> arg0)'],
    ['(int8[4])$x', '(cast <int8[4]> $x)'],
    ['(int8[])"str"', '(cast <int8[]> "str")'],
    ['(uint64)-1', '(cast <uint64> (- 1))'],
    ['(size_t)*$p', '(cast <size_t> (* $p))'],
    ['(x) - 1', '(- x 1)'],
    ['(x) * y', '(* x y)'],
    ['(mytype)(1 + 2)', '(cast <mytype> (+ 1 2))'],
    ['(a * b)', '(* a b)'],
    ['(a[1])', '(index a 1)'],
    ['((struct path *)arg0)->dentry', '(-> (cast <struct path *> arg0) dentry)'],
    ['sizeof(struct task_struct)', '(sizeof <struct task_struct>)'],
    ['sizeof(uint32)', '(sizeof <uint32>)'],
    ['sizeof($x)', '(sizeof $x)'],
    ['offsetof(struct foo, a.b)', '(offsetof <struct foo> a.b)'],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.equal(ex(text), expected));
  }
});

describe('parser: statements', () => {
  const cases: [string, string][] = [
    ['$x = 1; $x = $x + 1', '(= $x 1) (= $x (+ $x 1))'],
    ['@x = 1; @x[1, 2] = 3', '(= @x 1) (= (map @x 1 2) 3)'],
    [
      '$a += 1; $a -= 1; $a *= 2; $a /= 2; $a %= 2; $a &= 1; $a |= 1; $a ^= 1; $a <<= 1; @m[1] >>= 1',
      '(+= $a 1) (-= $a 1) (*= $a 2) (/= $a 2) (%= $a 2) (&= $a 1) (|= $a 1) (^= $a 1) (<<= $a 1) (>>= (map @m 1) 1)',
    ],
    ['$x++; $x--; ++@y; --@y; @[probe]++', '(post++ $x) (post-- $x) (pre++ @y) (pre-- @y) (post++ (map @ probe))'],
    ['let $a; let $b: int64; let $c = 1; let $d: string[16] = "x"', '(let $a) (let $b <int64>) (let $c 1) (let $d <string[16]> "x")'],
    [
      'if (pid > 1) { $a = 1 } else if (pid < 1) { $a = 2 } else { $a = 3 } $b = 4',
      '(if (> pid 1) (then (= $a 1)) (else (if (< pid 1) (then (= $a 2)) (else (= $a 3))))) (= $b 4)',
    ],
    ['if pid { exit() }', '(if pid (then (call exit)))'],
    ['while ($i < 10) { $i++; if ($i == 5) { break } continue; }', '(while (< $i 10) (post++ $i) (if (== $i 5) (then break)) continue)'],
    ['unroll(5) { $i++ }', '(unroll 5 (post++ $i))'],
    ['unroll($1) { $i++ }', '(unroll $1 (post++ $i))'],
    ['for ($kv : @m) { print($kv.0); }', '(for $kv @m (call print (tuple-get $kv 0)))'],
    ['for $kv : @m { print($kv.1) }', '(for $kv @m (call print (tuple-get $kv 1)))'],
    ['for ($i : 0..ncpus) { print($i) }', '(for $i (range 0 ncpus) (call print $i))'],
    ['for ($i : $a..($b + 1)) { }', '(for $i (range $a (+ $b 1)))'],
    ['return; ', '(return)'],
    ['return 1', '(return 1)'],
    ['delete(@m[1]); delete(@m, 1); delete(@m)', '(call delete (map @m 1)) (call delete @m 1) (call delete @m)'],
    ['_ = has_key(@a, 1)', '(discard (call has_key @a 1))'],
    ['$a = { let $b = 1; $b }; { $c = 2; }', '(= $a (block (let $b 1) (value $b))) (block (= $c 2))'],
    ['print(kstack(perf, 3)); print(ustack)', '(call print (call kstack perf 3)) (call print ustack)'],
    [';; $x = 1;;', '(= $x 1)'],
    ['printf("%d", $#)', '(call printf "%d" $#)'],
    ['$x = args.if; $y = args->for', '(= $x (field args if)) (= $y (-> args for))'],
  ];
  for (const [body, expected] of cases) {
    it(body, () => assert.equal(sx(`k:f { ${body} }`), `(probe k:f ${expected})`.replace(' )', ')')));
  }
});

describe('parser: top level', () => {
  it('parses several attach points, wildcards and a trailing comma', () => {
    assert.equal(
      sx('kprobe:tcp_reset,kprobe:*socket*,\nuprobe:./a.out:"f()", { 1 }'),
      '(probe kprobe:tcp_reset,kprobe:*socket*,uprobe:./a.out:"f()" 1)',
    );
  });

  it('splits attach points into parts', () => {
    const { program } = parse('uprobe:/bin/bash:readline,uprobe:./a.out:"ns::f()",interval:s:1 {}');
    assert.deepEqual(
      program.probes[0]?.attachPoints.map((ap) => ap.parts),
      [
        ['uprobe', '/bin/bash', 'readline'],
        ['uprobe', './a.out', 'ns::f()'],
        ['interval', 's', '1'],
      ],
    );
  });

  it('parses a predicate containing a division', () => {
    assert.equal(sx('kprobe:f /100/25/ { 1; }'), '(probe kprobe:f (pred (/ 100 25)) 1)');
  });

  it('parses the preamble', () => {
    const text = [
      '#!/usr/bin/env bpftrace',
      '#define RED 1',
      'struct S { int x; };',
      'config = { stack_mode = perf; license = "GPL"; lazy_symbolication = true; }',
      'import "lib.bt";',
      'let @a = lruhash(100);',
      'macro add_one(x) { x + 1 }',
      'macro bump($a, @b) { $a += 1; @b += 1; }',
      'fn twice($v: uint32): uint64 { return $v * 2; }',
      'begin { print(add_one(1)); print(one) }',
    ].join('\n');
    assert.equal(
      sx(text),
      [
        '(preprocessor "#define RED 1")',
        '(cdef "struct S { int x; };")',
        '(config (stack_mode perf) (license "GPL") (lazy_symbolication true))',
        '(import "lib.bt")',
        '(let @a lruhash 100)',
        '(macro add_one (x) (value (+ x 1)))',
        '(macro bump ($a @b) (+= $a 1) (+= @b 1))',
        '(fn twice (($v <uint32>)) <uint64> (return (* $v 2)))',
        '(probe begin (call print (call add_one 1)) (call print one))',
      ].join('\n'),
    );
    const { program } = parse(text);
    assert.equal(program.preprocessor[0]?.defineName, 'RED');
    assert.equal(program.preprocessor[0]?.defineValue, '1');
  });

  it('keeps an #include with a warning', () => {
    const { program, diagnostics } = parse('#include <linux/sched.h>\nBEGIN { }');
    assert.equal(program.preprocessor[0]?.directive, 'include');
    assert.equal(diagnostics.hasErrors(), false);
    assert.equal(diagnostics.warnings.length, 1);
  });
});

describe('parser: nodes', () => {
  function allNodes(program: Program): Node[] {
    const nodes: Node[] = [];
    walk(program, (n) => {
      nodes.push(n);
    });
    return nodes;
  }

  it('gives every node a unique id up to nodeCount', () => {
    const { program } = parse(
      'config = { max_map_keys = 1 } k:f /pid/ { $x = (uint32)(1, 2).0; if ($x) { @m[$x, comm] += sizeof(struct s); } }',
    );
    const ids = allNodes(program).map((n) => n.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(Math.max(...ids), program.nodeCount);
    assert.equal(program.id, program.nodeCount);
  });

  it('records source ranges', () => {
    const { program } = parse('k:f {\n  @x = 1 + 2;\n}');
    const stmt = program.probes[0]?.body.stmts[0];
    assert.deepEqual(stmt?.loc, { file: 'stdin', line: 2, column: 3, endLine: 2, endColumn: 13 });
    assert.ok(stmt?.kind === 'AssignMap' && stmt.value.kind === 'Binary');
    if (stmt?.kind === 'AssignMap' && stmt.value.kind === 'Binary') {
      assert.deepEqual(stmt.value.opLoc, { file: 'stdin', line: 2, column: 10, endLine: 2, endColumn: 11 });
    }
    assert.deepEqual(program.probes[0]?.loc, { file: 'stdin', line: 1, column: 1, endLine: 3, endColumn: 2 });
  });

  it('keeps integer and string literal details', () => {
    const { program } = parse('k:f { $a = 5ms; $b = "\\x41\\n"; }');
    const [a, b] = program.probes[0]?.body.stmts ?? [];
    assert.ok(a?.kind === 'AssignVar' && a.value.kind === 'Integer');
    if (a?.kind === 'AssignVar' && a.value.kind === 'Integer') assert.deepEqual([a.value.value, a.value.text], [5000000n, '5ms']);
    if (b?.kind === 'AssignVar' && b.value.kind === 'String') assert.deepEqual([...b.value.bytes], [0x41, 10]);
  });

  it('names the file given', () => {
    const { program } = parse('BEGIN {}', 'script.bt');
    assert.equal(program.probes[0]?.loc.file, 'script.bt');
  });
});

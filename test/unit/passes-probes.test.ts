/** Attach-point resolution against a fake machine built from tracefs recorded on Linux 6.18. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parse } from '../../src/lang/index.js';
import { lexAttachPoint, type ResolvedProbe, resolveProbes } from '../../src/passes/probes.js';
import { fakeKernelInfo, type FakeKernelInfo, recordedTracepoints } from '../helpers/fake-kernel-info.js';

const BASH = { path: '/usr/bin/bash', names: ['bash', '/bin/bash'], symbols: { readline: 0x1000n, readline_internal: 0x1100n, rl_set_prompt: 0x2000n } };
const LIBC = { path: '/lib/x86_64-linux-gnu/libc.so.6', names: ['libc'], symbols: { malloc: 0xa0000n, free: 0xa1000n, fread: 0x7f000n } };
const AOUT = { path: '/work/a.out', names: ['./a.out'], symbols: { main: 0x1139n, 'f(int)': 0x1200n } };

function machine(): FakeKernelInfo {
  return fakeKernelInfo({ binaries: [BASH, LIBC, AOUT] });
}

/** Resolves `text`; returns the probes and every diagnostic rendered as bpftrace prints them. */
function resolve(text: string, kernel: FakeKernelInfo = machine(), positionalParams?: string[]): { probes: ResolvedProbe[]; errors: string } {
  const { program, diagnostics } = parse(text);
  assert.equal(diagnostics.render(), '', 'the test script parses');
  const probes = resolveProbes(program, kernel, diagnostics, positionalParams ? { positionalParams } : {});
  return { probes, errors: diagnostics.render() };
}

/** Resolves `text`, which must have no errors. */
function ok(text: string, kernel?: FakeKernelInfo): ResolvedProbe[] {
  const { probes, errors } = resolve(text, kernel);
  assert.equal(errors, '');
  return probes;
}

/** The error rendered for the single attach point of `text`. */
function error(text: string): string {
  const { probes, errors } = resolve(text);
  assert.deepEqual(probes, []);
  return errors;
}

const names = (probes: readonly ResolvedProbe[]) => probes.map((p) => p.name);

describe('resolveProbes: begin and end', () => {
  it('names begin and end in lower case, as bpftrace 0.26 prints `probe`', () => {
    const probes = ok('BEGIN { } END { } begin { } end { }');
    assert.deepEqual(names(probes), ['begin', 'end', 'begin', 'end']);
    assert.deepEqual(probes.map((p) => [p.kind, p.probeIndex, p.context]), [
      ['begin', 0, 'atomic'], ['end', 1, 'atomic'], ['begin', 2, 'atomic'], ['end', 3, 'atomic'],
    ]);
    assert.deepEqual(probes[0]!.loc, { file: 'stdin', line: 1, column: 1, endLine: 1, endColumn: 6 });
  });

  it('rejects arguments', () => {
    assert.equal(error('begin:x { }'), 'stdin:1:1-8: ERROR: begin probe type requires 0 arguments, found 1\nbegin:x { }\n~~~~~~~\n');
  });
});

describe('resolveProbes: tracepoints', () => {
  it('resolves a tracepoint with its args record and context', () => {
    const [p, ...rest] = ok('tracepoint:syscalls:sys_enter_openat { }');
    assert.equal(rest.length, 0);
    assert.equal(p!.name, 'tracepoint:syscalls:sys_enter_openat');
    assert.equal(p!.kind, 'tracepoint');
    assert.equal(p!.context, 'may-sleep');
    assert.equal(p!.tracepoint!.category, 'syscalls');
    assert.equal(p!.tracepoint!.event, 'sys_enter_openat');
    const args = p!.tracepoint!.args;
    assert.deepEqual(args.fields!.map((f) => [f.name, f.offset]), [['__syscall_nr', 8], ['dfd', 16], ['filename', 24], ['flags', 32], ['mode', 40]]);
    assert.deepEqual(args.fields![2]!.type, { kind: 'pointer', to: { kind: 'int', size: 1, signed: true }, space: 'user' });
  });

  it('expands the `t` alias to the canonical name', () => {
    assert.deepEqual(names(ok('t:sched:sched_switch { }')), ['tracepoint:sched:sched_switch']);
  });

  it('classifies contexts: syscalls and raw_syscalls may sleep, others are atomic', () => {
    const probes = ok('t:syscalls:sys_exit_read, t:raw_syscalls:sys_enter, t:raw_syscalls:sys_exit, t:sched:sched_switch, t:irq:irq_handler_entry { }');
    assert.deepEqual(probes.map((p) => p.context), ['may-sleep', 'may-sleep', 'may-sleep', 'atomic', 'atomic']);
  });

  it('expands wildcards to every match, sorted, with one lookup of the list and one format read per match', () => {
    const kernel = machine();
    const probes = ok('tracepoint:syscalls:sys_enter_* { }', kernel);
    const expected = recordedTracepoints()
      .filter((t) => t.startsWith('syscalls:sys_enter_'))
      .sort()
      .map((t) => `tracepoint:${t}`);
    assert.ok(expected.length > 300);
    assert.deepEqual(names(probes), expected);
    assert.ok(probes.every((p) => p.probeIndex === 0 && p.context === 'may-sleep'));
    assert.equal(kernel.calls.tracepoints, 1);
    assert.equal(kernel.calls.tracepointFormat, expected.length);
  });

  it('supports `?` and wildcard categories; `tracepoint:EVENT*` searches every category', () => {
    assert.deepEqual(names(ok('tracepoint:syscalls:sys_enter_rea? { }')), ['tracepoint:syscalls:sys_enter_read']);
    assert.deepEqual(names(ok('tracepoint:raw_sys*:sys_e* { }')), ['tracepoint:raw_syscalls:sys_enter', 'tracepoint:raw_syscalls:sys_exit']);
    assert.deepEqual(names(ok('tracepoint:sched_process_e* { }')), ['tracepoint:sched:sched_process_exec', 'tracepoint:sched:sched_process_exit']);
  });

  it('gives each probe of a script its index, across attach points', () => {
    const probes = ok('t:sched:sched_switch { }\nt:syscalls:sys_enter_read, t:syscalls:sys_exit_read { }');
    assert.deepEqual(probes.map((p) => [p.probeIndex, p.loc.line, p.loc.column]), [[0, 1, 1], [1, 2, 1], [1, 2, 28]]);
  });

  it('names the nearest tracepoints when one does not exist', () => {
    assert.equal(
      error('tracepoint:syscalls:sys_enter_opnat { }'),
      'stdin:1:1-36: ERROR: No matches for tracepoint syscalls:sys_enter_opnat.\n' +
        'tracepoint:syscalls:sys_enter_opnat { }\n' +
        '~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n' +
        'HINT: did you mean one of: tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_openat2?\n',
    );
    assert.equal(
      error('t:sched:sched_swich { }'),
      'stdin:1:1-20: ERROR: No matches for tracepoint sched:sched_swich.\nt:sched:sched_swich { }\n~~~~~~~~~~~~~~~~~~~\nHINT: did you mean tracepoint:sched:sched_switch?\n',
    );
  });

  it('reports a wildcard that matches nothing, and wrong argument counts', () => {
    assert.equal(
      error('t:syscalls:nothing_* { }'),
      'stdin:1:1-21: ERROR: No matches for tracepoint syscalls:nothing_*.\nt:syscalls:nothing_* { }\n~~~~~~~~~~~~~~~~~~~~\n',
    );
    assert.equal(
      error('tracepoint:sched { }'),
      'stdin:1:1-17: ERROR: tracepoint probe type requires 2 arguments, found 1\ntracepoint:sched { }\n~~~~~~~~~~~~~~~~\n',
    );
  });

  it('reports every bad attach point and still resolves the good ones', () => {
    const { probes, errors } = resolve('t:sched:nope, t:sched:sched_switch { }\nkprobe:f { }');
    assert.deepEqual(names(probes), ['tracepoint:sched:sched_switch']);
    assert.match(errors, /^stdin:1:1-13: ERROR: No matches for tracepoint sched:nope\.\n/);
    assert.match(errors, /\nstdin:2:1-9: ERROR: kprobe is not supported/);
  });
});

describe('resolveProbes: providers', () => {
  it('names the supported probe types for an unknown provider', () => {
    assert.equal(
      error('tracepiont:sched:sched_switch { }'),
      'stdin:1:1-30: ERROR: Invalid probe type: tracepiont\n' +
        'tracepiont:sched:sched_switch { }\n' +
        '~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n' +
        'HINT: did you mean tracepoint?\n' +
        'HINT: supported probe types: begin, end, interval (i), profile (p), rawtracepoint (rt), software (s), tracepoint (t), uprobe (u), uretprobe (ur)\n',
    );
  });

  it('says kprobes and fentry are not supported on this kernel yet, and why', () => {
    assert.equal(
      error('kprobe:do_sys_openat2 { }'),
      'stdin:1:1-22: ERROR: kprobe is not supported by siesta on this kernel yet: kprobes need CONFIG_KPROBES\n' +
        'kprobe:do_sys_openat2 { }\n' +
        '~~~~~~~~~~~~~~~~~~~~~\n' +
        "HINT: use a tracepoint or rawtracepoint instead (siesta -l 'tracepoint:*')\n",
    );
    assert.equal(
      error('fentry:vfs_read { }'),
      'stdin:1:1-16: ERROR: fentry is not supported by siesta on this kernel yet: fentry/fexit need BPF trampolines\n' +
        'fentry:vfs_read { }\n' +
        '~~~~~~~~~~~~~~~\n' +
        "HINT: use a rawtracepoint or tracepoint instead (siesta -l 'rawtracepoint:*')\n",
    );
    for (const [ap, provider] of [['kr:f', 'kretprobe'], ['k:f', 'kprobe'], ['kretprobe:f', 'kretprobe']]) {
      assert.match(error(`${ap} { }`), new RegExp(`ERROR: ${provider} is not supported by siesta on this kernel yet: kprobes need CONFIG_KPROBES\n`));
    }
    for (const [ap, provider] of [['kfunc:f', 'fentry'], ['kretfunc:f', 'fexit'], ['fexit:f', 'fexit'], ['f:f', 'fentry'], ['fr:f', 'fexit']]) {
      assert.match(error(`${ap} { }`), new RegExp(`ERROR: ${provider} is not supported by siesta on this kernel yet: fentry/fexit need BPF trampolines\n`));
    }
  });

  it('rejects the other bpftrace providers as not supported yet', () => {
    assert.match(error('usdt:/bin/bash:probe { }'), /ERROR: usdt is not supported by siesta yet\n.*\n.*\nHINT: supported probe types: begin, end,/);
    assert.match(error('hardware:cache-misses:100 { }'), /ERROR: hardware is not supported by siesta yet\n/);
  });

  it('accepts a user-provided name before the provider and upper-case providers', () => {
    assert.deepEqual(names(ok('x=t:sched:sched_switch, TRACEPOINT:sched:sched_switch { }')), ['tracepoint:sched:sched_switch', 'tracepoint:sched:sched_switch']);
  });
});

describe('resolveProbes: interval and profile', () => {
  it('turns each unit into a cpu-clock period or frequency', () => {
    const probes = ok('i:s:1 { } interval:ms:10 { } interval:us:100 { } interval:hz:99 { } profile:hz:99 { } p:ms:5 { }');
    assert.deepEqual(names(probes), ['interval:s:1', 'interval:ms:10', 'interval:us:100', 'interval:hz:99', 'profile:hz:99', 'profile:ms:5']);
    assert.deepEqual(probes.map((p) => p.perf), [
      { type: 'software', config: 0, period: 1_000_000_000, oneCpu: true },
      { type: 'software', config: 0, period: 10_000_000, oneCpu: true },
      { type: 'software', config: 0, period: 100_000, oneCpu: true },
      { type: 'software', config: 0, frequency: 99, oneCpu: true },
      { type: 'software', config: 0, frequency: 99, oneCpu: false },
      { type: 'software', config: 0, period: 5_000_000, oneCpu: false },
    ]);
    assert.ok(probes.every((p) => p.context === 'atomic'));
  });

  it('reads `interval:N` as nanoseconds, renamed to microseconds as bpftrace does', () => {
    const probes = ok('interval:1s { } interval:2500000 { } profile:100us { }');
    assert.deepEqual(names(probes), ['interval:us:1000000', 'interval:us:2500', 'profile:us:100']);
    assert.deepEqual(probes.map((p) => p.perf!.period), [1_000_000_000, 2_500_000, 100_000]);
  });

  it('reports bad units, counts and rates', () => {
    assert.equal(
      error('interval:xs:1 { }'),
      'stdin:1:1-14: ERROR: xs is not an accepted unit of time\ninterval:xs:1 { }\n~~~~~~~~~~~~~\nHINT: accepted units: hz, ms, s, us\n',
    );
    assert.equal(error('i:s:0 { }'), 'stdin:1:1-6: ERROR: interval frequency should be a positive integer\ni:s:0 { }\n~~~~~\n');
    assert.equal(error('i:s:x { }'), 'stdin:1:1-6: ERROR: Invalid rate of interval probe: invalid integer: x\ni:s:x { }\n~~~~~\n');
    assert.equal(
      error('interval:100 { }'),
      'stdin:1:1-13: ERROR: Invalid rate of interval probe. Minimum is 1000 or 1us. Found: 100 nanoseconds\ninterval:100 { }\n~~~~~~~~~~~~\n',
    );
    assert.equal(error('p:s:1:2 { }'), 'stdin:1:1-8: ERROR: profile probe type requires 1 or 2 arguments, found 3\np:s:1:2 { }\n~~~~~~~\n');
    assert.equal(error('profile { }'), 'stdin:1:1-8: ERROR: profile probe type requires 1 or 2 arguments, found 0\nprofile { }\n~~~~~~~\n');
  });
});

describe('resolveProbes: software', () => {
  it("uses bpftrace's names, aliases and default counts", () => {
    const probes = ok('s:faults { } software:cpu:100000 { } software:context-switches { } s:cs:10 { } software:page-faults:1 { } s:major-faults { }');
    assert.deepEqual(names(probes), ['software:faults', 'software:cpu:100000', 'software:context-switches', 'software:cs:10', 'software:page-faults:1', 'software:major-faults']);
    assert.deepEqual(probes.map((p) => [p.perf!.config, p.perf!.period, p.perf!.oneCpu]), [
      [2, 100, false], [0, 100000, false], [3, 1000, false], [3, 10, false], [2, 1, false], [6, 1, false],
    ]);
  });

  it('reports unknown events with the nearest names, wildcards and bad counts', () => {
    assert.equal(
      error('software:faultz:1 { }'),
      'stdin:1:1-18: ERROR: faultz is not a software probe\nsoftware:faultz:1 { }\n~~~~~~~~~~~~~~~~~\nHINT: did you mean faults?\n',
    );
    assert.match(error('software:zzzzzzzzzz { }'), /HINT: software events: alignment-faults, bpf-output, context-switches, cpu-clock,/);
    assert.match(error('software:* { }'), /ERROR: wildcards are not allowed for software probe type\n/);
    assert.match(error('software:faults:x { }'), /ERROR: Invalid count for software probe: invalid integer: x\n/);
  });
});

describe('resolveProbes: uprobes', () => {
  it('keeps a path as written in the name and attaches to the resolved file at the symbol offset', () => {
    const [p] = ok('uprobe:/bin/bash:readline { }');
    assert.equal(p!.name, 'uprobe:/bin/bash:readline');
    assert.equal(p!.context, 'may-sleep');
    assert.deepEqual(p!.uprobe, { path: '/usr/bin/bash', symbol: 'readline', offset: 0x1000n, retprobe: false });
  });

  it('names library and PATH lookups by the resolved path, relative paths as written', () => {
    assert.deepEqual(names(ok('uprobe:libc:malloc, u:bash:readline, u:./a.out:main { }')), [
      'uprobe:/lib/x86_64-linux-gnu/libc.so.6:malloc',
      'uprobe:/usr/bin/bash:readline',
      'uprobe:./a.out:main',
    ]);
  });

  it('adds function offsets and supports quoted names', () => {
    const probes = ok('uprobe:/bin/bash:readline+0x10 { } u:./a.out:"f(int)"+4 { } u:/bin/bash:readline+0 { }');
    assert.deepEqual(names(probes), ['uprobe:/bin/bash:readline+16', 'uprobe:./a.out:f(int)+4', 'uprobe:/bin/bash:readline']);
    assert.deepEqual(probes.map((p) => p.uprobe!.offset), [0x1010n, 0x1204n, 0x1000n]);
  });

  it('resolves uretprobes, and expands wildcards to each function', () => {
    const [r] = ok('uretprobe:/bin/bash:readline { }');
    assert.equal(r!.name, 'uretprobe:/bin/bash:readline');
    assert.equal(r!.kind, 'uretprobe');
    assert.deepEqual(r!.uprobe, { path: '/usr/bin/bash', symbol: 'readline', offset: 0x1000n, retprobe: true });
    const probes = ok('ur:/bin/bash:read* { }');
    assert.deepEqual(names(probes), ['uretprobe:/bin/bash:readline', 'uretprobe:/bin/bash:readline_internal']);
    assert.ok(probes.every((p) => p.uprobe!.retprobe && p.context === 'may-sleep'));
  });

  it('reports missing binaries and functions, with the nearest names', () => {
    assert.equal(
      error('uprobe:/nope:f { }'),
      "stdin:1:1-15: ERROR: uprobe target file '/nope' does not exist or is not executable\nuprobe:/nope:f { }\n~~~~~~~~~~~~~~\n",
    );
    assert.equal(
      error('uprobe:/bin/bash:readlin { }'),
      'stdin:1:1-25: ERROR: No matches for uprobe /bin/bash:readlin.\nuprobe:/bin/bash:readlin { }\n~~~~~~~~~~~~~~~~~~~~~~~~\nHINT: did you mean uprobe:/bin/bash:readline?\n',
    );
    assert.equal(error('u:/bin/bash:zzz* { }'), 'stdin:1:1-17: ERROR: No matches for uprobe /bin/bash:zzz*.\nu:/bin/bash:zzz* { }\n~~~~~~~~~~~~~~~~\n');
  });

  it('reports a binary whose symbols cannot be read', () => {
    const kernel: FakeKernelInfo = {
      ...machine(),
      userSymbols() {
        throw new Error('/usr/bin/bash is not an ELF file');
      },
    };
    assert.equal(
      resolve('u:/bin/bash:readline { }', kernel).errors,
      'stdin:1:1-21: ERROR: cannot read the symbols of /usr/bin/bash: /usr/bin/bash is not an ELF file\nu:/bin/bash:readline { }\n~~~~~~~~~~~~~~~~~~~~\n',
    );
  });

  it('reports offsets on uretprobes, absolute addresses and other unsupported forms', () => {
    assert.equal(error('ur:/bin/bash:readline+4 { }'), 'stdin:1:1-24: ERROR: Offset not allowed\nur:/bin/bash:readline+4 { }\n~~~~~~~~~~~~~~~~~~~~~~~\n');
    assert.equal(
      error('uprobe:/bin/bash:0x1000 { }'),
      'stdin:1:1-24: ERROR: uprobes at an absolute address are not supported by siesta yet\n' +
        'uprobe:/bin/bash:0x1000 { }\n' +
        '~~~~~~~~~~~~~~~~~~~~~~~\n' +
        'HINT: attach to a function, with an offset if needed: uprobe:/bin/bash:FUNCTION+OFFSET\n',
    );
    assert.match(error('u:/bin/bash:a+1+2 { }'), /ERROR: Cannot take more than one offset\n/);
    assert.match(error('u:/bin/bash:readline+x { }'), /ERROR: Invalid offset: invalid integer: x\n/);
    assert.match(error('u:/bin/bash:cpp:f { }'), /ERROR: language-specific uprobes \(uprobe:BINARY:cpp:FUNCTION\) are not supported by siesta yet\n/);
    assert.match(error('u:/bin/*:f { }'), /ERROR: wildcards in uprobe targets are not supported by siesta yet\n/);
    assert.match(error('u:/bin/bash { }'), /ERROR: uprobe probe type requires 2 or 3 arguments, found 1\n/);
  });
});

describe('resolveProbes: rawtracepoints without BTF', () => {
  it('asks for kernel BTF', () => {
    assert.equal(
      error('rawtracepoint:sched_switch { }'),
      "stdin:1:1-27: ERROR: rawtracepoints require kernel BTF. Try using a 'tracepoint' instead.\nrawtracepoint:sched_switch { }\n~~~~~~~~~~~~~~~~~~~~~~~~~~\n",
    );
    assert.match(error('rt:a:b:c { }'), /ERROR: rawtracepoint probe type requires 2 or 1 arguments, found 3\n/);
  });
});

describe('resolveProbes: positional parameters', () => {
  it('substitutes unquoted $N, and missing ones as empty', () => {
    const { probes, errors } = resolve('uprobe:$1:readline { } t:sched:$2 { }', machine(), ['/bin/bash', 'sched_switch']);
    assert.equal(errors, '');
    assert.deepEqual(names(probes), ['uprobe:/bin/bash:readline', 'tracepoint:sched:sched_switch']);
    assert.match(resolve('t:sched:sched_$1 { }', machine(), []).errors, /No matches for tracepoint sched:sched_\./);
  });

  it('keeps quoted $ and rejects a $ that is not a parameter', () => {
    assert.deepEqual(lexAttachPoint('uprobe:./a.out:"$1"', ['x']), ['uprobe', './a.out', '$1']);
    assert.deepEqual(lexAttachPoint('t:$1:$2', ['sched', 'sched_switch']), ['t', 'sched', 'sched_switch']);
    assert.deepEqual(lexAttachPoint('u:$1', ['/bin/bash:readline']), ['u', '/bin/bash', 'readline']);
    assert.deepEqual(lexAttachPoint('u:$1:$2', ['$2', 'f']), ['u', '$2', 'f']);
    assert.deepEqual(lexAttachPoint('u:$x:f', []), {
      error: 'invalid trailing character for positional param: x. Try quoting this entire part if this is intentional e.g. "$x".',
    });
  });
});

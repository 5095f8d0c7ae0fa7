/** `siesta -l [pattern]` against a fake machine built from tracefs recorded on Linux 6.18. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Diagnostics } from '../../src/lang/index.js';
import { listProbes } from '../../src/passes/list-probes.js';
import { fakeKernelInfo, recordedTracepoints } from '../helpers/fake-kernel-info.js';

const BASH = { path: '/usr/bin/bash', names: ['bash', '/bin/bash'], symbols: { readline: 0x1000n, readline_internal: 0x1100n, rl_set_prompt: 0x2000n } };
const kernel = fakeKernelInfo({ binaries: [BASH] });

/** bpftrace's software events as `-l` prints them: names and aliases, sorted as printed. */
const SOFTWARE = [
  'software:alignment-faults:',
  'software:bpf-output:',
  'software:context-switches:',
  'software:cpu-clock:',
  'software:cpu-migrations:',
  'software:cpu:',
  'software:cs:',
  'software:dummy:',
  'software:emulation-faults:',
  'software:faults:',
  'software:major-faults:',
  'software:minor-faults:',
  'software:page-faults:',
  'software:task-clock:',
];

describe('listProbes', () => {
  it('lists every listable probe without a pattern: software events, then tracepoints, sorted', () => {
    const lines = listProbes(kernel);
    const tracepoints = [...recordedTracepoints()].sort().map((t) => `tracepoint:${t}`);
    assert.deepEqual(lines, [...SOFTWARE, ...tracepoints]);
    assert.deepEqual(listProbes(kernel, '*'), lines);
    assert.deepEqual(listProbes(kernel, '*:*'), lines);
    assert.ok(!lines.some((l) => l.startsWith('uprobe:') || l.startsWith('interval:')));
  });

  it('lists software events, interval and profile units', () => {
    assert.deepEqual(listProbes(kernel, 'software:*'), SOFTWARE);
    assert.deepEqual(listProbes(kernel, 'software'), SOFTWARE);
    assert.deepEqual(listProbes(kernel, 's:cpu*'), ['software:cpu-clock:', 'software:cpu-migrations:', 'software:cpu:']);
    assert.deepEqual(listProbes(kernel, 'interval:*'), ['interval:hz:', 'interval:ms:', 'interval:s:', 'interval:us:']);
    assert.deepEqual(listProbes(kernel, 'profile:?s'), ['profile:ms:', 'profile:us:']);
  });

  it('lists tracepoints by category and event patterns, with aliases expanded', () => {
    assert.deepEqual(listProbes(kernel, 't:syscalls:sys_enter_openat*'), ['tracepoint:syscalls:sys_enter_openat', 'tracepoint:syscalls:sys_enter_openat2']);
    assert.deepEqual(listProbes(kernel, 'tracepoint:raw_syscalls:*'), ['tracepoint:raw_syscalls:sys_enter', 'tracepoint:raw_syscalls:sys_exit']);
    assert.deepEqual(listProbes(kernel, 'tracepoint:sched_process_e*'), ['tracepoint:sched:sched_process_exec', 'tracepoint:sched:sched_process_exit']);
    assert.deepEqual(listProbes(kernel, 'tracepoint:sched:nothing'), []);
  });

  it('matches every listable provider when the pattern has none', () => {
    assert.deepEqual(listProbes(kernel, 'sched_switch'), ['tracepoint:sched:sched_switch']);
    assert.deepEqual(listProbes(kernel, 'raw_syscalls:*'), ['tracepoint:raw_syscalls:sys_enter', 'tracepoint:raw_syscalls:sys_exit']);
    assert.deepEqual(listProbes(kernel, 'sys_enter_openat*'), ['tracepoint:syscalls:sys_enter_openat', 'tracepoint:syscalls:sys_enter_openat2']);
    assert.deepEqual(listProbes(kernel, 'cs'), ['software:cs:']);
  });

  it('prints tracepoint fields as bpftrace -lv does, then the context', () => {
    assert.deepEqual(listProbes(kernel, 'tracepoint:syscalls:sys_enter_openat', true), [
      'tracepoint:syscalls:sys_enter_openat',
      '    int __syscall_nr',
      '    int dfd',
      '    const char * filename',
      '    int flags',
      '    umode_t mode',
      '    (context: may-sleep)',
    ]);
    assert.deepEqual(listProbes(kernel, 'sched:sched_process_exec', true), [
      'tracepoint:sched:sched_process_exec',
      '    __data_loc char[] filename',
      '    pid_t pid',
      '    pid_t old_pid',
      '    (context: atomic)',
    ]);
    assert.deepEqual(listProbes(kernel, 'software:faults', true), ['software:faults:', '    (context: atomic)']);
  });

  it('lists uprobes only for a named binary', () => {
    assert.deepEqual(listProbes(kernel, 'uprobe:/bin/bash:read*'), ['uprobe:/bin/bash:readline', 'uprobe:/bin/bash:readline_internal']);
    assert.deepEqual(listProbes(kernel, 'uprobe:bash'), ['uprobe:/usr/bin/bash:readline', 'uprobe:/usr/bin/bash:readline_internal', 'uprobe:/usr/bin/bash:rl_set_prompt']);
    assert.deepEqual(listProbes(kernel, '*:/bin/bash:rl_*'), ['uprobe:/bin/bash:rl_set_prompt']);
    assert.deepEqual(listProbes(kernel, 'ur:/bin/bash:readline', true), ['uretprobe:/bin/bash:readline', '    (context: may-sleep)']);
    // Where sleepable uprobes do not load, a uprobe program cannot fault user memory in: atomic.
    const noSleep = fakeKernelInfo({ binaries: [BASH], sleepableUprobes: false });
    assert.deepEqual(listProbes(noSleep, 'u:/bin/bash:readline', true), ['uprobe:/bin/bash:readline', '    (context: atomic)']);
  });

  it('reports problems with the pattern to the diagnostics', () => {
    const diags = new Diagnostics();
    assert.deepEqual(listProbes(kernel, 'uprobe:/nope:*', false, diags), []);
    assert.deepEqual(listProbes(kernel, 'kprobe:vfs_*', false, diags), []);
    assert.equal(
      diags.render(),
      "ERROR: uprobe target file '/nope' does not exist or is not executable\n" +
        'ERROR: kprobe is not supported by siesta on this kernel yet: kprobes need CONFIG_KPROBES\n',
    );
  });

  it('lists nothing for raw tracepoints without BTF', () => {
    assert.deepEqual(listProbes(kernel, 'rawtracepoint:*'), []);
  });
});

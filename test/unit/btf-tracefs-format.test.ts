/** Tests of the tracefs `format` parser on formats recorded from this project's 6.18 VMs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTracefsFormat, splitPrintFmt, TracefsFormatError } from '../../src/btf/index.js';
import type { TracefsField } from '../../src/btf/index.js';

/** /sys/kernel/tracing/events/syscalls/sys_enter_openat/format on Linux 6.18. */
const SYS_ENTER_OPENAT = `name: sys_enter_openat
ID: 782
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;
\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;
\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;
\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;

print fmt: "dfd: 0x%08lx, filename: 0x%08lx, flags: 0x%08lx, mode: 0x%08lx", ((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename)), ((unsigned long)(REC->flags)), ((unsigned long)(REC->mode))
`;

/** /sys/kernel/tracing/events/syscalls/sys_enter_openat2/format on Linux 6.18. */
const SYS_ENTER_OPENAT2 = `name: sys_enter_openat2
ID: 780
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;
\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;
\tfield:struct open_how * how;\toffset:32;\tsize:8;\tsigned:0;
\tfield:size_t usize;\toffset:40;\tsize:8;\tsigned:0;

print fmt: "dfd: 0x%08lx, filename: 0x%08lx, how: 0x%08lx, usize: 0x%08lx", ((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename)), ((unsigned long)(REC->how)), ((unsigned long)(REC->usize))
`;

/** /sys/kernel/tracing/events/syscalls/sys_exit_read/format on Linux 6.18. */
const SYS_EXIT_READ = `name: sys_exit_read
ID: 841
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;

print fmt: "0x%lx", REC->ret
`;

/** /sys/kernel/tracing/events/sched/sched_switch/format on Linux 6.18. */
const SCHED_SWITCH = `name: sched_switch
ID: 372
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;
\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;
\tfield:int prev_prio;\toffset:28;\tsize:4;\tsigned:1;
\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;
\tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;
\tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;
\tfield:int next_prio;\toffset:60;\tsize:4;\tsigned:1;

print fmt: "prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s next_pid=%d next_prio=%d", REC->prev_comm, REC->prev_pid, REC->prev_prio, (REC->prev_state & ((((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) - 1)) ? __print_flags(REC->prev_state & ((((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) - 1), "|", { 0x00000001, "S" }, { 0x00000002, "D" }, { 0x00000004, "T" }, { 0x00000008, "t" }, { 0x00000010, "X" }, { 0x00000020, "Z" }, { 0x00000040, "P" }, { 0x00000080, "I" }) : "R", REC->prev_state & (((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040) + 1) << 1) ? "+" : "", REC->next_comm, REC->next_pid, REC->next_prio
`;

/** /sys/kernel/tracing/events/sched/sched_process_exec/format on Linux 6.18. */
const SCHED_PROCESS_EXEC = `name: sched_process_exec
ID: 365
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;
\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;
\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;

print fmt: "filename=%s pid=%d old_pid=%d", __get_str(filename), REC->pid, REC->old_pid
`;

/** /sys/kernel/tracing/events/ftrace/bprint/format on Linux 6.18. */
const BPRINT = `name: bprint
ID: 6
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;
\tfield:const char * fmt;\toffset:16;\tsize:8;\tsigned:0;
\tfield:u32 buf[];\toffset:24;\tsize:0;\tsigned:0;

print fmt: "%ps: %s", (void *)REC->ip, REC->fmt
`;

/** The four struct trace_entry fields every event starts with. */
const COMMON: TracefsField[] = [
  { name: 'common_type', cType: 'unsigned short', decl: 'unsigned short common_type', offset: 0, size: 2, signed: false, isDataLoc: false, isRelLoc: false, isCommon: true },
  { name: 'common_flags', cType: 'unsigned char', decl: 'unsigned char common_flags', offset: 2, size: 1, signed: false, isDataLoc: false, isRelLoc: false, isCommon: true },
  { name: 'common_preempt_count', cType: 'unsigned char', decl: 'unsigned char common_preempt_count', offset: 3, size: 1, signed: false, isDataLoc: false, isRelLoc: false, isCommon: true },
  { name: 'common_pid', cType: 'int', decl: 'int common_pid', offset: 4, size: 4, signed: true, isDataLoc: false, isRelLoc: false, isCommon: true },
];

/** A plain scalar field for compact expectations. */
function scalar(name: string, cType: string, offset: number, size: number, signed: boolean, decl = `${cType} ${name}`): TracefsField {
  return { name, cType, decl, offset, size, signed, isDataLoc: false, isRelLoc: false, isCommon: false };
}

test('sys_enter_openat: pointer field, common fields split off, print fmt kept', () => {
  const f = parseTracefsFormat(SYS_ENTER_OPENAT);
  assert.equal(f.name, 'sys_enter_openat');
  assert.equal(f.id, 782);
  assert.deepEqual(f.commonFields, COMMON);
  assert.deepEqual(f.fields, [
    scalar('__syscall_nr', 'int', 8, 4, true),
    scalar('dfd', 'int', 16, 8, false),
    scalar('filename', 'const char *', 24, 8, false, 'const char * filename'),
    scalar('flags', 'int', 32, 8, false),
    scalar('mode', 'umode_t', 40, 8, false),
  ]);
  assert.match(f.printFmt, /^"dfd: 0x%08lx, filename: 0x%08lx, flags: 0x%08lx, mode: 0x%08lx", \(\(unsigned long\)\(REC->dfd\)\)/);
  assert.deepEqual(splitPrintFmt(f.printFmt)?.format, 'dfd: 0x%08lx, filename: 0x%08lx, flags: 0x%08lx, mode: 0x%08lx');
});

test('sys_enter_openat2: struct pointer and size_t fields', () => {
  const f = parseTracefsFormat(SYS_ENTER_OPENAT2);
  assert.equal(f.name, 'sys_enter_openat2');
  assert.deepEqual(f.fields.map((x) => [x.name, x.cType, x.offset, x.size]), [
    ['__syscall_nr', 'int', 8, 4],
    ['dfd', 'int', 16, 8],
    ['filename', 'const char *', 24, 8],
    ['how', 'struct open_how *', 32, 8],
    ['usize', 'size_t', 40, 8],
  ]);
});

test('sys_exit_read: a signed long return value', () => {
  const f = parseTracefsFormat(SYS_EXIT_READ);
  assert.equal(f.id, 841);
  assert.deepEqual(f.fields, [scalar('__syscall_nr', 'int', 8, 4, true), scalar('ret', 'long', 16, 8, true)]);
  assert.deepEqual(splitPrintFmt(f.printFmt), { format: '0x%lx', args: 'REC->ret' });
});

test('sched_switch: fixed char arrays get an element type and a length', () => {
  const f = parseTracefsFormat(SCHED_SWITCH);
  const comm = f.fields.find((x) => x.name === 'prev_comm');
  assert.deepEqual(comm, {
    name: 'prev_comm', cType: 'char', decl: 'char prev_comm[16]', offset: 8, size: 16, signed: false,
    arrayLength: 16, isDataLoc: false, isRelLoc: false, isCommon: false,
  });
  assert.deepEqual(f.fields.map((x) => x.name), ['prev_comm', 'prev_pid', 'prev_prio', 'prev_state', 'next_comm', 'next_pid', 'next_prio']);
  assert.deepEqual(f.fields.find((x) => x.name === 'next_pid'), scalar('next_pid', 'pid_t', 56, 4, true));
  assert.ok(splitPrintFmt(f.printFmt)?.args.includes('__print_flags'));
});

test('sched_process_exec: __data_loc strings are flagged with their element type', () => {
  const f = parseTracefsFormat(SCHED_PROCESS_EXEC);
  assert.deepEqual(f.fields[0], {
    name: 'filename', cType: 'char', decl: '__data_loc char[] filename', offset: 8, size: 4, signed: false,
    isDataLoc: true, isRelLoc: false, isCommon: false,
  });
  assert.deepEqual(f.fields.slice(1), [scalar('pid', 'pid_t', 12, 4, true), scalar('old_pid', 'pid_t', 16, 4, true)]);
  assert.deepEqual(splitPrintFmt(f.printFmt), { format: 'filename=%s pid=%d old_pid=%d', args: '__get_str(filename), REC->pid, REC->old_pid' });
});

test('flexible arrays have length 0', () => {
  const f = parseTracefsFormat(BPRINT);
  assert.deepEqual(f.fields.at(-1), {
    name: 'buf', cType: 'u32', decl: 'u32 buf[]', offset: 24, size: 0, signed: false,
    arrayLength: 0, isDataLoc: false, isRelLoc: false, isCommon: false,
  });
});

test('older spellings: symbolic array lengths, __rel_loc and double pointers', () => {
  const text = [
    'name: demo',
    'ID: 7',
    'format:',
    '\tfield:char comm[TASK_COMM_LEN];\toffset:8;\tsize:16;\tsigned:0;',
    '\tfield:__rel_loc char[] msg;\toffset:24;\tsize:4;\tsigned:0;',
    '\tfield:const char *const * argv;\toffset:32;\tsize:8;\tsigned:0;',
    '\tfield:unsigned long args[6];\toffset:40;\tsize:48;\tsigned:0;',
    '',
    'print fmt: "%s \\"quoted\\"\\n", __get_str(msg)',
  ].join('\n');
  const f = parseTracefsFormat(text);
  assert.deepEqual(f.commonFields, []);
  assert.deepEqual(f.fields.map((x) => [x.name, x.cType, x.arrayLength, x.isRelLoc]), [
    ['comm', 'char', 16, false],
    ['msg', 'char', undefined, true],
    ['argv', 'const char *const *', undefined, false],
    ['args', 'unsigned long', 6, false],
  ]);
  assert.deepEqual(splitPrintFmt(f.printFmt), { format: '%s "quoted"\n', args: '__get_str(msg)' });
});

test('malformed text raises TracefsFormatError with a line number', () => {
  assert.throws(() => parseTracefsFormat('ID: 1\n'), TracefsFormatError);
  assert.throws(() => parseTracefsFormat('name: x\nID: y\n'), (e: unknown) => e instanceof TracefsFormatError && e.line === 2);
  assert.throws(
    () => parseTracefsFormat('name: x\nID: 1\nformat:\n\tfield:int a;\toffset:zero;\n'),
    (e: unknown) => e instanceof TracefsFormatError && e.line === 4 && /malformed field line/.test(e.message),
  );
  assert.equal(splitPrintFmt('not a string'), undefined);
});

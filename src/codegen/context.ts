/**
 * What a probe's context gives: where `argN`, `retval` and `args` live for each probe kind.
 *
 * uprobe context is `struct pt_regs` (arch/x86/include/asm/ptrace.h, x86-64):
 *   r15 0  r14 8  r13 16  r12 24  bp 32  bx 40  r11 48  r10 56  r9 64  r8 72  ax 80  cx 88  dx 96  si 104
 *   di 112  orig_ax 120  ip 128  cs 136  flags 144  sp 152  ss 160
 * tp_btf (rawtracepoint) context is an array of u64 arguments; tracepoint context is the event record
 * described by its tracefs `format` file.
 */

/** pt_regs offsets of the x86-64 SysV argument registers: rdi, rsi, rdx, rcx, r8, r9. */
export const PT_REGS_ARGS = [112, 104, 96, 88, 72, 64] as const;
/** pt_regs offset of rax (the return value at a uretprobe). */
export const PT_REGS_RC = 80;
/** pt_regs offset of the instruction pointer. */
export const PT_REGS_IP = 128;
/** pt_regs offset of the code segment selector: its low two bits are the privilege level (3 in user mode). */
export const PT_REGS_CS = 136;

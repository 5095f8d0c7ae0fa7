/**
 * Builtin variables of the language (pid, nsecs, args, retval, usermode, ...) as instructions that leave the
 * value in R0, with bpftrace's meanings. Called by ProbeCodegen.scalar for a Builtin expression.
 */
import { alu64Imm, alu64Reg, call, jmpImm, ldMapFd, ldx, mov32Reg, mov64Imm, mov64Reg, R0, R1, R2, R10, st } from '../asm/index.js';
import { CodegenError, CTX } from './builder.js';
import { PT_REGS_ARGS, PT_REGS_CS, PT_REGS_RC } from './context.js';
import { GLOBAL_CPID, GLOBALS_MAP, reload, spill } from './emit.js';
import type { ProbeCodegen } from './probe.js';
import { genGlobal, genStack } from './stacks.js';

/** Builtin variables (bpftrace's meanings) into R0. */
export function genBuiltin(g: ProbeCodegen, name: string): void {
  const b = g.b;
  const p = g.pt.probe;
  switch (name) {
    case 'pid':
      b.emit(call('get_current_pid_tgid'), alu64Imm('rsh', R0, 32));
      return;
    case 'tid':
      b.emit(call('get_current_pid_tgid'), mov32Reg(R0, R0));
      return;
    case 'uid':
    case 'username':
      b.emit(call('get_current_uid_gid'), mov32Reg(R0, R0));
      return;
    case 'gid':
      b.emit(call('get_current_uid_gid'), alu64Imm('rsh', R0, 32));
      return;
    case 'nsecs':
      b.emit(call('ktime_get_ns'));
      return;
    case 'elapsed': {
      const key = b.allocStack(8);
      const none = b.newLabel('noglob');
      b.emit(call('ktime_get_ns'));
      const now = spill(b);
      b.emit(st(4, R10, key, 0), ldMapFd(R1, GLOBALS_MAP), mov64Reg(R2, R10), alu64Imm('add', R2, key), call('map_lookup_elem'),
        mov64Reg(R1, R0), mov64Imm(R0, 0), jmpImm('jeq', R1, 0, none), ldx(8, R1, R1, 0));
      reload(b, now, R0);
      b.emit(alu64Reg('sub', R0, R1));
      b.mark(none);
      return;
    }
    case 'cpu':
      b.emit(call('get_smp_processor_id'));
      return;
    case 'numaid':
      b.emit(call('get_numa_node_id'));
      return;
    case 'ncpus':
      g.constant(g.options.ncpus);
      return;
    case 'rand':
      b.emit(call('get_prandom_u32'));
      return;
    case 'jiffies':
      b.emit(call('jiffies64'));
      return;
    case 'cgroup':
      b.emit(call('get_current_cgroup_id'));
      return;
    case 'curtask':
      b.emit(call('get_current_task'));
      return;
    case 'ctx':
      b.emit(mov64Reg(R0, CTX));
      return;
    case 'retval':
      b.emit(ldx(8, R0, CTX, PT_REGS_RC));
      return;
    case 'kstack':
    case 'ustack':
      genStack(g, { kind: 'stack', user: name === 'ustack' });
      return;
    case 'cpid':
      genGlobal(g, GLOBAL_CPID);
      return;
    case 'usermode':
      // begin/end run for the tracer in user space and uprobes fire in user mode (bpftrace prints 1 for both);
      // a perf event's context starts with the interrupted pt_regs, whose cs low bits are the privilege level.
      if (p.kind === 'interval' || p.kind === 'profile' || p.kind === 'software') {
        b.emit(ldx(8, R0, CTX, PT_REGS_CS), alu64Imm('and', R0, 3), alu64Imm('rsh', R0, 1));
      } else b.emit(mov64Imm(R0, 1));
      return;
    default: {
      const m = /^(s?)arg(\d)$/.exec(name);
      if (m) {
        const i = Number(m[2]);
        if (p.kind === 'rawtracepoint') b.emit(ldx(8, R0, CTX, i * 8));
        else {
          const off = PT_REGS_ARGS[i];
          if (off === undefined) throw new CodegenError(`${name}: only arg0-arg5 are passed in registers on x86-64`);
          b.emit(ldx(8, R0, CTX, off));
        }
        return;
      }
      throw new CodegenError(`builtin ${name} is not a scalar here`);
    }
  }
}

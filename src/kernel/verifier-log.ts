/**
 * Reading the verifier log: find the reason for a rejection among instruction echoes and register states,
 * and say it in words when it is a known one.
 */

/** Known verifier messages and what they mean for someone who did not write the bytecode. */
export const EXPLANATIONS: Array<[RegExp, string]> = [
  [/helper call might sleep in a non-sleepable prog/, 'a helper that may sleep was called from a program that runs in atomic context'],
  [/invalid mem access 'scalar'/, 'a plain number was dereferenced as if it were a pointer'],
  [/invalid mem access 'map_value_or_null'/, 'a map lookup result was used without checking it for NULL'],
  [/R(\d+) !read_ok/, 'a register was read before anything was written to it'],
  [/invalid read from stack/, 'the program read stack memory it never initialised'],
  [/back-edge from insn/, 'the program has a loop the verifier could not bound'],
  [/unreachable insn/, 'the program contains an instruction that can never run'],
  [/jump out of range/, 'a jump goes past the end of the program'],
  [/invalid indirect read from stack/, 'a helper was given stack memory that was not initialised'],
  [/R\d+ min value is negative/, 'an offset or size may be negative'],
  [/unbounded memory access/, 'an access size or offset has no upper bound'],
  [/Only fentry\/fexit\/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable/, 'this kernel does not allow sleepable programs of this type'],
  [/tracing progs cannot use bpf_wq yet/, 'this program type cannot use bpf_wq on this kernel'],
  [/unknown func/, 'the program calls a helper that this program type (or kernel) does not offer'],
  [/invalid func unknown#/, 'the program calls a helper this kernel does not have'],
  [/calling kernel function .* is not allowed/, 'the program calls a kernel function that is not allowed for this program type'],
  [/combined stack size of \d+ calls is \d+/, 'the program uses more than 512 bytes of stack'],
  [/BPF program is too large/, 'the program exceeds the verifier\'s instruction limit'],
];

/** Lines of the log that carry no reason: instruction echoes, register states, statistics. */
function isNoise(line: string): boolean {
  return /^\d+: /.test(line) || /^\s*$/.test(line) || /^processed \d+ insns/.test(line) || /^verification time/.test(line) ||
    /^stack depth/.test(line) || /^-- BEGIN PROG LOAD LOG --|^-- END PROG LOAD LOG --/.test(line) ||
    /^(last_idx|regs=|parent didn't have|func#\d+ @\d+|from \d+ to \d+:|; )/.test(line) || /^\s*R\d+(_w)?=/.test(line) ||
    /^mark_precise:/.test(line) || /^Validating /.test(line);
}

/** Finds the verifier's reason in a log: the last line that is not an instruction, state or statistic. */
export function verifierReason(log: string): { reason: string; insn?: number } {
  const lines = log.split('\n');
  let reason = '';
  let at = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!isNoise(lines[i]!)) {
      reason = lines[i]!.trim();
      at = i;
      break;
    }
  }
  let insn: number | undefined;
  for (let i = at - 1; i >= 0; i--) {
    const m = /^(\d+): \(/.exec(lines[i]!);
    if (m) {
      insn = Number(m[1]);
      break;
    }
  }
  return insn === undefined ? { reason } : { reason, insn };
}

/** The plain-words meaning of a verifier reason, when it is a known one. */
export function explainVerifierReason(reason: string): string | undefined {
  return EXPLANATIONS.find(([re]) => re.test(reason))?.[1];
}

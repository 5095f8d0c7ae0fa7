/**
 * Verifier rejections: a one-line summary in words, with the kernel's full log kept behind it (`-v`).
 */
import { explainVerifierReason, verifierReason } from '../kernel/verifier-log.js';
import { errnoName } from '../sys/index.js';

/** A program the kernel refused to load. `summary` is one line in words; `log` is the whole verifier log. */
export class VerifierError extends Error {
  override readonly name = 'VerifierError';
  readonly summary: string;
  readonly reason: string;
  /** The instruction the verifier stopped at, when the log names one. */
  readonly insn: number | undefined;

  constructor(readonly program: string, readonly errno: number, readonly log: string) {
    const { reason, insn } = verifierReason(log);
    let summary: string;
    if (!reason) {
      summary = `the kernel refused to load program '${program}' (${errnoName(errno)}) without a verifier log` +
        (errno === 1 ? ': this program type is not permitted here (missing capability or blocked by the kernel)' : '');
    } else {
      const hint = explainVerifierReason(reason);
      summary = `program '${program}' rejected by the verifier${insn === undefined ? '' : ` at instruction ${insn}`}: ${reason}` +
        (hint ? ` (${hint})` : '');
    }
    super(summary);
    this.summary = summary;
    this.reason = reason;
    this.insn = insn;
  }
}

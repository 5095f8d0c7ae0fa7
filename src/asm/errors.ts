/** The assembler's error type: every failure of a builder, link(), decode() or patchImm() is one of these. */

/** What went wrong, so callers can tell a bad label from a bad operand without parsing messages. */
export type AsmErrorCode =
  | 'bad_operand' // a builder got a register, immediate, offset or size the encoding cannot hold
  | 'undefined_label' // a jump, call or function address names a label that is not in the program
  | 'duplicate_label' // the same label marks two places
  | 'offset_range' // a resolved pc-relative offset does not fit its field
  | 'bad_target' // a label marks the end of the program, or a label ref sits on an instruction that has no target
  | 'bad_bytecode' // decode() met truncated or malformed bytes
  | 'bad_relocation' // a relocation does not point at the instruction kind it describes
  | 'empty_program'; // link() got no instructions

/**
 * An assembler failure. These signal broken invariants in the code generator (a bad label, an operand
 * out of range), not user errors, so they are thrown rather than reported as diagnostics.
 */
export class AsmError extends Error {
  /** Machine-readable reason. */
  readonly code: AsmErrorCode;

  /** Builds an error with a reason code and a full-sentence message. */
  constructor(code: AsmErrorCode, message: string) {
    super(message);
    this.name = 'AsmError';
    this.code = code;
  }
}

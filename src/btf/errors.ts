/** The one error type of the BTF layer. */

/**
 * Why a {@link BtfError} was thrown:
 * - `missing`: the BTF file does not exist (kernel built without CONFIG_DEBUG_INFO_BTF, 5.2+).
 * - `unreadable`: the file exists but could not be read (permissions, I/O).
 * - `malformed`: the bytes are not valid BTF (bad magic, truncated section, unknown kind).
 * - `invalid-id`: a caller passed a type id that does not exist in this BTF (a broken invariant).
 * - `invalid-type`: a query does not apply to the type's kind (e.g. `sizeof` of a FUNC).
 * - `invalid-argument`: a builder or parser input is out of range.
 */
export type BtfErrorReason =
  | 'missing'
  | 'unreadable'
  | 'malformed'
  | 'invalid-id'
  | 'invalid-type'
  | 'invalid-argument';

/** An error raised by the BTF decoder, builder or loader, with a machine-readable `reason`. */
export class BtfError extends Error {
  /** What kind of failure this is; see {@link BtfErrorReason}. */
  readonly reason: BtfErrorReason;

  /** Creates an error whose message is one sentence describing the failure. */
  constructor(reason: BtfErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BtfError';
    this.reason = reason;
  }
}

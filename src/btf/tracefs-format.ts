/**
 * A pure parser for tracefs event `format` files (events/<category>/<event>/format), the layout
 * description of the record a tracepoint program receives as its context.
 *
 * The text is produced by kernel/trace/trace_events.c (f_show); a field line reads
 *   "\tfield:<C declaration>;\toffset:<N>;\tsize:<N>;\tsigned:<0|1>;"
 * and the `common_*` fields (struct trace_entry) come first, followed by a blank line.
 */

/** One field of a tracepoint record. */
export interface TracefsField {
  /** Field name, e.g. `filename`. */
  readonly name: string;
  /**
   * The C type without the name: `const char *`, `pid_t`; for arrays the element type (`char` for
   * `char comm[16]`), and for `__data_loc char[] name` the element type `char`.
   */
  readonly cType: string;
  /** The declaration exactly as the kernel printed it, e.g. `__data_loc char[] filename`. */
  readonly decl: string;
  /** Byte offset in the record. */
  readonly offset: number;
  /** Size in bytes (4 for `__data_loc`/`__rel_loc` descriptors, 0 for flexible arrays). */
  readonly size: number;
  /** Whether the kernel considers the (element) type signed. */
  readonly signed: boolean;
  /**
   * Element count for fixed arrays (`char comm[16]` → 16), 0 for flexible `[]` arrays, undefined
   * for scalars and dynamic (`__data_loc`) arrays; for a symbolic length such as `[TASK_COMM_LEN]`,
   * derived from the size when the element is a plain `char`/`u8`-like byte type.
   */
  readonly arrayLength?: number;
  /**
   * `__data_loc T[] name`: the u32 at `offset` holds (length << 16 | offset from record start)
   * of dynamic data, e.g. `sched_process_exec`'s filename.
   */
  readonly isDataLoc: boolean;
  /** `__rel_loc T[] name` (5.18+): like `__data_loc`, but the offset is relative to the end of this field. */
  readonly isRelLoc: boolean;
  /** True for the `common_*` header fields shared by every event (struct trace_entry). */
  readonly isCommon: boolean;
}

/** A parsed `format` file. */
export interface TracefsFormat {
  /** Event name (`name:` line), e.g. `sys_enter_openat`. */
  readonly name: string;
  /** Event id (`ID:` line), the `config` for perf_event_open(PERF_TYPE_TRACEPOINT). */
  readonly id: number;
  /** The `common_*` fields, in record order. */
  readonly commonFields: readonly TracefsField[];
  /** The event's own fields, in record order. */
  readonly fields: readonly TracefsField[];
  /** Text after `print fmt: `: a C string literal followed by comma-separated argument expressions. */
  readonly printFmt: string;
}

/** A `format` file that does not follow the layout the kernel prints, with the offending line number. */
export class TracefsFormatError extends Error {
  /** 1-based line number in the format text (0 when the problem is the file as a whole). */
  readonly line: number;

  /** Creates an error whose message is one sentence naming the line. */
  constructor(message: string, line: number) {
    super(message);
    this.name = 'TracefsFormatError';
    this.line = line;
  }
}

const FIELD_LINE = /^\s*field:(.*?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(-?\d+);/;
const DECL = /^(.*?)\s*([A-Za-z_]\w*)\s*(?:\[\s*([^\]]*?)\s*\])?$/;

/** Sizes of byte-wide element types, for turning a symbolic array length into a count. */
const BYTE_TYPES = new Set(['char', 'signed char', 'unsigned char', 'u8', 's8', '__u8', '__s8', 'bool', '_Bool']);

/** Normalises C type spelling: single spaces and `char *`/`char **` pointer style. */
function normaliseType(t: string): string {
  return t
    .replace(/\s+/g, ' ')
    .replace(/\s*\*\s*/g, ' *')
    .replace(/\* \*/g, '**')
    .replace(/\* \*/g, '**')
    .trim();
}

/** Parses one `field:` declaration such as `const char * filename` or `__data_loc char[] name`. */
function parseDecl(decl: string, size: number, lineNo: number): Pick<TracefsField, 'name' | 'cType' | 'arrayLength' | 'isDataLoc' | 'isRelLoc'> {
  let rest = decl.trim();
  const isDataLoc = rest.startsWith('__data_loc ');
  const isRelLoc = rest.startsWith('__rel_loc ');
  if (isDataLoc || isRelLoc) rest = rest.replace(/^__(?:data|rel)_loc\s+/, '');
  const m = DECL.exec(rest);
  if (m === null || m[1] === undefined || m[2] === undefined) {
    throw new TracefsFormatError(`Line ${lineNo}: cannot find the field name in declaration "${decl}".`, lineNo);
  }
  let type = m[1];
  const name = m[2];
  let arrayLength: number | undefined;
  if (isDataLoc || isRelLoc) {
    // `__data_loc char[] name`: the brackets belong to the type, the record holds a descriptor.
    type = type.replace(/\[\s*\]\s*$/, '');
  } else if (m[3] !== undefined) {
    const len = m[3];
    const elem = normaliseType(type);
    if (len === '') arrayLength = 0;
    else if (/^\d+$/.test(len)) arrayLength = Number(len);
    else if (BYTE_TYPES.has(elem)) arrayLength = size;
  }
  const cType = normaliseType(type);
  return arrayLength === undefined ? { name, cType, isDataLoc, isRelLoc } : { name, cType, arrayLength, isDataLoc, isRelLoc };
}

/** Parses the text of a tracefs `format` file; throws {@link TracefsFormatError} if it is not one. */
export function parseTracefsFormat(text: string): TracefsFormat {
  let name: string | undefined;
  let id: number | undefined;
  let printFmt = '';
  const commonFields: TracefsField[] = [];
  const fields: TracefsField[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    const lineNo = i + 1;
    if (line.startsWith('name:')) {
      name = line.slice(5).trim();
    } else if (line.startsWith('ID:')) {
      id = Number(line.slice(3).trim());
      if (!Number.isInteger(id)) throw new TracefsFormatError(`Line ${lineNo}: event ID "${line.slice(3).trim()}" is not a number.`, lineNo);
    } else if (line.startsWith('print fmt:')) {
      printFmt = line.slice('print fmt:'.length).trim();
    } else if (/^\s*field:/.test(line)) {
      const m = FIELD_LINE.exec(line);
      if (m === null) throw new TracefsFormatError(`Line ${lineNo}: malformed field line "${line.trim()}".`, lineNo);
      const size = Number(m[3]);
      const decl = (m[1] ?? '').trim();
      const parsed = parseDecl(decl, size, lineNo);
      const field: TracefsField = {
        ...parsed,
        decl,
        offset: Number(m[2]),
        size,
        signed: m[4] === '1',
        isCommon: parsed.name.startsWith('common_'),
      };
      (field.isCommon ? commonFields : fields).push(field);
    }
  }
  if (name === undefined) throw new TracefsFormatError('The format text has no "name:" line.', 0);
  if (id === undefined) throw new TracefsFormatError('The format text has no "ID:" line.', 0);
  return { name, id, commonFields, fields, printFmt };
}

/** Splits a `print fmt` value into its format string (unescaped) and its argument text. */
export function splitPrintFmt(printFmt: string): { format: string; args: string } | undefined {
  const m = /^"((?:[^"\\]|\\.)*)"\s*(?:,\s*([\s\S]*))?$/.exec(printFmt);
  if (m === null) return undefined;
  const format = (m[1] ?? '').replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', '"': '"', '\\': '\\' })[c] ?? `\\${c}`);
  return { format, args: (m[2] ?? '').trim() };
}

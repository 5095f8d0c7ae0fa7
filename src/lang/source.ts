/**
 * Script sources and locations in them.
 *
 * Columns follow bpftrace (bison locations): 1-based, and a range's end column is one past its last
 * character, so `1:5-8` covers columns 5, 6 and 7. Columns count UTF-16 code units of the line.
 */

/** A place in a script: where a token or AST node starts and (exclusively) ends. */
export interface SourceLocation {
  /** The script's name as shown in diagnostics (`stdin` for `-e` programs and piped scripts). */
  readonly file: string;
  /** 1-based line of the first character. */
  readonly line: number;
  /** 1-based column of the first character. */
  readonly column: number;
  /** 1-based line of the end position; the start line when absent. */
  readonly endLine?: number;
  /** 1-based column one past the last character; `column + 1` when absent. */
  readonly endColumn?: number;
}

/** The file name bpftrace shows for programs given with `-e` or read from standard input. */
export const STDIN_FILE_NAME = 'stdin';

/** A script's text with an index of where each line starts, to turn offsets into locations. */
export class SourceFile {
  /** Offset of the first character of each line; `lineStarts[0]` is 0. */
  readonly #lineStarts: number[];

  /** Indexes `text`, whose diagnostics will name it `name`. */
  constructor(
    readonly name: string,
    readonly text: string,
  ) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) starts.push(i + 1);
      else if (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a) starts.push(i + 1);
    }
    this.#lineStarts = starts;
  }

  /** Number of lines (a trailing newline does not start an extra, empty line of text). */
  get lineCount(): number {
    const n = this.#lineStarts.length;
    return n > 1 && this.#lineStarts[n - 1] === this.text.length ? n - 1 : n;
  }

  /** 1-based line and column of `offset` (clamped into the text). */
  position(offset: number): { line: number; column: number } {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.#lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#lineStarts[mid] ?? 0) <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - (this.#lineStarts[lo] ?? 0) + 1 };
  }

  /** The text of 1-based `line` without its line terminator ('' past the end). */
  lineText(line: number): string {
    const start = this.#lineStarts[line - 1];
    if (start === undefined) return '';
    const next = this.#lineStarts[line];
    let end = next ?? this.text.length;
    while (end > start && (this.text[end - 1] === '\n' || this.text[end - 1] === '\r')) end--;
    return this.text.slice(start, end);
  }

  /** The location of the text between offsets `start` (inclusive) and `end` (exclusive). */
  location(start: number, end: number): SourceLocation {
    const from = this.position(start);
    const to = this.position(Math.max(start, end));
    return { file: this.name, line: from.line, column: from.column, endLine: to.line, endColumn: to.column };
  }
}

/** The end line of `loc`, defaulting to its start line. */
export function endLineOf(loc: SourceLocation): number {
  return loc.endLine ?? loc.line;
}

/** The end column of `loc` (exclusive), defaulting to one past its start column. */
export function endColumnOf(loc: SourceLocation): number {
  return loc.endColumn ?? loc.column + 1;
}

/** The smallest location covering both `a` and `b` (which must be in the same file). */
export function spanLocations(a: SourceLocation, b: SourceLocation): SourceLocation {
  const aFirst = a.line < b.line || (a.line === b.line && a.column <= b.column);
  const start = aFirst ? a : b;
  const aEnd = { line: endLineOf(a), column: endColumnOf(a) };
  const bEnd = { line: endLineOf(b), column: endColumnOf(b) };
  const end = aEnd.line > bEnd.line || (aEnd.line === bEnd.line && aEnd.column >= bEnd.column) ? aEnd : bEnd;
  return { file: start.file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
}

/** Renders `loc` the way bpftrace prefixes its messages: `file:line:col-col` or `file:line-line`. */
export function formatLocation(loc: SourceLocation): string {
  const endLine = endLineOf(loc);
  if (endLine !== loc.line) return `${loc.file}:${loc.line}-${endLine}`;
  return `${loc.file}:${loc.line}:${loc.column}-${Math.max(endColumnOf(loc), loc.column + 1)}`;
}

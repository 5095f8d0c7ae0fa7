/**
 * User errors and warnings as structured data, and their rendering as bpftrace prints them:
 *
 * ```
 * stdin:1:25-31: ERROR: Unknown identifier: 'nosuch'
 * kprobe:f { printf("%d", nosuch); }
 *                         ~~~~~~
 * ```
 *
 * Errors are printed before warnings (bpftrace's `Diagnostics::emit`); notes follow their message
 * as `HINT:` lines. Tabs in the quoted source line are shown as four spaces, as bpftrace does.
 */
import { endColumnOf, endLineOf } from './source.js';
import type { SourceFile, SourceLocation } from './source.js';

/** How bad a diagnostic is. */
export type Severity = 'error' | 'warning';

/** Where a diagnostic points, with the quoted source text so it renders without the script. */
export interface DiagnosticLocation {
  /** Script name (`stdin` for `-e`). */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column of the first underlined character. */
  readonly column: number;
  /** The source line, verbatim (tabs kept). */
  readonly lineText: string;
  /** Number of underlined characters on `line` (at least 1). */
  readonly length: number;
  /** Last line for a location spanning lines; absent on a single line. */
  readonly endLine?: number;
  /** Every line from `line` to `endLine` for a multi-line location (bpftrace quotes them all). */
  readonly contextLines?: readonly string[];
}

/** One user-facing problem. */
export interface Diagnostic {
  /** Error or warning. */
  readonly severity: Severity;
  /** The one-line message. */
  readonly text: string;
  /** Where in the script, or null for a problem with no place (e.g. a missing file). */
  readonly location: DiagnosticLocation | null;
  /** Further explanations, printed as `HINT:` lines. */
  readonly notes: readonly string[];
}

/** Options for {@link renderDiagnostic}. */
export interface RenderOptions {
  /** Colour `ERROR:`/`WARNING:`/`HINT:` with ANSI escapes, as bpftrace does on a terminal. */
  readonly color?: boolean;
}

const LABELS: Record<Severity, string> = { error: 'ERROR', warning: 'WARNING' };
const COLORS: Record<Severity | 'hint', string> = { error: '\x1b[31m', warning: '\x1b[33m', hint: '\x1b[36m' };
const RESET = '\x1b[0m';

function expandTabs(text: string): string {
  return text.replaceAll('\t', '    ');
}

/** The underline bpftrace draws under `lineText` for 1-based `column` and `length` characters. */
function underline(lineText: string, column: number, length: number): string {
  let out = '';
  const last = column - 1 + length;
  for (let x = 0; x < last; x++) {
    const marker = x < column - 1 ? ' ' : '~';
    out += lineText[x] === '\t' ? marker.repeat(4) : marker;
  }
  return out;
}

/** Renders one diagnostic as bpftrace prints it, ending with a newline. */
export function renderDiagnostic(d: Diagnostic, options: RenderOptions = {}): string {
  const paint = (kind: Severity | 'hint', label: string): string =>
    options.color ? `${COLORS[kind]}${label}${RESET}` : label;
  const lines: string[] = [];
  const loc = d.location;
  const label = `${paint(d.severity, `${LABELS[d.severity]}:`)} ${d.text}`;
  if (loc === null) {
    lines.push(label);
  } else if (loc.endLine !== undefined && loc.endLine !== loc.line) {
    lines.push(`${loc.file}:${loc.line}-${loc.endLine}: ${label}`);
    for (const text of loc.contextLines ?? [loc.lineText]) lines.push(expandTabs(text));
  } else {
    lines.push(`${loc.file}:${loc.line}:${loc.column}-${loc.column + loc.length}: ${label}`);
    lines.push(expandTabs(loc.lineText));
    lines.push(underline(loc.lineText, loc.column, loc.length));
  }
  for (const note of d.notes) lines.push(`${paint('hint', 'HINT:')} ${note}`);
  return `${lines.join('\n')}\n`;
}

/** Renders diagnostics in bpftrace's order: all errors first, then all warnings. */
export function renderDiagnostics(list: readonly Diagnostic[], options: RenderOptions = {}): string {
  const ordered = [...list.filter((d) => d.severity === 'error'), ...list.filter((d) => d.severity === 'warning')];
  return ordered.map((d) => renderDiagnostic(d, options)).join('');
}

/**
 * Collects the diagnostics of one compilation, so every problem in a script is reported rather than
 * only the first. Passes attach diagnostics to AST node locations; the collector looks the quoted
 * line up in the registered sources.
 */
export class Diagnostics {
  readonly #sources = new Map<string, SourceFile>();
  readonly #list: Diagnostic[] = [];
  readonly #seen = new Set<string>();

  /** A collector that can quote lines from `sources`. */
  constructor(...sources: SourceFile[]) {
    for (const source of sources) this.addSource(source);
  }

  /** Registers another script (e.g. an imported file) whose lines diagnostics may quote. */
  addSource(source: SourceFile): void {
    this.#sources.set(source.name, source);
  }

  /** Records an error at `loc` (null for none) and returns it. */
  error(loc: SourceLocation | null, text: string, notes: readonly string[] = []): Diagnostic {
    return this.add('error', loc, text, notes);
  }

  /** Records a warning at `loc` (null for none) and returns it. */
  warning(loc: SourceLocation | null, text: string, notes: readonly string[] = []): Diagnostic {
    return this.add('warning', loc, text, notes);
  }

  /** Records a diagnostic; an identical one at the same place is kept only once. */
  add(severity: Severity, loc: SourceLocation | null, text: string, notes: readonly string[] = []): Diagnostic {
    const d: Diagnostic = { severity, text, location: loc ? this.#locate(loc) : null, notes: [...notes] };
    this.#push(d);
    return d;
  }

  /** Appends every diagnostic of `other` (e.g. from a sub-compilation). */
  merge(other: Diagnostics): void {
    for (const d of other.all) this.#push(d);
  }

  /** Everything recorded, in the order it was reported. */
  get all(): readonly Diagnostic[] {
    return this.#list;
  }

  /** The errors, in report order. */
  get errors(): readonly Diagnostic[] {
    return this.#list.filter((d) => d.severity === 'error');
  }

  /** The warnings, in report order. */
  get warnings(): readonly Diagnostic[] {
    return this.#list.filter((d) => d.severity === 'warning');
  }

  /** Whether any error was recorded. */
  hasErrors(): boolean {
    return this.#list.some((d) => d.severity === 'error');
  }

  /** All diagnostics rendered as bpftrace prints them (errors first). */
  render(options: RenderOptions = {}): string {
    return renderDiagnostics(this.#list, options);
  }

  #push(d: Diagnostic): void {
    const l = d.location;
    const key = `${d.severity}\0${d.text}\0${l ? `${l.file}:${l.line}:${l.column}:${l.length}:${l.endLine ?? ''}` : ''}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.#list.push(d);
  }

  #locate(loc: SourceLocation): DiagnosticLocation {
    const source = this.#sources.get(loc.file);
    const lineText = source?.lineText(loc.line) ?? '';
    const endLine = endLineOf(loc);
    if (endLine !== loc.line) {
      const contextLines: string[] = [];
      for (let l = loc.line; l <= endLine; l++) contextLines.push(source?.lineText(l) ?? '');
      return {
        file: loc.file,
        line: loc.line,
        column: loc.column,
        lineText,
        length: Math.max(1, lineText.length - loc.column + 1),
        endLine,
        contextLines,
      };
    }
    const length = Math.max(1, endColumnOf(loc) - loc.column);
    return { file: loc.file, line: loc.line, column: loc.column, lineText, length };
  }
}

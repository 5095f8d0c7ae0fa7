/**
 * The lexer. It is pulled by the parser one token at a time and has two modes, as bpftrace's lexer
 * has: ordinary tokens, and raw attach-point text (`uprobe:/bin/bash:readline`, `kprobe:tcp_*`,
 * `interval:s:1`, `uprobe:./a.out:"f()"`), which the parser asks for where a probe starts.
 *
 * A `/` is the end of a predicate when only space separates it from a `{` or `/` (bpftrace's
 * `\//{space}*[\/\{]` rule); otherwise it is a division. The opening `/` of a predicate is an ordinary
 * `/` token that the parser accepts after attach points.
 *
 * Lexical errors (bad characters, strings, integers, comments) are reported to the diagnostics and
 * lexing goes on, so the parser sees a usable token stream.
 */
import type { Diagnostics } from './diagnostics.js';
import { parseIntLiteral } from './int-literal.js';
import type { SourceFile } from './source.js';
import { isBuiltinName, isKeyword, PUNCTUATORS } from './tokens.js';
import type { Token, TokenKind } from './tokens.js';

const IDENT_START = /[_a-zA-Z]/;
const IDENT_PART = /[_a-zA-Z0-9]/;
const DIGIT = /[0-9]/;
const SPACE = /[ \t\r\n\f\v]/;
/** Characters that end an attach point (besides space and a predicate's `/`). */
const ATTACH_STOP = new Set(['{', '}', ',', ';', '(', ')']);
/** Characters allowed in a `:path:` segment of an attach point (bpftrace's `path` rule). */
const PATH_CHAR = /[_\-./a-zA-Z0-9+*#]/;

const utf8 = new TextEncoder();

/** Tokenizes one script on demand; `pos` may be saved and restored for the parser's lookahead. */
export class Lexer {
  #pos = 0;
  /** Offsets already reported, so re-lexing after a rewind does not repeat a diagnostic. */
  readonly #reported = new Set<string>();
  /** Unterminated strings and comments reported so far (the parser mutes the errors they cause). */
  #unterminated = 0;
  /** Offset where the last unterminated string or comment stopped. */
  #unterminatedEnd = -1;

  /** A lexer over `source` that reports problems to `diagnostics`. */
  constructor(
    readonly source: SourceFile,
    readonly diagnostics: Diagnostics,
  ) {}

  /** How many unterminated strings or comments have been reported. */
  get unterminatedCount(): number {
    return this.#unterminated;
  }

  /** Offset where the last unterminated string or comment stopped (-1 if none). */
  get unterminatedEnd(): number {
    return this.#unterminatedEnd;
  }

  /** Current offset into the text. */
  get pos(): number {
    return this.#pos;
  }

  /** Moves to `offset` (a position previously read from `pos`, or a token's `start`). */
  set pos(offset: number) {
    this.#pos = offset;
  }

  /** Whether only space and comments remain. */
  atEnd(): boolean {
    this.skipTrivia();
    return this.#pos >= this.source.text.length;
  }

  /** Skips space, `//` and `/* *\/` comments, and a `#!` line at the very start. */
  skipTrivia(): void {
    const text = this.source.text;
    if (this.#pos === 0 && text.startsWith('#!')) this.#skipLine();
    for (;;) {
      const c = text[this.#pos];
      if (c !== undefined && SPACE.test(c)) {
        this.#pos++;
      } else if (c === '/' && text[this.#pos + 1] === '/') {
        this.#skipLine();
      } else if (c === '/' && text[this.#pos + 1] === '*') {
        const close = text.indexOf('*/', this.#pos + 2);
        if (close < 0) {
          this.#error(this.#pos, this.#pos + 2, 'end of file during comment');
          this.#pos = text.length;
        } else {
          this.#pos = close + 2;
        }
      } else {
        return;
      }
    }
  }

  /** Matches sticky `pattern` after skipping trivia, without consuming anything. */
  lookingAt(pattern: RegExp): RegExpExecArray | null {
    this.skipTrivia();
    const sticky = new RegExp(pattern.source, pattern.flags.includes('y') ? pattern.flags : `${pattern.flags}y`);
    sticky.lastIndex = this.#pos;
    return sticky.exec(this.source.text);
  }

  /** The next ordinary token. */
  next(): Token {
    for (;;) {
      this.skipTrivia();
      const token = this.#scan();
      if (token) return token;
    }
  }

  /** A `#...` preprocessor line (up to, not including, the newline), or null if none starts here. */
  nextPreprocessor(): Token | null {
    this.skipTrivia();
    const text = this.source.text;
    if (text[this.#pos] !== '#') return null;
    const start = this.#pos;
    this.#skipLine();
    let end = this.#pos;
    while (end > start && (text[end - 1] === '\n' || text[end - 1] === '\r')) end--;
    return { kind: 'preprocessor', text: text.slice(start, end), start, end };
  }

  /**
   * Raw text up to and including the `}` that balances the first `{` (and a `;` right after it),
   * for C definitions such as `struct S { int x; }` in the preamble. Null if no `{` is balanced.
   */
  nextBalancedText(): Token | null {
    this.skipTrivia();
    const text = this.source.text;
    const start = this.#pos;
    const open = text.indexOf('{', start);
    if (open < 0) return null;
    let depth = 0;
    for (let i = open; i < text.length; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}' && --depth === 0) {
        let end = i + 1;
        const after = /[ \t]*;/y;
        after.lastIndex = end;
        if (after.test(text)) end = after.lastIndex;
        this.#pos = end;
        return { kind: 'preprocessor', text: text.slice(start, end), start, end };
      }
    }
    return null;
  }

  /**
   * Raw attach-point text such as `tracepoint:syscalls:sys_enter_open*` or `uprobe:./a.out:"f()"`,
   * or null if none starts here. It ends at space, `,`, `{`, `}`, `;`, parentheses, or a `/` that
   * starts a predicate; a `/` inside a path segment (`:/bin/bash:`, `:./a.out:`) belongs to it.
   */
  nextAttachPoint(): Token | null {
    this.skipTrivia();
    const text = this.source.text;
    const start = this.#pos;
    let i = start;
    let segment = start;
    while (i < text.length) {
      const c = text[i] ?? '';
      if (SPACE.test(c) || ATTACH_STOP.has(c)) break;
      if (c === '"') {
        i = this.#skipQuoted(i);
        continue;
      }
      if (c === ':') {
        segment = i + 1;
      } else if (c === '/' && !this.#slashInPath(i, segment)) {
        break;
      }
      i++;
    }
    if (i === start) return null;
    this.#pos = i;
    return { kind: 'attach_point', text: text.slice(start, i), start, end: i };
  }

  #slashInPath(at: number, segment: number): boolean {
    const text = this.source.text;
    if (at === segment && segment > 0 && text[segment - 1] === ':') return true;
    const first = text[segment];
    if (segment < at && (first === '/' || first === '.')) return true;
    // A segment closed by another `:` is a path (bpftrace's `:(\\.|[_\-\./a-zA-Z0-9])*:` rule).
    let i = at;
    while (i < text.length && PATH_CHAR.test(text[i] ?? '')) i++;
    return text[i] === ':' && segment > 0;
  }

  #skipQuoted(open: number): number {
    const text = this.source.text;
    let i = open + 1;
    while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
    if (text[i] !== '"') {
      this.#error(open, i, 'unterminated string');
      return i;
    }
    return i + 1;
  }

  #skipLine(): void {
    const text = this.source.text;
    const nl = text.indexOf('\n', this.#pos);
    this.#pos = nl < 0 ? text.length : nl + 1;
  }

  #error(start: number, end: number, message: string): void {
    const key = `${start}:${message}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    if (message === 'unterminated string' || message === 'end of file during comment') {
      this.#unterminated++;
      this.#unterminatedEnd = end;
    }
    this.diagnostics.error(this.source.location(start, end), message);
  }

  #token(kind: TokenKind, start: number, extra: Partial<Token> = {}): Token {
    return { kind, text: this.source.text.slice(start, this.#pos), start, end: this.#pos, ...extra };
  }

  #word(from: number): number {
    const text = this.source.text;
    let i = from;
    while (i < text.length && IDENT_PART.test(text[i] ?? '')) i++;
    return i;
  }

  /** Scans one token at `pos` (trivia already skipped); null after skipping an invalid character. */
  #scan(): Token | null {
    const text = this.source.text;
    const start = this.#pos;
    const c = text[start];
    if (c === undefined) return { kind: 'eof', text: '', start, end: start };
    const next = text[start + 1] ?? '';

    if (IDENT_START.test(c)) {
      this.#pos = this.#word(start);
      const word = text.slice(start, this.#pos);
      if (isKeyword(word)) return this.#token(word, start);
      return this.#token(isBuiltinName(word) ? 'builtin' : 'ident', start);
    }
    if (DIGIT.test(c)) {
      this.#pos = this.#word(start);
      const literal = text.slice(start, this.#pos);
      const parsed = parseIntLiteral(literal);
      if (!parsed.ok) this.#error(start, this.#pos, parsed.error);
      return this.#token('int', start, { intValue: parsed.ok ? parsed.value : 0n });
    }
    if (c === '$') {
      if (next === '#') {
        this.#pos = start + 2;
        return this.#token('param_count', start);
      }
      if (DIGIT.test(next)) {
        let i = start + 1;
        while (DIGIT.test(text[i] ?? '')) i++;
        this.#pos = i;
        return this.#token('param', start);
      }
      if (IDENT_START.test(next)) {
        this.#pos = this.#word(start + 1);
        return this.#token('variable', start);
      }
    }
    if (c === '@') {
      this.#pos = IDENT_START.test(next) ? this.#word(start + 1) : start + 1;
      return this.#token('map', start);
    }
    if (c === '"') return this.#scanString(start);
    if (c === '/' && next !== '=' && this.#isEndPredicate(start + 1)) {
      this.#pos = start + 1;
      return this.#token('endpred', start);
    }
    for (const p of PUNCTUATORS) {
      if (text.startsWith(p, start)) {
        this.#pos = start + p.length;
        return this.#token(p, start);
      }
    }
    const width = c.codePointAt(0)! > 0xffff ? 2 : 1;
    this.#pos = start + width;
    this.#error(start, this.#pos, `invalid character '${text.slice(start, this.#pos)}'`);
    return null;
  }

  #isEndPredicate(from: number): boolean {
    const text = this.source.text;
    let i = from;
    while (i < text.length && SPACE.test(text[i] ?? '')) i++;
    return text[i] === '{' || text[i] === '/';
  }

  #scanString(start: number): Token {
    const text = this.source.text;
    let i = start + 1;
    let value = '';
    const bytes: number[] = [];
    const addText = (s: string): void => {
      value += s;
      for (const b of utf8.encode(s)) bytes.push(b);
    };
    const addByte = (b: number): void => {
      value += String.fromCharCode(b);
      bytes.push(b);
    };
    for (;;) {
      const c = text[i];
      if (c === undefined || c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
        this.#error(start, i, 'unterminated string');
        break;
      }
      if (c === '"') {
        i++;
        break;
      }
      if (c !== '\\') {
        const cp = text.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        addText(ch);
        i += ch.length;
        continue;
      }
      const e = text[i + 1] ?? '';
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
      const mapped = simple[e];
      if (mapped !== undefined) {
        addText(mapped);
        i += 2;
      } else if (e === 'x' && /[0-9a-fA-F]/.test(text[i + 2] ?? '')) {
        const hex = /[0-9a-fA-F]{1,2}/y;
        hex.lastIndex = i + 2;
        const m = hex.exec(text)![0];
        addByte(Number.parseInt(m, 16));
        i += 2 + m.length;
      } else if (/[0-7]/.test(e)) {
        const oct = /[0-7]{1,3}/y;
        oct.lastIndex = i + 1;
        const m = oct.exec(text)![0];
        const n = Number.parseInt(m, 8);
        if (n > 0xff) this.#error(i, i + 1 + m.length, `invalid escape character '\\${m}'`);
        addByte(n & 0xff);
        i += 1 + m.length;
      } else if (e === '' || e === '\n') {
        i++;
      } else {
        this.#error(i, i + 2, `invalid escape character '\\${e}'`);
        i += 2;
      }
    }
    this.#pos = i;
    return this.#token('string', start, { stringValue: value, stringBytes: Uint8Array.from(bytes) });
  }
}

/** All ordinary tokens of `source` up to and including `eof` (no attach-point mode); for tests and tools. */
export function tokenize(source: SourceFile, diagnostics: Diagnostics): Token[] {
  const lexer = new Lexer(source, diagnostics);
  const tokens: Token[] = [];
  for (;;) {
    const token = lexer.next();
    tokens.push(token);
    if (token.kind === 'eof') return tokens;
  }
}

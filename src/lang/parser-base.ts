/**
 * The parser's machinery shared by the expression and statement layers: the token stream with
 * lookahead and rewind, node construction (ids and locations), and syntax errors with recovery.
 */
import type { Node } from './ast.js';
import type { Diagnostics } from './diagnostics.js';
import { Lexer } from './lexer.js';
import type { SourceFile, SourceLocation } from './source.js';
import { describeKind } from './tokens.js';
import type { Token, TokenKind } from './tokens.js';

/** Thrown after a syntax error has been reported, to unwind to the nearest recovery point. */
export class SyntaxAbort {
  /** Marks an abort whose diagnostic is already recorded. */
  readonly reported = true;
}

/**
 * How deeply productions may nest (each parenthesis, prefix operator, block or `else if` is a level or
 * two). Past it the parser reports an error instead of overflowing the JavaScript stack; the AST
 * depth check in parse() bounds what the later, recursive passes see.
 */
export const MAX_NESTING = 500;

/** A saved parser position for speculative parsing. */
export interface Mark {
  readonly pos: number;
  readonly prevEnd: number;
  readonly lastId: number;
}

/** Fields of a node other than its id and location (what a parse function supplies). */
export type NodeFields<T extends Node> = T extends Node ? Omit<T, 'id' | 'loc'> : never;

/** Token stream, node factory and error reporting for the parser layers built on it. */
export class ParserBase {
  protected readonly lexer: Lexer;
  /** One token of lookahead, lexed on demand so the lexer can switch to attach-point mode. */
  #cur: Token | null = null;
  /** End offset of the last consumed token. */
  protected prevEnd = 0;
  /** The last node id handed out. */
  protected lastId = 0;
  /** Nesting depth of the productions run through {@link nested}. */
  #depth = 0;
  /** Whether the nesting error was reported (it is reported once). */
  #nestingReported = false;

  /** A parser over `source` reporting to `diagnostics`. */
  constructor(
    protected readonly source: SourceFile,
    protected readonly diagnostics: Diagnostics,
  ) {
    this.lexer = new Lexer(source, diagnostics);
  }

  /** The next token, not consumed. */
  protected peek(): Token {
    this.#cur ??= this.lexer.next();
    return this.#cur;
  }

  /** Consumes and returns the next token. */
  protected advance(): Token {
    const token = this.peek();
    this.#cur = null;
    this.prevEnd = token.end;
    return token;
  }

  /** Whether the next token is of `kind`. */
  protected at(kind: TokenKind): boolean {
    return this.peek().kind === kind;
  }

  /** Consumes the next token if it is of `kind`. */
  protected accept(kind: TokenKind): Token | null {
    return this.at(kind) ? this.advance() : null;
  }

  /** Consumes a token of `kind`, or reports a syntax error expecting it. */
  protected expect(kind: TokenKind): Token {
    const token = this.peek();
    if (token.kind === kind) return this.advance();
    return this.syntaxError(token, [describeKind(kind)]);
  }

  /** Gives back a lexed but unconsumed token, so the lexer can rescan from there in another mode. */
  protected unread(): void {
    if (this.#cur) this.lexer.pos = this.#cur.start;
    this.#cur = null;
  }

  /** Saves the position for {@link reset}. */
  protected mark(): Mark {
    return { pos: this.#cur ? this.#cur.start : this.lexer.pos, prevEnd: this.prevEnd, lastId: this.lastId };
  }

  /** Returns to a saved position, forgetting nodes made since (their ids are reused). */
  protected reset(mark: Mark): void {
    this.lexer.pos = mark.pos;
    this.#cur = null;
    this.prevEnd = mark.prevEnd;
    this.lastId = mark.lastId;
  }

  /** The kind of the token after the next one, without consuming anything. */
  protected peekSecond(): TokenKind {
    const saved = this.mark();
    this.advance();
    const kind = this.peek().kind;
    this.reset(saved);
    return kind;
  }

  /** Makes a node with the next id. */
  protected make<T extends Node>(fields: NodeFields<T>, loc: SourceLocation): T {
    return { id: ++this.lastId, loc, ...fields } as T;
  }

  /** Location of a token. */
  protected tokenLoc(token: Token): SourceLocation {
    if (token.kind === 'eof') return this.eofLoc();
    return this.source.location(token.start, token.end);
  }

  /** Location from offset `start` to the end of the last consumed token. */
  protected locFrom(start: number): SourceLocation {
    return this.source.location(start, Math.max(start, this.prevEnd));
  }

  /** Where end-of-file errors point: just after the last non-space character. */
  protected eofLoc(): SourceLocation {
    const text = this.source.text;
    let end = text.length;
    while (end > 0 && /\s/.test(text[end - 1] ?? '')) end--;
    return this.source.location(end, end);
  }

  /** How a token is named in a syntax error: its text for keywords and punctuation. */
  protected describe(token: Token): string {
    return describeKind(token.kind);
  }

  /** Reports `syntax error, unexpected X[, expecting A or B]` at `token` and aborts. */
  protected syntaxError(token: Token, expected: readonly string[], notes: readonly string[] = []): never {
    if (this.isCascade(token)) throw new SyntaxAbort();
    let text = `syntax error, unexpected ${this.describe(token)}`;
    if (expected.length > 0) text += `, expecting ${expected.join(' or ')}`;
    this.diagnostics.error(this.tokenLoc(token), text, notes);
    throw new SyntaxAbort();
  }

  /**
   * Whether a syntax error at `token` only follows from an unterminated string or comment (which
   * swallowed the rest of its line or file), so reporting it would add noise: an error at the end
   * of the file after one, or at the first token after one.
   */
  protected isCascade(token: Token): boolean {
    const lexer = this.lexer;
    if (lexer.unterminatedCount === 0) return false;
    if (token.kind === 'eof') return true;
    const end = lexer.unterminatedEnd;
    return token.start >= end && /^\s*$/.test(this.source.text.slice(end, token.start));
  }

  /** Runs a production that may recurse, reporting an error instead of nesting past {@link MAX_NESTING}. */
  protected nested<T>(production: () => T): T {
    if (this.#depth >= MAX_NESTING) {
      if (this.#nestingReported) throw new SyntaxAbort();
      this.#nestingReported = true;
      this.fail(this.tokenLoc(this.peek()), `the script is nested too deeply (more than ${MAX_NESTING} levels)`);
    }
    this.#depth++;
    try {
      return production();
    } finally {
      this.#depth--;
    }
  }

  /** Whether the nesting error has been reported. */
  protected get nestingReported(): boolean {
    return this.#nestingReported;
  }

  /** Reports an error at `loc` and aborts. */
  protected fail(loc: SourceLocation, text: string): never {
    this.diagnostics.error(loc, text);
    throw new SyntaxAbort();
  }

  /** After an error in a statement: skips to just past the next `;` or up to the `}` closing the block. */
  protected syncStatement(): void {
    let depth = 0;
    for (;;) {
      const token = this.peek();
      if (token.kind === 'eof') return;
      if (token.kind === '}') {
        if (depth === 0) return;
        depth--;
      } else if (token.kind === '{') {
        depth++;
      } else if (token.kind === ';' && depth === 0) {
        this.advance();
        return;
      }
      this.advance();
    }
  }

  /** After an error at the top level: skips past the `}` that closes the current probe (or to the end). */
  protected syncTopLevel(): void {
    let depth = 0;
    for (;;) {
      const token = this.advance();
      if (token.kind === 'eof') return;
      if (token.kind === '{') depth++;
      else if (token.kind === '}' && --depth <= 0) return;
    }
  }
}

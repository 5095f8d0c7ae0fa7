/**
 * The parser: a hand-written recursive-descent parser for bpftrace 0.26 scripts. This file holds the
 * top level (preamble, probes, macros, subprograms, map declarations) and statements; expressions
 * and types are in parser-expr.ts. Syntax errors are reported as diagnostics and parsing resumes at
 * the next `;` or `}` (or the next probe), so one run reports every error in a script.
 */
import type {
  AttachPoint,
  Block,
  CDefinition,
  Config,
  ConfigEntry,
  CompoundOp,
  Expr,
  For,
  If,
  Import,
  Macro,
  MacroParam,
  MapDecl,
  MapRef,
  Node,
  Preprocessor,
  Probe,
  Program,
  Range,
  Stmt,
  Subprog,
  SubprogParam,
  Variable,
} from './ast.js';
import { Diagnostics } from './diagnostics.js';
import { MAX_NESTING, SyntaxAbort } from './parser-base.js';
import { ExprParser } from './parser-expr.js';
import { SourceFile, STDIN_FILE_NAME } from './source.js';
import type { Token, TokenKind } from './tokens.js';
import { childrenOf } from './walk.js';

const COMPOUND_OPS: Partial<Record<TokenKind, CompoundOp>> = {
  '+=': '+',
  '-=': '-',
  '*=': '*',
  '/=': '/',
  '%=': '%',
  '&=': '&',
  '|=': '|',
  '^=': '^',
  '<<=': '<<',
  '>>=': '>>',
};

/** Statements that end with a block and so need no `;` after them. */
const BLOCK_STATEMENTS: ReadonlySet<Stmt['kind']> = new Set<Stmt['kind']>(['If', 'While', 'Unroll', 'For', 'Block']);

/** Splits attach-point text at `:` outside double quotes, removing the quotes and their escapes. */
export function splitAttachPoint(raw: string): string[] {
  const parts: string[] = [];
  let part = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] ?? '';
    if (quoted && c === '\\' && i + 1 < raw.length) {
      part += raw[++i] ?? '';
    } else if (c === '"') {
      quoted = !quoted;
    } else if (c === ':' && !quoted) {
      parts.push(part);
      part = '';
    } else {
      part += c;
    }
  }
  parts.push(part);
  return parts;
}

/** The statement and top-level layer; use {@link parse}. */
class Parser extends ExprParser {
  readonly #preprocessor: Preprocessor[] = [];
  readonly #cDefinitions: CDefinition[] = [];
  #config: Config | null = null;
  readonly #imports: Import[] = [];
  readonly #macros: Macro[] = [];
  readonly #subprogs: Subprog[] = [];
  readonly #mapDecls: MapDecl[] = [];
  readonly #probes: Probe[] = [];

  /** Parses the whole script. */
  parseProgram(): Program {
    for (;;) {
      this.unread();
      if (this.lexer.atEnd()) break;
      const start = this.lexer.pos;
      try {
        this.parseTopLevelItem();
      } catch (e) {
        if (!(e instanceof SyntaxAbort)) throw e;
        this.unread();
        // Nothing consumed (a stray token): skip just that token; else skip the rest of the item.
        if (this.lexer.pos === start) this.advance();
        else this.syncTopLevel();
      }
    }
    const program = this.make<Program>(
      {
        kind: 'Program',
        preprocessor: this.#preprocessor,
        cDefinitions: this.#cDefinitions,
        config: this.#config,
        imports: this.#imports,
        macros: this.#macros,
        subprogs: this.#subprogs,
        mapDecls: this.#mapDecls,
        probes: this.#probes,
        nodeCount: 0,
      },
      this.source.location(0, this.source.text.length),
    );
    if (!this.nestingReported) this.checkDepth(program);
    return { ...program, nodeCount: program.id };
  }

  /**
   * Reports a tree deeper than {@link MAX_NESTING}: chains the parser builds without recursing
   * (`1 + 1 + ...`, `a.b.c...`, `T ***...`) would otherwise overflow the stack of the recursive passes.
   */
  private checkDepth(program: Program): void {
    const stack: Array<[Node, number]> = [[program, 0]];
    for (let item = stack.pop(); item; item = stack.pop()) {
      const [node, depth] = item;
      if (depth > MAX_NESTING) {
        this.diagnostics.error(node.loc, `the script is nested too deeply (more than ${MAX_NESTING} levels)`);
        return;
      }
      for (const child of childrenOf(node)) stack.push([child, depth + 1]);
    }
  }

  private parseTopLevelItem(): void {
    const lexer = this.lexer;
    const seenItems = this.#probes.length + this.#macros.length + this.#subprogs.length + this.#mapDecls.length > 0;
    if (lexer.lookingAt(/#/)) return this.parsePreprocessor();
    if (lexer.lookingAt(/config\s*=/)) {
      const start = this.peek().start;
      const config = this.parseConfig();
      if (this.#config) this.diagnostics.error(this.locFrom(start), 'only one config block is allowed');
      else if (seenItems) this.diagnostics.error(this.locFrom(start), 'the config block must come before any probes');
      else this.#config = config;
      return;
    }
    if (lexer.lookingAt(/(struct|union|enum)\b/)) return this.parseCDefinition();
    if (lexer.lookingAt(/import\b/)) return void this.#imports.push(this.parseImport());
    if (lexer.lookingAt(/macro\s+[_a-zA-Z]/)) return void this.#macros.push(this.parseMacro());
    if (lexer.lookingAt(/fn\s+[_a-zA-Z]/)) return void this.#subprogs.push(this.parseSubprog());
    if (lexer.lookingAt(/let\s*@/)) return void this.#mapDecls.push(this.parseMapDecl());
    this.#probes.push(this.parseProbe());
  }

  private parsePreprocessor(): void {
    const token = this.lexer.nextPreprocessor();
    if (!token) return;
    this.prevEnd = token.end;
    const loc = this.source.location(token.start, token.end);
    const match = /^#\s*([A-Za-z_]\w*)\s*(.*)$/.exec(token.text);
    const directive = match?.[1] ?? '';
    const rest = (match?.[2] ?? '').trim();
    const define = directive === 'define' ? /^([A-Za-z_]\w*)\s*(.*)$/.exec(rest) : null;
    this.#preprocessor.push(
      this.make<Preprocessor>(
        { kind: 'Preprocessor', text: token.text, directive, defineName: define?.[1] ?? null, defineValue: define ? (define[2] ?? '').trim() : null },
        loc,
      ),
    );
    if (directive === 'include') {
      this.diagnostics.warning(loc, `ignoring ${token.text.trim()}: C headers are not processed`, [
        'kernel types come from BTF; declare other types in the script',
      ]);
    } else if (directive !== 'define') {
      this.diagnostics.warning(loc, `ignoring unsupported preprocessor directive #${directive}`);
    }
  }

  private parseCDefinition(): void {
    const token = this.lexer.nextBalancedText();
    if (!token) this.syntaxError(this.peek(), []);
    this.prevEnd = token.end;
    this.#cDefinitions.push(this.make<CDefinition>({ kind: 'CDefinition', text: token.text }, this.source.location(token.start, token.end)));
  }

  private parseConfig(): Config {
    const start = this.advance().start;
    this.expect('=');
    this.expect('{');
    const entries: ConfigEntry[] = [];
    while (!this.accept('}')) {
      const name = this.peek();
      if (name.kind !== 'ident' && name.kind !== 'builtin') this.syntaxError(name, ['identifier', '}']);
      this.advance();
      this.expect('=');
      const v = this.peek();
      const loc = this.tokenLoc(v);
      let value: ConfigEntry['value'];
      if (v.kind === 'int') value = this.make({ kind: 'Integer', value: v.intValue ?? 0n, text: v.text }, loc);
      else if (v.kind === 'string') value = this.make({ kind: 'String', value: v.stringValue ?? '', bytes: v.stringBytes ?? new Uint8Array() }, loc);
      else if (v.kind === 'true' || v.kind === 'false') value = this.make({ kind: 'Bool', value: v.kind === 'true' }, loc);
      else if (v.kind === 'ident' || v.kind === 'builtin') value = this.make({ kind: 'Identifier', name: v.text }, loc);
      else this.syntaxError(v, ['integer', 'string', 'identifier']);
      this.advance();
      entries.push(this.make<ConfigEntry>({ kind: 'ConfigEntry', name: name.text, value }, this.locFrom(name.start)));
      if (!this.accept(';') && !this.at('}')) this.syntaxError(this.peek(), [';', '}']);
    }
    this.accept(';');
    return this.make<Config>({ kind: 'Config', entries }, this.locFrom(start));
  }

  private parseImport(): Import {
    const start = this.advance().start;
    const path = this.expect('string');
    this.expect(';');
    return this.make<Import>({ kind: 'Import', path: path.stringValue ?? '' }, this.locFrom(start));
  }

  private parseMacro(): Macro {
    const start = this.advance().start;
    const name = this.expect('ident');
    this.expect('(');
    const params: MacroParam[] = [];
    while (!this.accept(')')) {
      const token = this.peek();
      const loc = this.tokenLoc(token);
      if (token.kind === 'variable') params.push(this.make<Variable>({ kind: 'Variable', name: token.text }, loc));
      else if (token.kind === 'map') params.push(this.make<MapRef>({ kind: 'Map', name: token.text, keys: [], indexed: false }, loc));
      else if (token.kind === 'ident') params.push(this.make({ kind: 'Identifier', name: token.text }, loc));
      else this.syntaxError(token, ['variable', 'map', 'identifier']);
      this.advance();
      if (!this.accept(',') && !this.at(')')) this.syntaxError(this.peek(), [',', ')']);
    }
    const body = this.parseBlock(true);
    return this.make<Macro>({ kind: 'Macro', name: name.text, params, body }, this.locFrom(start));
  }

  private parseSubprog(): Subprog {
    const start = this.advance().start;
    const name = this.expect('ident');
    this.expect('(');
    const params: SubprogParam[] = [];
    while (!this.accept(')')) {
      const token = this.expect('variable');
      const variable = this.make<Variable>({ kind: 'Variable', name: token.text }, this.tokenLoc(token));
      this.expect(':');
      const type = this.parseType();
      params.push(this.make<SubprogParam>({ kind: 'SubprogParam', variable, type }, this.locFrom(token.start)));
      if (!this.accept(',') && !this.at(')')) this.syntaxError(this.peek(), [',', ')']);
    }
    this.expect(':');
    const returnType = this.parseType();
    const body = this.parseBlock(false);
    return this.make<Subprog>({ kind: 'Subprog', name: name.text, params, returnType, body }, this.locFrom(start));
  }

  private parseMapDecl(): MapDecl {
    const start = this.advance().start;
    const map = this.expect('map');
    this.expect('=');
    const type = this.expect('ident');
    this.expect('(');
    const size = this.expect('int');
    this.expect(')');
    this.expect(';');
    return this.make<MapDecl>(
      { kind: 'MapDecl', name: map.text, mapType: type.text, maxEntries: size.intValue ?? 0n },
      this.locFrom(start),
    );
  }

  private parseProbe(): Probe {
    const attachPoints: AttachPoint[] = [];
    let start = -1;
    for (;;) {
      this.unread();
      const token = this.lexer.nextAttachPoint();
      if (!token) this.syntaxError(this.peek(), attachPoints.length ? ['{'] : ['attach point']);
      this.prevEnd = token.end;
      if (start < 0) start = token.start;
      const loc = this.source.location(token.start, token.end);
      attachPoints.push(this.make<AttachPoint>({ kind: 'AttachPoint', raw: token.text, parts: splitAttachPoint(token.text) }, loc));
      if (!this.accept(',')) break;
      // A trailing comma before the predicate or body is allowed.
      if (this.at('{') || this.at('/')) break;
    }
    let predicate: Expr | null = null;
    if (this.accept('/')) {
      predicate = this.parseExpr();
      this.expect('endpred');
    }
    if (!this.at('{')) this.syntaxError(this.peek(), predicate || this.at('eof') ? ['{'] : ['{', '/']);
    const body = this.parseBlock(false);
    return this.make<Probe>({ kind: 'Probe', attachPoints, predicate, body }, this.locFrom(start));
  }

  /** `{ stmts }`; see {@link ExprParser.parseBlock}. */
  protected parseBlock(asExpression: boolean): Block {
    return this.nested(() => this.parseBlockBody(asExpression));
  }

  private parseBlockBody(asExpression: boolean): Block {
    const open = this.expect('{');
    const stmts: Stmt[] = [];
    let value: Expr | null = null;
    for (;;) {
      const token = this.peek();
      if (token.kind === '}') break;
      if (token.kind === 'eof') {
        const at = this.source.position(open.start);
        if (!this.isCascade(token)) this.diagnostics.error(this.tokenLoc(token), 'syntax error, unexpected end of file, expecting }', [
          `the block opened at ${this.source.name}:${at.line}:${at.column} is not closed`,
        ]);
        return this.make<Block>({ kind: 'Block', stmts, value: null }, this.locFrom(open.start));
      }
      if (this.accept(';')) continue;
      try {
        const stmt = this.parseStatement();
        if (BLOCK_STATEMENTS.has(stmt.kind) || this.accept(';')) {
          stmts.push(stmt);
        } else if (this.at('}')) {
          if (asExpression && stmt.kind === 'ExprStmt') value = stmt.expr;
          else stmts.push(stmt);
        } else {
          this.syntaxError(this.peek(), [';', '}']);
        }
      } catch (e) {
        if (!(e instanceof SyntaxAbort)) throw e;
        this.syncStatement();
      }
    }
    this.advance();
    return this.make<Block>({ kind: 'Block', stmts, value }, this.locFrom(open.start));
  }

  private parseStatement(): Stmt {
    const token = this.peek();
    const start = token.start;
    switch (token.kind) {
      case '{':
        return this.parseBlock(false);
      case 'if':
        return this.parseIf();
      case 'while':
      case 'unroll': {
        this.advance();
        const cond = this.parseExpr();
        const body = this.parseBlock(false);
        if (token.kind === 'while') return this.make({ kind: 'While', cond, body }, this.locFrom(start));
        return this.make({ kind: 'Unroll', count: cond, body }, this.locFrom(start));
      }
      case 'for':
        return this.parseFor();
      case 'break':
        this.advance();
        return this.make({ kind: 'Break' }, this.locFrom(start));
      case 'continue':
        this.advance();
        return this.make({ kind: 'Continue' }, this.locFrom(start));
      case 'return': {
        this.advance();
        const value = this.at(';') || this.at('}') ? null : this.parseExpr();
        return this.make({ kind: 'Return', value }, this.locFrom(start));
      }
      case 'let':
        return this.parseLet();
      default:
        break;
    }
    if (token.kind === 'ident' && token.text === '_' && this.peekSecond() === '=') {
      this.advance();
      this.advance();
      const expr = this.parseExpr();
      return this.make({ kind: 'Discard', expr }, this.locFrom(start));
    }
    const expr = this.parseExpr();
    const assign = this.peek();
    const op = assign.kind === '=' ? null : COMPOUND_OPS[assign.kind];
    if (op === undefined) return this.make({ kind: 'ExprStmt', expr }, this.locFrom(start));
    if (expr.kind === 'TupleAccess') {
      this.fail(expr.loc, 'Tuples are immutable once created. Consider creating a new tuple and assigning it instead.');
    }
    if (expr.kind !== 'Variable' && expr.kind !== 'Map') this.syntaxError(assign, []);
    this.advance();
    const value = this.parseExpr();
    if (expr.kind === 'Variable') return this.make({ kind: 'AssignVar', target: expr, op, value }, this.locFrom(start));
    return this.make({ kind: 'AssignMap', target: expr, op, value }, this.locFrom(start));
  }

  private parseIf(): If {
    return this.nested(() => this.parseIfElse());
  }

  private parseIfElse(): If {
    const start = this.advance().start;
    const cond = this.parseExpr();
    const then = this.parseBlock(false);
    let otherwise: Block | If | null = null;
    if (this.accept('else')) otherwise = this.at('if') ? this.parseIf() : this.parseBlock(false);
    return this.make<If>({ kind: 'If', cond, then, otherwise }, this.locFrom(start));
  }

  private parseFor(): For {
    const start = this.advance().start;
    const paren = this.accept('(');
    const token = this.expect('variable');
    const variable = this.make<Variable>({ kind: 'Variable', name: token.text }, this.tokenLoc(token));
    this.expect(':');
    const rangeStart = this.peek().start;
    const first = this.parseUnary();
    let iterable: MapRef | Range;
    if (this.accept('..')) {
      const end = this.parseUnary();
      iterable = this.make<Range>({ kind: 'Range', start: first, end }, this.locFrom(rangeStart));
    } else if (first.kind === 'Map' && !first.indexed) {
      iterable = first;
    } else {
      this.fail(first.loc, 'a for loop iterates over a map (`@m`) or a range (`a..b`)');
    }
    if (paren) this.expect(')');
    const body = this.parseBlock(false);
    return this.make<For>({ kind: 'For', variable, iterable, body }, this.locFrom(start));
  }

  private parseLet(): Stmt {
    const start = this.advance().start;
    const token: Token = this.expect('variable');
    const target = this.make<Variable>({ kind: 'Variable', name: token.text }, this.tokenLoc(token));
    const type = this.accept(':') ? this.parseType() : null;
    const value = this.accept('=') ? this.parseExpr() : null;
    return this.make({ kind: 'Let', target, type, value }, this.locFrom(start));
  }
}

/** What {@link parse} returns: the AST (possibly partial when there are errors) and the diagnostics. */
export interface ParseResult {
  readonly program: Program;
  readonly diagnostics: Diagnostics;
  readonly source: SourceFile;
}

/**
 * Parses a bpftrace script. `file` names it in diagnostics (bpftrace uses `stdin` for `-e`); pass
 * `diagnostics` to collect into an existing collector. Check `diagnostics.hasErrors()` before using
 * the program: after a syntax error it holds only what could be parsed.
 */
export function parse(text: string, file: string = STDIN_FILE_NAME, diagnostics?: Diagnostics): ParseResult {
  const source = new SourceFile(file, text);
  const diags = diagnostics ?? new Diagnostics();
  diags.addSource(source);
  const program = new Parser(source, diags).parseProgram();
  return { program, diagnostics: diags, source };
}

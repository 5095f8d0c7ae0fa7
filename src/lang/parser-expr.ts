/**
 * Expressions and written types. Precedence is C's, lowest first: `?:` (right-associative), `||`,
 * `&&`, `|`, `^`, `&`, `== !=`, `< > <= >=`, `<< >>`, `+ -`, `* / %`, then prefix operators
 * (`! ~ - * & ++ --` and casts) and postfix ones (`.f`, `->f`, `.N`, `[i]`, `++`, `--`).
 */
import type {
  Block,
  BinaryOp,
  Expr,
  MapRef,
  NamedType,
  TypeSpec,
  UnaryOp,
  Variable,
} from './ast.js';
import { ParserBase } from './parser-base.js';
import { isKeyword } from './tokens.js';
import type { Token, TokenKind } from './tokens.js';

const BINARY_PRECEDENCE: Partial<Record<TokenKind, number>> = {
  '||': 1,
  '&&': 2,
  '|': 3,
  '^': 4,
  '&': 5,
  '==': 6,
  '!=': 6,
  '<': 7,
  '>': 7,
  '<=': 7,
  '>=': 7,
  '<<': 8,
  '>>': 8,
  '+': 9,
  '-': 9,
  '*': 10,
  '/': 10,
  '%': 10,
};

const UNARY_OPS: ReadonlySet<TokenKind> = new Set<TokenKind>(['!', '~', '-', '*', '&']);

/** Tokens that can only start an operand, so `(name)` before them is a cast. */
const OPERAND_START: ReadonlySet<TokenKind> = new Set<TokenKind>([
  'ident',
  'builtin',
  'int',
  'string',
  'variable',
  'param',
  'param_count',
  'map',
  '(',
  '!',
  '~',
  'true',
  'false',
  'sizeof',
  'offsetof',
]);

const INT_TYPE = /^u?int(8|16|32|64)$/;
const OTHER_TYPES: ReadonlySet<string> = new Set(['bool', 'string', 'inet', 'buffer', 'void', 'timestamp']);

/** Whether `name` is certainly a type (so `(name) - x` is a cast, not a subtraction). */
export function isKnownTypeName(name: string): boolean {
  return INT_TYPE.test(name) || OTHER_TYPES.has(name) || name.endsWith('_t');
}

/** Whether a token can name a field after `.` or `->` (keywords are allowed: `args.if`). */
function isFieldName(token: Token): boolean {
  return token.kind === 'ident' || token.kind === 'builtin' || isKeyword(token.kind);
}

/** Parses expressions and types; the statement layer builds on it. */
export abstract class ExprParser extends ParserBase {
  /** Parses a full expression (including `?:`). */
  protected parseExpr(): Expr {
    return this.nested(() => this.parseTernary());
  }

  private parseTernary(): Expr {
    const start = this.peek().start;
    const cond = this.parseBinary(1);
    if (!this.accept('?')) return cond;
    const then = this.parseExpr();
    this.expect(':');
    const otherwise = this.parseExpr();
    return this.make({ kind: 'Ternary', cond, then, otherwise }, this.locFrom(start));
  }

  /** Precedence climbing over the binary operators at or above `minPrecedence`. */
  protected parseBinary(minPrecedence: number): Expr {
    const start = this.peek().start;
    let left = this.parseUnary();
    for (;;) {
      const token = this.peek();
      const precedence = BINARY_PRECEDENCE[token.kind];
      if (precedence === undefined || precedence < minPrecedence) return left;
      this.advance();
      const right = this.parseBinary(precedence + 1);
      const op = token.kind as BinaryOp;
      left = this.make({ kind: 'Binary', op, left, right, opLoc: this.tokenLoc(token) }, this.locFrom(start));
    }
  }

  /** Prefix operators, casts, and postfix expressions. */
  protected parseUnary(): Expr {
    return this.nested(() => this.parseUnaryOrPostfix());
  }

  private parseUnaryOrPostfix(): Expr {
    const token = this.peek();
    if (UNARY_OPS.has(token.kind)) {
      this.advance();
      const operand = this.parseUnary();
      return this.make({ kind: 'Unary', op: token.kind as UnaryOp, operand }, this.locFrom(token.start));
    }
    if (token.kind === '++' || token.kind === '--') {
      this.advance();
      const target = this.parseUnary();
      const op = token.kind;
      if (target.kind !== 'Variable' && target.kind !== 'Map') {
        this.fail(this.tokenLoc(token), `The ${op} operator must be applied to a map or variable`);
      }
      return this.make({ kind: 'Update', op, prefix: true, target }, this.locFrom(token.start));
    }
    if (token.kind === '(') {
      const { expr, cast } = this.parseParenOrCast();
      return cast ? expr : this.parsePostfix(expr, token.start);
    }
    return this.parsePostfix(this.parsePrimary(), token.start);
  }

  /** `( ... )`: a cast, an empty tuple, a tuple, or a parenthesised expression. */
  private parseParenOrCast(): { expr: Expr; cast: boolean } {
    const open = this.advance();
    if (this.accept(')')) return { expr: this.make({ kind: 'Tuple', elems: [] }, this.locFrom(open.start)), cast: false };
    const saved = this.mark();
    const type = this.tryParseType();
    if (type && this.at(')')) {
      this.advance();
      if (this.isCast(type)) {
        const expr = this.parseUnary();
        return { expr: this.make({ kind: 'Cast', type, expr }, this.locFrom(open.start)), cast: true };
      }
    }
    this.reset(saved);
    const first = this.parseExpr();
    if (!this.accept(',')) {
      this.expect(')');
      return { expr: first, cast: false };
    }
    const elems = [first];
    while (!this.at(')')) {
      elems.push(this.parseExpr());
      if (!this.accept(',')) break;
    }
    this.expect(')');
    return { expr: this.make({ kind: 'Tuple', elems }, this.locFrom(open.start)), cast: false };
  }

  /** After `(type)`: whether the next token makes it a cast rather than a parenthesised name. */
  private isCast(type: TypeSpec): boolean {
    const next = this.peek().kind;
    if (type.kind !== 'NamedType' || type.keyword !== null) return OPERAND_START.has(next) || UNARY_OPS.has(next);
    if (OPERAND_START.has(next)) return true;
    // `(x) - 1`, `(x) * p`, `(x) & m`: a cast only if `x` is certainly a type (bpftrace's CastOrBinop).
    return (UNARY_OPS.has(next) || next === '++' || next === '--') && isKnownTypeName(type.name);
  }

  /** Postfix operators applied to `expr`, which started at offset `start`. */
  protected parsePostfix(expr: Expr, start: number): Expr {
    let result = expr;
    for (;;) {
      const token = this.peek();
      if (token.kind === '.' || token.kind === '->') {
        this.advance();
        const name = this.peek();
        if (token.kind === '.' && name.kind === 'int') {
          this.advance();
          const index = Number(name.intValue ?? 0n);
          result = this.make({ kind: 'TupleAccess', expr: result, index }, this.locFrom(start));
        } else if (isFieldName(name)) {
          this.advance();
          const arrow = token.kind === '->';
          result = this.make({ kind: 'FieldAccess', expr: result, field: name.text, arrow }, this.locFrom(start));
        } else {
          this.syntaxError(name, ['identifier']);
        }
      } else if (token.kind === '[') {
        this.advance();
        const index = this.parseExpr();
        this.expect(']');
        result = this.make({ kind: 'Index', expr: result, index }, this.locFrom(start));
      } else if (token.kind === '++' || token.kind === '--') {
        if (result.kind !== 'Variable' && result.kind !== 'Map') {
          this.fail(this.tokenLoc(token), `The ${token.kind} operator must be applied to a map or variable`);
        }
        this.advance();
        result = this.make({ kind: 'Update', op: token.kind, prefix: false, target: result }, this.locFrom(start));
      } else {
        return result;
      }
    }
  }

  /** Literals, names, calls, maps, block expressions, `sizeof` and `offsetof`. */
  protected parsePrimary(): Expr {
    const token = this.peek();
    const loc = this.tokenLoc(token);
    switch (token.kind) {
      case 'int':
        this.advance();
        return this.make({ kind: 'Integer', value: token.intValue ?? 0n, text: token.text }, loc);
      case 'string':
        this.advance();
        return this.make(
          { kind: 'String', value: token.stringValue ?? '', bytes: token.stringBytes ?? new Uint8Array() },
          loc,
        );
      case 'true':
      case 'false':
        this.advance();
        return this.make({ kind: 'Bool', value: token.kind === 'true' }, loc);
      case 'builtin':
      case 'ident':
        this.advance();
        if (this.at('(')) return this.parseCall(token);
        if (token.kind === 'builtin') return this.make({ kind: 'Builtin', name: token.text }, loc);
        return this.make({ kind: 'Identifier', name: token.text }, loc);
      case 'variable':
        this.advance();
        return this.make<Variable>({ kind: 'Variable', name: token.text }, loc);
      case 'param': {
        this.advance();
        const index = Number(token.text.slice(1));
        if (!Number.isSafeInteger(index) || index < 1) {
          this.fail(loc, `param ${token.text} is out of integer range [1, 9223372036854775807]`);
        }
        return this.make({ kind: 'PositionalParam', index }, loc);
      }
      case 'param_count':
        this.advance();
        return this.make({ kind: 'ParamCount' }, loc);
      case 'map':
        return this.parseMap();
      case '{':
        return this.parseBlock(true);
      case 'sizeof':
        return this.parseSizeof();
      case 'offsetof':
        return this.parseOffsetof();
      case '(':
        return this.parseParenOrCast().expr;
      default:
        return this.syntaxError(token, []);
    }
  }

  /** `@name` or `@name[k1, k2, ...]`. */
  protected parseMap(): MapRef {
    const token = this.expect('map');
    if (!this.accept('[')) return this.make({ kind: 'Map', name: token.text, keys: [], indexed: false }, this.tokenLoc(token));
    if (this.at(']')) this.syntaxError(this.peek(), []);
    const keys = this.parseList(']');
    return this.make({ kind: 'Map', name: token.text, keys, indexed: true }, this.locFrom(token.start));
  }

  /** `name(args)` after `name`. */
  private parseCall(name: Token): Expr {
    this.expect('(');
    const args = this.parseList(')');
    return this.make({ kind: 'Call', name: name.text, args }, this.locFrom(name.start));
  }

  /** Comma-separated expressions up to and including `close`. */
  protected parseList(close: ')' | ']'): Expr[] {
    const list: Expr[] = [];
    if (this.accept(close)) return list;
    for (;;) {
      list.push(this.parseExpr());
      if (this.accept(',')) continue;
      const token = this.peek();
      if (token.kind !== close) this.syntaxError(token, [',', close]);
      this.advance();
      return list;
    }
  }

  private parseSizeof(): Expr {
    const start = this.advance().start;
    this.expect('(');
    const arg = this.parseTypeOrExpr();
    this.expect(')');
    return this.make({ kind: 'Sizeof', arg }, this.locFrom(start));
  }

  private parseOffsetof(): Expr {
    const start = this.advance().start;
    this.expect('(');
    const arg = this.parseTypeOrExpr();
    this.expect(',');
    const fields: string[] = [];
    do {
      const name = this.peek();
      if (!isFieldName(name)) this.syntaxError(name, ['identifier']);
      fields.push(this.advance().text);
    } while (this.accept('.'));
    this.expect(')');
    return this.make({ kind: 'Offsetof', arg, fields }, this.locFrom(start));
  }

  /** A type when the text is certainly one (`struct x`, `uint32`, `T *`), else an expression. */
  private parseTypeOrExpr(): TypeSpec | Expr {
    const saved = this.mark();
    const type = this.tryParseType();
    if (type && (this.at(')') || this.at(',')) && (type.kind !== 'NamedType' || type.keyword || isKnownTypeName(type.name))) {
      return type;
    }
    this.reset(saved);
    return this.parseExpr();
  }

  /** Parses a written type, or reports a syntax error. */
  protected parseType(): TypeSpec {
    const token = this.peek();
    const type = this.tryParseType();
    if (!type) this.syntaxError(token, ['type']);
    return type;
  }

  /**
   * Parses `[const] name`, `struct|union|enum name`, followed by any `*` and `[N]`/`[]`, or returns
   * null (reporting nothing) when the text is not a type.
   */
  protected tryParseType(): TypeSpec | null {
    const start = this.peek().start;
    while (this.at('ident') && /^(const|volatile|restrict)$/.test(this.peek().text) && this.peekSecond() === 'ident') {
      this.advance();
    }
    const first = this.peek();
    if (first.kind !== 'ident') return null;
    this.advance();
    let keyword: NamedType['keyword'] = null;
    let name = first.text;
    if (name === 'struct' || name === 'union' || name === 'enum') {
      const tag = this.peek();
      if (tag.kind !== 'ident' && tag.kind !== 'builtin') return null;
      this.advance();
      keyword = name;
      name = tag.text;
    }
    let type: TypeSpec = this.make<NamedType>({ kind: 'NamedType', name, keyword }, this.locFrom(start));
    for (;;) {
      if (this.at('*')) {
        this.advance();
        type = this.make({ kind: 'PointerType', pointee: type }, this.locFrom(start));
      } else if (this.at('[')) {
        const saved = this.mark();
        this.advance();
        const size = this.accept('int');
        if (!this.accept(']')) {
          this.reset(saved);
          return null;
        }
        type = this.make({ kind: 'ArrayType', element: type, size: size ? Number(size.intValue ?? 0n) : null }, this.locFrom(start));
      } else {
        return type;
      }
    }
  }

  /**
   * `{ stmts }`. With `asExpression`, a last expression without `;` becomes the block's value;
   * otherwise it is kept as a statement. Provided by the statement layer.
   */
  protected abstract parseBlock(asExpression: boolean): Block;
}

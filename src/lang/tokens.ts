/** Token kinds of the bpftrace language and the names syntax errors use for them. */

/** Reserved words; elsewhere they are still accepted as field names (`args.if`). */
export const KEYWORDS = [
  'break',
  'config',
  'continue',
  'else',
  'false',
  'fn',
  'for',
  'if',
  'import',
  'let',
  'macro',
  'offsetof',
  'return',
  'sizeof',
  'true',
  'unroll',
  'while',
] as const;

/** A reserved word. */
export type Keyword = (typeof KEYWORDS)[number];

/** Operators and punctuation, longest first (the lexer matches greedily in this order). */
export const PUNCTUATORS = [
  '<<=',
  '>>=',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<<',
  '>>',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '++',
  '--',
  '->',
  '..',
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  ';',
  ',',
  ':',
  '?',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '&',
  '|',
  '^',
  '!',
  '~',
  '.',
] as const;

/** An operator or punctuation token's text. */
export type Punctuator = (typeof PUNCTUATORS)[number];

/**
 * What a token is. Keywords and punctuators are their own kinds (`tok.kind === '{'`); `endpred` is a
 * `/` that closes a predicate (followed by optional space and `{` or `/`, as in bpftrace's lexer).
 */
export type TokenKind =
  | 'ident'
  | 'builtin'
  | 'int'
  | 'string'
  | 'variable'
  | 'param'
  | 'param_count'
  | 'map'
  | 'attach_point'
  | 'preprocessor'
  | 'endpred'
  | 'eof'
  | Keyword
  | Punctuator;

/** One token: its kind, its source text and where it is (offsets into the script text). */
export interface Token {
  /** What the token is. */
  readonly kind: TokenKind;
  /** The exact source text (for `string`, with quotes and escapes). */
  readonly text: string;
  /** Offset of the first character. */
  readonly start: number;
  /** Offset one past the last character. */
  readonly end: number;
  /** For `int`: the value (0 when the literal was invalid and reported). */
  readonly intValue?: bigint;
  /** For `string`: the decoded text (escapes applied; `\xNN` above 0x7f gives U+0080-U+00FF). */
  readonly stringValue?: string;
  /** For `string`: the bytes of the literal (UTF-8 text with escaped bytes as written). */
  readonly stringBytes?: Uint8Array;
}

/**
 * Builtin variables (bpftrace's lexer `builtin` class). The parser makes `Builtin` nodes of them;
 * other identifiers become `Identifier` nodes (macros, enum values, type names) resolved later.
 */
export const BUILTINS: ReadonlySet<string> = new Set([
  ...Array.from({ length: 10 }, (_, i) => `arg${i}`),
  ...Array.from({ length: 10 }, (_, i) => `sarg${i}`),
  'args',
  'cgroup',
  'comm',
  'cpid',
  'cpu',
  'ctx',
  'curtask',
  'elapsed',
  'func',
  'gid',
  'jiffies',
  'kstack',
  'ncpus',
  'nsecs',
  'numaid',
  'pid',
  'probe',
  'rand',
  'retval',
  'tid',
  'uid',
  'username',
  'usermode',
  'ustack',
]);

/** Whether `word` names a builtin (including bpftrace's internal `__builtin_*` names). */
export function isBuiltinName(word: string): boolean {
  return BUILTINS.has(word) || word.startsWith('__builtin_');
}

const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

/** Whether `word` is a reserved word. */
export function isKeyword(word: string): word is Keyword {
  return KEYWORD_SET.has(word);
}

const KIND_NAMES: Partial<Record<TokenKind, string>> = {
  ident: 'identifier',
  builtin: 'builtin',
  int: 'integer',
  string: 'string',
  variable: 'variable',
  param: 'positional parameter',
  param_count: '$#',
  map: 'map',
  attach_point: 'attach point',
  preprocessor: 'preprocessor directive',
  endpred: 'end predicate',
  eof: 'end of file',
};

/** The name of a token kind in syntax errors, as bison names bpftrace's tokens (`}`, `identifier`). */
export function describeKind(kind: TokenKind): string {
  return KIND_NAMES[kind] ?? kind;
}

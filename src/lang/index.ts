/** The language front end: sources, diagnostics, lexer, AST and parser (pure; no I/O). */
export type * from './ast.js';
export { isTypeSpec } from './ast.js';
export { Diagnostics, renderDiagnostic, renderDiagnostics } from './diagnostics.js';
export type { Diagnostic, DiagnosticLocation, RenderOptions, Severity } from './diagnostics.js';
export { parseIntLiteral } from './int-literal.js';
export type { IntLiteralResult } from './int-literal.js';
export { Lexer, tokenize } from './lexer.js';
export { parse, splitAttachPoint } from './parser.js';
export type { ParseResult } from './parser.js';
export { isKnownTypeName } from './parser-expr.js';
export { exprToSexpr, stmtToSexpr, toSexpr, typeToString } from './sexpr.js';
export { endColumnOf, endLineOf, formatLocation, SourceFile, spanLocations, STDIN_FILE_NAME } from './source.js';
export type { SourceLocation } from './source.js';
export { BUILTINS, describeKind, isBuiltinName, isKeyword, KEYWORDS, PUNCTUATORS } from './tokens.js';
export type { Keyword, Punctuator, Token, TokenKind } from './tokens.js';
export { childrenOf, walk } from './walk.js';

/**
 * The AST of a bpftrace script. Every node has a `kind`, a numeric `id` unique within its program
 * (so passes keep types and other facts in side tables keyed by id, never on the nodes) and the
 * `loc` of the source text it came from (for diagnostics). Nodes are plain data.
 */
import type { SourceLocation } from './source.js';

/** Fields every node has. */
export interface NodeBase {
  /** Unique within the program; ids are 1..`Program.nodeCount`. */
  readonly id: number;
  /** The source text the node came from. */
  readonly loc: SourceLocation;
}

// ---- types written in scripts (casts, `let $x: T`, fn signatures, sizeof) ----

/** A type by name: `uint32`, `string`, `struct task_struct`, `union u`, `enum e`, `size_t`. */
export interface NamedType extends NodeBase {
  readonly kind: 'NamedType';
  /** The name without its keyword (`task_struct`, `uint32`). */
  readonly name: string;
  /** `struct`, `union` or `enum` when written with one, else null. */
  readonly keyword: 'struct' | 'union' | 'enum' | null;
}

/** `T *`. */
export interface PointerType extends NodeBase {
  readonly kind: 'PointerType';
  readonly pointee: TypeSpec;
}

/** `T[N]`, or `T[]` (size null); `string[16]` is a sized string, decided by the type pass. */
export interface ArrayType extends NodeBase {
  readonly kind: 'ArrayType';
  readonly element: TypeSpec;
  readonly size: number | null;
}

/** A written type. */
export type TypeSpec = NamedType | PointerType | ArrayType;

// ---- expressions ----

/** An integer literal; `value` is already scaled by a duration suffix (`5ms` is 5000000). */
export interface IntegerLit extends NodeBase {
  readonly kind: 'Integer';
  readonly value: bigint;
  /** The literal as written (`1_000`, `0x10`, `5ms`). */
  readonly text: string;
}

/** A string literal. */
export interface StringLit extends NodeBase {
  readonly kind: 'String';
  /** Decoded text; `\xNN` above 0x7f appears as U+0080-U+00FF. */
  readonly value: string;
  /** The exact bytes (UTF-8 text, escaped bytes as written), without a terminating NUL. */
  readonly bytes: Uint8Array;
}

/** `true` / `false`. */
export interface BoolLit extends NodeBase {
  readonly kind: 'Bool';
  readonly value: boolean;
}

/** A builtin variable: `pid`, `comm`, `args`, `arg0`, `retval`, ... (see `BUILTINS`). */
export interface Builtin extends NodeBase {
  readonly kind: 'Builtin';
  readonly name: string;
}

/** A bare identifier: a macro without arguments, an enum value, a stack mode (`perf`). */
export interface Identifier extends NodeBase {
  readonly kind: 'Identifier';
  readonly name: string;
}

/** `$1`, `$2`, ... */
export interface PositionalParam extends NodeBase {
  readonly kind: 'PositionalParam';
  /** 1-based parameter number. */
  readonly index: number;
}

/** `$#`, the number of positional parameters. */
export interface ParamCount extends NodeBase {
  readonly kind: 'ParamCount';
}

/** A scratch variable `$name`. */
export interface Variable extends NodeBase {
  readonly kind: 'Variable';
  /** With the sigil: `$x`. */
  readonly name: string;
}

/**
 * A map, `@name` or `@`, read or written with `keys` (empty for a scalar map). `@m[a, b]` has two
 * keys; bpftrace treats them as one tuple key.
 */
export interface MapRef extends NodeBase {
  readonly kind: 'Map';
  /** With the sigil: `@bytes`, or `@` for the unnamed map. */
  readonly name: string;
  readonly keys: readonly Expr[];
  /** Whether `[...]` was written (false for `@m`, true for `@m[k]`). */
  readonly indexed: boolean;
}

/** Prefix operators. `*` dereferences; `&` takes an address. */
export type UnaryOp = '!' | '~' | '-' | '*' | '&';

/** `op operand`. */
export interface Unary extends NodeBase {
  readonly kind: 'Unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
}

/** `++x`, `x++`, `--x`, `x--` on a variable or map. */
export interface Update extends NodeBase {
  readonly kind: 'Update';
  readonly op: '++' | '--';
  /** True for `++x` (value after the update), false for `x++`. */
  readonly prefix: boolean;
  readonly target: Variable | MapRef;
}

/** Binary operators, in C precedence order from lowest. */
export type BinaryOp = '||' | '&&' | '|' | '^' | '&' | '==' | '!=' | '<' | '>' | '<=' | '>=' | '<<' | '>>' | '+' | '-' | '*' | '/' | '%';

/** `left op right`. */
export interface Binary extends NodeBase {
  readonly kind: 'Binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  /** Location of the operator itself (bpftrace reports binary-operator errors there). */
  readonly opLoc: SourceLocation;
}

/** `cond ? then : otherwise`. */
export interface Ternary extends NodeBase {
  readonly kind: 'Ternary';
  readonly cond: Expr;
  readonly then: Expr;
  readonly otherwise: Expr;
}

/** `(type) expr`. */
export interface Cast extends NodeBase {
  readonly kind: 'Cast';
  readonly type: TypeSpec;
  readonly expr: Expr;
}

/** `expr.field` or `expr->field`. */
export interface FieldAccess extends NodeBase {
  readonly kind: 'FieldAccess';
  readonly expr: Expr;
  readonly field: string;
  /** True for `->`. */
  readonly arrow: boolean;
}

/** `tuple.N`. */
export interface TupleAccess extends NodeBase {
  readonly kind: 'TupleAccess';
  readonly expr: Expr;
  readonly index: number;
}

/** `expr[index]` on an array or pointer (map keys are `MapRef.keys`). */
export interface IndexAccess extends NodeBase {
  readonly kind: 'Index';
  readonly expr: Expr;
  readonly index: Expr;
}

/** `name(args)`: a builtin function, macro or subprogram call. */
export interface Call extends NodeBase {
  readonly kind: 'Call';
  readonly name: string;
  readonly args: readonly Expr[];
}

/** `(a, b)`, `(a,)`, `()`. */
export interface Tuple extends NodeBase {
  readonly kind: 'Tuple';
  readonly elems: readonly Expr[];
}

/** `sizeof(type)` or `sizeof(expr)`. */
export interface Sizeof extends NodeBase {
  readonly kind: 'Sizeof';
  readonly arg: TypeSpec | Expr;
}

/** `offsetof(type, a.b)` or `offsetof(expr, a.b)`. */
export interface Offsetof extends NodeBase {
  readonly kind: 'Offsetof';
  readonly arg: TypeSpec | Expr;
  /** The field path, outermost first. */
  readonly fields: readonly string[];
}

/** Every expression. */
export type Expr =
  | IntegerLit
  | StringLit
  | BoolLit
  | Builtin
  | Identifier
  | PositionalParam
  | ParamCount
  | Variable
  | MapRef
  | Unary
  | Update
  | Binary
  | Ternary
  | Cast
  | FieldAccess
  | TupleAccess
  | IndexAccess
  | Call
  | Tuple
  | Sizeof
  | Offsetof
  | Block;

// ---- statements ----

/**
 * `{ stmts }`. As a probe, loop or `if` body `value` is always null (a last expression without `;`
 * is an `ExprStmt`); as an expression (`let $a = { let $b = 1; $b }`) or a macro body, `value` is the
 * trailing expression, or null when the block has none.
 */
export interface Block extends NodeBase {
  readonly kind: 'Block';
  readonly stmts: readonly Stmt[];
  readonly value: Expr | null;
}

/** An expression evaluated for its effect: `printf(...)`, `delete(@m[k])`, `@x++`. */
export interface ExprStmt extends NodeBase {
  readonly kind: 'ExprStmt';
  readonly expr: Expr;
}

/** Operators of compound assignments (`+=` is `'+'`). */
export type CompoundOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>';

/** `$x = e` or `$x op= e` (`op` null for plain `=`). */
export interface AssignVar extends NodeBase {
  readonly kind: 'AssignVar';
  readonly target: Variable;
  readonly op: CompoundOp | null;
  readonly value: Expr;
}

/** `@m = e`, `@m[k] = e`, or the compound forms (`op` null for plain `=`). */
export interface AssignMap extends NodeBase {
  readonly kind: 'AssignMap';
  readonly target: MapRef;
  readonly op: CompoundOp | null;
  readonly value: Expr;
}

/** `let $x`, `let $x: T`, `let $x = e`, `let $x: T = e`. */
export interface Let extends NodeBase {
  readonly kind: 'Let';
  readonly target: Variable;
  readonly type: TypeSpec | null;
  readonly value: Expr | null;
}

/** `_ = e`: evaluates `e` and silences the unused-value warning. */
export interface Discard extends NodeBase {
  readonly kind: 'Discard';
  readonly expr: Expr;
}

/** `if (cond) {...} [else {...} | else if ...]`. */
export interface If extends NodeBase {
  readonly kind: 'If';
  readonly cond: Expr;
  readonly then: Block;
  /** An `else` block, a chained `else if`, or null. */
  readonly otherwise: Block | If | null;
}

/** `while (cond) {...}` (deprecated in bpftrace in favour of `for`). */
export interface While extends NodeBase {
  readonly kind: 'While';
  readonly cond: Expr;
  readonly body: Block;
}

/** `unroll (N) {...}`; `count` is an integer literal or a positional parameter. */
export interface Unroll extends NodeBase {
  readonly kind: 'Unroll';
  readonly count: Expr;
  readonly body: Block;
}

/** `start..end` in a `for` loop (end exclusive). */
export interface Range extends NodeBase {
  readonly kind: 'Range';
  readonly start: Expr;
  readonly end: Expr;
}

/** `for ($kv : @map) {...}` or `for ($i : a..b) {...}`. */
export interface For extends NodeBase {
  readonly kind: 'For';
  readonly variable: Variable;
  /** A map without keys, or a range. */
  readonly iterable: MapRef | Range;
  readonly body: Block;
}

/** `break`. */
export interface Break extends NodeBase {
  readonly kind: 'Break';
}

/** `continue`. */
export interface Continue extends NodeBase {
  readonly kind: 'Continue';
}

/** `return` or `return e`. */
export interface Return extends NodeBase {
  readonly kind: 'Return';
  readonly value: Expr | null;
}

/** Every statement. */
export type Stmt = ExprStmt | AssignVar | AssignMap | Let | Discard | If | While | Unroll | For | Break | Continue | Return | Block;

// ---- top level ----

/** One attach point as written: `kprobe:tcp_*`, `uprobe:/bin/bash:readline`, `BEGIN`. */
export interface AttachPoint extends NodeBase {
  readonly kind: 'AttachPoint';
  /** The raw text, quotes included (`uprobe:./a.out:"f()"`); may contain `$1` and wildcards. */
  readonly raw: string;
  /** `raw` split at `:` outside quotes, quotes removed: `['uprobe', './a.out', 'f()']`. */
  readonly parts: readonly string[];
}

/** `attach_points /predicate/ { body }`. */
export interface Probe extends NodeBase {
  readonly kind: 'Probe';
  readonly attachPoints: readonly AttachPoint[];
  readonly predicate: Expr | null;
  readonly body: Block;
}

/** One `name = value` in a config block; the value is an integer, string, identifier or bool. */
export interface ConfigEntry extends NodeBase {
  readonly kind: 'ConfigEntry';
  readonly name: string;
  readonly value: IntegerLit | StringLit | Identifier | BoolLit;
}

/** `config = { name = value; ... }` in the preamble. */
export interface Config extends NodeBase {
  readonly kind: 'Config';
  readonly entries: readonly ConfigEntry[];
}

/** A C preprocessor line in the preamble: `#include <linux/sched.h>`, `#define RED 1`. */
export interface Preprocessor extends NodeBase {
  readonly kind: 'Preprocessor';
  /** The whole line, from `#`. */
  readonly text: string;
  /** The directive without `#`: `include`, `define`, ... */
  readonly directive: string;
  /** For `#define NAME value`: the name, else null. */
  readonly defineName: string | null;
  /** For `#define NAME value`: the value text (trimmed), else null. */
  readonly defineValue: string | null;
}

/** A C type definition in the preamble (`struct S { int x; }`), kept as raw text. */
export interface CDefinition extends NodeBase {
  readonly kind: 'CDefinition';
  readonly text: string;
}

/** `import "path";`. */
export interface Import extends NodeBase {
  readonly kind: 'Import';
  readonly path: string;
}

/** A macro parameter: `$a` (a variable to bind), `@m` (a map) or `x` (an expression). */
export type MacroParam = Variable | MapRef | Identifier;

/** `macro name(params) { body }`; the body's `value` is the macro's value, if any. */
export interface Macro extends NodeBase {
  readonly kind: 'Macro';
  readonly name: string;
  readonly params: readonly MacroParam[];
  readonly body: Block;
}

/** One `$name: type` parameter of a subprogram. */
export interface SubprogParam extends NodeBase {
  readonly kind: 'SubprogParam';
  readonly variable: Variable;
  readonly type: TypeSpec;
}

/** `fn name($a: T, ...): R { body }`. */
export interface Subprog extends NodeBase {
  readonly kind: 'Subprog';
  readonly name: string;
  readonly params: readonly SubprogParam[];
  readonly returnType: TypeSpec;
  readonly body: Block;
}

/** `let @name = hash(N);` in the preamble. */
export interface MapDecl extends NodeBase {
  readonly kind: 'MapDecl';
  /** With the sigil: `@a`. */
  readonly name: string;
  /** The map type: `hash`, `lruhash`, `percpuhash`, `percpulruhash`, `percpuarray`, ... */
  readonly mapType: string;
  readonly maxEntries: bigint;
}

/** A whole script. Top-level items are kept in lists by kind, each in source order. */
export interface Program extends NodeBase {
  readonly kind: 'Program';
  readonly preprocessor: readonly Preprocessor[];
  readonly cDefinitions: readonly CDefinition[];
  readonly config: Config | null;
  readonly imports: readonly Import[];
  readonly macros: readonly Macro[];
  readonly subprogs: readonly Subprog[];
  readonly mapDecls: readonly MapDecl[];
  readonly probes: readonly Probe[];
  /** The highest node id in this program; a pass that adds nodes numbers them from `nodeCount + 1`. */
  readonly nodeCount: number;
}

/** Every node kind. */
export type Node =
  | Program
  | Probe
  | AttachPoint
  | Config
  | ConfigEntry
  | Preprocessor
  | CDefinition
  | Import
  | Macro
  | Subprog
  | SubprogParam
  | MapDecl
  | Stmt
  | Expr
  | Range
  | TypeSpec;

/** Whether `node` is a written type rather than an expression (the argument of `sizeof`/`offsetof`). */
export function isTypeSpec(node: TypeSpec | Expr): node is TypeSpec {
  return node.kind === 'NamedType' || node.kind === 'PointerType' || node.kind === 'ArrayType';
}

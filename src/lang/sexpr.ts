/**
 * A compact s-expression rendering of the AST, for tests and `--dump-ast` style debugging:
 *
 * ```
 * (probe tracepoint:syscalls:sys_enter_openat (call printf "%s %s\n" comm (call str (field args filename))))
 * ```
 *
 * Scalar maps print as `@m`, keyed ones as `(map @m k1 k2)`; types print in C syntax inside `<>`;
 * strings print JSON-escaped.
 */
import type { Block, Expr, Node, Stmt, TypeSpec } from './ast.js';

/** Renders a written type in C syntax: `struct task_struct *`, `int8[4]`. */
export function typeToString(type: TypeSpec): string {
  switch (type.kind) {
    case 'NamedType':
      return type.keyword ? `${type.keyword} ${type.name}` : type.name;
    case 'PointerType': {
      const inner = typeToString(type.pointee);
      return inner.endsWith('*') ? `${inner}*` : `${inner} *`;
    }
    case 'ArrayType':
      return `${typeToString(type.element)}[${type.size ?? ''}]`;
  }
}

function list(head: string, items: readonly string[]): string {
  return items.length === 0 ? `(${head})` : `(${head} ${items.join(' ')})`;
}

function blockItems(block: Block): string[] {
  const items = block.stmts.map(stmtToSexpr);
  if (block.value) items.push(list('value', [exprToSexpr(block.value)]));
  return items;
}

/** Renders an expression. */
export function exprToSexpr(e: Expr): string {
  switch (e.kind) {
    case 'Integer':
      return e.value.toString();
    case 'String':
      return JSON.stringify(e.value);
    case 'Bool':
      return String(e.value);
    case 'Builtin':
    case 'Identifier':
    case 'Variable':
      return e.name;
    case 'PositionalParam':
      return `$${e.index}`;
    case 'ParamCount':
      return '$#';
    case 'Map':
      return e.indexed ? list('map', [e.name, ...e.keys.map(exprToSexpr)]) : e.name;
    case 'Unary':
      return list(e.op, [exprToSexpr(e.operand)]);
    case 'Update':
      return list(`${e.prefix ? 'pre' : 'post'}${e.op}`, [exprToSexpr(e.target)]);
    case 'Binary':
      return list(e.op, [exprToSexpr(e.left), exprToSexpr(e.right)]);
    case 'Ternary':
      return list('?', [exprToSexpr(e.cond), exprToSexpr(e.then), exprToSexpr(e.otherwise)]);
    case 'Cast':
      return list('cast', [`<${typeToString(e.type)}>`, exprToSexpr(e.expr)]);
    case 'FieldAccess':
      return list(e.arrow ? '->' : 'field', [exprToSexpr(e.expr), e.field]);
    case 'TupleAccess':
      return list('tuple-get', [exprToSexpr(e.expr), String(e.index)]);
    case 'Index':
      return list('index', [exprToSexpr(e.expr), exprToSexpr(e.index)]);
    case 'Call':
      return list('call', [e.name, ...e.args.map(exprToSexpr)]);
    case 'Tuple':
      return list('tuple', e.elems.map(exprToSexpr));
    case 'Sizeof':
      return list('sizeof', [argToSexpr(e.arg)]);
    case 'Offsetof':
      return list('offsetof', [argToSexpr(e.arg), e.fields.join('.')]);
    case 'Block':
      return list('block', blockItems(e));
  }
}

function argToSexpr(arg: TypeSpec | Expr): string {
  return arg.kind === 'NamedType' || arg.kind === 'PointerType' || arg.kind === 'ArrayType'
    ? `<${typeToString(arg)}>`
    : exprToSexpr(arg);
}

/** Renders a statement. */
export function stmtToSexpr(s: Stmt): string {
  switch (s.kind) {
    case 'ExprStmt':
      return exprToSexpr(s.expr);
    case 'AssignVar':
    case 'AssignMap':
      return list(s.op ? `${s.op}=` : '=', [exprToSexpr(s.target), exprToSexpr(s.value)]);
    case 'Let': {
      const items = [s.target.name];
      if (s.type) items.push(`<${typeToString(s.type)}>`);
      if (s.value) items.push(exprToSexpr(s.value));
      return list('let', items);
    }
    case 'Discard':
      return list('discard', [exprToSexpr(s.expr)]);
    case 'If': {
      const items = [exprToSexpr(s.cond), list('then', blockItems(s.then))];
      if (s.otherwise) {
        items.push(list('else', s.otherwise.kind === 'If' ? [stmtToSexpr(s.otherwise)] : blockItems(s.otherwise)));
      }
      return list('if', items);
    }
    case 'While':
      return list('while', [exprToSexpr(s.cond), ...blockItems(s.body)]);
    case 'Unroll':
      return list('unroll', [exprToSexpr(s.count), ...blockItems(s.body)]);
    case 'For': {
      const it = s.iterable;
      const iterable = it.kind === 'Range' ? list('range', [exprToSexpr(it.start), exprToSexpr(it.end)]) : exprToSexpr(it);
      return list('for', [s.variable.name, iterable, ...blockItems(s.body)]);
    }
    case 'Break':
      return 'break';
    case 'Continue':
      return 'continue';
    case 'Return':
      return list('return', s.value ? [exprToSexpr(s.value)] : []);
    case 'Block':
      return list('block', blockItems(s));
  }
}

/** Renders any node; a program renders one top-level item per line. */
export function toSexpr(node: Node): string {
  switch (node.kind) {
    case 'Program':
      return [
        ...node.preprocessor.map(toSexpr),
        ...node.cDefinitions.map(toSexpr),
        ...(node.config ? [toSexpr(node.config)] : []),
        ...node.imports.map(toSexpr),
        ...node.mapDecls.map(toSexpr),
        ...node.macros.map(toSexpr),
        ...node.subprogs.map(toSexpr),
        ...node.probes.map(toSexpr),
      ].join('\n');
    case 'Probe': {
      const items = [node.attachPoints.map((ap) => ap.raw).join(',')];
      if (node.predicate) items.push(list('pred', [exprToSexpr(node.predicate)]));
      return list('probe', [...items, ...blockItems(node.body)]);
    }
    case 'AttachPoint':
      return node.raw;
    case 'Config':
      return list('config', node.entries.map(toSexpr));
    case 'ConfigEntry':
      return list(node.name, [exprToSexpr(node.value)]);
    case 'Preprocessor':
      return list('preprocessor', [JSON.stringify(node.text)]);
    case 'CDefinition':
      return list('cdef', [JSON.stringify(node.text)]);
    case 'Import':
      return list('import', [JSON.stringify(node.path)]);
    case 'MapDecl':
      return list('let', [node.name, node.mapType, node.maxEntries.toString()]);
    case 'Macro':
      return list('macro', [node.name, `(${node.params.map(exprToSexpr).join(' ')})`, ...blockItems(node.body)]);
    case 'Subprog': {
      const params = node.params.map((p) => `(${p.variable.name} <${typeToString(p.type)}>)`);
      return list('fn', [node.name, `(${params.join(' ')})`, `<${typeToString(node.returnType)}>`, ...blockItems(node.body)]);
    }
    case 'SubprogParam':
      return `(${node.variable.name} <${typeToString(node.type)}>)`;
    case 'Range':
      return list('range', [exprToSexpr(node.start), exprToSexpr(node.end)]);
    case 'NamedType':
    case 'PointerType':
    case 'ArrayType':
      return `<${typeToString(node)}>`;
    case 'ExprStmt':
    case 'AssignVar':
    case 'AssignMap':
    case 'Let':
    case 'Discard':
    case 'If':
    case 'While':
    case 'Unroll':
    case 'For':
    case 'Break':
    case 'Continue':
    case 'Return':
      return stmtToSexpr(node);
    default:
      return exprToSexpr(node);
  }
}

/** Generic traversal of the AST, so passes need not repeat the shape of every node kind. */
import type { Node } from './ast.js';

/** The direct children of `node`, in source order. */
export function childrenOf(node: Node): Node[] {
  switch (node.kind) {
    case 'Program':
      return [
        ...node.preprocessor,
        ...node.cDefinitions,
        ...(node.config ? [node.config] : []),
        ...node.imports,
        ...node.mapDecls,
        ...node.macros,
        ...node.subprogs,
        ...node.probes,
      ];
    case 'Probe':
      return [...node.attachPoints, ...(node.predicate ? [node.predicate] : []), node.body];
    case 'Config':
      return [...node.entries];
    case 'ConfigEntry':
      return [node.value];
    case 'Macro':
      return [...node.params, node.body];
    case 'Subprog':
      return [...node.params, node.returnType, node.body];
    case 'SubprogParam':
      return [node.variable, node.type];
    case 'Block':
      return [...node.stmts, ...(node.value ? [node.value] : [])];
    case 'ExprStmt':
    case 'Discard':
      return [node.expr];
    case 'AssignVar':
    case 'AssignMap':
      return [node.target, node.value];
    case 'Let':
      return [node.target, ...(node.type ? [node.type] : []), ...(node.value ? [node.value] : [])];
    case 'If':
      return [node.cond, node.then, ...(node.otherwise ? [node.otherwise] : [])];
    case 'While':
      return [node.cond, node.body];
    case 'Unroll':
      return [node.count, node.body];
    case 'For':
      return [node.variable, node.iterable, node.body];
    case 'Range':
      return [node.start, node.end];
    case 'Return':
      return node.value ? [node.value] : [];
    case 'Map':
      return [...node.keys];
    case 'Unary':
      return [node.operand];
    case 'Update':
      return [node.target];
    case 'Binary':
      return [node.left, node.right];
    case 'Ternary':
      return [node.cond, node.then, node.otherwise];
    case 'Cast':
      return [node.type, node.expr];
    case 'FieldAccess':
    case 'TupleAccess':
      return [node.expr];
    case 'Index':
      return [node.expr, node.index];
    case 'Call':
      return [...node.args];
    case 'Tuple':
      return [...node.elems];
    case 'Sizeof':
    case 'Offsetof':
      return [node.arg];
    case 'PointerType':
      return [node.pointee];
    case 'ArrayType':
      return [node.element];
    case 'AttachPoint':
    case 'Preprocessor':
    case 'CDefinition':
    case 'Import':
    case 'MapDecl':
    case 'Break':
    case 'Continue':
    case 'Integer':
    case 'String':
    case 'Bool':
    case 'Builtin':
    case 'Identifier':
    case 'PositionalParam':
    case 'ParamCount':
    case 'Variable':
    case 'NamedType':
      return [];
  }
}

/**
 * Visits `node` and its descendants depth-first, parents before children. Returning `false` from
 * `visit` skips the children of that node.
 */
export function walk(node: Node, visit: (node: Node, parent: Node | null) => boolean | void): void {
  const go = (n: Node, parent: Node | null): void => {
    if (visit(n, parent) === false) return;
    for (const child of childrenOf(n)) go(child, n);
  };
  go(node, null);
}

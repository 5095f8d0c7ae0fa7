/**
 * C-like spelling of BTF types: `struct open_how *`, `const char __user *`, `unsigned int[16]`,
 * `int (*)(void *, long)`. Used in diagnostics and `-v` output, never parsed back.
 *
 * C declarators read inside-out, so rendering threads the declarator built so far (`inner`) down
 * to the base type: a pointer prepends `*`, an array appends `[n]`, a prototype appends `(params)`,
 * and a pointer to an array or function wraps what it has in parentheses.
 */

import type { BtfType, BtfTypeLookup } from './types.js';
import {
  BTF_KIND_ARRAY,
  BTF_KIND_CONST,
  BTF_KIND_DATASEC,
  BTF_KIND_DECL_TAG,
  BTF_KIND_ENUM,
  BTF_KIND_ENUM64,
  BTF_KIND_FLOAT,
  BTF_KIND_FUNC,
  BTF_KIND_FUNC_PROTO,
  BTF_KIND_FWD,
  BTF_KIND_INT,
  BTF_KIND_PTR,
  BTF_KIND_RESTRICT,
  BTF_KIND_STRUCT,
  BTF_KIND_TYPE_TAG,
  BTF_KIND_TYPEDEF,
  BTF_KIND_UNION,
  BTF_KIND_UNKN,
  BTF_KIND_VAR,
  BTF_KIND_VOLATILE,
} from './uapi.js';

/** Malformed BTF can contain reference loops; stop following them after this many steps. */
const MAX_DEPTH = 64;

const QUALIFIER_START = /^(?:const|volatile|restrict|__[A-Za-z_]\w*)\b/;
const IDENTIFIER = /^[A-Za-z_]\w*$/;

/** Returns a readable C spelling of type `id`, e.g. `struct open_how *` or `unsigned int[16]`. */
export function formatTypeName(btf: BtfTypeLookup, id: number): string {
  return render(btf, id, '', 0);
}

/** A declaration of `name` with type `id` as C spells it (`int *p`, `char comm[16]`, `void (*fn)(int)`). */
export function formatDeclaration(btf: BtfTypeLookup, id: number, name: string): string {
  return render(btf, id, name, 0);
}

/** Joins a base type spelling and a declarator with C's spacing (`int *p`, `int[4]`, `int (*)(void)`). */
function join(base: string, inner: string): string {
  if (inner === '') return base;
  if (inner.startsWith('[')) return base + inner;
  return `${base} ${inner}`;
}

/** Spells a type tag the way kernel headers do (`__user`, `__rcu`, `__kptr`). */
function tagSpelling(name: string, attribute: boolean): string {
  if (attribute) return `__attribute__((${name}))`;
  return IDENTIFIER.test(name) ? `__${name}` : `__attribute__((btf_type_tag(${JSON.stringify(name)})))`;
}

/** Skips qualifiers and type tags to see what a qualifier ultimately applies to. */
function skipQualifiers(btf: BtfTypeLookup, id: number): BtfType {
  let t = btf.typeById(id);
  for (let i = 0; i < MAX_DEPTH; i++) {
    if (
      t.kind !== BTF_KIND_CONST &&
      t.kind !== BTF_KIND_VOLATILE &&
      t.kind !== BTF_KIND_RESTRICT &&
      t.kind !== BTF_KIND_TYPE_TAG
    ) {
      break;
    }
    t = btf.typeById(t.typeId);
  }
  return t;
}

function paramList(btf: BtfTypeLookup, params: readonly { name: string; typeId: number }[], variadic: boolean, named: boolean, depth: number): string {
  const parts = params.map((p) => render(btf, p.typeId, named ? p.name : '', depth + 1));
  if (variadic) parts.push('...');
  return parts.length === 0 ? 'void' : parts.join(', ');
}

function qualifierWord(kind: number): string {
  if (kind === BTF_KIND_CONST) return 'const';
  if (kind === BTF_KIND_VOLATILE) return 'volatile';
  return 'restrict';
}

function render(btf: BtfTypeLookup, id: number, inner: string, depth: number): string {
  if (depth > MAX_DEPTH) return join('<loop>', inner);
  const t = btf.typeById(id);
  switch (t.kind) {
    case BTF_KIND_UNKN:
      return join('void', inner);
    case BTF_KIND_INT:
    case BTF_KIND_FLOAT:
    case BTF_KIND_TYPEDEF:
      return join(t.name, inner);
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return join(`${t.kind === BTF_KIND_STRUCT ? 'struct' : 'union'} ${t.name || '{...}'}`, inner);
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      return join(`enum ${t.name || '{...}'}`, inner);
    case BTF_KIND_FWD:
      return join(`${t.fwdKind} ${t.name}`, inner);
    case BTF_KIND_PTR: {
      const target = skipQualifiers(btf, t.typeId);
      const decl = QUALIFIER_START.test(inner) ? `* ${inner}` : `*${inner}`;
      const wrap = target.kind === BTF_KIND_ARRAY || target.kind === BTF_KIND_FUNC_PROTO;
      return render(btf, t.typeId, wrap ? `(${decl})` : decl, depth + 1);
    }
    case BTF_KIND_ARRAY:
      return render(btf, t.elemTypeId, `${inner}[${t.nelems}]`, depth + 1);
    case BTF_KIND_FUNC_PROTO:
      return render(btf, t.returnTypeId, `${inner}(${paramList(btf, t.params, t.variadic, false, depth)})`, depth + 1);
    case BTF_KIND_FUNC: {
      const proto = btf.typeById(t.typeId);
      if (proto.kind !== BTF_KIND_FUNC_PROTO) return join(`<func ${t.name}>`, inner);
      const params = paramList(btf, proto.params, proto.variadic, true, depth);
      return render(btf, proto.returnTypeId, `${t.name}(${params})`, depth + 1);
    }
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT: {
      const q = qualifierWord(t.kind);
      // `const char *` for qualified base types; `char *const` when the pointer itself is qualified.
      if (skipQualifiers(btf, t.typeId).kind === BTF_KIND_PTR) {
        return render(btf, t.typeId, inner === '' ? q : `${q} ${inner}`, depth + 1);
      }
      return `${q} ${render(btf, t.typeId, inner, depth + 1)}`;
    }
    case BTF_KIND_TYPE_TAG: {
      const tag = tagSpelling(t.name, t.attribute);
      return render(btf, t.typeId, inner === '' ? tag : `${tag} ${inner}`, depth + 1);
    }
    case BTF_KIND_VAR:
      return render(btf, t.typeId, inner === '' ? t.name : inner, depth + 1);
    case BTF_KIND_DATASEC:
      return join(`SEC(${JSON.stringify(t.name)})`, inner);
    case BTF_KIND_DECL_TAG:
      return join(`__attribute__((btf_decl_tag(${JSON.stringify(t.name)})))`, inner);
  }
}

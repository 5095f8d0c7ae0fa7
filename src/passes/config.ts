/**
 * The script's `config = { ... }` block, checked as bpftrace 0.26 checks it: names are case-insensitive and may
 * carry the `BPFTRACE_` prefix of their environment variable, unknown names and names that only the
 * environment may set are errors on the name, and the license must be one the kernel accepts for GPL-only
 * helpers. Settings siesta has no use for are accepted and ignored, as bpftrace ignores what does not apply.
 */
import type { ConfigEntry, Diagnostics, Program, SourceLocation } from '../lang/index.js';

/** The settings siesta acts on, after validation. */
export interface ScriptConfig {
  max_strlen?: number;
  max_map_keys?: number;
  /** The most bytes of a file cat() prints. */
  max_cat_bytes?: number;
  /** False when `print_maps_on_exit=0`: maps are not printed when the script ends. */
  print_maps_on_exit?: boolean;
}

/** Every name bpftrace 0.26's config block accepts (without the `bpftrace_` prefix). */
const KNOWN = new Set([
  'cache_user_symbols', 'cpp_demangle', 'lazy_symbolication', 'license', 'log_size', 'max_bpf_progs', 'max_cat_bytes',
  'max_map_keys', 'max_probes', 'max_strlen', 'max_type_res_iterations', 'missing_probes', 'on_stack_limit',
  'perf_rb_pages', 'print_maps_on_exit', 'show_debug_info', 'stack_mode', 'str_trunc_trailer', 'use_blazesym',
]);

/** Settings bpftrace takes from its environment only (they act before a script is parsed). */
const ENV_ONLY = new Set(['btf', 'debug_output', 'dry_run', 'kernel_build', 'kernel_source', 'verify_llvm_ir']);

/** Licenses the kernel counts as GPL-compatible (`license_is_gpl_compatible`, include/linux/license.h). */
const GPL_COMPATIBLE = new Set(['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']);

const INTEGER_KEYS = new Set(['max_strlen', 'max_map_keys', 'max_cat_bytes']);

/** Where an entry's name is: bpftrace underlines the name alone, not `name=value`. */
function nameLoc(e: ConfigEntry): SourceLocation {
  return { ...e.loc, endLine: e.loc.line, endColumn: e.loc.column + e.name.length };
}

/** An entry's value as a number (integers and booleans), or null. */
function numberOf(e: ConfigEntry): number | null {
  if (e.value.kind === 'Integer') return Number(e.value.value);
  if (e.value.kind === 'Bool') return e.value.value ? 1 : 0;
  return null;
}

/** An entry's value as text (strings and bare words such as `raw`). */
function textOf(e: ConfigEntry): string | null {
  if (e.value.kind === 'String') return e.value.value;
  if (e.value.kind === 'Identifier') return e.value.name;
  return null;
}

/** Checks `program`'s config block, reporting problems to `diags`, and returns the settings siesta uses. */
export function readConfig(program: Program, diags: Diagnostics): ScriptConfig {
  const out: ScriptConfig = {};
  for (const e of program.config?.entries ?? []) {
    const key = e.name.toLowerCase().replace(/^bpftrace_/, '');
    if (ENV_ONLY.has(key)) {
      diags.error(nameLoc(e), `${key} can only be set as an environment variable`);
      continue;
    }
    if (!KNOWN.has(key) && !key.startsWith('unstable_')) {
      diags.error(nameLoc(e), `Unrecognized config variable: ${e.name}`);
      continue;
    }
    if (INTEGER_KEYS.has(key)) {
      const n = numberOf(e);
      if (n === null) diags.error(e.loc, `${e.name} expects an integer value`);
      else out[key as 'max_strlen' | 'max_map_keys' | 'max_cat_bytes'] = n;
    } else if (key === 'print_maps_on_exit') {
      const n = numberOf(e);
      if (n === null) diags.error(e.loc, `${e.name} expects a boolean value (0 or 1, true or false)`);
      else out.print_maps_on_exit = n !== 0;
    } else if (key === 'license') {
      const text = textOf(e);
      if (text !== null && !GPL_COMPATIBLE.has(text)) {
        diags.error(null, `Your bpftrace program cannot load because you are using a license that is non-GPL compatible. License: ${text}`);
      }
    }
  }
  return out;
}

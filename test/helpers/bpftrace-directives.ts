// bpftrace's runtime-test directive format (tests/runtime/* in the bpftrace repository), parsed the way its
// engine (tests/runtime/engine/parser.py) reads it, so scripts/bpftrace-compat.mjs can run those files with
// siesta. Test cases are blocks separated by blank lines; `#` lines are comments; a line that starts with
// as many spaces as the previous directive's name plus one continues that directive (PROG and EXPECT only).

/** How one expectation is checked against the output. */
export type ExpectMode = 'text' | 'text_none' | 'regex' | 'regex_none' | 'file' | 'json';

/** One EXPECT* directive. */
export interface Expectation {
  mode: ExpectMode;
  text: string;
}

/** One test case of a bpftrace runtime-test file. */
export interface DirectiveCase {
  /** The file's base name (bpftrace calls it the suite). */
  suite: string;
  name: string;
  /** 1-based line of the NAME directive, for messages. */
  line: number;
  run: string;
  prog: string;
  expects: Expectation[];
  timeout: number;
  befores: string[];
  after: string;
  cleanup: string;
  kernelMin: string;
  kernelMax: string;
  requires: string[];
  env: Record<string, string>;
  arch: string[];
  features: string[];
  negFeatures: string[];
  willFail: boolean;
  newPidns: boolean;
  skipIfEnvHas: [string, string] | null;
  returnCode: number | null;
}

/** A block that could not be read as a case; the rest of the file is still read. */
export interface DirectiveError {
  suite: string;
  line: number;
  message: string;
}

/** bpftrace's default TIMEOUT, in seconds. */
export const DEFAULT_TIMEOUT_S = 5;

/** Parses one runtime-test file; malformed blocks become errors instead of aborting the whole file. */
export function parseDirectives(text: string, suite: string): { cases: DirectiveCase[]; errors: DirectiveError[] } {
  const cases: DirectiveCase[] = [];
  const errors: DirectiveError[] = [];
  let block: { line: number; text: string }[] = [];
  const lines = text.split('\n');
  // A trailing newline leaves one empty string that is not a line of the file.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const flush = () => {
    if (block.length === 0) return;
    const r = parseBlock(block, suite);
    if ('message' in r) errors.push(r);
    else cases.push(r);
    block = [];
  };
  lines.forEach((raw, i) => {
    if (raw.startsWith('#')) return;
    if (raw === '') flush();
    else block.push({ line: i + 1, text: raw });
  });
  flush();
  return { cases, errors };
}

function parseBlock(block: { line: number; text: string }[], suite: string): DirectiveCase | DirectiveError {
  const c: DirectiveCase = {
    suite, name: '', line: block[0]!.line, run: '', prog: '', expects: [], timeout: DEFAULT_TIMEOUT_S, befores: [],
    after: '', cleanup: '', kernelMin: '', kernelMax: '', requires: [], env: {}, arch: [], features: [], negFeatures: [],
    willFail: false, newPidns: false, skipIfEnvHas: null, returnCode: null,
  };
  const err = (line: number, message: string): DirectiveError => ({ suite, line, message });
  let prev = '';
  for (const { line, text } of block) {
    // Continuation: the previous directive's width plus one, all blanks (parser.py strips exactly that).
    const indent = text.slice(0, prev.length + 1);
    if (prev && indent.length === prev.length + 1 && indent.trim() === '') {
      const rest = text.slice(prev.length + 1);
      if (prev === 'PROG') { c.prog += `\n${rest}`; continue; }
      const last = c.expects[c.expects.length - 1];
      if (prev === 'EXPECT' && last) { last.text += `\n${rest}`; continue; }
    }
    const words = text.trim().split(/\s+/);
    const key = words[0] ?? '';
    const value = words.slice(1).join(' ');
    prev = key;
    switch (key) {
      case 'NAME': c.name = value; break;
      case 'RUN': c.run = value; break;
      case 'PROG': c.prog = value; break;
      case 'EXPECT': c.expects.push({ mode: 'text', text: value }); break;
      case 'EXPECT_NONE': c.expects.push({ mode: 'text_none', text: value }); break;
      case 'EXPECT_REGEX': c.expects.push({ mode: 'regex', text: value }); break;
      case 'EXPECT_REGEX_NONE': c.expects.push({ mode: 'regex_none', text: value }); break;
      case 'EXPECT_FILE': c.expects.push({ mode: 'file', text: value }); break;
      case 'EXPECT_JSON': c.expects.push({ mode: 'json', text: value }); break;
      case 'TIMEOUT': {
        const n = Number(value);
        if (!Number.isFinite(n) || n <= 0) return err(line, `TIMEOUT needs a positive number of seconds, got '${value}'`);
        c.timeout = n;
        break;
      }
      case 'BEFORE': c.befores.push(value); break;
      case 'AFTER': c.after = value; break;
      case 'CLEANUP': c.cleanup = value; break;
      case 'MIN_KERNEL': c.kernelMin = value; break;
      case 'MAX_KERNEL': c.kernelMax = value; break;
      case 'REQUIRES': c.requires.push(value); break;
      case 'ENV':
        for (const kv of value.split(' ').filter(Boolean)) {
          const eq = kv.indexOf('=');
          if (eq <= 0) return err(line, `ENV needs NAME=VALUE, got '${kv}'`);
          c.env[kv.slice(0, eq)] = kv.slice(eq + 1);
        }
        break;
      case 'ARCH': c.arch = value.split('|').map((a) => a.trim()); break;
      case 'REQUIRES_FEATURE':
        for (const f of value.split(' ').filter(Boolean)) {
          if (f.startsWith('!')) c.negFeatures.push(f.slice(1));
          else c.features.push(f);
        }
        break;
      case 'WILL_FAIL': c.willFail = true; break;
      case 'NEW_PIDNS': c.newPidns = true; break;
      case 'SKIP_IF_ENV_HAS': {
        const [k, v] = value.split('=');
        if (!k || v === undefined) return err(line, `SKIP_IF_ENV_HAS needs NAME=VALUE, got '${value}'`);
        c.skipIfEnvHas = [k, v];
        break;
      }
      case 'RETURN_CODE': {
        const n = Number(value);
        if (!Number.isInteger(n)) return err(line, `RETURN_CODE needs an integer, got '${value}'`);
        c.returnCode = n;
        break;
      }
      default: return err(line, `unknown directive '${key}'`);
    }
  }
  if (!c.name) return err(c.line, 'a test needs a NAME');
  if (!c.run && !c.prog) return err(c.line, `test '${c.name}' needs RUN or PROG`);
  if (c.run && c.prog) return err(c.line, `test '${c.name}' has both RUN and PROG`);
  if (c.expects.length === 0 && c.returnCode === null) return err(c.line, `test '${c.name}' needs an EXPECT (or a variant) or RETURN_CODE`);
  if (c.expects.length > 1 && c.expects.some((e) => e.mode === 'file' || e.mode === 'json')) {
    return err(c.line, `test '${c.name}': EXPECT_FILE and EXPECT_JSON cannot be combined with other expectations`);
  }
  return c;
}

/** Escapes a string for use as a literal inside a regular expression. */
function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Checks one text or regex expectation against the whole output. `text` matches whole lines (leading
 * blanks ignored, as bpftrace's engine does); regexes are searched in multi-line mode. File and JSON
 * expectations need the test directory and are checked by the runner.
 */
export function checkExpectation(e: Expectation, output: string): boolean {
  switch (e.mode) {
    case 'text': return new RegExp(`^\\s*${escapeRegExp(e.text)}$`, 'm').test(output);
    case 'text_none': return !new RegExp(`^\\s*${escapeRegExp(e.text)}$`, 'm').test(output);
    case 'regex': return compilePythonRegex(e.text).test(output);
    case 'regex_none': return !compilePythonRegex(e.text).test(output);
    default: throw new Error(`checkExpectation: ${e.mode} expectations are checked by the runner`);
  }
}

/**
 * Translates the one part of Python's `re` syntax the runtime tests use that JavaScript lacks: the inline
 * `(?s:...)` group, approximated by the `s` flag for the whole pattern. (A `{` that starts no repetition
 * is a literal in both, since JavaScript's non-unicode mode keeps that Annex B behaviour.) A pattern that
 * still does not compile is matched as literal text.
 */
export function compilePythonRegex(pattern: string): RegExp {
  const dotAll = pattern.includes('(?s:');
  try {
    return new RegExp(pattern.replaceAll('(?s:', '(?:'), dotAll ? 'ms' : 'm');
  } catch {
    return new RegExp(escapeRegExp(pattern), 'm');
  }
}

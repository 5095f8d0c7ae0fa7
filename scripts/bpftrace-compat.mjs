// Measures siesta's compatibility with bpftrace by running bpftrace's own runtime tests (tests/runtime/* of
// the bpftrace repository, directive format NAME / PROG / RUN / EXPECT ...) with siesta in bpftrace's place.
// Those files are not part of siesta: put a copy in a scratch directory and pass it here.
//
//   node scripts/bpftrace-compat.mjs DIR [--filter SUITE[.NAME-substring]] [-v] [--jobs N]
//
// DIR holds the test files in DIR/runtime/ (or directly in DIR), and optionally bpftrace's test programs
// built in DIR/testprogs/ and its scripts in DIR/runtime/scripts/; commands run from DIR as bpftrace's
// engine runs them from tests/. Needs `npm run build` first (it uses dist/ and bin/siesta.cjs) and root.
//
// A case is skipped, with the reason, when it needs what this kernel does not offer (kprobe, fentry/fexit,
// kfunc, lsm and hardware probes; the bpftrace build features listed below), another architecture, a
// newer or older kernel, a test program or script that is not in DIR, an unmet REQUIRES command, or a new
// pid namespace. Everything else is runnable and counts in the pass rate, including features siesta does
// not have yet. The table lists passed / failed / skipped per file and the pass rate among runnable cases.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { arch, release } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const helpers = join(root, 'dist/test/helpers/bpftrace-directives.js');
if (!existsSync(helpers)) {
  process.stderr.write('bpftrace-compat: run `npm run build` first (dist/test/helpers is missing)\n');
  process.exit(2);
}
const { parseDirectives, checkExpectation } = await import(helpers);
const siesta = `${process.execPath} ${join(root, 'bin/siesta.cjs')}`;

// Probe providers (and aliases) this kernel refuses or lacks, per ../shared/KERNEL.md: no kprobes built in,
// fentry/fexit/lsm fail with EPERM, no hardware PMU.
const ABSENT_PROBES = ['kprobe', 'k', 'kretprobe', 'kr', 'fentry', 'f', 'kfunc', 'fexit', 'fr', 'kretfunc', 'lsm', 'hardware', 'h'];
const ABSENT_RE = new RegExp(`(?:^|[\\s{};,'"(])(${ABSENT_PROBES.join('|')}):`, 'm');
// REQUIRES_FEATURE names of bpftrace's --info that hold for siesta on this kernel. The rest are absent here
// (kfunc, fentry, dpath, skboutput need fentry) or belong to bpftrace's build (dwarf, blazesym, aot).
const FEATURES = new Set(['loop', 'btf', 'probe_read_kernel', 'signal', 'get_func_ip', 'jiffies64', 'get_tai_ns',
  'lookup_percpu_elem', 'uprobe_multi', 'uprobe_refcount', 'libpath_resolv']);

function parseArgs(argv) {
  const o = { dir: '', filter: '', verbose: false, jobs: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-v') o.verbose = true;
    else if (a === '--filter') o.filter = argv[++i] ?? '';
    else if (a === '--jobs') o.jobs = Math.max(1, Number(argv[++i]) || 1);
    else if (a === '-h' || a === '--help') { process.stdout.write(`usage: node scripts/bpftrace-compat.mjs DIR [--filter SUITE[.NAME]] [-v] [--jobs N]\n`); process.exit(0); }
    else if (!o.dir) o.dir = a;
    else { process.stderr.write(`bpftrace-compat: unexpected argument '${a}'\n`); process.exit(2); }
  }
  if (!o.dir) { process.stderr.write('bpftrace-compat: give the directory holding bpftrace\'s runtime tests\n'); process.exit(2); }
  return o;
}

function kernelAtLeast(version) {
  const cur = release().split(/[.-]/).map(Number);
  const want = version.split('.').map(Number);
  for (let i = 0; i < want.length; i++) {
    const a = cur[i] ?? 0;
    const b = want[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

const ARCH = arch() === 'x64' ? 'x86_64' : arch() === 'arm64' ? 'aarch64' : arch();

/** Why a case cannot run here, or null when it can. */
function skipReason(c, cwd) {
  if (c.arch.length && !c.arch.includes(ARCH)) return `arch ${c.arch.join('|')}`;
  const text = c.prog || c.run;
  const absent = ABSENT_RE.exec(text);
  if (absent) return `probe ${absent[1]}: not on this kernel`;
  for (const f of c.features) if (!FEATURES.has(f)) return `feature ${f}`;
  for (const f of c.negFeatures) if (FEATURES.has(f)) return `feature !${f}`;
  if (c.kernelMin && !kernelAtLeast(c.kernelMin)) return `kernel < ${c.kernelMin}`;
  if (c.kernelMax && kernelAtLeast(c.kernelMax) && release().split('-')[0] !== c.kernelMax) return `kernel > ${c.kernelMax}`;
  if (c.newPidns) return 'NEW_PIDNS';
  if (c.skipIfEnvHas && process.env[c.skipIfEnvHas[0]] === c.skipIfEnvHas[1]) return 'SKIP_IF_ENV_HAS';
  const all = [text, c.after, ...c.befores, ...c.expects.map((e) => e.text)].join('\n');
  for (const m of all.matchAll(/(?:\.\/)?(testprogs\/[\w.-]+|runtime\/(?:scripts|outputs)\/[\w.-]+)/g)) {
    if (!existsSync(join(cwd, m[1]))) return `missing ${m[1]}`;
  }
  for (const r of c.requires) {
    if (spawnSync('/bin/sh', ['-c', r], { cwd, stdio: 'ignore', timeout: 10_000 }).status !== 0) return `REQUIRES ${r}`;
  }
  return null;
}

function shellQuote(s) {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Starts BEFORE commands and waits (up to the case's timeout) until each program is running. */
async function startBefores(c, cwd) {
  const procs = [];
  let pid = '';
  for (const b of c.befores) {
    procs.push(spawn('/bin/sh', ['-c', b], { cwd, stdio: 'ignore', detached: true }));
    const name = basename(b.trim().split(/\s+/).pop() ?? '');
    const deadline = Date.now() + c.timeout * 1000;
    for (;;) {
      const r = spawnSync('pidof', ['-s', name], { encoding: 'utf8' });
      if (r.status === 0) { pid = r.stdout.trim(); break; }
      if (Date.now() > deadline) throw new Error(`BEFORE '${b}' did not start`);
      await sleep(100);
    }
  }
  return { procs, pid };
}

function killGroup(p, signal) {
  if (p && p.exitCode === null && p.signalCode === null) {
    try { process.kill(-p.pid, signal); } catch { /* already gone */ }
  }
}

/** Runs one case as bpftrace's engine does: through a shell, stdout and stderr merged, AFTER once attached. */
async function runCase(c, cwd) {
  const { procs, pid } = await startBefores(c, cwd);
  let cmd = c.run ? c.run.replaceAll('{{BPFTRACE}}', siesta) : `${siesta} -e ${shellQuote(c.prog)}`;
  cmd = cmd.replaceAll('{{BEFORE_PID}}', pid);
  const env = { ...process.env, ...c.env, __BPFTRACE_NOTIFY_PROBES_ATTACHED: '1' };
  const child = spawn('/bin/sh', ['-c', `exec 2>&1; ${cmd}`], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let after = null;
  let timedOut = false;
  // Before the probes are attached the budget is bpftrace's ATTACH_TIMEOUT (5 s); then the case's TIMEOUT.
  let timer = setTimeout(onTimeout, 5000 + c.timeout * 1000);
  function onTimeout() {
    timedOut = true;
    killGroup(child, 'SIGINT');
    timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
  }
  const onData = (d) => {
    output += d.toString();
    if (!after && output.includes('__BPFTRACE_NOTIFY_PROBES_ATTACHED\n')) {
      clearTimeout(timer);
      timer = setTimeout(onTimeout, c.timeout * 1000);
      if (c.after) after = spawn('/bin/sh', ['-c', c.after], { cwd, stdio: 'ignore', detached: true, env });
      else after = true;
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise((r) => child.on('close', (status, signal) => r(status ?? (signal ? 128 : 1))));
  clearTimeout(timer);
  if (after && after !== true) killGroup(after, 'SIGKILL');
  for (const p of procs) killGroup(p, 'SIGKILL');
  if (c.cleanup) spawnSync('/bin/sh', ['-c', c.cleanup], { cwd, stdio: 'ignore', timeout: 10_000 });
  return { output, code, timedOut, cmd };
}

function judge(c, r, cwd) {
  const problems = [];
  if (c.returnCode !== null) {
    if (r.code !== c.returnCode) problems.push(`exit code ${r.code}, expected ${c.returnCode}`);
  } else if (c.willFail) {
    if (r.code === 0) problems.push('exit code 0, expected a failure');
  } else if (r.code !== 0 && !r.timedOut) problems.push(`exit code ${r.code}`);
  for (const e of c.expects) {
    if (e.mode === 'file' || e.mode === 'json') {
      const want = readFileSync(join(cwd, e.text), 'utf8');
      const got = r.output.replace(/^__BPFTRACE_NOTIFY_PROBES_ATTACHED\n/m, '');
      const ok = e.mode === 'file' ? got.trim() === want.trim() : sameJson(got, want);
      if (!ok) problems.push(`${e.mode === 'file' ? 'EXPECT_FILE' : 'EXPECT_JSON'} ${e.text} differs`);
    } else if (!checkExpectation(e, r.output)) {
      problems.push(`${{ text: 'EXPECT', text_none: 'EXPECT_NONE', regex: 'EXPECT_REGEX', regex_none: 'EXPECT_REGEX_NONE' }[e.mode]} ${e.text}`);
    }
  }
  if (r.timedOut && problems.length) problems.unshift('timed out');
  return problems;
}

function sameJson(got, want) {
  const norm = (s) => s.split('\n').filter((l) => l.trim()).map((l) => { try { return JSON.stringify(JSON.parse(l)); } catch { return l; } });
  const a = norm(got);
  const b = norm(want);
  // EXPECT_JSON files hold either one document or NDJSON.
  try { if (JSON.stringify(JSON.parse(want)) === a.join('')) return true; } catch { /* NDJSON */ }
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

/** Keeps traced output printable in the report: control characters become escapes. */
function printable(s) {
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const o = parseArgs(process.argv.slice(2));
const dir = resolve(o.dir);
const testsDir = existsSync(join(dir, 'runtime')) && statSync(join(dir, 'runtime')).isDirectory() ? join(dir, 'runtime') : dir;
const cwd = testsDir === dir ? resolve(dir, '..') : dir;
const files = readdirSync(testsDir)
  .filter((n) => !n.startsWith('.') && !n.endsWith('.py') && statSync(join(testsDir, n)).isFile())
  .sort();
const rows = [];
const failures = [];
for (const f of files) {
  const [suiteFilter, nameFilter] = o.filter ? [o.filter.split('.')[0], o.filter.split('.').slice(1).join('.')] : ['', ''];
  if (suiteFilter && suiteFilter !== f) continue;
  const { cases, errors } = parseDirectives(readFileSync(join(testsDir, f), 'utf8'), f);
  for (const e of errors) process.stderr.write(`${f}:${e.line}: ${e.message} (block ignored)\n`);
  const row = { file: f, passed: 0, failed: 0, skipped: 0 };
  const queue = cases.filter((c) => !nameFilter || c.name.includes(nameFilter));
  const work = async (c) => {
    const why = skipReason(c, cwd);
    if (why) {
      row.skipped++;
      if (o.verbose) process.stdout.write(`SKIP ${f}.${c.name}: ${why}\n`);
      return;
    }
    let problems;
    let r = { output: '', cmd: '' };
    try {
      r = await runCase(c, cwd);
      problems = judge(c, r, cwd);
    } catch (e) {
      problems = [String(e instanceof Error ? e.message : e)];
    }
    if (problems.length === 0) {
      row.passed++;
      if (o.verbose) process.stdout.write(`PASS ${f}.${c.name}\n`);
    } else {
      row.failed++;
      failures.push({ file: f, name: c.name, problems, output: r.output, cmd: r.cmd });
      if (o.verbose) {
        process.stdout.write(`FAIL ${f}.${c.name}\n  command: ${printable(r.cmd)}\n  ${problems.map(printable).join('\n  ')}\n`);
        process.stdout.write(`  output: ${printable(r.output.slice(0, 2000)).replaceAll('\n', '\n          ')}\n`);
      }
    }
  };
  for (let i = 0; i < queue.length; i += o.jobs) await Promise.all(queue.slice(i, i + o.jobs).map(work));
  rows.push(row);
}

const total = rows.reduce((t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed, skipped: t.skipped + r.skipped }), { passed: 0, failed: 0, skipped: 0 });
const width = Math.max(5, ...rows.map((r) => r.file.length));
const line = (name, r) => `${name.padEnd(width)}  ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.skipped).padStart(7)}\n`;
process.stdout.write(`\n${'file'.padEnd(width)}  passed  failed  skipped\n`);
for (const r of rows) process.stdout.write(line(r.file, r));
process.stdout.write(line('total', total));
const runnable = total.passed + total.failed;
const rate = runnable ? ((100 * total.passed) / runnable).toFixed(1) : '0.0';
process.stdout.write(`\npass rate: ${total.passed}/${runnable} runnable cases (${rate}%), ${total.skipped} skipped\n`);
if (!o.verbose && failures.length) {
  process.stdout.write('\nfailed:\n');
  for (const f of failures) process.stdout.write(`  ${f.file}.${f.name}: ${printable(f.problems[0] ?? '')}\n`);
}

// strace's smaller behaviours, each run under strace 6.1 and siesta trace and compared: execve's environment
// with -v, -e signal=SET and -e quiet=/-qq on the `---` and `+++` lines, `(core dumped)` on a kill that dumps.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kernelUnavailable } from '../helpers/kernel.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const siesta = join(root, 'bin/siesta.cjs');
const skip = kernelUnavailable() ?? (spawnSync('sh', ['-c', 'command -v strace']).status !== 0 ? 'strace is not installed' : null);

let dir = '';
before(() => {
  if (!skip) dir = mkdtempSync(join(tmpdir(), 'siesta-trace-details-'));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The trace file of `tool` (strace, or node siesta trace) run with `args`, and its exit status. */
function both(args: string[], env?: NodeJS.ProcessEnv, shell?: string): Array<{ status: number | null; lines: string[]; stderr: string }> {
  return [['strace'], [process.execPath, siesta, 'trace']].map((tool, k) => {
    const file = join(dir, `out-${k}.txt`);
    const argv = [...tool, '-o', file, ...args];
    const r = shell
      ? spawnSync('sh', ['-c', `${shell}; exec "$@"`, 'sh', ...argv], { encoding: 'utf8', cwd: dir, env: env ?? process.env })
      : spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', cwd: dir, env: env ?? process.env });
    return { status: r.status, lines: readFileSync(file, 'utf8').split('\n').filter((l) => l), stderr: r.stderr };
  });
}

test('-v prints the environment of the command\'s execve as strace -v does (strings cut at -s)', { skip: skip ?? false }, () => {
  const env = { A: '1', B: 'supercalifragilisticexpialidocious, and then some', PATH: '/usr/bin:/bin', EMPTY: '' };
  const [ref, ours] = both(['-v', '-e', 'trace=execve', 'true'], env);
  assert.equal(ours!.status, 0, ours!.stderr);
  assert.equal(ref!.lines[0], 'execve("/usr/bin/true", ["true"], ["A=1", "B=supercalifragilisticexpialidoc"..., "PATH=/usr/bin:/bin", "EMPTY="]) = 0');
  assert.equal(ours!.lines[0], ref!.lines[0]);
  const [, plain] = both(['-e', 'trace=execve', 'true'], env);
  assert.match(plain!.lines[0]!, /^execve\("\/usr\/bin\/true", \["true"\], 0x[0-9a-f]+ \/\* 4 vars \*\/\) = 0$/);
});

const signalLines = (lines: string[]) => lines.filter((l) => /^(---|\+\+\+)/.test(l)).map((l) => l.replace(/si_pid=\d+/, 'si_pid=PID'));

for (const opts of [[], ['-e', 'signal=SIGCHLD'], ['-e', 'signal=!USR1'], ['-e', 'signal=usr1,10'], ['-e', 'signal=none'], ['-e', 'quiet=exit'], ['-qq'], ['-e', 'quiet=!exit']]) {
  test(`${opts.join(' ') || 'no option'}: the --- and +++ lines of a USR1 kill and of an exit are strace's`, { skip: skip ?? false }, () => {
    const [ref, ours] = both(['-e', 'trace=none', ...opts, 'sh', '-c', 'kill -USR1 $$']);
    assert.equal(ours!.status, 128 + 10, ours!.stderr);
    assert.deepEqual(signalLines(ours!.lines), signalLines(ref!.lines));
    const [refExit, oursExit] = both(['-e', 'trace=none', ...opts, 'true']);
    assert.deepEqual(oursExit!.lines, refExit!.lines);
  });
}

// The test command: unit tests (no kernel, in parallel), then kernel tests (one file at a time, since they
// check the kernel's global lists of objects), then a last check that no BPF object is pinned in bpffs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

function run(args) {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  return r.status ?? 1;
}

let status = run(['--test', 'dist/test/unit/']);
if (existsSync('dist/test/kernel')) status ||= run(['--test', '--test-concurrency=1', 'dist/test/kernel/']);
if (existsSync('/sys/fs/bpf')) {
  const pinned = readdirSync('/sys/fs/bpf').filter((n) => !['maps.debug', 'progs.debug'].includes(n));
  if (pinned.length) {
    console.error(`BPF objects left pinned in /sys/fs/bpf: ${pinned.join(', ')}`);
    status ||= 1;
  }
}
process.exit(status);

/**
 * The pre-exec stub of `--exact` (run as its own Node process by the supervisor): installs a seccomp
 * user-notification filter for the traced syscalls, reports the listener's fd number on fd 4, waits on fd 3
 * until siesta has attached its probes, then becomes the command with execve (same pid, filter inherited).
 *
 *   node exact-stub.js <nr,nr,...> <command> [args...]
 */
import { readSync, writeSync } from 'node:fs';
import { execProgram, installUserNotifFilter, userNotifFilter } from '../sys/index.js';
import { resolveCommand } from './exact-command.js';

const [nrList, command, ...args] = process.argv.slice(2);
if (!nrList || !command) {
  process.stderr.write('usage: exact-stub <nrs> <command> [args...]\n');
  process.exit(2);
}
const path = resolveCommand(command);
if (!path) {
  process.stderr.write(`siesta: ${command}: command not found\n`);
  writeSync(4, 'error\n');
  process.exit(127);
}
const nrs = nrList.split(',').filter(Boolean).map(Number);
const listener = installUserNotifFilter(userNotifFilter(nrs));
writeSync(4, `${listener}\n`);
readSync(3, Buffer.alloc(1));
execProgram(path, [command, ...args], process.env);

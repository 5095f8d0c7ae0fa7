/**
 * The pre-exec stub of `--exact` (run as its own Node process by the supervisor): installs a seccomp
 * user-notification filter for the traced syscalls, reports the listener's fd number on fd 4, waits on fd 3
 * until siesta has attached its probes, then becomes the command with execve (same pid, filter inherited).
 *
 *   node exact-stub.js <nr,nr,...> <command> [args...]
 *
 * The number is written before the filter is installed: once it is, any syscall the filter traps (a write,
 * which `siesta trace --exact` traps; a futex of Node's own) waits for a supervisor, which cannot have the
 * listener yet. The supervisor takes the descriptor at that number once it is the listener.
 */
import { openSync, readSync, writeSync } from 'node:fs';
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
// A descriptor number held open until the listener replaces it (dup2), so nothing else can take it meanwhile.
const slot = openSync('/dev/null', 'r');
writeSync(4, `${slot}\n`);
installUserNotifFilter(userNotifFilter(nrs), slot);
readSync(3, Buffer.alloc(1));
execProgram(path, [command, ...args], process.env);

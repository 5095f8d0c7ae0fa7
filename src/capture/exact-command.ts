/** Command lookup for `--exact` (execve needs a path): the command itself when it has a `/`, else PATH. */
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

/** The executable `command` names, or null. */
export function resolveCommand(command: string): string | null {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '/usr/bin:/bin').split(':').map((d) => join(d || '.', command));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {
      // not here
    }
  }
  return null;
}

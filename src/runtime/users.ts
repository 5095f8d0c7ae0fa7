/** User names for `username` values: the password database's name of a uid, as getpwuid(3) would give it. */
import { readFileSync } from 'node:fs';

let names: Map<number, string> | undefined;

/**
 * The name of `uid` from /etc/passwd (read once); the number itself when it has none there, as `id` prints
 * an unnamed uid. NSS sources other than files (LDAP...) are not consulted.
 */
export function userName(uid: number): string {
  if (!names) {
    names = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id !== undefined && /^\d+$/.test(id) && !names.has(Number(id))) names.set(Number(id), name);
      }
    } catch {
      // No password database: numbers it is.
    }
  }
  return names.get(uid) ?? String(uid);
}

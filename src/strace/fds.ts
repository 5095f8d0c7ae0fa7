/**
 * -y and -yy: what each file descriptor of a tracee refers to, as strace prints it after the number
 * (`3</etc/passwd>`, `5<socket:[1234]>`, with -yy `5<TCP:[127.0.0.1:80->127.0.0.1:4000]>`, `1</dev/null<char 1:3>>`).
 *
 * strace asks /proc while the tracee is stopped; siesta prints after the fact, when the process may have
 * closed the descriptor or exited. So the table follows the calls themselves: a successful open records the
 * path it opened (resolved like the kernel would, symlinks included), dup copies, close forgets, and only a
 * descriptor the trace has not seen opened (inherited, or from a call without a decoder here) is looked up
 * in /proc/PID/fd at print time.
 */
import { readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { escapeBytes } from './quote.js';

const utf8 = new TextEncoder();

/** -y (`path`) or -yy (`full`: sockets with their addresses, devices with their numbers). */
export type FdDetail = 'path' | 'full';

/** Per-process descriptor table of what the trace has seen. */
export class FdTable {
  readonly #byProcess = new Map<number, Map<number, string>>();
  readonly #cwd = new Map<number, string>();
  #sockets: Map<string, string> | null = null;
  #socketsRead = 0;

  constructor(readonly detail: FdDetail, readonly fallbackCwd = process.cwd()) {}

  #table(tgid: number): Map<number, string> {
    let t = this.#byProcess.get(tgid);
    if (!t) this.#byProcess.set(tgid, (t = new Map()));
    return t;
  }

  /** The working directory of `tgid` (AT_FDCWD), looked up once. */
  cwd(tgid: number): string {
    let c = this.#cwd.get(tgid);
    if (c === undefined) {
      try {
        c = readlinkSync(`/proc/${tgid}/cwd`);
      } catch {
        c = this.fallbackCwd;
      }
      this.#cwd.set(tgid, c);
    }
    return c;
  }

  /** `AT_FDCWD</cwd>`. */
  decorateCwd(tgid: number, text: string): string {
    return `${text}<${escapeBytes(utf8.encode(this.cwd(tgid)))}>`;
  }

  /** What `fd` of `tgid` refers to, or undefined when nothing is known. */
  target(tgid: number, fd: number): string | undefined {
    const t = this.#table(tgid);
    let v = t.get(fd);
    if (v === undefined) {
      try {
        v = readlinkSync(`/proc/${tgid}/fd/${fd}`);
      } catch {
        return undefined;
      }
      t.set(fd, v);
    }
    return v;
  }

  /** `3</etc/passwd>` (or `3` when unknown), with -yy details. */
  decorate(tgid: number, fd: number, text: string): string {
    const v = this.target(tgid, fd);
    // File names are the tracee's data: control bytes are escaped as in strings.
    return v === undefined ? text : `${text}<${escapeBytes(utf8.encode(this.#detail(v)))}>`;
  }

  #detail(v: string): string {
    if (this.detail !== 'full') return v;
    const sock = /^socket:\[(\d+)\]$/.exec(v);
    if (sock) return this.#socket(sock[1]!) ?? v;
    if (v.startsWith('/dev/')) {
      try {
        const st = statSync(v);
        const kind = st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : null;
        if (kind) return `${v}<${kind} ${Math.floor(st.rdev / 256) & 0xfff}:${(st.rdev & 0xff) | ((st.rdev >> 12) & ~0xff)}>`;
      } catch {
        return v;
      }
    }
    return v;
  }

  /** `TCP:[local->remote]`, `UDP:[local]`, `UNIX-STREAM:[inode,"path"]` from /proc/net, read once a trace. */
  #socket(inode: string): string | undefined {
    // A socket made since the last read: read again, at most every 50 ms (the tables can be long).
    if (!this.#sockets || (!this.#sockets.has(inode) && Date.now() - this.#socketsRead > 50)) {
      this.#sockets = readSocketTables();
      this.#socketsRead = Date.now();
    }
    return this.#sockets.get(inode);
  }

  /** Records a successful call's effect on the table: `ret` is its return value. */
  update(tgid: number, name: string, args: readonly bigint[], path: string | undefined, ret: bigint): void {
    const fd = Number(ret);
    const t = this.#table(tgid);
    const arg = (i: number): number => Number(BigInt.asIntN(32, args[i] ?? 0n));
    switch (name) {
      case 'close':
        t.delete(arg(0));
        return;
      case 'open': case 'creat': case 'openat': case 'openat2': {
        if (ret < 0n || path === undefined) return;
        const dirfd = name === 'openat' || name === 'openat2' ? arg(0) : -100;
        const base = dirfd === -100 ? this.cwd(tgid) : this.target(tgid, dirfd);
        if (!isAbsolute(path) && base === undefined) return;
        const full = isAbsolute(path) ? path : resolve(base!, path);
        let real = full;
        try {
          real = realpathSync(full);
        } catch {
          // gone already (O_TMPFILE, unlinked): keep the name it was opened with
        }
        t.set(fd, real);
        return;
      }
      case 'dup': case 'dup2': case 'dup3': case 'fcntl': {
        if (ret < 0n || (name === 'fcntl' && arg(1) !== 0 && arg(1) !== 1030)) return;
        const v = this.target(tgid, arg(0));
        if (v !== undefined) t.set(fd, v);
        return;
      }
      case 'execve': case 'execveat':
        return;
      default:
        // Other descriptors (socket, pipe, eventfd...) are looked up in /proc when printed.
        if (FD_RETURNING.has(name) && ret >= 0n) t.delete(fd);
    }
  }
}

/** Calls whose return value is a new descriptor (strace's RVAL_FD): -y decorates it. */
export const FD_RETURNING: ReadonlySet<string> = new Set([
  'open', 'openat', 'openat2', 'creat', 'socket', 'accept', 'accept4', 'dup', 'dup2', 'dup3', 'epoll_create',
  'epoll_create1', 'eventfd', 'eventfd2', 'memfd_create', 'signalfd', 'signalfd4', 'timerfd_create', 'pidfd_open',
  'inotify_init', 'inotify_init1', 'fanotify_init', 'userfaultfd', 'perf_event_open', 'bpf', 'open_tree', 'fsopen',
  'fsmount', 'fspick', 'memfd_secret', 'pidfd_getfd',
]);

function hexAddr4(h: string): string {
  const n = Number.parseInt(h, 16);
  return [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24].join('.');
}

function hexAddr6(h: string): string {
  // /proc/net/tcp6 prints the address as four host-order (little-endian) 32-bit words.
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) for (let b = 3; b >= 0; b--) bytes.push(Number.parseInt(h.slice(w * 8 + b * 2, w * 8 + b * 2 + 2), 16));
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const text = groups.join(':');
  const zeros = /(^|:)0(:0)+(:|$)/.exec(text);
  return zeros ? `${text.slice(0, zeros.index)}::${text.slice(zeros.index + zeros[0].length)}` : text;
}

function readSocketTables(): Map<string, string> {
  const out = new Map<string, string>();
  const inet = (file: string, proto: string, v6: boolean): void => {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const addr = (s: string): [string, number] => {
        const [a, p] = s.split(':') as [string, string];
        const host = v6 ? `[${hexAddr6(a)}]` : hexAddr4(a);
        return [host, Number.parseInt(p, 16)];
      };
      const [lh, lp] = addr(f[1]!);
      const [rh, rp] = addr(f[2]!);
      const local = `${lh}:${lp}`;
      const unbound = lp === 0;
      const connected = rp !== 0;
      out.set(f[9]!, `${proto}${v6 ? 'v6' : ''}:[${unbound ? f[9] : connected ? `${local}->${rh}:${rp}` : local}]`);
    }
  };
  inet('/proc/net/tcp', 'TCP', false);
  inet('/proc/net/tcp6', 'TCP', true);
  inet('/proc/net/udp', 'UDP', false);
  inet('/proc/net/udp6', 'UDP', true);
  try {
    for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 7) continue;
      const type = f[4] === '0001' ? 'STREAM' : f[4] === '0002' ? 'DGRAM' : f[4] === '0005' ? 'SEQPACKET' : f[4];
      out.set(f[6]!, `UNIX-${type}:[${f[6]}${f[7] ? `,"${f[7]}"` : ''}]`);
    }
  } catch {
    // no /proc/net/unix: leave unix sockets as socket:[inode]
  }
  return out;
}

/**
 * C strftime for time() and strftime(): the conversions bpftrace scripts use, in local time, plus bpftrace's
 * `%f` (microseconds, six digits). Shared by the CLI (time()) and the decoder (strftime() values).
 */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function p2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * Formats `d` with C strftime conversions (%H %M %S %Y %m %d %y %j %a %A %b %B %e %p %I %T %D %F %s %%) and
 * bpftrace's %f; `micros` is the microsecond within the second (Date holds only milliseconds).
 */
export function strftime(fmt: string, d: Date, micros: number = d.getMilliseconds() * 1000): string {
  return fmt.replace(/%([a-zA-Z%])/g, (_, c: string) => {
    switch (c) {
      case 'H': return p2(d.getHours());
      case 'M': return p2(d.getMinutes());
      case 'S': return p2(d.getSeconds());
      case 'Y': return String(d.getFullYear());
      case 'y': return p2(d.getFullYear() % 100);
      case 'm': return p2(d.getMonth() + 1);
      case 'd': return p2(d.getDate());
      case 'e': return String(d.getDate()).padStart(2, ' ');
      case 'j': return String(Math.floor((d.getTime() - new Date(d.getFullYear(), 0, 1).getTime()) / 86400000) + 1).padStart(3, '0');
      case 'a': return DAYS[d.getDay()]!.slice(0, 3);
      case 'A': return DAYS[d.getDay()]!;
      case 'b': case 'h': return MONTHS[d.getMonth()]!.slice(0, 3);
      case 'B': return MONTHS[d.getMonth()]!;
      case 'p': return d.getHours() < 12 ? 'AM' : 'PM';
      case 'I': return p2(((d.getHours() + 11) % 12) + 1);
      case 'T': return `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
      case 'D': return `${p2(d.getMonth() + 1)}/${p2(d.getDate())}/${p2(d.getFullYear() % 100)}`;
      case 'F': return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
      case 's': return String(Math.floor(d.getTime() / 1000));
      case 'f': return String(micros).padStart(6, '0');
      case 'n': return '\n';
      case 't': return '\t';
      case '%': return '%';
      default: return `%${c}`;
    }
  });
}

/**
 * `strftime(fmt, ns)` of a timestamp `ns` nanoseconds on the clock whose zero is `epochOffsetNs` nanoseconds
 * after the Unix epoch (the wall-clock time at which that clock read zero).
 */
export function strftimeNs(fmt: string, ns: bigint, epochOffsetNs: bigint): string {
  const wall = ns + epochOffsetNs;
  const ms = wall / 1_000_000n;
  return strftime(fmt, new Date(Number(ms)), Number((((wall % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n) / 1000n));
}

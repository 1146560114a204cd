import { invalidArgument } from './errors.js';

/**
 * Docker reports times with nanosecond precision (inspect, events, logs). JavaScript's Date has
 * milliseconds, so berth keeps instants as bigint nanoseconds since the epoch and formats them itself.
 */
const base = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export function nowNs(): bigint {
  return base + process.hrtime.bigint();
}

/** Go's zero time, which Docker prints for "never" (e.g. FinishedAt of a running container). */
export const zeroTime = '0001-01-01T00:00:00Z';

/** Go's time.RFC3339Nano: UTC, fractional seconds with trailing zeros removed. */
export function formatRfc3339Nano(ns: bigint): string {
  return formatTime(ns, false);
}

/** Docker's RFC3339NanoFixed: always nine fractional digits (log and event timestamps). */
export function formatRfc3339NanoFixed(ns: bigint): string {
  return formatTime(ns, true);
}

function formatTime(ns: bigint, fixed: boolean): string {
  // Floor division: an instant before the epoch belongs to the second below it.
  let secs = ns / 1_000_000_000n;
  let frac = ns - secs * 1_000_000_000n;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    secs -= 1n;
  }
  const iso = new Date(Number(secs) * 1000).toISOString(); // 2026-11-22T02:37:01.000Z
  const head = iso.slice(0, 19);
  let f = frac.toString().padStart(9, '0');
  if (!fixed) f = f.replace(/0+$/, '');
  return f ? `${head}.${f}Z` : `${head}Z`;
}

const rfc3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 time with up to nanosecond precision; undefined if it is not one. */
export function parseRfc3339(s: string): bigint | undefined {
  const m = rfc3339.exec(s);
  if (!m) return undefined;
  const [, date, clock, frac = '', zone = 'Z'] = m;
  // Date.parse rolls 02-30 over to March and 24:00 to the next day; Go refuses both.
  const [y, mo, d] = date!.split('-').map(Number) as [number, number, number];
  const [h, mi, sec] = clock!.split(':').map(Number) as [number, number, number];
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || sec > 59) return undefined;
  const ms = Date.parse(`${date}T${clock}${zone.toUpperCase() === 'Z' ? 'Z' : zone}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, '0') || '0');
}

/**
 * The daemon's `since`/`until` parameters: Unix seconds with an optional fraction
 * ("1795315176.5"), or an RFC 3339 time. The CLI turns relative durations into seconds itself.
 */
export function parseTimestampParam(s: string): bigint {
  const unix = /^(-?)(\d+)(?:\.(\d{1,9}))?$/.exec(s);
  if (unix) {
    const magnitude = BigInt(unix[2]!) * 1_000_000_000n + BigInt((unix[3] ?? '').padEnd(9, '0') || '0');
    return unix[1] === '-' ? -magnitude : magnitude;
  }
  const t = parseRfc3339(s);
  if (t === undefined) throw invalidArgument(`failed to parse value as time or duration: "${s}"`);
  return t;
}

export function nsToUnixSeconds(ns: bigint): number {
  return Number(ns / 1_000_000_000n);
}

/** Go's time.Duration.String ("30s", "1m30s", "500ms", "1.5µs"), which Docker prints in messages. */
export function formatGoDuration(ns: number | bigint): string {
  let n = BigInt(ns);
  if (n === 0n) return '0s';
  const sign = n < 0n ? '-' : '';
  if (n < 0n) n = -n;
  const fraction = (value: bigint, digits: number) => {
    const scale = 10n ** BigInt(digits);
    const frac = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '');
    return `${value / scale}${frac ? `.${frac}` : ''}`;
  };
  if (n < 1_000n) return `${sign}${n}ns`;
  if (n < 1_000_000n) return `${sign}${fraction(n, 3)}µs`;
  if (n < 1_000_000_000n) return `${sign}${fraction(n, 6)}ms`;
  const hours = n / 3_600_000_000_000n;
  const minutes = (n / 60_000_000_000n) % 60n;
  const seconds = fraction(n % 60_000_000_000n, 9);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

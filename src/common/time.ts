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
  const ms = ns / 1_000_000n;
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) frac += 1_000_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // 2026-11-22T02:37:01.754Z
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
  const ms = Date.parse(`${date}T${clock}${zone.toUpperCase() === 'Z' ? 'Z' : zone}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, '0') || '0');
}

/**
 * The daemon's `since`/`until` parameters: Unix seconds with an optional fraction
 * ("1795315176.5"), or an RFC 3339 time. The CLI turns relative durations into seconds itself.
 */
export function parseTimestampParam(s: string): bigint {
  const unix = /^(-?\d+)(?:\.(\d{1,9}))?$/.exec(s);
  if (unix) {
    const secs = BigInt(unix[1]!);
    const frac = BigInt((unix[2] ?? '').padEnd(9, '0') || '0');
    return secs * 1_000_000_000n + (secs < 0n ? -frac : frac);
  }
  const t = parseRfc3339(s);
  if (t === undefined) throw invalidArgument(`failed to parse value as time or duration: "${s}"`);
  return t;
}

export function nsToUnixSeconds(ns: bigint): number {
  return Number(ns / 1_000_000_000n);
}

/**
 * Times on the command line: Go durations (`30s`, `1h30m`) and the docker CLI's conversion of
 * `--since`/`--until` values into the Unix timestamps the API expects, plus local-time RFC 3339
 * output for `events`. Relative values are resolved here, on the client, exactly as docker does,
 * so the daemon only ever sees absolute times.
 */

export { parseDuration } from '../../common/duration.js';
import { goQuoteSimple, parseDuration } from '../../common/duration.js';

const timeRe = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?(Z|z|[+-]\d{2}:\d{2})?$/;

/**
 * docker's GetTimestamp: a duration counts back from `now` (whole Unix seconds); an RFC 3339 time
 * or date (local time unless it carries a zone) becomes `seconds.nanoseconds`; a Unix timestamp is
 * passed through. Anything else is the error docker prints.
 */
export function apiTimestamp(value: string, now = Date.now()): string {
  if (value !== '0') {
    try {
      const d = parseDuration(value);
      const ns = BigInt(now) * 1_000_000n - d;
      return String(floorDiv(ns, 1_000_000_000n));
    } catch {
      // not a duration: try the time formats
    }
  }
  const m = timeRe.exec(value);
  if (m) {
    const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone] = m;
    let offsetMinutes: number;
    if (zone === undefined) offsetMinutes = -new Date(now).getTimezoneOffset();
    else if (zone === 'Z' || zone === 'z') offsetMinutes = 0;
    else offsetMinutes = (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)) - offsetMinutes * 60_000;
    return `${Math.floor(ms / 1000)}.${frac.padEnd(9, '0')}`;
  }
  if (value.includes('-')) throw new Error(`parsing time ${goQuoteSimple(value)}: cannot parse as RFC 3339`);
  if (!/^\d+(\.\d+)?$/.test(value)) throw new Error(`failed to parse value as time or duration: ${goQuoteSimple(value)}`);
  return value;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/**
 * Go's time.Format with docker's RFC3339NanoFixed layout in the local zone
 * (`2026-11-22T02:39:45.220662443Z`, or `…+01:00` outside UTC), for `events`.
 */
export function formatLocalNanoFixed(ns: bigint): string {
  const sec = floorDiv(ns, 1_000_000_000n);
  const frac = ns - sec * 1_000_000_000n;
  return formatLocal(Number(sec) * 1000, frac.toString().padStart(9, '0'));
}

/** Go's time.RFC3339 in the local zone (`history --human=false`). */
export function formatLocalRfc3339(unixSeconds: number): string {
  return formatLocal(unixSeconds * 1000, '');
}

function formatLocal(ms: number, frac: string): string {
  const offset = -new Date(ms).getTimezoneOffset();
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const zone = offset === 0 ? 'Z' : `${sign}${String(Math.trunc(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${local}${frac ? '.' + frac : ''}${zone}`;
}

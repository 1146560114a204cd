import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatGoDuration,
  formatRfc3339Nano,
  formatRfc3339NanoFixed,
  nowNs,
  nsToUnixSeconds,
  parseRfc3339,
  parseTimestampParam,
  zeroTime,
} from './time.js';
import { isKind } from './errors.js';

const sec = 1_000_000_000n;
// 2026-11-22T02:37:53Z, the instant of the captures in api-contract.md.
const t0 = BigInt(Date.UTC(2026, 10, 22, 2, 37, 53)) * 1_000_000n;

test('formatRfc3339Nano trims trailing zeros of the fraction, like Go RFC3339Nano', () => {
  const cases: Array<[bigint, string]> = [
    [t0, '2026-11-22T02:37:53Z'],
    [t0 + 344_465_440n, '2026-11-22T02:37:53.34446544Z'],
    [t0 + 344_465_441n, '2026-11-22T02:37:53.344465441Z'],
    [t0 + 500_000_000n, '2026-11-22T02:37:53.5Z'],
    [t0 + 1n, '2026-11-22T02:37:53.000000001Z'],
    [t0 + 10n, '2026-11-22T02:37:53.00000001Z'],
    [t0 + 999_999_999n, '2026-11-22T02:37:53.999999999Z'],
    [0n, '1970-01-01T00:00:00Z'],
    [-1_500_000_000n, '1969-12-31T23:59:58.5Z'],
  ];
  for (const [ns, want] of cases) assert.equal(formatRfc3339Nano(ns), want, String(ns));
});

test('formatRfc3339NanoFixed always writes nine fractional digits', () => {
  const cases: Array<[bigint, string]> = [
    [t0, '2026-11-22T02:37:53.000000000Z'],
    [t0 + 344_465_440n, '2026-11-22T02:37:53.344465440Z'],
    [t0 + 1n, '2026-11-22T02:37:53.000000001Z'],
    [t0 + 500_000_000n, '2026-11-22T02:37:53.500000000Z'],
    [0n, '1970-01-01T00:00:00.000000000Z'],
  ];
  for (const [ns, want] of cases) assert.equal(formatRfc3339NanoFixed(ns), want, String(ns));
});

test('formatting a time just before the epoch keeps the right second', () => {
  assert.equal(formatRfc3339Nano(-1n), '1969-12-31T23:59:59.999999999Z');
  assert.equal(formatRfc3339Nano(-999_999n), '1969-12-31T23:59:59.999000001Z');
});

test('parseRfc3339 reads fractions up to nanoseconds and numeric offsets', () => {
  const cases: Array<[string, bigint]> = [
    ['2026-11-22T02:37:53Z', t0],
    ['2026-11-22T02:37:53.344465440Z', t0 + 344_465_440n],
    ['2026-11-22T02:37:53.34446544Z', t0 + 344_465_440n],
    ['2026-11-22T02:37:53.5Z', t0 + 500_000_000n],
    ['2026-11-22T02:37:53.000000001Z', t0 + 1n],
    ['2026-11-22T02:37:53+00:00', t0],
    ['2026-11-22T02:37:53.25-00:00', t0 + 250_000_000n],
    ['2026-11-22T03:37:53+01:00', t0],
    ['2026-11-21T21:07:53.1-05:30', t0 + 100_000_000n],
    ['2026-11-22t02:37:53z', t0],
    ['0001-01-01T00:00:00Z', -62135596800n * sec],
  ];
  for (const [s, want] of cases) assert.equal(parseRfc3339(s), want, s);
});

test('parseRfc3339 refuses what is not RFC 3339', () => {
  const bad = [
    '',
    'garbage',
    '2026-11-22',
    '2026-11-22T02:37Z',
    '2026-11-22T02:37:53',
    '2026-11-22T02:37:53.Z',
    '2026-11-22T02:37:53.1234567890Z',
    '2026-11-22T02:37:53+0100',
    '2026-11-22T02:37:53 Z',
    '2026-13-01T00:00:00Z',
    '1795315176',
    ' 2026-11-22T02:37:53Z',
  ];
  for (const s of bad) assert.equal(parseRfc3339(s), undefined, s);
});

test('parseRfc3339 refuses impossible calendar dates, as Go does', () => {
  for (const s of ['2026-02-30T00:00:00Z', '2026-04-31T00:00:00Z', '2026-01-01T24:00:00Z']) {
    assert.equal(parseRfc3339(s), undefined, s);
  }
});

test('Go zero time round-trips through parse and format', () => {
  assert.equal(zeroTime, '0001-01-01T00:00:00Z');
  const ns = parseRfc3339(zeroTime);
  assert.ok(ns !== undefined);
  assert.equal(formatRfc3339Nano(ns), zeroTime);
  assert.equal(formatRfc3339NanoFixed(ns), '0001-01-01T00:00:00.000000000Z');
});

test('format then parse is the identity for nanosecond instants', () => {
  for (const ns of [t0, t0 + 1n, t0 + 123_456_789n, t0 + 100n, 1795315205689116791n]) {
    assert.equal(parseRfc3339(formatRfc3339Nano(ns)), ns);
    assert.equal(parseRfc3339(formatRfc3339NanoFixed(ns)), ns);
  }
});

test('parseTimestampParam reads unix seconds, fractions and RFC 3339', () => {
  const cases: Array<[string, bigint]> = [
    ['1795315176', 1795315176n * sec],
    ['1795315176.5', 1795315176n * sec + 500_000_000n],
    ['1795315176.000000001', 1795315176n * sec + 1n],
    ['1795315176.123456789', 1795315176n * sec + 123_456_789n],
    ['1795315176.000000000', 1795315176n * sec],
    ['0', 0n],
    ['-2', -2n * sec],
    ['-1.5', -1_500_000_000n],
    ['2026-11-22T02:37:53Z', t0],
    ['2026-11-22T02:37:53.344465440Z', t0 + 344_465_440n],
    ['2026-11-22T03:37:53+01:00', t0],
  ];
  for (const [s, want] of cases) assert.equal(parseTimestampParam(s), want, s);
});

test('parseTimestampParam keeps the sign of a negative value below one second', () => {
  assert.equal(parseTimestampParam('-0.5'), -500_000_000n);
});

test('parseTimestampParam refuses garbage with an invalid-argument error in Docker words', () => {
  for (const s of ['', 'garbage', '10m', '1795315176.', '1795315176.1234567890', '1.2.3', '1e9', '2026-11-22', '0x10']) {
    assert.throws(
      () => parseTimestampParam(s),
      (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === `failed to parse value as time or duration: "${s}"`,
      s,
    );
  }
});

test('nsToUnixSeconds truncates to whole seconds', () => {
  assert.equal(nsToUnixSeconds(1795315176n * sec + 999_999_999n), 1795315176);
  assert.equal(nsToUnixSeconds(0n), 0);
});

test('nowNs follows the wall clock and never goes backwards', () => {
  const a = nowNs();
  const wall = BigInt(Date.now()) * 1_000_000n;
  const b = nowNs();
  assert.ok(b >= a);
  // The monotonic base was taken from Date.now() at load: stay within a second of the wall clock.
  const drift = a > wall ? a - wall : wall - a;
  assert.ok(drift < sec, `drift ${drift}`);
});

test("formatGoDuration writes durations as Go's Duration.String does", () => {
  const cases: Array<[bigint, string]> = [
    [0n, '0s'],
    [999n, '999ns'],
    [1_500n, '1.5µs'],
    [500_000_000n, '500ms'],
    [1_000_000_000n, '1s'],
    [1_500_000_000n, '1.5s'],
    [30_000_000_000n, '30s'],
    [90_000_000_000n, '1m30s'],
    [3_600_000_000_000n, '1h0m0s'],
    [3_723_000_000_001n, '1h2m3.000000001s'],
    [-2_000_000_000n, '-2s'],
  ];
  for (const [ns, want] of cases) assert.equal(formatGoDuration(ns), want);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiTimestamp, formatLocalNanoFixed, parseDuration } from './durations.js';

test('parseDuration reads Go durations', () => {
  assert.equal(parseDuration('30s'), 30_000_000_000n);
  assert.equal(parseDuration('10m'), 600_000_000_000n);
  assert.equal(parseDuration('1h30m'), 5_400_000_000_000n);
  assert.equal(parseDuration('1.5s'), 1_500_000_000n);
  assert.equal(parseDuration('-2ms'), -2_000_000n);
  assert.equal(parseDuration('0'), 0n);
  assert.equal(parseDuration('250us'), 250_000n);
  assert.throws(() => parseDuration('5'), /missing unit in duration "5"/);
  assert.throws(() => parseDuration('5x'), /unknown unit "x"/);
  assert.throws(() => parseDuration(''), /invalid duration/);
});

test('apiTimestamp turns durations into unix seconds like docker', () => {
  const now = Date.UTC(2026, 10, 22, 2, 40, 0, 500);
  const nowSec = Math.floor(now / 1000);
  assert.equal(apiTimestamp('30s', now), String(nowSec - 30));
  assert.equal(apiTimestamp('10m', now), String(nowSec - 600));
  assert.equal(apiTimestamp('0s', now), String(nowSec));
  // "0" is a timestamp, not a duration.
  assert.equal(apiTimestamp('0', now), '0');
  assert.equal(apiTimestamp('1795315176', now), '1795315176');
  assert.equal(apiTimestamp('1795315176.5', now), '1795315176.5');
  assert.equal(apiTimestamp('2026-11-22T02:39:45Z', now), `${Date.UTC(2026, 10, 22, 2, 39, 45) / 1000}.000000000`);
  assert.equal(apiTimestamp('2026-11-22T02:39:45.22Z', now), `${Date.UTC(2026, 10, 22, 2, 39, 45) / 1000}.220000000`);
  assert.equal(apiTimestamp('2026-11-22T03:39:45+01:00', now), `${Date.UTC(2026, 10, 22, 2, 39, 45) / 1000}.000000000`);
  assert.throws(() => apiTimestamp('bogus', now), /^Error: failed to parse value as time or duration: "bogus"$/);
});

test('formatLocalNanoFixed keeps nine fractional digits', () => {
  const prev = process.env['TZ'];
  process.env['TZ'] = 'UTC';
  try {
    assert.equal(formatLocalNanoFixed(1795315185220662443n), '2026-11-22T02:39:45.220662443Z');
    assert.equal(formatLocalNanoFixed(1795315185000000000n), '2026-11-22T02:39:45.000000000Z');
  } finally {
    if (prev === undefined) delete process.env['TZ'];
    else process.env['TZ'] = prev;
  }
});

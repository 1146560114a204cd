import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKind } from '../common/errors.js';
import {
  healthAtStart,
  healthLabel,
  mergeHealthcheck,
  nextHealth,
  nextProbeDelay,
  probeOf,
  validateHealthcheck,
  type HealthcheckResult,
  type HealthState,
  type Probe,
} from './health-state.js';

const s = 1_000_000_000;

test('probeOf: CMD runs the command, CMD-SHELL runs it through the shell, NONE and empty mean no probe', () => {
  assert.deepEqual(probeOf({ Healthcheck: { Test: ['CMD', 'test', '-f', '/ok'] } })?.command, ['test', '-f', '/ok']);
  assert.deepEqual(probeOf({ Healthcheck: { Test: ['CMD-SHELL', 'test -f /ok'] } })?.command, ['/bin/sh', '-c', 'test -f /ok']);
  assert.deepEqual(probeOf({ Healthcheck: { Test: ['CMD-SHELL', 'x'] }, Shell: ['/bin/ash', '-eo', 'pipefail', '-c'] })?.command, ['/bin/ash', '-eo', 'pipefail', '-c', 'x']);
  assert.equal(probeOf({ Healthcheck: { Test: ['NONE'] } }), null);
  assert.equal(probeOf({ Healthcheck: { Test: [] } }), null);
  assert.equal(probeOf({ Healthcheck: { Test: ['CMD'] } }), null);
  assert.equal(probeOf({ Healthcheck: { Test: ['HTTP', 'x'] } }), null);
  assert.equal(probeOf({}), null);
});

test("probeOf fills in dockerd's defaults for zero values", () => {
  const p = probeOf({ Healthcheck: { Test: ['CMD', 'true'] } })!;
  assert.deepEqual(
    { i: p.intervalMs, t: p.timeoutMs, sp: p.startPeriodMs, si: p.startIntervalMs, r: p.retries },
    { i: 30_000, t: 30_000, sp: 0, si: 5_000, r: 3 },
  );
  const q = probeOf({ Healthcheck: { Test: ['CMD', 'true'], Interval: 2 * s, Timeout: s / 2, StartPeriod: 10 * s, StartInterval: s, Retries: 5 } })!;
  assert.deepEqual(
    { i: q.intervalMs, t: q.timeoutMs, sp: q.startPeriodMs, si: q.startIntervalMs, r: q.retries },
    { i: 2_000, t: 500, sp: 10_000, si: 1_000, r: 5 },
  );
});

test("validateHealthcheck gives dockerd's messages", () => {
  const bad: Array<[object, string]> = [
    [{ Interval: 1 }, 'Interval in Healthcheck cannot be less than 1ms'],
    [{ Timeout: 999_999 }, 'Timeout in Healthcheck cannot be less than 1ms'],
    [{ Retries: -1 }, 'Retries in Healthcheck cannot be negative'],
    [{ StartPeriod: 5 }, 'StartPeriod in Healthcheck cannot be less than 1ms'],
    [{ StartInterval: 5 }, 'StartInterval in Healthcheck cannot be less than 1ms'],
  ];
  for (const [h, message] of bad) {
    assert.throws(() => validateHealthcheck({ Test: ['CMD', 'true'], ...h }), (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === message);
  }
  validateHealthcheck({ Test: ['CMD', 'true'], Interval: 0, Timeout: 1_000_000, Retries: 0 });
  validateHealthcheck(undefined);
});

test('mergeHealthcheck: unset parts of the request come from the image', () => {
  const image = { Test: ['CMD', 'image-test'], Interval: 5 * s, Timeout: 2 * s, Retries: 4 };
  assert.deepEqual(mergeHealthcheck(undefined, image), image);
  assert.deepEqual(mergeHealthcheck({ Test: ['NONE'] }, image)?.Test, ['NONE']);
  const merged = mergeHealthcheck({ Interval: s }, image)!;
  assert.deepEqual(merged.Test, ['CMD', 'image-test']);
  assert.equal(merged.Interval, s);
  assert.equal(merged.Timeout, 2 * s);
  assert.equal(merged.Retries, 4);
  assert.equal(mergeHealthcheck(undefined, undefined), undefined);
});

const probe: Probe = { command: ['true'], intervalMs: 1_000, timeoutMs: 1_000, startPeriodMs: 0, startIntervalMs: 5_000, retries: 3 };
const startedAt = Date.parse('2026-11-22T10:00:00Z');
const result = (exitCode: number, atMs: number): HealthcheckResult => ({
  Start: new Date(startedAt + atMs).toISOString(),
  End: new Date(startedAt + atMs + 5).toISOString(),
  ExitCode: exitCode,
  Output: `exit ${exitCode}`,
});

test('nextHealth: one success makes a container healthy; `retries` failures in a row make it unhealthy', () => {
  let h: HealthState = healthAtStart(undefined);
  assert.equal(h.Status, 'starting');
  h = nextHealth(h, result(1, 1_000), probe, startedAt);
  h = nextHealth(h, result(1, 2_000), probe, startedAt);
  assert.deepEqual([h.Status, h.FailingStreak], ['starting', 2]);
  h = nextHealth(h, result(1, 3_000), probe, startedAt);
  assert.deepEqual([h.Status, h.FailingStreak], ['unhealthy', 3]);
  h = nextHealth(h, result(0, 4_000), probe, startedAt);
  assert.deepEqual([h.Status, h.FailingStreak], ['healthy', 0]);
  h = nextHealth(h, result(1, 5_000), probe, startedAt);
  assert.deepEqual([h.Status, h.FailingStreak], ['healthy', 1]);
});

test('nextHealth keeps the last five results, oldest first', () => {
  let h = healthAtStart(undefined);
  for (let i = 0; i < 7; i++) h = nextHealth(h, result(i % 2, i * 1000), probe, startedAt);
  assert.deepEqual(h.Log.map((r) => r.Output), ['exit 0', 'exit 1', 'exit 0', 'exit 1', 'exit 0']);
  assert.equal(h.Log.length, 5);
  // a restart starts over but keeps the log
  const again = healthAtStart(h);
  assert.deepEqual([again.Status, again.FailingStreak, again.Log.length], ['starting', 0, 5]);
});

test('nextHealth: failures inside the start period do not count while the container is starting', () => {
  const slow = { ...probe, startPeriodMs: 10_000 };
  let h = healthAtStart(undefined);
  for (const at of [1_000, 2_000, 3_000, 4_000]) h = nextHealth(h, result(1, at), slow, startedAt);
  assert.deepEqual([h.Status, h.FailingStreak, h.Log.length], ['starting', 0, 4]);
  h = nextHealth(h, result(1, 11_000), slow, startedAt);
  assert.deepEqual([h.Status, h.FailingStreak], ['starting', 1]);
  // once healthy, the start period no longer protects it
  h = nextHealth(healthAtStart(undefined), result(0, 1_000), slow, startedAt);
  h = nextHealth(h, result(1, 2_000), slow, startedAt);
  assert.equal(h.FailingStreak, 1);
});

test('nextProbeDelay: the start interval while starting inside the start period, else the interval', () => {
  const p = { ...probe, intervalMs: 30_000, startPeriodMs: 60_000, startIntervalMs: 5_000 };
  assert.equal(nextProbeDelay(p, 'starting', startedAt, startedAt), 5_000);
  assert.equal(nextProbeDelay(p, 'healthy', startedAt, startedAt), 30_000);
  assert.equal(nextProbeDelay(p, 'starting', startedAt, startedAt + 58_000), 5_000);
  assert.equal(nextProbeDelay({ ...p, intervalMs: 3_600_000 }, 'starting', startedAt, startedAt + 1_000), 5_000);
  assert.equal(nextProbeDelay(p, 'starting', startedAt, startedAt + 70_000), 30_000);
  assert.equal(nextProbeDelay(probe, 'starting', startedAt, startedAt), 1_000);
});

test('healthLabel is what docker ps shows in brackets', () => {
  assert.equal(healthLabel({ Status: 'starting', FailingStreak: 0, Log: [] }), 'health: starting');
  assert.equal(healthLabel({ Status: 'unhealthy', FailingStreak: 3, Log: [] }), 'unhealthy');
});

import { invalidArgument } from '../common/errors.js';
import type { HealthConfig } from '../oci/image.js';

/**
 * The healthcheck rules dockerd applies, as pure functions: which probe a container runs, when, and
 * how each result moves `State.Health` between starting, healthy and unhealthy. The monitor that
 * runs the probes is in health.ts.
 */

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface HealthcheckResult {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** `State.Health` as inspect shows it. */
export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  /** The last few results, oldest first. */
  Log: HealthcheckResult[];
}

export interface Probe {
  command: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
}

const msPerNs = 1e-6;
const maxLogEntries = 5;
/** Longest probe output kept; longer output is cut and marked with "...". */
export const maxProbeOutput = 4096;

const defaults = { intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, startIntervalMs: 5_000, retries: 3 };

const orDefault = (ns: number | undefined, fallbackMs: number) => (ns ? ns * msPerNs : fallbackMs);

/**
 * The probe a container's healthcheck asks for, or null when it has none: no test, `NONE`
 * (`--no-healthcheck`), or a test type dockerd does not know either.
 */
export function probeOf(config: { Healthcheck?: HealthConfig; Shell?: string[] }): Probe | null {
  const h = config.Healthcheck;
  const [kind, ...rest] = h?.Test ?? [];
  let command: string[];
  if (kind === 'CMD') command = rest;
  else if (kind === 'CMD-SHELL') command = [...(config.Shell?.length ? config.Shell : ['/bin/sh', '-c']), ...rest];
  else return null;
  if (command.length === 0) return null;
  return {
    command,
    intervalMs: orDefault(h?.Interval, defaults.intervalMs),
    timeoutMs: orDefault(h?.Timeout, defaults.timeoutMs),
    startPeriodMs: orDefault(h?.StartPeriod, defaults.startPeriodMs),
    startIntervalMs: orDefault(h?.StartInterval, defaults.startIntervalMs),
    retries: h?.Retries && h.Retries > 0 ? h.Retries : defaults.retries,
  };
}

/** dockerd's checks on a create request's healthcheck (400 on failure). */
export function validateHealthcheck(h: HealthConfig | undefined): void {
  if (!h) return;
  const minimumNs = 1_000_000;
  const tooShort = (v: number | undefined) => v !== undefined && v !== 0 && v < minimumNs;
  if (tooShort(h.Interval)) throw invalidArgument('Interval in Healthcheck cannot be less than 1ms');
  if (tooShort(h.Timeout)) throw invalidArgument('Timeout in Healthcheck cannot be less than 1ms');
  if (h.Retries !== undefined && h.Retries < 0) throw invalidArgument('Retries in Healthcheck cannot be negative');
  if (tooShort(h.StartPeriod)) throw invalidArgument('StartPeriod in Healthcheck cannot be less than 1ms');
  if (tooShort(h.StartInterval)) throw invalidArgument('StartInterval in Healthcheck cannot be less than 1ms');
}

/** The create request's healthcheck over the image's: what the user left unset comes from the image. */
export function mergeHealthcheck(user: HealthConfig | undefined, image: HealthConfig | undefined): HealthConfig | undefined {
  if (!user) return image;
  if (!image) return user;
  return {
    ...user,
    Test: user.Test?.length ? user.Test : image.Test,
    Interval: user.Interval || image.Interval,
    Timeout: user.Timeout || image.Timeout,
    StartPeriod: user.StartPeriod || image.StartPeriod,
    ...((user.StartInterval || image.StartInterval) && { StartInterval: user.StartInterval || image.StartInterval }),
    Retries: user.Retries || image.Retries,
  };
}

/** Health when a container (re)starts: starting again, with the earlier results kept. */
export function healthAtStart(previous: HealthState | undefined): HealthState {
  return { Status: 'starting', FailingStreak: 0, Log: previous?.Log ?? [] };
}

/**
 * The health after one more probe result. A failure while still starting and inside the start
 * period does not count; otherwise `retries` failures in a row make the container unhealthy, and
 * one success makes it healthy.
 */
export function nextHealth(current: HealthState, result: HealthcheckResult, probe: Probe, startedAtMs: number): HealthState {
  const log = [...current.Log, result].slice(-maxLogEntries);
  if (result.ExitCode === 0) return { Status: 'healthy', FailingStreak: 0, Log: log };
  const inStartPeriod = current.Status === 'starting' && Date.parse(result.Start) - startedAtMs < probe.startPeriodMs;
  if (inStartPeriod) return { ...current, Log: log };
  const streak = current.FailingStreak + 1;
  return { Status: streak >= probe.retries ? 'unhealthy' : current.Status, FailingStreak: streak, Log: log };
}

/**
 * The wait before the next probe: the start interval while the container is still starting inside
 * its start period, else the interval. As in dockerd, a probe scheduled inside the period may land
 * after it ends; nothing shortens the wait to the period's end.
 */
export function nextProbeDelay(probe: Probe, status: HealthStatus, startedAtMs: number, nowMs: number): number {
  if (nowMs - startedAtMs >= probe.startPeriodMs) return probe.intervalMs;
  return status === 'starting' ? probe.startIntervalMs : probe.intervalMs;
}

/** What `docker ps` shows in brackets after "Up …". */
export function healthLabel(h: HealthState): string {
  return h.Status === 'starting' ? 'health: starting' : h.Status;
}

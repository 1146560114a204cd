import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { formatGoDuration, formatRfc3339Nano, nowNs } from '../common/time.js';
import type { ContainerService } from './containers.js';
import type { EventBus } from './events.js';
import type { ExecService } from './exec.js';
import { maxProbeOutput, nextHealth, nextProbeDelay, probeOf, type HealthcheckResult, type Probe } from './health-state.js';

export interface HealthMonitorDeps {
  containers: ContainerService;
  execs: ExecService;
  events: EventBus;
  log: Logger;
}

/**
 * Runs healthcheck probes in running containers. It follows containers through the event stream:
 * a start or unpause begins probing, a pause, exit or removal ends it (killing a probe in flight).
 * Results go to the container's `State.Health` through ContainerService.recordHealth, which also
 * publishes `health_status` events.
 */
export class HealthMonitor {
  private readonly watched = new Map<string, AbortController>();
  private unsubscribe?: () => void;

  constructor(private readonly d: HealthMonitorDeps) {}

  /** Starts probing the containers already running and those that start from now on. */
  start(): void {
    this.unsubscribe = this.d.events.subscribe((e) => {
      if (e.Type !== 'container') return;
      if (e.Action === 'start' || e.Action === 'unpause') this.watch(e.Actor.ID);
      else if (e.Action === 'die' || e.Action === 'pause' || e.Action === 'destroy') this.unwatch(e.Actor.ID);
    });
    for (const rec of this.d.containers.list()) if (rec.state.Status === 'running') this.watch(rec.id);
  }

  stop(): void {
    this.unsubscribe?.();
    for (const id of [...this.watched.keys()]) this.unwatch(id);
  }

  private watch(id: string): void {
    if (this.watched.has(id)) return;
    const rec = this.d.containers.byId(id);
    const probe = rec && probeOf(rec.config);
    if (!rec || !probe || !rec.state.Health) return;
    const control = new AbortController();
    this.watched.set(id, control);
    void this.probeLoop(id, rec.state.StartedAt, probe, control.signal)
      .catch((err: unknown) => this.d.log.warn('healthcheck monitor failed', { id, err }))
      .finally(() => {
        if (this.watched.get(id) === control) this.watched.delete(id);
      });
  }

  private unwatch(id: string): void {
    this.watched.get(id)?.abort();
    this.watched.delete(id);
  }

  private async probeLoop(id: string, startedAt: string, probe: Probe, signal: AbortSignal): Promise<void> {
    const startedMs = Date.parse(startedAt);
    for (;;) {
      const status = this.d.containers.byId(id)?.state.Health?.Status ?? 'starting';
      try {
        await sleep(nextProbeDelay(probe, status, startedMs, Date.now()), undefined, { signal, ref: false });
      } catch {
        return; // Aborted: the container stopped, paused or went away.
      }
      const result = await this.probeOnce(id, probe, signal);
      if (signal.aborted) return;
      this.d.log.debug('healthcheck probe', { id, exitCode: result.ExitCode });
      await this.d.containers.recordHealth(id, startedAt, (h) => nextHealth(h, result, probe, startedMs));
    }
  }

  private async probeOnce(id: string, probe: Probe, signal: AbortSignal): Promise<HealthcheckResult> {
    const start = formatRfc3339Nano(nowNs());
    const end = () => formatRfc3339Nano(nowNs());
    try {
      const r = await this.d.execs.run(id, { Cmd: probe.command }, { timeoutMs: probe.timeoutMs, maxOutput: maxProbeOutput, signal });
      const output = r.output.toString('utf8') + (r.truncated ? '...' : '');
      if (r.timedOut) {
        const limit = formatGoDuration(Math.round(probe.timeoutMs * 1e6));
        const message = output ? `Health check exceeded timeout (${limit}): ${output}` : `Health check exceeded timeout (${limit})`;
        return { Start: start, End: end(), ExitCode: -1, Output: message };
      }
      return { Start: start, End: end(), ExitCode: r.exitCode, Output: output };
    } catch (err) {
      // As dockerd: a probe that could not run at all is a failed probe, its error the output.
      return { Start: start, End: end(), ExitCode: -1, Output: messageOf(err) };
    }
  }
}

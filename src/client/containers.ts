import type { IncomingMessage } from 'node:http';
import type {
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerPruneReport,
  ContainerSummary,
  WaitResponse,
} from '../api/types/index.js';
import type { Connection } from './connection.js';
import { encodeFilters, type Filters } from './query.js';
import { readBody } from './streams.js';
import type { UpgradedConnection } from './transport.js';

export interface ContainerListOptions {
  all?: boolean;
  /** Only the n most recently created (docker's `-n`; `-l` is 1). */
  limit?: number;
  size?: boolean;
  filters?: Filters;
}

export interface StopOptions {
  /** Seconds before SIGKILL; the daemon's default when absent. */
  timeout?: number;
  signal?: string;
}

export interface RemoveOptions {
  force?: boolean;
  volumes?: boolean;
  /** Remove the link given as the name instead of a container (docker's `rm --link`). */
  link?: boolean;
}

export interface LogsOptions {
  follow?: boolean;
  timestamps?: boolean;
  details?: boolean;
  /** `all` or a number of lines. */
  tail?: string;
  /** Unix timestamps as the API takes them (see the CLI's apiTimestamp). */
  since?: string;
  until?: string;
}

export interface AttachOptions {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  logs?: boolean;
  detachKeys?: string;
}

/** `not-running` (the default), `next-exit` (used by `run`) or `removed` (`run --rm`). */
export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/**
 * A pending `POST /containers/{id}/wait`. The daemon answers its headers at once and the body when
 * the condition is met, so `accepted` tells when it is safe to start the container without missing
 * the exit.
 */
export interface ContainerWait {
  readonly accepted: Promise<void>;
  readonly result: Promise<WaitResponse>;
  /** Abandons the wait (what `run -d` does once the container started). */
  cancel(): void;
}

export class ContainerApi {
  constructor(private readonly conn: Connection) {}

  list(opts: ContainerListOptions = {}): Promise<ContainerSummary[]> {
    return this.conn.json('GET', '/containers/json', {
      query: {
        all: opts.all,
        limit: opts.limit !== undefined && opts.limit > 0 ? opts.limit : undefined,
        size: opts.size,
        filters: encodeFilters(opts.filters),
      },
    });
  }

  create(body: ContainerCreateRequest, name?: string): Promise<ContainerCreateResponse> {
    return this.conn.json('POST', '/containers/create', { query: { name: name || undefined }, json: body });
  }

  inspect(id: string, opts: { size?: boolean } = {}): Promise<{ value: ContainerInspect; raw: string }> {
    return this.conn.raw('GET', `/containers/${encodeURIComponent(id)}/json`, { query: { size: opts.size } });
  }

  /** Starts a container; one that is already running is not an error (the daemon says 304). */
  async start(id: string): Promise<void> {
    await this.conn.empty('POST', `/containers/${encodeURIComponent(id)}/start`);
  }

  async stop(id: string, opts: StopOptions = {}): Promise<void> {
    await this.conn.empty('POST', `/containers/${encodeURIComponent(id)}/stop`, { query: { t: opts.timeout, signal: opts.signal } });
  }

  async restart(id: string, opts: StopOptions = {}): Promise<void> {
    await this.conn.empty('POST', `/containers/${encodeURIComponent(id)}/restart`, { query: { t: opts.timeout, signal: opts.signal } });
  }

  async kill(id: string, signal?: string): Promise<void> {
    await this.conn.empty('POST', `/containers/${encodeURIComponent(id)}/kill`, { query: { signal: signal || undefined } });
  }

  async pause(id: string): Promise<void> {
    await this.conn.empty('POST', `/containers/${encodeURIComponent(id)}/pause`);
  }

  async unpause(id: string): Promise<void> {
    await this.conn.empty('POST', `/containers/${encodeURIComponent(id)}/unpause`);
  }

  async remove(id: string, opts: RemoveOptions = {}): Promise<void> {
    await this.conn.empty('DELETE', `/containers/${encodeURIComponent(id)}`, { query: { v: opts.volumes, force: opts.force, link: opts.link } });
  }

  async rename(id: string, name: string): Promise<void> {
    await this.conn.empty('POST', `/containers/${encodeURIComponent(id)}/rename`, { query: { name } });
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    await this.conn.empty('POST', `/containers/${encodeURIComponent(id)}/resize`, { query: { h: height, w: width } });
  }

  wait(id: string, condition?: WaitCondition): ContainerWait {
    const abort = new AbortController();
    const response = this.conn.call('POST', `/containers/${encodeURIComponent(id)}/wait`, {
      query: { condition },
      signal: abort.signal,
    });
    const accepted = response.then(() => undefined);
    const result = response.then(async (res) => JSON.parse((await readBody(res)).toString('utf8')) as WaitResponse);
    // Callers may look at only one of the two; the other must not become an unhandled rejection.
    accepted.catch(() => {});
    result.catch(() => {});
    return { accepted, result, cancel: () => abort.abort() };
  }

  /** Attaches to the container's streams over a hijacked connection (docker's `Upgrade: tcp`). */
  attach(id: string, opts: AttachOptions): Promise<UpgradedConnection> {
    return this.conn.upgrade('POST', `/containers/${encodeURIComponent(id)}/attach`, {
      query: { stream: true, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr, logs: opts.logs, detachKeys: opts.detachKeys },
      contentType: 'text/plain',
    });
  }

  /** The log stream: multiplexed frames, or raw bytes for a TTY container. */
  logs(id: string, opts: LogsOptions = {}): Promise<IncomingMessage> {
    return this.conn.call('GET', `/containers/${encodeURIComponent(id)}/logs`, {
      query: {
        stdout: true,
        stderr: true,
        since: opts.since,
        until: opts.until,
        timestamps: opts.timestamps,
        details: opts.details,
        follow: opts.follow,
        tail: opts.tail ?? 'all',
      },
    });
  }

  prune(filters?: Filters): Promise<ContainerPruneReport> {
    return this.conn.json('POST', '/containers/prune', { query: { filters: encodeFilters(filters) } });
  }
}

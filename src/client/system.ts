import type { IncomingMessage } from 'node:http';
import type { BuildCachePruneReport, DiskUsage, EventMessage, SystemInfo, VersionResponse } from '../api/types/index.js';
import type { Connection } from './connection.js';
import { encodeFilters, type Filters } from './query.js';
import { jsonLines } from './streams.js';

export interface EventsOptions {
  /** Unix timestamps, as the API takes them. */
  since?: string;
  until?: string;
  filters?: Filters;
}

/** One event with the line it came in: `timeNano` needs 64 bits, which a parsed number loses. */
export interface EventRecord {
  event: EventMessage;
  timeNano: bigint;
}

export class SystemApi {
  constructor(private readonly conn: Connection) {}

  version(): Promise<VersionResponse> {
    return this.conn.json('GET', '/version');
  }

  info(): Promise<SystemInfo> {
    return this.conn.json('GET', '/info');
  }

  df(): Promise<DiskUsage> {
    return this.conn.json('GET', '/system/df');
  }

  /** The event stream; it ends when the daemon reaches `until`, otherwise it runs until cancelled. */
  async *events(opts: EventsOptions = {}, signal?: AbortSignal): AsyncGenerator<EventRecord> {
    const res: IncomingMessage = await this.conn.call('GET', '/events', {
      query: { since: opts.since, until: opts.until, filters: encodeFilters(opts.filters) },
      ...(signal && { signal }),
    });
    for await (const { value, raw } of jsonLines<EventMessage>(res)) {
      const nano = /"timeNano"\s*:\s*(\d+)/.exec(raw)?.[1];
      yield { event: value, timeNano: nano ? BigInt(nano) : BigInt(value.time ?? 0) * 1_000_000_000n };
    }
  }

  buildCachePrune(opts: { all?: boolean; filters?: Filters } = {}): Promise<BuildCachePruneReport> {
    // docker sends an empty `filters=` here, unlike the other prune calls.
    return this.conn.json('POST', '/build/prune', { query: { all: opts.all, filters: encodeFilters(opts.filters) ?? '' } });
  }
}

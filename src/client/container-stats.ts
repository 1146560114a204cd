import type { IncomingMessage } from 'node:http';
import type { Connection } from './connection.js';

/** `GET /containers/{id}/top`: the column titles and one row of cells per process. */
export interface TopResponse {
  Titles: string[];
  Processes: string[][] | null;
}

export interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[]; usage_in_kernelmode?: number; usage_in_usermode?: number };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** One sample of `GET /containers/{id}/stats`, with only the fields a client computes from. */
export interface StatsResponse {
  read?: string;
  preread?: string;
  name?: string;
  id?: string;
  pids_stats?: { current?: number; limit?: number };
  blkio_stats?: { io_service_bytes_recursive?: Array<{ major: number; minor: number; op: string; value: number }> | null };
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; max_usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

/** docker's client refuses an empty name before any request. */
export function trimId(kind: string, id: string): string {
  const trimmed = id.trim();
  if (trimmed === '') throw new Error(`invalid ${kind} name or ID: value is empty`);
  return trimmed;
}

/** The monitoring calls on a container: its processes and its resource usage. */
export class ContainerStatsApi {
  constructor(private readonly conn: Connection) {}

  /** `psArgs` are the words after the container name (`top web aux`), joined as docker joins them. */
  async top(id: string, psArgs: readonly string[] = []): Promise<TopResponse> {
    const name = trimId('container', id);
    return this.conn.json('GET', `/containers/${encodeURIComponent(name)}/top`, {
      query: { ps_args: psArgs.length ? psArgs.join(' ') : undefined },
    });
  }

  /**
   * The stats stream (one JSON document a second) or, with `stream` false, a single sample whose
   * `precpu_stats` lets the caller compute a CPU percentage. The body is returned unread.
   */
  async stats(id: string, stream: boolean, signal?: AbortSignal): Promise<IncomingMessage> {
    const name = trimId('container', id);
    return this.conn.call('GET', `/containers/${encodeURIComponent(name)}/stats`, {
      // docker always sends the parameter: stream=0 or stream=1
      query: { stream: stream ? '1' : '0' },
      ...(signal && { signal }),
    });
  }
}

import type { NetworkPruneReport } from '../api/types/index.js';
import type { Connection } from './connection.js';
import { encodeFilters, type Filters } from './query.js';

/** The network calls the CLI needs so far: generic `inspect` and `system prune`. */
export class NetworkApi {
  constructor(private readonly conn: Connection) {}

  inspect(name: string): Promise<{ value: unknown; raw: string }> {
    return this.conn.raw('GET', `/networks/${encodeURIComponent(name)}`);
  }

  prune(filters?: Filters): Promise<NetworkPruneReport> {
    return this.conn.json('POST', '/networks/prune', { query: { filters: encodeFilters(filters) } });
  }
}

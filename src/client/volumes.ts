import type { VolumePruneReport } from '../api/types/index.js';
import type { Connection } from './connection.js';
import { encodeFilters, type Filters } from './query.js';

/** The volume calls the CLI needs so far: generic `inspect` and `system prune --volumes`. */
export class VolumeApi {
  constructor(private readonly conn: Connection) {}

  inspect(name: string): Promise<{ value: unknown; raw: string }> {
    return this.conn.raw('GET', `/volumes/${encodeURIComponent(name)}`);
  }

  prune(filters?: Filters): Promise<VolumePruneReport> {
    return this.conn.json('POST', '/volumes/prune', { query: { filters: encodeFilters(filters) } });
  }
}

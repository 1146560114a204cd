import type { Volume, VolumeCreateRequest, VolumeListResponse, VolumePruneReport } from '../api/types/index.js';
import type { Connection } from './connection.js';
import { encodeFilters, type Filters } from './query.js';

/** `/volumes*`: what `volume create|ls|inspect|rm|prune`, `inspect` and `system prune --volumes` use. */
export class VolumeApi {
  constructor(private readonly conn: Connection) {}

  /**
   * The body has the shape of Go's volume.CreateOptions: fields in its order, and empty ones left out
   * (omitempty), so `volume create` with no options sends `{"Driver":"local"}` as docker does.
   */
  create(req: VolumeCreateRequest): Promise<Volume> {
    const nonEmpty = (m: Record<string, string> | null | undefined) => (m && Object.keys(m).length > 0 ? sortedKeys(m) : undefined);
    const driverOpts = nonEmpty(req.DriverOpts);
    const labels = nonEmpty(req.Labels);
    const body: VolumeCreateRequest = {
      ...(req.Driver && { Driver: req.Driver }),
      ...(driverOpts && { DriverOpts: driverOpts }),
      ...(labels && { Labels: labels }),
      ...(req.Name && { Name: req.Name }),
    };
    return this.conn.json('POST', '/volumes/create', { json: body });
  }

  list(filters?: Filters): Promise<VolumeListResponse> {
    return this.conn.json('GET', '/volumes', { query: { filters: encodeFilters(filters) } });
  }

  inspect(name: string): Promise<{ value: Volume; raw: string }> {
    return this.conn.raw('GET', `/volumes/${encodeURIComponent(name)}`);
  }

  /** With force, a volume that does not exist is not an error (the daemon decides; docker sends `force=1`). */
  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.conn.empty('DELETE', `/volumes/${encodeURIComponent(name)}`, { query: { force: opts.force } });
  }

  prune(filters?: Filters): Promise<VolumePruneReport> {
    return this.conn.json('POST', '/volumes/prune', { query: { filters: encodeFilters(filters) } });
  }
}

/** Go marshals a map with its keys sorted; the daemon's copy then reads the same as docker's. */
function sortedKeys(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]!]));
}

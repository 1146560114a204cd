import type { Connection } from './connection.js';

/** The volume calls the CLI needs so far: generic `inspect`. */
export class VolumeApi {
  constructor(private readonly conn: Connection) {}

  inspect(name: string): Promise<{ value: unknown; raw: string }> {
    return this.conn.raw('GET', `/volumes/${encodeURIComponent(name)}`);
  }
}

import { apiVersion } from '../api/types/index.js';
import type { DaemonAddress } from './address.js';
import { Connection, type PingResult } from './connection.js';
import { ContainerFilesApi } from './container-files.js';
import { ContainerStatsApi } from './container-stats.js';
import { ContainerApi } from './containers.js';
import { ExecApi } from './exec.js';
import { ImageApi } from './images.js';
import { NetworkApi } from './networks.js';
import { SystemApi } from './system.js';
import { Transport } from './transport.js';
import { VolumeApi } from './volumes.js';

export interface ClientOptions {
  address: DaemonAddress;
  userAgent?: string;
  /** The newest API version to use (default: the one berth speaks). */
  maxApiVersion?: string;
}

/**
 * A typed client of the Docker Engine API, good for berthd and dockerd alike. Calls are grouped by
 * resource (`client.containers.start(id)`); failures are DaemonError (with the error kind of the
 * status) or ConnectionError.
 */
export class Client {
  readonly containers: ContainerApi;
  readonly images: ImageApi;
  readonly system: SystemApi;
  readonly networks: NetworkApi;
  readonly volumes: VolumeApi;
  readonly exec: ExecApi;
  readonly containerStats: ContainerStatsApi;
  readonly containerFiles: ContainerFilesApi;
  private readonly conn: Connection;

  constructor(opts: ClientOptions) {
    const transport = new Transport(opts.address, opts.userAgent ?? 'Berth-Client (linux)');
    this.conn = new Connection(transport, opts.maxApiVersion ?? apiVersion);
    this.containers = new ContainerApi(this.conn);
    this.images = new ImageApi(this.conn);
    this.system = new SystemApi(this.conn);
    this.networks = new NetworkApi(this.conn);
    this.volumes = new VolumeApi(this.conn);
    this.exec = new ExecApi(this.conn);
    this.containerStats = new ContainerStatsApi(this.conn);
    this.containerFiles = new ContainerFilesApi(this.conn);
  }

  get address(): DaemonAddress {
    return this.conn.transport.address;
  }

  /** The API version in use, negotiated with the daemon on first call. */
  apiVersion(): Promise<string> {
    return this.conn.version();
  }

  /** The newest version this client would use with a new enough daemon. */
  get maxApiVersion(): string {
    return this.conn.maxVersion;
  }

  ping(): Promise<PingResult> {
    return this.conn.ping();
  }

  close(): void {
    this.conn.transport.close();
  }
}

import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest } from '../common/digest.js';
import { invalidArgument, notFound } from '../common/errors.js';
import { readJsonFile, writeJsonAtomic } from '../common/atomic-file.js';
import { Trash } from '../common/trash.js';
import type { ContainerConfig, HostConfig, NetworkingConfig } from '../oci/container-config.js';
import type { HealthState } from './health-state.js';
import type { ContainerMount } from './mount-points.js';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  Status: ContainerStatus;
  Pid: number;
  ExitCode: number;
  Error: string;
  OOMKilled: boolean;
  StartedAt: string;
  FinishedAt: string;
  /** Present once a container with a healthcheck has started. */
  Health?: HealthState;
}

/** Everything berth persists about a container. Docker-shaped parts are kept as Docker sends them. */
export interface ContainerRecord {
  id: string;
  /** With the leading slash, as Docker reports it: "/web". */
  name: string;
  created: string;
  path: string;
  args: string[];
  image: Digest;
  config: ContainerConfig;
  hostConfig: HostConfig;
  networkingConfig: NetworkingConfig | null;
  state: ContainerState;
  restartCount: number;
  runtime: string;
  cgroupsPath: string;
  conmonPid: number;
  /** Set by an explicit stop, so `unless-stopped` and `always` know not to bring it back. */
  manuallyStopped: boolean;
  /** Volumes, binds and tmpfs mounts, resolved at create (absent in records written before volumes existed). */
  mounts?: ContainerMount[];
}

export function isActive(s: ContainerStatus): boolean {
  return s === 'running' || s === 'paused' || s === 'restarting';
}

const namePattern = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function validateName(name: string): string {
  if (!namePattern.test(name)) throw invalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.startsWith('/') ? name : `/${name}`;
}

/**
 * Container records under `<data-root>/containers/<id>/record.json`, plus the per-container files
 * berth generates there (hostname, hosts, resolv.conf, the log). All records are held in memory;
 * every change is written atomically before it is acted on.
 */
export class ContainerStore {
  readonly dir: string;
  private readonly byId = new Map<string, ContainerRecord>();
  private readonly trash: Trash;

  constructor(dataRoot: string) {
    this.dir = join(dataRoot, 'containers');
    this.trash = new Trash(join(this.dir, '.trash'));
  }

  async init(): Promise<ContainerRecord[]> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.trash.sweep();
    for (const id of await readdir(this.dir)) {
      if (!/^[a-f0-9]{64}$/.test(id)) continue;
      const rec = await readJsonFile<ContainerRecord>(join(this.dir, id, 'record.json')).catch(() => undefined);
      if (rec && rec.id === id) this.byId.set(id, rec);
      else await rm(join(this.dir, id), { recursive: true, force: true });
    }
    return [...this.byId.values()];
  }

  containerDir(id: string): string {
    return join(this.dir, id);
  }

  logPath(id: string): string {
    return join(this.dir, id, 'container.log');
  }

  all(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  get(id: string): ContainerRecord | undefined {
    return this.byId.get(id);
  }

  byName(name: string): ContainerRecord | undefined {
    const n = name.startsWith('/') ? name : `/${name}`;
    for (const r of this.byId.values()) if (r.name === n) return r;
    return undefined;
  }

  /** Docker's lookup order: full id, exact name, then an unambiguous id prefix. */
  find(idOrName: string): ContainerRecord {
    if (!idOrName) throw notFound('No such container: ');
    const exact = this.byId.get(idOrName) ?? this.byName(idOrName);
    if (exact) return exact;
    if (/^[a-f0-9]+$/.test(idOrName)) {
      const matches = [...this.byId.keys()].filter((id) => id.startsWith(idOrName));
      if (matches.length === 1) return this.byId.get(matches[0]!)!;
      if (matches.length > 1) throw invalidArgument(`Multiple IDs found with provided prefix: ${idOrName}`);
    }
    throw notFound(`No such container: ${idOrName}`);
  }

  async save(rec: ContainerRecord): Promise<void> {
    await mkdir(this.containerDir(rec.id), { recursive: true, mode: 0o700 });
    // Container state changes on every start and exit; after a power loss every container is
    // stopped anyway, so atomicity (not fsync) is what these writes need.
    await writeJsonAtomic(join(this.containerDir(rec.id), 'record.json'), rec, { durable: false });
    this.byId.set(rec.id, rec);
  }

  async delete(id: string): Promise<void> {
    // Drop the record file first: a crash midway leaves a directory without a record, which init removes.
    await rm(join(this.containerDir(id), 'record.json'), { force: true });
    this.byId.delete(id);
    await this.trash.discard(this.containerDir(id));
  }

  /** Waits until discarded container directories are really deleted. */
  async settled(): Promise<void> {
    await this.trash.drain();
  }
}

/** The attributes dockerd puts on a container's events: its labels, then image and name (and extras). */
export function containerEventAttrs(rec: ContainerRecord, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(rec.config.Labels ?? {}), image: rec.config.Image, name: rec.name.slice(1), ...extra };
}

import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runChecked } from '../common/command.js';
import { conflict, invalidArgument, isKind, notFound } from '../common/errors.js';
import { dirSize } from '../common/dir-size.js';
import { resolveInRoot } from '../common/fs-root.js';
import type { Logger } from '../common/log.js';
import type { VolumeRecord, VolumeStore } from '../volume/store.js';
import type { ContainerStore, ContainerRecord } from './container-record.js';
import type { EventBus } from './events.js';
import { matchAny, matchLabels, parseBool, validateFilterKeys, type Filters } from './filters.js';
import type { ContainerMount } from './mount-points.js';

export interface VolumeServiceDeps {
  store: VolumeStore;
  containers: ContainerStore;
  events: EventBus;
  log: Logger;
}

/** A volume with what dockerd computes around it. */
export interface VolumeView {
  record: VolumeRecord;
  mountpoint: string;
  refCount: number;
}

/**
 * Volumes as the engine sees them: the local driver's store, plus which containers use each one.
 * A volume is in use while any container record (running or not) mounts it, or while a container
 * that will mount it is being created; that is dockerd's reference rule, and it is what keeps
 * `volume rm` and `prune` from deleting data a container still expects to find.
 */
export class VolumeService {
  /** Volumes held by container creations that have not written their record yet. */
  private readonly pending = new Map<string, Set<string>>();

  constructor(private readonly d: VolumeServiceDeps) {}

  get store(): VolumeStore {
    return this.d.store;
  }

  /** Ids of the containers that use the volume. */
  users(name: string): string[] {
    const ids = new Set(this.pending.get(name) ?? []);
    for (const rec of this.d.containers.all()) {
      if (mountsOf(rec).some((m) => m.type === 'volume' && m.name === name)) ids.add(rec.id);
    }
    return [...ids];
  }

  view(rec: VolumeRecord): VolumeView {
    return { record: rec, mountpoint: this.d.store.mountpoint(rec.name), refCount: this.users(rec.name).length };
  }

  inspect(name: string): VolumeView {
    return this.view(this.d.store.find(name));
  }

  async create(req: { name?: string; driver?: string; options?: Record<string, string> | null; labels?: Record<string, string> | null; anonymous?: boolean }): Promise<VolumeView> {
    const { record, created } = await this.d.store.create(req);
    if (created) this.d.events.publish('volume', 'create', record.name, { driver: record.driver });
    return this.view(record);
  }

  list(filters: Filters): VolumeView[] {
    validateFilterKeys(filters, ['dangling', 'name', 'label', 'driver']);
    const dangling = filters.get('dangling');
    const wantDangling = dangling && dangling.length > 0 ? parseBool(dangling[0], 'dangling') : undefined;
    return this.d.store
      .all()
      .map((r) => this.view(r))
      .filter((v) => wantDangling === undefined || (v.refCount === 0) === wantDangling)
      .filter((v) => matchAny(filters.get('name'), (n) => nameMatches(n, v.record.name)))
      .filter((v) => matchAny(filters.get('driver'), (d) => v.record.driver === d))
      .filter((v) => matchLabels(filters.get('label'), v.record.labels))
      .sort((a, b) => (a.record.name < b.record.name ? -1 : a.record.name > b.record.name ? 1 : 0));
  }

  /** `volume rm`: refused while any container uses it; `force` makes a missing volume no error. */
  async remove(name: string, force = false): Promise<void> {
    if (!this.d.store.get(name)) {
      if (force) return;
      throw notFound(`get ${name}: no such volume`);
    }
    const users = this.users(name);
    if (users.length > 0) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    await this.d.store.remove(name);
    this.d.events.publish('volume', 'destroy', name, { driver: 'local' });
  }

  /**
   * Removes unused volumes. Before API 1.42 (dockerd 20.10, what berth speaks) every unused volume
   * goes; from 1.42 only anonymous ones unless the `all` filter says otherwise.
   */
  async prune(filters: Filters, apiVersionBefore142: boolean): Promise<{ deleted: string[]; reclaimed: number }> {
    validateFilterKeys(filters, ['label', 'label!', 'all']);
    const allValue = filters.get('all')?.[0];
    const all = apiVersionBefore142 || (allValue !== undefined && parseBool(allValue, 'all'));
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const rec of this.d.store.all()) {
      if (!all && !rec.anonymous) continue;
      // dockerd 20.10 never prunes a volume with driver options: its data may live elsewhere.
      if (rec.options) continue;
      if (!matchLabels(filters.get('label'), rec.labels)) continue;
      if (filters.get('label!')?.some((l) => matchLabels([l], rec.labels))) continue;
      if (this.users(rec.name).length > 0) continue;
      const size = await this.size(rec.name);
      try {
        await this.remove(rec.name);
        deleted.push(rec.name);
        reclaimed += size;
      } catch (err) {
        if (!isKind(err, 'conflict') && !isKind(err, 'not-found')) throw err;
      }
    }
    this.d.events.publish('volume', 'prune', '', { reclaimed: String(reclaimed) });
    return { deleted, reclaimed };
  }

  async size(name: string): Promise<number> {
    return dirSize(this.d.store.mountpoint(name));
  }

  // ------------------------------------------------------------ containers' side

  /**
   * Gives every volume mount of a container being created its volume, creating named ones that do
   * not exist yet and anonymous ones always; they count as used by `containerId` until `settle`.
   * On failure, the volumes this call created are removed again.
   */
  async provide(containerId: string, mounts: ContainerMount[]): Promise<{ mounts: ContainerMount[]; created: string[]; settle: () => void }> {
    const created: string[] = [];
    const held: string[] = [];
    const settle = () => {
      for (const name of held) {
        const set = this.pending.get(name);
        set?.delete(containerId);
        if (set && set.size === 0) this.pending.delete(name);
      }
    };
    try {
      const out: ContainerMount[] = [];
      for (const m of mounts) {
        if (m.type !== 'volume') {
          out.push(m);
          continue;
        }
        const anonymous = !m.name;
        if (m.driver && m.driver !== 'local') throw notFound(`create ${m.name || ''}: error looking up volume plugin ${m.driver}: plugin "${m.driver}" not found`);
        const existed = !anonymous && this.d.store.get(m.name!) !== undefined;
        const v = await this.d.store.create({ ...(m.name && { name: m.name }), labels: m.volumeLabels ?? null, options: m.volumeDriverOptions ?? null, anonymous });
        if (!existed) {
          created.push(v.record.name);
          this.d.events.publish('volume', 'create', v.record.name, { driver: 'local' });
        }
        let set = this.pending.get(v.record.name);
        if (!set) this.pending.set(v.record.name, (set = new Set()));
        set.add(containerId);
        held.push(v.record.name);
        out.push({ ...m, name: v.record.name, driver: 'local' });
      }
      return { mounts: out, created, settle };
    } catch (err) {
      settle();
      await this.discard(created);
      throw err;
    }
  }

  /** Removes volumes a failed creation made. */
  async discard(names: string[]): Promise<void> {
    for (const name of names) {
      if (this.users(name).length === 0) await this.d.store.remove(name).catch((err: unknown) => this.d.log.warn('volume cleanup failed', { name, err }));
    }
  }

  /**
   * dockerd's copy-up: a volume that is still empty gets the image's content at the mount's
   * destination (owner and mode of the directory too). `rootfs` is the container's root file
   * system, mounted and not running, so nothing moves while the path is resolved in it.
   */
  async copyUp(containerId: string, mount: ContainerMount, rootfs: string): Promise<void> {
    if (mount.type !== 'volume' || !mount.copyData || !mount.name) return;
    const src = await resolveInRoot(rootfs, mount.destination);
    const st = await lstat(src).catch(() => undefined);
    if (!st?.isDirectory()) return;
    const user = `copy-${containerId}`;
    const data = await this.d.store.mount(mount.name, user);
    try {
      if ((await readdir(data)).length > 0) return;
      const mounted = this.d.store.get(mount.name)?.options?.['type'] !== undefined;
      if (mounted) {
        // A driver's own file system: copied straight in (it cannot take a rename from outside).
        await runChecked('cp', ['-a', '--', `${src}/.`, `${data}/`]);
      } else {
        // Staged beside _data, where no container can see, then moved in: a container sharing the
        // volume cannot steer the copy with a symlink planted meanwhile (rename never follows one).
        const staging = join(data, '..', `.copyup-${randomBytes(6).toString('hex')}`);
        await mkdir(staging, { mode: 0o700 });
        try {
          await runChecked('cp', ['-a', '--', `${src}/.`, `${staging}/`]);
          for (const name of await readdir(staging)) {
            const exists = await lstat(join(data, name)).then(() => true, () => false);
            if (!exists) await rename(join(staging, name), join(data, name));
          }
        } finally {
          await rm(staging, { recursive: true, force: true });
        }
      }
      await chown(data, st.uid, st.gid);
      await chmod(data, st.mode & 0o7777);
    } finally {
      await this.d.store.unmount(mount.name, user);
    }
  }

  /** Mounts (for option volumes) what a starting container needs; returns each volume's host path. */
  async attach(rec: ContainerRecord): Promise<Map<string, string>> {
    const paths = new Map<string, string>();
    const done: string[] = [];
    try {
      for (const m of mountsOf(rec)) {
        if (m.type !== 'volume' || !m.name || paths.has(m.name)) continue;
        if (!this.d.store.get(m.name)) throw notFound(`get ${m.name}: no such volume`);
        paths.set(m.name, await this.d.store.mount(m.name, rec.id));
        done.push(m.name);
      }
    } catch (err) {
      for (const name of done) await this.d.store.unmount(name, rec.id).catch(() => {});
      throw err;
    }
    return paths;
  }

  /** Publishes dockerd's `volume mount` events once a container started with its volumes. */
  announceMounts(rec: ContainerRecord): void {
    for (const m of mountsOf(rec)) {
      if (m.type !== 'volume' || !m.name) continue;
      this.d.events.publish('volume', 'mount', m.name, {
        container: rec.id,
        destination: m.destination,
        driver: 'local',
        propagation: m.propagation,
        'read/write': String(m.rw),
      });
    }
  }

  /** The container stopped: its option volumes may be unmounted, and `volume unmount` is published. */
  async detach(rec: ContainerRecord): Promise<void> {
    const seen = new Set<string>();
    for (const m of mountsOf(rec)) {
      if (m.type !== 'volume' || !m.name || seen.has(m.name)) continue;
      seen.add(m.name);
      await this.d.store.unmount(m.name, rec.id).catch((err: unknown) => this.d.log.warn('volume unmount failed', { name: m.name, err }));
      this.d.events.publish('volume', 'unmount', m.name, { container: rec.id, driver: 'local' });
    }
  }

  /** After a daemon restart: running containers keep their volumes mounted. */
  async adoptRunning(running: ContainerRecord[]): Promise<void> {
    for (const rec of running) for (const m of mountsOf(rec)) if (m.type === 'volume' && m.name) this.d.store.adopt(m.name, rec.id);
    await this.d.store.unmountUnused();
  }

  /**
   * The container was removed: with `removeAnonymous` (`rm -v`, `--rm`), its anonymous volumes go
   * too, unless another container still uses them (dockerd ignores that conflict).
   */
  async release(rec: ContainerRecord, removeAnonymous: boolean): Promise<void> {
    if (!removeAnonymous) return;
    for (const m of mountsOf(rec)) {
      if (m.type !== 'volume' || !m.name || m.named) continue;
      try {
        await this.remove(m.name);
      } catch (err) {
        if (!isKind(err, 'conflict') && !isKind(err, 'not-found')) this.d.log.warn('anonymous volume removal failed', { name: m.name, err });
      }
    }
  }

  /** Host path of a volume's data, for a container's mount. */
  mountpoint(name: string): string {
    if (!this.d.store.get(name)) throw invalidArgument(`no such volume: ${name}`);
    return this.d.store.mountpoint(name);
  }
}

/** dockerd's name filter is a regular expression (a bad one matches as plain text). */
function nameMatches(pattern: string, name: string): boolean {
  try {
    return new RegExp(pattern).test(name);
  } catch {
    return name.includes(pattern);
  }
}

export function mountsOf(rec: Pick<ContainerRecord, 'mounts'>): ContainerMount[] {
  return rec.mounts ?? [];
}

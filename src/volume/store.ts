import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runChecked } from '../common/command.js';
import { conflict, errnoCode, internal, invalidArgument, messageOf, notFound } from '../common/errors.js';
import { writeFileAtomic, syncDir } from '../common/atomic-file.js';
import type { Logger } from '../common/log.js';
import { syscalls, MNT_DETACH } from '../common/syscalls.js';
import { Trash } from '../common/trash.js';

/** What berth keeps of a volume, in `<root>/<name>/volume.json`. */
export interface VolumeRecord {
  name: string;
  driver: 'local';
  /** RFC 3339 to the second, UTC, as dockerd shows it. */
  createdAt: string;
  /** As given; null when none were (dockerd answers null, and docker-compose compares them). */
  labels: Record<string, string> | null;
  options: Record<string, string> | null;
  /** Created for a container (`-v /path`, an image VOLUME) rather than named by the user. */
  anonymous: boolean;
}

export interface CreateVolume {
  name?: string;
  driver?: string;
  options?: Record<string, string> | null;
  labels?: Record<string, string> | null;
  anonymous?: boolean;
}

/** moby's local driver: a name is a single safe path component (no `/`, no leading `.`). */
const namePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const nameChars = '[a-zA-Z0-9][a-zA-Z0-9_.-]';
/** The local driver's option keys, and the ones each needs beside it. */
const optionKeys = ['type', 'device', 'o'];
const requiredWith: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };

export function validateVolumeName(name: string): void {
  if (name.length === 1) throw invalidArgument(`create ${name}: volume name is too short, names should be at least two alphanumeric characters`);
  if (!namePattern.test(name)) {
    throw invalidArgument(`create ${name}: "${name}" includes invalid characters for a local volume name, only "${nameChars}" are allowed. If you intended to pass a host directory, use absolute path`);
  }
}

export function validateVolumeOptions(name: string, options: Record<string, string> | null | undefined): void {
  if (!options) return;
  for (const key of Object.keys(options)) {
    if (!optionKeys.includes(key)) throw invalidArgument(`create ${name}: invalid option: "${key}"`);
  }
  for (const [key, needs] of Object.entries(requiredWith)) {
    if (!(key in options)) continue;
    for (const need of needs) if (!(need in options)) throw invalidArgument(`create ${name}: missing required option: "${need}"`);
  }
}

/**
 * The `local` volume driver. Each volume is a directory `<root>/<name>` holding its record and its
 * data in `_data` (the Mountpoint). A volume is created whole in a hidden directory and renamed
 * into place, and removed by renaming it into the trash, so a crash never leaves half a volume
 * visible. Volumes with driver options (`-o type=tmpfs device=tmpfs o=size=10m`) have their file
 * system mounted on `_data` while at least one container uses them, as moby's local driver does.
 */
export class VolumeStore {
  private readonly records = new Map<string, VolumeRecord>();
  /** Users (container ids) of each mounted option volume. */
  private readonly users = new Map<string, Set<string>>();
  private readonly trash: Trash;

  constructor(
    readonly root: string,
    private readonly log: Logger,
  ) {
    this.trash = new Trash(join(root, '.trash'));
  }

  async load(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o701 });
    await this.trash.sweep();
    for (const entry of await readdir(this.root)) {
      const dir = join(this.root, entry);
      // Creations that did not finish: never visible, so never used.
      if (entry.startsWith('.creating-')) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      if (entry.startsWith('.')) continue;
      try {
        const rec = JSON.parse(await readFile(join(dir, 'volume.json'), 'utf8')) as VolumeRecord;
        if (rec.name !== entry) throw new Error(`record names ${rec.name}`);
        this.records.set(rec.name, rec);
      } catch (err) {
        this.log.warn('skipping unreadable volume', { name: entry, err: messageOf(err) });
      }
    }
  }

  get(name: string): VolumeRecord | undefined {
    return this.records.get(name);
  }

  find(name: string): VolumeRecord {
    const rec = this.records.get(name);
    if (!rec) throw notFound(`get ${name}: no such volume`);
    return rec;
  }

  all(): VolumeRecord[] {
    return [...this.records.values()];
  }

  mountpoint(name: string): string {
    return join(this.root, name, '_data');
  }

  /**
   * Creates the volume, or returns the one of that name (volume create is idempotent in dockerd,
   * unless the options ask for a different volume).
   */
  async create(req: CreateVolume): Promise<{ record: VolumeRecord; created: boolean }> {
    const driver = req.driver || 'local';
    const name = req.name || randomBytes(32).toString('hex');
    if (driver !== 'local') throw notFound(`create ${name}: error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    validateVolumeName(name);
    const options = req.options && Object.keys(req.options).length > 0 ? { ...req.options } : null;
    // dockerd answers with the existing volume whatever the options (compose compares them itself).
    const existing = this.records.get(name);
    if (existing) return { record: existing, created: false };
    validateVolumeOptions(name, options);
    const record: VolumeRecord = {
      name,
      driver: 'local',
      createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      labels: req.labels && Object.keys(req.labels).length > 0 ? { ...req.labels } : null,
      options,
      anonymous: req.anonymous ?? false,
    };
    const staging = join(this.root, `.creating-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(join(staging, '_data'), { recursive: true, mode: 0o755 });
      await writeFileAtomic(join(staging, 'volume.json'), JSON.stringify(record));
      // Another create of the same name may have won while this one was writing.
      if (this.records.has(name)) return { record: this.records.get(name)!, created: false };
      await rename(staging, join(this.root, name));
      await syncDir(this.root);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      if (errnoCode(err) === 'ENOTEMPTY' || errnoCode(err) === 'EEXIST') throw conflict(`create ${name}: a directory of that name is in the way`);
      throw err;
    }
    this.records.set(name, record);
    return { record, created: true };
  }

  /** Removes the volume (whether it is in use is the caller's question). */
  async remove(name: string): Promise<void> {
    const rec = this.find(name);
    if (this.users.get(name)?.size) throw conflict(`remove ${name}: volume is in use`);
    // Nothing may stay mounted below it: deleting would go through into the mounted file system.
    await this.unmountData(name);
    if (await this.hasMountsBelow(join(this.root, name))) throw internal(`remove ${name}: something is still mounted in the volume`);
    this.records.delete(name);
    await this.trash.discard(join(this.root, rec.name));
  }

  /**
   * Makes the volume ready for container `user` and returns the path to bind-mount: for a volume
   * with driver options, its file system is mounted on `_data` by the first user.
   */
  async mount(name: string, user: string): Promise<string> {
    const rec = this.find(name);
    const path = this.mountpoint(name);
    const opts = rec.options;
    if (!opts || !opts['type']) return path;
    let users = this.users.get(name);
    if (!users) {
      users = new Set();
      this.users.set(name, users);
    }
    if (users.size === 0 && !(await isMountPoint(path))) {
      try {
        await runChecked('mount', ['-t', opts['type'], ...(opts['o'] ? ['-o', opts['o']] : []), opts['device'] ?? opts['type'], path]);
      } catch (err) {
        throw invalidArgument(`error while mounting volume '${path}': failed to mount local volume: ${messageOf(err).trim()}`, err);
      }
    }
    users.add(user);
    return path;
  }

  /** Container `user` is done with the volume; the last one unmounts an option volume's file system. */
  async unmount(name: string, user: string): Promise<void> {
    const users = this.users.get(name);
    if (!users?.delete(user) || users.size > 0) return;
    this.users.delete(name);
    await this.unmountData(name);
  }

  /** After a daemon restart: `user` is still running with the volume mounted. */
  adopt(name: string, user: string): void {
    const rec = this.records.get(name);
    if (!rec?.options?.['type']) return;
    let users = this.users.get(name);
    if (!users) this.users.set(name, (users = new Set()));
    users.add(user);
  }

  /** Unmounts option volumes nobody uses any more (a daemon restart after their users exited). */
  async unmountUnused(): Promise<void> {
    for (const rec of this.records.values()) {
      if (rec.options?.['type'] && !this.users.get(rec.name)?.size) await this.unmountData(rec.name).catch((err: unknown) => this.log.warn('volume unmount failed', { name: rec.name, err }));
    }
  }

  async drain(): Promise<void> {
    await this.trash.drain();
  }

  private async unmountData(name: string): Promise<void> {
    const path = this.mountpoint(name);
    while (await isMountPoint(path)) {
      if (syscalls) await syscalls.umount(path, MNT_DETACH);
      else await runChecked('umount', ['-l', path]);
    }
  }

  private async hasMountsBelow(dir: string): Promise<boolean> {
    const info = await readFile('/proc/self/mountinfo', 'utf8');
    return info.split('\n').some((line) => {
      const target = unescapeMountPath(line.split(' ')[4] ?? '');
      return target === dir || target.startsWith(`${dir}/`);
    });
  }
}

/** A directory with a file system mounted on it (its device differs from its parent's). */
async function isMountPoint(path: string): Promise<boolean> {
  try {
    const info = await readFile('/proc/self/mountinfo', 'utf8');
    return info.split('\n').some((line) => unescapeMountPath(line.split(' ')[4] ?? '') === path);
  } catch {
    const [a, b] = await Promise.all([lstat(path), lstat(join(path, '..'))]);
    return a.dev !== b.dev;
  }
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

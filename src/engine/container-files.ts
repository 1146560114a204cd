import { randomBytes } from 'node:crypto';
import { constants as fsc, createReadStream, createWriteStream, type BigIntStats } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, cancelled, conflict, errnoCode, internal, invalidArgument, messageOf, notFound } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { ContentStore } from '../content/store.js';
import type { ImageStore } from '../image/store.js';
import { DirHandle, TarWriter } from '../image/tree-tar.js';
import { parseGroup, parsePasswd } from '../runtime/user.js';
import type { OverlaySnapshotter } from '../snapshot/overlay.js';
import { openArchiveSource, type ArchiveSource } from './archive-read.js';
import { extractArchive, validateArchive } from './archive-extract.js';
import { containerEventAttrs, type ContainerRecord } from './container-record.js';
import type { ContainerService } from './containers.js';
import type { EventBus } from './events.js';
import type { ImageService } from './images.js';
import type { VolumeService } from './volumes.js';
import { containerMounts } from './path-mounts.js';
import { encodePathStat, goFileMode, goMode, hasGoMode, pathStat, type PathStat } from './path-stat.js';
import { baseName, cleanPath, ContainerView, preserveTrailingDotOrSeparator, type Location } from './path-view.js';

export { encodePathStat, goFileMode, goMode, hasGoMode, type PathStat };

export interface ContainerFilesDeps {
  containers: ContainerService;
  images: ImageService;
  imageStore: ImageStore;
  content: ContentStore;
  snapshotter: OverlaySnapshotter;
  volumes: VolumeService;
  events: EventBus;
  log: Logger;
}

export interface ExtractRequest {
  noOverwriteDirNonDir: boolean;
  copyUIDGID: boolean;
  signal?: AbortSignal;
}

/**
 * A container's files seen from outside: copying in and out (`cp`, the archive endpoints) and
 * `export`. Files are always reached through ContainerService.withRootfs, which keeps the root
 * file system mounted for the duration, running or not, and through a ContainerView, which
 * resolves every path inside the container (its symlinks never lead to the host's files).
 */
export class ContainerFiles {
  constructor(readonly d: ContainerFilesDeps) {}

  private containerDir(id: string): string {
    return this.d.containers.containerDir(id);
  }

  private async withView<T>(idOrName: string, fn: (view: ContainerView, rec: ContainerRecord) => Promise<T>): Promise<T> {
    return this.d.containers.withRootfs(idOrName, async (rootfs, rec) => {
      const dir = this.containerDir(rec.id);
      const view = await ContainerView.open(rootfs, await containerMounts(rec, dir, (name) => this.d.volumes.mountpoint(name)));
      try {
        return await fn(view, rec);
      } finally {
        await view.close();
      }
    });
  }

  /** Docker's errors for a path: a missing one is a 404 in moby's words, others keep theirs. */
  private pathError(err: unknown, path: string, idOrName: string): unknown {
    const code = errnoCode(err);
    if (code === 'ENOENT') return notFound(`Could not find the file ${path} in container ${idOrName}`, err);
    if (err instanceof BerthError) return err;
    return internal(messageOf(err), err);
  }

  /** `HEAD /containers/{id}/archive`: the entry at `path`, not followed if it is a symlink. */
  async statPath(idOrName: string, path: string): Promise<PathStat> {
    if (path === '') throw invalidArgument('bad parameter: path cannot be empty');
    this.d.containers.find(idOrName);
    try {
      return await this.withView(idOrName, (view) => statAt(view, path));
    } catch (err) {
      throw this.pathError(err, path, idOrName);
    }
  }

  /**
   * `GET /containers/{id}/archive`: `start` gets the stat once the path is known to exist (the
   * response headers go out then) and returns where the tar goes.
   */
  async archivePath(idOrName: string, path: string, start: (stat: PathStat) => Writable, signal?: AbortSignal): Promise<void> {
    if (path === '') throw invalidArgument('bad parameter: path cannot be empty');
    this.d.containers.find(idOrName);
    let started = false;
    try {
      await this.withView(idOrName, async (view, rec) => {
        const absPath = preserveTrailingDotOrSeparator(cleanPath(`/${path}`), path);
        const loc = await view.resolve(absPath);
        let source: ArchiveSource;
        try {
          source = await openArchiveSource(view, loc, absPath);
        } finally {
          await loc.dir.close();
        }
        try {
          const out = start(await locationStat(view, loc, absPath, source.stat));
          started = true;
          await writeTar(out, signal, (tw) => source.write(tw, signal));
        } finally {
          await source.close();
        }
        this.d.events.publish('container', 'archive-path', rec.id, containerEventAttrs(rec));
      });
    } catch (err) {
      if (started) throw err;
      throw this.pathError(err, path, idOrName);
    }
  }

  /** `PUT /containers/{id}/archive`: extracts a tar into the directory `path`. */
  async extractToDir(idOrName: string, path: string, body: AsyncIterable<Buffer>, req: ExtractRequest): Promise<void> {
    if (path === '') throw invalidArgument('bad parameter: path cannot be empty');
    this.d.containers.find(idOrName);
    try {
      await this.withView(idOrName, async (view, rec) => {
        const absPath = preserveTrailingDotOrSeparator(cleanPath(`/${path}`), path);
        const dest = await view.resolve(absPath, { follow: true });
        try {
          const st = await ContainerView.stat(dest);
          if (!st.isDirectory()) throw invalidArgument('extraction point is not a directory');
          const mount = view.mountCovering(dest.path);
          if (mount && !mount.writable) throw invalidArgument('mounted volume is marked read-only');
          if (!mount && rec.hostConfig.ReadonlyRootfs) throw invalidArgument('container rootfs is marked read-only');
          const chown = req.copyUIDGID ? await containerOwner(view, rec.config.User ?? '') : undefined;
          const destDir: Location = dest.name === undefined ? dest : { dir: await ContainerView.openDir(dest), path: dest.path, ...(dest.mount && { mount: dest.mount }) };
          const opts = { noOverwriteDirNonDir: req.noOverwriteDirNonDir, ...(chown && { chown }), ...(req.signal && { signal: req.signal }) };
          // The body is kept (next to the container's record) so it can be checked whole first.
          const spool = join(this.containerDir(rec.id), `.archive-${randomBytes(8).toString('hex')}.tar`);
          try {
            await pipeline(Readable.from(body), createWriteStream(spool, { mode: 0o600 }), ...(req.signal ? [{ signal: req.signal }] : []));
            await validateArchive(view, destDir, dest.path, createReadStream(spool), opts);
            await extractArchive(view, destDir, dest.path, createReadStream(spool), opts);
          } finally {
            await rm(spool, { force: true });
            if (destDir !== dest) await destDir.dir.close();
          }
        } finally {
          await dest.dir.close();
        }
        this.d.events.publish('container', 'extract-to-dir', rec.id, containerEventAttrs(rec));
      });
    } catch (err) {
      throw this.pathError(err, path, idOrName);
    }
  }

  /**
   * `GET /containers/{id}/export`: the container's root file system as one tar (its merged view,
   * without mounts: /proc, /sys and the network files are the empty mount points).
   */
  async export(idOrName: string, start: () => Writable, signal?: AbortSignal): Promise<void> {
    const rec = this.d.containers.find(idOrName);
    if (rec.state.Status === 'dead') throw conflict(`You cannot export container ${rec.id} which is Dead`);
    if (rec.state.Status === 'removing') throw conflict(`You cannot export container ${rec.id} which is being removed`);
    await this.d.containers.withRootfs(idOrName, async (rootfs, cur) => {
      const root = await DirHandle.open(rootfs);
      try {
        await writeTar(start(), signal, (tw) => tw.addContents(root, '', { oneFileSystem: true, ...(signal && { signal }) }));
      } finally {
        await root.close();
      }
      this.d.events.publish('container', 'export', cur.id, containerEventAttrs(cur));
    });
  }
}

/**
 * A tar writer that stops when the client goes away: a file being streamed would otherwise wait
 * for a reader that is gone, holding the root file system's lease.
 */
function tarWriter(signal?: AbortSignal): TarWriter {
  const tw = new TarWriter(signal);
  signal?.addEventListener('abort', () => tw.destroy(cancelled(signal)), { once: true });
  return tw;
}

/** Streams the tar `fill` writes into `out`: finished when fill succeeds, torn down when it fails. */
async function writeTar(out: Writable, signal: AbortSignal | undefined, fill: (tw: TarWriter) => Promise<void>): Promise<void> {
  const tw = tarWriter(signal);
  const piping = tw.pipeTo(out);
  try {
    await fill(tw);
    tw.finish();
  } catch (err) {
    tw.destroy(err as Error);
    await piping.catch(() => {});
    throw err;
  }
  await piping;
}


/**
 * The HEAD stat: lstat of the path (a trailing `/` follows a symlink, as the kernel does); for a
 * symlink, linkTarget is where it finally leads in the container.
 */
async function statAt(view: ContainerView, path: string): Promise<PathStat> {
  const loc = await view.resolve(path);
  try {
    return await locationStat(view, loc, path, await ContainerView.stat(loc));
  } finally {
    await loc.dir.close();
  }
}

async function locationStat(view: ContainerView, loc: Location, path: string, st: BigIntStats): Promise<PathStat> {
  const linkTarget = st.isSymbolicLink() ? await view.canonical(loc.path) : '';
  return pathStat(baseName(path), st, linkTarget);
}

/** Reads a small file of the container (its /etc/passwd) without following a symlink out. */
async function readInView(view: ContainerView, path: string): Promise<string> {
  let loc: Location;
  try {
    loc = await view.resolve(path, { follow: true });
  } catch {
    return '';
  }
  try {
    const fh = await open(loc.dir.child(loc.name ?? '.'), fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
    try {
      if (!(await fh.stat()).isFile()) return '';
      return await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return '';
  } finally {
    await loc.dir.close();
  }
}

/**
 * copyUIDGID's owner, as moby's getUIDGID finds it: none without a configured user (the tar's
 * owners stay), else the user (name or id) and group (name or id) looked up in the container.
 */
async function containerOwner(view: ContainerView, user: string): Promise<{ uid: number; gid: number } | undefined> {
  if (user === '') return undefined;
  const [userPart = '', groupPart = ''] = user.split(':', 2);
  let uid = 0;
  let gid = 0;
  if (userPart !== '') {
    const passwd = parsePasswd(await readInView(view, '/etc/passwd'));
    if (/^\d+$/.test(userPart)) {
      uid = Number(userPart);
      gid = passwd.find((p) => p.uid === uid)?.gid ?? 0;
    } else {
      const entry = passwd.find((p) => p.name === userPart);
      if (!entry) throw invalidArgument(`failed to look up user "${userPart}" in container: no matching entries in passwd file`);
      uid = entry.uid;
      gid = entry.gid;
    }
  }
  if (groupPart !== '') {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const g = parseGroup(await readInView(view, '/etc/group')).find((x) => x.name === groupPart);
      if (!g) throw invalidArgument(`failed to look up group "${groupPart}" in container: no matching entries in group file`);
      gid = g.gid;
    }
  }
  return { uid, gid };
}

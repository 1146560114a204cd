import { constants as fsc, type Stats } from 'node:fs';
import { chmod, chown, link, lstat, lutimes, lchown, mkdir, open, rmdir, symlink, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { runChecked } from '../common/command.js';
import { cancelled, errnoCode, internal } from '../common/errors.js';
import { DirHandle, O_PATH, vanished } from '../image/tree-tar.js';
import { cleanPath, ContainerView, type Location } from './path-view.js';

/**
 * Extraction of a `PUT /containers/{id}/archive` body into a directory of a container, with the
 * rules of moby's archive.Unpack: entry names are made relative and cleaned, a name that climbs
 * out (`../x`) stops the extraction, an existing entry is replaced unless both are directories
 * (then they merge), ownership is the tar's (or `chown`'s), directory times are set last.
 *
 * Nothing here follows a symlink the container could have planted: every entry is reached through
 * ContainerView (symlinks on the way resolve inside the container), files are created with
 * O_EXCL|O_NOFOLLOW, and modes, owners and times go through a descriptor of the very inode that was
 * created, never through a path looked up again.
 */
export interface ExtractOptions {
  /** Refuse to replace a directory with a non-directory and vice versa (noOverwriteDirNonDir). */
  noOverwriteDirNonDir: boolean;
  /** Owner for every entry instead of the tar's (copyUIDGID with a container user). */
  chown?: { uid: number; gid: number };
  signal?: AbortSignal;
}

/** The tar, gunzipped if it is gzip (dockerd decompresses PUT bodies too). */
async function* decompressed(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && first.value.length === 0) first = await it.next();
  if (first.done) return;
  const head = first.value;
  const rest = (async function* () {
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  })();
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    Readable.from(rest).pipe(gunzip);
    for await (const chunk of gunzip) yield chunk as Buffer;
    return;
  }
  yield* rest;
}

/** Go's filepath.IsLocal for a cleaned relative path. */
function isLocal(p: string): boolean {
  return p !== '' && !p.startsWith('/') && p !== '..' && !p.startsWith('../');
}

/** Removes an entry and everything below it without following any symlink (moby's RemoveAll). */
export async function removeAll(dir: DirHandle, name: string): Promise<void> {
  let st: Stats;
  try {
    st = await dir.lstat(name);
  } catch (err) {
    if (vanished(err)) return;
    throw err;
  }
  if (!st.isDirectory()) {
    await unlink(dir.child(name)).catch((err: unknown) => {
      if (!vanished(err)) throw err;
    });
    return;
  }
  const child = await dir.openDir(name);
  try {
    for (const n of await child.names()) await removeAll(child, n);
  } finally {
    await child.close();
  }
  await rmdir(dir.child(name));
}

/** Applies owner, mode and times to an inode through a descriptor of it (O_PATH: no open side effects). */
async function setAttrs(path: string, owner: { uid: number; gid: number }, mode: number | undefined, mtime: Date | undefined): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(path, O_PATH | fsc.O_NOFOLLOW);
  } catch (err) {
    if (errnoCode(err) === 'ELOOP') return;
    throw err;
  }
  try {
    const st = await fh.stat();
    // O_PATH|O_NOFOLLOW on a symlink opens the link itself; its target is not ours to touch.
    if (st.isSymbolicLink()) return;
    // An O_PATH descriptor takes no fchmod; its /proc/self/fd link names exactly this inode.
    const self = `/proc/self/fd/${fh.fd}`;
    await chown(self, owner.uid, owner.gid);
    if (mode !== undefined) await chmod(self, mode);
    if (mtime !== undefined) await utimes(self, mtime, mtime);
  } finally {
    await fh.close();
  }
}

/**
 * Reads the whole archive once before anything is written, so that a bad archive changes nothing:
 * names that climb out, hard links that point out, entry types berth cannot create, and (with
 * noOverwriteDirNonDir) replacements of a directory by a non-directory or back, as the tree is now.
 * dockerd finds these one entry at a time, after writing the entries before them.
 */
export async function validateArchive(view: ContainerView, dest: Location, destPath: string, input: AsyncIterable<Buffer>, opts: ExtractOptions): Promise<void> {
  const extract = tar.extract();
  const source = Readable.from(decompressed(input));
  source.on('error', (err) => extract.destroy(err));
  source.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    for await (const entry of extract) {
      if (opts.signal?.aborted) throw cancelled(opts.signal);
      entry.resume();
      const hdr = entry.header;
      const name = cleanPath(hdr.name.replace(/^\/+/, ''));
      if (name === '.') continue;
      if (!isLocal(name)) throw internal(`invalid entry name "${hdr.name}"`);
      if (hdr.type === 'link') {
        const cleaned = cleanPath(hdr.linkname.replace(/^\/+/, ''));
        if (cleaned === '.' || !isLocal(cleaned)) throw internal(`invalid hardlink target "${hdr.linkname}"`);
      }
      if (!['directory', 'file', 'contiguous-file', 'symlink', 'link', 'character-device', 'block-device', 'fifo'].includes(hdr.type)) {
        throw internal(`unhandled tar header type ${String(hdr.type)}`);
      }
      if (!opts.noOverwriteDirNonDir) continue;
      let loc: Location;
      try {
        loc = await view.resolve(dest.path === '/' ? `/${name}` : `${dest.path}/${name}`);
      } catch {
        // A parent is missing (it will be created) or not a directory (extraction will say so).
        continue;
      }
      try {
        const existing = loc.name === undefined ? await loc.dir.stat() : await lstat(loc.dir.child(loc.name)).catch(() => undefined);
        if (existing?.isDirectory() && hdr.type !== 'directory') throw internal(`cannot overwrite directory "${name}" with non-directory "${destPath}"`);
        if (existing && !existing.isDirectory() && hdr.type === 'directory') throw internal(`cannot overwrite non-directory "${name}" with directory "${destPath}"`);
      } finally {
        await loc.dir.close();
      }
    }
  } finally {
    source.unpipe();
    source.destroy();
  }
}

export async function extractArchive(view: ContainerView, dest: Location, destPath: string, input: AsyncIterable<Buffer>, opts: ExtractOptions): Promise<void> {
  const extract = tar.extract();
  const source = Readable.from(decompressed(input));
  source.on('error', (err) => extract.destroy(err));
  source.pipe(extract as unknown as NodeJS.WritableStream);
  const dirs: Array<{ path: string; mtime: Date }> = [];
  try {
    for await (const entry of extract) {
      if (opts.signal?.aborted) throw cancelled(opts.signal);
      await extractEntry(view, dest, destPath, entry, opts, dirs);
      entry.resume();
    }
  } finally {
    source.unpipe();
    source.destroy();
  }
  // Last, so that creating entries inside did not move them again (as moby does).
  for (const d of dirs) {
    let loc: Location;
    try {
      loc = await view.resolve(d.path);
    } catch (err) {
      if (vanished(err)) continue;
      throw err;
    }
    try {
      const fh = await ContainerView.openDir(loc).catch((err: unknown) => {
        if (vanished(err) || errnoCode(err) === 'ELOOP') return undefined;
        throw err;
      });
      if (fh) {
        await utimes(fh.path, d.mtime, d.mtime).finally(() => fh.close());
      }
    } finally {
      await loc.dir.close();
    }
  }
}

async function extractEntry(
  view: ContainerView,
  dest: Location,
  destPath: string,
  entry: tar.Extract extends AsyncIterable<infer S> ? S : never,
  opts: ExtractOptions,
  dirs: Array<{ path: string; mtime: Date }>,
): Promise<void> {
  const hdr = entry.header;
  const name = cleanPath(hdr.name.replace(/^\/+/, ''));
  if (name === '.') return;
  if (!isLocal(name)) throw internal(`invalid entry name "${hdr.name}"`);
  const entryPath = dest.path === '/' ? `/${name}` : `${dest.path}/${name}`;
  const loc = await view.resolve(entryPath, { createParents: true });
  try {
    if (loc.mount && loc.path === loc.mount.destination) {
      // A mount point: the kernel refuses to replace one (EBUSY); a directory merges.
      if (loc.name !== undefined || hdr.type !== 'directory') throw internal(`unlinkat ${loc.path}: device or resource busy`);
    }
    const owner = opts.chown ?? { uid: hdr.uid, gid: hdr.gid };
    const mode = hdr.mode & 0o7777;
    if (loc.name === undefined) {
      // The directory itself (a mounted directory): metadata only.
      await applyDirAttrs(loc.dir, owner, mode, hdr.mtime);
      dirs.push({ path: loc.path, mtime: hdr.mtime });
      return;
    }
    const dir = loc.dir;
    const base = loc.name;
    const target = dir.child(base);
    const existing = await lstat(target).catch((err: unknown) => {
      if (vanished(err)) return undefined;
      throw err;
    });
    const isDirEntry = hdr.type === 'directory';
    if (existing) {
      if (opts.noOverwriteDirNonDir && existing.isDirectory() && !isDirEntry) {
        throw internal(`cannot overwrite directory "${name}" with non-directory "${destPath}"`);
      }
      if (opts.noOverwriteDirNonDir && !existing.isDirectory() && isDirEntry) {
        throw internal(`cannot overwrite non-directory "${name}" with directory "${destPath}"`);
      }
      if (!existing.isDirectory() || !isDirEntry) await removeAll(dir, base);
    }
    switch (hdr.type) {
      case 'directory': {
        if (!existing?.isDirectory()) await mkdir(target, { mode: mode & 0o777 });
        const made = await dir.openDir(base);
        try {
          await applyDirAttrs(made, owner, mode, hdr.mtime);
        } finally {
          await made.close();
        }
        dirs.push({ path: loc.path, mtime: hdr.mtime });
        return;
      }
      case 'file':
      case 'contiguous-file': {
        const fh = await open(target, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, mode & 0o777);
        try {
          for await (const chunk of entry) {
            if (opts.signal?.aborted) throw cancelled(opts.signal);
            await fh.write(chunk as Buffer);
          }
          await fh.chown(owner.uid, owner.gid);
          await fh.chmod(mode);
          await fh.utimes(hdr.mtime, hdr.mtime);
        } finally {
          await fh.close();
        }
        return;
      }
      case 'symlink':
        await symlink(hdr.linkname, target);
        await lchown(target, owner.uid, owner.gid);
        await lutimes(target, hdr.mtime, hdr.mtime);
        return;
      case 'link': {
        const linkTarget = await hardlinkSource(view, dest, hdr.linkname);
        try {
          await link(linkTarget.dir.child(linkTarget.name!), target);
        } finally {
          await linkTarget.dir.close();
        }
        await setAttrs(target, owner, mode, hdr.mtime);
        return;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        // Node has no mknod(2): the command runs with the open directory as its working directory
        // (the child enters /proc/self/fd/N before exec), so only `base` is looked up, there.
        const kind = hdr.type === 'fifo' ? ['p'] : [hdr.type === 'character-device' ? 'c' : 'b', String(hdr.devmajor), String(hdr.devminor)];
        await runChecked('mknod', ['-m', (mode & 0o777).toString(8), '--', base, ...kind], { cwd: dir.path });
        await setAttrs(target, owner, mode, hdr.mtime);
        return;
      }
      default:
        throw internal(`unhandled tar header type ${String(hdr.type)}`);
    }
  } finally {
    await loc.dir.close();
  }
}

async function applyDirAttrs(dir: DirHandle, owner: { uid: number; gid: number }, mode: number, mtime: Date): Promise<void> {
  await dir.fh.chown(owner.uid, owner.gid);
  await dir.fh.chmod(mode);
  await dir.fh.utimes(mtime, mtime);
}

/**
 * A hard link's target, inside the extraction directory as moby resolves it: an absolute name is
 * taken relative to that directory, and a name that climbs out of it is refused.
 */
async function hardlinkSource(view: ContainerView, dest: Location, linkname: string): Promise<Location & { name: string }> {
  const cleaned = linkname.startsWith('/') ? cleanPath(linkname.replace(/^\/+/, '')) : cleanPath(linkname);
  if (cleaned === '.' || !isLocal(cleaned)) throw internal(`invalid hardlink target "${linkname}"`);
  const loc = await view.resolve(dest.path === '/' ? `/${cleaned}` : `${dest.path}/${cleaned}`);
  if (loc.name === undefined) {
    await loc.dir.close();
    throw internal(`invalid hardlink target "${linkname}"`);
  }
  return loc as Location & { name: string };
}

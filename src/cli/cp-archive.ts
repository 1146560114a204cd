/**
 * The local half of `berth cp`: tar archives of host files to send (go-archive's TarResource), the
 * renaming of an archive's first path segment (RebaseArchiveEntries), and extraction of what the
 * daemon sends into a host directory (go-archive's Untar with NoLchown and NoOverwriteDirNonDir),
 * kept inside that directory whatever the archive says.
 */
import { createReadStream } from 'node:fs';
import { chmod, link, lstat, lutimes, mkdir, open, readdir, readlink, realpath, rm, stat, symlink, utimes } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { errnoCode } from '../common/errors.js';
import { clean, dir, join, splitPathDirEntry } from './cp-paths.js';
import { fsError } from './files.js';

type Header = tar.Header;

/** Go's tar name for a file: slashes, and a trailing one for a directory. */
function tarName(name: string, isDir: boolean): string {
  return isDir && !name.endsWith('/') ? `${name}/` : name;
}

/**
 * A tar of `sourcePath` (a file, a symlink as itself, or a directory with all it holds, walked in
 * lexical order) whose entries are named from the path's last segment, renamed to `rebaseName` when
 * one is given. Hard links within the archive are kept as links.
 */
export function tarResource(sourcePath: string, rebaseName: string): Readable {
  const { dir: srcDir, base: include } = splitPathDirEntry(sourcePath);
  const pack = tar.pack();
  const seen = new Map<string, string>();
  const add = async (abs: string, rel: string): Promise<void> => {
    const st = await lstat(abs);
    let name = include === '.' && rel !== '.' ? `./${rel}` : rel;
    if (rebaseName !== '') name = name.replace(include, rebaseName === '/' ? '' : rebaseName);
    const header: Partial<Header> & { name: string } = {
      name: tarName(name, st.isDirectory()),
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000),
      size: 0,
    };
    if (st.isDirectory()) header.type = 'directory';
    else if (st.isSymbolicLink()) Object.assign(header, { type: 'symlink', linkname: await readlink(abs) });
    else if (st.isFIFO()) header.type = 'fifo';
    else if (st.isCharacterDevice() || st.isBlockDevice()) {
      Object.assign(header, { type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: Math.floor(st.rdev / 256), devminor: st.rdev % 256 });
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? seen.get(key) : undefined;
      if (first !== undefined) Object.assign(header, { type: 'link', linkname: first });
      else {
        if (st.nlink > 1) seen.set(key, header.name);
        Object.assign(header, { type: 'file', size: st.size });
      }
    } else return; // sockets are not archived
    if (header.type === 'file' && header.size! > 0) {
      const sink = pack.entry(header);
      await pipeline(createReadStream(abs), sink);
    } else {
      await new Promise<void>((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
    }
    if (st.isDirectory()) {
      for (const child of (await readdir(abs)).sort()) await add(`${abs}/${child}`, rel === '.' ? child : `${rel}/${child}`);
    }
  };
  void add(join(srcDir, include), include).then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return pack as unknown as Readable;
}

/** Renames `oldBase` to `newBase` at the start of every entry name (and hard link target). */
export function rebaseArchive(source: Readable, oldBase: string, newBase: string): Readable {
  const from = oldBase === '/' ? '' : oldBase;
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on('entry', (header: Header, stream, next) => {
    const h: Header = { ...header, name: header.name.replace(from, newBase) };
    if (h.type === 'link') h.linkname = h.linkname.replace(from, newBase);
    const sink = pack.entry(h, (err) => next(err));
    stream.pipe(sink as unknown as NodeJS.WritableStream);
  });
  extract.on('finish', () => pack.finalize());
  pipeline(source, extract as unknown as Writable).catch((err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))));
  return pack as unknown as Readable;
}

function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root === '/' ? '/' : `${root}/`);
}

/**
 * Creates the parent of an entry if it is missing, after checking that the part that exists
 * resolves inside the extraction directory (an earlier symlink entry must not lead mkdir out).
 */
async function ensureParent(parent: string, realDest: string, name: string, dest: string): Promise<void> {
  let existing = parent;
  for (;;) {
    const st = await lstat(existing).catch((err: unknown) => {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    });
    if (st) break;
    existing = dir(existing);
  }
  if (!within(await realpath(existing), realDest)) throw outside(name, dest);
  if (existing !== parent) {
    await mkdir(parent, { recursive: true, mode: 0o755 });
    if (!within(await realpath(parent), realDest)) throw outside(name, dest);
  }
}

/** The Go error for a path outside the extraction directory. */
function outside(name: string, dest: string): Error {
  return new Error(`${JSON.stringify(name)} is outside of ${JSON.stringify(dest)}`);
}

/**
 * Extracts a tar into the directory `dest`. An existing directory is never replaced by a file nor a
 * file by a directory; owners are not changed. Every write goes through a parent whose real path
 * is inside `dest`, so symlinks in the archive cannot carry later entries out of it.
 */
export async function untar(source: Readable, destGiven: string): Promise<void> {
  const dest = clean(destGiven);
  const realDest = await realpath(dest);
  const dirTimes: Array<{ path: string; mtime: Date }> = [];
  const extract = tar.extract();
  const feeding = pipeline(source, extract as unknown as Writable);
  feeding.catch(() => {});
  for await (const entry of extract) {
    const h = entry.header;
    const path = join(dest, h.name);
    const rel = path === dest ? '.' : path.slice(dest === '/' ? 1 : dest.length + 1);
    if (!within(path, dest)) throw outside(h.name, destGiven);
    if (rel !== '.') await ensureParent(dir(path), realDest, h.name, destGiven);
    const existing = await lstat(path).catch(() => undefined);
    if (existing) {
      if (existing.isDirectory() && h.type !== 'directory') throw new Error(`cannot overwrite directory ${JSON.stringify(path)} with non-directory ${JSON.stringify(destGiven)}`);
      if (!existing.isDirectory() && h.type === 'directory') throw new Error(`cannot overwrite non-directory ${JSON.stringify(path)} with directory ${JSON.stringify(destGiven)}`);
      if (existing.isDirectory() && rel === '.') {
        entry.resume();
        continue;
      }
      if (!(existing.isDirectory() && h.type === 'directory')) await rm(path, { recursive: true, force: true });
    }
    switch (h.type) {
      case 'directory':
        if (!existing) await mkdir(path, { mode: h.mode & 0o7777 });
        entry.resume();
        break;
      case 'file':
      case 'contiguous-file': {
        const fh = await open(path, 'wx', h.mode & 0o7777);
        try {
          for await (const chunk of entry) await fh.write(chunk as Buffer);
        } finally {
          await fh.close();
        }
        break;
      }
      case 'symlink': {
        // Checked as go-archive checks it, lexically; the links are never followed while extracting.
        const target = join(dir(path), h.linkname);
        if (!within(target, dest)) throw new Error(`invalid symlink ${JSON.stringify(path)} -> ${JSON.stringify(h.linkname)}`);
        await symlink(h.linkname, path);
        entry.resume();
        break;
      }
      case 'link': {
        const target = join(dest, h.linkname);
        if (!within(target, dest) || target === dest) throw new Error(`invalid hardlink ${JSON.stringify(target)} -> ${JSON.stringify(h.linkname)}`);
        await link(target, path);
        entry.resume();
        break;
      }
      default:
        // Devices, FIFOs and tar bookkeeping entries are not recreated on the host.
        entry.resume();
        continue;
    }
    if (h.type === 'symlink') {
      await lutimes(path, h.mtime, h.mtime).catch(() => {});
      continue;
    }
    if (h.type !== 'link') await chmod(path, h.mode & 0o7777);
    if (h.type === 'directory') dirTimes.push({ path, mtime: h.mtime });
    else await utimes(path, h.mtime, h.mtime);
  }
  await feeding;
  for (const d of dirTimes) await utimes(d.path, d.mtime, d.mtime);
}

/** go-archive's CopyInfoDestinationPath: what the local destination is, following symlinks. */
export async function destinationInfo(path: string): Promise<{ path: string; exists: boolean; isDir: boolean }> {
  let p = path;
  for (let n = 0; ; n++) {
    const st = await lstat(p).catch((err: unknown) => {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw fsError(err, 'lstat', p);
    });
    if (!st) break;
    if (!st.isSymbolicLink()) return { path: p, exists: true, isDir: st.isDirectory() };
    if (n > 10) throw new Error(`too many symlinks in ${path}`);
    const target = await readlink(p);
    p = target.startsWith('/') ? target : join(splitPathDirEntry(p).dir, target);
  }
  const parent = splitPathDirEntry(p).dir;
  const st = await stat(parent).catch((err: unknown) => {
    throw fsError(err, 'stat', parent);
  });
  if (!st.isDirectory()) throw new Error('not a directory');
  return { path: p, exists: false, isDir: false };
}


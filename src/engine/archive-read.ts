import { constants as fsc, type BigIntStats } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import { cancelled, errnoCode } from '../common/errors.js';
import { DirHandle, headerFor, sortNames, TarWriter } from '../image/tree-tar.js';
import { baseName, ContainerView, type Location } from './path-view.js';

/**
 * What `GET /containers/{id}/archive` sends, pinned before the response starts: the directory or
 * file opened, the link read. A container renaming paths meanwhile then fails the request (a 404
 * before any header went out) instead of cutting a stream that already said 200.
 */
export interface ArchiveSource {
  /** The entry as the stat header describes it. */
  readonly stat: BigIntStats;
  write(tw: TarWriter, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/**
 * The source for the entry at `loc`, named as moby's TarResourceRebase names it: a directory comes
 * as `<base>/` and its tree below `<base>/…` (`./…` for a path ending in `/.`, `/…` for the root
 * itself), anything else as one entry named after the path's base name. Mounts inside the tree
 * show their sources, as they do in the container. `loc` may be closed once this returns.
 */
export async function openArchiveSource(view: ContainerView, loc: Location, absPath: string): Promise<ArchiveSource> {
  const rebase = baseName(absPath);
  const first = await ContainerView.stat(loc);
  if (first.isDirectory()) {
    const dir = await swapMeansGone(ContainerView.openDir(loc));
    try {
      const [big, st] = [await dir.bigStat(), await dir.stat()];
      const prefix = rebase === '/' ? '/' : `${rebase}/`;
      return {
        stat: big,
        write: async (tw, signal) => {
          await tw.entry(headerFor(prefix, st)!);
          await addTree(tw, view, dir, loc.path, prefix, signal);
        },
        close: () => dir.close(),
      };
    } catch (err) {
      await dir.close();
      throw err;
    }
  }
  const path = loc.dir.child(loc.name!);
  if (first.isFile()) {
    const fh = await swapMeansGone(open(path, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK));
    try {
      const [big, st] = [await fh.stat({ bigint: true }), await fh.stat()];
      if (!st.isFile()) throw gone(path);
      return { stat: big, write: (tw) => tw.addOpenFile(fh, rebase, st), close: () => fh.close() };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }
  const st = await lstat(path);
  const target = st.isSymbolicLink() ? await readlink(path) : undefined;
  if (st.ino !== Number(first.ino) || (st.mode & fsc.S_IFMT) !== Number(first.mode & BigInt(fsc.S_IFMT))) throw gone(path);
  return {
    stat: first,
    write: async (tw) => {
      const header = headerFor(rebase, st, target);
      if (header) await tw.entry(header);
    },
    close: async () => {},
  };
}

/** The entry was replaced by something of another kind since it was looked up. */
function gone(path: string): Error {
  return Object.assign(new Error(`ENOENT: ${path} changed while it was opened`), { code: 'ENOENT' });
}

/** Opening without following fails with ELOOP or ENOTDIR when a symlink took the entry's place. */
async function swapMeansGone<T>(opening: Promise<T>): Promise<T> {
  try {
    return await opening;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ELOOP' || code === 'ENOTDIR') throw gone(String(err));
    throw err;
  }
}

/** Everything below `dir` (the container's `path`), in filepath.Walk order, crossing into mounts. */
async function addTree(tw: TarWriter, view: ContainerView, dir: DirHandle, path: string, prefix: string, signal?: AbortSignal): Promise<void> {
  const names = await dir.names();
  const extra = view.mountNamesIn(path).filter((n) => !names.includes(n));
  for (const name of extra.length ? sortNames([...names, ...extra]) : names) {
    if (signal?.aborted) throw cancelled(signal);
    const childPath = path === '/' ? `/${name}` : `${path}/${name}`;
    const tarName = `${prefix}${name}`;
    const mount = view.mountAt(childPath);
    if (mount) {
      await addMount(tw, view, mount.source, childPath, tarName, signal);
      continue;
    }
    const st = await dir.lstatIfPresent(name);
    if (!st) continue;
    if (!st.isDirectory()) {
      await tw.addEntry(dir, name, tarName, st);
      continue;
    }
    await tw.entry(headerFor(tarName, st)!);
    // Gone, or swapped for a symlink since it was listed: left out.
    const child = await dir.openDirIfPresent(name);
    if (!child) continue;
    try {
      await addTree(tw, view, child, childPath, `${tarName}/`, signal);
    } finally {
      await child.close();
    }
  }
}

/** A mount's source in place of the mount point. */
async function addMount(tw: TarWriter, view: ContainerView, source: string, path: string, tarName: string, signal?: AbortSignal): Promise<void> {
  const st = await lstat(source);
  if (!st.isDirectory()) {
    if (st.isFile()) await tw.addFile(source, tarName, st);
    return;
  }
  await tw.entry(headerFor(tarName, st)!);
  const dir = await DirHandle.open(source);
  try {
    await addTree(tw, view, dir, path, `${tarName}/`, signal);
  } finally {
    await dir.close();
  }
}

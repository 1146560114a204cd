import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { cancelled, errnoCode } from '../common/errors.js';
import { DirHandle, headerFor, sortNames, TarWriter, vanished } from '../image/tree-tar.js';
import { baseName, ContainerView, type Location } from './path-view.js';

/**
 * The tar `GET /containers/{id}/archive` sends, named as moby's TarResourceRebase names it: a
 * directory comes as `<base>/` and its tree below `<base>/…` (`./…` for a path ending in `/.`,
 * `/…` for the root itself), anything else as one entry named after the path's base name.
 * Mounts inside the tree show their sources, as they do in the container.
 */
export async function archiveLocation(view: ContainerView, loc: Location, absPath: string, tw: TarWriter, signal?: AbortSignal): Promise<void> {
  const st = await statOf(loc);
  const rebase = baseName(absPath);
  if (!st.isDirectory()) {
    await addLeaf(tw, loc, rebase, st);
    return;
  }
  const prefix = rebase === '/' ? '/' : `${rebase}/`;
  await tw.entry(headerFor(prefix, st)!);
  const dir = await ContainerView.openDir(loc);
  try {
    await addTree(tw, view, dir, loc.path, prefix, signal);
  } finally {
    await dir.close();
  }
}

function statOf(loc: Location): Promise<Stats> {
  return loc.name === undefined ? loc.dir.stat() : loc.dir.lstat(loc.name);
}

async function addLeaf(tw: TarWriter, loc: Location, tarName: string, st: Stats): Promise<void> {
  if (st.isFile()) await tw.addFile(loc.dir.child(loc.name!), tarName, st);
  else await tw.addEntry(loc.dir, loc.name!, tarName, st);
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

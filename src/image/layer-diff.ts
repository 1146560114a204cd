import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { getAttribute, listAttributes } from '@napi-rs/xattr';
import { cancelled } from '../common/errors.js';
import { DirHandle, headerFor, isWhiteout, sortNames, TarWriter, vanished, type TarEntryHeader } from './tree-tar.js';

/**
 * What a container changed, read from its overlay upper dir against the image's layers: the list
 * `docker diff` prints, and the layer tar `docker commit` stores.
 *
 * In an upper dir a deletion is a 0:0 character device and a directory that replaced a lower one
 * carries `trusted.overlay.opaque=y` (runtime-recipes 4.1). A layer tar says the same with
 * `.wh.<name>` files and `.wh..wh..opq` (the OCI format); layer-apply does the reverse conversion.
 *
 * The upper dir of a running container changes while it is read, so it is walked with DirHandles
 * (tree-tar.ts): no path below it is ever looked up twice from the top.
 */
export const ChangeKind = { Modify: 0, Add: 1, Delete: 2 } as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

export interface Change {
  Path: string;
  Kind: ChangeKind;
}

export interface DiffOptions {
  /**
   * Paths the runtime creates as mount points when the image lacks them (`/etc/hosts`, `/proc` …).
   * Docker keeps those in an init layer below the container's, so neither `diff` nor `commit` ever
   * sees them; here they are left out while they are an empty file or directory, and so is a
   * directory that holds nothing else and is otherwise unchanged (`/etc` of an image without one).
   */
  mountPoints?: readonly string[];
  signal?: AbortSignal;
}

const opaqueXattr = 'trusted.overlay.opaque';
const whiteoutPrefix = '.wh.';
const opaqueMarker = '.wh..wh..opq';

/** The merged view of the lower layers at one path: the entry seen there, and the directories to look in below it. */
interface LowerView {
  /** Directories holding this path's children, top layer first (cut below an opaque one). */
  dirs: string[];
  /** The entry the lowers show at this path, if any. */
  top?: Stats;
}

async function isOpaque(path: string): Promise<boolean> {
  try {
    const v = await getAttribute(path, opaqueXattr);
    return v !== null && v.length === 1 && v[0] === 0x79;
  } catch {
    return false;
  }
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if (vanished(err)) return undefined;
    throw err;
  }
}

/** Looks `name` up in the lower layers below `parent`, with whiteouts and opaque directories honoured. */
async function lowerChild(parent: LowerView, name: string): Promise<LowerView> {
  const out: LowerView = { dirs: [] };
  for (const d of parent.dirs) {
    const p = posix.join(d, name);
    const st = await lstatOrUndefined(p);
    if (!st) continue;
    if (isWhiteout(st)) break;
    out.top ??= st;
    if (!st.isDirectory()) break;
    out.dirs.push(p);
    if (await isOpaque(p)) break;
  }
  return out;
}

/** Names the lowers show inside a directory (for an opaque upper dir: what it hides). */
async function lowerNames(view: LowerView): Promise<string[]> {
  const all = new Set<string>();
  for (const d of view.dirs) for (const n of await readdir(d).catch(() => [] as string[])) all.add(n);
  const visible: string[] = [];
  for (const n of all) if ((await lowerChild(view, n)).top) visible.push(n);
  return visible;
}

/**
 * moby's test for a directory that is only in the upper dir because something below it changed:
 * same size, mode and mtime (Go's sameFsTime: equal, or equal seconds when either side has no
 * sub-second part).
 */
async function sameDir(upperPath: string, lowerPath: string): Promise<boolean> {
  const [a, b] = await Promise.all([lstat(upperPath, { bigint: true }), lstat(lowerPath, { bigint: true })]);
  if (a.size !== b.size || a.mode !== b.mode) return false;
  if (a.mtimeNs === b.mtimeNs) return true;
  const sec = (n: bigint) => n / 1_000_000_000n;
  const frac = (n: bigint) => n % 1_000_000_000n;
  return sec(a.mtimeNs) === sec(b.mtimeNs) && (frac(a.mtimeNs) === 0n || frac(b.mtimeNs) === 0n);
}

class MountPointFilter {
  private readonly points: Set<string>;
  private readonly ancestors = new Set<string>();

  constructor(points: readonly string[]) {
    this.points = new Set(points.map((p) => posix.normalize(`/${p}`)));
    for (const p of this.points) {
      for (let d = posix.dirname(p); d !== '/'; d = posix.dirname(d)) this.ancestors.add(d);
    }
  }

  get empty(): boolean {
    return this.points.size === 0;
  }

  isAncestor(path: string): boolean {
    return this.ancestors.has(path);
  }

  /**
   * Whether the upper entry `name` of `dir` (at container path `path`) is only the runtime's
   * doing and must be left out: an empty mount point, or a directory above mount points that holds
   * nothing else and has the owner and mode its lower counterpart has (or has none).
   */
  async skip(dir: DirHandle, name: string, path: string, st: Stats, lower: () => Promise<LowerView>): Promise<boolean> {
    if (this.points.has(path)) {
      if (st.isFile()) return st.size === 0;
      if (!st.isDirectory()) return false;
      return (await this.childNames(dir, name)).length === 0;
    }
    if (!st.isDirectory() || !this.ancestors.has(path)) return false;
    const top = (await lower()).top;
    if (top && (!top.isDirectory() || top.mode !== st.mode || top.uid !== st.uid || top.gid !== st.gid)) return false;
    if (await isOpaque(dir.child(name))) return false;
    const child = await dir.openDir(name);
    try {
      for (const n of await child.names()) {
        const cst = await child.lstat(n);
        const cpath = posix.join(path, n);
        if (!(await this.skip(child, n, cpath, cst, async () => ({ dirs: [] })))) return false;
      }
      return true;
    } finally {
      await child.close();
    }
  }

  private async childNames(dir: DirHandle, name: string): Promise<string[]> {
    const child = await dir.openDir(name);
    try {
      return await child.names();
    } finally {
      await child.close();
    }
  }
}

/**
 * The changes of an upper dir against its lower layers (top first), in the order and with the
 * kinds `docker diff` reports (moby's archive.changes): an entry absent from the lowers is added,
 * present is modified (a directory only if its size, mode or mtime differ), a whiteout is a
 * deletion; the parent of an added or deleted entry is listed as modified before it. An opaque
 * directory also deletes what the lowers held in it (moby 20.10 reported the directory itself as
 * deleted instead, though it still exists).
 */
export async function upperChanges(upper: string, lowers: readonly string[], opts: DiffOptions = {}): Promise<Change[]> {
  const filter = new MountPointFilter(opts.mountPoints ?? []);
  const changes: Change[] = [];
  const changedDirs = new Set<string>();
  const record = (change: Change, isDir: boolean) => {
    if (isDir) changedDirs.add(change.Path);
    if (change.Kind !== ChangeKind.Modify) {
      const parent = posix.dirname(change.Path);
      if (parent !== '/' && !changedDirs.has(parent)) {
        changes.push({ Path: parent, Kind: ChangeKind.Modify });
        changedDirs.add(parent);
      }
    }
    changes.push(change);
  };

  const walk = async (dir: DirHandle, path: string, lower: LowerView, hidden: string[]): Promise<void> => {
    const names = await dir.names();
    const present = new Set(names);
    const all = sortNames([...names, ...hidden.filter((n) => !present.has(n))]);
    for (const name of all) {
      if (opts.signal?.aborted) throw cancelled(opts.signal);
      const cpath = posix.join(path, name);
      if (!present.has(name)) {
        record({ Path: cpath, Kind: ChangeKind.Delete }, false);
        continue;
      }
      const st = await dir.lstatIfPresent(name);
      if (!st) continue;
      let view: LowerView | undefined;
      const lowerOf = async () => (view ??= await lowerChild(lower, name));
      if (!filter.empty && (await filter.skip(dir, name, cpath, st, lowerOf))) continue;
      if (isWhiteout(st)) {
        record({ Path: cpath, Kind: ChangeKind.Delete }, false);
        continue;
      }
      const below = await lowerOf();
      let kind: ChangeKind | undefined = ChangeKind.Add;
      if (below.top) {
        kind = ChangeKind.Modify;
        if (st.isDirectory() && below.top.isDirectory() && (await sameDir(dir.child(name), below.dirs[0]!))) kind = undefined;
      }
      if (kind !== undefined) record({ Path: cpath, Kind: kind }, st.isDirectory());
      if (!st.isDirectory()) continue;
      const opaque = await isOpaque(dir.child(name));
      const hiddenBelow = opaque ? await lowerNames(below) : [];
      // Gone, or swapped for a symlink since it was listed: left out.
      const child = await dir.openDirIfPresent(name);
      if (!child) continue;
      try {
        await walk(child, cpath, opaque ? { dirs: [] } : below, hiddenBelow);
      } finally {
        await child.close();
      }
    }
  };

  const root = await DirHandle.open(upper);
  try {
    await walk(root, '/', { dirs: [...lowers] }, []);
  } finally {
    await root.close();
  }
  return changes;
}

/** Extended attributes to carry into a layer: not overlay's own, and only those tar-stream can write (UTF-8 values). */
async function paxXattrs(path: string): Promise<Record<string, string> | undefined> {
  let names: string[];
  try {
    names = await listAttributes(path);
  } catch {
    return undefined;
  }
  const pax: Record<string, string> = {};
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const name of names) {
    if (name.startsWith('trusted.overlay.')) continue;
    const value = await getAttribute(path, name).catch(() => null);
    if (value === null) continue;
    try {
      pax[`SCHILY.xattr.${name}`] = decoder.decode(value);
    } catch {
      // A binary value (security.capability) would be mangled by tar-stream's PAX encoder.
    }
  }
  return Object.keys(pax).length ? pax : undefined;
}

/**
 * Writes the upper dir as an OCI layer tar (runtime-recipes 4.2): whiteouts become empty
 * `.wh.<name>` files (mode 0600, the device's owner and time), an opaque directory is written
 * followed by `<dir>/.wh..wh..opq`, everything else as it is with numeric owners, modes and
 * mtimes, hard links by inode, and without `trusted.overlay.*` attributes. Entries come in
 * filepath.Walk order, as Docker's overlay2 driver writes them. `lowers` are only read to recognise
 * what the mount-point filter leaves out. Finishes the writer.
 */
export async function writeLayerDiff(out: TarWriter, upper: string, lowers: readonly string[], opts: DiffOptions = {}): Promise<void> {
  const filter = new MountPointFilter(opts.mountPoints ?? []);
  const walk = async (dir: DirHandle, path: string, prefix: string, lower: LowerView): Promise<void> => {
    for (const name of await dir.names()) {
      if (opts.signal?.aborted) throw cancelled(opts.signal);
      const st = await dir.lstatIfPresent(name);
      if (!st) continue;
      const cpath = posix.join(path, name);
      let view: LowerView | undefined;
      const lowerOf = async () => (view ??= await lowerChild(lower, name));
      if (!filter.empty && (await filter.skip(dir, name, cpath, st, lowerOf))) continue;
      const tarName = `${prefix}${name}`;
      if (isWhiteout(st)) {
        await out.entry({ ...headerFor(tarName, st)!, name: `${prefix}${whiteoutPrefix}${name}`, type: 'file', mode: 0o600, size: 0 });
        continue;
      }
      const pax = st.isDirectory() || st.isFile() ? await paxXattrs(dir.child(name)) : undefined;
      if (st.isFile()) {
        await out.addFile(dir.child(name), tarName, st, pax ? { pax } : {});
        continue;
      }
      if (!st.isDirectory()) {
        await out.addEntry(dir, name, tarName, st);
        continue;
      }
      const header: TarEntryHeader = { ...headerFor(tarName, st)!, ...(pax && { pax }) };
      await out.entry(header);
      if (await isOpaque(dir.child(name))) {
        await out.entry({ name: `${tarName}/${opaqueMarker}`, type: 'file', mode: st.mode & 0o777, uid: st.uid, gid: st.gid, mtime: header.mtime!, size: 0 });
      }
      // Gone, or swapped for a symlink since it was listed: left out.
      const child = await dir.openDirIfPresent(name);
      if (!child) continue;
      try {
        // Below an ancestor of a mount point the lower view is still needed; elsewhere it is not.
        const next = filter.isAncestor(cpath) ? await lowerOf() : { dirs: [] };
        await walk(child, cpath, `${tarName}/`, next);
      } finally {
        await child.close();
      }
    }
  };
  const root = await DirHandle.open(upper);
  try {
    await walk(root, '/', '', { dirs: [...lowers] });
  } finally {
    await root.close();
  }
  out.finish();
}

import { constants as fsc, type BigIntStats } from 'node:fs';
import { chmod, lstat, mkdir, open, readlink, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { DirHandle } from '../image/tree-tar.js';

/**
 * A container's file system as its processes see it, reached from the host: the root file system
 * with the container's mounts (volumes, binds, /etc/hosts …) laid over it, every path resolved the
 * way the kernel would inside the container — but by berth, one component at a time, from open
 * directory handles.
 *
 * dockerd gets the same view by entering a private mount namespace and chroot-ing into the
 * container; Node can do neither per request. So symlinks are followed here, relative to the
 * container's root (`/` and `../../..` land on the root, never on the host's), and a path that
 * reaches a mount's destination continues in the mount's source. Directories are held open
 * (O_NOFOLLOW) and children are reached through `/proc/self/fd/N/name`, so a running container
 * that swaps a directory for a symlink halfway can make a lookup fail, never leave the root.
 */
export interface MountPoint {
  /** Where the container sees it (absolute, as configured). */
  destination: string;
  /** The host file or directory shown there. */
  source: string;
  writable: boolean;
}

/**
 * Where an entry is: `name` inside the open directory `dir`, or, without `name`, the directory
 * `dir` itself. The caller owns `dir` and must close it.
 */
export interface Location {
  dir: DirHandle;
  name?: string;
  /** The entry's path in the container, with every symlink before it resolved. */
  path: string;
  /** The mount whose source holds the entry (none: the root file system). */
  mount?: MountPoint;
}

export interface ResolveOptions {
  /** Follow a symlink in the last component too (a trailing `/` or `/.` always does). */
  follow?: boolean;
  /** Create missing directories on the way (0755, owned by root), as tar extraction does. */
  createParents?: boolean;
}

/** Linux's limit on symlinks met in one lookup. */
const maxLinks = 40;

/** A Node-style errno error, so callers treat it like one from the file system. */
export function errnoError(code: 'ENOENT' | 'ENOTDIR' | 'ELOOP' | 'EISDIR', syscall: string, path: string): NodeJS.ErrnoException {
  const text = { ENOENT: 'no such file or directory', ENOTDIR: 'not a directory', ELOOP: 'too many levels of symbolic links', EISDIR: 'is a directory' }[code];
  return Object.assign(new Error(`${syscall} ${path}: ${text}`), { code, syscall, path });
}

/** Go's path.Clean. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const s = out.join('/');
  return rooted ? `/${s}` : s || '.';
}

/** Go's filepath.Base. */
export function baseName(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** The path ends in `/` or `/.`: it names a directory (Docker's assertsDirectory). */
export function assertsDirectory(p: string): boolean {
  return p.endsWith('/') || baseName(p) === '.';
}

/**
 * moby's PreserveTrailingDotOrSeparator: `cleaned` (a cleaned form of `original`) gets back the
 * trailing `/.` or `/` that cleaning removed, because they change what a copy means.
 */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  let out = cleaned;
  if (baseName(out) !== '.' && baseName(original) === '.') {
    if (!out.endsWith('/')) out += '/';
    out += '.';
  }
  if (!out.endsWith('/') && original.endsWith('/')) out += '/';
  return out;
}

function components(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.');
}

interface Frame {
  dir: DirHandle;
  /** The directory's resolved path in the container. */
  path: string;
  mount?: MountPoint;
}

export class ContainerView {
  private constructor(
    private readonly root: DirHandle,
    private readonly mounts: MountPoint[],
  ) {}

  /**
   * Opens the view of `rootfs` with `mounts` over it. Each mount's destination is resolved in the
   * root file system first (as runc and dockerd do), so a mount below a symlinked directory is
   * found where the container sees it.
   */
  static async open(rootfs: string, mounts: readonly MountPoint[] = []): Promise<ContainerView> {
    const root = await DirHandle.open(rootfs);
    const bare = new ContainerView(root, []);
    const resolved: MountPoint[] = [];
    try {
      for (const m of mounts) resolved.push({ ...m, destination: await bare.canonical(m.destination) });
    } catch (err) {
      await root.close();
      throw err;
    }
    // Later mounts hide earlier ones at the same place, as in the kernel.
    return new ContainerView(root, resolved.reverse());
  }

  async close(): Promise<void> {
    await this.root.close();
  }

  /** The mount exactly at `path` (a resolved container path). */
  mountAt(path: string): MountPoint | undefined {
    return this.mounts.find((m) => m.destination === path);
  }

  /**
   * Mount points directly inside the directory `path`, by name. dockerd creates a missing mount
   * point in the root file system when it sets up its view; here they are listed instead.
   */
  mountNamesIn(path: string): string[] {
    const prefix = path === '/' ? '/' : `${path}/`;
    return this.mounts.filter((m) => m.destination.startsWith(prefix) && !m.destination.slice(prefix.length).includes('/') && m.destination !== '/').map((m) => m.destination.slice(prefix.length));
  }

  /** The mount that holds `path`: the deepest one at or above it. */
  mountCovering(path: string): MountPoint | undefined {
    let best: MountPoint | undefined;
    for (const m of this.mounts) {
      const d = m.destination;
      if (path === d || path.startsWith(d === '/' ? '/' : `${d}/`)) {
        if (!best || d.length > best.destination.length) best = m;
      }
    }
    return best;
  }

  private async rootFrame(): Promise<Frame> {
    return { dir: await this.root.dup(), path: '/' };
  }

  /** A mount's source as a location (the parent directory of a file, or the directory itself). */
  private async mountLocation(m: MountPoint, path: string): Promise<Location> {
    const st = await lstat(m.source);
    if (st.isDirectory()) return { dir: await DirHandle.open(m.source), path, mount: m };
    return { dir: await DirHandle.open(posix.dirname(m.source)), name: posix.basename(m.source), path, mount: m };
  }

  /**
   * Resolves `path` (absolute, or relative to the root) inside the container. The result is the
   * location of its last component; a missing last component is allowed (ENOENT comes when it is
   * used), a missing or non-directory one before it is an error, as for the kernel.
   */
  async resolve(path: string, opts: ResolveOptions = {}): Promise<Location> {
    const asDir = assertsDirectory(path);
    const follow = opts.follow === true || asDir;
    const parts = components(path);
    const stack: Frame[] = [await this.rootFrame()];
    const closeAll = async () => {
      for (const f of stack.splice(0)) await f.dir.close();
    };
    let links = 0;
    try {
      while (parts.length > 0) {
        const part = parts.shift()!;
        const top = stack[stack.length - 1]!;
        if (part === '..') {
          if (stack.length > 1) await stack.pop()!.dir.close();
          continue;
        }
        const last = parts.length === 0;
        const childPath = top.path === '/' ? `/${part}` : `${top.path}/${part}`;
        const mount = this.mountAt(childPath);
        if (mount) {
          const loc = await this.mountLocation(mount, childPath);
          if (loc.name === undefined) {
            stack.push({ dir: loc.dir, path: childPath, mount });
            continue;
          }
          if (!last) {
            await loc.dir.close();
            throw errnoError('ENOTDIR', 'lstat', childPath);
          }
          stack.pop();
          await closeAll();
          await top.dir.close();
          return await this.checkDir(loc, asDir);
        }
        let st;
        try {
          st = await top.dir.lstat(part);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          if (opts.createParents && !last) {
            await mkdir(top.dir.child(part), { mode: 0o755 });
            // mkdir's mode passes through the umask; moby sets 0755 explicitly.
            const made = await top.dir.openDir(part);
            await chmod(made.path, 0o755);
            stack.push({ dir: made, path: childPath, ...(top.mount && { mount: top.mount }) });
            continue;
          }
          if (!last) throw errnoError('ENOENT', 'lstat', childPath);
          return await this.take(stack, { name: part, path: childPath });
        }
        if (st.isSymbolicLink() && (!last || follow)) {
          if (++links > maxLinks) throw errnoError('ELOOP', 'lstat', childPath);
          const target = await readlink(top.dir.child(part));
          if (target.startsWith('/')) {
            for (const f of stack.splice(1)) await f.dir.close();
          }
          parts.unshift(...target.split('/').filter((s) => s !== '' && s !== '.'));
          continue;
        }
        if (st.isDirectory() && (!last || follow)) {
          stack.push({ dir: await top.dir.openDir(part), path: childPath, ...(top.mount && { mount: top.mount }) });
          continue;
        }
        if (!last) throw errnoError('ENOTDIR', 'lstat', childPath);
        return await this.checkDir(await this.take(stack, { name: part, path: childPath }), asDir, st.isDirectory());
      }
      const top = stack.pop()!;
      await closeAll();
      return { dir: top.dir, path: top.path, ...(top.mount && { mount: top.mount }) };
    } catch (err) {
      await closeAll();
      throw err;
    }
  }

  /** Keeps the top directory for the result and closes the rest of the stack. */
  private async take(stack: Frame[], entry: { name: string; path: string }): Promise<Location> {
    const top = stack.pop()!;
    for (const f of stack.splice(0)) await f.dir.close();
    return { dir: top.dir, name: entry.name, path: entry.path, ...(top.mount && { mount: top.mount }) };
  }

  private async checkDir(loc: Location, asDir: boolean, isDir?: boolean): Promise<Location> {
    if (!asDir || loc.name === undefined) return loc;
    const dir = isDir ?? (await lstat(loc.dir.child(loc.name))).isDirectory();
    if (dir) return loc;
    await loc.dir.close();
    throw errnoError('ENOTDIR', 'lstat', `${loc.path}/`);
  }

  /**
   * The path with every symlink resolved, as far as it exists (moby's FollowSymlinkInScope):
   * missing components are kept as they are written.
   */
  async canonical(path: string): Promise<string> {
    const parts = components(path);
    const done: string[] = [];
    let links = 0;
    while (parts.length > 0) {
      const part = parts.shift()!;
      if (part === '..') {
        done.pop();
        continue;
      }
      const candidate = `/${[...done, part].join('/')}`;
      let loc: Location | undefined;
      try {
        loc = await this.resolve(candidate);
      } catch {
        // A component above is missing or not a directory: the rest is kept as written.
        done.push(part, ...parts.splice(0));
        break;
      }
      try {
        const isLink = loc.name !== undefined && (await lstatOrUndefined(loc.dir.child(loc.name)))?.isSymbolicLink() === true;
        // A mount's source is the host's business: only the container's own links are followed.
        if (isLink && loc.path !== loc.mount?.destination) {
          if (++links > 255) throw errnoError('ELOOP', 'lstat', candidate);
          const target = await readlink(loc.dir.child(loc.name!));
          if (target.startsWith('/')) done.length = 0;
          parts.unshift(...components(target));
        } else done.push(part);
      } finally {
        await loc.dir.close();
      }
    }
    return cleanPath(`/${done.join('/')}`);
  }

  /** lstat of a location, with nanosecond times. */
  static async stat(loc: Location): Promise<BigIntStats> {
    if (loc.name === undefined) return loc.dir.bigStat();
    return lstat(loc.dir.child(loc.name), { bigint: true });
  }

  /** Opens the directory at a location (never through a symlink). */
  static async openDir(loc: Location): Promise<DirHandle> {
    if (loc.name === undefined) return loc.dir.dup();
    return loc.dir.openDir(loc.name);
  }

  /** Opens a regular file at a location for reading, never through a symlink. */
  static openFile(loc: Location): Promise<FileHandle> {
    if (loc.name === undefined) throw errnoError('EISDIR', 'open', loc.path);
    return open(loc.dir.child(loc.name), fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  }
}

async function lstatOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch {
    return undefined;
  }
}

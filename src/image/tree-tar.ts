import { constants as fsc, type BigIntStats, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink, type FileHandle } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { cancelled, errnoCode, invalidArgument } from '../common/errors.js';

/**
 * Reading and writing trees that someone else may be changing at the same time (a running
 * container's root file system, its writable layer), without ever being led outside them.
 *
 * A path string is looked up again from `/` by every system call, so a directory swapped for a
 * symlink between two calls would redirect the next one to the host. A DirHandle holds a directory
 * open and reaches its children through `/proc/self/fd/<fd>/<name>`: the kernel starts that lookup
 * at the open directory itself, as openat(2) does, and only the last component is looked up, which
 * callers never follow (lstat, O_NOFOLLOW, lchown). Going down a tree one handle at a time is then
 * immune to such swaps. Where a walk must start from a path, `DirHandle.open` with a root checks
 * what it actually opened (`/proc/self/fd` names it) against that root.
 */
export const O_PATH = 0o10000000;

const dirFlags = fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW;

export class DirHandle {
  private constructor(readonly fh: FileHandle) {}

  /**
   * Opens a directory (never through a symlink in its last component). With `root`, the directory
   * that was opened must be `root` or below it, else the open fails: the path raced with a change.
   */
  static async open(path: string, root?: string): Promise<DirHandle> {
    const h = new DirHandle(await open(path, dirFlags));
    if (root !== undefined) {
      try {
        await h.assertWithin(root);
      } catch (err) {
        await h.close();
        throw err;
      }
    }
    return h;
  }

  /**
   * A second handle on the same directory, to be closed on its own. The /proc/self/fd link is
   * followed on purpose (O_NOFOLLOW would refuse it): it leads to exactly this directory.
   */
  async dup(): Promise<DirHandle> {
    return new DirHandle(await open(this.path, fsc.O_RDONLY | fsc.O_DIRECTORY));
  }

  /** The directory itself, as a path the kernel resolves to exactly this open directory. */
  get path(): string {
    return `/proc/self/fd/${this.fh.fd}`;
  }

  /** A child's path: only `name` is looked up, in this directory. */
  child(name: string): string {
    return `${this.path}/${name}`;
  }

  /** Where the directory is now, in the daemon's mount namespace. */
  realPath(): Promise<string> {
    return readlink(this.path);
  }

  async assertWithin(root: string): Promise<void> {
    const real = await this.realPath();
    if (real !== root && !real.startsWith(root.endsWith('/') ? root : `${root}/`)) {
      throw invalidArgument(`path changed while it was being resolved: it now leads outside the container`);
    }
  }

  /** The entries' names, in Go's byte order (filepath.Walk's), so archives list as Docker's do. */
  async names(): Promise<string[]> {
    return sortNames(await readdir(this.path));
  }

  openDir(name: string): Promise<DirHandle> {
    return DirHandle.open(this.child(name));
  }

  /**
   * A child directory, or undefined when it is gone or no longer a directory (swapped for a file
   * or a symlink since it was listed): trees being read may be changing under the reader.
   */
  async openDirIfPresent(name: string): Promise<DirHandle | undefined> {
    try {
      return await this.openDir(name);
    } catch (err) {
      if (vanished(err) || errnoCode(err) === 'ELOOP') return undefined;
      throw err;
    }
  }

  lstat(name: string): Promise<Stats> {
    return lstat(this.child(name));
  }

  /** lstat of a child, or undefined when it is gone since it was listed. */
  async lstatIfPresent(name: string): Promise<Stats | undefined> {
    try {
      return await this.lstat(name);
    } catch (err) {
      if (vanished(err)) return undefined;
      throw err;
    }
  }

  stat(): Promise<Stats> {
    return this.fh.stat();
  }

  bigStat(): Promise<BigIntStats> {
    return this.fh.stat({ bigint: true });
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => {});
  }
}

export function sortNames(names: string[]): string[] {
  return names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Missing-entry errors that mean "it went away while we looked": the entry is skipped. */
export function vanished(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export type TarEntryHeader = Partial<tar.Header> & { name: string; type: tar.Header['type'] };

/**
 * A tar header for a file system entry, the way Docker's archive package writes one: numeric owner,
 * permission and special bits, mtime truncated to the second, a trailing `/` on directory names.
 * Sockets have no tar form (undefined).
 */
export function headerFor(name: string, st: Stats, linkname?: string): TarEntryHeader | undefined {
  const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000) };
  if (st.isDirectory()) return { ...base, name: name.endsWith('/') ? name : `${name}/`, type: 'directory' };
  if (st.isFile()) return { ...base, name, type: 'file', size: st.size };
  if (st.isSymbolicLink()) return { ...base, name, type: 'symlink', linkname: linkname ?? '' };
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    const { major, minor } = splitDev(st.rdev);
    return { ...base, name, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major, devminor: minor };
  }
  if (st.isFIFO()) return { ...base, name, type: 'fifo' };
  return undefined;
}

/** glibc's major()/minor() of a dev_t. */
export function splitDev(rdev: number): { major: number; minor: number } {
  const d = BigInt(rdev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

/** A 0:0 character device: how overlayfs records a deletion in an upper dir. */
export function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/**
 * Yields exactly `size` bytes of a file. A file that shrank while it was read is padded with zeros
 * and one that grew is cut, so the tar stays well-formed when a running container writes to it.
 */
async function* readExactly(fh: FileHandle, size: number): AsyncGenerator<Buffer> {
  let left = size;
  while (left > 0) {
    const buf = Buffer.allocUnsafe(Math.min(left, 256 * 1024));
    const { bytesRead } = await fh.read(buf, 0, buf.length, null);
    if (bytesRead === 0) {
      yield Buffer.alloc(left);
      return;
    }
    left -= bytesRead;
    yield buf.subarray(0, bytesRead);
  }
}

export interface TreeOptions {
  signal?: AbortSignal;
  /**
   * Directories on another file system than the top of the walk (mount points) are written as
   * entries, their contents are not.
   */
  oneFileSystem?: boolean;
}

/**
 * A tar stream being written, with the bookkeeping a walk needs: hard links are recognised by
 * inode, so a file linked several times is stored once and linked to by name afterwards.
 */
export class TarWriter {
  private readonly pack = tar.pack();
  private readonly links = new Map<string, string>();

  constructor(private readonly signal?: AbortSignal) {}

  /** The archive bytes, to pipe somewhere. */
  get readable(): Readable {
    return this.pack as unknown as Readable;
  }

  /** Pipes the archive into `out`; resolves when everything was written. */
  pipeTo(out: Writable): Promise<void> {
    return pipeline(this.readable, out);
  }

  entry(header: TarEntryHeader, body?: Buffer): Promise<void> {
    if (this.signal?.aborted) return Promise.reject(cancelled(this.signal));
    // tar-stream waits for the body of a regular file entry, even an empty one.
    const data = body ?? (header.type === 'file' || header.type === 'contiguous-file' ? Buffer.alloc(0) : undefined);
    return new Promise((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (data) this.pack.entry(header, data, cb);
      else this.pack.entry(header, cb);
    });
  }

  async stream(header: TarEntryHeader, source: AsyncIterable<Buffer>): Promise<void> {
    if (this.signal?.aborted) throw cancelled(this.signal);
    const sink = this.pack.entry(header);
    await pipeline(Readable.from(source, { objectMode: false }), sink as unknown as Writable);
  }

  /**
   * Writes the entry `name` of `dir` under `tarName`: a directory with everything below it, a
   * regular file with its contents (or as a hard link to an inode already written), anything else
   * as its header. Entries that disappear meanwhile are left out.
   */
  async addEntry(dir: DirHandle, name: string, tarName: string, st: Stats, opts: TreeOptions & { topDev?: number } = {}): Promise<void> {
    if (st.isDirectory()) {
      await this.entry(headerFor(tarName, st)!);
      if (opts.oneFileSystem && opts.topDev !== undefined && st.dev !== opts.topDev) return;
      const child = await dir.openDirIfPresent(name);
      if (!child) return;
      try {
        await this.addContents(child, `${tarName.replace(/\/$/, '')}/`, { ...opts, topDev: opts.topDev ?? st.dev });
      } finally {
        await child.close();
      }
      return;
    }
    if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = await readlink(dir.child(name));
      } catch (err) {
        if (vanished(err)) return;
        throw err;
      }
      await this.entry(headerFor(tarName, st, target)!);
      return;
    }
    if (st.isFile()) {
      await this.addFile(dir.child(name), tarName, st);
      return;
    }
    const header = headerFor(tarName, st);
    if (header) await this.entry(header);
  }

  /** A regular file (opened without following a symlink at `path`), or a link to its first copy. */
  async addFile(path: string, tarName: string, st: Stats, extra: Partial<tar.Header> = {}): Promise<void> {
    if (st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.links.get(key);
      if (first !== undefined) {
        await this.entry({ ...headerFor(tarName, st)!, ...extra, type: 'link', linkname: first, size: 0 });
        return;
      }
      this.links.set(key, tarName);
    }
    let fh: FileHandle;
    try {
      fh = await open(path, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
    } catch (err) {
      if (vanished(err) || errnoCode(err) === 'ELOOP') return;
      throw err;
    }
    try {
      await this.addOpenFile(fh, tarName, st, extra);
    } finally {
      await fh.close().catch(() => {});
    }
  }

  /** A regular file already open (`st` its stat), its contents as they were at `st.size`. */
  async addOpenFile(fh: FileHandle, tarName: string, st: Stats, extra: Partial<tar.Header> = {}): Promise<void> {
    const header = { ...headerFor(tarName, st)!, ...extra };
    if (st.size === 0) await this.entry(header);
    else await this.stream(header, readExactly(fh, st.size));
  }

  /** Everything inside `dir`, named `prefix` + the path below it, in filepath.Walk order. */
  async addContents(dir: DirHandle, prefix: string, opts: TreeOptions & { topDev?: number } = {}): Promise<void> {
    const topDev = opts.topDev ?? (await dir.stat()).dev;
    for (const name of await dir.names()) {
      if (opts.signal?.aborted) throw cancelled(opts.signal);
      const st = await dir.lstatIfPresent(name);
      if (!st) continue;
      await this.addEntry(dir, name, `${prefix}${name}`, st, { ...opts, topDev });
    }
  }

  finish(): void {
    this.pack.finalize();
  }

  destroy(err: Error): void {
    this.pack.destroy(err);
  }
}

import { createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, rm, symlink, utimes } from 'node:fs/promises';
import { posix } from 'node:path';
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { setAttribute } from '@napi-rs/xattr';
import { runChecked } from '../common/command.js';
import { S_IFBLK, S_IFCHR, S_IFIFO, syscalls } from '../common/syscalls.js';
import { cancelled, errnoCode, invalidArgument } from '../common/errors.js';
import { confinedRelativePath, resolveInRoot } from '../common/fs-root.js';
import type { Digest } from '../common/digest.js';
import { decompress } from './compression.js';

/**
 * Unpacks an OCI/Docker layer tar into an overlay layer directory.
 *
 * Layer tars mark deletions with whiteout files (`.wh.<name>`) and replaced directories with
 * `.wh..wh..opq`; overlayfs wants a 0:0 character device and the `trusted.overlay.opaque` xattr
 * instead, so those are converted on the way in (the reverse happens in layer-diff).
 *
 * The tar is untrusted. An entry whose path climbs out (`../x`) is refused and the whole apply
 * fails; a path through a symlink the layer itself created is resolved inside the layer directory
 * (resolveInRoot), so a link to `/etc` cannot make us write to the host's /etc; hard links must
 * point inside the layer.
 */
export interface ApplyResult {
  /** Sum of the regular files' sizes (Docker's layer Size). */
  size: number;
  /** sha256 of the uncompressed tar stream: the layer's diff id. */
  diffId: Digest;
  /** Length of the uncompressed tar stream. */
  tarSize: number;
}

const whiteoutPrefix = '.wh.';
const opaqueMarker = '.wh..wh..opq';

type TarHeader = Omit<tar.Header, 'pax' | 'type'> & { type: string; pax?: Record<string, string> | null };

export async function applyLayer(source: Readable, dir: string, signal?: AbortSignal): Promise<ApplyResult> {
  const plain = await decompress(source);
  const hash = createHash('sha256');
  let tarSize = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      tarSize += chunk.length;
      cb(null, chunk);
    },
  });
  const extract = tar.extract();
  const feeding = pipeline(plain, tap, extract).catch((err: unknown) => {
    extract.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  const applier = new LayerApplier(dir);
  try {
    for await (const entry of extract) {
      if (signal?.aborted) throw cancelled(signal);
      await applier.apply(entry.header as TarHeader, entry as unknown as AsyncIterable<Buffer>);
      entry.resume();
    }
    await feeding;
    await applier.finish();
  } catch (err) {
    plain.destroy();
    extract.destroy();
    if (signal?.aborted) throw cancelled(signal);
    if (err instanceof Error && !('kind' in err) && /tar|header|unexpected end/i.test(err.message)) {
      throw invalidArgument(`invalid tar archive: ${err.message}`, err);
    }
    throw err;
  }
  return { size: applier.size, diffId: `sha256:${hash.digest('hex')}`, tarSize };
}

class LayerApplier {
  size = 0;
  private readonly dirTimes: Array<{ path: string; mtime: Date }> = [];
  private readonly pendingWhiteouts = new Set<string>();

  constructor(private readonly root: string) {}

  async apply(h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    const type: string = h.type ?? 'file';
    if (type === 'pax-global-header' || type === 'pax-header' || type === 'gnu-long-path' || type === 'gnu-long-link-path') {
      return;
    }
    const rel = confinedRelativePath(h.name);
    if (rel === undefined) throw invalidArgument(`invalid tar entry ${JSON.stringify(h.name)}: path escapes the layer root`);
    if (rel === '') {
      if (type === 'directory') await this.setMeta(this.root, h, false);
      return;
    }
    const parentRel = posix.dirname(rel);
    const base = posix.basename(rel);
    const parent = await this.ensureParent(parentRel === '.' ? '' : parentRel);

    if (base === opaqueMarker) {
      await setAttribute(parent, 'trusted.overlay.opaque', 'y');
      return;
    }
    if (base.startsWith(whiteoutPrefix)) {
      const name = base.slice(whiteoutPrefix.length);
      // Other .wh..wh.* names are aufs bookkeeping, not deletions.
      if (name.startsWith(whiteoutPrefix) || name === '' || name === '.' || name === '..') return;
      const target = posix.join(parent, name);
      await rm(target, { recursive: true, force: true });
      this.pendingWhiteouts.add(target);
      return;
    }

    const target = posix.join(parent, base);
    this.pendingWhiteouts.delete(target);
    let existing = await lstat(target).catch((err: unknown) => {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    });
    if (existing && !(existing.isDirectory() && type === 'directory')) {
      // Replacing something: flush pending whiteouts first so none can be created through a path
      // this entry is about to turn into a symlink.
      await this.flushWhiteouts();
      await rm(target, { recursive: true, force: true });
      existing = undefined;
    }

    switch (type) {
      case 'directory':
        if (!existing) await mkdir(target, { mode: 0o755 });
        await this.setMeta(target, h, false);
        return;
      case 'file':
      case 'contiguous-file': {
        await pipeline(body, createWriteStream(target, { mode: 0o600 }));
        this.size += h.size ?? 0;
        await this.setMeta(target, h, false);
        return;
      }
      case 'symlink':
        await this.flushWhiteouts();
        await symlink(h.linkname ?? '', target);
        await this.setMeta(target, h, true);
        return;
      case 'link': {
        const srcRel = confinedRelativePath(h.linkname ?? '');
        if (!srcRel) throw invalidArgument(`invalid tar entry ${JSON.stringify(h.name)}: hard link target escapes the layer root`);
        const srcParent = await resolveInRoot(this.root, posix.dirname(srcRel));
        const src = posix.join(srcParent, posix.basename(srcRel));
        if (!src.startsWith(this.root + '/')) throw invalidArgument(`invalid tar entry ${JSON.stringify(h.name)}: hard link target escapes the layer root`);
        try {
          await link(src, target);
        } catch (err) {
          if (errnoCode(err) === 'ENOENT') {
            throw invalidArgument(`invalid tar entry ${JSON.stringify(h.name)}: hard link to missing ${JSON.stringify(h.linkname)}`);
          }
          throw err;
        }
        return;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        if (syscalls) {
          const fmt = type === 'fifo' ? S_IFIFO : type === 'character-device' ? S_IFCHR : S_IFBLK;
          await syscalls.mknod(target, fmt | ((h.mode ?? 0o600) & 0o7777), h.devmajor ?? 0, h.devminor ?? 0);
        } else {
          const kind = type === 'fifo' ? ['p'] : [type === 'character-device' ? 'c' : 'b', String(h.devmajor ?? 0), String(h.devminor ?? 0)];
          await runChecked('mknod', [target, ...kind]);
        }
        await this.setMeta(target, h, false);
        return;
      }
      default:
        // Unknown entry types (sparse, volume labels) carry no file we can represent.
        return;
    }
  }

  private async ensureParent(parentRel: string): Promise<string> {
    if (parentRel === '') return this.root;
    const resolved = await resolveInRoot(this.root, parentRel);
    try {
      const st = await lstat(resolved);
      if (st.isDirectory()) return resolved;
      await rm(resolved, { force: true });
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    await mkdir(resolved, { recursive: true, mode: 0o755 });
    return resolved;
  }

  private async setMeta(path: string, h: TarHeader, isLink: boolean): Promise<void> {
    // chown before chmod: chown clears setuid/setgid bits.
    await lchown(path, h.uid ?? 0, h.gid ?? 0);
    if (!isLink) await chmod(path, (h.mode ?? 0o644) & 0o7777);
    for (const [key, value] of Object.entries(h.pax ?? {})) {
      if (!key.startsWith('SCHILY.xattr.')) continue;
      const name = key.slice('SCHILY.xattr.'.length);
      // Overlay's own attributes must never come from an image: they would change how the layer stacks.
      if (name.startsWith('trusted.overlay.') || isLink) continue;
      await setAttribute(path, name, Buffer.from(value, 'utf8')).catch(() => {});
    }
    const mtime = h.mtime ?? new Date(0);
    if (h.type === 'directory') this.dirTimes.push({ path, mtime });
    else if (isLink) await lutimes(path, mtime, mtime);
    else await utimes(path, mtime, mtime);
  }

  private async flushWhiteouts(): Promise<void> {
    if (this.pendingWhiteouts.size === 0) return;
    const paths = [...this.pendingWhiteouts];
    this.pendingWhiteouts.clear();
    if (syscalls) {
      for (const p of paths) await syscalls.mknod(p, S_IFCHR, 0, 0);
      return;
    }
    // One shell for the whole batch: Node cannot mknod, and a spawn per whiteout adds up.
    await runChecked('sh', ['-c', 'for p do mknod "$p" c 0 0 || exit 1; done', 'sh', ...paths]);
  }

  async finish(): Promise<void> {
    await this.flushWhiteouts();
    // Directory times last: creating entries inside a directory changes its mtime. lutimes, because
    // a later entry may have replaced the directory with a symlink to somewhere outside.
    for (const { path, mtime } of this.dirTimes.reverse()) await lutimes(path, mtime, mtime);
  }
}

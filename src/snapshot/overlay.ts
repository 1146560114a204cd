import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, internal, invalidArgument, notFound } from '../common/errors.js';
import { hexOf, isDigest, sha256, type Digest } from '../common/digest.js';
import { KeyedMutex } from '../common/mutex.js';
import { readJsonFile, writeJsonAtomic } from '../common/atomic-file.js';
import { Trash } from '../common/trash.js';
import { isMountPoint, mount, unmount } from './mounts.js';

/**
 * Layers and container file systems on overlayfs.
 *
 * Vocabulary (containerd's): a *layer* is committed and read-only, named by its chain id, so an
 * image layer shared by ten images exists once; an *active snapshot* is a container's writable
 * layer, named by the container id, stacked on a layer chain.
 *
 * On disk, under `<root>/overlay/`:
 *   <chain-hex>/diff      the layer's files, whiteouts as 0:0 char devices, opaque dirs by xattr
 *   <chain-hex>/meta.json { chainId, diffId, parent, size, link }
 *   l/<link>              a short symlink to ../<chain-hex>/diff
 *   <container-id>/diff   the writable upper dir; /work the overlay work dir; /merged the mount
 *   <container-id>/lower  the lowerdir option value for that container
 *
 * The short links keep the mount option string under the kernel's one-page limit (up to 500
 * layers, the overlayfs maximum): mount runs with cwd = the overlay root and relative lowerdirs.
 */
export interface LayerMeta {
  chainId: Digest;
  diffId: Digest;
  parent: Digest | null;
  size: number;
  /** Length of the layer's uncompressed tar, so it can be streamed out again without a pass. */
  tarSize: number;
  link: string;
}

export interface LayerFill {
  /** Total size of the layer's files in bytes (Docker's "Size"). */
  size: number;
  tarSize: number;
  diffId: Digest;
}

const maxLayers = 500;

export class OverlaySnapshotter {
  readonly root: string;
  private readonly locks = new KeyedMutex();
  readonly trash: Trash;

  constructor(dataRoot: string) {
    this.root = join(dataRoot, 'overlay');
    this.trash = new Trash(join(this.root, '.trash'));
  }

  async init(): Promise<void> {
    await mkdir(join(this.root, 'l'), { recursive: true });
    await this.trash.sweep();
    // A layer is renamed into place only when complete; anything still named .tmp-* is a crash leftover.
    for (const name of await readdir(this.root)) {
      if (name.startsWith('.tmp-')) await rm(join(this.root, name), { recursive: true, force: true });
    }
  }

  private layerDir(chainId: Digest): string {
    return join(this.root, hexOf(chainId));
  }

  async layer(chainId: Digest): Promise<LayerMeta | undefined> {
    return readJsonFile<LayerMeta>(join(this.layerDir(chainId), 'meta.json'));
  }

  async requireLayer(chainId: Digest): Promise<LayerMeta> {
    const meta = await this.layer(chainId);
    if (!meta) throw notFound(`layer ${chainId} does not exist`);
    return meta;
  }

  layerDiffPath(chainId: Digest): string {
    return join(this.layerDir(chainId), 'diff');
  }

  /**
   * Creates the layer that `fill` writes on top of `parent`, unless it exists. `fill` gets a scratch
   * directory that becomes visible under the layer's chain id only when fill succeeds; concurrent
   * creations of one layer run once. With `expectedDiffId` the chain id is known up front (an image
   * layer), so an existing layer is reused without extracting anything, and fill must produce that
   * diff id; without it (an import, a commit) the chain id follows from what fill produced.
   */
  async createLayer(
    parent: Digest | null,
    fill: (dir: string) => Promise<LayerFill>,
    expectedDiffId?: Digest,
  ): Promise<LayerMeta> {
    if (parent) await this.requireLayer(parent);
    if (expectedDiffId) {
      const chainId = chainIdOf(parent, expectedDiffId);
      return this.locks.run(chainId, async () => {
        const existing = await this.layer(chainId);
        if (existing) return existing;
        return this.fillAndCommit(parent, fill, expectedDiffId);
      });
    }
    return this.fillAndCommit(parent, fill, undefined);
  }

  private async fillAndCommit(parent: Digest | null, fill: (dir: string) => Promise<LayerFill>, expectedDiffId: Digest | undefined): Promise<LayerMeta> {
    const tmp = join(this.root, `.tmp-${randomBytes(8).toString('hex')}`);
    await mkdir(join(tmp, 'diff'), { recursive: true, mode: 0o755 });
    try {
      const { size, tarSize, diffId } = await fill(join(tmp, 'diff'));
      if (expectedDiffId && diffId !== expectedDiffId) {
        throw invalidArgument(`layer content does not match the image config: its diff id is ${diffId}, expected ${expectedDiffId}`);
      }
      const chainId = chainIdOf(parent, diffId);
      const commit = async () => {
        const existing = await this.layer(chainId);
        if (existing) return existing;
        const link = linkName(chainId);
        const meta: LayerMeta = { chainId, diffId, parent, size, tarSize, link };
        await writeJsonAtomic(join(tmp, 'meta.json'), meta);
        await rm(this.layerDir(chainId), { recursive: true, force: true });
        await rename(tmp, this.layerDir(chainId));
        await rm(join(this.root, 'l', link), { force: true });
        await symlink(join('..', hexOf(chainId), 'diff'), join(this.root, 'l', link));
        return meta;
      };
      // With an expected diff id the caller already holds the chain id's lock.
      return expectedDiffId ? await commit() : await this.locks.run(chainId, commit);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  async removeLayer(chainId: Digest): Promise<void> {
    await this.locks.run(chainId, async () => {
      const meta = await this.layer(chainId);
      if (meta) await rm(join(this.root, 'l', meta.link), { force: true });
      await rm(this.layerDir(chainId), { recursive: true, force: true });
    });
  }

  async listLayers(): Promise<LayerMeta[]> {
    const out: LayerMeta[] = [];
    for (const name of await readdir(this.root)) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      const meta = await readJsonFile<LayerMeta>(join(this.root, name, 'meta.json')).catch(() => undefined);
      if (meta && isDigest(meta.chainId)) out.push(meta);
    }
    return out;
  }

  /** The lowerdir value for a chain, top layer first, as relative short links. */
  private async lowerChain(top: Digest | null): Promise<string> {
    const links: string[] = [];
    for (let cur = top; cur; ) {
      const meta = await this.requireLayer(cur);
      links.push(join('l', meta.link));
      cur = meta.parent;
      if (links.length > maxLayers) throw internal(`layer chain of ${top} is longer than ${maxLayers} layers`);
    }
    if (links.length === 0) {
      await mkdir(join(this.root, 'empty'), { recursive: true });
      links.push('empty');
    }
    return links.join(':');
  }

  private activeDir(key: string): string {
    if (!/^[a-f0-9]{64}$/.test(key)) throw internal(`invalid snapshot key ${key}`);
    return join(this.root, key);
  }

  /** Creates the writable layer of a container on top of a layer chain (no mount yet). */
  async prepare(key: string, parent: Digest | null): Promise<void> {
    const dir = this.activeDir(key);
    const lower = await this.lowerChain(parent);
    await mkdir(join(dir, 'diff'), { recursive: true, mode: 0o755 });
    await mkdir(join(dir, 'work'), { recursive: true, mode: 0o700 });
    await mkdir(join(dir, 'merged'), { recursive: true, mode: 0o700 });
    await writeFile(join(dir, 'lower'), lower);
  }

  mergedPath(key: string): string {
    return join(this.activeDir(key), 'merged');
  }

  upperPath(key: string): string {
    return join(this.activeDir(key), 'diff');
  }

  async exists(key: string): Promise<boolean> {
    try {
      await lstat(join(this.activeDir(key), 'lower'));
      return true;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return false;
      throw err;
    }
  }

  /** Mounts the container's root file system and returns its path; mounting twice is a no-op. */
  async mount(key: string): Promise<string> {
    return this.locks.run(key, async () => {
      const dir = this.activeDir(key);
      const merged = join(dir, 'merged');
      if (await isMountPoint(merged)) return merged;
      const lower = await readFile(join(dir, 'lower'), 'utf8');
      await mount('overlay', 'overlay', merged, `lowerdir=${lower},upperdir=${key}/diff,workdir=${key}/work`, this.root);
      return merged;
    });
  }

  async unmount(key: string): Promise<void> {
    await this.locks.run(key, () => unmount(this.mergedPath(key)));
  }

  /** Unmounts (synchronously: no mount outlives the call) and discards the writable layer. */
  async remove(key: string): Promise<void> {
    await this.unmount(key);
    await this.trash.discard(this.activeDir(key));
  }

  /** Keys of all active snapshots on disk (for reconciliation with container records). */
  async listActive(): Promise<string[]> {
    const out: string[] = [];
    for (const name of await readdir(this.root)) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      try {
        await lstat(join(this.root, name, 'lower'));
        out.push(name);
      } catch {
        // a layer, not an active snapshot
      }
    }
    return out;
  }
}

function chainIdOf(parent: Digest | null, diffId: Digest): Digest {
  return parent ? sha256(`${parent} ${diffId}`) : diffId;
}

function linkName(chainId: Digest): string {
  return createHash('sha256').update(chainId).digest('base64url').replace(/[-_]/g, '').slice(0, 16).toUpperCase();
}

import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { hexOf, sha256, type Digest } from '../common/digest.js';
import { cancelled } from '../common/errors.js';
import { mediaTypes, type DockerArchiveEntry, type Index, type Manifest } from '../oci/image.js';
import { familiarName, familiarString, referenceString, type Reference } from '../oci/reference.js';
import type { ImageDeps } from './archive-load.js';
import { decompress } from './compression.js';

export interface ArchiveLayer {
  diffId: Digest;
  /** Length of the uncompressed layer tar. */
  size: number;
  /** The uncompressed layer tar. */
  open(): Promise<Readable>;
}

export interface ArchiveImage {
  configBytes: Buffer;
  layers: ArchiveLayer[];
  tags: Reference[];
}

/**
 * Writes images as one tar that both `docker load` (via manifest.json) and OCI tools (via
 * index.json + oci-layout) read: the layout Docker 25+ produces. Layers are stored uncompressed and
 * named by diff id, so a layer shared by several images is written once.
 */
export class ImageArchiveWriter {
  private readonly pack = tar.pack();
  private readonly done: Promise<void>;
  private readonly written = new Set<string>();
  private readonly dockerManifest: DockerArchiveEntry[] = [];
  private readonly index: Index = { schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests: [] };
  private readonly repositories: Record<string, Record<string, string>> = {};
  private readonly mtime = new Date(0);
  private started = false;

  constructor(out: Writable, signal?: AbortSignal) {
    this.done = pipeline(this.pack as unknown as Readable, out, signal ? { signal } : {});
    this.done.catch(() => {});
  }

  private entry(name: string, data: Buffer | null, type: 'file' | 'directory' = 'file'): Promise<void> {
    return new Promise((resolve, reject) => {
      const header = { name, type, mode: type === 'directory' ? 0o755 : 0o644, mtime: this.mtime, ...(data && { size: data.length }) };
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (data) this.pack.entry(header, data, cb);
      else this.pack.entry(header, cb);
    });
  }

  private async blob(digest: Digest, data: Buffer): Promise<void> {
    if (this.written.has(digest)) return;
    await this.entry(`blobs/sha256/${hexOf(digest)}`, data);
    this.written.add(digest);
  }

  async addImage(image: ArchiveImage): Promise<void> {
    if (!this.started) {
      await this.entry('blobs', null, 'directory');
      await this.entry('blobs/sha256', null, 'directory');
      this.started = true;
    }
    const configDigest = sha256(image.configBytes);
    await this.blob(configDigest, image.configBytes);
    for (const layer of image.layers) {
      if (this.written.has(layer.diffId)) continue;
      const sink = this.pack.entry({ name: `blobs/sha256/${hexOf(layer.diffId)}`, size: layer.size, mode: 0o644, mtime: this.mtime });
      await pipeline(await layer.open(), sink as unknown as Writable);
      this.written.add(layer.diffId);
    }
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: mediaTypes.ociManifest,
      config: { mediaType: mediaTypes.ociConfig, digest: configDigest, size: image.configBytes.length },
      layers: image.layers.map((l) => ({ mediaType: mediaTypes.ociLayer, digest: l.diffId, size: l.size })),
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    const manifestDigest = sha256(manifestBytes);
    await this.blob(manifestDigest, manifestBytes);
    const desc = { mediaType: mediaTypes.ociManifest, digest: manifestDigest, size: manifestBytes.length };
    if (image.tags.length === 0) this.index.manifests.push(desc);
    const top = image.layers[image.layers.length - 1];
    for (const tag of image.tags) {
      this.index.manifests.push({
        ...desc,
        annotations: {
          'io.containerd.image.name': referenceString(tag),
          'org.opencontainers.image.ref.name': tag.tag ?? 'latest',
        },
      });
      if (top && tag.tag) (this.repositories[familiarName(tag)] ??= {})[tag.tag] = hexOf(top.diffId);
    }
    this.dockerManifest.push({
      Config: `blobs/sha256/${hexOf(configDigest)}`,
      RepoTags: image.tags.length ? image.tags.map((t) => familiarString(t)) : null,
      Layers: image.layers.map((l) => `blobs/sha256/${hexOf(l.diffId)}`),
    });
  }

  async finish(): Promise<void> {
    await this.entry('index.json', Buffer.from(JSON.stringify(this.index)));
    await this.entry('manifest.json', Buffer.from(JSON.stringify(this.dockerManifest)));
    await this.entry('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    if (Object.keys(this.repositories).length) await this.entry('repositories', Buffer.from(JSON.stringify(this.repositories)));
    this.pack.finalize();
    await this.done;
  }

  abort(err: Error): void {
    this.pack.destroy(err);
  }
}

export interface SaveRequest {
  id: Digest;
  /** The tags to record for this image (empty when it was named by id). */
  tags: Reference[];
}

/** `docker save`: the named images from the store, as one archive. */
export async function saveArchive(deps: ImageDeps, images: SaveRequest[], out: Writable, signal?: AbortSignal): Promise<void> {
  const writer = new ImageArchiveWriter(out, signal);
  try {
    const seen = new Set<string>();
    for (const req of images) {
      if (signal?.aborted) throw cancelled(signal);
      if (seen.has(req.id)) continue;
      seen.add(req.id);
      const record = deps.store.get(req.id)!;
      const chains = deps.store.chainIdsOf(record);
      const layers: ArchiveLayer[] = [];
      for (const [i, layer] of record.layers.entries()) {
        const meta = await deps.snapshotter.requireLayer(chains[i]!);
        layers.push({
          diffId: layer.diffId,
          size: meta.tarSize,
          open: async () => {
            const blob = deps.content.open(layer.digest);
            return layer.digest === layer.diffId ? blob : decompress(blob);
          },
        });
      }
      await writer.addImage({ configBytes: await deps.content.readAll(req.id), layers, tags: req.tags });
    }
    await writer.finish();
  } catch (err) {
    writer.abort(err as Error);
    throw err;
  }
}

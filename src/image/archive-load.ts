import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { isDigest, type Digest } from '../common/digest.js';
import { cancelled, invalidArgument } from '../common/errors.js';
import { confinedRelativePath } from '../common/fs-root.js';
import type { ContentStore } from '../content/store.js';
import { mediaTypes, type DockerArchiveEntry, type ImageConfig, type Index, type Manifest } from '../oci/image.js';
import { parseReference, type Reference } from '../oci/reference.js';
import type { OverlaySnapshotter } from '../snapshot/overlay.js';
import { decompress } from './compression.js';
import type { ImageRecord, ImageStore, LayerRef } from './store.js';
import { unpackLayers } from './unpack.js';

export interface ImageDeps {
  content: ContentStore;
  snapshotter: OverlaySnapshotter;
  store: ImageStore;
}

export interface LoadedImage {
  id: Digest;
  tags: Reference[];
}

export type LoadProgress = (event: { kind: 'layer'; diffId: Digest; size: number }) => void;

/** Files we keep in memory while reading an archive; everything else streams into the content store. */
const smallFileLimit = 4 * 1024 * 1024;

interface ArchiveFile {
  digest: Digest;
  size: number;
  existed: boolean;
  data?: Buffer;
}

/**
 * Reads a `docker save` archive (the classic layout with manifest.json, or an OCI image layout with
 * index.json; Docker 25+ writes both) and adds its images. Entries stream straight into the content
 * store, so an archive is read once and never extracted to a scratch directory. Nothing from the
 * archive is written by path: a `../` entry name is refused outright.
 */
export async function loadArchive(deps: ImageDeps, source: Readable, signal?: AbortSignal, onProgress?: LoadProgress): Promise<LoadedImage[]> {
  const files = new Map<string, ArchiveFile>();
  const links = new Map<string, string>();
  const plain = await decompress(source);
  const extract = tar.extract();
  const feeding = pipeline(plain, extract).catch((err: unknown) => {
    extract.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  try {
    for await (const entry of extract) {
      if (signal?.aborted) throw cancelled(signal);
      const h = entry.header;
      const name = confinedRelativePath(h.name);
      if (name === undefined) throw invalidArgument(`invalid archive entry ${JSON.stringify(h.name)}: path escapes the archive root`);
      if (h.type === 'symlink' || h.type === 'link') {
        const base = h.type === 'symlink' ? posix.dirname(name) : '';
        const target = confinedRelativePath(posix.join(base, h.linkname ?? ''));
        if (target === undefined) throw invalidArgument(`invalid archive entry ${JSON.stringify(h.name)}: link escapes the archive root`);
        links.set(name, target);
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        if ((h.size ?? 0) <= smallFileLimit) {
          const chunks: Buffer[] = [];
          for await (const c of entry) chunks.push(c as Buffer);
          const data = Buffer.concat(chunks);
          files.set(name, { ...(await deps.content.writeBlob(data)), data });
        } else {
          const info = await deps.content.ingest(Readable.from(entry as unknown as AsyncIterable<Buffer>), {}, signal);
          files.set(name, info);
        }
      }
      entry.resume();
    }
    await feeding;
  } catch (err) {
    plain.destroy();
    extract.destroy();
    await discardNew(deps, files);
    if (signal?.aborted) throw cancelled(signal);
    if (err instanceof Error && !('kind' in err)) throw invalidArgument(`invalid archive: ${err.message}`, err);
    throw err;
  }

  const lookup = (path: string): ArchiveFile => {
    let p = confinedRelativePath(path) ?? '';
    for (let hops = 0; links.has(p) && hops < 16; hops++) p = links.get(p)!;
    const f = files.get(p);
    if (!f) throw invalidArgument(`invalid archive: ${path} is referenced but not present`);
    return f;
  };

  try {
    const plan = files.has('manifest.json') ? dockerPlan(files.get('manifest.json')!, lookup) : ociPlan(files, lookup);
    const loaded: LoadedImage[] = [];
    for (const item of plan) {
      const config = parseConfig(item.config);
      const diffIds = config.rootfs?.diff_ids ?? [];
      if (diffIds.length !== item.layers.length) {
        throw invalidArgument(`invalid archive: image config lists ${diffIds.length} layers, the manifest ${item.layers.length}`);
      }
      const layers: LayerRef[] = item.layers.map((l, i) => ({
        diffId: diffIds[i]!,
        digest: l.file.digest,
        mediaType: l.mediaType,
        blobSize: l.file.size,
      }));
      const metas = await unpackLayers(deps.content, deps.snapshotter, layers, signal);
      metas.forEach((m) => onProgress?.({ kind: 'layer', diffId: m.diffId, size: m.tarSize }));
      const id = item.config.digest;
      const existing = deps.store.get(id);
      const record: ImageRecord = existing ?? {
        id,
        layers,
        size: metas.reduce((n, m) => n + m.size, 0),
        repoDigests: [],
        addedAt: new Date().toISOString(),
      };
      if (!existing) await deps.store.add(record, config);
      loaded.push({ id, tags: item.tags });
    }
    await discardNew(deps, files);
    return loaded;
  } catch (err) {
    await discardNew(deps, files);
    throw err;
  }
}

/** Removes the blobs this archive brought that no image uses (VERSION files, manifests, …). */
async function discardNew(deps: ImageDeps, files: Map<string, ArchiveFile>): Promise<void> {
  const referenced = new Set<string>();
  for (const rec of deps.store.list()) {
    referenced.add(rec.id);
    for (const l of rec.layers) referenced.add(l.digest);
  }
  for (const f of files.values()) if (!f.existed && !referenced.has(f.digest)) await deps.content.delete(f.digest);
}

interface PlanItem {
  config: ArchiveFile;
  layers: Array<{ file: ArchiveFile; mediaType: string }>;
  tags: Reference[];
}

function dockerPlan(manifestFile: ArchiveFile, lookup: (p: string) => ArchiveFile): PlanItem[] {
  let entries: DockerArchiveEntry[];
  try {
    entries = JSON.parse(manifestFile.data!.toString('utf8')) as DockerArchiveEntry[];
  } catch {
    throw invalidArgument('invalid archive: manifest.json is not valid JSON');
  }
  if (!Array.isArray(entries)) throw invalidArgument('invalid archive: manifest.json is not a list');
  return entries.map((e) => ({
    config: lookup(String(e.Config)),
    layers: (e.Layers ?? []).map((p) => ({ file: lookup(String(p)), mediaType: mediaTypes.dockerLayer })),
    tags: (e.RepoTags ?? []).map((t) => parseReference(t)),
  }));
}

function ociPlan(files: Map<string, ArchiveFile>, lookup: (p: string) => ArchiveFile): PlanItem[] {
  const indexFile = files.get('index.json');
  if (!indexFile?.data) throw invalidArgument('invalid archive: it has neither manifest.json nor index.json');
  const blob = (d: Digest): ArchiveFile => {
    if (!isDigest(d)) throw invalidArgument(`invalid archive: bad digest ${String(d)}`);
    return lookup(`blobs/sha256/${d.slice(7)}`);
  };
  const out: PlanItem[] = [];
  const visit = (index: Index, depth: number) => {
    for (const desc of index.manifests ?? []) {
      const f = blob(desc.digest);
      const doc = JSON.parse(f.data!.toString('utf8')) as Manifest & Index;
      if (Array.isArray(doc.manifests)) {
        if (depth < 4) visit(doc, depth + 1);
        continue;
      }
      const name = desc.annotations?.['io.containerd.image.name'] ?? desc.annotations?.['org.opencontainers.image.ref.name'];
      let tags: Reference[] = [];
      if (name) {
        try {
          tags = [parseReference(name)];
        } catch {
          tags = [];
        }
      }
      out.push({
        config: blob(doc.config.digest),
        layers: doc.layers.map((l) => ({ file: blob(l.digest), mediaType: l.mediaType })),
        tags,
      });
    }
  };
  visit(JSON.parse(indexFile.data.toString('utf8')) as Index, 0);
  return out;
}

function parseConfig(f: ArchiveFile): ImageConfig {
  try {
    const cfg = JSON.parse(f.data!.toString('utf8')) as ImageConfig;
    if (!cfg.rootfs || !Array.isArray(cfg.rootfs.diff_ids) || !cfg.rootfs.diff_ids.every((d) => isDigest(d))) {
      throw new Error('no rootfs.diff_ids');
    }
    return cfg;
  } catch (err) {
    throw invalidArgument(`invalid archive: bad image config: ${(err as Error).message}`);
  }
}


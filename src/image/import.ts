import type { Readable } from 'node:stream';
import { formatRfc3339Nano, nowNs } from '../common/time.js';
import { mediaTypes, type ImageConfig } from '../oci/image.js';
import type { ImageDeps } from './archive-load.js';
import { applyChanges } from './changes.js';
import { applyLayer } from './layer-apply.js';
import type { ImageRecord } from './store.js';

export interface ImportOptions {
  changes?: string[];
  message?: string;
  signal?: AbortSignal;
}

export const goArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };

/**
 * `docker import`: a root file system tar (optionally compressed) becomes a one-layer image. The
 * blob is kept as received; the layer is extracted from it, and a tar that tries to write outside
 * the layer (`../`) is refused before any image exists.
 */
export async function importRootfs(deps: ImageDeps, source: Readable, opts: ImportOptions = {}): Promise<ImageRecord> {
  const config0 = applyChanges({}, opts.changes ?? []);
  const blob = await deps.content.ingest(source, {}, opts.signal);
  try {
    const meta = await deps.snapshotter.createLayer(null, (dir) => applyLayer(deps.content.open(blob.digest), dir, opts.signal));
    const created = formatRfc3339Nano(nowNs());
    const config: ImageConfig = {
      architecture: goArch[process.arch] ?? process.arch,
      os: 'linux',
      created,
      config: config0,
      rootfs: { type: 'layers', diff_ids: [meta.diffId] },
      history: [{ created, comment: opts.message || 'Imported from -' }],
    };
    const cfg = await deps.content.writeBlob(JSON.stringify(config));
    const record: ImageRecord = deps.store.get(cfg.digest) ?? {
      id: cfg.digest,
      layers: [
        {
          diffId: meta.diffId,
          digest: blob.digest,
          mediaType: blob.digest === meta.diffId ? mediaTypes.dockerLayer : mediaTypes.dockerLayerGzip,
          blobSize: blob.size,
        },
      ],
      size: meta.size,
      repoDigests: [],
      addedAt: new Date().toISOString(),
    };
    await deps.store.add(record, config);
    return record;
  } catch (err) {
    if (!blob.existed) await deps.content.delete(blob.digest);
    throw err;
  }
}

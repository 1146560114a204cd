import { chainIds, type Digest } from '../common/digest.js';
import type { ContentProvider } from '../content/store.js';
import type { LayerMeta, OverlaySnapshotter } from '../snapshot/overlay.js';
import { applyLayer } from './layer-apply.js';
import type { LayerRef } from './store.js';

/**
 * Makes sure every layer of an image exists as a snapshot layer, extracting the missing ones from
 * their blobs. Layers are named by chain id, so a base layer shared with another image is reused,
 * not extracted again. The diff id of each extracted layer is checked against the image config.
 */
export async function unpackLayers(
  content: ContentProvider,
  snapshotter: OverlaySnapshotter,
  layers: readonly LayerRef[],
  signal?: AbortSignal,
): Promise<LayerMeta[]> {
  const chains = chainIds(layers.map((l) => l.diffId));
  const out: LayerMeta[] = [];
  let parent: Digest | null = null;
  for (const [i, layer] of layers.entries()) {
    const chainId = chains[i]!;
    const meta = await snapshotter.createLayer(
      parent,
      (dir) => applyLayer(content.open(layer.digest), dir, signal),
      layer.diffId,
    );
    out.push(meta);
    parent = chainId;
  }
  return out;
}

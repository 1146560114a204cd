import type { Digest } from '../common/digest.js';
import { cancelled, conflict, notFound } from '../common/errors.js';
import { formatRfc3339Nano, nowNs } from '../common/time.js';
import { childImageConfig, commitConfig, repoTagReference, writeCommitLayer } from '../image/commit.js';
import { upperChanges, type Change } from '../image/layer-diff.js';
import type { ImageRecord } from '../image/store.js';
import type { ContainerConfig as RunConfig } from '../oci/image.js';
import { mediaTypes } from '../oci/image.js';
import { familiarString, fullName } from '../oci/reference.js';
import type { ContainerFilesDeps } from './container-files.js';
import { containerEventAttrs, type ContainerRecord } from './container-record.js';
import { containerInitPath } from './containers.js';
import { berthVersion } from './system.js';

/** Commit reads a container's files as ContainerFiles does, and writes images: the same services. */
export type ContainerCommitsDeps = ContainerFilesDeps;

export interface CommitRequest {
  container: string;
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  /** Pause a running container while its changes are read (dockerd's default). */
  pause: boolean;
  /** The request body: a container config that replaces the container's own as the starting point. */
  config?: RunConfig;
  changes?: string[];
  signal?: AbortSignal;
}

/**
 * Where the runtime puts its own mounts (runtime/spec.ts). Docker keeps these in an init layer under
 * the container's, so they are never a change; here the diff leaves them out while they are still
 * the empty file or directory runc made.
 */
export const runtimeMountPoints: readonly string[] = [
  '/dev',
  '/dev/console',
  '/dev/mqueue',
  '/dev/pts',
  '/dev/shm',
  '/etc/hostname',
  '/etc/hosts',
  '/etc/resolv.conf',
  '/proc',
  '/sys',
  containerInitPath,
];

/**
 * What a container changed in its writable layer: `diff` (GET /containers/{id}/changes) lists it,
 * `commit` (POST /commit) turns it into a new image layer on top of the container's image.
 */
export class ContainerCommits {
  constructor(readonly d: ContainerCommitsDeps) {}

  /** `docker diff`: dockerd's A/C/D list, in its order (running or stopped alike). */
  async changes(idOrName: string, signal?: AbortSignal): Promise<Change[]> {
    return this.d.containers.withRootfs(idOrName, async (_rootfs, rec) => {
      const { lowers } = this.imageOf(rec);
      return upperChanges(this.d.containers.upperDir(rec.id), lowers, { mountPoints: runtimeMountPoints, ...(signal && { signal }) });
    });
  }

  /**
   * `docker commit`: the container's image plus one layer with its changes, its config merged with
   * the request's as dockerd does, tagged if asked. All input is checked before the container is
   * touched; a failure or an abort leaves no image, layer or blob behind.
   */
  async commit(req: CommitRequest): Promise<Digest> {
    const ref = repoTagReference(req.repo, req.tag);
    const first = this.d.containers.find(req.container);
    assertCommittable(first);
    const config = commitConfig(first.config, req.config, req.changes ?? []);
    return this.d.containers.withRootfs(first.id, async (_rootfs, rec) => {
      assertCommittable(rec);
      let paused = false;
      if (req.pause && rec.state.Status === 'running') {
        // As in dockerd, a container that cannot be paused is committed as it runs.
        paused = await this.d.containers.pause(rec.id).then(
          () => true,
          (err: unknown) => {
            this.d.log.warn('commit: pausing failed; committing the running container', { id: rec.id, err: err instanceof Error ? err : String(err) });
            return false;
          },
        );
      }
      try {
        // The new blob and layer belong to no image until the record is added: no collection meanwhile.
        const id = await this.d.images.holdGarbage(() => this.createImage(rec, config, req));
        let imageRef = '';
        if (ref) {
          await this.d.images.tag(id, fullName(ref), ref.tag!);
          imageRef = familiarString(ref);
        }
        this.d.events.publish('container', 'commit', rec.id, containerEventAttrs(rec, { comment: req.comment ?? '', imageID: id, imageRef }));
        return id;
      } finally {
        if (paused) {
          await this.d.containers.unpause(rec.id).catch((err: unknown) => {
            this.d.log.error('commit: unpausing failed', { id: rec.id, err: err instanceof Error ? err : String(err) });
          });
        }
      }
    });
  }

  private imageOf(rec: ContainerRecord): { image: ImageRecord; lowers: string[] } {
    const image = this.d.imageStore.get(rec.image);
    if (!image) throw notFound(`No such image: ${rec.image}`);
    const lowers = this.d.imageStore
      .chainIdsOf(image)
      .reverse()
      .map((c) => this.d.snapshotter.layerDiffPath(c));
    return { image, lowers };
  }

  private async createImage(rec: ContainerRecord, config: RunConfig, req: CommitRequest): Promise<Digest> {
    const { signal } = req;
    const { image: parent, lowers } = this.imageOf(rec);
    const parentConfig = await this.d.imageStore.config(parent.id);
    const layer = await writeCommitLayer(
      { content: this.d.content, snapshotter: this.d.snapshotter, store: this.d.imageStore },
      {
        upper: this.d.containers.upperDir(rec.id),
        lowers,
        parentDiffIds: parent.layers.map((l) => l.diffId),
        mountPoints: runtimeMountPoints,
        ...(signal && { signal }),
      },
    );
    let configBlob: { digest: Digest; existed: boolean } | undefined;
    try {
      const imageConfig = childImageConfig(parentConfig, {
        containerId: rec.id,
        containerConfig: rec.config,
        config,
        ...(req.author && { author: req.author }),
        ...(req.comment && { comment: req.comment }),
        diffId: layer.diffId,
        created: formatRfc3339Nano(nowNs()),
        dockerVersion: berthVersion,
      });
      configBlob = await this.d.content.writeBlob(JSON.stringify(imageConfig));
      if (signal?.aborted) throw cancelled(signal);
      const record: ImageRecord = {
        id: configBlob.digest,
        layers: layer.empty
          ? [...parent.layers]
          : [...parent.layers, { diffId: layer.diffId, digest: layer.blob.digest, mediaType: mediaTypes.dockerLayer, blobSize: layer.blob.size }],
        size: parent.size + (layer.empty ? 0 : layer.meta.size),
        parent: parent.id,
        repoDigests: [],
        addedAt: new Date().toISOString(),
      };
      await this.d.imageStore.add(record, imageConfig);
    } catch (err) {
      await layer.discard();
      if (configBlob && !configBlob.existed) await this.d.content.delete(configBlob.digest).catch(() => {});
      throw err;
    }
    // An empty diff adds no layer (moby's NewChildImage): what was written for it goes again.
    if (layer.empty) await layer.discard();
    return configBlob.digest;
  }
}

function assertCommittable(rec: ContainerRecord): void {
  if (rec.state.Status === 'dead') throw conflict(`You cannot commit container ${rec.id} which is Dead`);
  if (rec.state.Status === 'removing') throw conflict(`You cannot commit container ${rec.id} which is being removed`);
}

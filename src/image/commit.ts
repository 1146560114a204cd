import { PassThrough, type Readable, type Writable } from 'node:stream';
import { chainIds, type Digest } from '../common/digest.js';
import { cancelled, internal, invalidArgument, messageOf } from '../common/errors.js';
import type { ContentStore, WriteResult } from '../content/store.js';
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../oci/image.js';
import { isValidTag, parseNormalizedReference, withDefaultTag, type Reference } from '../oci/reference.js';
import type { LayerMeta, OverlaySnapshotter } from '../snapshot/overlay.js';
import { applyChanges } from './changes.js';
import { goArch } from './import.js';
import { applyLayer } from './layer-apply.js';
import { writeLayerDiff } from './layer-diff.js';
import type { ImageStore } from './store.js';
import { TarWriter } from './tree-tar.js';

/**
 * `docker commit` without the container: the image config dockerd builds for a committed
 * container, and the new layer made from its writable layer.
 */

/** The diff id of a tar holding nothing but its end marker (moby's layer.DigestSHA256EmptyTar). */
export const emptyTarDiffId: Digest = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

/**
 * The `repo` and `tag` query parameters as dockerd reads them (httputils.RepoTagReference): no repo
 * means no tag at all, a repo without a tag gets `latest`, a digest is refused.
 */
export function repoTagReference(repo: string | undefined, tag: string | undefined): Reference | undefined {
  if (!repo) return undefined;
  const ref = parseNormalizedReference(repo);
  if (ref.digest) throw invalidArgument('cannot import digest reference');
  if (tag) {
    if (!isValidTag(tag)) throw invalidArgument('invalid tag format');
    return { domain: ref.domain, path: ref.path, tag };
  }
  return withDefaultTag(ref);
}

/**
 * The committed image's runnable config, as dockerd's CreateImageFromContainer makes it: the request
 * body if there is one (else the container's config), the `changes` applied to it as Dockerfile
 * instructions would be, then whatever is still unset taken from the container's config.
 */
export function commitConfig(container: ContainerConfig, body: ContainerConfig | undefined, changes: readonly string[]): ContainerConfig {
  let cfg: ContainerConfig = structuredClone(body ?? container);
  // Like a Dockerfile, an ENTRYPOINT clears the command unless a CMD came before it.
  let cmdSet = false;
  for (const change of changes) {
    for (const line of change.split('\n')) {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const word = /^\S+/.exec(trimmed)![0].toUpperCase();
      cfg = applyChanges(cfg, [trimmed]);
      if (word === 'CMD') cmdSet = true;
      if (word === 'ENTRYPOINT' && !cmdSet) cfg.Cmd = null;
    }
  }
  return mergeFromContainer(cfg, container);
}

/** moby's daemon/commit.go merge(): fills what the new config leaves empty from the container's. */
function mergeFromContainer(user: ContainerConfig, from: ContainerConfig): ContainerConfig {
  const out = user;
  if (!out.User) out.User = from.User ?? '';
  const userPorts = Object.keys(out.ExposedPorts ?? {});
  if (userPorts.length === 0) {
    if (from.ExposedPorts) out.ExposedPorts = { ...from.ExposedPorts };
    else delete out.ExposedPorts;
  } else if (from.ExposedPorts) out.ExposedPorts = { ...from.ExposedPorts, ...out.ExposedPorts };
  if (!out.Env || out.Env.length === 0) out.Env = from.Env ? [...from.Env] : null;
  else {
    const keyOf = (e: string) => e.split('=')[0];
    for (const e of from.Env ?? []) if (!out.Env.some((u) => keyOf(u) === keyOf(e))) out.Env.push(e);
  }
  out.Labels = { ...(from.Labels ?? {}), ...(out.Labels ?? {}) };
  if (!out.Entrypoint || out.Entrypoint.length === 0) {
    if (!out.Cmd || out.Cmd.length === 0) {
      out.Cmd = from.Cmd ?? null;
      if (from.ArgsEscaped) out.ArgsEscaped = from.ArgsEscaped;
      else delete out.ArgsEscaped;
    }
    if (out.Entrypoint === undefined || out.Entrypoint === null) out.Entrypoint = from.Entrypoint ?? null;
  }
  if (from.Healthcheck) {
    if (!out.Healthcheck) out.Healthcheck = structuredClone(from.Healthcheck);
    else {
      const h = out.Healthcheck;
      const f = from.Healthcheck;
      if ((!h.Test || h.Test.length === 0) && f.Test) h.Test = [...f.Test];
      if (!h.Interval && f.Interval) h.Interval = f.Interval;
      if (!h.Timeout && f.Timeout) h.Timeout = f.Timeout;
      if (!h.StartPeriod && f.StartPeriod) h.StartPeriod = f.StartPeriod;
      if (!h.Retries && f.Retries) h.Retries = f.Retries;
    }
  }
  if (!out.WorkingDir) out.WorkingDir = from.WorkingDir ?? '';
  if (!out.Volumes || Object.keys(out.Volumes).length === 0) out.Volumes = from.Volumes ? { ...from.Volumes } : null;
  else out.Volumes = { ...out.Volumes, ...(from.Volumes ?? {}) };
  if (!out.StopSignal && from.StopSignal) out.StopSignal = from.StopSignal;
  return out;
}

type FullConfig = ContainerConfig & Record<string, unknown>;

/**
 * A container config with Go's field order and zero values (container.Config as encoding/json
 * writes it), so committed configs read like dockerd's. Optional fields stay out when unset.
 */
export function dockerConfigOrder(c: ContainerConfig): ContainerConfig {
  const f = c as FullConfig;
  const opt = (k: string) => (f[k] !== undefined && f[k] !== null && f[k] !== '' && f[k] !== false ? { [k]: f[k] } : {});
  return {
    Hostname: (f['Hostname'] as string | undefined) ?? '',
    Domainname: (f['Domainname'] as string | undefined) ?? '',
    User: c.User ?? '',
    AttachStdin: (f['AttachStdin'] as boolean | undefined) ?? false,
    AttachStdout: (f['AttachStdout'] as boolean | undefined) ?? false,
    AttachStderr: (f['AttachStderr'] as boolean | undefined) ?? false,
    ...(c.ExposedPorts && Object.keys(c.ExposedPorts).length > 0 && { ExposedPorts: c.ExposedPorts }),
    Tty: (f['Tty'] as boolean | undefined) ?? false,
    OpenStdin: (f['OpenStdin'] as boolean | undefined) ?? false,
    StdinOnce: (f['StdinOnce'] as boolean | undefined) ?? false,
    Env: c.Env ?? null,
    Cmd: c.Cmd ?? null,
    ...(c.Healthcheck && { Healthcheck: c.Healthcheck }),
    ...opt('ArgsEscaped'),
    Image: (f['Image'] as string | undefined) ?? '',
    Volumes: c.Volumes ?? null,
    WorkingDir: c.WorkingDir ?? '',
    Entrypoint: c.Entrypoint ?? null,
    ...opt('NetworkDisabled'),
    ...opt('MacAddress'),
    OnBuild: c.OnBuild ?? null,
    Labels: c.Labels ?? null,
    ...opt('StopSignal'),
    ...(typeof c.StopTimeout === 'number' && { StopTimeout: c.StopTimeout }),
    ...(c.Shell && c.Shell.length > 0 && { Shell: c.Shell }),
  } as ContainerConfig;
}

export interface ChildImageInput {
  containerId: string;
  /** The container's own config: container_config, and its Cmd is the history's created_by. */
  containerConfig: ContainerConfig;
  /** The committed image's config (commitConfig). */
  config: ContainerConfig;
  author?: string;
  comment?: string;
  diffId: Digest;
  created: string;
  dockerVersion: string;
}

/**
 * moby's image.NewChildImage: the parent's layers plus the new one (an empty layer is not added;
 * its history entry says `empty_layer` instead), the parent's history plus one entry, and the
 * container it came from. Top-level keys are sorted, as dockerd writes them.
 */
export function childImageConfig(parent: ImageConfig, c: ChildImageInput): ImageConfig {
  const empty = c.diffId === emptyTarDiffId;
  const entry: HistoryEntry = {
    created: c.created,
    ...(c.author && { author: c.author }),
    ...(c.containerConfig.Cmd?.length && { created_by: c.containerConfig.Cmd.join(' ') }),
    ...(c.comment && { comment: c.comment }),
    ...(empty && { empty_layer: true }),
  };
  const p = parent as ImageConfig & Record<string, unknown>;
  const out: Record<string, unknown> = {
    architecture: parent.architecture || goArch[process.arch] || process.arch,
    ...(c.author && { author: c.author }),
    config: dockerConfigOrder(c.config),
    container: c.containerId,
    container_config: dockerConfigOrder(c.containerConfig),
    created: c.created,
    docker_version: c.dockerVersion,
    history: [...(parent.history ?? []), entry],
    os: parent.os || 'linux',
    ...(p['os.features'] !== undefined && { 'os.features': p['os.features'] }),
    ...(p['os.version'] !== undefined && { 'os.version': p['os.version'] }),
    rootfs: { type: 'layers', diff_ids: empty ? [...parent.rootfs.diff_ids] : [...parent.rootfs.diff_ids, c.diffId] },
    ...(parent.variant && { variant: parent.variant }),
  };
  return out as unknown as ImageConfig;
}

export interface CommitLayerDeps {
  content: ContentStore;
  snapshotter: OverlaySnapshotter;
  store: ImageStore;
}

export interface CommitLayerSource {
  /** The container's writable (upper) dir. */
  upper: string;
  /** The image's layer dirs, top first. */
  lowers: readonly string[];
  /** Diff ids of the image's layers, bottom first: the new layer goes on their chain. */
  parentDiffIds: readonly Digest[];
  mountPoints?: readonly string[];
  signal?: AbortSignal;
}

export interface CommitLayer {
  diffId: Digest;
  /** The uncompressed layer tar in the content store (its digest is the diff id). */
  blob: WriteResult;
  meta: LayerMeta;
  empty: boolean;
  /** Removes the blob and the layer again, unless an image uses them (undoes a commit that failed later). */
  discard(): Promise<void>;
}

/**
 * Writes a container's changes as a new layer in one pass: the tar stream (OCI whiteouts) goes at
 * the same time into the content store, as the layer's blob, and into a new snapshot layer on top
 * of the image's chain, through the same applier `load` uses, so the layer is exactly what the tar
 * says. A failure or an abort anywhere stops all three and leaves neither blob nor layer behind.
 */
export async function writeCommitLayer(deps: CommitLayerDeps, src: CommitLayerSource): Promise<CommitLayer> {
  const { signal } = src;
  if (signal?.aborted) throw cancelled(signal);
  const writer = new TarWriter(signal);
  const toBlob = new PassThrough();
  const toLayer = new PassThrough();
  // Errors reach the consumers through stop(); these listeners only keep a destroyed stream from
  // raising an unhandled 'error'.
  for (const s of [writer.readable, toBlob, toLayer]) s.on('error', () => {});
  let firstError: unknown;
  const stop = (err: unknown) => {
    if (firstError !== undefined) return;
    firstError = err;
    const e = err instanceof Error ? err : new Error(messageOf(err));
    writer.destroy(e);
    toBlob.destroy(e);
    toLayer.destroy(e);
  };
  const guard = <T>(p: Promise<T>): Promise<T> =>
    p.catch((err: unknown) => {
      stop(err);
      throw err;
    });
  const parentChain = chainIds(src.parentDiffIds).at(-1) ?? null;
  const [written, , blob, layer] = await Promise.allSettled([
    guard(writeLayerDiff(writer, src.upper, src.lowers, { ...(src.mountPoints && { mountPoints: src.mountPoints }), ...(signal && { signal }) })),
    guard(tee(writer.readable, [toBlob, toLayer])),
    guard(deps.content.ingest(toBlob, {}, signal)),
    guard(deps.snapshotter.createLayer(parentChain, (dir) => applyLayer(toLayer, dir, signal))),
  ]);
  const discard = () =>
    discardUnused(deps, blob.status === 'fulfilled' ? blob.value : undefined, layer.status === 'fulfilled' ? layer.value.chainId : undefined);
  if (written.status === 'rejected' || blob.status === 'rejected' || layer.status === 'rejected') {
    await discard();
    if (signal?.aborted) throw cancelled(signal);
    throw firstError;
  }
  if (blob.value.digest !== layer.value.diffId) {
    await discard();
    throw internal(`the layer tar hashed to ${blob.value.digest} in the content store but to ${layer.value.diffId} when applied`);
  }
  return { diffId: layer.value.diffId, blob: blob.value, meta: layer.value, empty: layer.value.diffId === emptyTarDiffId, discard };
}

/**
 * Copies `source` into every target, as fast as the slowest one reads (the tar stream can only be
 * piped to one destination).
 */
async function tee(source: Readable, targets: Writable[]): Promise<void> {
  for await (const chunk of source) {
    const full = targets.filter((t) => !t.write(chunk));
    await Promise.all(full.map(drained));
  }
  for (const t of targets) t.end();
}

function drained(s: Writable): Promise<void> {
  if (s.destroyed) return Promise.reject(new Error('stream closed'));
  return new Promise((resolve, reject) => {
    const settle = (fn: () => void) => () => {
      s.off('drain', onDrain);
      s.off('close', onClose);
      fn();
    };
    const onDrain = settle(resolve);
    const onClose = settle(() => reject(new Error('stream closed')));
    s.on('drain', onDrain);
    s.on('close', onClose);
  });
}

/** Deletes a blob this commit wrote and a layer it may have made, when no image refers to them. */
async function discardUnused(deps: CommitLayerDeps, blob: WriteResult | undefined, chainId: Digest | undefined): Promise<void> {
  const blobs = new Set<string>();
  const chains = new Set<string>();
  for (const rec of deps.store.list()) {
    for (const l of rec.layers) blobs.add(l.digest);
    for (const c of deps.store.chainIdsOf(rec)) chains.add(c);
  }
  if (blob && !blob.existed && !blobs.has(blob.digest)) await deps.content.delete(blob.digest).catch(() => {});
  if (chainId && !chains.has(chainId)) await deps.snapshotter.removeLayer(chainId).catch(() => {});
}

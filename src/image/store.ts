import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { chainIds, hexOf, isDigest, type Digest } from '../common/digest.js';
import { conflict, invalidArgument, notFound } from '../common/errors.js';
import { readJsonFile, writeJsonAtomic } from '../common/atomic-file.js';
import type { ContentStore } from '../content/store.js';
import type { ImageConfig } from '../oci/image.js';
import {
  familiarName,
  familiarString,
  parseNormalizedReference,
  parseReference,
  referenceString,
  type Reference,
} from '../oci/reference.js';

/** A layer of an image: its uncompressed identity and the blob it came from. */
export interface LayerRef {
  diffId: Digest;
  /** The blob in the content store (compressed or not, as received). */
  digest: Digest;
  mediaType: string;
  blobSize: number;
}

/**
 * What berth knows about one image beyond its config blob. The image id is the config's digest, as
 * in Docker, so an image loaded from `docker save` keeps its id.
 */
export interface ImageRecord {
  id: Digest;
  layers: LayerRef[];
  /** Sum of the layers' file sizes (Docker's Size). */
  size: number;
  /** Local parent image (commit, build); Docker's ParentId. */
  parent?: Digest;
  repoDigests: string[];
  /** When the image entered this daemon (Docker's Metadata.LastTagTime comes from tags instead). */
  addedAt: string;
  lastTagTime?: string;
}

export interface ResolvedImage {
  record: ImageRecord;
  config: ImageConfig;
}

/**
 * Image records and the reference → image map, under `<root>/images/`. Records are small and all
 * held in memory; every change is written atomically before it is visible to readers.
 */
export class ImageStore {
  private readonly dir: string;
  private readonly refsFile: string;
  private readonly records = new Map<Digest, ImageRecord>();
  private readonly configs = new Map<Digest, ImageConfig>();
  /** normalised reference string (docker.io/library/busybox:latest) → image id */
  private refs = new Map<string, Digest>();

  constructor(
    dataRoot: string,
    private readonly content: ContentStore,
  ) {
    this.dir = join(dataRoot, 'images');
    this.refsFile = join(this.dir, 'references.json');
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.json') || name === 'references.json') continue;
      const rec = await readJsonFile<ImageRecord>(join(this.dir, name));
      if (rec && isDigest(rec.id) && (await this.content.has(rec.id))) this.records.set(rec.id, rec);
    }
    const refs = (await readJsonFile<Record<string, Digest>>(this.refsFile)) ?? {};
    for (const [ref, id] of Object.entries(refs)) if (this.records.has(id)) this.refs.set(ref, id);
  }

  list(): ImageRecord[] {
    return [...this.records.values()];
  }

  get(id: Digest): ImageRecord | undefined {
    return this.records.get(id);
  }

  async config(id: Digest): Promise<ImageConfig> {
    let cfg = this.configs.get(id);
    if (!cfg) {
      cfg = JSON.parse((await this.content.readAll(id)).toString('utf8')) as ImageConfig;
      this.configs.set(id, cfg);
    }
    return cfg;
  }

  chainIdsOf(rec: ImageRecord): Digest[] {
    return chainIds(rec.layers.map((l) => l.diffId));
  }

  /** Normalised references pointing at `id`, sorted. */
  referencesOf(id: Digest): Reference[] {
    const out: Reference[] = [];
    for (const [ref, target] of this.refs) if (target === id) out.push(parseNormalizedReference(ref));
    return out.sort((a, b) => referenceString(a).localeCompare(referenceString(b)));
  }

  repoTags(id: Digest): string[] {
    return this.referencesOf(id)
      .filter((r) => r.tag !== undefined && r.digest === undefined)
      .map((r) => familiarString(r));
  }

  /**
   * Finds an image the way dockerd does: a full `sha256:` id; a reference (`busybox`, `a/b:tag`,
   * `x@sha256:…`); or an unambiguous prefix of an id, with or without `sha256:`.
   */
  resolve(nameOrId: string): ImageRecord | undefined {
    if (isDigest(nameOrId)) return this.records.get(nameOrId);
    let ref: Reference | undefined;
    try {
      ref = parseReference(nameOrId);
    } catch {
      ref = undefined;
    }
    if (ref) {
      const id = this.refs.get(referenceString(ref));
      if (id) return this.records.get(id);
      if (ref.digest) {
        const wanted = `${familiarName(ref)}@${ref.digest}`;
        for (const rec of this.records.values()) if (rec.repoDigests.includes(wanted)) return rec;
      }
    }
    const hex = nameOrId.replace(/^sha256:/, '');
    if (/^[a-f0-9]{1,64}$/.test(hex)) {
      const matches = [...this.records.keys()].filter((id) => hexOf(id).startsWith(hex));
      if (matches.length === 1) return this.records.get(matches[0]!);
    }
    return undefined;
  }

  async add(rec: ImageRecord, config?: ImageConfig): Promise<void> {
    await writeJsonAtomic(join(this.dir, `${hexOf(rec.id)}.json`), rec);
    this.records.set(rec.id, rec);
    if (config) this.configs.set(rec.id, config);
  }

  async update(rec: ImageRecord): Promise<void> {
    await this.add(rec);
  }

  /** Points a reference at an image; returns the image it pointed at before, if any. */
  async tag(ref: Reference, id: Digest): Promise<Digest | undefined> {
    if (!this.records.has(id)) throw notFound(`No such image: ${id}`);
    if (ref.tag === undefined && ref.digest === undefined) throw invalidArgument('reference has no tag');
    const key = referenceString(ref);
    const prev = this.refs.get(key);
    const next = new Map(this.refs);
    next.set(key, id);
    await this.saveRefs(next);
    return prev;
  }

  async untag(ref: Reference): Promise<Digest> {
    const key = referenceString(ref);
    const id = this.refs.get(key);
    if (!id) throw notFound(`No such image: ${familiarString(ref)}`);
    const next = new Map(this.refs);
    next.delete(key);
    await this.saveRefs(next);
    return id;
  }

  hasReference(ref: Reference): Digest | undefined {
    return this.refs.get(referenceString(ref));
  }

  private async saveRefs(next: Map<string, Digest>): Promise<void> {
    await writeJsonAtomic(this.refsFile, Object.fromEntries([...next].sort(([a], [b]) => a.localeCompare(b))));
    this.refs = next;
  }

  /** Removes the record; callers have removed its references and decided about its layers. */
  async delete(id: Digest): Promise<void> {
    if ([...this.refs.values()].includes(id)) throw conflict(`image ${id} is still referenced`);
    await rm(join(this.dir, `${hexOf(id)}.json`), { force: true });
    this.records.delete(id);
    this.configs.delete(id);
  }

  children(id: Digest): ImageRecord[] {
    return this.list().filter((r) => r.parent === id);
  }
}

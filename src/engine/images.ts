import type { Readable, Writable } from 'node:stream';
import { shortHex, type Digest } from '../common/digest.js';
import { conflict, invalidArgument, isKind, notFound } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { KeyedMutex } from '../common/mutex.js';
import type { ContentStore } from '../content/store.js';
import { loadArchive, type ImageDeps, type LoadProgress } from '../image/archive-load.js';
import { saveArchive, type SaveRequest } from '../image/archive-save.js';
import { importRootfs } from '../image/import.js';
import type { ImageRecord, ImageStore } from '../image/store.js';
import type { ImageConfig } from '../oci/image.js';
import {
  familiarName,
  familiarString,
  isValidTag,
  parseNormalizedReference,
  parseReference,
  withDefaultTag,
  type Reference,
} from '../oci/reference.js';
import type { OverlaySnapshotter } from '../snapshot/overlay.js';
import type { EventBus } from './events.js';
import { matchLabels, parseBool, validateFilterKeys, type Filters } from './filters.js';

export interface ImageServiceDeps {
  store: ImageStore;
  content: ContentStore;
  snapshotter: OverlaySnapshotter;
  events: EventBus;
  log: Logger;
  /** The containers using an image (by image id): image removal must respect them. */
  containersUsing(imageId: Digest): Array<{ id: string; running: boolean }>;
}

export type DeleteResponseItem = { Untagged: string } | { Deleted: string };

export interface ImageView {
  record: ImageRecord;
  config: ImageConfig;
  repoTags: string[];
}

/**
 * Image operations with Docker's semantics on top of the image store: tags and untags, removal
 * with its conflict rules, prune, load/save/import, and the garbage collection of layers and blobs
 * no image needs any more.
 */
export class ImageService {
  private readonly lock = new KeyedMutex();
  /** Writers of blobs and layers not yet referenced by an image record (commit); see holdGarbage. */
  private holds = 0;
  private collectionSkipped = false;

  constructor(private readonly d: ImageServiceDeps) {}

  private get deps(): ImageDeps {
    return { content: this.d.content, snapshotter: this.d.snapshotter, store: this.d.store };
  }

  /** Finds an image by reference, id or id prefix; 404 with Docker's wording otherwise. */
  find(nameOrId: string): ImageRecord {
    const rec = this.d.store.resolve(nameOrId);
    if (rec) return rec;
    let shown = nameOrId;
    try {
      shown = familiarString(parseReference(nameOrId));
    } catch {
      // not a reference: show it as given
    }
    throw notFound(`No such image: ${shown}`);
  }

  get(id: Digest): ImageRecord | undefined {
    return this.d.store.get(id);
  }

  async view(rec: ImageRecord): Promise<ImageView> {
    return { record: rec, config: await this.d.store.config(rec.id), repoTags: this.d.store.repoTags(rec.id) };
  }

  repoTags(id: Digest): string[] {
    return this.d.store.repoTags(id);
  }

  async list(filters: Filters, all: boolean): Promise<ImageView[]> {
    validateFilterKeys(filters, ['dangling', 'label', 'label!', 'before', 'since', 'reference', 'until']);
    const dangling = filters.get('dangling')?.[0];
    const wantDangling = dangling === undefined ? undefined : parseBool(dangling, 'dangling');
    const before = filters.get('before')?.[0];
    const since = filters.get('since')?.[0];
    const beforeRec = before ? this.find(before) : undefined;
    const sinceRec = since ? this.find(since) : undefined;
    const out: ImageView[] = [];
    for (const rec of this.d.store.list()) {
      const view = await this.view(rec);
      const tagged = this.d.store.referencesOf(rec.id).length > 0;
      if (!all && !tagged && this.d.store.children(rec.id).length > 0) continue;
      if (wantDangling !== undefined && wantDangling === tagged) continue;
      if (!matchLabels(filters.get('label'), view.config.config?.Labels)) continue;
      const created = view.config.created ?? '';
      if (beforeRec && !(created < ((await this.d.store.config(beforeRec.id)).created ?? ''))) continue;
      if (sinceRec && !(created > ((await this.d.store.config(sinceRec.id)).created ?? ''))) continue;
      const refs = filters.get('reference');
      if (refs && refs.length) {
        const names = this.d.store.referencesOf(rec.id);
        const matched = names.filter((n) => refs.some((pattern) => referenceMatches(pattern, n)));
        if (matched.length === 0) continue;
        view.repoTags = matched.filter((r) => r.tag !== undefined).map((r) => familiarString(r));
      }
      out.push(view);
    }
    return out.sort((a, b) => ((b.config.created ?? '') > (a.config.created ?? '') ? 1 : -1));
  }

  history(nameOrId: string): Promise<Array<{ Id: string; Created: number; CreatedBy: string; Tags: string[] | null; Size: number; Comment: string }>> {
    return this.historyOf(this.find(nameOrId));
  }

  private async historyOf(rec: ImageRecord) {
    const cfg = await this.d.store.config(rec.id);
    const chains = this.d.store.chainIdsOf(rec);
    const sizes: number[] = [];
    for (const c of chains) sizes.push((await this.d.snapshotter.layer(c))?.size ?? 0);
    let layer = 0;
    const entries = (cfg.history ?? []).map((h) => {
      const size = h.empty_layer ? 0 : (sizes[layer++] ?? 0);
      return { Id: '<missing>', Created: h.created ? Math.floor(Date.parse(h.created) / 1000) : 0, CreatedBy: h.created_by ?? '', Tags: null as string[] | null, Size: size, Comment: h.comment ?? '' };
    });
    if (entries.length === 0) entries.push({ Id: '<missing>', Created: 0, CreatedBy: '', Tags: null, Size: rec.size, Comment: '' });
    entries.reverse();
    entries[0]!.Id = rec.id;
    const tags = this.d.store.repoTags(rec.id);
    entries[0]!.Tags = tags.length ? tags : null;
    // A locally built parent chain shows its own ids instead of <missing>.
    let parent = rec.parent;
    for (let i = 1; i < entries.length && parent; i++) {
      const p = this.d.store.get(parent);
      if (!p) break;
      const pcfg = await this.d.store.config(parent);
      const depth = (pcfg.history ?? []).length;
      const idx = entries.length - depth;
      if (idx > 0 && idx < entries.length) {
        entries[idx]!.Id = parent;
        const ptags = this.d.store.repoTags(parent);
        entries[idx]!.Tags = ptags.length ? ptags : null;
      }
      parent = p.parent;
    }
    return entries;
  }

  /** `docker tag SOURCE TARGET`: repo (possibly with a tag in it) and tag as the API receives them. */
  async tag(source: string, repo: string, tag: string): Promise<void> {
    const rec = this.find(source);
    if (!repo) throw invalidArgument('repository name must have at least one component');
    let ref = parseNormalizedReference(repo);
    if (ref.digest) throw invalidArgument('refusing to create a tag with a digest reference');
    if (tag) {
      if (!isValidTag(tag)) throw invalidArgument(`invalid tag format`);
      ref = { domain: ref.domain, path: ref.path, tag };
    }
    ref = withDefaultTag(ref);
    await this.lock.run('images', () => this.tagLocked(ref, rec.id));
  }

  private async tagLocked(ref: Reference, id: Digest): Promise<Digest | undefined> {
    const prev = await this.d.store.tag(ref, id);
    await this.d.store.update({ ...this.d.store.get(id)!, lastTagTime: new Date().toISOString() });
    // An image that loses its last tag this way stays, as Docker's dangling <none> image.
    this.d.events.publish('image', 'tag', id, { name: familiarString(ref) });
    return prev;
  }

  /** `docker rmi`, with dockerd's rules for references, ids, containers and force. */
  async remove(nameOrId: string, force: boolean, prune = true): Promise<DeleteResponseItem[]> {
    return this.lock.run('images', async () => {
      const rec = this.find(nameOrId);
      const out: DeleteResponseItem[] = [];
      const refs = this.d.store.referencesOf(rec.id);
      let named: Reference | undefined;
      try {
        const r = parseNormalizedReference(nameOrId);
        const tagged = withDefaultTag(r);
        if (this.d.store.hasReference(tagged) === rec.id) named = tagged;
      } catch {
        named = undefined;
      }
      const users = this.d.containersUsing(rec.id);
      if (named) {
        const last = refs.length === 1;
        if (last && users.length > 0 && !force) {
          throw conflict(`conflict: unable to remove repository reference "${nameOrId}" (must force) - container ${users[0]!.id.slice(0, 12)} is using its referenced image ${shortHex(rec.id)}`);
        }
        await this.untag(named, rec.id, out);
        // An image other images are built on keeps existing, untagged, as in dockerd.
        if (!last || users.length > 0 || this.d.store.children(rec.id).length > 0) return out;
      } else {
        if (this.d.store.children(rec.id).length > 0) {
          throw conflict(`conflict: unable to delete ${shortHex(rec.id)} (cannot be forced) - image has dependent child images`);
        }
        const running = users.find((u) => u.running);
        if (running) {
          throw conflict(`conflict: unable to delete ${shortHex(rec.id)} (cannot be forced) - image is being used by running container ${running.id.slice(0, 12)}`);
        }
        if (refs.length > 1 && !force) {
          throw conflict(`conflict: unable to delete ${shortHex(rec.id)} (must be forced) - image is referenced in multiple repositories`);
        }
        if (users.length > 0 && !force) {
          throw conflict(`conflict: unable to delete ${shortHex(rec.id)} (must be forced) - image is being used by stopped container ${users[0]!.id.slice(0, 12)}`);
        }
        for (const r of refs) await this.untag(r, rec.id, out);
        if (users.length > 0) return out;
      }
      out.push(...(await this.deleteImage(rec, prune)));
      return out;
    });
  }

  private async untag(ref: Reference, id: Digest, out: DeleteResponseItem[]): Promise<void> {
    await this.d.store.untag(ref);
    out.push({ Untagged: familiarString(ref) });
    this.d.events.publish('image', 'untag', id, { name: familiarString(ref) });
  }

  /** Deletes an image without references, then its parents that became dangling, then unused layers. */
  private async deleteImage(rec: ImageRecord, prune: boolean): Promise<DeleteResponseItem[]> {
    const out: DeleteResponseItem[] = [];
    for (let cur: ImageRecord | undefined = rec; cur; ) {
      await this.d.store.delete(cur.id);
      out.push({ Deleted: cur.id });
      this.d.events.publish('image', 'delete', cur.id, { name: cur.id });
      const parent: ImageRecord | undefined = cur.parent ? this.d.store.get(cur.parent) : undefined;
      cur = prune && parent && this.d.store.referencesOf(parent.id).length === 0 && this.d.store.children(parent.id).length === 0 && this.d.containersUsing(parent.id).length === 0 ? parent : undefined;
    }
    for (const chain of await this.collectGarbage()) out.push({ Deleted: chain });
    return out;
  }

  /**
   * Runs `fn` while garbage collection keeps its hands off: what `fn` writes (a blob, a layer) is
   * unreferenced until it adds its image record, and an rmi or prune meanwhile would delete it.
   * A collection skipped meanwhile runs when the last hold ends.
   */
  async holdGarbage<T>(fn: () => Promise<T>): Promise<T> {
    this.holds++;
    try {
      return await fn();
    } finally {
      if (--this.holds === 0 && this.collectionSkipped) {
        this.collectionSkipped = false;
        await this.lock
          .run('images', () => this.collectGarbage())
          .catch((err: unknown) => this.d.log.warn('deferred garbage collection failed', { err: err instanceof Error ? err : String(err) }));
      }
    }
  }

  /** Removes layers and blobs that no image references; returns the chain ids of removed layers. */
  private async collectGarbage(): Promise<Digest[]> {
    if (this.holds > 0) {
      this.collectionSkipped = true;
      return [];
    }
    const chains = new Set<string>();
    const blobs = new Set<string>();
    for (const rec of this.d.store.list()) {
      blobs.add(rec.id);
      for (const l of rec.layers) blobs.add(l.digest);
      for (const c of this.d.store.chainIdsOf(rec)) chains.add(c);
    }
    const removed: Digest[] = [];
    const layers = await this.d.snapshotter.listLayers();
    // Children first: a layer's dir is never removed while a layer above it still exists.
    layers.sort((a, b) => depth(layers, b.chainId) - depth(layers, a.chainId));
    for (const layer of layers) {
      if (chains.has(layer.chainId)) continue;
      await this.d.snapshotter.removeLayer(layer.chainId);
      removed.push(layer.chainId);
    }
    for (const blob of await this.d.content.list()) if (!blobs.has(blob.digest)) await this.d.content.delete(blob.digest);
    return removed;
  }

  async prune(filters: Filters): Promise<{ deleted: DeleteResponseItem[]; reclaimed: number }> {
    validateFilterKeys(filters, ['dangling', 'label', 'label!', 'until']);
    const danglingOnly = filters.has('dangling') ? parseBool(filters.get('dangling')![0], 'dangling') : true;
    const deleted: DeleteResponseItem[] = [];
    let reclaimed = 0;
    for (const rec of this.d.store.list()) {
      if (!this.d.store.get(rec.id)) continue;
      if (this.d.containersUsing(rec.id).length > 0) continue;
      const refs = this.d.store.referencesOf(rec.id);
      if (danglingOnly && refs.length > 0) continue;
      if (this.d.store.children(rec.id).length > 0) continue;
      const cfg = await this.d.store.config(rec.id);
      if (!matchLabels(filters.get('label'), cfg.config?.Labels)) continue;
      if (filters.get('label!')?.some((l) => matchLabels([l], cfg.config?.Labels))) continue;
      try {
        const items = await this.lock.run('images', async () => {
          const res: DeleteResponseItem[] = [];
          for (const r of this.d.store.referencesOf(rec.id)) await this.untag(r, rec.id, res);
          res.push(...(await this.deleteImage(rec, true)));
          return res;
        });
        reclaimed += rec.size;
        deleted.push(...items);
      } catch (err) {
        if (!isKind(err, 'conflict') && !isKind(err, 'not-found')) throw err;
      }
    }
    this.d.events.publish('image', 'prune', '', { reclaimed: String(reclaimed) });
    return { deleted, reclaimed };
  }

  /** `docker load`: returns the messages to report, one per loaded reference or id. */
  async load(source: Readable, signal?: AbortSignal, onProgress?: LoadProgress): Promise<string[]> {
    return this.lock.run('images', async () => {
      const loaded = await loadArchive(this.deps, source, signal, onProgress);
      const messages: string[] = [];
      for (const img of loaded) {
        if (img.tags.length === 0) messages.push(`Loaded image ID: ${img.id}`);
        for (const tag of img.tags) {
          const prev = this.d.store.hasReference(tag);
          if (prev && prev !== img.id) {
            messages.push(`The image ${familiarString(tag)} already exists, renaming the old one with ID ${prev} to empty string`);
          }
          await this.tagLocked(tag, img.id);
          messages.push(`Loaded image: ${familiarString(tag)}`);
        }
        this.d.events.publish('image', 'load', img.id, { name: img.id });
      }
      return messages;
    });
  }

  /** `docker save`: names may be references (a bare repository name saves all its tags) or ids. */
  async save(names: string[], out: Writable, signal?: AbortSignal): Promise<void> {
    const requests: SaveRequest[] = [];
    for (const name of names) {
      const rec = this.find(name);
      let tags: Reference[] = [];
      try {
        const ref = parseNormalizedReference(name);
        if (ref.tag === undefined && ref.digest === undefined) {
          tags = this.d.store.referencesOf(rec.id).filter((r) => familiarName(r) === familiarName(ref) && r.tag !== undefined);
          for (const other of this.d.store.list()) {
            if (other.id === rec.id) continue;
            const more = this.d.store.referencesOf(other.id).filter((r) => familiarName(r) === familiarName(ref) && r.tag !== undefined);
            if (more.length) requests.push({ id: other.id, tags: more });
          }
        } else if (this.d.store.hasReference(withDefaultTag(ref)) === rec.id) tags = [withDefaultTag(ref)];
      } catch {
        tags = [];
      }
      requests.push({ id: rec.id, tags });
    }
    // One entry per image, with the union of the requested tags.
    const merged = new Map<string, SaveRequest>();
    for (const r of requests) {
      const m = merged.get(r.id);
      if (!m) {
        merged.set(r.id, { id: r.id, tags: [...r.tags] });
        continue;
      }
      for (const t of r.tags) if (!m.tags.some((x) => familiarString(x) === familiarString(t))) m.tags.push(t);
    }
    await saveArchive(this.deps, [...merged.values()], out, signal);
    for (const r of merged.values()) this.d.events.publish('image', 'save', r.id, { name: r.id });
  }

  /** `docker import`: `repo` may carry the tag (`name:tag`), as the CLI sends it. */
  async import(source: Readable, opts: { repo?: string; tag?: string; changes?: string[]; message?: string; signal?: AbortSignal }): Promise<Digest> {
    let ref: Reference | undefined;
    if (opts.repo) {
      ref = parseNormalizedReference(opts.repo);
      if (opts.tag) {
        if (!isValidTag(opts.tag)) throw invalidArgument('invalid tag format');
        ref = { domain: ref.domain, path: ref.path, tag: opts.tag };
      }
      ref = withDefaultTag(ref);
    }
    return this.lock.run('images', async () => {
      const rec = await importRootfs(this.deps, source, {
        ...(opts.changes && { changes: opts.changes }),
        ...(opts.message && { message: opts.message }),
        ...(opts.signal && { signal: opts.signal }),
      });
      this.d.events.publish('image', 'import', rec.id, { name: rec.id });
      if (ref) await this.tagLocked(ref, rec.id);
      return rec.id;
    });
  }

  /** Per image: its size and the part of it in layers other images share (Docker's SharedSize). */
  async diskUsage(): Promise<Array<{ id: Digest; size: number; shared: number }>> {
    const users = new Map<string, number>();
    const records = this.d.store.list();
    for (const rec of records) for (const c of this.d.store.chainIdsOf(rec)) users.set(c, (users.get(c) ?? 0) + 1);
    const out = [];
    for (const rec of records) {
      let shared = 0;
      for (const c of this.d.store.chainIdsOf(rec)) {
        if ((users.get(c) ?? 0) > 1) shared += (await this.d.snapshotter.layer(c))?.size ?? 0;
      }
      out.push({ id: rec.id, size: rec.size, shared });
    }
    return out;
  }

  totalLayerSize(): Promise<number> {
    return this.d.snapshotter.listLayers().then((ls) => ls.reduce((n, l) => n + l.size, 0));
  }
}

function depth(layers: Array<{ chainId: Digest; parent: Digest | null }>, chain: Digest): number {
  let n = 0;
  for (let cur: Digest | null = chain; cur && n < 1000; n++) cur = layers.find((l) => l.chainId === cur)?.parent ?? null;
  return n;
}

/** Docker's reference filter: a glob (path.Match) against the familiar name, or name:tag. */
export function referenceMatches(pattern: string, ref: Reference): boolean {
  const re = globToRegExp(pattern);
  return re.test(familiarName(ref)) || re.test(familiarString(ref)) || (ref.tag !== undefined && re.test(`${familiarName(ref)}:${ref.tag}`));
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}


import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errnoCode, invalidArgument, notFound, cancelled } from '../common/errors.js';
import { hexOf, isDigest, type Digest } from '../common/digest.js';
import { syncDir } from '../common/atomic-file.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/** Reading blobs by digest: what most consumers need (narrowest role). */
export interface ContentProvider {
  has(digest: Digest): Promise<boolean>;
  info(digest: Digest): Promise<BlobInfo>;
  readAll(digest: Digest): Promise<Buffer>;
  open(digest: Digest): Readable;
}

export interface WriteResult extends BlobInfo {
  /** The blob was already in the store before this write. */
  existed: boolean;
}

/** Writing blobs: every write is verified against its digest before it becomes visible. */
export interface ContentIngester {
  ingest(source: Readable, expected?: { digest?: Digest; size?: number }, signal?: AbortSignal): Promise<WriteResult>;
  writeBlob(data: Uint8Array | string, expected?: Digest): Promise<WriteResult>;
}

export interface ContentManager {
  list(): Promise<BlobInfo[]>;
  delete(digest: Digest): Promise<void>;
}

export interface ContentStore extends ContentProvider, ContentIngester, ContentManager {}

/**
 * Blobs as files named by their sha256 under `<root>/blobs/sha256/`. A write goes to
 * `<root>/blobs/ingest/` first, is hashed on the way, fsynced, and renamed into place only when the
 * digest (and size, when known) match; a half-written or wrong blob is never visible.
 */
export class LocalContentStore implements ContentStore {
  private readonly blobDir: string;
  private readonly ingestDir: string;

  constructor(root: string) {
    this.blobDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'blobs', 'ingest');
  }

  async init(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true });
    // Leftovers of writes interrupted by a crash are garbage by construction.
    await rm(this.ingestDir, { recursive: true, force: true });
    await mkdir(this.ingestDir, { recursive: true });
  }

  path(digest: Digest): string {
    if (!isDigest(digest)) throw invalidArgument(`invalid digest ${digest}`);
    return join(this.blobDir, hexOf(digest));
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      await stat(this.path(digest));
      return true;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return false;
      throw err;
    }
  }

  async info(digest: Digest): Promise<BlobInfo> {
    try {
      const st = await stat(this.path(digest));
      return { digest, size: st.size };
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw notFound(`content ${digest}: not found`);
      throw err;
    }
  }

  async readAll(digest: Digest): Promise<Buffer> {
    try {
      return await readFile(this.path(digest));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw notFound(`content ${digest}: not found`);
      throw err;
    }
  }

  open(digest: Digest): Readable {
    return createReadStream(this.path(digest));
  }

  async ingest(source: Readable, expected: { digest?: Digest; size?: number } = {}, signal?: AbortSignal): Promise<WriteResult> {
    const tmp = join(this.ingestDir, randomBytes(12).toString('hex'));
    const hash = createHash('sha256');
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    const file = createWriteStream(tmp);
    try {
      await pipeline(source, counter, file, signal ? { signal } : {});
    } catch (err) {
      // The pipeline fails as soon as any stream does, possibly before the file was even opened:
      // unlinking then would race the open and leave the file behind.
      if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
      await unlink(tmp).catch(() => {});
      if (signal?.aborted) throw cancelled(signal);
      throw err;
    }
    const digest: Digest = `sha256:${hash.digest('hex')}`;
    try {
      if (expected.digest && expected.digest !== digest) {
        throw invalidArgument(`digest mismatch: expected ${expected.digest}, got ${digest}`);
      }
      if (expected.size !== undefined && expected.size !== size) {
        throw invalidArgument(`size mismatch for ${digest}: expected ${expected.size}, got ${size}`);
      }
      if (await this.has(digest)) {
        await unlink(tmp);
        return { digest, size, existed: true };
      }
      await this.commit(tmp, digest);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    return { digest, size, existed: false };
  }

  async writeBlob(data: Uint8Array | string, expected?: Digest): Promise<WriteResult> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const digest: Digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (expected && expected !== digest) throw invalidArgument(`digest mismatch: expected ${expected}, got ${digest}`);
    if (await this.has(digest)) return { digest, size: bytes.length, existed: true };
    const tmp = join(this.ingestDir, randomBytes(12).toString('hex'));
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await this.commit(tmp, digest);
    return { digest, size: bytes.length, existed: false };
  }

  private async commit(tmp: string, digest: Digest): Promise<void> {
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path(digest));
    await syncDir(this.blobDir);
  }

  async list(): Promise<BlobInfo[]> {
    const out: BlobInfo[] = [];
    for (const name of await readdir(this.blobDir)) {
      const digest = `sha256:${name}`;
      if (!isDigest(digest)) continue;
      const st = await stat(join(this.blobDir, name)).catch(() => undefined);
      if (st) out.push({ digest, size: st.size });
    }
    return out;
  }

  async delete(digest: Digest): Promise<void> {
    await rm(this.path(digest), { force: true });
  }
}

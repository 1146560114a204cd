/** Builds tar archives and image archives in memory for tests (including deliberately hostile ones). */
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { ImageArchiveWriter } from '../../src/image/archive-save.js';
import { parseReference } from '../../src/oci/reference.js';
import type { ImageConfig } from '../../src/oci/image.js';

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
}

export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? (e.content !== undefined ? 'file' : 'directory');
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: e.name,
        type,
        mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
        mtime: new Date(1_700_000_000_000),
        ...(e.linkname !== undefined && { linkname: e.linkname }),
      };
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry(header, e.content ?? '', cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  return done;
}

export const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}` as const;

/** An image archive (as `docker save` writes) from uncompressed layer tars, for `load`. */
export async function makeImageArchive(opts: { layers: Buffer[]; tag?: string; cmd?: string[]; created?: string }): Promise<Buffer> {
  const created = opts.created ?? '2026-01-01T00:00:00Z';
  const config: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    created,
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: opts.cmd ?? ['sh'] },
    rootfs: { type: 'layers', diff_ids: opts.layers.map(sha256) },
    history: opts.layers.map((_, i) => ({ created, created_by: `test layer ${i}` })),
  };
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((r) => out.on('end', r));
  const w = new ImageArchiveWriter(out);
  await w.addImage({
    configBytes: Buffer.from(JSON.stringify(config)),
    layers: opts.layers.map((l) => ({ diffId: sha256(l), size: l.length, open: async () => Readable.from([l]) })),
    tags: opts.tag ? [parseReference(opts.tag)] : [],
  });
  await w.finish();
  await ended;
  return Buffer.concat(chunks);
}

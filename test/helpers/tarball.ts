/** Builds tar archives and image archives in memory for tests (including deliberately hostile ones). */
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { ImageArchiveWriter } from '../../src/image/archive-save.js';
import { TarBuilder } from '../../src/image/tar-pack.js';
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
  const tb = new TarBuilder({ mtime: new Date(1_700_000_000_000) });
  for (const e of entries) {
    const type = e.type ?? (e.content !== undefined ? 'file' : 'directory');
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
      ...(e.linkname !== undefined && { linkname: e.linkname }),
    };
    await tb.add(header, type === 'file' ? (e.content ?? '') : undefined);
  }
  return tb.finish();
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

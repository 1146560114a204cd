import { PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { spawn } from '../common/command.js';
import { invalidArgument } from '../common/errors.js';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

export function detectCompression(head: Uint8Array): Compression {
  const b = (i: number) => head[i] ?? -1;
  if (b(0) === 0x1f && b(1) === 0x8b) return 'gzip';
  if (b(0) === 0x42 && b(1) === 0x5a && b(2) === 0x68) return 'bzip2';
  if (b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58 && b(4) === 0x5a && b(5) === 0x00) return 'xz';
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return 'zstd';
  return 'none';
}

/** Reads enough of `source` to recognise its compression, and returns the rest unchanged. */
async function peek(source: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let len = 0;
  const it = source[Symbol.asyncIterator]();
  for (;;) {
    if (len >= n) break;
    const r = (await it.next()) as IteratorResult<Buffer>;
    if (r.done) break;
    chunks.push(Buffer.from(r.value));
    len += r.value.length;
  }
  const head = Buffer.concat(chunks);
  const stream = Readable.from(
    (async function* () {
      if (head.length) yield head;
      for (;;) {
        const r = (await it.next()) as IteratorResult<Buffer>;
        if (r.done) return;
        yield r.value;
      }
    })(),
    { objectMode: false },
  );
  return { head, stream };
}

/**
 * Returns an uncompressed view of a tar stream that may be gzip, bzip2, xz or zstd compressed, as
 * `docker import` and `docker load` accept. gzip is done in-process; the others by the system tools.
 */
export async function decompress(source: Readable): Promise<Readable> {
  const { head, stream } = await peek(source, 6);
  const kind = detectCompression(head);
  if (kind === 'none') return stream;
  if (kind === 'gzip') return stream.pipe(createGunzip());
  const tool = { bzip2: 'bzip2', xz: 'xz', zstd: 'zstd' }[kind];
  const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = new PassThrough();
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('error', () => out.destroy(invalidArgument(`${kind}-compressed archives need ${tool}, which is not installed`)));
  // The tool's exit status decides how the stream ends: a corrupt input often ends stdout cleanly
  // and is only reported by the exit code, so `out` ends on 'close', never on stdout's end.
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(invalidArgument(`${tool}: ${stderr.trim() || `exit ${code}`}`));
  });
  stream.pipe(child.stdin!).on('error', () => {});
  child.stdout!.pipe(out, { end: false });
  return out;
}

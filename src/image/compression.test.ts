import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { decompress, detectCompression, type Compression } from './compression.js';
import { isKind } from '../common/errors.js';

test('detectCompression recognises the magic numbers', () => {
  const cases: Array<[number[], Compression]> = [
    [[0x1f, 0x8b, 0x08, 0x00], 'gzip'],
    [[0x1f, 0x8b], 'gzip'],
    [[0x42, 0x5a, 0x68, 0x39], 'bzip2'],
    [[0x42, 0x5a, 0x68], 'bzip2'],
    [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00], 'xz'],
    [[0x28, 0xb5, 0x2f, 0xfd, 0x04], 'zstd'],
    // near misses and short input
    [[], 'none'],
    [[0x1f], 'none'],
    [[0x1f, 0x8c], 'none'],
    [[0x8b, 0x1f], 'none'],
    [[0x42, 0x5a], 'none'],
    [[0x42, 0x5a, 0x67], 'none'],
    [[0xfd, 0x37, 0x7a, 0x58, 0x5a], 'none'],
    [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x01], 'none'],
    [[0x28, 0xb5, 0x2f], 'none'],
    [[0x28, 0xb5, 0x2f, 0xfe], 'none'],
    // a tar header starts with a file name
    [[...Buffer.from('etc/passwd\0\0\0')], 'none'],
  ];
  for (const [bytes, want] of cases) assert.equal(detectCompression(Uint8Array.from(bytes)), want, Buffer.from(bytes).toString('hex'));
});

async function collect(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/** A readable that hands `data` over in chunks of `size` bytes. */
function chunked(data: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts, { objectMode: false });
}

const payload = Buffer.concat([Buffer.from('a tar would be here\n'.repeat(500)), randomBytes(70_000)]);

test('decompress passes uncompressed data through unchanged, whatever the chunking', async () => {
  for (const size of [1, 2, 5, 6, 7, 4096, payload.length]) {
    assert.ok((await collect(await decompress(chunked(payload, size)))).equals(payload), `chunks of ${size}`);
  }
});

test('decompress handles empty and very short inputs', async () => {
  assert.equal((await collect(await decompress(Readable.from([], { objectMode: false })))).length, 0);
  for (const s of ['a', 'ab', 'abcde', 'abcdef']) {
    assert.equal((await collect(await decompress(chunked(Buffer.from(s), 1)))).toString(), s);
  }
});

test('decompress gunzips in process (round trip)', async () => {
  const gz = gzipSync(payload);
  assert.equal(detectCompression(gz), 'gzip');
  for (const size of [1, 3, 6, 1000, gz.length]) {
    assert.ok((await collect(await decompress(chunked(gz, size)))).equals(payload), `chunks of ${size}`);
  }
  assert.equal((await collect(await decompress(chunked(gzipSync(Buffer.alloc(0)), 4)))).length, 0);
});

test('a corrupt gzip stream fails while reading', async () => {
  const gz = gzipSync(payload);
  const broken = Buffer.concat([gz.subarray(0, 20), Buffer.alloc(200, 0xff)]);
  await assert.rejects(collect(await decompress(chunked(broken, 64))));
});

function hasTool(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

for (const [tool, kind] of [['bzip2', 'bzip2'], ['xz', 'xz'], ['zstd', 'zstd']] as const) {
  test(`decompress ${kind} through the ${tool} program`, async (t) => {
    if (!hasTool(tool)) {
      t.skip(`${tool} is not installed`);
      return;
    }
    const packed = execFileSync(tool, ['-c'], { input: payload, maxBuffer: 1 << 24 });
    assert.equal(detectCompression(packed), kind);
    assert.ok((await collect(await decompress(chunked(packed, 1000)))).equals(payload));
  });

  test(`a corrupt ${kind} stream is an invalid-argument error naming ${tool}`, async (t) => {
    if (!hasTool(tool)) {
      t.skip(`${tool} is not installed`);
      return;
    }
    const packed = execFileSync(tool, ['-c'], { input: payload, maxBuffer: 1 << 24 });
    // Damage the end (the checksum): the tool prints most of the data, then fails.
    const broken = Buffer.concat([packed.subarray(0, packed.length - 8), Buffer.from('garbage!')]);
    await assert.rejects(collect(await decompress(chunked(broken, 512))), (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message.startsWith(`${tool}: `));
  });
}

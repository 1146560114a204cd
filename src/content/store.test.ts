import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalContentStore } from './store.js';
import type { Digest } from '../common/digest.js';
import { isKind } from '../common/errors.js';

const sha = (b: Buffer | string): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let base: string;
let n = 0;
async function freshStore(): Promise<{ store: LocalContentStore; root: string }> {
  const root = join(base, `store-${++n}`);
  const store = new LocalContentStore(root);
  await store.init();
  return { store, root };
}

function streamOf(data: Buffer, chunk = 1000): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) parts.push(data.subarray(i, i + chunk));
  return Readable.from(parts, { objectMode: false });
}

const blobNames = async (root: string) => (await readdir(join(root, 'blobs', 'sha256'))).sort();
const ingestNames = async (root: string) => readdir(join(root, 'blobs', 'ingest'));

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-content-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

test('ingest stores a blob under its digest and reports its size', async () => {
  const { store, root } = await freshStore();
  const data = randomBytes(10_000);
  const d = sha(data);
  const res = await store.ingest(streamOf(data), { digest: d, size: data.length });
  assert.deepEqual(res, { digest: d, size: data.length, existed: false });
  assert.equal(await store.has(d), true);
  assert.deepEqual(await store.info(d), { digest: d, size: data.length });
  assert.ok((await store.readAll(d)).equals(data));
  const chunks: Buffer[] = [];
  for await (const c of store.open(d)) chunks.push(c as Buffer);
  assert.ok(Buffer.concat(chunks).equals(data));
  assert.deepEqual(await blobNames(root), [d.slice(7)]);
  assert.deepEqual(await ingestNames(root), []);
});

test('ingest without expectations computes the digest', async () => {
  const { store } = await freshStore();
  const data = Buffer.from('no expectations');
  assert.deepEqual(await store.ingest(streamOf(data, 3)), { digest: sha(data), size: data.length, existed: false });
  // The empty blob is a blob too.
  assert.deepEqual(await store.ingest(Readable.from([], { objectMode: false })), { digest: sha(''), size: 0, existed: false });
});

test('ingest refuses a digest or size mismatch and leaves nothing behind', async () => {
  const { store, root } = await freshStore();
  const data = Buffer.from('the real content');
  const wrong = sha('something else');
  await assert.rejects(
    store.ingest(streamOf(data), { digest: wrong }),
    (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === `digest mismatch: expected ${wrong}, got ${sha(data)}`,
  );
  await assert.rejects(
    store.ingest(streamOf(data), { digest: sha(data), size: data.length + 1 }),
    (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === `size mismatch for ${sha(data)}: expected ${data.length + 1}, got ${data.length}`,
  );
  await assert.rejects(store.ingest(streamOf(data), { size: 0 }), (e: unknown) => isKind(e, 'invalid-argument'));
  assert.equal(await store.has(sha(data)), false);
  assert.equal(await store.has(wrong), false);
  assert.deepEqual(await blobNames(root), []);
  assert.deepEqual(await ingestNames(root), []);
});

test('a failing source leaves nothing in ingest/ and no blob', async () => {
  const { store, root } = await freshStore();
  const failing = new Readable({
    read() {
      this.push(Buffer.from('partial data'));
      this.destroy(new Error('connection reset'));
    },
  });
  await assert.rejects(store.ingest(failing), /connection reset/);
  assert.deepEqual(await blobNames(root), []);
  assert.deepEqual(await ingestNames(root), []);
});

test('an aborted ingest is cancelled and leaves nothing behind', async () => {
  const { store, root } = await freshStore();
  const ac = new AbortController();
  const slow = new Readable({
    read() {
      setTimeout(() => this.push(Buffer.alloc(100)), 5);
    },
  });
  setTimeout(() => ac.abort(new Error('client went away')), 20);
  await assert.rejects(store.ingest(slow, {}, ac.signal), (e: unknown) => isKind(e, 'cancelled'));
  assert.deepEqual(await blobNames(root), []);
  assert.deepEqual(await ingestNames(root), []);
});

test('ingesting a blob that exists reports existed and keeps one copy', async () => {
  const { store, root } = await freshStore();
  const data = Buffer.from('twice');
  assert.equal((await store.ingest(streamOf(data))).existed, false);
  assert.deepEqual(await store.ingest(streamOf(data)), { digest: sha(data), size: 5, existed: true });
  assert.deepEqual(await blobNames(root), [sha(data).slice(7)]);
  assert.deepEqual(await ingestNames(root), []);
});

test('writeBlob is idempotent and reports whether the blob existed', async () => {
  const { store, root } = await freshStore();
  const json = '{"schemaVersion":2}';
  const first = await store.writeBlob(json);
  assert.deepEqual(first, { digest: sha(json), size: json.length, existed: false });
  assert.deepEqual(await store.writeBlob(Buffer.from(json)), { ...first, existed: true });
  assert.deepEqual(await store.writeBlob(json, sha(json)), { ...first, existed: true });
  assert.equal((await store.readAll(sha(json))).toString(), json);
  assert.deepEqual(await blobNames(root), [sha(json).slice(7)]);
  assert.deepEqual(await ingestNames(root), []);
});

test('writeBlob refuses a digest mismatch and writes nothing', async () => {
  const { store, root } = await freshStore();
  const wrong = sha('other');
  await assert.rejects(
    store.writeBlob('content', wrong),
    (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === `digest mismatch: expected ${wrong}, got ${sha('content')}`,
  );
  assert.deepEqual(await blobNames(root), []);
  assert.deepEqual(await ingestNames(root), []);
});

test('list returns every blob with its size; delete removes one and tolerates a missing one', async () => {
  const { store, root } = await freshStore();
  const blobs = ['a', 'bb', 'ccc'].map((s) => Buffer.from(s));
  for (const b of blobs) await store.writeBlob(b);
  // Files that are not blobs are ignored by list.
  await writeFile(join(root, 'blobs', 'sha256', 'not-a-digest'), 'x');
  await mkdir(join(root, 'blobs', 'sha256', 'A'.repeat(64)));
  const listed = (await store.list()).sort((x, y) => x.size - y.size);
  assert.deepEqual(listed, blobs.map((b) => ({ digest: sha(b), size: b.length })));

  await store.delete(sha('bb'));
  assert.equal(await store.has(sha('bb')), false);
  assert.deepEqual((await store.list()).map((b) => b.digest).sort(), [sha('a'), sha('ccc')].sort());
  await store.delete(sha('bb'));
  await store.delete(sha('never stored'));
});

test('reading a missing blob is not-found; a malformed digest is invalid-argument', async () => {
  const { store } = await freshStore();
  const missing = sha('missing');
  assert.equal(await store.has(missing), false);
  await assert.rejects(store.info(missing), (e: unknown) => isKind(e, 'not-found') && (e as Error).message === `content ${missing}: not found`);
  await assert.rejects(store.readAll(missing), (e: unknown) => isKind(e, 'not-found'));
  for (const bad of ['sha256:xyz', '../../etc/passwd', `sha256:${'a'.repeat(64)}/../x`]) {
    assert.throws(() => store.path(bad as Digest), (e: unknown) => isKind(e, 'invalid-argument'), bad);
    await assert.rejects(store.has(bad as Digest), (e: unknown) => isKind(e, 'invalid-argument'), bad);
  }
});

test('init clears leftovers of interrupted writes and keeps committed blobs', async () => {
  const { store, root } = await freshStore();
  await store.writeBlob('kept');
  await writeFile(join(root, 'blobs', 'ingest', 'leftover'), 'half a blob');
  const again = new LocalContentStore(root);
  await again.init();
  assert.deepEqual(await ingestNames(root), []);
  assert.equal(await again.has(sha('kept')), true);
});

test('concurrent ingests of the same content end with one blob and no leftovers', async () => {
  const { store, root } = await freshStore();
  const data = randomBytes(50_000);
  const results = await Promise.all(Array.from({ length: 5 }, () => store.ingest(streamOf(data, 4096))));
  for (const r of results) assert.equal(r.digest, sha(data));
  assert.ok(results.some((r) => !r.existed));
  assert.deepEqual(await blobNames(root), [sha(data).slice(7)]);
  assert.deepEqual(await ingestNames(root), []);
  assert.ok((await store.readAll(sha(data))).equals(data));
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from './atomic-file.js';
import { isKind } from './errors.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-atomic-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('writeFileAtomic creates and replaces a file, leaving no temp file behind', async () => {
  const p = join(dir, 'state.json');
  await writeFileAtomic(p, 'one');
  assert.equal(await readFile(p, 'utf8'), 'one');
  await writeFileAtomic(p, Buffer.from('two, longer than one'));
  assert.equal(await readFile(p, 'utf8'), 'two, longer than one');
  await writeFileAtomic(p, '');
  assert.equal(await readFile(p, 'utf8'), '');
  assert.deepEqual(await readdir(dir), ['state.json']);
});

test('writeFileAtomic applies the mode (0600 by default)', async () => {
  const p = join(dir, 'mode-default');
  await writeFileAtomic(p, 'x');
  assert.equal((await stat(p)).mode & 0o777, 0o600);
  const q = join(dir, 'mode-644');
  await writeFileAtomic(q, 'x', 0o644);
  assert.equal((await stat(q)).mode & 0o777, 0o644);
});

test('writeFileAtomic into a missing directory fails and creates nothing', async () => {
  const p = join(dir, 'missing', 'f');
  await assert.rejects(writeFileAtomic(p, 'x'), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT');
});

test('concurrent writers each leave a complete file', async () => {
  const p = join(dir, 'race');
  const values = Array.from({ length: 20 }, (_, i) => `value-${i}-`.repeat(1000));
  await Promise.all(values.map((v) => writeFileAtomic(p, v)));
  assert.ok(values.includes(await readFile(p, 'utf8')));
  assert.deepEqual((await readdir(dir)).filter((n) => n.includes('race')), ['race']);
});

test('writeJsonAtomic and readJsonFile round-trip', async () => {
  const p = join(dir, 'rec.json');
  const value = { id: 'abc', n: 1, nested: { list: [1, 'two', null] }, s: 'ü\n"' };
  await writeJsonAtomic(p, value);
  assert.deepEqual(await readJsonFile(p), value);
});

test('readJsonFile: missing is undefined, corrupt is an internal error', async () => {
  assert.equal(await readJsonFile(join(dir, 'nope.json')), undefined);
  const bad = join(dir, 'bad.json');
  await writeFile(bad, '{"truncated":');
  await assert.rejects(readJsonFile(bad), (e: unknown) => isKind(e, 'internal') && (e as Error).message === `corrupt state file ${bad}`);
  // Other errors are not swallowed: reading a directory.
  await assert.rejects(readJsonFile(dir), (e: unknown) => (e as NodeJS.ErrnoException).code === 'EISDIR');
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerStore, isActive, validateName, type ContainerRecord } from './container-record.js';
import { isKind } from '../common/errors.js';
import type { Digest } from '../common/digest.js';

test('validateName accepts Docker names and adds the leading slash', () => {
  const cases: Array<[string, string]> = [
    ['web', '/web'],
    ['/web', '/web'],
    ['ab', '/ab'],
    ['a1', '/a1'],
    ['1a', '/1a'],
    ['Web_1.x-y', '/Web_1.x-y'],
    ['berthc_db_1', '/berthc_db_1'],
    ['a..b', '/a..b'],
    ['x-', '/x-'],
  ];
  for (const [name, want] of cases) assert.equal(validateName(name), want, name);
});

test('validateName refuses what Docker refuses, in Docker\'s words', () => {
  const bad = ['', 'a', '/a', '/', '-web', '_web', '.web', 'we b', 'web/x', 'web:1', 'wéb', 'web\n', 'a@b'];
  for (const name of bad) {
    assert.throws(
      () => validateName(name),
      (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
      JSON.stringify(name),
    );
  }
});

test('isActive is true for running, paused and restarting', () => {
  const cases = { created: false, running: true, paused: true, restarting: true, removing: false, exited: false, dead: false } as const;
  for (const [status, want] of Object.entries(cases)) assert.equal(isActive(status as keyof typeof cases), want, status);
});

function record(id: string, name: string): ContainerRecord {
  return {
    id,
    name,
    created: '2026-11-22T02:37:53.344465440Z',
    path: 'sh',
    args: [],
    image: `sha256:${'e'.repeat(64)}` as Digest,
    config: {} as ContainerRecord['config'],
    hostConfig: {} as ContainerRecord['hostConfig'],
    networkingConfig: null,
    state: { Status: 'created', Pid: 0, ExitCode: 0, Error: '', OOMKilled: false, StartedAt: '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z' },
    restartCount: 0,
    runtime: 'runc',
    cgroupsPath: '',
    conmonPid: 0,
    manuallyStopped: false,
  };
}

const idWeb = 'abc123' + '1'.repeat(58);
const idDb = 'abc456' + '2'.repeat(58);
const idCache = 'def789' + '3'.repeat(58);
// A container whose name looks like a prefix of another container's id.
const idHexName = '0123ff' + '4'.repeat(58);

let base: string;
let store: ContainerStore;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-records-'));
  store = new ContainerStore(base);
  assert.deepEqual(await store.init(), []);
  await store.save(record(idWeb, '/web'));
  await store.save(record(idDb, '/db'));
  await store.save(record(idCache, '/cache'));
  await store.save(record(idHexName, '/abc4'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

test('find: exact id, name with or without slash, unique prefix', () => {
  const cases: Array<[string, string]> = [
    [idWeb, idWeb],
    ['web', idWeb],
    ['/web', idWeb],
    ['db', idDb],
    ['/cache', idCache],
    ['abc1', idWeb],
    ['abc123', idWeb],
    ['abc4', idHexName], // the exact name beats the id prefix of idDb
    ['abc45', idDb],
    ['d', idCache],
    ['def789333', idCache],
    [idWeb.slice(0, 63), idWeb],
  ];
  for (const [q, want] of cases) assert.equal(store.find(q).id, want, q);
});

test('find: an ambiguous prefix is invalid-argument "Multiple IDs found with provided prefix"', () => {
  for (const q of ['a', 'ab', 'abc']) {
    assert.throws(
      () => store.find(q),
      (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === `Multiple IDs found with provided prefix: ${q}`,
      q,
    );
  }
});

test('find: anything else is not-found "No such container: x"', () => {
  for (const q of ['nosuch', '/nosuch', 'ABC123', 'abc1234', 'fff', idWeb + '0', '/abc123', ' web', 'web ']) {
    assert.throws(() => store.find(q), (e: unknown) => isKind(e, 'not-found') && (e as Error).message === `No such container: ${q}`, q);
  }
  assert.throws(() => store.find(''), (e: unknown) => isKind(e, 'not-found'));
});

test('get, byName and all', () => {
  assert.equal(store.get(idDb)?.name, '/db');
  assert.equal(store.get('db'), undefined);
  assert.equal(store.byName('db')?.id, idDb);
  assert.equal(store.byName('/db')?.id, idDb);
  assert.equal(store.byName('nosuch'), undefined);
  assert.deepEqual(store.all().map((r) => r.id).sort(), [idWeb, idDb, idCache, idHexName].sort());
});

test('records persist: a new store reads them back; junk directories are removed', async () => {
  const dir = join(base, 'containers');
  // a directory without a record (crash between mkdir and the record write) and one with a corrupt record
  const orphan = 'f'.repeat(64);
  const corrupt = 'e'.repeat(64);
  const mismatched = 'd'.repeat(64);
  await mkdir(join(dir, orphan));
  await mkdir(join(dir, corrupt));
  await writeFile(join(dir, corrupt, 'record.json'), '{"id":');
  await mkdir(join(dir, mismatched));
  await writeFile(join(dir, mismatched, 'record.json'), JSON.stringify(record(idWeb, '/imposter')));
  // not an id: left alone
  await mkdir(join(dir, 'not-an-id'));

  const again = new ContainerStore(base);
  const loaded = await again.init();
  assert.deepEqual(loaded.map((r) => r.id).sort(), [idWeb, idDb, idCache, idHexName].sort());
  assert.equal(again.find('web').id, idWeb);
  const left = (await readdir(dir)).sort();
  assert.deepEqual(left, [idWeb, idDb, idCache, idHexName, 'not-an-id'].sort());
  assert.equal(JSON.parse(await readFile(join(dir, idDb, 'record.json'), 'utf8')).name, '/db');
});

test('paths of the per-container files', () => {
  assert.equal(store.containerDir(idWeb), join(base, 'containers', idWeb));
  assert.equal(store.logPath(idWeb), join(base, 'containers', idWeb, 'container.log'));
});

test('delete removes the record and its directory', async () => {
  const s2 = new ContainerStore(join(base, 'second'));
  await s2.init();
  const id = 'cafe' + '9'.repeat(60);
  await s2.save(record(id, '/gone'));
  await writeFile(s2.logPath(id), 'log');
  await s2.delete(id);
  assert.equal(s2.get(id), undefined);
  assert.throws(() => s2.find('gone'), (e: unknown) => isKind(e, 'not-found'));
  // Gone from view at once; the files themselves are deleted in the background.
  assert.deepEqual(await readdir(s2.dir), ['.trash']);
  await s2.settled();
  assert.deepEqual(await readdir(join(s2.dir, '.trash')), []);
});

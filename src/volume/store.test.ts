import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsonLogger } from '../common/log.js';
import { VolumeStore } from './store.js';

const log = new JsonLogger('error');

function tmp(): string {
  return mkdtempSync('/tmp/berth-volstore-');
}

test('create writes the record and the data directory; a second create of the name is the same volume', async () => {
  const root = tmp();
  try {
    const s = new VolumeStore(root, log);
    await s.load();
    const a = await s.create({ name: 'vol1', labels: { k: 'v' } });
    assert.equal(a.created, true);
    assert.match(a.record.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(a.record.labels, { k: 'v' });
    assert.equal(a.record.options, null);
    assert.ok(existsSync(join(root, 'vol1', '_data')));
    assert.equal(JSON.parse(readFileSync(join(root, 'vol1', 'volume.json'), 'utf8')).name, 'vol1');
    const b = await s.create({ name: 'vol1', labels: { other: 'x' } });
    assert.equal(b.created, false);
    assert.deepEqual(b.record.labels, { k: 'v' });
    const anon = await s.create({ anonymous: true });
    assert.match(anon.record.name, /^[0-9a-f]{64}$/);
    assert.equal(anon.record.anonymous, true);
    // Only whole volumes in the directory: no staging leftovers.
    assert.deepEqual(readdirSync(root).filter((n) => !n.startsWith('.trash')).sort(), [anon.record.name, 'vol1'].sort());
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('names and options are checked as the local driver does, and nothing is written for a bad one', async () => {
  const root = tmp();
  try {
    const s = new VolumeStore(root, log);
    await s.load();
    for (const bad of ['..', '.hidden', 'a/b', '../../etc', 'a b']) {
      await assert.rejects(s.create({ name: bad }), { message: new RegExp(`includes invalid characters for a local volume name`) }, bad);
    }
    await assert.rejects(s.create({ name: 'ok1', options: { foo: 'bar' } }), { message: 'create ok1: invalid option: "foo"' });
    await assert.rejects(s.create({ name: 'ok1', options: { type: 'tmpfs' } }), { message: 'create ok1: missing required option: "device"' });
    await assert.rejects(s.create({ name: 'ok1', driver: 'nfs-plugin' }), { message: /plugin "nfs-plugin" not found/ });
    assert.deepEqual(readdirSync(root).filter((n) => !n.startsWith('.trash')), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('load: records come back, half-made volumes are swept, unreadable ones are skipped', async () => {
  const root = tmp();
  try {
    const s = new VolumeStore(root, log);
    await s.load();
    await s.create({ name: 'keep', options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    writeFileSync(join(s.mountpoint('keep'), 'data'), 'x');
    mkdirSync(join(root, '.creating-abc', '_data'), { recursive: true });
    mkdirSync(join(root, 'junk'));
    const again = new VolumeStore(root, log);
    await again.load();
    assert.deepEqual(again.all().map((r) => r.name), ['keep']);
    assert.deepEqual(again.get('keep')?.options, { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
    assert.equal(readFileSync(join(again.mountpoint('keep'), 'data'), 'utf8'), 'x');
    assert.ok(!existsSync(join(root, '.creating-abc')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('remove takes the volume out of view at once and never follows a link out of it', async () => {
  const root = tmp();
  const outside = tmp();
  try {
    writeFileSync(join(outside, 'precious'), 'keep me');
    const s = new VolumeStore(root, log);
    await s.load();
    await s.create({ name: 'gone' });
    symlinkSync(outside, join(s.mountpoint('gone'), 'link'));
    symlinkSync(join(outside, 'precious'), join(s.mountpoint('gone'), 'file-link'));
    await s.remove('gone');
    assert.equal(s.get('gone'), undefined);
    assert.ok(!existsSync(join(root, 'gone')));
    await s.drain();
    assert.equal(readFileSync(join(outside, 'precious'), 'utf8'), 'keep me');
    await assert.rejects(s.remove('gone'), { message: 'get gone: no such volume' });
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

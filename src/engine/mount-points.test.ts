import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeTmpfsOptions, parseBind, parseMountRequest, parseTmpfs, parseVolumesFrom, runtimeMount, sortByDepth, tmpfsData, validMountMode } from './mount-points.js';

test('-v: a bind for an absolute source, a named volume otherwise, an anonymous one for a lone path', () => {
  assert.deepEqual(parseBind('/srv/x:/data:ro'), {
    type: 'bind', destination: '/data', source: '/srv/x', rw: false, mode: 'ro', propagation: 'rprivate', named: true, copyData: false, createHostDir: true,
  });
  assert.equal(parseBind('/srv/x/:/data/').destination, '/data');
  assert.equal(parseBind('/srv/x:/data:rshared').propagation, 'rshared');
  const named = parseBind('vol1:/data');
  assert.deepEqual(named, { type: 'volume', destination: '/data', source: '', name: 'vol1', driver: 'local', rw: true, mode: 'z', propagation: '', named: true, copyData: true });
  assert.equal(parseBind('vol1:/data:rw').mode, 'rw');
  assert.equal(parseBind('vol1:/data:ro,nocopy').copyData, false);
  const anon = parseBind('/data');
  assert.equal(anon.type, 'volume');
  assert.equal(anon.name, '');
  assert.equal(anon.named, false);
  assert.equal(anon.mode, '');
});

test('-v: dockerd\'s errors for malformed values', () => {
  assert.throws(() => parseBind('/d:rw'), { message: "invalid volume specification: '/d:rw'" });
  assert.throws(() => parseBind(':/d'), { message: "invalid volume specification: ':/d'" });
  assert.throws(() => parseBind('a:/b:c:d'), { message: "invalid volume specification: 'a:/b:c:d'" });
  assert.throws(() => parseBind('a:/d:xyz'), { message: 'invalid mode: xyz' });
  assert.throws(() => parseBind('a:/d:ro,rw'), { message: 'invalid mode: ro,rw' });
  assert.throws(() => parseBind('a:rel'), { message: "invalid volume specification: 'a:rel': invalid mount config for type \"volume\": invalid mount path: 'rel' mount path must be absolute" });
  assert.throws(() => parseBind('/h:/'), { message: "invalid volume specification: '/h:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'" });
});

test('mount modes: one word of each kind at most', () => {
  for (const ok of ['', 'ro', 'rw,z', 'ro,Z,rslave', 'nocopy', 'cached', 'ro,nocopy,shared']) assert.ok(validMountMode(ok), ok);
  for (const bad of ['xyz', 'ro,rw', 'z,Z', 'shared,private', 'ro,']) assert.ok(!validMountMode(bad), bad);
});

test('--mount: binds must exist, volumes may be anonymous but then not read-only, tmpfs takes no source', () => {
  const exists = (p: string) => p === '/srv/here';
  const b = parseMountRequest({ Type: 'bind', Source: '/srv/here', Target: '/w', ReadOnly: true }, exists);
  assert.deepEqual(b, { type: 'bind', destination: '/w', source: '/srv/here', rw: false, mode: '', propagation: 'rprivate', named: true, copyData: false });
  assert.throws(() => parseMountRequest({ Type: 'bind', Source: '/srv/gone', Target: '/w' }, exists), { message: 'invalid mount config for type "bind": bind source path does not exist: /srv/gone' });
  assert.throws(() => parseMountRequest({ Type: 'bind', Target: '/w' }, exists), { message: 'invalid mount config for type "bind": field Source must not be empty' });
  assert.throws(() => parseMountRequest({ Type: 'bind', Source: '/srv/here', Target: '/w', BindOptions: { Propagation: 'weird' } }, exists), { message: 'invalid mount config for type "bind": invalid propagation mode: weird' });
  const v = parseMountRequest({ Type: 'volume', Source: 'vol3', Target: '/v3', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Options: { type: 'tmpfs', device: 'tmpfs' } } } }, exists);
  assert.equal(v.name, 'vol3');
  assert.equal(v.copyData, false);
  assert.deepEqual(v.volumeLabels, { a: 'b' });
  assert.deepEqual(v.volumeDriverOptions, { type: 'tmpfs', device: 'tmpfs' });
  assert.equal(v.mode, 'z');
  assert.throws(() => parseMountRequest({ Type: 'volume', Target: '/v', ReadOnly: true }, exists), { message: 'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes' });
  assert.throws(() => parseMountRequest({ Type: 'tmpfs', Source: 'x', Target: '/t' }, exists), { message: 'invalid mount config for type "tmpfs": field Source must not be specified' });
  assert.throws(() => parseMountRequest({ Type: 'npipe', Target: '/t' }, exists), { message: 'invalid mount config for type "npipe": mount type unknown' });
  assert.throws(() => parseMountRequest({ Type: 'volume', Target: 'rel' }, exists), { message: "invalid mount config for type \"volume\": invalid mount path: 'rel' mount path must be absolute" });
  const t = parseMountRequest({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1770 } }, exists);
  assert.equal(t.tmpfsData, 'mode=1770,size=64m');
});

test('tmpfs data and options as moby converts and merges them', () => {
  assert.equal(tmpfsData({ SizeBytes: 1536 }, true), 'ro,size=1536');
  assert.equal(tmpfsData({ SizeBytes: 3 * 1024 }, false), 'size=3k');
  assert.equal(tmpfsData(undefined, false), '');
  assert.deepEqual(mergeTmpfsOptions(['noexec', 'nosuid', 'nodev', 'exec', 'size=1m', 'size=2m']), ['nosuid', 'nodev', 'exec', 'size=2m']);
  const m = parseTmpfs('/t2', 'size=2m,exec');
  assert.equal(m.unlisted, true);
  assert.deepEqual(runtimeMount(m, ''), { destination: '/t2', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=2m', 'exec'] });
  assert.throws(() => parseTmpfs('t', ''), { message: "invalid mount config for type \"tmpfs\": invalid mount path: 't' mount path must be absolute" });
});

test('runtime mounts: rbind unless non-recursive, ro when read-only, rprivate by default', () => {
  assert.deepEqual(runtimeMount(parseBind('v:/d'), '/var/lib/berth/volumes/v/_data'), { destination: '/d', type: 'bind', source: '/var/lib/berth/volumes/v/_data', options: ['rbind', 'rw', 'rprivate'] });
  assert.deepEqual(runtimeMount(parseBind('/h:/d:ro,rslave'), '/h'), { destination: '/d', type: 'bind', source: '/h', options: ['rbind', 'ro', 'rslave'] });
  const nr = parseMountRequest({ Type: 'bind', Source: '/h', Target: '/d', BindOptions: { NonRecursive: true } }, () => true);
  assert.equal(runtimeMount(nr, '/h').options![0], 'bind');
});

test('--volumes-from: rw by default, ro or rw given, no propagation or copy modes', () => {
  assert.deepEqual(parseVolumesFrom('web'), { container: 'web', mode: 'rw' });
  assert.deepEqual(parseVolumesFrom('web:ro'), { container: 'web', mode: 'ro' });
  assert.throws(() => parseVolumesFrom(''), { message: 'volumes-from specification cannot be an empty string' });
  assert.throws(() => parseVolumesFrom('web:rshared'), { message: 'invalid mode: rshared' });
  assert.throws(() => parseVolumesFrom('web:nocopy'), { message: 'invalid mode: nocopy' });
});

test('mounts are applied parents first', () => {
  const sorted = sortByDepth([{ destination: '/a/b/c' }, { destination: '/x' }, { destination: '/a/b' }]);
  assert.deepEqual(sorted.map((m) => m.destination), ['/x', '/a/b', '/a/b/c']);
});

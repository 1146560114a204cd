import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { TarBuilder } from './tar-pack.js';
import { getAttributeSync } from '@napi-rs/xattr';
import { applyLayer } from './layer-apply.js';
import { isKind } from '../common/errors.js';

/*
 * Layer application needs root (chown, mknod, trusted.* xattrs). Every tar is built in memory and
 * applied into a fresh directory under one temp base; the "outside" that hostile layers aim at is
 * another directory under the same base, never a real system path.
 */

type Entry = { h: Partial<tar.Header> & { name: string }; data?: string | Buffer };

const mtime = new Date('2021-03-04T05:06:07Z');
const mtimeMs = mtime.getTime();

async function makeTar(entries: Entry[]): Promise<Buffer> {
  const tb = new TarBuilder({ uid: 0, gid: 0, mtime });
  for (const { h, data } of entries) await tb.add(h, data);
  return tb.finish();
}

const dir = (name: string, mode = 0o755, extra: Partial<tar.Header> = {}): Entry => ({ h: { name, type: 'directory', mode, ...extra } });
const file = (name: string, data: string | Buffer, mode = 0o644, extra: Partial<tar.Header> = {}): Entry => ({ h: { name, type: 'file', mode, ...extra }, data });
const symlinkEntry = (name: string, linkname: string, extra: Partial<tar.Header> = {}): Entry => ({ h: { name, type: 'symlink', linkname, mode: 0o777, ...extra } });
const hardlink = (name: string, linkname: string): Entry => ({ h: { name, type: 'link', linkname, mode: 0o644 } });

function source(buf: Buffer, chunk = 4096): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  return Readable.from(parts, { objectMode: false });
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let base: string;
let counter = 0;
/** A fresh, empty layer directory, and a sibling "outside" directory a hostile layer aims at. */
async function fresh(): Promise<{ target: string; outside: string }> {
  const n = ++counter;
  const target = join(base, `layer-${n}`);
  const outside = join(base, `outside-${n}`);
  await mkdir(target);
  await mkdir(outside);
  return { target, outside };
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/** Every path below `root`, relative, sorted. */
async function tree(root: string): Promise<string[]> {
  return ((await readdir(root, { recursive: true })) as string[]).sort();
}

const isInvalid = (re?: RegExp) => (e: unknown) => isKind(e, 'invalid-argument') && (!re || re.test((e as Error).message));

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-layer-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

test('regular files and directories keep content, mode, owner and mtime', async () => {
  const { target } = await fresh();
  const entries: Entry[] = [
    dir('etc/', 0o755),
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n', 0o644),
    dir('home/', 0o755),
    dir('home/user/', 0o700, { uid: 1000, gid: 1001 }),
    file('home/user/.profile', 'export A=1\n', 0o600, { uid: 1000, gid: 1001 }),
    file('bin/su', 'binary', 0o4755),
    file('bin/sg', 'binary', 0o2755, { gid: 42 }),
    dir('tmp/', 0o1777),
    file('empty', '', 0o640),
    // no directory entries: parents are created 0755
    file('implicit/deeper/leaf', 'x', 0o444),
  ];
  const buf = await makeTar(entries);
  const res = await applyLayer(source(buf), target);

  assert.equal(await readFile(join(target, 'etc/passwd'), 'utf8'), 'root:x:0:0:root:/root:/bin/sh\n');
  assert.equal(await readFile(join(target, 'home/user/.profile'), 'utf8'), 'export A=1\n');
  assert.equal(await readFile(join(target, 'empty'), 'utf8'), '');
  const want: Array<[string, number, number, number]> = [
    ['etc', 0o755, 0, 0],
    ['etc/passwd', 0o644, 0, 0],
    ['home/user', 0o700, 1000, 1001],
    ['home/user/.profile', 0o600, 1000, 1001],
    ['bin/su', 0o4755, 0, 0],
    ['bin/sg', 0o2755, 0, 42],
    ['tmp', 0o1777, 0, 0],
    ['empty', 0o640, 0, 0],
    ['implicit', 0o755, 0, 0],
    ['implicit/deeper', 0o755, 0, 0],
    ['implicit/deeper/leaf', 0o444, 0, 0],
  ];
  for (const [p, mode, uid, gid] of want) {
    const st = await lstat(join(target, p));
    assert.equal(st.mode & 0o7777, mode, `${p} mode ${(st.mode & 0o7777).toString(8)}`);
    assert.equal(st.uid, uid, `${p} uid`);
    assert.equal(st.gid, gid, `${p} gid`);
  }
  // mtimes, directories included: they are set last, after their contents were written.
  for (const p of ['etc', 'etc/passwd', 'home', 'home/user', 'home/user/.profile', 'tmp', 'bin/su', 'empty']) {
    assert.equal((await lstat(join(target, p))).mtimeMs, mtimeMs, `${p} mtime`);
  }
  assert.deepEqual(await tree(target), [
    'bin', 'bin/sg', 'bin/su', 'empty', 'etc', 'etc/passwd', 'home', 'home/user', 'home/user/.profile', 'implicit',
    'implicit/deeper', 'implicit/deeper/leaf', 'tmp',
  ]);

  assert.equal(res.size, 'root:x:0:0:root:/root:/bin/sh\n'.length + 'export A=1\n'.length + 6 + 6 + 0 + 1);
  assert.equal(res.tarSize, buf.length);
  assert.equal(res.diffId, sha(buf));
});

test('symlinks are created as links, with their owner and time, never followed', async () => {
  const { target } = await fresh();
  const buf = await makeTar([
    file('bin/busybox', 'bb', 0o755),
    symlinkEntry('bin/sh', 'busybox'),
    symlinkEntry('lib', '/usr/lib'),
    symlinkEntry('dangling', '../../nowhere', { uid: 1000, gid: 1000 }),
  ]);
  const res = await applyLayer(source(buf), target);
  assert.equal(await readlink(join(target, 'bin/sh')), 'busybox');
  assert.equal(await readlink(join(target, 'lib')), '/usr/lib');
  assert.equal(await readlink(join(target, 'dangling')), '../../nowhere');
  const st = await lstat(join(target, 'dangling'));
  assert.ok(st.isSymbolicLink());
  assert.equal(st.uid, 1000);
  assert.equal(st.gid, 1000);
  assert.equal(st.mtimeMs, mtimeMs);
  // symlinks are not counted in the size
  assert.equal(res.size, 2);
});

test('hard links share the inode of their target', async () => {
  const { target } = await fresh();
  const buf = await makeTar([
    file('bin/busybox', 'the binary', 0o755),
    hardlink('bin/ls', 'bin/busybox'),
    hardlink('bin/cat', './bin/busybox'),
    hardlink('usr/bin/env', '/bin/busybox'),
  ]);
  const res = await applyLayer(source(buf), target);
  const ino = (await stat(join(target, 'bin/busybox'))).ino;
  for (const p of ['bin/ls', 'bin/cat', 'usr/bin/env']) {
    assert.equal((await stat(join(target, p))).ino, ino, p);
  }
  assert.equal((await stat(join(target, 'bin/busybox'))).nlink, 4);
  // a hard link adds no bytes
  assert.equal(res.size, 'the binary'.length);
});

test('a hard link to a missing file is refused', async () => {
  const { target } = await fresh();
  const buf = await makeTar([hardlink('x', 'does/not/exist')]);
  await assert.rejects(applyLayer(source(buf), target), isInvalid(/hard link to missing "does\/not\/exist"/));
});

test('.wh.<name> whiteouts become 0:0 character devices; aufs bookkeeping is ignored', async () => {
  const { target } = await fresh();
  const buf = await makeTar([
    dir('dir/'),
    file('dir/.wh.gone', ''),
    file('.wh.topgone', ''),
    file('.wh..wh.plnk', ''),
    file('dir/.wh..wh.aufs', ''),
    // whiteout then re-created in the same layer: the file wins
    file('.wh.back', ''),
    file('back', 'again'),
  ]);
  const res = await applyLayer(source(buf), target);
  for (const p of ['dir/gone', 'topgone']) {
    const st = await lstat(join(target, p));
    assert.ok(st.isCharacterDevice(), `${p} is a character device`);
    assert.equal(st.rdev, 0, `${p} is 0:0`);
  }
  assert.equal(await readFile(join(target, 'back'), 'utf8'), 'again');
  assert.deepEqual(await tree(target), ['back', 'dir', 'dir/gone', 'topgone']);
  assert.equal(res.size, 5);
});

test('a whiteout removes what an earlier entry of the same layer created', async () => {
  const { target } = await fresh();
  const buf = await makeTar([dir('d/'), file('d/f', 'x'), dir('d/sub/'), file('d/sub/g', 'y'), file('d/.wh.f', ''), file('d/.wh.sub', '')]);
  await applyLayer(source(buf), target);
  assert.ok((await lstat(join(target, 'd/f'))).isCharacterDevice());
  assert.ok((await lstat(join(target, 'd/sub'))).isCharacterDevice());
});

test('.wh..wh..opq marks the directory opaque with trusted.overlay.opaque=y', async () => {
  const { target } = await fresh();
  const buf = await makeTar([dir('opq/'), file('opq/.wh..wh..opq', ''), file('opq/kept', 'k'), dir('plain/')]);
  await applyLayer(source(buf), target);
  assert.equal(getAttributeSync(join(target, 'opq'), 'trusted.overlay.opaque')?.toString(), 'y');
  assert.equal(getAttributeSync(join(target, 'plain'), 'trusted.overlay.opaque'), null);
  assert.deepEqual(await tree(join(target, 'opq')), ['kept']);
});

test('xattrs from PAX headers are applied, except overlay ones', async () => {
  const { target } = await fresh();
  const buf = await makeTar([
    dir('d/', 0o755, { pax: { 'SCHILY.xattr.user.comment': 'hello', 'SCHILY.xattr.trusted.overlay.opaque': 'y' } }),
    file('f', 'x', 0o644, { pax: { 'SCHILY.xattr.user.k': 'v' } }),
  ]);
  await applyLayer(source(buf), target);
  assert.equal(getAttributeSync(join(target, 'd'), 'user.comment')?.toString(), 'hello');
  assert.equal(getAttributeSync(join(target, 'd'), 'trusted.overlay.opaque'), null);
  assert.equal(getAttributeSync(join(target, 'f'), 'user.k')?.toString(), 'v');
});

test('device nodes and fifos are created', async () => {
  const { target } = await fresh();
  const buf = await makeTar([
    { h: { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 } },
    { h: { name: 'dev/loop0', type: 'block-device', devmajor: 7, devminor: 0, mode: 0o660, gid: 6 } },
    { h: { name: 'run/fifo', type: 'fifo', mode: 0o600 } },
  ]);
  await applyLayer(source(buf), target);
  const cnull = await lstat(join(target, 'dev/null'));
  assert.ok(cnull.isCharacterDevice());
  assert.equal(cnull.rdev, (1 << 8) | 3);
  assert.equal(cnull.mode & 0o7777, 0o666);
  const loop = await lstat(join(target, 'dev/loop0'));
  assert.ok(loop.isBlockDevice());
  assert.equal(loop.rdev, 7 << 8);
  assert.equal(loop.gid, 6);
  assert.ok((await lstat(join(target, 'run/fifo'))).isFIFO());
});

test('later entries replace earlier ones of another type', async () => {
  const { target } = await fresh();
  const buf = await makeTar([
    dir('y/'),
    file('y/child', 'c'),
    file('y', 'now a file'),
    symlinkEntry('z', 'somewhere'),
    file('z', 'file over link'),
    file('s', 'file'),
    symlinkEntry('s', 'target'),
    file('h', 'old'),
    file('h', 'new'),
    // a directory entry over an existing directory keeps its contents and takes the new metadata
    dir('keep/', 0o755),
    file('keep/f', 'f'),
    dir('keep/', 0o700),
  ]);
  await applyLayer(source(buf), target);
  assert.equal(await readFile(join(target, 'y'), 'utf8'), 'now a file');
  assert.ok((await lstat(join(target, 'z'))).isFile());
  assert.equal(await readlink(join(target, 's')), 'target');
  assert.equal(await readFile(join(target, 'h'), 'utf8'), 'new');
  assert.equal(await readFile(join(target, 'keep/f'), 'utf8'), 'f');
  assert.equal((await lstat(join(target, 'keep'))).mode & 0o7777, 0o700);
});

test('a directory entry replaces an earlier file or symlink of the same name', async () => {
  const { target } = await fresh();
  const buf = await makeTar([file('x', 'file first'), dir('x/'), file('x/inside', 'i'), symlinkEntry('l', 'elsewhere'), dir('l/', 0o750)]);
  await applyLayer(source(buf), target);
  assert.ok((await lstat(join(target, 'x'))).isDirectory());
  assert.equal(await readFile(join(target, 'x/inside'), 'utf8'), 'i');
  assert.ok((await lstat(join(target, 'l'))).isDirectory());
  assert.equal((await lstat(join(target, 'l'))).mode & 0o7777, 0o750);
});

test('gzip input: the diff id and tar size are those of the uncompressed tar', async () => {
  const { target } = await fresh();
  const buf = await makeTar([dir('a/'), file('a/b', 'hello gzip'), file('c', Buffer.alloc(100_000, 7))]);
  const gz = gzipSync(buf);
  const res = await applyLayer(source(gz, 333), target);
  assert.equal(res.diffId, sha(buf));
  assert.notEqual(res.diffId, sha(gz));
  assert.equal(res.tarSize, buf.length);
  assert.equal(res.size, 'hello gzip'.length + 100_000);
  assert.equal(await readFile(join(target, 'a/b'), 'utf8'), 'hello gzip');
  assert.equal((await stat(join(target, 'c'))).size, 100_000);
});

test('the diff id covers trailing padding after the end-of-archive marker', async () => {
  const { target } = await fresh();
  // GNU tar pads archives to a 10240-byte record; the padding is part of the layer's bytes.
  const buf = await makeTar([file('f', 'x')]);
  const padded = Buffer.concat([buf, Buffer.alloc(10240 - (buf.length % 10240))]);
  const res = await applyLayer(source(padded, 1000), target);
  assert.equal(res.tarSize, padded.length);
  assert.equal(res.diffId, sha(padded));
});

test('an empty layer (only the end-of-archive marker) applies and hashes', async () => {
  const { target } = await fresh();
  const buf = await makeTar([]);
  const res = await applyLayer(source(buf), target);
  assert.deepEqual(res, { size: 0, diffId: sha(buf), tarSize: buf.length });
  assert.deepEqual(await tree(target), []);
});

test('the root entry ./ sets the metadata of the layer directory itself', async () => {
  const { target } = await fresh();
  const buf = await makeTar([dir('./', 0o711), file('./f', 'x')]);
  await applyLayer(source(buf), target);
  const st = await stat(target);
  assert.equal(st.mode & 0o7777, 0o711);
  assert.equal(st.mtimeMs, mtimeMs);
  assert.equal(await readFile(join(target, 'f'), 'utf8'), 'x');
});

test('garbage and truncated archives are invalid-argument errors', async () => {
  const { target } = await fresh();
  const garbage = Buffer.alloc(2048, 0x41);
  await assert.rejects(applyLayer(source(garbage), target), isInvalid(/^invalid tar archive: /));
  const good = await makeTar([file('big', Buffer.alloc(50_000, 1))]);
  const { target: t2 } = await fresh();
  await assert.rejects(applyLayer(source(good.subarray(0, 20_000)), t2), isInvalid(/^invalid tar archive: /));
});

test('an aborted signal cancels the apply', async () => {
  const { target } = await fresh();
  const ac = new AbortController();
  ac.abort(new Error('client went away'));
  const buf = await makeTar([file('f', 'x')]);
  await assert.rejects(applyLayer(source(buf), target, ac.signal), (e: unknown) => isKind(e, 'cancelled'));
  assert.equal(await exists(join(target, 'f')), false);
});

// ------------------------------------------------------------------ hostile layers

test('HOSTILE: entries whose path climbs out are refused and write nothing outside', async () => {
  for (const name of ['../escape', 'a/../../escape', './../escape', '/../escape', 'a/b/../../../escape']) {
    const { target } = await fresh();
    const buf = await makeTar([file('before', 'inside'), file(name, 'pwned')]);
    await assert.rejects(applyLayer(source(buf), target), isInvalid(/path escapes the layer root/), name);
    assert.equal(await exists(join(base, 'escape')), false, name);
    assert.equal(await exists(join(target, '..', 'escape')), false, name);
  }
  for (const name of ['../escape-dir/', '../']) {
    const { target } = await fresh();
    const buf = await makeTar([dir(name, 0o777)]);
    await assert.rejects(applyLayer(source(buf), target), isInvalid(/path escapes the layer root/), name);
    assert.equal(await exists(join(base, 'escape-dir')), false);
    // The parent of the layer keeps its mode: '../' must not chmod it.
    assert.notEqual((await stat(base)).mode & 0o777, 0o777);
  }
});

test('HOSTILE: an absolute symlink to / cannot lead a later entry out of the layer', async () => {
  const { target, outside } = await fresh();
  // evil -> /, then evil/<host path of outside>/pwned: followed on the host, that would write
  // <outside>/pwned. It must land inside the layer instead (or be refused).
  const buf = await makeTar([symlinkEntry('evil', '/'), file(`evil${outside}/pwned`, 'pwned'), file(`evil/${outside}/../${outside.split('/').pop()}/pwned2`, 'pwned')]);
  const outcome = await applyLayer(source(buf), target).then(
    () => 'applied',
    (e: unknown) => {
      assert.ok(isKind(e, 'invalid-argument'), String(e));
      return 'refused';
    },
  );
  assert.equal(await exists(join(outside, 'pwned')), false);
  assert.deepEqual(await readdir(outside), []);
  if (outcome === 'applied') {
    // Resolved with the layer as /: the file is under the layer, at the same path.
    assert.equal(await readFile(join(target, outside, 'pwned'), 'utf8'), 'pwned');
    assert.equal(await readFile(join(target, outside, 'pwned2'), 'utf8'), 'pwned');
    assert.equal(await readlink(join(target, 'evil')), '/');
  }
});

test('HOSTILE: a symlink chain ending in ../../.. cannot lead a later entry out', async () => {
  const { target, outside } = await fresh();
  const outsideName = outside.slice(base.length + 1);
  // On the host: c1 -> c2 -> sub/c3 -> ../../.. is <target>/.., which is <base>; up -> .. is <base> too.
  const buf = await makeTar([
    dir('sub/'),
    symlinkEntry('sub/c3', '../../..'),
    symlinkEntry('c2', 'sub/c3'),
    symlinkEntry('c1', 'c2'),
    symlinkEntry('up', '..'),
    file(`c1/${outsideName}/pwned-chain`, 'pwned'),
    file(`up/${outsideName}/pwned-up`, 'pwned'),
    file(`sub/c3/${outsideName}/pwned-direct`, 'pwned'),
  ]);
  const outcome = await applyLayer(source(buf), target).then(
    () => 'applied',
    (e: unknown) => {
      assert.ok(isKind(e, 'invalid-argument'), String(e));
      return 'refused';
    },
  );
  assert.deepEqual(await readdir(outside), []);
  for (const n of ['pwned-chain', 'pwned-up', 'pwned-direct']) assert.equal(await exists(join(base, outsideName, n)), false, n);
  if (outcome === 'applied') {
    for (const n of ['pwned-chain', 'pwned-up', 'pwned-direct']) {
      assert.equal(await readFile(join(target, outsideName, n), 'utf8'), 'pwned', n);
    }
  }
});

test('HOSTILE: a hard link to a file outside the layer is refused', async () => {
  const { target, outside } = await fresh();
  const secret = join(outside, 'passwd');
  await writeFile(secret, 'secret');
  const outsideName = outside.slice(base.length + 1);
  const cases = [`../${outsideName}/passwd`, `../../${base.split('/').pop()}/${outsideName}/passwd`, `a/../../${outsideName}/passwd`];
  for (const linkname of cases) {
    const buf = await makeTar([hardlink('stolen', linkname)]);
    await assert.rejects(applyLayer(source(buf), target), isInvalid(/hard link target escapes the layer root/), linkname);
  }
  assert.equal((await stat(secret)).nlink, 1);
  assert.equal(await exists(join(target, 'stolen')), false);
});

test('HOSTILE: a hard link through a symlink resolves inside the layer', async () => {
  const { target, outside } = await fresh();
  const secret = join(outside, 'passwd');
  await writeFile(secret, 'secret');
  const buf = await makeTar([symlinkEntry('evil', '/'), hardlink('stolen', `evil${secret}`)]);
  // <layer>/<secret path> does not exist, so this is a hard link to a missing file.
  await assert.rejects(applyLayer(source(buf), target), isInvalid());
  assert.equal((await stat(secret)).nlink, 1);
  assert.equal(await exists(join(target, 'stolen')), false);
});

test('HOSTILE: a file entry, a whiteout or an opaque marker never writes through a symlink', async () => {
  const { target, outside } = await fresh();
  const victim = join(outside, 'victim');
  await writeFile(victim, 'original');
  await chmod(outside, 0o700);
  const buf = await makeTar([
    symlinkEntry('f', victim),
    file('f', 'overwritten?', 0o666, { uid: 4321 }),
    symlinkEntry('w', outside),
    file('w/.wh.victim', ''),
    symlinkEntry('o', outside),
    file('o/.wh..wh..opq', ''),
  ]);
  await applyLayer(source(buf), target);
  assert.equal(await readFile(victim, 'utf8'), 'original');
  const vst = await lstat(victim);
  assert.ok(vst.isFile(), 'the whiteout did not replace the host file');
  assert.equal(vst.uid, 0);
  assert.equal(vst.mode & 0o777, 0o644);
  assert.equal(getAttributeSync(outside, 'trusted.overlay.opaque'), null);
  // Inside the layer: f is a file; the whiteout and the marker landed under the layer.
  assert.equal(await readFile(join(target, 'f'), 'utf8'), 'overwritten?');
  assert.ok((await lstat(join(target, outside, 'victim'))).isCharacterDevice());
  assert.equal(getAttributeSync(join(target, outside), 'trusted.overlay.opaque')?.toString(), 'y');
});

test('HOSTILE: a directory entry over a symlink to a host directory leaves the host directory alone', async () => {
  const { target, outside } = await fresh();
  await chmod(outside, 0o700);
  const buf = await makeTar([symlinkEntry('d', outside), dir('d/', 0o777, { uid: 4321, gid: 4321 }), file('d/planted', 'x')]);
  // Whether or not the apply succeeds (see the todo above), the host directory must be untouched.
  await applyLayer(source(buf), target).catch(() => undefined);
  const ost = await stat(outside);
  assert.equal(ost.mode & 0o777, 0o700);
  assert.equal(ost.uid, 0);
  assert.deepEqual(await readdir(outside), []);
});

test('HOSTILE: a directory replaced by a symlink does not get its time set through the link', async () => {
  const { target, outside } = await fresh();
  const before = (await stat(outside)).mtimeMs;
  const buf = await makeTar([dir('t/', 0o755), symlinkEntry('t', outside)]);
  await applyLayer(source(buf), target);
  assert.equal(await readlink(join(target, 't')), outside);
  assert.equal((await stat(outside)).mtimeMs, before, 'the host directory kept its mtime');
});

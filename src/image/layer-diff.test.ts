import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, chmod, link, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import * as tar from 'tar-stream';
import { getAttribute, setAttribute } from '@napi-rs/xattr';
import { mount, unmount } from '../snapshot/mounts.js';
import { applyLayer } from './layer-apply.js';
import { ChangeKind, upperChanges, writeLayerDiff, type Change } from './layer-diff.js';
import { TarBuilder } from './tar-pack.js';
import { TarWriter } from './tree-tar.js';

/*
 * Needs root and overlayfs: a lower layer is applied from a tar, a container's changes are made
 * through a real overlay mount, and the upper dir is then diffed, turned into a layer and applied
 * again, to compare the result with what the container saw.
 */

let base: string;
let n = 0;
const mounted: string[] = [];

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-layer-diff-'));
});
after(async () => {
  for (const m of mounted.reverse()) await unmount(m).catch(() => {});
  await rm(base, { recursive: true, force: true });
});

const mtime = new Date('2022-02-03T04:05:06Z');

async function layerFrom(entries: Array<{ h: Partial<tar.Header> & { name: string }; data?: string }>): Promise<string> {
  const tb = new TarBuilder({ uid: 0, gid: 0, mtime });
  for (const e of entries) await tb.add(e.h, e.data);
  const dir = join(base, `layer-${++n}`);
  await mkdir(dir);
  await applyLayer(Readable.from([await tb.finish()]), dir);
  return dir;
}

/** An overlay over `lowers` (top first) with a fresh upper dir, like a container's. */
async function container(lowers: string[]): Promise<{ upper: string; merged: string }> {
  const dir = join(base, `ctr-${++n}`);
  const [upper, work, merged] = ['upper', 'work', 'merged'].map((d) => join(dir, d)) as [string, string, string];
  for (const d of [upper, work, merged]) await mkdir(d, { recursive: true });
  await mount('overlay', 'overlay', merged, `lowerdir=${lowers.join(':')},upperdir=${upper},workdir=${work}`);
  mounted.push(merged);
  return { upper, merged };
}

async function readOnlyView(lowers: string[]): Promise<string> {
  const merged = join(base, `view-${++n}`);
  await mkdir(merged);
  await mount('overlay', 'overlay', merged, `lowerdir=${lowers.join(':')}`);
  mounted.push(merged);
  return merged;
}

async function layerTar(upper: string, lowers: string[], mountPoints?: string[]): Promise<Buffer> {
  const w = new TarWriter();
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(c);
      cb();
    },
  });
  await Promise.all([w.pipeTo(sink), writeLayerDiff(w, upper, lowers, mountPoints ? { mountPoints } : {})]);
  return Buffer.concat(chunks);
}

async function tarNames(buf: Buffer): Promise<string[]> {
  const names: string[] = [];
  const ex = tar.extract();
  const done = (async () => {
    for await (const e of ex) {
      names.push(`${e.header.type}:${e.header.name}${e.header.linkname ? `->${e.header.linkname}` : ''}`);
      e.resume();
    }
  })();
  ex.end(buf);
  await done;
  return names;
}

/** One line per entry: what `find -printf '%y %m %u %g %s %T %p %l'` and a content hash would say. */
async function listing(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const p = join(root, rel, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(p);
      const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : 'o';
      let extra = '';
      if (st.isSymbolicLink()) extra = await readlink(p);
      else if (st.isFile()) extra = createHash('sha256').update(await readFile(p)).digest('hex').slice(0, 16);
      const x = st.isSymbolicLink() ? null : await getAttribute(p, 'user.test').catch(() => null);
      out.push(`${type} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${type === 'd' ? '-' : st.size} ${Math.floor(st.mtimeMs / 1000)} ${r} ${extra}${x ? ` x=${x.toString()}` : ''}`);
      if (st.isDirectory()) await walk(r);
    }
  };
  await walk('');
  return out;
}

const dir = (name: string, mode = 0o755) => ({ h: { name, type: 'directory' as const, mode } });
const file = (name: string, data: string, mode = 0o644) => ({ h: { name, type: 'file' as const, mode }, data });

test('changes and the layer round trip: what the container saw is what the new layer gives', async () => {
  const l1 = await layerFrom([
    dir('bin/'),
    file('bin/busybox', 'ELF…'),
    { h: { name: 'bin/sh', type: 'link', linkname: 'bin/busybox' } },
    dir('data/'),
    file('data/modify.txt', 'one\n'),
    file('data/chmod.txt', 'mode\n'),
    file('data/delete.txt', 'bye\n'),
    dir('gone/'),
    file('gone/a', 'a'),
    dir('gone/sub/'),
    file('gone/sub/b', 'b'),
    dir('replace/'),
    file('replace/old1', '1'),
    file('replace/old2', '2'),
    dir('keep/'),
    file('keep/same.txt', 'same'),
    { h: { name: 'link', type: 'symlink', linkname: 'data/modify.txt' } },
  ]);
  const { upper, merged } = await container([l1]);
  await writeFile(join(merged, 'data/new.txt'), 'new\n');
  await setAttribute(join(merged, 'data/new.txt'), 'user.test', 'hello');
  await link(join(merged, 'data/new.txt'), join(merged, 'data/new-link.txt'));
  await appendFile(join(merged, 'data/modify.txt'), 'two\n');
  await chmod(join(merged, 'data/chmod.txt'), 0o600);
  await unlink(join(merged, 'data/delete.txt'));
  await rm(join(merged, 'gone'), { recursive: true });
  await rm(join(merged, 'replace'), { recursive: true });
  await mkdir(join(merged, 'replace'));
  await writeFile(join(merged, 'replace/fresh'), 'fresh');
  await mkdir(join(merged, 'newdir/sub'), { recursive: true });
  await writeFile(join(merged, 'newdir/sub/f'), 'f');
  await symlink('/data', join(merged, 'newlink'));
  await symlink('/', join(merged, 'newdir/evil'));

  const changes = await upperChanges(upper, [l1]);
  const show = (cs: Change[]) => cs.map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
  assert.deepEqual(show(changes), [
    'C /data',
    'C /data/chmod.txt',
    'D /data/delete.txt',
    'C /data/modify.txt',
    'A /data/new-link.txt',
    'A /data/new.txt',
    'D /gone',
    'A /newdir',
    'A /newdir/evil',
    'A /newdir/sub',
    'A /newdir/sub/f',
    'A /newlink',
    'C /replace',
    'A /replace/fresh',
    'D /replace/old1',
    'D /replace/old2',
  ]);
  assert.equal(changes[0]!.Kind, ChangeKind.Modify);

  const seen = await listing(merged);
  const layer = await layerTar(upper, [l1]);
  assert.deepEqual(await tarNames(layer), [
    'directory:data/',
    'file:data/chmod.txt',
    'file:data/.wh.delete.txt',
    'file:data/modify.txt',
    'file:data/new-link.txt',
    'link:data/new.txt->data/new-link.txt',
    'file:.wh.gone',
    'directory:newdir/',
    'symlink:newdir/evil->/',
    'directory:newdir/sub/',
    'file:newdir/sub/f',
    'symlink:newlink->/data',
    'directory:replace/',
    'file:replace/.wh..wh..opq',
    'file:replace/fresh',
  ]);
  const l2 = join(base, `layer-${++n}`);
  await mkdir(l2);
  await applyLayer(Readable.from([layer]), l2);
  assert.deepEqual(await listing(await readOnlyView([l2, l1])), seen);
});

test('no changes: no entries, and the layer is the empty tar', async () => {
  const l1 = await layerFrom([dir('etc/'), file('etc/passwd', 'root\n')]);
  const { upper } = await container([l1]);
  assert.deepEqual(await upperChanges(upper, [l1]), []);
  const layer = await layerTar(upper, [l1]);
  assert.deepEqual(layer, Buffer.alloc(1024));
});

test("the runtime's mount points are neither changes nor layer content", async () => {
  const l1 = await layerFrom([dir('etc/'), file('etc/passwd', 'root\n'), dir('tmp/', 0o1777)]);
  const { upper, merged } = await container([l1]);
  const points = ['/proc', '/sys', '/dev', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf'];
  // What runc does for an image without these.
  for (const d of ['proc', 'sys', 'dev']) await mkdir(join(merged, d));
  for (const f of ['hostname', 'hosts', 'resolv.conf']) await writeFile(join(merged, 'etc', f), '');
  assert.deepEqual(await upperChanges(upper, [l1], { mountPoints: points }), []);
  assert.deepEqual(await layerTar(upper, [l1], points), Buffer.alloc(1024));

  // Real changes next to them are still seen, and a mount point with content is a real change too.
  await writeFile(join(merged, 'tmp/a.txt'), 'a');
  await writeFile(join(merged, 'etc/hosts'), '127.0.0.1 x\n');
  const show = (await upperChanges(upper, [l1], { mountPoints: points })).map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
  assert.deepEqual(show, ['C /etc', 'A /etc/hosts', 'C /tmp', 'A /tmp/a.txt']);
  assert.deepEqual(await tarNames(await layerTar(upper, [l1], points)), ['directory:etc/', 'file:etc/hosts', 'directory:tmp/', 'file:tmp/a.txt']);
});

test('lower layers: whiteouts and opaque directories below decide what counts as added', async () => {
  const l1 = await layerFrom([dir('a/'), file('a/old', 'x'), file('was', 'x'), dir('o/'), file('o/hidden', 'h')]);
  const l2 = await layerFrom([file('.wh.was', ''), dir('o/'), file('o/.wh..wh..opq', ''), file('o/kept', 'k')]);
  const { upper, merged } = await container([l2, l1]);
  await writeFile(join(merged, 'was'), 'again');
  await rm(join(merged, 'o'), { recursive: true });
  await mkdir(join(merged, 'o'));
  const show = (await upperChanges(upper, [l2, l1])).map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
  // `was` was deleted by l2, so writing it adds it; the opaque `o` hides only l2's `kept`.
  assert.deepEqual(show, ['C /o', 'D /o/kept', 'A /was']);
});

test('symlinks in the upper dir are archived as links, never followed', async () => {
  const l1 = await layerFrom([dir('etc/')]);
  const { upper, merged } = await container([l1]);
  await symlink('/etc', join(merged, 'hostetc'));
  await symlink('../../../../../../../etc/passwd', join(merged, 'etc/shadow'));
  const names = await tarNames(await layerTar(upper, [l1]));
  assert.deepEqual(names, ['directory:etc/', 'symlink:etc/shadow->../../../../../../../etc/passwd', 'symlink:hostetc->/etc']);
});

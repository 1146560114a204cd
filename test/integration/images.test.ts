/**
 * Images on a real daemon: load/save round trips checked by skopeo, import with changes, layer
 * sharing on disk, tags and removal with Docker's rules, prune and garbage collection.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxTar, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { api } from '../helpers/api.js';
import { makeImageArchive, makeTar, sha256 } from '../helpers/tarball.js';

let d: TestDaemon;
let work: string;

before(async () => {
  d = await startDaemon();
  work = mkdtempSync(join(tmpdir(), 'berth-images-'));
});

after(async () => {
  rmSync(work, { recursive: true, force: true });
  assert.deepEqual(await d.cleanup(), []);
});

function layerDirs(): Array<{ chainId: string; diffId: string }> {
  const root = join(d.dataRoot, 'overlay');
  return readdirSync(root)
    .filter((n) => existsSync(join(root, n, 'meta.json')))
    .map((n) => JSON.parse(readFileSync(join(root, n, 'meta.json'), 'utf8')) as { chainId: string; diffId: string });
}

const busyboxDiffId = () => {
  const manifest = JSON.parse(execFileSync('tar', ['-xOf', busyboxTar, 'manifest.json'], { encoding: 'utf8' })) as Array<{ Layers: string[] }>;
  return `sha256:${manifest[0]!.Layers[0]!.split('/').pop()}`;
};

test('images lists the loaded busybox with Docker\'s columns and size', async () => {
  const r = await d.docker(['images']);
  assert.equal(r.code, 0, r.stderr);
  const [header, row] = r.stdout.trim().split('\n');
  assert.equal(header, 'REPOSITORY   TAG       IMAGE ID       CREATED        SIZE');
  assert.match(row!, /^busybox\s+latest\s+[0-9a-f]{12}\s+.+ago\s+\d+(\.\d+)?MB$/);
  const inspect = (await api(d.socket, 'GET', '/images/busybox/json')).json<{ RepoTags: string[]; RootFS: { Layers: string[] }; Config: { Cmd: string[] } }>();
  assert.deepEqual(inspect.RepoTags, ['busybox:latest']);
  assert.deepEqual(inspect.RootFS.Layers, [busyboxDiffId()]);
  assert.deepEqual(inspect.Config.Cmd, ['sh']);
});

test('a base layer shared by two images exists once on disk', async () => {
  const extra = await makeTar([{ name: 'etc/' }, { name: 'etc/extra.txt', content: 'from layer two\n' }]);
  const busyboxLayer = execFileSync('tar', ['-xOf', busyboxTar, `blobs/sha256/${busyboxDiffId().slice(7)}`], { maxBuffer: 64 << 20 });
  const archive = await makeImageArchive({ layers: [busyboxLayer, extra], tag: 'berthtest/two:1', cmd: ['cat', '/etc/extra.txt'] });
  writeFileSync(join(work, 'two.tar'), archive);
  const before = layerDirs().length;
  const load = await d.docker(['load', '-i', join(work, 'two.tar')]);
  assert.equal(load.stdout.trim(), 'Loaded image: berthtest/two:1');
  const layers = layerDirs();
  assert.equal(layers.length, before + 1, 'only the new top layer was extracted');
  assert.equal(layers.filter((l) => l.diffId === busyboxDiffId()).length, 1);
  const run = await d.docker(['run', '--rm', 'berthtest/two:1']);
  assert.equal(run.stdout, 'from layer two\n');
  const ls = await d.docker(['run', '--rm', 'berthtest/two:1', 'ls', '/bin/busybox']);
  assert.equal(ls.stdout, '/bin/busybox\n');
});

test('save writes an archive skopeo reads, and loading it back gives the same image id', async () => {
  const out = join(work, 'saved.tar');
  const save = await d.docker(['save', '-o', out, 'berthtest/two:1']);
  assert.equal(save.code, 0, save.stderr);
  const sk = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${out}`], { encoding: 'utf8' })) as { Layers: string[] };
  const id = (await api(d.socket, 'GET', '/images/berthtest/two:1/json')).json<{ Id: string; RootFS: { Layers: string[] } }>();
  assert.deepEqual(sk.Layers, id.RootFS.Layers);
  const oci = JSON.parse(execFileSync('skopeo', ['inspect', `oci-archive:${out}`], { encoding: 'utf8' })) as { Layers: string[] };
  assert.deepEqual(oci.Layers, id.RootFS.Layers);
  assert.equal((await d.docker(['rmi', 'berthtest/two:1'])).code, 0);
  assert.equal((await api(d.socket, 'GET', `/images/${id.Id}/json`)).status, 404);
  const reload = await d.docker(['load', '-i', out]);
  assert.equal(reload.code, 0, reload.stderr);
  assert.equal((await api(d.socket, 'GET', '/images/berthtest/two:1/json')).json<{ Id: string }>().Id, id.Id);
});

test('import a root file system tar (plain and gzip) with changes; history shows it', async () => {
  const busybox = readFileSync('/bin/busybox');
  const rootfs = await makeTar([
    { name: 'bin/' },
    { name: 'bin/busybox', content: busybox, mode: 0o755 },
    { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
    { name: 'bin/echo', type: 'link', linkname: 'bin/busybox' },
    { name: 'hello.txt', content: 'imported\n' },
  ]);
  writeFileSync(join(work, 'rootfs.tar.gz'), gzipSync(rootfs));
  const r = await d.docker(['import', '-c', 'CMD ["/bin/sh", "-c", "cat /hello.txt; echo $FOO"]', '-c', 'ENV FOO=bar', '-m', 'from a test', join(work, 'rootfs.tar.gz'), 'berthtest/imp:tag1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
  const run = await d.docker(['run', '--rm', 'berthtest/imp:tag1']);
  assert.equal(run.stdout, 'imported\nbar\n');
  const inspect = (await api(d.socket, 'GET', '/images/berthtest/imp:tag1/json')).json<{ RootFS: { Layers: string[] } }>();
  assert.deepEqual(inspect.RootFS.Layers, [sha256(rootfs)], 'diff id is the uncompressed tar digest');
  const history = await d.docker(['history', 'berthtest/imp:tag1']);
  assert.match(history.stdout, /from a test/);
  const noCmd = await d.docker(['import', join(work, 'rootfs.tar.gz'), 'berthtest/imp:nocmd']);
  assert.equal(noCmd.code, 0, noCmd.stderr);
  const fail = await d.docker(['run', '--rm', 'berthtest/imp:nocmd']);
  assert.equal(fail.code, 125);
  assert.match(fail.stderr, /No command specified/);
  const badChange = await d.docker(['import', '-c', 'RUN echo no', join(work, 'rootfs.tar.gz')]);
  assert.notEqual(badChange.code, 0);
  assert.match(badChange.stderr, /run is not a valid change command/);
  await d.docker(['rmi', 'berthtest/imp:tag1', 'berthtest/imp:nocmd']);
});

test('tag and rmi follow Docker\'s rules; removing the last image frees its layers', async () => {
  assert.equal((await d.docker(['tag', 'busybox', 'berthtest/bb:t1'])).code, 0);
  assert.equal((await d.docker(['tag', 'busybox', 'berthtest/bb:t2'])).code, 0);
  const untag = await d.docker(['rmi', 'berthtest/bb:t1']);
  assert.equal(untag.stdout.trim(), 'Untagged: berthtest/bb:t1');
  const bbId = (await api(d.socket, 'GET', '/images/busybox/json')).json<{ Id: string }>().Id;
  const multi = await d.docker(['rmi', bbId.slice(7, 19)]);
  assert.notEqual(multi.code, 0);
  assert.match(multi.stderr, /must be forced\) - image is referenced in multiple repositories/);
  await d.docker(['create', '--name', 'user', 'berthtest/bb:t2', 'true']);
  await d.docker(['rmi', 'busybox']);
  const inUse = await d.docker(['rmi', 'berthtest/bb:t2']);
  assert.notEqual(inUse.code, 0);
  assert.match(inUse.stderr, /conflict: unable to remove repository reference "berthtest\/bb:t2" \(must force\) - container [0-9a-f]{12} is using its referenced image [0-9a-f]{12}/);
  const forced = await d.docker(['rmi', '-f', 'berthtest/bb:t2']);
  assert.equal(forced.stdout.trim(), 'Untagged: berthtest/bb:t2', 'an image in use is only untagged');
  const dangling = await api(d.socket, 'GET', `/images/json?filters=${encodeURIComponent('{"dangling":["true"]}')}`);
  assert.deepEqual(dangling.json<Array<{ Id: string }>>().map((i) => i.Id), [bbId]);
  await d.docker(['rm', 'user']);
  // Put busybox back for other tests, then prune the extra image made above.
  await d.docker(['tag', bbId, 'busybox:latest']);
  await d.docker(['tag', 'busybox', 'berthtest/gone:1']);
  const beforeLayers = layerDirs().length;
  const two = await d.docker(['rmi', 'berthtest/two:1']);
  assert.match(two.stdout, /Untagged: berthtest\/two:1\nDeleted: sha256:/);
  assert.equal(layerDirs().length, beforeLayers - 1, 'the unshared layer was removed, the shared one kept');
  assert.equal((await d.docker(['rmi', 'berthtest/gone:1'])).stdout.trim(), 'Untagged: berthtest/gone:1');
  assert.equal((await d.docker(['run', '--rm', 'busybox', 'true'])).code, 0, 'busybox still runs');
});

test('image prune removes dangling images and their blobs and layers', async () => {
  const layer = await makeTar([{ name: 'only-here.txt', content: 'x\n' }]);
  writeFileSync(join(work, 'dangling.tar'), await makeImageArchive({ layers: [layer] }));
  const load = await d.docker(['load', '-i', join(work, 'dangling.tar')]);
  assert.match(load.stdout, /^Loaded image ID: sha256:[0-9a-f]{64}$/m);
  const blobsBefore = readdirSync(join(d.dataRoot, 'blobs', 'sha256')).length;
  const prune = await api(d.socket, 'POST', '/images/prune');
  assert.equal(prune.status, 200);
  const deleted = prune.json<{ ImagesDeleted: Array<Record<string, string>> }>().ImagesDeleted;
  assert.ok(deleted.some((x) => x['Deleted']));
  assert.equal(readdirSync(join(d.dataRoot, 'blobs', 'sha256')).length, blobsBefore - 2, 'config and layer blob removed');
  assert.ok(!layerDirs().some((l) => l.diffId === sha256(layer)));
});

test('system df reports images, containers and layer size', async () => {
  const r = await api(d.socket, 'GET', '/system/df');
  const df = r.json<{ LayersSize: number; Images: Array<{ RepoTags: string[]; Size: number }>; Containers: unknown[] }>();
  assert.ok(df.LayersSize > 1_000_000);
  assert.ok(df.Images.some((i) => i.RepoTags.includes('busybox:latest') && i.Size > 1_000_000));
  const cli = await d.docker(['system', 'df']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE/);
});

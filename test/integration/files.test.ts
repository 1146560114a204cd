/**
 * The archive endpoints (`HEAD`/`GET`/`PUT /containers/{id}/archive`) and export, through the raw
 * API against a test daemon with real containers — including a hostile image whose symlinks point
 * at the host, and a sentinel directory on the host that must be neither read nor written.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { api, eventually } from '../helpers/api.js';
import { mountsUnder, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeImageArchive, makeTar, type TarEntry } from '../helpers/tarball.js';

let d: TestDaemon;
let sentinelDir: string;
const secret = 'HOST-SECRET-do-not-leak\n';

interface Entry {
  name: string;
  type: string;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  body: Buffer;
}

async function untar(buf: Buffer): Promise<Entry[]> {
  const out: Entry[] = [];
  const ex = tar.extract();
  Readable.from([buf]).pipe(ex as unknown as NodeJS.WritableStream);
  for await (const e of ex) {
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c as Buffer);
    const h = e.header;
    out.push({ name: h.name, type: h.type, linkname: h.linkname ?? '', mode: h.mode, uid: h.uid, gid: h.gid, body: Buffer.concat(chunks) });
  }
  return out;
}

function decodeStat(h: string | string[] | undefined): { name: string; size: number; mode: number; mtime: string; linkTarget: string } {
  assert.equal(typeof h, 'string', 'X-Docker-Container-Path-Stat is missing');
  return JSON.parse(Buffer.from(h as string, 'base64').toString('utf8'));
}

const q = (p: string) => encodeURIComponent(p);
const head = (c: string, p: string) => api(d.socket, 'HEAD', `/v1.41/containers/${c}/archive?path=${q(p)}`);
const get = (c: string, p: string) => api(d.socket, 'GET', `/v1.41/containers/${c}/archive?path=${q(p)}`);
const put = (c: string, p: string, body: Buffer, extra = '') => api(d.socket, 'PUT', `/v1.41/containers/${c}/archive?path=${q(p)}${extra}`, body, { 'Content-Type': 'application/x-tar' });

async function sh(name: string, script: string): Promise<string> {
  const r = await d.docker(['exec', name, 'sh', '-c', script]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

function sentinelUntouched(): void {
  assert.deepEqual(readdirSync(sentinelDir).sort(), ['dir', 'secret.txt']);
  assert.equal(readFileSync(`${sentinelDir}/secret.txt`, 'utf8'), secret);
  assert.equal(statSync(`${sentinelDir}/secret.txt`).nlink, 1, 'a hard link to the host file was made');
  assert.deepEqual(readdirSync(`${sentinelDir}/dir`), []);
}

before(async () => {
  d = await startDaemon();
  sentinelDir = mkdtempSync('/tmp/berth-sentinel-');
  writeFileSync(`${sentinelDir}/secret.txt`, secret);
  (await import('node:fs')).mkdirSync(`${sentinelDir}/dir`);
});

after(async () => {
  await rm(sentinelDir, { recursive: true, force: true });
  assert.deepEqual(await d.cleanup(), []);
});

test('HEAD gives the stat header: Go file modes, RFC 3339 mtime, link targets; 404 and 400 in Docker\'s words', async () => {
  const r = await d.docker(['run', '-d', '--name', 'st', 'busybox', 'sh', '-c', 'mkdir -p /data && echo hello > /data/f && chmod 4751 /data/f && ln -s /data/f /data/link && ln -s ../nowhere /data/broken && mkfifo /data/fifo && chmod 1777 /data && sleep 600']);
  assert.equal(r.code, 0, r.stderr);
  await sh('st', 'while [ ! -p /data/fifo ]; do sleep 0.05; done');
  const dir = await head('st', '/data');
  assert.equal(dir.status, 200);
  const ds = decodeStat(dir.headers['x-docker-container-path-stat']);
  assert.equal(ds.name, 'data');
  assert.equal(ds.mode, 2 ** 31 + 2 ** 20 + 0o777, 'directory bit, sticky bit, 0777');
  assert.match(ds.mtime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/);
  assert.equal(ds.linkTarget, '');
  const file = decodeStat((await head('st', '/data/f')).headers['x-docker-container-path-stat']);
  assert.deepEqual({ name: file.name, size: file.size, mode: file.mode }, { name: 'f', size: 6, mode: 2 ** 23 + 0o751 });
  const link = decodeStat((await head('st', '/data/link')).headers['x-docker-container-path-stat']);
  assert.equal(link.mode, 2 ** 27 + 0o777);
  assert.equal(link.linkTarget, '/data/f');
  assert.equal(link.size, '/data/f'.length);
  const broken = decodeStat((await head('st', '/data/broken')).headers['x-docker-container-path-stat']);
  assert.equal(broken.linkTarget, '/nowhere');
  const fifo = decodeStat((await head('st', '/data/fifo')).headers['x-docker-container-path-stat']);
  assert.equal(fifo.mode, 2 ** 25 + 0o644);
  // A trailing slash follows the link, as lstat does.
  const slash = await head('st', '/bin/');
  assert.equal(decodeStat(slash.headers['x-docker-container-path-stat']).name, 'bin');

  const missing = await get('st', '/data/nope');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json(), { message: 'Could not find the file /data/nope in container st' });
  assert.equal((await head('st', '/data/nope')).status, 404);
  const empty = await get('st', '');
  assert.equal(empty.status, 400);
  assert.deepEqual(empty.json(), { message: 'bad parameter: path cannot be empty' });
  const noCtr = await head('nosuch', '/');
  assert.equal(noCtr.status, 404);
  // A relative path is taken from the root, as dockerd does.
  assert.equal(decodeStat((await head('st', 'data/f')).headers['x-docker-container-path-stat']).size, 6);
});

test('GET names the tar after the base name; a trailing /. gives the contents; files keep modes and hard links', async () => {
  await sh('st', 'mkdir -p /data/sub && echo x > /data/sub/x && ln /data/sub/x /data/sub/hard');
  const f = await get('st', '/data/f');
  assert.equal(f.status, 200);
  assert.equal(f.headers['content-type'], 'application/x-tar');
  assert.equal(decodeStat(f.headers['x-docker-container-path-stat']).name, 'f');
  const fe = await untar(f.body);
  assert.deepEqual(fe.map((e) => [e.name, e.type, e.mode, e.body.toString()]), [['f', 'file', 0o4751, 'hello\n']]);

  const dir = await untar((await get('st', '/data/sub')).body);
  assert.deepEqual(dir.map((e) => [e.name, e.type]), [['sub/', 'directory'], ['sub/hard', 'file'], ['sub/x', 'link']]);
  assert.equal(dir[2]!.linkname, 'sub/hard');

  const trailing = await untar((await get('st', '/data/sub/')).body);
  assert.deepEqual(trailing.map((e) => e.name), ['sub/', 'sub/hard', 'sub/x']);

  const dot = await get('st', '/data/sub/.');
  assert.equal(decodeStat(dot.headers['x-docker-container-path-stat']).name, '.');
  assert.deepEqual((await untar(dot.body)).map((e) => e.name), ['./', './hard', './x']);

  const link = await untar((await get('st', '/data/link')).body);
  assert.deepEqual(link.map((e) => [e.name, e.type, e.linkname]), [['link', 'symlink', '/data/f']]);

  const notDir = await get('st', '/data/f/');
  assert.equal(notDir.status, 500);
  assert.match(notDir.json<{ message: string }>().message, /not a directory/);
});

test('the network files show what the container sees (their mount sources), as in dockerd', async () => {
  const etc = await untar((await get('st', '/etc')).body);
  const hostname = etc.find((e) => e.name === 'etc/hostname');
  assert.ok(hostname, 'etc/hostname missing');
  const inside = await sh('st', 'cat /etc/hostname');
  assert.equal(hostname.body.toString(), inside);
  assert.ok(inside.length > 1);
  const hosts = await untar((await get('st', '/etc/hosts')).body);
  assert.match(hosts[0]!.body.toString(), /localhost/);
});

test('PUT extracts into a directory, merges directories, replaces files; with noOverwriteDirNonDir it refuses dir/non-dir swaps', async () => {
  const body = await makeTar([
    { name: 'new/', type: 'directory', mode: 0o750 },
    { name: 'new/a.txt', content: 'A' },
    { name: 'f', content: 'replaced', mode: 0o600 },
  ]);
  const r = await put('st', '/data', body, '&noOverwriteDirNonDir=true');
  assert.equal(r.status, 200, r.text());
  assert.equal(r.body.length, 0);
  assert.equal(await sh('st', 'cat /data/new/a.txt /data/f; stat -c %a /data/new /data/f'), 'Areplaced750\n600\n');

  const fileOverDir = await put('st', '/data', await makeTar([{ name: 'fresh', content: 'x' }, { name: 'new', content: 'x' }]), '&noOverwriteDirNonDir=true');
  assert.equal(fileOverDir.status, 500);
  assert.deepEqual(fileOverDir.json(), { message: 'cannot overwrite directory "new" with non-directory "/data"' });
  const dirOverFile = await put('st', '/data', await makeTar([{ name: 'f/', type: 'directory' }]), '&noOverwriteDirNonDir=true');
  assert.deepEqual(dirOverFile.json(), { message: 'cannot overwrite non-directory "f" with directory "/data"' });
  assert.equal(await sh('st', 'cat /data/new/a.txt /data/f; ls /data/fresh 2>/dev/null || echo no-fresh'), 'Areplacedno-fresh\n', 'a refused PUT changed something');

  // Without the flag dockerd replaces either way.
  assert.equal((await put('st', '/data', await makeTar([{ name: 'new', content: 'now a file' }]))).status, 200);
  assert.equal(await sh('st', 'cat /data/new'), 'now a file');

  const notDir = await put('st', '/data/f', body);
  assert.equal(notDir.status, 400);
  assert.deepEqual(notDir.json(), { message: 'extraction point is not a directory' });
  const missing = await put('st', '/nope', body);
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json(), { message: 'Could not find the file /nope in container st' });
  // The destination may be a symlink to a directory: it is followed.
  assert.equal((await put('st', '/data/sub2link', body)).status, 404);
  await sh('st', 'ln -s /data/sub /data/sub2link');
  assert.equal((await put('st', '/data/sub2link', await makeTar([{ name: 'via-link', content: 'L' }]))).status, 200);
  assert.equal(await sh('st', 'cat /data/sub/via-link'), 'L');
});

test('PUT keeps the tar\'s owners; copyUIDGID gives the container user\'s', async () => {
  const owned = await makeTarOwned([{ name: 'owned.txt', content: 'o', uid: 1234, gid: 5678 }]);
  assert.equal((await put('st', '/data', owned)).status, 200);
  assert.equal(await sh('st', 'stat -c %u:%g /data/owned.txt'), '1234:5678\n');
  const c = await d.docker(['run', '-d', '--name', 'usr', '--user', 'nobody', 'busybox', 'sleep', '600']);
  assert.equal(c.code, 0, c.stderr);
  assert.equal((await put('usr', '/tmp', owned, '&copyUIDGID=true')).status, 200);
  const nobody = (await sh('usr', 'id -u; id -g')).split('\n');
  assert.equal(await sh('usr', 'stat -c %u:%g /tmp/owned.txt'), `${nobody[0]}:${nobody[1]}\n`);
  await d.docker(['rm', '-f', 'usr']);
});

async function makeTarOwned(entries: Array<{ name: string; content: string; uid: number; gid: number }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, mode: 0o644, uid: e.uid, gid: e.gid, mtime: new Date(1_700_000_000_000) }, e.content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('a stopped container can be read and written; a read-only rootfs refuses writes', async () => {
  const c = await d.docker(['run', '--name', 'stopped', 'busybox', 'sh', '-c', 'echo kept > /kept']);
  assert.equal(c.code, 0, c.stderr);
  const got = await untar((await get('stopped', '/kept')).body);
  assert.equal(got[0]!.body.toString(), 'kept\n');
  assert.equal((await put('stopped', '/', await makeTar([{ name: 'added', content: 'in while stopped' }]))).status, 200);
  const out = await d.docker(['start', '-a', 'stopped']);
  assert.equal(out.code, 0, out.stderr);
  const again = await untar((await get('stopped', '/added')).body);
  assert.equal(again[0]!.body.toString(), 'in while stopped');

  const ro = await d.docker(['create', '--name', 'ro', '--read-only', 'busybox', 'true']);
  assert.equal(ro.code, 0, ro.stderr);
  const refused = await put('ro', '/tmp', await makeTar([{ name: 'x', content: 'x' }]));
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.json(), { message: 'container rootfs is marked read-only' });
  assert.equal((await head('ro', '/tmp/x')).status, 404);
  assert.equal((await get('ro', '/bin/busybox')).status, 200, 'reading a read-only container is fine');
});

test('PUT refuses entries that climb out and hard links to outside files', async () => {
  const climbing = await put('st', '/data', await makeTar([{ name: 'written-first', content: 'x' }, { name: '../../../../../../../..' + sentinelDir + '/pwned', content: 'x' }]));
  assert.equal(climbing.status, 500);
  assert.match(climbing.json<{ message: string }>().message, /^invalid entry name "\.\.\//);
  const hard = await put('st', '/data', await makeTar([{ name: 'h', type: 'link', linkname: '../../../../../../..' + sentinelDir + '/secret.txt' }]));
  assert.equal(hard.status, 500);
  assert.match(hard.json<{ message: string }>().message, /^invalid hardlink target/);
  // The whole archive is checked before anything is written: bad input changes nothing.
  assert.equal((await head('st', '/data/written-first')).status, 404);
  const id = (await d.docker(['inspect', '-f', '{{.Id}}', 'st'])).stdout.trim();
  assert.deepEqual(readdirSync(`${d.dataRoot}/containers/${id}`).filter((n) => n.startsWith('.archive-')), [], 'a spooled body was left behind');
  sentinelUntouched();
});

test('hostile image: symlinks to /, ../.., and host paths resolve inside the container, for GET and PUT', async () => {
  const layer = await makeTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
    { name: 'escape', type: 'symlink', linkname: '/' },
    { name: 'up', type: 'symlink', linkname: '../../../../../../../..' },
    { name: 'etc/hostfile', type: 'symlink', linkname: `${sentinelDir}/secret.txt` },
    { name: 'etc/uphost', type: 'symlink', linkname: `../../../../../../..${sentinelDir}/secret.txt` },
    { name: 'd', type: 'symlink', linkname: sentinelDir },
    { name: 'updir', type: 'symlink', linkname: `../../../../../../..${sentinelDir}/dir` },
  ] satisfies TarEntry[]);
  const archive = await makeImageArchive({ layers: [layer], tag: 'berthtest/hostile:1', cmd: ['/nothing'] });
  const load = await d.docker(['load'], { input: archive });
  assert.equal(load.code, 0, load.stderr);
  const created = await d.docker(['create', '--name', 'hostile', 'berthtest/hostile:1']);
  assert.equal(created.code, 0, created.stderr);

  // Reads.
  for (const p of [`/escape${sentinelDir}/secret.txt`, `/up${sentinelDir}/secret.txt`, '/etc/hostfile/', '/d/secret.txt', `/updir/../secret.txt`, '/etc/uphost/']) {
    const r = await get('hostile', p);
    assert.ok(r.status === 404 || r.status === 500, `${p}: ${r.status}`);
    assert.ok(!r.body.includes('HOST-SECRET'), `${p} leaked the host file`);
  }
  const hf = await head('hostile', '/etc/hostfile');
  assert.equal(hf.status, 200, JSON.stringify(hf.headers));
  const link = decodeStat(hf.headers['x-docker-container-path-stat']);
  assert.equal(link.linkTarget, `${sentinelDir}/secret.txt`, 'the target is a path in the container');
  const up = decodeStat((await head('hostile', '/etc/uphost')).headers['x-docker-container-path-stat']);
  assert.equal(up.linkTarget, `${sentinelDir}/secret.txt`);
  const whole = await untar((await get('hostile', '/escape/')).body);
  assert.deepEqual(whole.map((e) => e.name).sort(), ['escape/', 'escape/d', 'escape/escape', 'escape/etc/', 'escape/etc/hostfile', 'escape/etc/passwd', 'escape/etc/uphost', 'escape/up', 'escape/updir']);
  const viaUp = await untar((await get('hostile', '/up/.')).body);
  assert.ok(viaUp.every((e) => !e.body.includes('HOST-SECRET')));
  assert.ok(viaUp.some((e) => e.name === './etc/passwd'), 'the root seen through ../.. is the container\'s');

  // Writes: through every link, into the container only.
  assert.equal((await put('hostile', '/d', await makeTar([{ name: 'x', content: 'x' }]))).status, 404, 'the host dir is not in the container');
  assert.equal((await put('hostile', '/updir', await makeTar([{ name: 'x', content: 'x' }]))).status, 404);
  const through = await makeTar([
    { name: `escape${sentinelDir}/secret.txt`, content: 'PWNED-1' },
    { name: `up${sentinelDir}/dir/p2`, content: 'PWNED-2' },
    { name: 'etc/hostfile', content: 'PWNED-3' },
    { name: 'updir/p4', content: 'PWNED-4' },
    { name: 'evil', type: 'symlink', linkname: sentinelDir },
    { name: 'evil/p5', content: 'PWNED-5' },
    { name: 'hl', type: 'link', linkname: 'etc/hostfile' },
  ]);
  const w = await put('hostile', '/', through);
  assert.equal(w.status, 200, w.text());
  sentinelUntouched();
  // Where the writes went: inside the container, as its own links say.
  const check = async (p: string, want: string) => {
    const r = await get('hostile', p);
    assert.equal(r.status, 200, `${p}: ${r.text()}`);
    assert.equal((await untar(r.body))[0]!.body.toString(), want, p);
  };
  await check(`${sentinelDir}/secret.txt`, 'PWNED-1');
  await check(`${sentinelDir}/dir/p2`, 'PWNED-2');
  await check('/etc/hostfile', 'PWNED-3');
  await check(`${sentinelDir}/dir/p4`, 'PWNED-4');
  await check(`${sentinelDir}/p5`, 'PWNED-5');
  await check('/hl', 'PWNED-3');
  sentinelUntouched();
});

test('a running container cannot redirect a copy to the host by swapping a directory for a symlink', async () => {
  const r = await d.docker(['run', '-d', '--name', 'swapper', 'busybox', 'sh', '-c', `mkdir -p /w/real ${sentinelDir}; echo inside > /w/real/f; while true; do mv /w/real /w/tmp; ln -s ${sentinelDir} /w/real; rm /w/real; mv /w/tmp /w/real; done`]);
  assert.equal(r.code, 0, r.stderr);
  const writes = await makeTar([{ name: 'real/dropped', content: 'PWNED' }]);
  // Every answer is whole or a clean error: a lookup racing the swap must fail before the 200.
  for (let i = 0; i < 100; i++) {
    const g = await get('swapper', '/w/real/f');
    assert.ok(!g.body.includes('HOST-SECRET'));
    const dir = await get('swapper', '/w/real');
    assert.ok(dir.status === 200 || dir.status === 404, `${dir.status}`);
    assert.ok(!dir.body.includes('HOST-SECRET'));
    await put('swapper', '/w', writes);
    const s = await get('swapper', '/w/real/secret.txt');
    assert.notEqual(s.status, 200);
  }
  sentinelUntouched();
  await d.docker(['rm', '-f', 'swapper']);
});

test('export streams the merged root file system of a stopped container: additions in, deletions out; an export event', async () => {
  const c = await d.docker(['run', '--name', 'exp', 'busybox', 'sh', '-c', 'echo added > /added.txt; rm /bin/vi']);
  assert.equal(c.code, 0, c.stderr);
  const since = Math.floor(Date.now() / 1000) - 1;
  const r = await api(d.socket, 'GET', '/v1.41/containers/exp/export');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/octet-stream');
  const entries = await untar(r.body);
  const names = entries.map((e) => e.name);
  assert.equal(entries.find((e) => e.name === 'added.txt')?.body.toString(), 'added\n');
  assert.ok(!names.includes('bin/vi'), 'a deleted file was exported');
  assert.ok(names.includes('bin/busybox') && names.includes('bin/sh'));
  assert.ok(names.includes('etc/') && names.includes('proc/'));
  assert.ok(!names.some((n) => n.startsWith('proc/') && n !== 'proc/'), 'nothing below /proc');
  assert.ok(!names.some((n) => n.startsWith('/') || n.startsWith('./')));
  // busybox's names are hard links of one file: stored once, under the first name in walk order.
  const first = entries.find((e) => e.name.startsWith('bin/') && e.type === 'file')!;
  assert.ok(first.body.length > 100_000);
  assert.deepEqual(entries.filter((e) => e.name === 'bin/sh' || e.name === 'bin/busybox').map((e) => [e.type, e.linkname]), [['link', first.name], ['link', first.name]]);
  const ev = await d.docker(['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'container=exp', '--format', '{{.Action}}']);
  assert.ok(ev.stdout.split('\n').includes('export'), ev.stdout);
  // dockerd's events for the archive endpoints.
  const stEvents = await d.docker(['events', '--since', '0', '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'container=st', '--format', '{{.Action}}']);
  assert.ok(stEvents.stdout.split('\n').includes('archive-path'), stEvents.stdout);
  assert.ok(stEvents.stdout.split('\n').includes('extract-to-dir'), stEvents.stdout);
  const missing = await api(d.socket, 'GET', '/v1.41/containers/nosuch/export');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json(), { message: 'No such container: nosuch' });
});

test('a client that leaves mid-stream releases the container (it can be removed, nothing stays mounted)', async () => {
  const c = await d.docker(['run', '--name', 'big', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/big bs=1M count=64 2>/dev/null']);
  assert.equal(c.code, 0, c.stderr);
  const { request } = await import('node:http');
  await new Promise<void>((resolve, reject) => {
    const req = request({ socketPath: d.socket, path: '/v1.41/containers/big/archive?path=/big' }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (e) => (req.destroyed ? resolve() : reject(e)));
    req.end();
  });
  const id = (await d.docker(['inspect', '-f', '{{.Id}}', 'big'])).stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  // A stopped container's root file system stays mounted only while a lease holds it.
  await eventually(async () => !mountsUnder(d.dataRoot).some((m) => m.includes(id)), 10_000, 'the rootfs to be unmounted');
  const rm = await d.docker(['rm', 'big']);
  assert.equal(rm.code, 0, rm.stderr);
});

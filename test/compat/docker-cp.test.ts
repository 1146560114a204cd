/**
 * `docker cp` and `docker export` (the real CLI 28) against berthd: the CLI's own copy rules
 * (SRC_PATH ending in `/.`, DEST with or without `/`, a DEST that does not exist, -a, -L, `-`)
 * only work if the daemon's archive endpoints answer exactly as dockerd's (captures 25*, 26*, 29).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { dockerCli, run, startDaemon, type RunResult, type TestDaemon } from '../helpers/daemon.js';
import { must } from '../helpers/compare.js';
import { makeTar } from '../helpers/tarball.js';

let d: TestDaemon;
let work: string;

before(async () => {
  d = await startDaemon();
  work = mkdtempSync('/tmp/berth-cp-');
  writeFileSync(`${work}/hostfile.txt`, 'from host\n');
  mkdirSync(`${work}/hostdir/sub`, { recursive: true });
  writeFileSync(`${work}/hostdir/a.txt`, 'a\n');
  writeFileSync(`${work}/hostdir/sub/b.txt`, 'b\n');
  await must(d.docker(['run', '-d', '--name', 'web', 'busybox', 'sh', '-c', 'mkdir -p /data && echo inside > /data/f && ln -s /data/f /data/link && sleep 600']));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
  assert.deepEqual(await d.cleanup(), []);
});


async function cat(container: string, path: string): Promise<string> {
  return (await must(d.docker(['exec', container, 'cat', path]))).stdout;
}

async function untarNames(buf: Buffer): Promise<string[]> {
  const names: string[] = [];
  const ex = tar.extract();
  Readable.from([buf]).pipe(ex as unknown as NodeJS.WritableStream);
  for await (const e of ex) {
    names.push(e.header.name);
    e.resume();
  }
  return names;
}

/** The CLI with its stdout going to a file (binary-safe, and not a terminal). */
async function dockerToFile(args: string[], file: string): Promise<RunResult> {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return run('sh', ['-c', `${dockerCli} ${quoted} > '${file}'`], { env: d.env });
}

test('cp a file into a container: to a new name, and into an existing directory with a trailing /', async () => {
  await must(d.docker(['cp', `${work}/hostfile.txt`, 'web:/data/hostfile.txt']));
  assert.equal(await cat('web', '/data/hostfile.txt'), 'from host\n');
  await must(d.docker(['cp', `${work}/hostfile.txt`, 'web:/tmp/']));
  assert.equal(await cat('web', '/tmp/hostfile.txt'), 'from host\n');
  // Over an existing file of another name: it takes the destination's name.
  await must(d.docker(['cp', `${work}/hostfile.txt`, 'web:/data/f']));
  assert.equal(await cat('web', '/data/f'), 'from host\n');
});

test('cp a directory in: DEST missing takes its name, DEST existing gets it inside, SRC/. copies the contents', async () => {
  await must(d.docker(['cp', `${work}/hostdir`, 'web:/newdir']));
  assert.equal(await cat('web', '/newdir/sub/b.txt'), 'b\n');
  await must(d.docker(['cp', `${work}/hostdir`, 'web:/tmp']));
  assert.equal(await cat('web', '/tmp/hostdir/a.txt'), 'a\n');
  await must(d.docker(['exec', 'web', 'mkdir', '/flat']));
  await must(d.docker(['cp', `${work}/hostdir/.`, 'web:/flat']));
  assert.equal((await must(d.docker(['exec', 'web', 'ls', '/flat']))).stdout, 'a.txt\nsub\n');
});

test('cp errors come in Docker\'s words', async () => {
  const missing = await d.docker(['cp', 'web:/nonexistent', `${work}/x`]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error response from daemon: Could not find the file /nonexistent in container web\n');
  const noDir = await d.docker(['cp', `${work}/hostfile.txt`, 'web:/nosuchdir/']);
  assert.equal(noDir.code, 1);
  // The CLI logs its own tar writer noticing the abandoned pipe before the error: only the last line is the error.
  assert.equal(noDir.stderr.split('\n').at(-2), 'no such directory');
  const noParent = await d.docker(['cp', `${work}/hostfile.txt`, 'web:/nosuchdir/x/y']);
  assert.equal(noParent.code, 1);
  assert.equal(noParent.stderr, 'Error response from daemon: Could not find the file /nosuchdir/x in container web\n');
  const dirOverFile = await d.docker(['cp', `${work}/hostdir`, 'web:/data/f']);
  assert.equal(dirOverFile.code, 1);
  assert.equal(dirOverFile.stderr.split('\n').at(-2), 'cannot copy directory');
  const noCtr = await d.docker(['cp', 'nosuch:/x', `${work}/x`]);
  assert.equal(noCtr.code, 1);
  assert.equal(noCtr.stderr, 'Error response from daemon: No such container: nosuch\n');
  assert.ok(!readdirSync(work).includes('x'));
});

test('cp out of a container: file, directory, SRC/. into an existing directory, a symlink with and without -L', async () => {
  await must(d.docker(['exec', 'web', 'sh', '-c', 'mkdir -p /out/deep && echo 1 > /out/one && echo 2 > /out/deep/two && echo linked > /out/target && ln -s /out/target /out/lnk']));
  await must(d.docker(['cp', 'web:/out/one', `${work}/one-copy`]));
  assert.equal(readFileSync(`${work}/one-copy`, 'utf8'), '1\n');
  await must(d.docker(['cp', 'web:/out', `${work}/outdir`]));
  assert.equal(readFileSync(`${work}/outdir/deep/two`, 'utf8'), '2\n');
  mkdirSync(`${work}/existing`);
  await must(d.docker(['cp', 'web:/out', `${work}/existing`]));
  assert.equal(readFileSync(`${work}/existing/out/one`, 'utf8'), '1\n');
  mkdirSync(`${work}/contents`);
  await must(d.docker(['cp', 'web:/out/.', `${work}/contents`]));
  assert.deepEqual(readdirSync(`${work}/contents`).sort(), ['deep', 'lnk', 'one', 'target']);
  await must(d.docker(['cp', 'web:/out/lnk', `${work}/nofollow`]));
  assert.equal(readlinkSync(`${work}/nofollow`), '/out/target');
  await must(d.docker(['cp', '-L', 'web:/out/lnk', `${work}/follow`]));
  assert.ok(statSync(`${work}/follow`).isFile());
  assert.equal(readFileSync(`${work}/follow`, 'utf8'), 'linked\n');
  // The network files are what the container sees.
  await must(d.docker(['cp', 'web:/etc/hostname', `${work}/hostname`]));
  assert.equal(readFileSync(`${work}/hostname`, 'utf8'), await cat('web', '/etc/hostname'));
});

test('cp with - : a tar on stdout, a tar from stdin (into a directory only)', async () => {
  const out = await dockerToFile(['cp', 'web:/out', '-'], `${work}/out.tar`);
  assert.equal(out.code, 0, out.stderr);
  assert.deepEqual(await untarNames(readFileSync(`${work}/out.tar`)), ['out/', 'out/deep/', 'out/deep/two', 'out/lnk', 'out/one', 'out/target']);
  const body = await makeTar([{ name: 'stdin-dir/', type: 'directory' }, { name: 'stdin-dir/s.txt', content: 'via stdin' }]);
  await must(d.docker(['cp', '-', 'web:/data'], { input: body }));
  assert.equal(await cat('web', '/data/stdin-dir/s.txt'), 'via stdin');
  const notDir = await d.docker(['cp', '-', 'web:/data/f'], { input: body });
  assert.equal(notDir.code, 1);
  assert.equal(notDir.stderr, 'destination "web:/data/f" must be a directory\n');
});

test('cp -a gives the container user\'s ownership; without it the files keep the host owner', async () => {
  writeFileSync(`${work}/owned.txt`, 'owned\n');
  chownSync(`${work}/owned.txt`, 1234, 5678);
  await must(d.docker(['run', '-d', '--name', 'usr', '--user', '4242:4343', 'busybox', 'sleep', '600']));
  await must(d.docker(['cp', `${work}/owned.txt`, 'usr:/tmp/plain.txt']));
  await must(d.docker(['cp', '-a', `${work}/owned.txt`, 'usr:/tmp/archive.txt']));
  const ids = (await must(d.docker(['exec', 'usr', 'stat', '-c', '%u:%g', '/tmp/plain.txt', '/tmp/archive.txt']))).stdout;
  assert.equal(ids, '1234:5678\n4242:4343\n');
  await must(d.docker(['rm', '-f', 'usr']));
});

test('cp from and into a stopped container', async () => {
  await must(d.docker(['run', '--name', 'done', 'busybox', 'sh', '-c', 'echo left > /left.txt']));
  await must(d.docker(['cp', 'done:/left.txt', `${work}/left.txt`]));
  assert.equal(readFileSync(`${work}/left.txt`, 'utf8'), 'left\n');
  await must(d.docker(['cp', `${work}/hostfile.txt`, 'done:/arrived.txt']));
  const r = await must(d.docker(['start', '-a', 'done']));
  assert.equal(r.stdout, '');
  const back = await dockerToFile(['cp', 'done:/arrived.txt', '-'], `${work}/arrived.tar`);
  assert.equal(back.code, 0, back.stderr);
  assert.deepEqual(await untarNames(readFileSync(`${work}/arrived.tar`)), ['arrived.txt']);
});

test('docker export -o and to stdout give the same root file system', async () => {
  await must(d.docker(['export', '-o', `${work}/web.tar`, 'web']));
  const viaO = await untarNames(readFileSync(`${work}/web.tar`));
  assert.ok(viaO.includes('data/hostfile.txt') && viaO.includes('bin/busybox') && viaO.includes('etc/'));
  const toStdout = await dockerToFile(['export', 'web'], `${work}/web2.tar`);
  assert.equal(toStdout.code, 0, toStdout.stderr);
  const viaStdout = await untarNames(readFileSync(`${work}/web2.tar`));
  assert.deepEqual(viaStdout.filter((n) => !n.startsWith('tmp/')), viaO.filter((n) => !n.startsWith('tmp/')));
  const missing = await d.docker(['export', 'nosuch']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error response from daemon: No such container: nosuch\n');
});

test('timing: copying a 100 MB file out (printed, not asserted)', async () => {
  await must(d.docker(['exec', 'web', 'dd', 'if=/dev/zero', 'of=/big', 'bs=1M', 'count=100']));
  const t0 = performance.now();
  await must(d.docker(['cp', 'web:/big', `${work}/big`]));
  const ms = performance.now() - t0;
  assert.equal(statSync(`${work}/big`).size, 100 * 1024 * 1024);
  const t1 = performance.now();
  await must(d.docker(['cp', `${work}/big`, 'web:/big-in']));
  const inMs = performance.now() - t1;
  console.log(`# docker cp of a 100 MB file: out ${ms.toFixed(0)} ms, in ${inMs.toFixed(0)} ms`);
  await rm(`${work}/big`);
  await must(d.docker(['exec', 'web', 'rm', '/big', '/big-in']));
});

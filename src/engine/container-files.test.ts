import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { TarWriter } from '../image/tree-tar.js';
import { openArchiveSource } from './archive-read.js';
import { extractArchive } from './archive-extract.js';
import { encodePathStat, goFileMode, pathStat } from './path-stat.js';
import { assertsDirectory, baseName, cleanPath, ContainerView, preserveTrailingDotOrSeparator } from './path-view.js';
import { lstatSync } from 'node:fs';

let host: string;
let root: string;
let vol: string;

before(() => {
  host = mkdtempSync('/tmp/berth-view-');
  root = `${host}/rootfs`;
  vol = `${host}/volume`;
  mkdirSync(`${root}/etc`, { recursive: true });
  mkdirSync(`${root}/a/b`, { recursive: true });
  mkdirSync(vol);
  writeFileSync(`${host}/secret`, 'HOST');
  writeFileSync(`${root}/etc/passwd`, 'root:x:0:0::/root:/bin/sh\n');
  writeFileSync(`${vol}/in-volume`, 'V');
  writeFileSync(`${host}/hostsfile`, '127.0.0.1 localhost\n');
  symlinkSync('/', `${root}/escape`);
  symlinkSync('../../../../../..', `${root}/a/b/up`);
  symlinkSync(`${host}/secret`, `${root}/etc/hostlink`);
  symlinkSync('b/up/etc', `${root}/a/etclink`);
  symlinkSync('loop2', `${root}/loop1`);
  symlinkSync('loop1', `${root}/loop2`);
  symlinkSync('/data', `${root}/datalink`);
});

after(() => rmSync(host, { recursive: true, force: true }));

async function open(mounts = [{ destination: '/data', source: vol, writable: true }, { destination: '/etc/hosts', source: `${host}/hostsfile`, writable: true }]) {
  return ContainerView.open(root, mounts);
}

test('Go path helpers: Clean, Base, trailing dot and separator', () => {
  assert.equal(cleanPath('/a/../../b/./c/'), '/b/c');
  assert.equal(cleanPath('a/../../b'), '../b');
  assert.equal(cleanPath(''), '.');
  assert.equal(baseName('/etc/'), 'etc');
  assert.equal(baseName('/'), '/');
  assert.equal(baseName('/etc/.'), '.');
  assert.equal(preserveTrailingDotOrSeparator('/etc', '/etc/.'), '/etc/.');
  assert.equal(preserveTrailingDotOrSeparator('/etc', 'etc/'), '/etc/');
  assert.equal(preserveTrailingDotOrSeparator('/', '/'), '/');
  assert.ok(assertsDirectory('/x/') && assertsDirectory('/x/.') && !assertsDirectory('/x'));
});

test('Go FileMode bits and the stat header', () => {
  assert.equal(goFileMode(0o040755), 2147484141, 'the recorded value for a 0755 directory');
  assert.equal(goFileMode(0o120777), 2 ** 27 + 0o777);
  assert.equal(goFileMode(0o104755), 2 ** 23 + 0o755);
  assert.equal(goFileMode(0o020620), 2 ** 26 + 2 ** 21 + 0o620);
  const st = { ...lstatSync(`${host}/secret`, { bigint: true }), mtimeNs: 1_795_315_176_368_223_875n, size: 4n, mode: 0o100644n };
  const s = pathStat('secret', st as never);
  assert.equal(s.mtime, '2026-11-22T02:39:36.368223875Z');
  assert.equal(Buffer.from(encodePathStat(s), 'base64').toString(), `{"name":"secret","size":4,"mode":420,"mtime":"2026-11-22T02:39:36.368223875Z","linkTarget":""}`);
});

test('symlinks resolve inside the root: /, ../.., and host paths never reach the host', async () => {
  const v = await open();
  try {
    const esc = await v.resolve('/escape/etc/passwd');
    assert.equal(esc.path, '/etc/passwd');
    await esc.dir.close();
    const up = await v.resolve('/a/b/up/etc/passwd');
    assert.equal(up.path, '/etc/passwd');
    await up.dir.close();
    const via = await v.resolve('/a/etclink/passwd');
    assert.equal(via.path, '/etc/passwd');
    await via.dir.close();
    // The host path is looked up in the container, where it does not exist.
    await assert.rejects(v.resolve('/etc/hostlink', { follow: true }).then(async (l) => {
      await ContainerView.stat(l).finally(() => l.dir.close());
    }), { code: 'ENOENT' });
    await assert.rejects(v.resolve('/etc/hostlink/'), { code: 'ENOENT' });
    await assert.rejects(v.resolve('/loop1/x'), { code: 'ELOOP' });
    await assert.rejects(v.resolve('/etc/passwd/x'), { code: 'ENOTDIR' });
    assert.equal(await v.canonical('/etc/hostlink'), `${host}/secret`);
    assert.equal(await v.canonical('/a/b/up'), '/');
    assert.equal(await v.canonical('/a/etclink/passwd'), '/etc/passwd');
  } finally {
    await v.close();
  }
});

test('mounts: a path at or below a mount point continues in its source, also through a symlink', async () => {
  const v = await open();
  try {
    const inVol = await v.resolve('/datalink/in-volume', { follow: true });
    assert.equal(inVol.path, '/data/in-volume');
    assert.equal(inVol.mount?.source, vol);
    const st = await ContainerView.stat(inVol);
    assert.equal(st.size, 1n);
    await inVol.dir.close();
    const hosts = await v.resolve('/etc/hosts');
    assert.equal((await ContainerView.stat(hosts)).size, 20n);
    await hosts.dir.close();
    assert.equal(v.mountCovering('/data/x/y')?.source, vol);
    assert.equal(v.mountCovering('/database'), undefined);
  } finally {
    await v.close();
  }
});

async function tarOf(loc: string, view: ContainerView): Promise<Array<[string, string]>> {
  const tw = new TarWriter();
  const ex = tar.extract();
  const names: Array<[string, string]> = [];
  const reading = (async () => {
    for await (const e of ex) {
      names.push([e.header.name, e.header.type]);
      e.resume();
    }
  })();
  const piping = tw.pipeTo(ex as never);
  const l = await view.resolve(loc);
  const source = await openArchiveSource(view, l, loc);
  await l.dir.close();
  await source.write(tw);
  await source.close();
  tw.finish();
  await piping;
  await reading;
  return names;
}

test('archives name entries as moby does and show mount sources in place', async () => {
  const v = await open();
  try {
    const etc = await tarOf('/etc', v);
    assert.deepEqual(etc, [['etc/', 'directory'], ['etc/hostlink', 'symlink'], ['etc/hosts', 'file'], ['etc/passwd', 'file']]);
    const dot = await tarOf('/a/.', v);
    assert.deepEqual(dot.map((e) => e[0]), ['./', './b/', './b/up', './etclink']);
    const whole = await tarOf('/', v);
    assert.ok(whole.some(([n]) => n === '/data/in-volume'), JSON.stringify(whole));
    assert.equal(whole[0]![0], '/');
  } finally {
    await v.close();
  }
});

async function tarBuffer(entries: Array<{ name: string; type?: tar.Header['type']; linkname?: string; body?: string }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', mode: 0o644, ...(e.linkname && { linkname: e.linkname }) }, e.body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('extraction writes through symlinks inside the root only, refuses names that climb out', async () => {
  const v = await open();
  try {
    const dest = await v.resolve('/a', { follow: true });
    const body = await tarBuffer([
      { name: 'b/up/escaped.txt', body: 'E' },
      { name: '/abs.txt', body: 'A' },
      { name: 'tovol', type: 'symlink', linkname: '/data' },
      { name: 'tovol/written', body: 'W' },
    ]);
    await extractArchive(v, dest, '/a', Readable.from([body]), { noOverwriteDirNonDir: true });
    assert.equal(readFileSync(`${root}/escaped.txt`, 'utf8'), 'E');
    assert.equal(readFileSync(`${root}/a/abs.txt`, 'utf8'), 'A');
    assert.equal(readFileSync(`${vol}/written`, 'utf8'), 'W');
    const bad = await tarBuffer([{ name: '../../x', body: 'x' }]);
    await assert.rejects(extractArchive(v, dest, '/a', Readable.from([bad]), { noOverwriteDirNonDir: true }), { message: 'invalid entry name "../../x"' });
    const badLink = await tarBuffer([{ name: 'l', type: 'link', linkname: '../../../secret' }]);
    await assert.rejects(extractArchive(v, dest, '/a', Readable.from([badLink]), { noOverwriteDirNonDir: true }), { message: 'invalid hardlink target "../../../secret"' });
    await dest.dir.close();
    assert.equal(readFileSync(`${host}/secret`, 'utf8'), 'HOST');
  } finally {
    await v.close();
  }
});

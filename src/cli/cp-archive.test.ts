import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readlink, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { rebaseArchive, tarResource, untar } from './cp-archive.js';

async function tarOf(entries: Array<Partial<tar.Header> & { name: string; body?: string }>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const { body, ...h } of entries) {
    await new Promise<void>((resolve, reject) => pack.entry({ mode: 0o644, ...h }, body ?? '', (e) => (e ? reject(e) : resolve())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function names(archive: Readable): Promise<string[]> {
  const out: string[] = [];
  const ex = tar.extract();
  archive.pipe(ex as unknown as NodeJS.WritableStream);
  for await (const e of ex) {
    out.push(`${e.header.name}${e.header.type === 'symlink' ? ` -> ${e.header.linkname}` : ''}`);
    e.resume();
  }
  return out;
}

test('a host directory is archived under its name, in lexical order, renamed when asked', async (t) => {
  const root = await mkdtemp(`${tmpdir()}/cp-archive-`);
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(`${root}/dir/sub`, { recursive: true });
  await writeFile(`${root}/dir/b.txt`, 'b');
  await writeFile(`${root}/dir/a.txt`, 'a');
  await symlink('a.txt', `${root}/dir/sub/link`);
  assert.deepEqual(await names(tarResource(`${root}/dir`, '')), ['dir/', 'dir/a.txt', 'dir/b.txt', 'dir/sub/', 'dir/sub/link -> a.txt']);
  assert.deepEqual(await names(tarResource(`${root}/dir/.`, '')), ['./', './a.txt', './b.txt', './sub/', './sub/link -> a.txt']);
  assert.deepEqual(await names(rebaseArchive(tarResource(`${root}/dir`, ''), 'dir', 'copy')), ['copy/', 'copy/a.txt', 'copy/b.txt', 'copy/sub/', 'copy/sub/link -> a.txt']);
  assert.deepEqual(await names(tarResource(`${root}/dir/a.txt`, 'renamed')), ['renamed']);
});

test('extraction keeps every entry inside the destination', async (t) => {
  const root = await mkdtemp(`${tmpdir()}/cp-untar-`);
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(`${root}/dest`);
  await mkdir(`${root}/outside`);
  await assert.rejects(untar(Readable.from(await tarOf([{ name: '../escape', body: 'x' }])), `${root}/dest`), /^Error: "\.\.\/escape" is outside of /);
  await assert.rejects(
    untar(Readable.from(await tarOf([{ name: 'l', type: 'symlink', linkname: '../../outside' }])), `${root}/dest`),
    /^Error: invalid symlink /,
  );
  // A link that is itself inside, but leads through an earlier link out of the destination.
  const chained = await tarOf([
    { name: 'abs', type: 'symlink', linkname: `${root}/outside` },
    { name: 'abs/x/planted', body: 'x' },
  ]);
  await assert.rejects(untar(Readable.from(chained), `${root}/dest`), /is outside of/);
  assert.deepEqual(await readdir(`${root}/outside`), []);
  await assert.rejects(
    untar(Readable.from(await tarOf([{ name: 'h', type: 'link', linkname: '../outside/x' }])), `${root}/dest`),
    /^Error: invalid hardlink /,
  );
});

test('extraction writes files, links and modes, and never swaps a directory for a file', async (t) => {
  const root = await mkdtemp(`${tmpdir()}/cp-untar-`);
  t.after(() => rm(root, { recursive: true, force: true }));
  const archive = await tarOf([
    { name: 'd/', type: 'directory', mode: 0o750 },
    { name: 'd/f', body: 'hello', mode: 0o600 },
    { name: 'd/s', type: 'symlink', linkname: 'f' },
    { name: 'd/h', type: 'link', linkname: 'd/f' },
  ]);
  await untar(Readable.from(archive), root);
  assert.equal(await readFile(`${root}/d/f`, 'utf8'), 'hello');
  assert.equal((await lstat(`${root}/d/f`)).mode & 0o777, 0o600);
  assert.equal((await lstat(`${root}/d`)).mode & 0o777, 0o750);
  assert.equal(await readlink(`${root}/d/s`), 'f');
  assert.equal((await lstat(`${root}/d/h`)).nlink, 2);
  await assert.rejects(untar(Readable.from(await tarOf([{ name: 'd', body: 'x' }])), root), /^Error: cannot overwrite directory /);
  await assert.rejects(untar(Readable.from(await tarOf([{ name: 'd/f/', type: 'directory' }])), root), /^Error: cannot overwrite non-directory /);
});

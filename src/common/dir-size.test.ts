import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dirSize } from './dir-size.js';

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-dirsize-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

test('dirSize counts regular files once per inode and ignores links to elsewhere', async () => {
  const root = join(base, 'rw');
  await mkdir(join(root, 'a', 'b'), { recursive: true });
  await writeFile(join(root, 'f1'), Buffer.alloc(100));
  await writeFile(join(root, 'a', 'f2'), Buffer.alloc(20));
  await writeFile(join(root, 'a', 'b', 'f3'), Buffer.alloc(3));
  await link(join(root, 'f1'), join(root, 'a', 'hard'));
  await writeFile(join(base, 'outside'), Buffer.alloc(5000));
  await symlink(join(base, 'outside'), join(root, 'sym'));
  await symlink(base, join(root, 'dirlink'));
  assert.equal(await dirSize(root), 123);
  assert.equal(await dirSize(join(base, 'missing')), 0);
});

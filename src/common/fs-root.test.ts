import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confinedRelativePath, resolveInRoot } from './fs-root.js';
import { isKind } from './errors.js';

let base: string;
let root: string;

/*
 * The tree under root:
 *   etc/passwd                  file
 *   etc/alt -> /etc             absolute link, must stay in root
 *   usr/bin/sh                  file
 *   bin -> usr/bin              relative link
 *   lib -> /usr/lib             absolute link to a missing directory
 *   up -> ../../../..           climbs far above root
 *   a/b/c -> ../../usr          relative link with ..
 *   chain1 -> chain2 -> chain3 -> /etc
 *   loop1 -> loop2 -> loop1
 *   self -> self
 *   file.txt                    file, used as a non-directory in the middle of a path
 *   host -> <base>/outside      absolute link naming the host path of a sibling of root
 */
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-fsroot-'));
  root = join(base, 'root');
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'usr', 'bin'), { recursive: true });
  await mkdir(join(root, 'a', 'b'), { recursive: true });
  await mkdir(join(base, 'outside'));
  await writeFile(join(root, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
  await writeFile(join(root, 'usr', 'bin', 'sh'), '');
  await writeFile(join(root, 'file.txt'), '');
  await symlink('/etc', join(root, 'etc', 'alt'));
  await symlink('usr/bin', join(root, 'bin'));
  await symlink('/usr/lib', join(root, 'lib'));
  await symlink('../../../..', join(root, 'up'));
  await symlink('../../usr', join(root, 'a', 'b', 'c'));
  await symlink('chain2', join(root, 'chain1'));
  await symlink('chain3', join(root, 'chain2'));
  await symlink('/etc', join(root, 'chain3'));
  await symlink('loop2', join(root, 'loop1'));
  await symlink('loop1', join(root, 'loop2'));
  await symlink('self', join(root, 'self'));
  await symlink(join(base, 'outside'), join(root, 'host'));
});

after(async () => {
  await rm(base, { recursive: true, force: true });
});

test('resolveInRoot follows links as if root were /', async () => {
  const cases: Array<[string, string]> = [
    ['/', ''],
    ['', ''],
    ['.', ''],
    ['/etc/passwd', 'etc/passwd'],
    ['etc/passwd', 'etc/passwd'],
    ['//etc///passwd', 'etc/passwd'],
    ['./etc/./passwd', 'etc/passwd'],
    // relative link
    ['/bin/sh', 'usr/bin/sh'],
    ['/bin', 'usr/bin'],
    // absolute link stays inside root
    ['/etc/alt/passwd', 'etc/passwd'],
    ['/etc/alt/alt/alt/passwd', 'etc/passwd'],
    // relative link with .., resolved from the link's directory
    ['/a/b/c/bin/sh', 'usr/bin/sh'],
    // chains
    ['/chain1/passwd', 'etc/passwd'],
    ['/chain1', 'etc'],
    // .. never climbs above root
    ['/..', ''],
    ['/../../../etc/passwd', 'etc/passwd'],
    ['/etc/../../../usr', 'usr'],
    ['/up', ''],
    ['/up/etc/passwd', 'etc/passwd'],
    ['/up/up/up/usr/bin', 'usr/bin'],
    // .. after a link applies to where the link led
    ['/bin/..', 'usr'],
    ['/etc/alt/../usr', 'usr'],
    // an absolute link naming a host path is re-rooted
    ['/host/x', `${base.slice(1)}/outside/x`],
  ];
  for (const [path, rel] of cases) {
    assert.equal(await resolveInRoot(root, path), rel ? join(root, rel) : root, path);
  }
});

test('resolveInRoot allows missing components and reports where they would be', async () => {
  const cases: Array<[string, string]> = [
    ['/missing', 'missing'],
    ['/missing/deeper/file', 'missing/deeper/file'],
    ['/lib/libc.so', 'usr/lib/libc.so'],
    ['/bin/missing', 'usr/bin/missing'],
    ['/missing/../etc', 'etc'],
    // a regular file in the middle of a path is not a link: ENOTDIR is tolerated
    ['/file.txt/below', 'file.txt/below'],
  ];
  for (const [path, rel] of cases) assert.equal(await resolveInRoot(root, path), join(root, rel), path);
});

test('resolveInRoot refuses symlink loops with an invalid-argument error', async () => {
  for (const path of ['/loop1', '/loop2/x', '/self', '/etc/../self/more']) {
    await assert.rejects(
      resolveInRoot(root, path),
      (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === `too many levels of symbolic links resolving ${path}`,
      path,
    );
  }
});

test('resolveInRoot never returns a path outside root', async () => {
  const paths = ['/up/../../..', '../../..', '/host/../../..', '/a/b/c/../../../../..', '/chain1/../../..', '/etc/alt/../../..'];
  for (const p of paths) {
    const r = await resolveInRoot(root, p);
    assert.ok(r === root || r.startsWith(root + '/'), `${p} -> ${r}`);
  }
});

test('confinedRelativePath accepts paths that stay below the root', () => {
  const cases: Array<[string, string]> = [
    ['a', 'a'],
    ['a/b/c', 'a/b/c'],
    ['./a/b', 'a/b'],
    ['/a/b', 'a/b'],
    ['a//b/', 'a/b'],
    ['a/./b', 'a/b'],
    ['a/../b', 'b'],
    ['a/b/../../c', 'c'],
    ['a/..', ''],
    ['', ''],
    ['.', ''],
    ['./', ''],
    ['/', ''],
    ['..a', '..a'],
    ['a..', 'a..'],
    ['.wh..wh..opq', '.wh..wh..opq'],
    ['...', '...'],
  ];
  for (const [input, want] of cases) assert.equal(confinedRelativePath(input), want, input);
});

test('confinedRelativePath refuses paths that climb out', () => {
  for (const input of ['..', '../x', './../x', 'a/../../x', 'a/b/../../../etc/passwd', '/../x', '../', 'a/../..']) {
    assert.equal(confinedRelativePath(input), undefined, input);
  }
});

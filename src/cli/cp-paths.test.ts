import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base, clean, dir, getRebaseName, prepareArchiveCopy, preserveTrailingDotOrSeparator, resolveLocalPath, splitCpArg, splitPathDirEntry } from './cp-paths.js';

test('Go’s filepath rules: Clean, Base, Dir', () => {
  assert.deepEqual(['', '/', '//a//b/', 'a/../..', '/../x', './a/./b/.', 'a/b/..'].map(clean), ['.', '/', '/a/b', '..', '/x', 'a/b', 'a']);
  assert.deepEqual(['', '/', '/a/b/', 'a', '.'].map(base), ['.', '/', 'b', 'a', '.']);
  assert.deepEqual(['a', '/a', 'a/', '/a/b/', ''].map(dir), ['.', '/', 'a', '/a/b', '.']);
});

test('trailing / and /. survive resolution, and say what the copy means', () => {
  assert.equal(resolveLocalPath('dir/.', '/work'), '/work/dir/.');
  assert.equal(resolveLocalPath('dir/', '/work'), '/work/dir/');
  assert.equal(resolveLocalPath('./a/../b', '/work'), '/work/b');
  assert.equal(preserveTrailingDotOrSeparator('/', '/'), '/');
  assert.deepEqual(splitPathDirEntry('/data/.'), { dir: '/data', base: '.' });
  assert.deepEqual(splitPathDirEntry('/data/'), { dir: '/', base: 'data' });
  assert.deepEqual(getRebaseName('/link/', '/real/dir'), { resolved: '/real/dir/', rebaseName: 'link' });
  assert.deepEqual(getRebaseName('/same', '/x/same'), { resolved: '/x/same', rebaseName: '' });
});

test('CONTAINER:PATH or a local path (a local path with : is written ./a:b or /a:b)', () => {
  assert.deepEqual(splitCpArg('web:/etc'), { container: 'web', path: '/etc' });
  assert.deepEqual(splitCpArg('./a:b'), { container: '', path: './a:b' });
  assert.deepEqual(splitCpArg('/x/a:b'), { container: '', path: '/x/a:b' });
  assert.deepEqual(splitCpArg('-'), { container: '', path: '-' });
  assert.deepEqual(splitCpArg('web:'), { container: 'web', path: '' });
});

test('where an archive goes and how it is renamed (go-archive PrepareArchiveCopy)', () => {
  const file = { path: '/h/f.txt', exists: true, isDir: false, rebaseName: '' };
  const folder = { path: '/h/dir', exists: true, isDir: true, rebaseName: '' };
  const to = (path: string, exists: boolean, isDir: boolean) => ({ path, exists, isDir, rebaseName: '' });
  assert.deepEqual(prepareArchiveCopy(file, to('/data', true, true)), { dstDir: '/data' });
  assert.deepEqual(prepareArchiveCopy(file, to('/data/g.txt', true, false)), { dstDir: '/data', rebase: { from: 'f.txt', to: 'g.txt' } });
  assert.deepEqual(prepareArchiveCopy(file, to('/data/new', false, false)), { dstDir: '/data', rebase: { from: 'f.txt', to: 'new' } });
  assert.deepEqual(prepareArchiveCopy(file, to('/data/new/', false, false)), { error: 'no such directory' });
  assert.deepEqual(prepareArchiveCopy(folder, to('/data/file', true, false)), { error: 'cannot copy directory' });
  // captures/25b_cp_dir_to: `cp work/hostdir web:/tmp/` with /tmp missing extracts at / as tmp/
  assert.deepEqual(prepareArchiveCopy(folder, to('/tmp/', false, false)), { dstDir: '/', rebase: { from: 'dir', to: 'tmp' } });
  assert.deepEqual(prepareArchiveCopy({ ...folder, path: '/h/dir/.' }, to('/new', false, false)), { dstDir: '/', rebase: { from: '.', to: 'new' } });
});

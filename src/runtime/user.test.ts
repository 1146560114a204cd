import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGroup, parsePasswd, resolveUser, resolveUserInRoot, type ResolvedUser } from './user.js';
import { isKind } from '../common/errors.js';

const passwdText = [
  '# a comment',
  'root:x:0:0:root:/root:/bin/sh',
  '',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'app:x:1000:1000:App User:/home/app:/bin/sh',
  'nohome:x:1001:1001:::/bin/sh',
  '12345:x:2000:2000::/home/num:/bin/sh',
  'toor:x:0:0:second root:/toor:/bin/sh',
  'short:x:3000:3000',
  'badnum:x:abc:0::/:/bin/sh',
  'crlf:x:4000:4000::/home/crlf:/bin/sh\r',
].join('\n');

const groupText = [
  'root:x:0:',
  '# comment',
  'wheel:x:10:root,app',
  'app:x:1000:',
  'staff:x:50:app,daemon',
  'docker:x:999:app',
  'broken:x:notanumber:app',
  'short:x:60',
  '',
].join('\n');

const passwd = parsePasswd(passwdText);
const groups = parseGroup(groupText);

test('parsePasswd skips comments, blank, short and non-numeric lines', () => {
  assert.deepEqual(passwd, [
    { name: 'root', uid: 0, gid: 0, home: '/root' },
    { name: 'daemon', uid: 1, gid: 1, home: '/usr/sbin' },
    { name: 'app', uid: 1000, gid: 1000, home: '/home/app' },
    { name: 'nohome', uid: 1001, gid: 1001, home: '' },
    { name: '12345', uid: 2000, gid: 2000, home: '/home/num' },
    { name: 'toor', uid: 0, gid: 0, home: '/toor' },
    { name: 'crlf', uid: 4000, gid: 4000, home: '/home/crlf' },
  ]);
  assert.deepEqual(parsePasswd(''), []);
});

test('parseGroup reads member lists and skips malformed lines', () => {
  assert.deepEqual(groups, [
    { name: 'root', gid: 0, members: [] },
    { name: 'wheel', gid: 10, members: ['root', 'app'] },
    { name: 'app', gid: 1000, members: [] },
    { name: 'staff', gid: 50, members: ['app', 'daemon'] },
    { name: 'docker', gid: 999, members: ['app'] },
  ]);
  assert.deepEqual(parseGroup('g:x:5:a,,b,\n'), [{ name: 'g', gid: 5, members: ['a', 'b'] }]);
});

test('resolveUser: every form of --user', () => {
  const u = (uid: number, gid: number, additionalGids: number[], home: string): ResolvedUser => ({ uid, gid, additionalGids, home });
  const cases: Array<[string, string[], ResolvedUser]> = [
    ['', [], u(0, 0, [0, 10], '/root')],
    ['root', [], u(0, 0, [0, 10], '/root')],
    ['0', [], u(0, 0, [0, 10], '/root')],
    ['app', [], u(1000, 1000, [10, 50, 999, 1000], '/home/app')],
    ['1000', [], u(1000, 1000, [10, 50, 999, 1000], '/home/app')],
    ['daemon', [], u(1, 1, [1, 50], '/usr/sbin')],
    // an explicit group replaces the primary group and drops the membership groups
    ['app:staff', [], u(1000, 50, [50], '/home/app')],
    ['app:0', [], u(1000, 0, [0], '/home/app')],
    ['1000:50', [], u(1000, 50, [50], '/home/app')],
    ['root:app', [], u(0, 1000, [1000], '/root')],
    // a numeric group that is not in /etc/group is allowed
    ['app:4242', [], u(1000, 4242, [4242], '/home/app')],
    // a numeric uid that is not in /etc/passwd is allowed, with gid 0 and home /
    ['4242', [], u(4242, 0, [0], '/')],
    ['4242:4242', [], u(4242, 4242, [4242], '/')],
    // a number is always a uid, even when a user has that name
    ['12345', [], u(12345, 0, [0], '/')],
    // an entry with an empty home directory gets /
    ['nohome', [], u(1001, 1001, [1001], '/')],
    // extra groups (--group-add), by name or number
    ['app', ['docker', '4000'], u(1000, 1000, [10, 50, 999, 1000, 4000], '/home/app')],
    ['4242', ['staff'], u(4242, 0, [0, 50], '/')],
    ['', ['wheel'], u(0, 0, [0, 10], '/root')],
  ];
  for (const [user, extra, want] of cases) assert.deepEqual(resolveUser(user, passwd, groups, extra), want, `${user} + ${extra.join(',')}`);
});

test('resolveUser: the first of several matching entries wins', () => {
  const p = parsePasswd('first:x:0:0::/first:/bin/sh\nsecond:x:0:5::/second:/bin/sh\nfirst:x:7:7::/dup:/bin/sh\n');
  assert.equal(resolveUser('0', p, []).home, '/first');
  assert.equal(resolveUser('first', p, []).uid, 0);
});

test('resolveUser: unknown names are errors in Docker\'s words', () => {
  const cases: Array<[string, string[], string]> = [
    ['nosuch', [], 'unable to find user nosuch: no matching entries in passwd file'],
    ['nosuch:staff', [], 'unable to find user nosuch: no matching entries in passwd file'],
    ['app:nosuch', [], 'unable to find group nosuch: no matching entries in group file'],
    ['app', ['nogroup'], 'unable to find group nogroup: no matching entries in group file'],
    ['App', [], 'unable to find user App: no matching entries in passwd file'],
  ];
  for (const [user, extra, message] of cases) {
    assert.throws(() => resolveUser(user, passwd, groups, extra), (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === message, user);
  }
});

test('resolveUser: without /etc/passwd the default user is root', () => {
  const r = resolveUser('', [], []);
  assert.equal(r.uid, 0);
  assert.equal(r.gid, 0);
  assert.deepEqual(r.additionalGids, [0]);
  assert.equal(resolveUser('1000', [], []).home, '/');
  assert.throws(() => resolveUser('app', [], []), /unable to find user app/);
});

test('resolveUser: without a passwd entry for root, HOME is / as runc sets it', () => {
  assert.equal(resolveUser('', [], []).home, '/');
});

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-user-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('resolveUserInRoot reads the image\'s files through resolveInRoot', async () => {
  const img = join(root, 'img');
  await mkdir(join(img, 'etc'), { recursive: true });
  await mkdir(join(img, 'real'), { recursive: true });
  await writeFile(join(img, 'real', 'passwd'), 'svc:x:500:500::/srv:/bin/sh\n');
  // An absolute link: it must be read inside the image, not from the host's /real/passwd.
  await symlink('/real/passwd', join(img, 'etc', 'passwd'));
  await writeFile(join(img, 'etc', 'group'), 'svc:x:500:\nextra:x:600:svc\n');
  assert.deepEqual(await resolveUserInRoot(img, 'svc'), { uid: 500, gid: 500, additionalGids: [500, 600], home: '/srv' });
  assert.deepEqual(await resolveUserInRoot(img, 'svc', ['extra']), { uid: 500, gid: 500, additionalGids: [500, 600], home: '/srv' });
});

test('resolveUserInRoot tolerates missing files, and an /etc/passwd that is a directory', async () => {
  const empty = join(root, 'empty');
  await mkdir(empty);
  assert.equal((await resolveUserInRoot(empty, '')).uid, 0);
  assert.deepEqual(await resolveUserInRoot(empty, '33:33'), { uid: 33, gid: 33, additionalGids: [33], home: '/' });
  await assert.rejects(resolveUserInRoot(empty, 'www-data'), /unable to find user www-data: no matching entries in passwd file/);

  const weird = join(root, 'weird');
  await mkdir(join(weird, 'etc', 'passwd'), { recursive: true });
  assert.equal((await resolveUserInRoot(weird, '7')).uid, 7);
  // /etc is a file: ENOTDIR is tolerated too
  const flat = join(root, 'flat');
  await mkdir(flat);
  await writeFile(join(flat, 'etc'), 'not a directory');
  assert.equal((await resolveUserInRoot(flat, '8')).uid, 8);
});

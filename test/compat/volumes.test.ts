/**
 * Volumes and mounts through the real docker CLI 28 against berthd: `volume create/ls/inspect/rm/
 * prune`, `-v`, `--mount`, `--tmpfs`, `--volumes-from`, copy-up, anonymous volumes, binds, what a
 * crash of the daemon leaves, and `system df -v`. What is expected is what dockerd 20.10 (API 1.41)
 * does: captures 19, 38–41, 49, 51b, 57b, 65, 68c and 99 in /work/shared/notes, and moby v20.10's
 * volume code where no capture shows it. Assertions marked `Was a bug:` are where berth once
 * differed from dockerd (fixed in 43460ad); the comment gives dockerd's rule.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../helpers/api.js';
import { must } from '../helpers/compare.js';
import { mountsUnder, startDaemon, type RunResult, type TestDaemon } from '../helpers/daemon.js';
import type { MountPoint, Volume } from '../../src/api/types/index.js';

let d: TestDaemon;
let work: string;

before(async () => {
  d = await startDaemon();
  work = mkdtempSync('/tmp/berth-compat-vol-');
});

after(async () => {
  await rm(work, { recursive: true, force: true });
  assert.deepEqual(await d.cleanup(), []);
});

// Each test removes what it made and checks that it did; this only keeps a failed test from
// leaving containers and volumes to the next one.
afterEach(async () => {
  const ids = (await d.docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
  if (ids.length) await d.docker(['rm', '-f', '-v', ...ids]);
  const vols = await volumes();
  if (vols.length) await d.docker(['volume', 'rm', '-f', ...vols]);
});

const hex64 = /^[0-9a-f]{64}$/;
const lines = (s: string) => s.split('\n').filter(Boolean);

async function volumes(): Promise<string[]> {
  return lines((await must(d.docker(['volume', 'ls', '-q']))).stdout);
}

async function inspectVolume(name: string): Promise<Volume> {
  const list = JSON.parse((await must(d.docker(['volume', 'inspect', name]))).stdout) as Volume[];
  assert.equal(list.length, 1);
  return list[0]!;
}

/** A container's Mounts, by destination (dockerd lists them in its map's random order). */
async function mountsOf(container: string): Promise<MountPoint[]> {
  const r = await must(d.docker(['inspect', '-f', '{{json .Mounts}}', container]));
  return (JSON.parse(r.stdout) as MountPoint[]).sort((a, b) => (a.Destination < b.Destination ? -1 : 1));
}

/** A `docker run` the daemon refused: the CLI's exit status 125 and its framing of the message. */
function refusedRun(r: RunResult, message: string): void {
  assert.equal(r.stderr, `docker: Error response from daemon: ${message}\n\nRun 'docker run --help' for more information\n`);
  assert.equal(r.code, 125);
}

/** A volume command's daemon error: exit status 1. */
function daemonError(r: RunResult, message: string): void {
  assert.equal(r.stderr, `Error response from daemon: ${message}\n`);
  assert.equal(r.code, 1);
}

/** The host's mounts at exactly `path`, with their file system types. */
function hostMountTypes(path: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[4] === path)
    .map((l) => l.split(' - ')[1]?.split(' ')[0] ?? '');
}

test('volume create prints the name, makes a 64-hex name when none is given, and is idempotent', async () => {
  assert.deepEqual(await volumes(), []);
  assert.equal((await must(d.docker(['volume', 'create', '--label', 'k=v', '--label', 'empty=', 'vol2']))).stdout, 'vol2\n');
  const anon = (await must(d.docker(['volume', 'create']))).stdout.trim();
  assert.match(anon, hex64);

  const v = await inspectVolume('vol2');
  assert.deepEqual(Object.keys(v), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
  const createdAt = v.CreatedAt ?? '';
  assert.match(createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(Math.abs(Date.parse(createdAt) - Date.now()) < 60_000, createdAt);
  assert.deepEqual(
    { ...v, CreatedAt: '' },
    { CreatedAt: '', Driver: 'local', Labels: { k: 'v', empty: '' }, Mountpoint: `${d.dataRoot}/volumes/vol2/_data`, Name: 'vol2', Options: null, Scope: 'local' },
  );
  assert.ok(statSync(v.Mountpoint).isDirectory());
  const a = await inspectVolume(anon);
  assert.deepEqual(
    { ...a, CreatedAt: '' },
    { CreatedAt: '', Driver: 'local', Labels: null, Mountpoint: `${d.dataRoot}/volumes/${anon}/_data`, Name: anon, Options: null, Scope: 'local' },
  );

  // Options are kept exactly as given with -o.
  await must(d.docker(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m', 'optvol']));
  assert.deepEqual((await inspectVolume('optvol')).Options, { device: 'tmpfs', o: 'size=1m', type: 'tmpfs' });

  // Capture 99: creating an existing volume answers with it, as it was (labels too).
  await sleep(1100);
  assert.equal((await must(d.docker(['volume', 'create', '--label', 'other=1', 'vol2']))).stdout, 'vol2\n');
  assert.deepEqual(await inspectVolume('vol2'), v);

  // `volume inspect -f` and several names.
  assert.equal((await must(d.docker(['volume', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Scope}}', 'vol2', 'optvol']))).stdout, 'vol2 local local\noptvol local local\n');

  await must(d.docker(['volume', 'rm', 'vol2', anon, 'optvol']));
  assert.ok(!existsSync(v.Mountpoint));
  assert.deepEqual(await volumes(), []);
});

test('volume ls: the table, -q and its filters (dangling, name, label, driver)', async () => {
  await must(d.docker(['volume', 'create', '--label', 'k=v', 'vol2']));
  await must(d.docker(['volume', 'create', 'vol1']));
  await must(d.docker(['volume', 'create', 'xvol']));
  const anon = (await must(d.docker(['volume', 'create']))).stdout.trim();
  const id = (await must(d.docker(['run', '-d', '--name', 'user1', '-v', 'vol1:/data', 'busybox', 'sleep', '600']))).stdout.trim();

  // Capture 39: the CLI sorts by name.
  assert.equal(
    (await must(d.docker(['volume', 'ls']))).stdout,
    ['DRIVER    VOLUME NAME', `local     ${anon}`, 'local     vol1', 'local     vol2', 'local     xvol', ''].join('\n'),
  );
  const ls = async (...filters: string[]) => lines((await must(d.docker(['volume', 'ls', '-q', ...filters.flatMap((f) => ['-f', f])]))).stdout);
  assert.deepEqual(await ls(), [anon, 'vol1', 'vol2', 'xvol']);
  // Capture 39b: dangling means no container (running or not) refers to it.
  assert.deepEqual(await ls('dangling=true'), [anon, 'vol2', 'xvol']);
  assert.deepEqual(await ls('dangling=false'), ['vol1']);
  assert.deepEqual(await ls('name=vol'), ['vol1', 'vol2', 'xvol']);
  assert.deepEqual(await ls('name=vol', 'dangling=true'), ['vol2', 'xvol']);
  assert.deepEqual(await ls('label=k=v'), ['vol2']);
  assert.deepEqual(await ls('label=k'), ['vol2']);
  assert.deepEqual(await ls('label=k=w'), []);
  assert.deepEqual(await ls('driver=local'), [anon, 'vol1', 'vol2', 'xvol']);
  assert.deepEqual(await ls('driver=nope'), []);
  const regex = await ls('name=^vol');
  const badFilter = await d.docker(['volume', 'ls', '-f', 'bogus=1']);
  // A stopped container still holds its volumes.
  await must(d.docker(['stop', '-t', '0', 'user1']));
  assert.deepEqual(await ls('dangling=false'), ['vol1']);
  assert.match(id, hex64);

  await must(d.docker(['rm', 'user1']));
  await must(d.docker(['volume', 'rm', 'vol1', 'vol2', 'xvol', anon]));
  assert.deepEqual(await volumes(), []);

  // Was a bug: dockerd matches the name filter as a regular expression (filters.Args.Match), so
  //   `-f name=^vol` lists vol1 and vol2 but not xvol; berth took it as a plain substring and lists nothing.
  // Was a bug: dockerd 20.10's filters.Args.Validate answers an unknown filter with "Invalid filter 'bogus'"
  //   (capital I); berth said "invalid filter 'bogus'".
  assert.deepEqual(
    { regex, badFilter },
    { regex: ['vol1', 'vol2'], badFilter: { code: 1, stdout: '', stderr: "Error response from daemon: Invalid filter 'bogus'\n" } },
  );
});

test('volume inspect and rm: missing volumes, volumes in use, rm -f', async () => {
  const inspectMissing = await d.docker(['volume', 'inspect', 'nosuch']);
  assert.equal(inspectMissing.stdout, '[]\n');
  daemonError(inspectMissing, 'get nosuch: no such volume');
  daemonError(await d.docker(['volume', 'rm', 'nosuch']), 'get nosuch: no such volume');
  // dockerd's Remove with PurgeOnError: a missing volume is no error; the CLI prints the name.
  const forced = await d.docker(['volume', 'rm', '-f', 'nosuch']);
  assert.deepEqual(forced, { code: 0, stdout: 'nosuch\n', stderr: '' });

  // Capture 65: in use by a container, running or not; -f does not change that.
  const id = (await must(d.docker(['run', '-d', '--name', 'user1', '-v', 'vol1:/data', 'busybox', 'sleep', '600']))).stdout.trim();
  daemonError(await d.docker(['volume', 'rm', 'vol1']), `remove vol1: volume is in use - [${id}]`);
  daemonError(await d.docker(['volume', 'rm', '-f', 'vol1']), `remove vol1: volume is in use - [${id}]`);
  await must(d.docker(['stop', '-t', '0', 'user1']));
  daemonError(await d.docker(['volume', 'rm', 'vol1']), `remove vol1: volume is in use - [${id}]`);
  // Several names: each is tried, the errors are summed up.
  await must(d.docker(['volume', 'create', 'vol2']));
  const several = await d.docker(['volume', 'rm', 'vol2', 'vol1', 'nosuch']);
  assert.equal(several.stdout, 'vol2\n');
  assert.match(several.stderr, new RegExp(`remove vol1: volume is in use - \\[${id}\\]`));
  assert.match(several.stderr, /get nosuch: no such volume/);
  assert.equal(several.code, 1);

  await must(d.docker(['rm', 'user1']));
  assert.equal((await must(d.docker(['volume', 'rm', 'vol1']))).stdout, 'vol1\n');
  assert.deepEqual(await volumes(), []);
});

test('volume create refuses bad names and options in dockerd\'s words, and creates nothing', async () => {
  daemonError(
    await d.docker(['volume', 'create', 'bad/name']),
    'create bad/name: "bad/name" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
  );
  daemonError(
    await d.docker(['volume', 'create', '.hidden']),
    'create .hidden: ".hidden" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
  );
  daemonError(await d.docker(['volume', 'create', '-o', 'type=tmpfs', 'yy']), 'create yy: missing required option: "device"');
  daemonError(await d.docker(['volume', 'create', '--driver', 'nope', 'yy']), 'create yy: error looking up volume plugin nope: plugin "nope" not found');
  const short = await d.docker(['volume', 'create', 'x']);
  const badOption = await d.docker(['volume', 'create', '-o', 'foo=bar', 'xx']);
  // dockerd returns an existing volume before its driver looks at the options.
  await must(d.docker(['volume', 'create', 'vol2']));
  const existingBadOption = await d.docker(['volume', 'create', '-o', 'foo=bar', 'vol2']);
  await must(d.docker(['volume', 'rm', 'vol2']));
  assert.deepEqual(await volumes(), []);

  // Three divergences, compared at once so that each shows:
  // Was a bug: moby v20.10 volume/local validateName checks the length first: `create x: volume name is
  //   too short, names should be at least two alphanumeric characters`; berth gave the
  //   invalid-characters message.
  // Was a bug: moby v20.10 volume/local validateOpts says `invalid option: "foo"`; berth said
  //   `invalid option key: "foo"`.
  // Was a bug: for an existing volume dockerd (VolumeStore.create) returns it before the driver's Create,
  //   where options are validated: it prints vol2 and exits 0; berth validated first and failed.
  assert.deepEqual(
    [short, badOption, existingBadOption],
    [
      { code: 1, stdout: '', stderr: 'Error response from daemon: create x: volume name is too short, names should be at least two alphanumeric characters\n' },
      { code: 1, stdout: '', stderr: 'Error response from daemon: create xx: invalid option: "foo"\n' },
      { code: 0, stdout: 'vol2\n', stderr: '' },
    ],
  );
});

test('volume prune -f removes every unused volume, named ones too (API 1.41), and reports the space', async () => {
  await must(d.docker(['volume', 'create', 'pn-named']));
  writeFileSync(`${(await inspectVolume('pn-named')).Mountpoint}/five`, '12345');
  const anon = (await must(d.docker(['volume', 'create']))).stdout.trim();
  await must(d.docker(['run', '--name', 'pn-user', '-v', 'pn-used:/u', 'busybox', 'true']));
  await must(d.docker(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'pn-opt']));

  const r = await must(d.docker(['volume', 'prune', '-f']));
  // Capture 68c; the order of the deleted volumes is the daemon's (a map's, in dockerd).
  const m = /^Deleted Volumes:\n((?:.+\n)+)\nTotal reclaimed space: (.+)\n$/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.equal(m[2], '5B');
  const deleted = lines(m[1]!).sort();
  const left = await volumes();
  // Nothing left to prune: only the total.
  const again = await d.docker(['volume', 'prune', '-f']);

  await must(d.docker(['rm', '-v', 'pn-user']));
  await d.docker(['volume', 'rm', '-f', 'pn-used', 'pn-opt']);
  assert.deepEqual(await volumes(), []);

  // Was a bug: dockerd 20.10 never prunes a volume with driver options (VolumesService.Prune filters on
  // len(Options()) == 0): it deletes only the anonymous and pn-named volumes and keeps pn-opt;
  // berth deleted pn-opt too.
  assert.deepEqual(
    { deleted, left, again },
    { deleted: [anon, 'pn-named'].sort(), left: ['pn-opt', 'pn-used'], again: { code: 0, stdout: 'Total reclaimed space: 0B\n', stderr: '' } },
  );
});

test('the todo-db scenario: data written in a named volume outlives its container', async () => {
  await must(d.docker(['run', '--name', 'todo1', '-v', 'todo-db:/etc/todos', 'busybox', 'sh', '-c', 'echo item > /etc/todos/todo.db']));
  await must(d.docker(['rm', 'todo1']));
  const v = await inspectVolume('todo-db');
  assert.equal(v.Mountpoint, `${d.dataRoot}/volumes/todo-db/_data`);
  assert.equal(readFileSync(`${v.Mountpoint}/todo.db`, 'utf8'), 'item\n');
  const again = await must(d.docker(['run', '--rm', '-v', 'todo-db:/etc/todos', 'busybox', 'cat', '/etc/todos/todo.db']));
  assert.equal(again.stdout, 'item\n');
  await must(d.docker(['volume', 'rm', 'todo-db']));
  assert.deepEqual(await volumes(), []);
});

test('copy-up: a new volume gets the image\'s content, nocopy and a volume with content get none', async () => {
  const imagePasswd = (await must(d.docker(['run', '--rm', 'busybox', 'cat', '/etc/passwd']))).stdout;
  const imageModes = (await must(d.docker(['run', '--rm', 'busybox', 'stat', '-c', '%a %u %g', '/etc', '/etc/passwd']))).stdout;

  const seen = lines((await must(d.docker(['run', '--rm', '-v', 'fresh:/etc', 'busybox', 'ls', '/etc']))).stdout);
  assert.ok(seen.includes('passwd') && seen.includes('group'), seen.join(' '));
  const mp = (await inspectVolume('fresh')).Mountpoint;
  assert.equal(readFileSync(`${mp}/passwd`, 'utf8'), imagePasswd);
  const hostModes = [mp, `${mp}/passwd`].map((p) => statSync(p)).map((s) => `${(s.mode & 0o7777).toString(8)} ${s.uid} ${s.gid}`);
  assert.equal(`${hostModes.join('\n')}\n`, imageModes);
  // Once filled, the volume is the user's: nothing is copied over it again.
  writeFileSync(`${mp}/passwd`, 'changed\n');
  assert.equal((await must(d.docker(['run', '--rm', '-v', 'fresh:/etc', 'busybox', 'cat', '/etc/passwd']))).stdout, 'changed\n');

  // nocopy: nothing of the image's /etc (runc may still create the mount points of /etc/hosts & co).
  const nocopy = lines((await must(d.docker(['run', '--rm', '-v', 'fresh2:/etc:nocopy', 'busybox', 'ls', '-A', '/etc']))).stdout);
  assert.ok(!nocopy.includes('passwd') && !nocopy.includes('group'), nocopy.join(' '));
  const mp2 = (await inspectVolume('fresh2')).Mountpoint;
  assert.ok(!existsSync(`${mp2}/passwd`));

  // A volume that already holds something is not filled.
  await must(d.docker(['volume', 'create', 'full']));
  const mp3 = (await inspectVolume('full')).Mountpoint;
  writeFileSync(`${mp3}/marker`, 'mine\n');
  const full = lines((await must(d.docker(['run', '--rm', '-v', 'full:/etc', 'busybox', 'ls', '-A', '/etc']))).stdout);
  assert.ok(full.includes('marker') && !full.includes('passwd'), full.join(' '));
  assert.ok(!existsSync(`${mp3}/passwd`));
  assert.equal(readFileSync(`${mp3}/marker`, 'utf8'), 'mine\n');

  await must(d.docker(['volume', 'rm', 'fresh', 'fresh2', 'full']));
  assert.deepEqual(await volumes(), []);
});

test('anonymous volumes: -v /data makes one, rm -v and --rm remove it but never a named one', async () => {
  await must(d.docker(['run', '-d', '--name', 'anon1', '-v', '/data', '-v', 'keep1:/keep', 'busybox', 'sleep', '600']));
  const mounts = await mountsOf('anon1');
  const anon = mounts[0]!.Name!;
  assert.match(anon, hex64);
  assert.deepEqual(mounts, [
    { Type: 'volume', Name: anon, Source: `${d.dataRoot}/volumes/${anon}/_data`, Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '' },
    { Type: 'volume', Name: 'keep1', Source: `${d.dataRoot}/volumes/keep1/_data`, Destination: '/keep', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
  ]);
  assert.equal((await inspectVolume(anon)).Labels, null);
  assert.deepEqual((await volumes()).sort(), [anon, 'keep1'].sort());
  // Capture 19: rm -v.
  assert.equal((await must(d.docker(['rm', '-f', '-v', 'anon1']))).stdout, 'anon1\n');
  assert.deepEqual(await volumes(), ['keep1']);

  // --rm removes the anonymous volume with the container, and keeps named ones.
  await must(d.docker(['run', '--rm', '-v', '/data', '-v', 'keep2:/keep', 'busybox', 'sh', '-c', 'echo x > /data/x']));
  assert.deepEqual(await volumes(), ['keep1', 'keep2']);
  // Without -v the anonymous volume stays, dangling.
  await must(d.docker(['run', '--name', 'anon2', '-v', '/data', 'busybox', 'true']));
  const anon2 = (await mountsOf('anon2'))[0]!.Name!;
  await must(d.docker(['rm', 'anon2']));
  assert.deepEqual(lines((await must(d.docker(['volume', 'ls', '-q', '-f', 'dangling=true']))).stdout).sort(), [anon2, 'keep1', 'keep2'].sort());

  await must(d.docker(['volume', 'rm', 'keep1', 'keep2', anon2]));
  assert.deepEqual(await volumes(), []);
});

test('binds: -v writes land on the host, :ro refuses them, a missing source is made by -v and refused by --mount', async () => {
  const host = mkdtempSync(`${work}/bind-`);
  await must(d.docker(['run', '--rm', '-v', `${host}:/w`, 'busybox', 'sh', '-c', 'echo hi > /w/f']));
  assert.equal(readFileSync(`${host}/f`, 'utf8'), 'hi\n');

  const ro = await d.docker(['run', '--rm', '-v', `${host}:/w:ro`, 'busybox', 'sh', '-c', 'echo no > /w/g']);
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr, /can't create \/w\/g: Read-only file system/);
  assert.ok(!existsSync(`${host}/g`));
  // Reading works, though.
  assert.equal((await must(d.docker(['run', '--rm', '-v', `${host}:/w:ro`, 'busybox', 'cat', '/w/f']))).stdout, 'hi\n');

  await must(d.docker(['run', '--rm', '-v', `${host}/missing/sub:/w`, 'busybox', 'sh', '-c', 'echo made > /w/y']));
  assert.ok(statSync(`${host}/missing/sub`).isDirectory());
  assert.equal(readFileSync(`${host}/missing/sub/y`, 'utf8'), 'made\n');

  refusedRun(
    await d.docker(['run', '--rm', '--mount', `type=bind,src=${host}/nope,dst=/w`, 'busybox', 'true']),
    `invalid mount config for type "bind": bind source path does not exist: ${host}/nope`,
  );
  assert.ok(!existsSync(`${host}/nope`));

  await must(d.docker(['run', '-d', '--name', 'binds', '-v', `${host}:/ro:ro`, '-v', `${host}:/rw`, '--mount', `type=bind,src=${host},dst=/m,readonly`, 'busybox', 'sleep', '600']));
  assert.deepEqual(await mountsOf('binds'), [
    { Type: 'bind', Source: host, Destination: '/m', Mode: '', RW: false, Propagation: 'rprivate' },
    { Type: 'bind', Source: host, Destination: '/ro', Mode: 'ro', RW: false, Propagation: 'rprivate' },
    { Type: 'bind', Source: host, Destination: '/rw', Mode: '', RW: true, Propagation: 'rprivate' },
  ]);
  // The CLI collects -v in a map: the order it sends them in is not the command line's.
  const binds = JSON.parse((await must(d.docker(['inspect', '-f', '{{json .HostConfig.Binds}}', 'binds']))).stdout) as string[];
  assert.deepEqual(binds.sort(), [`${host}:/ro:ro`, `${host}:/rw`]);
  await must(d.docker(['rm', '-f', 'binds']));
  // Binds are no volumes.
  assert.deepEqual(await volumes(), []);
  assert.equal(readFileSync(`${host}/f`, 'utf8'), 'hi\n');
});

test('--mount volume/bind/tmpfs and --tmpfs: what the container sees and what inspect shows', async () => {
  const host = mkdtempSync(`${work}/mnt-`);
  writeFileSync(`${host}/hello`, 'bound\n');
  await must(d.docker([
    'run', '-d', '--name', 'mnt',
    '--mount', 'type=volume,src=vol3,dst=/v3',
    '--mount', `type=bind,src=${host},dst=/w,readonly`,
    '--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m',
    '--tmpfs', '/t2:size=2m',
    'busybox', 'sleep', '600',
  ]));
  const mp = (await inspectVolume('vol3')).Mountpoint;
  const mounts = await mountsOf('mnt');
  // --tmpfs is mounted but not listed (it is no MountPoint in dockerd).
  assert.deepEqual(mounts.map((m) => ({ ...m, Mode: m.Type === 'volume' ? '<checked below>' : m.Mode })), [
    { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' },
    { Type: 'volume', Name: 'vol3', Source: mp, Destination: '/v3', Driver: 'local', Mode: '<checked below>', RW: true, Propagation: '' },
    { Type: 'bind', Source: host, Destination: '/w', Mode: '', RW: false, Propagation: 'rprivate' },
  ]);
  assert.deepEqual(JSON.parse((await must(d.docker(['inspect', '-f', '{{json .HostConfig.Tmpfs}}', 'mnt']))).stdout), { '/t2': 'size=2m' });

  // The tmpfs mounts: sizes, and dockerd's default noexec,nosuid,nodev.
  const procMounts = (await must(d.docker(['exec', 'mnt', 'cat', '/proc/mounts']))).stdout;
  for (const [dst, size] of [['/t', 'size=1024k'], ['/t2', 'size=2048k']] as const) {
    const line = lines(procMounts).find((l) => l.split(' ')[1] === dst);
    assert.ok(line, `${dst} not mounted:\n${procMounts}`);
    const [, , fstype, options] = line.split(' ');
    assert.equal(fstype, 'tmpfs');
    const opts = options!.split(',');
    for (const o of ['rw', 'nosuid', 'nodev', 'noexec', size]) assert.ok(opts.includes(o), `${dst}: ${options}`);
  }
  const df = lines((await must(d.docker(['exec', 'mnt', 'df', '-k', '/t', '/t2']))).stdout).slice(1).map((l) => l.split(/\s+/));
  assert.deepEqual(df.map((f) => [f[0], f[1], f[5]]), [['tmpfs', '1024', '/t'], ['tmpfs', '2048', '/t2']]);
  // The read-only bind and the volume.
  assert.equal((await must(d.docker(['exec', 'mnt', 'cat', '/w/hello']))).stdout, 'bound\n');
  const roWrite = await d.docker(['exec', 'mnt', 'touch', '/w/new']);
  assert.notEqual(roWrite.code, 0);
  assert.match(roWrite.stderr, /Read-only file system/);
  await must(d.docker(['exec', 'mnt', 'sh', '-c', 'echo v > /v3/f']));
  assert.equal(readFileSync(`${mp}/f`, 'utf8'), 'v\n');
  await must(d.docker(['rm', '-f', 'mnt']));

  // A volume with driver options (created here by the mount): its tmpfs is on the host's
  // Mountpoint while the container runs, and goes when the container exits.
  await must(d.docker(['run', '-d', '--name', 'optc', '--mount', 'type=volume,dst=/x,volume-opt=type=tmpfs,volume-opt=device=tmpfs', 'busybox', 'sh', '-c', 'echo hi > /x/f; sleep 600']));
  const [optMount] = await mountsOf('optc');
  assert.match(optMount!.Name!, hex64);
  const opt = await inspectVolume(optMount!.Name!);
  assert.deepEqual(opt.Options, { device: 'tmpfs', type: 'tmpfs' });
  assert.equal(optMount!.Source, opt.Mountpoint);
  await eventually(async () => existsSync(`${opt.Mountpoint}/f`), 5000, 'the container\'s write');
  assert.deepEqual(hostMountTypes(opt.Mountpoint), ['tmpfs']);
  await must(d.docker(['stop', '-t', '0', 'optc']));
  await eventually(async () => hostMountTypes(opt.Mountpoint).length === 0, 5000, 'the unmount of the option volume');
  assert.ok(!existsSync(`${opt.Mountpoint}/f`), 'the tmpfs content is gone with it');
  await must(d.docker(['rm', '-v', 'optc']));
  assert.deepEqual(mountsUnder(opt.Mountpoint), []);
  assert.deepEqual(await volumes(), ['vol3']);
  await must(d.docker(['volume', 'rm', 'vol3']));
  assert.deepEqual(await volumes(), []);

  // Was a bug: dockerd 20.10 registerMountPoints calls setBindModeIfNull for every local-driver volume
  // given with --mount (HostConfig.Mounts), as for -v name:/dst: inspect shows "Mode": "z"; berth showed "".
  assert.deepEqual([mounts[1]!.Mode, optMount!.Mode], ['z', 'z']);
});

test('--volumes-from, rw and :ro, and the backup/restore pattern', async () => {
  const backup = mkdtempSync(`${work}/backup-`);
  await must(d.docker(['run', '-d', '--name', 'dbdata', '-v', '/dbdata', 'busybox', 'sh', '-c', 'echo precious > /dbdata/file; sleep 600']));
  const [source] = await mountsOf('dbdata');
  await eventually(async () => existsSync(`${source!.Source}/file`), 5000, 'the write in dbdata');

  // Capture 49: the mounts are dbdata's, with no mode of their own.
  await must(d.docker(['run', '-d', '--name', 'vf', '--volumes-from', 'dbdata', 'busybox', 'sleep', '600']));
  assert.deepEqual(await mountsOf('vf'), [{ ...source!, Mode: '' }]);
  assert.equal((await must(d.docker(['exec', 'vf', 'cat', '/dbdata/file']))).stdout, 'precious\n');
  await must(d.docker(['run', '-d', '--name', 'vfro', '--volumes-from', 'dbdata:ro', 'busybox', 'sleep', '600']));
  assert.deepEqual(await mountsOf('vfro'), [{ ...source!, Mode: '', RW: false }]);
  const roWrite = await d.docker(['exec', 'vfro', 'sh', '-c', 'echo x > /dbdata/y']);
  assert.notEqual(roWrite.code, 0);
  assert.match(roWrite.stderr, /Read-only file system/);
  assert.equal((await must(d.docker(['exec', 'vfro', 'cat', '/dbdata/file']))).stdout, 'precious\n');
  await must(d.docker(['rm', '-f', '-v', 'vf', 'vfro']));
  // Still dbdata's.
  assert.deepEqual(await volumes(), [source!.Name!]);

  // Backup through a bind, then restore into another container's anonymous volume.
  const tarc = await must(d.docker(['run', '--rm', '--volumes-from', 'dbdata', '-v', `${backup}:/backup`, 'busybox', 'tar', 'cvf', '/backup/backup.tar', '/dbdata']));
  assert.equal(tarc.stdout, 'dbdata/\ndbdata/file\n');
  assert.ok(statSync(`${backup}/backup.tar`).size > 0);
  await must(d.docker(['run', '-d', '--name', 'dbstore2', '-v', '/dbdata', 'busybox', 'sleep', '600']));
  const tarx = await must(d.docker(['run', '--rm', '--volumes-from', 'dbstore2', '-v', `${backup}:/backup`, 'busybox', 'sh', '-c', 'cd /dbdata && tar xvf /backup/backup.tar --strip 1']));
  assert.equal(tarx.stdout, 'dbdata/\ndbdata/file\n');
  assert.equal((await must(d.docker(['exec', 'dbstore2', 'cat', '/dbdata/file']))).stdout, 'precious\n');
  const [restored] = await mountsOf('dbstore2');
  assert.notEqual(restored!.Name, source!.Name);
  assert.equal(readFileSync(`${restored!.Source}/file`, 'utf8'), 'precious\n');
  // The --rm helpers did not take the volumes they borrowed with them.
  assert.deepEqual((await volumes()).sort(), [source!.Name!, restored!.Name!].sort());

  await must(d.docker(['rm', '-f', '-v', 'dbdata', 'dbstore2']));
  assert.deepEqual(await volumes(), []);
});

test('two mounts on one destination: "Duplicate mount point", from the daemon', async () => {
  for (const mounts of [
    ['-v', 'dupa:/d', '-v', 'dupb:/d'],
    ['-v', 'dupa:/d', '--mount', 'type=volume,src=dupb,dst=/d'],
    ['--mount', 'type=volume,src=dupa,dst=/d', '--mount', 'type=volume,src=dupb,dst=/d'],
    ['-v', 'dupa:/d', '--tmpfs', '/d'],
    ['--mount', `type=bind,src=${work},dst=/d`, '-v', 'dupa:/d/'],
  ]) {
    // The CLI sends them all (HostConfig.Binds / Mounts / Tmpfs): the refusal is dockerd's.
    refusedRun(await d.docker(['run', '--rm', ...mounts, 'busybox', 'true']), 'Duplicate mount point: /d');
    assert.equal((await d.docker(['ps', '-aq'])).stdout, '', 'a refused create left a container');
  }
  // -v /d goes to Config.Volumes: dockerd skips the anonymous volume where a bind is mounted already.
  await must(d.docker(['run', '--rm', '-v', '/d', '-v', 'dupa:/d', 'busybox', 'true']));
  assert.deepEqual(await volumes(), ['dupa']);
  // (dockerd would also have kept dupa from the refused creates above: it creates each -v volume
  // before it reaches the duplicate. berth checked them all first, on purpose.)
  await must(d.docker(['volume', 'rm', '-f', 'dupa', 'dupb']));
  assert.deepEqual(await volumes(), []);
});

test('a kill -9 of the daemon loses no volume, no data and no reference', async () => {
  await must(d.docker(['run', '--name', 'keeper', '-v', 'survivor:/data', 'busybox', 'sh', '-c', 'echo durable > /data/f']));
  const keeper = (await must(d.docker(['inspect', '-f', '{{.Id}}', 'keeper']))).stdout.trim();
  const keeper2 = (await must(d.docker(['run', '-d', '--name', 'keeper2', '-v', 'survivor:/data', 'busybox', 'sleep', '600']))).stdout.trim();
  const before = await inspectVolume('survivor');

  await d.kill9();
  await d.start();

  assert.deepEqual(await inspectVolume('survivor'), before);
  assert.equal(readFileSync(`${before.Mountpoint}/f`, 'utf8'), 'durable\n');
  const inUse = await d.docker(['volume', 'rm', 'survivor']);
  assert.equal(inUse.code, 1);
  const m = /^Error response from daemon: remove survivor: volume is in use - \[(.+)\]\n$/.exec(inUse.stderr);
  assert.ok(m, inUse.stderr);
  assert.deepEqual(m[1]!.split(', ').sort(), [keeper, keeper2].sort());
  assert.deepEqual(lines((await must(d.docker(['volume', 'ls', '-q', '-f', 'dangling=false']))).stdout), ['survivor']);
  assert.equal((await must(d.docker(['run', '--rm', '-v', 'survivor:/data', 'busybox', 'cat', '/data/f']))).stdout, 'durable\n');
  const [mount] = await mountsOf('keeper');
  assert.deepEqual(mount, { Type: 'volume', Name: 'survivor', Source: before.Mountpoint, Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' });

  await must(d.docker(['rm', '-f', 'keeper', 'keeper2']));
  await must(d.docker(['volume', 'rm', 'survivor']));
  assert.deepEqual(await volumes(), []);
});

test('system df -v: each local volume with its links and size (capture 57b)', async () => {
  await must(d.docker(['volume', 'create', 'dfempty']));
  await must(d.docker(['run', '-d', '--name', 'dfa', '-v', 'dfdata:/d', 'busybox', 'sh', '-c', 'printf hello-world > /d/f; sleep 600']));
  const mp = (await inspectVolume('dfdata')).Mountpoint;
  await eventually(async () => existsSync(`${mp}/f`) && statSync(`${mp}/f`).size === 11, 5000, 'the write');
  await must(d.docker(['run', '--name', 'dfb', '-v', 'dfdata:/d', 'busybox', 'true']));
  await must(d.docker(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'dfopt']));

  const out = (await must(d.docker(['system', 'df', '-v']))).stdout.split('\n');
  const section = (title: string): string[] => {
    const start = out.indexOf(title);
    assert.ok(start >= 0, out.join('\n'));
    const end = out.indexOf('', start + 2);
    return out.slice(start + 2, end);
  };
  const vols = section('Local Volumes space usage:');
  assert.match(vols[0]!, /^VOLUME NAME\s+LINKS\s+SIZE$/);
  const rows = new Map(vols.slice(1).map((l) => l.split(/\s+/)).map(([name, links, size]) => [name!, `${links} ${size}`]));
  assert.equal(rows.get('dfdata'), '2 11B');
  assert.equal(rows.get('dfempty'), '0 0B');
  // Each container's LOCAL VOLUMES column counts its local volumes.
  const containers = section('Containers space usage:');
  const col = containers[0]!.indexOf('LOCAL VOLUMES');
  for (const name of ['dfa', 'dfb']) {
    const row = containers.find((l) => l.endsWith(` ${name}`));
    assert.ok(row, containers.join('\n'));
    assert.equal(row.slice(col).split(/\s+/)[0], '1');
  }

  await must(d.docker(['rm', '-f', 'dfa', 'dfb']));
  await must(d.docker(['volume', 'rm', 'dfempty', 'dfdata', 'dfopt']));
  assert.deepEqual(await volumes(), []);

  // Was a bug: dockerd 20.10's LocalVolumesSize leaves out volumes with driver options (len(Options()) == 0
  // filter), so dfopt is not listed; berth listed it.
  assert.deepEqual([...rows.keys()].sort(), ['dfdata', 'dfempty']);
});

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { api, eventually } from '../helpers/api.js';
import { must } from '../helpers/compare.js';
import { mountsUnder, startDaemon, type TestDaemon } from '../helpers/daemon.js';

/**
 * Volumes and mounts with real containers, driven through the API, the docker CLI and the berth CLI: safety
 * against hostile images and containers, copy-up, option volumes, what survives a crash of the
 * daemon. (The docker CLI's view of the same flows is in test/compat/volumes.test.ts.)
 */

let d: TestDaemon;
let sentinel: string;

before(async () => {
  d = await startDaemon();
  sentinel = mkdtempSync('/tmp/berth-vol-sentinel-');
  writeFileSync(`${sentinel}/secret`, 'HOST-SECRET\n');
});

after(async () => {
  rmSync(sentinel, { recursive: true, force: true });
  assert.deepEqual(await d.cleanup(), []);
});

const untouched = () => {
  assert.deepEqual(readdirSync(sentinel), ['secret'], 'something was written into the host directory');
  assert.equal(readFileSync(`${sentinel}/secret`, 'utf8'), 'HOST-SECRET\n');
  assert.deepEqual(mountsUnder(sentinel), [], 'something was mounted on the host directory');
};

const inspectVolume = async (name: string) => (await api(d.socket, 'GET', `/v1.41/volumes/${name}`)).json<{ Mountpoint: string; Name: string }>();

/** An image whose mount points are symlinks leading at the host's sentinel directory. */
async function hostileImage(): Promise<string> {
  const tag = 'berthtest/vol-hostile:1';
  await must(
    d.docker(['run', '--name', 'mk-hostile', 'busybox', 'sh', '-c', `ln -s ../../../../../../..${sentinel} /data && ln -s ${sentinel} /abs && mkdir -p /seed && echo from-image > /seed/f && ln -s ${sentinel} /seedlink`]),
  );
  await must(d.docker(['commit', 'mk-hostile', tag]));
  // The same, declaring the link a VOLUME (a second mount on the same place would hide the first).
  await must(d.docker(['commit', '-c', `VOLUME ["/seedlink"]`, 'mk-hostile', `${tag}-vol`]));
  await must(d.docker(['rm', 'mk-hostile']));
  return tag;
}

test('a volume mounted on a symlink that climbs out lands inside the container; copy-up never reads the host', async () => {
  const image = await hostileImage();
  for (const target of ['/data', '/abs']) {
    const r = await d.docker(['run', '--rm', '-v', `hv:${target}`, image, 'sh', '-c', `echo in-volume > ${target}/written && cat ${target}/secret 2>&1; true`]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /HOST-SECRET/);
    untouched();
  }
  const mp = (await inspectVolume('hv')).Mountpoint;
  assert.equal(readFileSync(`${mp}/written`, 'utf8'), 'in-volume\n');
  // The image's VOLUME /seedlink points at the host directory: its copy-up reads the container's view.
  const c = await must(d.docker(['run', '-d', `${image}-vol`, 'sleep', '60']));
  const id = c.stdout.trim();
  const mounts = JSON.parse((await must(d.docker(['inspect', '-f', '{{json .Mounts}}', id]))).stdout) as Array<{ Name: string; Destination: string }>;
  const anon = mounts.find((m) => m.Destination === '/seedlink')!;
  assert.ok(anon, JSON.stringify(mounts));
  const anonPath = (await inspectVolume(anon.Name)).Mountpoint;
  assert.ok(!existsSync(`${anonPath}/secret`), 'copy-up copied the host directory');
  await must(d.docker(['rm', '-fv', id]));
  await must(d.docker(['rmi', image, `${image}-vol`]));
  await must(d.docker(['volume', 'rm', 'hv']));
  untouched();
});

test('a container sharing a volume cannot aim another container\'s nested mount at the host', async () => {
  // The first container plants a symlink where the second mounts a second volume.
  await must(d.docker(['run', '--rm', '-v', 'shared:/s', 'busybox', 'sh', '-c', `ln -s ${sentinel} /s/sub && ln -s ../../../../../..${sentinel} /s/up`]));
  for (const nested of ['/mnt/sub', '/mnt/up']) {
    const r = await d.docker(['run', '--rm', '-v', 'shared:/mnt', '-v', `inner:${nested}`, 'busybox', 'sh', '-c', `echo x > ${nested}/planted; ls ${nested}`]);
    assert.equal(r.code, 0, r.stderr);
    untouched();
  }
  const inner = (await inspectVolume('inner')).Mountpoint;
  assert.equal(readFileSync(`${inner}/planted`, 'utf8'), 'x\n');
  await must(d.docker(['volume', 'rm', 'shared', 'inner']));
});

test('copy-up keeps owners and modes, and happens only into an empty volume', async () => {
  await must(d.docker(['run', '--name', 'mk-owned', 'busybox', 'sh', '-c', 'mkdir -p /srv/app/sub && echo v1 > /srv/app/sub/f && chown -R 1234:5678 /srv/app && chmod 750 /srv/app && chmod 604 /srv/app/sub/f']));
  await must(d.docker(['commit', 'mk-owned', 'berthtest/owned:1']));
  await must(d.docker(['rm', 'mk-owned']));
  const r = await must(d.docker(['run', '--rm', '-v', 'owned:/srv/app', 'berthtest/owned:1', 'sh', '-c', 'stat -c "%u:%g %a" /srv/app /srv/app/sub/f; cat /srv/app/sub/f']));
  assert.equal(r.stdout, '1234:5678 750\n1234:5678 604\nv1\n');
  const mp = (await inspectVolume('owned')).Mountpoint;
  writeFileSync(`${mp}/sub/f`, 'changed\n');
  const again = await must(d.docker(['run', '--rm', '-v', 'owned:/srv/app', 'berthtest/owned:1', 'cat', '/srv/app/sub/f']));
  assert.equal(again.stdout, 'changed\n', 'a volume with content was filled again');
  const nocopy = await must(d.docker(['run', '--rm', '-v', 'owned2:/srv/app:nocopy', 'berthtest/owned:1', 'ls', '-A', '/srv/app']));
  assert.equal(nocopy.stdout, '');
  await must(d.docker(['volume', 'rm', 'owned', 'owned2']));
  await must(d.docker(['rmi', 'berthtest/owned:1']));
});

test('cp reads and writes through volumes and binds (the container\'s view)', async () => {
  const host = mkdtempSync('/tmp/berth-vol-bind-');
  try {
    writeFileSync(`${host}/from-host`, 'bound\n');
    await must(d.docker(['run', '-d', '--name', 'cpv', '-v', 'cpvol:/data', '-v', `${host}:/bound`, 'busybox', 'sleep', '600']));
    const src = mkdtempSync('/tmp/berth-vol-src-');
    writeFileSync(`${src}/in.txt`, 'copied in\n');
    await must(d.docker(['cp', `${src}/in.txt`, 'cpv:/data/in.txt']));
    await must(d.docker(['cp', `${src}/in.txt`, 'cpv:/bound/in.txt']));
    rmSync(src, { recursive: true, force: true });
    const mp = (await inspectVolume('cpvol')).Mountpoint;
    assert.equal(readFileSync(`${mp}/in.txt`, 'utf8'), 'copied in\n');
    assert.equal(readFileSync(`${host}/in.txt`, 'utf8'), 'copied in\n');
    const out = await must(d.docker(['cp', 'cpv:/bound/from-host', '-']));
    assert.match(out.stdout, /bound\n/);
    // The container sees the same files.
    const seen = await must(d.docker(['exec', 'cpv', 'cat', '/data/in.txt', '/bound/in.txt']));
    assert.equal(seen.stdout, 'copied in\ncopied in\n');
    // ps finds containers by a volume's name or a mount's destination.
    const id = (await must(d.docker(['inspect', '-f', '{{.Id}}', 'cpv']))).stdout.trim();
    for (const v of ['cpvol', '/bound']) assert.equal((await must(d.docker(['ps', '-q', '--no-trunc', '--filter', `volume=${v}`]))).stdout, `${id}\n`);
    assert.equal((await must(d.docker(['ps', '-q', '--filter', 'volume=other']))).stdout, '');
    await must(d.docker(['rm', '-f', 'cpv']));
    await must(d.docker(['volume', 'rm', 'cpvol']));
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
});

test('a volume with driver options has its file system mounted while used, across a daemon crash, and not after', async () => {
  const created = await api(d.socket, 'POST', '/v1.41/volumes/create', { Name: 'tmpvol', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=2m' } });
  assert.equal(created.status, 201, created.text());
  assert.deepEqual(created.json<{ Options: unknown }>().Options, { type: 'tmpfs', device: 'tmpfs', o: 'size=2m' });
  const mp = (await inspectVolume('tmpvol')).Mountpoint;
  assert.deepEqual(mountsUnder(mp), []);
  await must(d.docker(['run', '-d', '--name', 'tv', '-v', 'tmpvol:/t', 'busybox', 'sh', '-c', 'echo kept > /t/f; sleep 600']));
  await eventually(async () => existsSync(`${mp}/f`), 5000, 'the write');
  assert.deepEqual(mountsUnder(mp), [mp]);
  const df = await must(d.docker(['exec', 'tv', 'df', '-k', '/t']));
  assert.match(df.stdout, /tmpfs\s+2048\s/);

  await d.kill9();
  await d.start();
  assert.deepEqual(mountsUnder(mp), [mp], 'a crash of the daemon unmounted a volume still in use');
  assert.equal(readFileSync(`${mp}/f`, 'utf8'), 'kept\n');
  const rm = await d.docker(['volume', 'rm', 'tmpvol']);
  assert.equal(rm.code, 1);
  assert.match(rm.stderr, /volume is in use/);

  await must(d.docker(['stop', '-t', '0', 'tv']));
  assert.deepEqual(mountsUnder(mp), [], 'the last user stopped: the tmpfs must go');
  await must(d.docker(['rm', 'tv']));
  await must(d.docker(['volume', 'rm', 'tmpvol']));
  assert.ok(!existsSync(mp));
});

test('bad volume input changes nothing', async () => {
  const before = (await api(d.socket, 'GET', '/v1.41/volumes')).json<{ Volumes: unknown[] }>().Volumes.length;
  for (const body of [{ Name: '../escape' }, { Name: '..' }, { Name: 'x', DriverOpts: { evil: '1' } }, { Name: 'okname', Driver: 'nope' }]) {
    const r = await api(d.socket, 'POST', '/v1.41/volumes/create', body);
    assert.ok(r.status === 400 || r.status === 404, `${JSON.stringify(body)}: ${r.status} ${r.text()}`);
  }
  // A container whose second mount is bad creates no volume for its first.
  const c = await api(d.socket, 'POST', '/v1.41/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { Binds: ['first:/a', 'second:rel'] } });
  assert.equal(c.status, 400, c.text());
  const dup = await api(d.socket, 'POST', '/v1.41/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { Binds: ['first:/a', 'second:/a'] } });
  assert.equal(dup.status, 400);
  assert.equal(dup.json<{ message: string }>().message, 'Duplicate mount point: /a');
  // A failure after the volumes were made (this one's file system cannot be mounted for copy-up)
  // takes them away again.
  const late = await api(d.socket, 'POST', '/v1.41/containers/create', {
    Image: 'busybox',
    Cmd: ['true'],
    HostConfig: { Mounts: [{ Type: 'volume', Source: 'unmountable', Target: '/etc', VolumeOptions: { DriverConfig: { Options: { type: 'nosuchfs', device: 'none' } } } }] },
  });
  assert.equal(late.status, 400, late.text());
  assert.match(late.json<{ message: string }>().message, /failed to mount local volume/);
  assert.equal((await api(d.socket, 'GET', '/v1.41/volumes/unmountable')).status, 404, 'the failed create left its volume');
  assert.equal((await api(d.socket, 'GET', '/v1.41/containers/json?all=1')).json<unknown[]>().length, 0);
  const after = (await api(d.socket, 'GET', '/v1.41/volumes')).json<{ Volumes: unknown[] }>().Volumes.length;
  assert.equal(after, before);
  assert.deepEqual(readdirSync(`${d.dataRoot}/volumes`).filter((n) => n.startsWith('.creating-')), []);
});

test('volume events: create, mount, unmount, destroy', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  await must(d.docker(['run', '--rm', '-v', 'evvol:/e:ro', 'busybox', 'true']));
  await must(d.docker(['volume', 'rm', 'evvol']));
  const until = Math.floor(Date.now() / 1000) + 1;
  const r = await api(d.socket, 'GET', `/v1.41/events?since=${since}&until=${until}&filters=${encodeURIComponent('{"type":["volume"]}')}`);
  const events = r.text().trim().split('\n').map((l) => JSON.parse(l) as { Action: string; Actor: { ID: string; Attributes: Record<string, string> } });
  const mine = events.filter((e) => e.Actor.ID === 'evvol');
  assert.deepEqual(mine.map((e) => e.Action), ['create', 'mount', 'unmount', 'destroy']);
  assert.equal(mine[1]!.Actor.Attributes['read/write'], 'false');
  assert.equal(mine[1]!.Actor.Attributes['destination'], '/e');
});
test('the berth CLI: volume create/ls/inspect/rm and run -v', async () => {
  mkdirSync('/tmp/berth-vol-cli', { recursive: true });
  try {
    assert.equal((await must(d.berth(['volume', 'create', '--label', 'team=a', 'clivol']))).stdout, 'clivol\n');
    const ls = await must(d.berth(['volume', 'ls', '-q', '--filter', 'label=team=a']));
    assert.equal(ls.stdout, 'clivol\n');
    await must(d.berth(['run', '--rm', '-v', 'clivol:/v', '-v', '/tmp/berth-vol-cli:/h', 'busybox', 'sh', '-c', 'echo cli > /v/f; cp /v/f /h/f']));
    assert.equal(readFileSync('/tmp/berth-vol-cli/f', 'utf8'), 'cli\n');
    const ins = JSON.parse((await must(d.berth(['volume', 'inspect', 'clivol']))).stdout) as Array<{ Labels: Record<string, string> }>;
    assert.deepEqual(ins[0]!.Labels, { team: 'a' });
    const before = (await must(d.berth(['volume', 'ls', '-q']))).stdout;
    await must(d.berth(['run', '--rm', '-v', '/anon', '--tmpfs', '/t:size=1m', 'busybox', 'sh', '-c', 'echo x > /anon/f && grep -q " /t tmpfs" /proc/mounts']));
    assert.equal((await must(d.berth(['volume', 'ls', '-q']))).stdout, before, '--rm left its anonymous volume');
    await must(d.berth(['run', '-d', '--name', 'clidata', '-v', 'clivol:/v', 'busybox', 'sleep', '600']));
    const copied = await must(d.berth(['run', '--rm', '--volumes-from', 'clidata:ro', 'busybox', 'sh', '-c', 'cat /v/f; touch /v/nope 2>/dev/null && echo writable || echo read-only']));
    assert.equal(copied.stdout, 'cli\nread-only\n');
    const busy = await d.berth(['volume', 'rm', 'clivol']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /volume is in use/);
    await must(d.berth(['rm', '-f', 'clidata']));
    await must(d.berth(['volume', 'rm', 'clivol']));
    const gone = await d.berth(['volume', 'inspect', 'clivol']);
    assert.equal(gone.code, 1);
  } finally {
    rmSync('/tmp/berth-vol-cli', { recursive: true, force: true });
  }
});

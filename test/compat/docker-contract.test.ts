/**
 * The unmodified docker CLI 28 against berthd, command by command, checked against what the same
 * CLI printed against a real dockerd (../shared/notes/captures, "client output" of each file; the
 * expectations are written out here so CI needs nothing outside the repository). Ids, times and
 * sizes are normalised; everything else must match.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxTar, startDaemon, type TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;
let work: string;

before(async () => {
  d = await startDaemon();
  work = mkdtempSync(join(tmpdir(), 'berth-contract-'));
});

after(async () => {
  rmSync(work, { recursive: true, force: true });
  assert.deepEqual(await d.cleanup(), []);
});

const hex64 = /^[0-9a-f]{64}$/;

async function docker(...args: string[]) {
  return d.docker(args, { timeoutMs: 60_000 });
}

test('version (01): the Server block with API 1.41 and its minimum', async () => {
  const r = await docker('version');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Client:\n Version:\s+28\./);
  assert.match(r.stdout, /API version:\s+1\.41 \(downgraded from 1\.50\)/);
  assert.match(r.stdout, /\nServer: berth\n Engine:\n  Version:\s+\d+\.\d+\.\d+\n  API version:\s+1\.41 \(minimum version 1\.12\)\n/);
  assert.match(r.stdout, /\n runc:\n  Version:\s+\S+/);
});

test('info (02): storage, cgroup and runtime lines, and the default-network warning', async () => {
  const r = await docker('info');
  assert.equal(r.code, 0, r.stderr);
  for (const line of ['Storage Driver: overlay2', 'Logging Driver: json-file', 'Cgroup Driver: cgroupfs', 'Cgroup Version: 1', 'Default Runtime: runc', 'Swarm: inactive', 'Live Restore Enabled: true']) {
    assert.ok(r.stdout.includes(line), `missing "${line}"`);
  }
  assert.match(r.stdout, / Images: 1\n/);
  assert.match(r.stdout + r.stderr, /WARNING: berth has no bridge network yet/);
});

test('ps, ps -a, ps -q, ps -l with no containers (03-06)', async () => {
  const header = 'CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n';
  assert.equal((await docker('ps')).stdout, header);
  assert.equal((await docker('ps', '-a')).stdout, header);
  assert.equal((await docker('ps', '-q')).stdout, '');
  assert.equal((await docker('ps', '-l')).stdout, header);
});

test('images (07)', async () => {
  const r = await docker('images');
  assert.match(r.stdout, /^REPOSITORY   TAG       IMAGE ID       CREATED        SIZE\nbusybox      latest    [0-9a-f]{12}   \S+ \S+ ago   [0-9.]+MB\n$/);
});

test('run --rm busybox echo hi (08); run -d prints the id (09)', async () => {
  const r = await docker('run', '--rm', 'busybox', 'echo', 'hi');
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'hi\n', '']);
  const det = await docker('run', '-d', '--name', 'web', '-e', 'A=1', 'busybox', 'sleep', '300');
  assert.equal(det.code, 0, det.stderr);
  assert.match(det.stdout.trim(), hex64);
});

test('create, start, start again, stop, stop again, restart, pause, unpause, kill, kill again, rm -f (11-18)', async () => {
  const c = await docker('create', '--name', 'c2', 'busybox', 'sleep', '100');
  assert.match(c.stdout.trim(), hex64);
  const id = c.stdout.trim();
  for (const cmd of [['start'], ['start'], ['stop', '-t', '1'], ['stop'], ['restart', '-t', '1'], ['pause'], ['unpause'], ['kill']]) {
    const r = await docker(...cmd, 'c2');
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'c2\n', ''], cmd.join(' '));
  }
  const again = await docker('kill', 'c2');
  assert.equal(again.code, 1);
  assert.equal(again.stderr, `Error response from daemon: Cannot kill container: c2: Container ${id} is not running\n`);
  const rm = await docker('rm', '-f', 'c2');
  assert.deepEqual([rm.code, rm.stdout], [0, 'c2\n']);
});

test('missing objects (20-20d)', async () => {
  const inspect = await docker('inspect', 'nosuch');
  assert.deepEqual([inspect.code, inspect.stdout, inspect.stderr], [1, '[]\n', 'Error: No such object: nosuch\n']);
  const rm = await docker('rm', 'nosuch');
  assert.deepEqual([rm.code, rm.stderr], [1, 'Error response from daemon: No such container: nosuch\n']);
  const start = await docker('start', 'nosuch');
  assert.deepEqual([start.code, start.stderr], [1, 'Error response from daemon: No such container: nosuch\nError: failed to start containers: nosuch\n']);
  const run = await docker('run', '--rm', 'nosuchimage:latest', 'true');
  assert.equal(run.code, 125);
  assert.match(run.stderr, /^Unable to find image 'nosuchimage:latest' locally\ndocker: Error response from daemon: .+\n\nRun 'docker run --help' for more information\n$/);
});

test('logs -f --tail --timestamps (21) ends when the container exits', async () => {
  await docker('run', '-d', '--name', 'logger', 'busybox', 'sh', '-c', 'for i in $(seq 1 8); do echo line$i; echo err$i >&2; sleep 0.1; done');
  const r = await docker('logs', '-f', '--tail', '5', '--timestamps', 'logger');
  assert.equal(r.code, 0, r.stderr);
  const lines = (r.stdout + r.stderr).trim().split('\n');
  assert.ok(lines.length >= 8, lines.join('\n'));
  for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (line|err)\d$/);
  assert.match(r.stdout, /line8\n$/);
  assert.match(r.stderr, /err8\n$/);
  const plain = await docker('logs', 'web');
  assert.deepEqual([plain.code, plain.stdout], [0, '']);
});

test('inspect (27), -f (27b), container inspect (27c)', async () => {
  const r = await docker('inspect', 'web');
  const [obj] = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
  for (const key of ['Id', 'Created', 'Path', 'Args', 'State', 'Image', 'ResolvConfPath', 'HostnamePath', 'HostsPath', 'LogPath', 'Name', 'RestartCount', 'Driver', 'Platform', 'HostConfig', 'GraphDriver', 'Mounts', 'Config', 'NetworkSettings']) {
    assert.ok(key in obj!, `inspect lacks ${key}`);
  }
  assert.equal(obj!['Name'], '/web');
  assert.match(r.stdout, /^\[\n    \{\n        "Id": "[0-9a-f]{64}",\n        "Created": "/);
  const f = await docker('inspect', '-f', '{{.State.Running}} {{.State.Pid}}', 'web');
  assert.match(f.stdout, /^true \d+\n$/);
  const c = await docker('container', 'inspect', 'web');
  assert.deepEqual(JSON.parse(c.stdout), JSON.parse(r.stdout));
});

test('import (30), history (32), tag (33), rmi (34)', async () => {
  const exp = join(work, 'rootfs.tar');
  // A busybox root file system from the fixture image's single layer.
  const { execFileSync } = await import('node:child_process');
  const manifest = JSON.parse(execFileSync('tar', ['-xOf', busyboxTar, 'manifest.json'], { encoding: 'utf8' })) as Array<{ Layers: string[] }>;
  execFileSync('sh', ['-c', `tar -xOf ${busyboxTar} ${manifest[0]!.Layers[0]} > ${exp}`]);
  const imp = await docker('import', exp, 'berthtest/imp:tag1');
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const hist = await docker('history', 'berthtest/imp:tag1');
  assert.match(hist.stdout, /^IMAGE {10}CREATED +CREATED BY   SIZE      COMMENT\n[0-9a-f]{12}   .+\s+[0-9.]+MB    Imported from -\n$/);
  const tag = await docker('tag', 'busybox', 'berthtest/bb:t1');
  assert.deepEqual([tag.code, tag.stdout, tag.stderr], [0, '', '']);
  const rmi = await docker('rmi', 'berthtest/bb:t1');
  assert.deepEqual([rmi.code, rmi.stdout], [0, 'Untagged: berthtest/bb:t1\n']);
  await docker('rmi', 'berthtest/imp:tag1');
});

test('save -o (35), load -i (36) and load from stdin (36b)', async () => {
  const out = join(work, 'img.tar');
  const save = await docker('save', '-o', out, 'busybox');
  assert.deepEqual([save.code, save.stdout, save.stderr], [0, '', '']);
  assert.ok(existsSync(out) && statSync(out).size > 1_000_000);
  const load = await docker('load', '-i', out);
  assert.deepEqual([load.code, load.stdout], [0, 'Loaded image: busybox:latest\n']);
  const { readFileSync } = await import('node:fs');
  const stdin = await d.docker(['load'], { input: readFileSync(out) });
  assert.deepEqual([stdin.code, stdin.stdout], [0, 'Loaded image: busybox:latest\n']);
});

test('wait (52), rename (53), events (54, 54b)', async () => {
  const since = String(Math.floor(Date.now() / 1000) - 1);
  const id = (await docker('run', '-d', '--name', 'waiter', 'busybox', 'sh', '-c', 'sleep 0.5; exit 7')).stdout.trim();
  const w = await docker('wait', 'waiter');
  assert.deepEqual([w.code, w.stdout], [0, '7\n']);
  const rn = await docker('rename', 'waiter', 'waiter2');
  assert.deepEqual([rn.code, rn.stdout, rn.stderr], [0, '', '']);
  const until = String(Math.floor(Date.now() / 1000) + 1);
  // By id: a name filter matches the name each event carried, so the events before the rename
  // would not match `waiter2` (as with dockerd).
  const ev = await docker('events', '--since', since, '--until', until, '--filter', `container=${id}`);
  const lines = ev.stdout.trim().split('\n');
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z container create [0-9a-f]{64} \(image=busybox, name=waiter\)$/);
  assert.ok(lines.some((l) => / container die [0-9a-f]{64} \(exitCode=7, image=busybox, name=waiter\)$/.test(l)), lines.join('\n'));
  assert.match(lines.at(-1)!, / container rename [0-9a-f]{64} \(image=busybox, name=waiter2, oldName=\/waiter\)$/);
  const json = await docker('events', '--since', since, '--until', until, '--filter', `container=${id}`, '--format', '{{json .}}');
  const first = JSON.parse(json.stdout.split('\n')[0]!) as Record<string, unknown>;
  assert.deepEqual(Object.keys(first).sort(), ['Action', 'Actor', 'Type', 'from', 'id', 'scope', 'status', 'time', 'timeNano'].sort());
});

test('system df (57) and the prunes (67-68d)', async () => {
  const df = await docker('system', 'df');
  assert.match(df.stdout, /^TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\nImages          1         1         [0-9.]+MB /);
  const cp = await docker('container', 'prune', '-f');
  assert.equal(cp.code, 0, cp.stderr);
  assert.match(cp.stdout, /Total reclaimed space: /);
  const ip = await docker('image', 'prune', '-f');
  assert.equal(ip.stdout, 'Total reclaimed space: 0B\n');
  const sp = await docker('system', 'prune', '-f');
  assert.equal(sp.code, 0, sp.stderr);
  assert.match(sp.stdout, /Total reclaimed space: /);
});

test('a name already in use (97)', async () => {
  const r = await docker('create', '--name', 'web', 'busybox', 'true');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Error response from daemon: Conflict\. The container name "\/web" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\.\n/);
});

test('an unknown network fails at start like dockerd (no pull attempt); a relative -w fails at create', async () => {
  const r = await docker('run', '--rm', '--network', 'bogus', 'busybox', 'true');
  assert.equal(r.code, 125);
  assert.doesNotMatch(r.stderr, /Unable to find image/);
  assert.match(r.stderr, /network bogus not found/);
  const w = await docker('create', '-w', 'relative', 'busybox', 'true');
  assert.notEqual(w.code, 0);
  assert.match(w.stderr, /the working directory 'relative' is invalid, it needs to be an absolute path/);
});

test('network ls shows the built-in networks; volumes are listed, inspected and pruned as empty', async () => {
  const nets = await docker('network', 'ls', '--format', '{{.Name}} {{.Driver}}');
  assert.deepEqual(nets.stdout.trim().split('\n').sort(), ['host host', 'none null']);
  const vols = await docker('volume', 'ls', '-q');
  assert.deepEqual([vols.code, vols.stdout], [0, '']);
  const inspect = await docker('volume', 'inspect', 'nosuch');
  assert.match(inspect.stderr, /no such volume/);
  const prune = await docker('system', 'prune', '--volumes', '-f');
  assert.equal(prune.code, 0, prune.stderr);
});

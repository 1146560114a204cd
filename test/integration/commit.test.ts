/**
 * diff (GET /containers/{id}/changes) and commit (POST /commit) through the raw API on a real
 * daemon: the change list of running and stopped containers, commits with pause, config merges and
 * changes, the new layer's round trip through a new container, history, events, and bad or aborted
 * requests leaving the stores as they were.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { mountsUnder, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { api, eventually } from '../helpers/api.js';

let d: TestDaemon;

/** Changes made by the test containers: an added tree, a modified and a deleted file, a directory removed and made again. */
const script = [
  'mkdir -p /data/sub',
  'echo new > /data/sub/f',
  'echo extra >> /etc/passwd',
  'rm /etc/group',
  'rm -rf /var/spool',
  'mkdir /var/spool',
  'echo again > /var/spool/n',
  'touch /tmp/ready',
].join(' && ');

const expectedChanges = [
  { Path: '/data', Kind: 1 },
  { Path: '/data/sub', Kind: 1 },
  { Path: '/data/sub/f', Kind: 1 },
  { Path: '/etc', Kind: 0 },
  { Path: '/etc/group', Kind: 2 },
  { Path: '/etc/passwd', Kind: 0 },
  { Path: '/tmp', Kind: 0 },
  { Path: '/tmp/ready', Kind: 1 },
  { Path: '/var', Kind: 0 },
  { Path: '/var/spool', Kind: 0 },
  { Path: '/var/spool/mail', Kind: 2 },
  { Path: '/var/spool/n', Kind: 1 },
];

interface Inspect {
  Id: string;
  Parent: string;
  Comment: string;
  Container: string;
  Author: string;
  ContainerConfig: Record<string, unknown>;
  Config: Record<string, unknown>;
  RootFS: { Layers: string[] };
}

let busyboxId: string;
let busyboxLayers: string[];
let chId: string;

before(async () => {
  d = await startDaemon();
  const bb = (await api(d.socket, 'GET', '/images/busybox/json')).json<Inspect>();
  busyboxId = bb.Id;
  busyboxLayers = bb.RootFS.Layers;
  const run = await d.docker(['run', '-d', '--name', 'ch', 'busybox', 'sh', '-c', `${script} && exec sleep 1000`]);
  assert.equal(run.code, 0, run.stderr);
  chId = run.stdout.trim();
  await eventually(async () => (await api(d.socket, 'GET', '/containers/ch/changes')).text().includes('/tmp/ready'), 10_000, 'the changes of ch');
  const st = await d.docker(['run', '--name', 'st', 'busybox', 'sh', '-c', script]);
  assert.equal(st.code, 0, st.stderr);
});

after(async () => {
  assert.deepEqual(await d.cleanup(), []);
});

/** Everything commit could leave behind: blobs (also half-ingested ones), layers (also unfinished ones) and image records. */
function storeState(): { blobs: string[]; ingest: string[]; layers: string[]; images: string[] } {
  const ls = (p: string) => (existsSync(p) ? readdirSync(p).sort() : []);
  return {
    blobs: ls(join(d.dataRoot, 'blobs', 'sha256')),
    ingest: ls(join(d.dataRoot, 'blobs', 'ingest')),
    layers: ls(join(d.dataRoot, 'overlay')).filter((n) => n !== 'l' && n !== '.trash' && n !== 'empty' && !existsSync(join(d.dataRoot, 'overlay', n, 'lower'))),
    images: ls(join(d.dataRoot, 'images')),
  };
}

async function status(name: string): Promise<string> {
  return (await api(d.socket, 'GET', `/containers/${name}/json`)).json<{ State: { Status: string } }>().State.Status;
}

/** The daemon's `since` for events from now on (Unix seconds with milliseconds). */
const nowParam = () => (Date.now() / 1000).toFixed(3);

async function events(since: string, container: string): Promise<Array<{ Action: string; Actor: { ID: string; Attributes: Record<string, string> } }>> {
  const until = Math.floor(Date.now() / 1000) + 1;
  const r = await api(d.socket, 'GET', `/events?since=${since}&until=${until}&filters=${encodeURIComponent(JSON.stringify({ container: { [container]: true } }))}`);
  return r
    .text()
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { Action: string; Actor: { ID: string; Attributes: Record<string, string> } });
}

function commit(query: Record<string, string | string[]>, body?: unknown) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
  return api(d.socket, 'POST', `/commit?${q.toString()}`, body);
}

test("changes of a running container: added, modified, deleted and recreated entries in dockerd's order, no runtime mount points", async () => {
  const r = await api(d.socket, 'GET', '/containers/ch/changes');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/json');
  assert.deepEqual(r.json(), expectedChanges);
});

test('changes of a stopped container are read the same way; an unchanged one has none; an unknown one is a 404', async () => {
  assert.equal(await status('st'), 'exited');
  assert.deepEqual((await api(d.socket, 'GET', '/containers/st/changes')).json(), expectedChanges);
  // Reading them did not leave the stopped container's file system mounted.
  const stId = (await api(d.socket, 'GET', '/containers/st/json')).json<{ Id: string }>().Id;
  assert.deepEqual(mountsUnder(join(d.dataRoot, 'overlay', stId)), []);
  const created = await d.docker(['create', '--name', 'fresh', 'busybox']);
  assert.equal(created.code, 0, created.stderr);
  const fresh = await api(d.socket, 'GET', '/containers/fresh/changes');
  assert.equal(fresh.status, 200);
  assert.equal(fresh.text(), 'null\n');
  const missing = await api(d.socket, 'GET', '/containers/nosuch/changes');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json(), { message: 'No such container: nosuch' });
});

test('commit pauses a running container around the commit: pause, commit and unpause events, and it keeps running', async () => {
  const since = nowParam();
  const r = await commit({ container: 'ch', repo: 'docker.io/berthtest/ch', tag: 'v1', comment: 'snap', author: 'tester <t@example.com>' });
  assert.equal(r.status, 201, r.text());
  const id = r.json<{ Id: string }>().Id;
  assert.match(id, /^sha256:[a-f0-9]{64}$/);
  const evs = await events(since, 'ch');
  assert.deepEqual(
    evs.map((e) => e.Action).filter((a) => ['pause', 'commit', 'unpause'].includes(a)),
    ['pause', 'commit', 'unpause'],
  );
  const ev = evs.find((e) => e.Action === 'commit')!;
  assert.equal(ev.Actor.ID, chId);
  assert.deepEqual(ev.Actor.Attributes, { comment: 'snap', image: 'busybox', imageID: id, imageRef: 'berthtest/ch:v1', name: 'ch' });
  const state = (await api(d.socket, 'GET', '/containers/ch/json')).json<{ State: { Running: boolean; Paused: boolean } }>().State;
  assert.deepEqual([state.Running, state.Paused], [true, false]);
  assert.equal((await api(d.socket, 'GET', '/images/berthtest/ch:v1/json')).json<Inspect>().Id, id);
});

test('pause=0 commits without pausing', async () => {
  const since = nowParam();
  const r = await commit({ container: 'ch', pause: '0' });
  assert.equal(r.status, 201, r.text());
  const actions = (await events(since, 'ch')).map((e) => e.Action);
  assert.ok(actions.includes('commit'), actions.join(', '));
  assert.ok(!actions.includes('pause'), actions.join(', '));
  const ev = (await events(since, 'ch')).find((e) => e.Action === 'commit')!;
  assert.equal(ev.Actor.Attributes['imageRef'], '');
  assert.equal(await status('ch'), 'running');
  // Untagged: it goes again with rmi by id.
  assert.equal((await d.docker(['rmi', r.json<{ Id: string }>().Id])).code, 0);
});

test('the committed image: parent, container, container_config, author, one new layer and its history entry', async () => {
  const img = (await api(d.socket, 'GET', '/images/berthtest/ch:v1/json')).json<Inspect>();
  const ctr = (await api(d.socket, 'GET', '/containers/ch/json')).json<{ Config: Record<string, unknown> }>();
  assert.equal(img.Parent, busyboxId);
  assert.equal(img.Container, chId);
  assert.equal(img.Author, 'tester <t@example.com>');
  assert.equal(img.Comment, 'snap');
  assert.deepEqual(img.ContainerConfig['Cmd'], ctr.Config['Cmd']);
  // No body and no changes: the image runs what the container ran, with its environment and hostname.
  assert.deepEqual(img.Config['Cmd'], ctr.Config['Cmd']);
  assert.deepEqual(img.Config['Env'], ctr.Config['Env']);
  assert.equal(img.Config['Hostname'], ctr.Config['Hostname']);
  assert.equal(img.RootFS.Layers.length, busyboxLayers.length + 1);
  assert.deepEqual(img.RootFS.Layers.slice(0, -1), busyboxLayers);

  const history = (await api(d.socket, 'GET', '/images/berthtest/ch:v1/history')).json<Array<{ Id: string; CreatedBy: string; Comment: string; Tags: string[] | null; Size: number }>>();
  assert.equal(history[0]!.Id, img.Id);
  assert.equal(history[0]!.CreatedBy, `sh -c ${script} && exec sleep 1000`);
  assert.equal(history[0]!.Comment, 'snap');
  assert.deepEqual(history[0]!.Tags, ['berthtest/ch:v1']);
  assert.ok(history[0]!.Size > 0);
  assert.equal(history[1]!.Id, busyboxId);
});

test("round trip: a container of the committed image sees exactly the committed container's files", async () => {
  // Everything below the changed directories, with size, mode, owner and content hash.
  const listing = 'find /data /etc /var /tmp /bin/sh | grep -v -e "^/etc/host" -e "^/etc/resolv.conf" | sort | while read p; do echo "$p $(stat -c "%s %a %u %g %F" "$p") $(test -f "$p" && md5sum < "$p")"; done';
  const before = await d.docker(['exec', 'ch', 'sh', '-c', listing]);
  assert.equal(before.code, 0, before.stderr);
  const after = await d.docker(['run', '--rm', 'berthtest/ch:v1', 'sh', '-c', listing]);
  assert.equal(after.code, 0, after.stderr);
  assert.equal(after.stdout, before.stdout);
  assert.match(after.stdout, /^\/data\/sub\/f 4 644 0 0 regular file /m);
  // The deletions stayed deleted (whiteouts), the recreated directory holds only its new file (opaque).
  const probe = await d.docker(['run', '--rm', 'berthtest/ch:v1', 'sh', '-c', 'test -e /etc/group || echo no-group; ls -A /var/spool; tail -n1 /etc/passwd']);
  assert.equal(probe.stdout, 'no-group\nn\nextra\n');
});

test("a config body and changes are merged as dockerd merges them, and the result runs", async () => {
  const r = await commit(
    {
      container: 'st',
      repo: 'berthtest/merged',
      changes: ['ENV A=1', 'LABEL k=v', 'EXPOSE 8080', 'USER nobody', 'WORKDIR /data', 'VOLUME /vol', 'ONBUILD RUN echo hi', 'STOPSIGNAL SIGUSR1', 'HEALTHCHECK --interval=5s CMD true'],
    },
    { Env: ['B=2'], Labels: { from: 'body' }, Cmd: ['cat', 'sub/f'] },
  );
  assert.equal(r.status, 201, r.text());
  const img = (await api(d.socket, 'GET', '/images/berthtest/merged/json')).json<Inspect>();
  const c = img.Config;
  assert.deepEqual(c['Env'], ['B=2', 'A=1', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  assert.deepEqual(c['Labels'], { from: 'body', k: 'v' });
  assert.deepEqual(c['Cmd'], ['cat', 'sub/f']);
  assert.deepEqual(c['ExposedPorts'], { '8080/tcp': {} });
  assert.equal(c['User'], 'nobody');
  assert.equal(c['WorkingDir'], '/data');
  assert.deepEqual(c['Volumes'], { '/vol': {} });
  assert.deepEqual(c['OnBuild'], ['RUN echo hi']);
  assert.equal(c['StopSignal'], 'SIGUSR1');
  assert.deepEqual(c['Healthcheck'], { Test: ['CMD-SHELL', 'true'], Interval: 5_000_000_000 });
  // Fields the body leaves out are not taken from the container (dockerd merges only some).
  assert.equal(c['Hostname'], '');
  assert.equal(c['Image'], '');
  const st = (await api(d.socket, 'GET', '/containers/st/json')).json<{ Config: Record<string, unknown> }>();
  assert.deepEqual(img.ContainerConfig['Cmd'], st.Config['Cmd']);

  const run = await d.docker(['run', '--rm', 'berthtest/merged']);
  assert.deepEqual([run.code, run.stdout], [0, 'new\n'], run.stderr);
  const who = await d.docker(['run', '--rm', 'berthtest/merged', 'sh', '-c', 'id -un; pwd; echo $A$B']);
  assert.equal(who.stdout, 'nobody\n/data\n12\n');
});

test('ENTRYPOINT as a change clears the command unless a CMD came before it', async () => {
  const a = await commit({ container: 'st', changes: 'ENTRYPOINT ["echo"]' });
  assert.equal(a.status, 201, a.text());
  const ca = (await api(d.socket, 'GET', `/images/${a.json<{ Id: string }>().Id}/json`)).json<Inspect>().Config;
  assert.deepEqual([ca['Entrypoint'], ca['Cmd']], [['echo'], null]);
  const b = await commit({ container: 'st', changes: ['CMD ["x"]', 'ENTRYPOINT ["echo"]'] });
  const cb = (await api(d.socket, 'GET', `/images/${b.json<{ Id: string }>().Id}/json`)).json<Inspect>().Config;
  assert.deepEqual([cb['Entrypoint'], cb['Cmd']], [['echo'], ['x']]);
  const run = await d.docker(['run', '--rm', b.json<{ Id: string }>().Id]);
  assert.equal(run.stdout, 'x\n');
  for (const r of [a, b]) assert.equal((await d.docker(['rmi', r.json<{ Id: string }>().Id])).code, 0);
});

test("an empty diff adds no layer: the history entry is dockerd's empty_layer", async () => {
  const before = storeState();
  const r = await commit({ container: 'fresh', repo: 'berthtest/fresh', comment: 'nothing' });
  assert.equal(r.status, 201, r.text());
  const img = (await api(d.socket, 'GET', '/images/berthtest/fresh/json')).json<Inspect>();
  assert.deepEqual(img.RootFS.Layers, busyboxLayers);
  const history = (await api(d.socket, 'GET', '/images/berthtest/fresh/history')).json<Array<{ Id: string; Comment: string; Size: number; CreatedBy: string }>>();
  assert.deepEqual([history[0]!.Id, history[0]!.Comment, history[0]!.Size, history[0]!.CreatedBy], [img.Id, 'nothing', 0, 'sh']);
  const after = storeState();
  assert.deepEqual(after.layers, before.layers, 'no layer was added');
  assert.deepEqual(after.blobs, [...before.blobs, img.Id.slice(7)].sort(), 'only the config blob was added');
  assert.equal((await d.docker(['run', '--rm', 'berthtest/fresh', 'cat', '/etc/group'])).code, 0);
});

test('bad input changes nothing: Docker\'s errors, no image, layer or blob, the container neither paused nor stopped', async () => {
  const since = nowParam();
  const before = storeState();
  const cases: Array<[Record<string, string | string[]>, unknown, number, string]> = [
    [{ container: 'ch', repo: 'BAD' }, undefined, 400, 'invalid reference format: repository name (library/BAD) must be lowercase'],
    [{ container: 'ch', repo: 'berthtest/x', tag: 'a:b' }, undefined, 400, 'invalid tag format'],
    [{ container: 'ch', repo: `berthtest/x@sha256:${'a'.repeat(64)}` }, undefined, 400, 'cannot import digest reference'],
    [{ container: 'ch', changes: 'RUN echo x' }, undefined, 400, 'run is not a valid change command'],
    [{ container: 'ch', changes: ['ENV A=1', 'EXPOSE abc'] }, undefined, 400, 'invalid containerPort: abc'],
    [{ container: 'ch', changes: 'STOPSIGNAL NOPE' }, undefined, 400, 'invalid signal: NOPE'],
    [{ container: 'ch' }, { Cmd: 5 }, 400, 'json: cannot unmarshal number into Go struct field Config.Cmd of type strslice.StrSlice'],
    [{ container: 'nosuch', repo: 'berthtest/x' }, undefined, 404, 'No such container: nosuch'],
    [{}, undefined, 404, 'No such container: '],
  ];
  for (const [query, body, code, message] of cases) {
    const r = await commit(query, body);
    assert.deepEqual([r.status, r.json<{ message: string }>().message], [code, message], JSON.stringify(query));
  }
  assert.deepEqual(storeState(), before);
  assert.equal(await status('ch'), 'running');
  const actions = (await events(since, 'ch')).map((e) => e.Action);
  assert.deepEqual(actions.filter((a) => ['pause', 'unpause', 'commit'].includes(a)), []);
  assert.equal((await api(d.socket, 'GET', '/images/berthtest/x/json')).status, 404);
});

test('committing 50 MB of changes (timing printed), and an aborted commit leaving nothing behind', async () => {
  const fill = await d.docker(['run', '--name', 'big', 'busybox', 'sh', '-c', 'dd if=/dev/urandom of=/big bs=1M count=50 2>/dev/null && mkdir /many && for i in $(seq 1 200); do echo $i > /many/$i; done']);
  assert.equal(fill.code, 0, fill.stderr);

  const before = storeState();
  // Abort once the layer is being written: the request goes away mid-stream.
  const ingestDir = join(d.dataRoot, 'blobs', 'ingest');
  const req = request({ socketPath: d.socket, method: 'POST', path: '/commit?container=big&repo=berthtest/aborted' });
  const outcome = new Promise<string>((resolve) => {
    req.on('response', (res) => resolve(`response ${res.statusCode}`));
    req.on('error', () => resolve('aborted'));
  });
  req.end();
  await eventually(async () => readdirSync(ingestDir).some((f) => statSync(join(ingestDir, f), { throwIfNoEntry: false })?.size), 30_000, 'the layer blob being written');
  req.destroy();
  assert.equal(await outcome, 'aborted');
  await eventually(async () => JSON.stringify(storeState()) === JSON.stringify(before) && !readdirSync(join(d.dataRoot, 'overlay')).some((n) => n.startsWith('.tmp-')), 30_000, 'the aborted commit to clean up');
  assert.equal((await api(d.socket, 'GET', '/images/berthtest/aborted/json')).status, 404);

  const t0 = performance.now();
  const r = await commit({ container: 'big', repo: 'berthtest/big' });
  const ms = performance.now() - t0;
  assert.equal(r.status, 201, r.text());
  console.log(`# commit of a container with 50 MB of changes (one file + 200 small ones): ${ms.toFixed(0)} ms`);
  const check = await d.docker(['run', '--rm', 'berthtest/big', 'sh', '-c', 'stat -c %s /big; ls /many | wc -l']);
  assert.equal(check.stdout, '52428800\n200\n');
});

test('rmi of the last name of an image that has a committed child only untags it, as dockerd does', async () => {
  const c = await commit({ container: 'st', repo: 'child', tag: 'one' });
  assert.equal(c.status, 201, c.text());
  const childId = c.json<{ Id: string }>().Id;
  const created = await d.docker(['create', '--name', 'gc', 'child:one', 'true']);
  assert.equal(created.code, 0, created.stderr);
  const g = await commit({ container: 'gc', repo: 'grand', tag: 'one' });
  assert.equal(g.status, 201, g.text());
  assert.equal((await d.docker(['rm', 'gc'])).code, 0);

  const before = storeState();
  const r = await api(d.socket, 'DELETE', '/images/child:one');
  assert.equal(r.status, 200, r.text());
  assert.deepEqual(r.json(), [{ Untagged: 'child:one' }]);
  assert.deepEqual(storeState(), before);
  assert.equal((await api(d.socket, 'GET', `/images/${childId}/json`)).status, 200);
  // By id it stays a conflict while the child exists.
  const byId = await api(d.socket, 'DELETE', `/images/${childId}?force=1`);
  assert.equal(byId.status, 409);
  assert.match(byId.json<{ message: string }>().message, /image has dependent child images$/);
  // Removing the grandchild takes the now dangling parent with it.
  const rmi = await d.docker(['rmi', 'grand:one']);
  assert.equal(rmi.code, 0, rmi.stderr);
  assert.equal((await api(d.socket, 'GET', `/images/${childId}/json`)).status, 404);
});

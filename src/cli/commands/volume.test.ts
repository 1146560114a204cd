import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { DiskUsage, Volume } from '../../api/types/index.js';
import type { Output } from '../command.js';
import { runCli } from '../main.js';
import { verboseDiskUsage } from './system.js';

/**
 * The volume commands against a scripted daemon answering as dockerd 20.10 did in captures 38–41,
 * 65 and 68c: what berth sends, prints and exits with.
 */

const anon = 'c5190875d36005d95bc2ace2ec89f8dc25269f896d9dd2ad3f7ba568080aafc7';
const vol = (name: string, labels: Record<string, string> | null = null): Volume => ({
  CreatedAt: '2026-11-22T02:39:41Z',
  Driver: 'local',
  Labels: labels,
  Mountpoint: `/var/lib/docker/volumes/${name}/_data`,
  Name: name,
  Options: null,
  Scope: 'local',
});

type Handler = (req: IncomingMessage, body: string) => [number, unknown?];

/** Runs `berth ARGS` against a daemon answering with `handle`; returns the requests after the ping and the output. */
async function berth(args: string[], handle: Handler, opts: { apiVersion?: string; stdin?: string } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'berth-volume-cli-'));
  const socket = join(dir, 'd.sock');
  const requests: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/_ping') {
        res.writeHead(200, { 'Api-Version': opts.apiVersion ?? '1.41', Ostype: 'linux', 'Content-Length': '0' }).end();
        return;
      }
      requests.push(`${req.method} ${decodeURIComponent(req.url!)}${body ? ` ${body}` : ''}`);
      const [status, answer] = handle(req, body);
      if (answer === undefined) res.writeHead(status).end();
      else res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(socket, r));
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void): Output => ({
    write: (d) => append(typeof d === 'string' ? d : Buffer.from(d).toString()),
    isTTY: false,
    columns: 80,
    stream: process.stdout,
  });
  try {
    const code = await runCli(args, {
      stdout: sink((s) => (out += s)),
      stderr: sink((s) => (err += s)),
      stdin: () => Readable.from([opts.stdin ?? '']) as unknown as NodeJS.ReadStream,
      env: { BERTH_HOST: `unix://${socket}` },
    });
    return { code, out, err, requests };
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  }
}

const notFound = (name: string): [number, unknown] => [404, { message: `get ${name}: no such volume` }];

test('volume create sends what CLI 28 sends and prints the name (captures 38, 38b)', async () => {
  const named = await berth(['volume', 'create', '--label', 'k=v', 'vol2'], (_req, body) => [201, vol('vol2', JSON.parse(body).Labels)]);
  assert.deepEqual(named.requests, ['POST /v1.41/volumes/create {"Driver":"local","Labels":{"k":"v"},"Name":"vol2"}']);
  assert.deepEqual([named.code, named.out, named.err], [0, 'vol2\n', '']);

  const anonymous = await berth(['volume', 'create'], () => [201, vol(anon)]);
  assert.deepEqual(anonymous.requests, ['POST /v1.41/volumes/create {"Driver":"local"}']);
  assert.equal(anonymous.out, `${anon}\n`);

  const opts = await berth(['volume', 'create', '-d', 'local', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m', '--label', 'b', '--name', 'myvol'], () => [201, vol('myvol')]);
  assert.deepEqual(opts.requests, ['POST /v1.41/volumes/create {"Driver":"local","DriverOpts":{"device":"tmpfs","o":"size=1m","type":"tmpfs"},"Labels":{"b":""},"Name":"myvol"}']);

  const noDriver = await berth(['volume', 'create', '--driver', '', 'x'], () => [201, vol('x')]);
  assert.deepEqual(noDriver.requests, ['POST /v1.41/volumes/create {"Name":"x"}']);

  const both = await berth(['volume', 'create', '--name', 'x', 'y'], () => [500]);
  assert.deepEqual([both.code, both.err, both.requests], [1, 'conflicting options: cannot specify a volume-name through both --name and as a positional arg\n', []]);
  const badLabel = await berth(['volume', 'create', '--label', '=a'], () => [500]);
  assert.equal(badLabel.code, 125);
  assert.match(badLabel.err, /^invalid argument "=a" for "--label" flag: invalid label '=a': empty name\n/);
});

test('volume ls: docker’s table sorted naturally, -q, filters as the query (captures 39, 39b)', async () => {
  const list = { Volumes: [vol('vol10'), vol('vol2', { k: 'v', a: 'b' }), vol('vol1'), vol(anon)], Warnings: ['ignored'] };
  const table = await berth(['volume', 'ls'], () => [200, list]);
  assert.deepEqual(table.requests, ['GET /v1.41/volumes']);
  assert.equal(table.out, `DRIVER    VOLUME NAME\nlocal     ${anon}\nlocal     vol1\nlocal     vol2\nlocal     vol10\n`);
  assert.equal(table.err, '');

  const quiet = await berth(['volume', 'list', '-f', 'dangling=true', '-q', '--filter', 'label=a=b'], () => [200, { Volumes: [vol('vol2'), vol(anon)], Warnings: null }]);
  assert.deepEqual(quiet.requests, ['GET /v1.41/volumes?filters={"dangling":{"true":true},"label":{"a=b":true}}']);
  assert.equal(quiet.out, `${anon}\nvol2\n`);

  const empty = await berth(['volume', 'ls'], () => [200, { Volumes: null, Warnings: null }]);
  assert.equal(empty.out, 'DRIVER    VOLUME NAME\n');
});

test('volume ls --format: docker’s volume context', async () => {
  const list = { Volumes: [vol('vol2', { k: 'v', a: 'b' }), vol('vol1')], Warnings: null };
  const ls = async (...args: string[]) => (await berth(['volume', 'ls', ...args], () => [200, list])).out;
  assert.equal(
    await ls('--format', 'json'),
    '{"Availability":"N/A","Driver":"local","Group":"N/A","Labels":"","Links":"N/A","Mountpoint":"/var/lib/docker/volumes/vol1/_data","Name":"vol1","Scope":"local","Size":"N/A","Status":"N/A"}\n' +
      '{"Availability":"N/A","Driver":"local","Group":"N/A","Labels":"a=b,k=v","Links":"N/A","Mountpoint":"/var/lib/docker/volumes/vol2/_data","Name":"vol2","Scope":"local","Size":"N/A","Status":"N/A"}\n',
  );
  assert.equal(
    await ls('--format', 'table {{.Name}}\t{{.Labels}}\t{{.Label "a"}}\t{{.Scope}}'),
    'VOLUME NAME   LABELS    a         SCOPE\nvol1                              local\nvol2          a=b,k=v   b         local\n',
  );
  // A format wins over -q; `raw` is docker's name/driver pairs.
  assert.equal(await ls('-q', '--format', '{{.Name}}-{{.Driver}}'), 'vol1-local\nvol2-local\n');
  assert.equal(await ls('--format', 'raw'), 'name: vol1\ndriver: local\n\nname: vol2\ndriver: local\n\n');
  assert.equal(await ls('-q', '--format', 'raw'), 'name: vol1\nname: vol2\n');
  assert.equal(await ls('-q', '--format', 'table'), 'vol1\nvol2\n');
  const bad = await berth(['volume', 'ls', '--format', '{{.Nope}}'], () => [200, list]);
  assert.deepEqual([bad.code, bad.out], [1, '']);
  assert.equal(bad.err, 'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.volumeContext\n');
});

test('volume inspect prints docker’s re-encoding of each volume; failures are listed after (capture 40)', async () => {
  const daemon: Handler = (req) => {
    const name = decodeURIComponent(req.url!.slice('/v1.41/volumes/'.length));
    // Keys out of order and an unknown field: docker's output does not depend on them.
    if (name === 'vol2') return [200, { Scope: 'local', Options: null, Name: 'vol2', Mountpoint: '/var/lib/docker/volumes/vol2/_data', Labels: { k: 'v', a: '<b>' }, Driver: 'local', CreatedAt: '2026-11-22T02:39:41Z', Extra: 1 }];
    return notFound(name);
  };
  const one = await berth(['volume', 'inspect', 'vol2'], daemon);
  assert.deepEqual(one.requests, ['GET /v1.41/volumes/vol2']);
  assert.equal(
    one.out,
    '[\n    {\n        "CreatedAt": "2026-11-22T02:39:41Z",\n        "Driver": "local",\n        "Labels": {\n            "a": "\\u003cb\\u003e",\n            "k": "v"\n        },\n' +
      '        "Mountpoint": "/var/lib/docker/volumes/vol2/_data",\n        "Name": "vol2",\n        "Options": null,\n        "Scope": "local"\n    }\n]\n',
  );
  const missing = await berth(['volume', 'inspect', 'nosuch', 'vol2', 'gone'], daemon);
  assert.equal(missing.code, 1);
  assert.match(missing.out, /^\[\n {4}\{\n/);
  assert.equal(missing.err, 'Error response from daemon: get nosuch: no such volume\nError response from daemon: get gone: no such volume\n');
  const none = await berth(['volume', 'inspect', 'nosuch'], daemon);
  assert.deepEqual([none.code, none.out], [1, '[]\n']);

  const template = await berth(['volume', 'inspect', '-f', '{{.Name}} {{.Options}} {{.Labels}} {{.UsageData}} {{.ClusterVolume}}', 'vol2'], daemon);
  assert.equal(template.out, 'vol2 map[] map[a:<b> k:v] <nil> <nil>\n');
  const json = await berth(['volume', 'inspect', '-f', 'json', 'vol2'], daemon);
  assert.equal(json.out, '[{"CreatedAt":"2026-11-22T02:39:41Z","Driver":"local","Labels":{"a":"\\u003cb\\u003e","k":"v"},"Mountpoint":"/var/lib/docker/volumes/vol2/_data","Name":"vol2","Options":null,"Scope":"local"}]\n');
  const badField = await berth(['volume', 'inspect', '-f', '{{.Nope}}', 'vol2'], daemon);
  assert.deepEqual([badField.code, badField.out], [1, '\n']);
  assert.equal(badField.err, 'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type volume.Volume\n');
  const badTemplate = await berth(['volume', 'inspect', '-f', '{{.Name', 'vol2'], daemon);
  assert.deepEqual([badTemplate.code, badTemplate.err, badTemplate.requests], [64, 'template parsing error: template: :1: unclosed action\n', []]);
});

test('volume rm tries every name and reports each failure (captures 41, 65)', async () => {
  const daemon: Handler = (req) => {
    if (req.url!.includes('busy')) return [409, { message: 'remove busy: volume is in use - [e696e74db306]' }];
    if (req.url!.includes('missing')) return notFound('missing');
    return [204];
  };
  const r = await berth(['volume', 'rm', 'vol1', 'missing', 'busy', 'vol2'], daemon);
  assert.deepEqual(r.requests, ['DELETE /v1.41/volumes/vol1', 'DELETE /v1.41/volumes/missing', 'DELETE /v1.41/volumes/busy', 'DELETE /v1.41/volumes/vol2']);
  assert.deepEqual([r.code, r.out], [1, 'vol1\nvol2\n']);
  assert.equal(r.err, 'Error response from daemon: get missing: no such volume\nError response from daemon: remove busy: volume is in use - [e696e74db306]\n');
  const forced = await berth(['volume', 'remove', '-f', 'vol1'], daemon);
  assert.deepEqual([forced.code, forced.out, forced.requests], [0, 'vol1\n', ['DELETE /v1.41/volumes/vol1?force=1']]);
});

test('volume prune: docker 28 against an API 1.41 daemon (capture 68c)', async () => {
  const report = { VolumesDeleted: [anon], SpaceReclaimed: 0 };
  const forced = await berth(['volume', 'prune', '-f'], () => [200, report]);
  assert.deepEqual(forced.requests, ['POST /v1.41/volumes/prune']);
  assert.deepEqual([forced.code, forced.out], [0, `Deleted Volumes:\n${anon}\n\nTotal reclaimed space: 0B\n`]);

  const asked = await berth(['volume', 'prune', '--filter', 'label=a=b'], () => [200, { VolumesDeleted: null, SpaceReclaimed: 0 }], { stdin: 'y\n' });
  assert.deepEqual(asked.requests, ['POST /v1.41/volumes/prune?filters={"label":{"a=b":true}}']);
  assert.equal(asked.out, 'WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] Total reclaimed space: 0B\n');

  const declined = await berth(['volume', 'prune'], () => [200, report], { stdin: 'n\n' });
  assert.deepEqual([declined.code, declined.requests], [0, []]);

  // berth's client speaks 1.41 at most, so even a newer daemon gets this answer.
  for (const apiVersion of ['1.41', '1.43']) {
    const all = await berth(['volume', 'prune', '-a', '-f'], () => [200, report], { apiVersion });
    assert.deepEqual([all.code, all.err, all.requests], [1, '"--all" requires API version 1.42, but the Docker daemon API version is 1.41\n', []]);
  }
});

test('system df -v: the local volumes with their links and sizes (capture 57b)', () => {
  const du: DiskUsage = {
    LayersSize: 0,
    Images: [],
    Containers: [],
    Volumes: [
      { ...vol(anon), UsageData: { RefCount: 0, Size: 0 } },
      { ...vol('vol1'), UsageData: { RefCount: 2, Size: 11 } },
      { ...vol('vol3'), UsageData: { RefCount: 1, Size: 0 } },
    ],
    BuildCache: [],
  };
  const out = verboseDiskUsage(du);
  const section = out.slice(out.indexOf('Local Volumes space usage:'), out.indexOf('Build cache usage:'));
  assert.equal(
    section,
    'Local Volumes space usage:\n\n' +
      'VOLUME NAME                                                        LINKS     SIZE\n' +
      `${anon}   0         0B\n` +
      'vol1                                                               2         11B\n' +
      'vol3                                                               1         0B\n\n',
  );
  assert.ok(out.endsWith('Build cache usage: 0B\n\nCACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED\n'));
});

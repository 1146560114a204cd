/**
 * Bad and hostile input: a clear 4xx with Docker's wording, nothing changed, nothing written outside
 * the data root, and the daemon still answering afterwards.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { api } from '../helpers/api.js';
import { makeImageArchive, makeTar } from '../helpers/tarball.js';

let d: TestDaemon;
let outside: string;

before(async () => {
  d = await startDaemon();
  // A directory outside the data root that hostile archives aim at; it must stay empty.
  outside = mkdtempSync(join(tmpdir(), 'berth-outside-'));
});

after(async () => {
  rmSync(outside, { recursive: true, force: true });
  assert.deepEqual(await d.cleanup(), []);
});

afterEach(async () => {
  assert.deepEqual(readdirSync(outside), [], 'something was written outside the data root');
  const ping = await api(d.socket, 'GET', '/_ping');
  assert.equal(ping.status, 200, 'the daemon stopped answering');
});

function state() {
  const count = (dir: string) => (existsSync(dir) ? readdirSync(dir).length : 0);
  return {
    blobs: count(join(d.dataRoot, 'blobs', 'sha256')),
    ingest: count(join(d.dataRoot, 'blobs', 'ingest')),
    overlay: count(join(d.dataRoot, 'overlay')),
    images: count(join(d.dataRoot, 'images')),
    containers: count(join(d.dataRoot, 'containers')),
  };
}

/** Relative path from the daemon's working directories up to the "outside" directory. */
const climb = () => `../../../../../../../../../..${outside}`;

test('invalid references get Docker\'s wording', async () => {
  const cases: Array<[string, string, unknown, RegExp]> = [
    ['POST', '/v1.41/containers/create', { Image: 'UPPER' }, /^invalid reference format: repository name \(library\/UPPER\) must be lowercase$/],
    ['POST', '/v1.41/containers/create', { Image: 'a//b' }, /^invalid reference format$/],
    ['POST', '/v1.41/images/busybox/tag?repo=Bad&tag=x', undefined, /invalid reference format/],
    ['POST', '/v1.41/images/busybox/tag?repo=ok&tag=b@d', undefined, /invalid tag format/],
    ['POST', `/v1.41/images/create?fromSrc=-&repo=${encodeURIComponent('a:b:c')}`, Buffer.alloc(0), /invalid reference format/],
  ];
  const before = state();
  for (const [method, path, body, message] of cases) {
    const r = await api(d.socket, method, path, body);
    assert.equal(r.status, 400, `${path}: ${r.text()}`);
    assert.match(r.json<{ message: string }>().message, message);
  }
  assert.deepEqual(state(), before);
});

test('malformed and mistyped JSON bodies are 400s and create nothing', async () => {
  const before = state();
  const bodies: Array<[string | Buffer, RegExp]> = [
    ['{"Image": "busybox", ', /invalid JSON/],
    ['[1,2,3]', /cannot unmarshal array/],
    ['{"Image": "busybox", "Cmd": 5}', /cannot unmarshal number into Go struct field Config\.Cmd/],
    ['{"Image": "busybox", "Env": "A=1"}', /cannot unmarshal string into Go struct field Config\.Env/],
    ['{"Image": "busybox", "HostConfig": {"Memory": "lots"}}', /cannot unmarshal string into Go struct field HostConfig\.Memory/],
    ['{"Image": "busybox", "HostConfig": {"RestartPolicy": {"Name": "sometimes"}}}', /invalid restart policy 'sometimes'/],
    ['', /config cannot be empty/],
  ];
  for (const [body, message] of bodies) {
    const r = await api(d.socket, 'POST', '/v1.41/containers/create', Buffer.from(body), { 'Content-Type': 'application/json' });
    assert.equal(r.status, 400, r.text());
    assert.match(r.json<{ message: string }>().message, message);
  }
  assert.deepEqual(state(), before);
  // Unknown keys are ignored, as Docker does: newer clients send fields older daemons do not know.
  const ok = await api(d.socket, 'POST', '/v1.41/containers/create', { Image: 'busybox', FancyNewField: { x: 1 }, HostConfig: { AlsoNew: true } });
  assert.equal(ok.status, 201, ok.text());
  await api(d.socket, 'DELETE', `/containers/${ok.json<{ Id: string }>().Id}`);
});

test('unknown routes, versions and query values', async () => {
  assert.equal((await api(d.socket, 'GET', '/v1.41/nothing/here')).status, 404);
  const tooNew = await api(d.socket, 'GET', '/v1.99/version');
  assert.equal(tooNew.status, 400);
  assert.equal(tooNew.json<{ message: string }>().message, 'client version 1.99 is too new. Maximum supported API version is 1.41');
  assert.equal((await api(d.socket, 'GET', '/v1.41/containers/json?all=maybe')).status, 400);
  assert.equal((await api(d.socket, 'GET', '/v1.41/containers/json?filters=notjson')).status, 400);
  const signal = await api(d.socket, 'POST', '/v1.41/containers/create?name=sig', { Image: 'busybox', Cmd: ['sleep', '30'] });
  await api(d.socket, 'POST', '/containers/sig/start');
  const badSignal = await api(d.socket, 'POST', '/containers/sig/kill?signal=NOPE');
  assert.equal(badSignal.status, 400);
  assert.equal(badSignal.json<{ message: string }>().message, 'invalid signal: NOPE');
  await api(d.socket, 'DELETE', `/containers/${signal.json<{ Id: string }>().Id}?force=1`);
});

test('import of a tar with ../ entries is refused and leaves no trace', async () => {
  const hostile = await makeTar([{ name: 'ok.txt', content: 'fine\n' }, { name: `${climb()}/escaped.txt`, content: 'pwned\n' }]);
  const before = state();
  const r = await api(d.socket, 'POST', '/v1.41/images/create?fromSrc=-&repo=evil/import:1', hostile, { 'Content-Type': 'text/plain' });
  assert.equal(r.status, 400, r.text());
  assert.match(r.json<{ message: string }>().message, /escapes the layer root/);
  assert.deepEqual(state(), before);
  assert.equal((await api(d.socket, 'GET', '/images/evil/import:1/json')).status, 404);
});

test('import of a symlink pointing out, then a write through it, stays inside the layer', async () => {
  const hostile = await makeTar([
    { name: 'link', type: 'symlink', linkname: outside },
    { name: 'link/through-symlink.txt', content: 'pwned\n' },
    { name: 'up', type: 'symlink', linkname: '../../../../../../../../../..' },
    { name: `up${outside}/through-dotdot.txt`, content: 'pwned\n' },
  ]);
  const r = await api(d.socket, 'POST', '/v1.41/images/create?fromSrc=-&repo=evil/symlink:1', hostile, { 'Content-Type': 'text/plain' });
  // Accepted (these are legal inside an image), but every write landed inside the layer: the
  // symlinks were followed as if the layer were `/`.
  assert.equal(r.status, 200, r.text());
  const found = execFileSync('find', [join(d.dataRoot, 'overlay'), '-name', 'through-*.txt'], { encoding: 'utf8' }).trim().split('\n').sort();
  assert.equal(found.length, 2, found.join(', '));
  for (const f of found) assert.ok(f.startsWith(join(d.dataRoot, 'overlay') + '/') && f.includes(`/diff${outside}/`), f);
  await d.docker(['rmi', 'evil/symlink:1']);
});

test('import of a hard link to a path outside is refused', async () => {
  const hostile = await makeTar([{ name: 'passwd', type: 'link', linkname: '../../../../../../etc/passwd' }]);
  const before = state();
  const r = await api(d.socket, 'POST', '/v1.41/images/create?fromSrc=-', hostile, { 'Content-Type': 'text/plain' });
  assert.equal(r.status, 400, r.text());
  assert.match(r.json<{ message: string }>().message, /hard link target escapes the layer root/);
  assert.deepEqual(state(), before);
});

test('load of an archive with ../ entries or a hostile layer is refused and leaves no trace', async () => {
  const before = state();
  const archiveEscape = await makeTar([{ name: 'manifest.json', content: '[]' }, { name: `${climb()}/from-archive.txt`, content: 'pwned\n' }]);
  const r1 = await api(d.socket, 'POST', '/v1.41/images/load?quiet=1', archiveEscape, { 'Content-Type': 'application/x-tar' });
  assert.equal(r1.status, 400, r1.text());
  assert.match(r1.json<{ message: string }>().message, /escapes the archive root/);

  const badLayer = await makeTar([{ name: `${climb()}/from-layer.txt`, content: 'pwned\n' }]);
  const archive = await makeImageArchive({ layers: [badLayer], tag: 'evil/layer:1' });
  const r2 = await api(d.socket, 'POST', '/v1.41/images/load?quiet=1', archive, { 'Content-Type': 'application/x-tar' });
  assert.equal(r2.status, 400, r2.text());
  assert.match(r2.json<{ message: string }>().message, /escapes the layer root/);
  assert.equal((await api(d.socket, 'GET', '/images/evil/layer:1/json')).status, 404);

  const garbage = await api(d.socket, 'POST', '/v1.41/images/load?quiet=1', Buffer.from('this is not a tar archive at all'.repeat(40)));
  assert.equal(garbage.status, 400, garbage.text());
  assert.deepEqual(state(), before);
});

test('load of an archive whose layer does not match its config is refused', async () => {
  const layer = await makeTar([{ name: 'a.txt', content: 'a\n' }]);
  const other = await makeTar([{ name: 'b.txt', content: 'b\n' }]);
  // Swap the layer bytes after computing the config: the diff id check must catch it.
  const good = await makeImageArchive({ layers: [layer], tag: 'evil/mismatch:1' });
  const tampered = Buffer.from(good);
  const at = tampered.indexOf(layer.subarray(0, 512));
  assert.ok(at > 0);
  other.copy(tampered, at, 0, Math.min(other.length, layer.length));
  const before = state();
  const r = await api(d.socket, 'POST', '/v1.41/images/load?quiet=1', tampered, { 'Content-Type': 'application/x-tar' });
  assert.equal(r.status, 400, r.text());
  assert.deepEqual(state(), before);
});

test('names and ids that do not exist', async () => {
  const r = await d.docker(['rm', 'nosuch']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim(), 'Error response from daemon: No such container: nosuch');
  const img = await api(d.socket, 'GET', '/images/nosuch/json');
  assert.equal(img.status, 404);
  assert.equal(img.json<{ message: string }>().message, 'No such image: nosuch:latest');
  const badName = await api(d.socket, 'POST', '/v1.41/containers/create?name=bad%20name', { Image: 'busybox' });
  assert.equal(badName.status, 400);
  assert.equal(badName.json<{ message: string }>().message, 'Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed');
});

/**
 * The container state machine through the Engine API: status codes clients depend on, wait
 * conditions, logs and attach streams, events.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { FrameDecoder } from '../../src/common/stdcopy.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { api, eventually } from '../helpers/api.js';

let d: TestDaemon;

before(async () => {
  d = await startDaemon();
});

after(async () => {
  assert.deepEqual(await d.cleanup(), []);
});

async function create(body: Record<string, unknown>, name?: string): Promise<string> {
  const r = await api(d.socket, 'POST', `/v1.41/containers/create${name ? `?name=${name}` : ''}`, { Image: 'busybox', ...body });
  assert.equal(r.status, 201, r.text());
  return r.json<{ Id: string }>().Id;
}

function demux(buf: Buffer): { stdout: string; stderr: string } {
  const out = { stdout: '', stderr: '' };
  new FrameDecoder().push(buf, (s, p) => {
    if (s === 1) out.stdout += p.toString();
    else if (s === 2) out.stderr += p.toString();
  });
  return out;
}

test('start/stop/kill/pause answer with the codes the CLI relies on', async () => {
  const id = await create({ Cmd: ['sleep', '300'] }, 'codes');
  assert.equal((await api(d.socket, 'POST', `/containers/codes/start`)).status, 204);
  assert.equal((await api(d.socket, 'POST', `/containers/codes/start`)).status, 304);
  assert.equal((await api(d.socket, 'POST', `/containers/codes/pause`)).status, 204);
  const paused = await api(d.socket, 'POST', `/containers/codes/pause`);
  assert.equal(paused.status, 409);
  assert.equal(paused.json<{ message: string }>().message, `Container ${id} is already paused`);
  assert.equal((await api(d.socket, 'POST', `/containers/codes/start`)).status, 409);
  assert.equal((await api(d.socket, 'POST', `/containers/codes/unpause`)).status, 204);
  const rmRunning = await api(d.socket, 'DELETE', `/containers/codes`);
  assert.equal(rmRunning.status, 409);
  assert.match(rmRunning.json<{ message: string }>().message, /You cannot remove a running container/);
  // busybox sleep as PID 1 ignores SIGTERM: stop must fall back to SIGKILL after t.
  const t0 = Date.now();
  assert.equal((await api(d.socket, 'POST', `/containers/codes/stop?t=1`)).status, 204);
  assert.ok(Date.now() - t0 < 5000);
  assert.equal((await api(d.socket, 'POST', `/containers/codes/stop`)).status, 304);
  const kill = await api(d.socket, 'POST', `/containers/codes/kill`);
  assert.equal(kill.status, 409);
  assert.equal(kill.json<{ message: string }>().message, `Cannot kill container: codes: Container ${id} is not running`);
  const st = (await api(d.socket, 'GET', `/containers/codes/json`)).json<{ State: { ExitCode: number; Status: string } }>().State;
  assert.deepEqual([st.Status, st.ExitCode], ['exited', 137]);
  assert.equal((await api(d.socket, 'DELETE', `/containers/codes`)).status, 204);
  const gone = await api(d.socket, 'GET', `/containers/codes/json`);
  assert.equal(gone.status, 404);
  assert.equal(gone.json<{ message: string }>().message, 'No such container: codes');
});

test('create: 404 for a missing image, 409 for a taken name, defaults filled in', async () => {
  const missing = await api(d.socket, 'POST', '/v1.41/containers/create', { Image: 'nosuchimage' });
  assert.equal(missing.status, 404);
  assert.equal(missing.json<{ message: string }>().message, 'No such image: nosuchimage:latest');
  const id = await create({ Cmd: ['true'] }, 'taken');
  const dup = await api(d.socket, 'POST', '/v1.41/containers/create?name=taken', { Image: 'busybox' });
  assert.equal(dup.status, 409);
  assert.equal(
    dup.json<{ message: string }>().message,
    `Conflict. The container name "/taken" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
  );
  const ins = (await api(d.socket, 'GET', '/containers/taken/json')).json<{
    Name: string;
    Config: { Hostname: string; Cmd: string[]; Env: string[] };
    HostConfig: { ShmSize: number; IpcMode: string; Runtime: string; LogConfig: { Type: string } };
    State: { Status: string; FinishedAt: string };
  }>();
  assert.equal(ins.Name, '/taken');
  assert.equal(ins.Config.Hostname, id.slice(0, 12));
  assert.deepEqual(ins.Config.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  assert.equal(ins.HostConfig.ShmSize, 67108864);
  assert.equal(ins.HostConfig.IpcMode, 'private');
  assert.equal(ins.HostConfig.Runtime, 'runc');
  assert.equal(ins.HostConfig.LogConfig.Type, 'json-file');
  assert.equal(ins.State.Status, 'created');
  assert.equal(ins.State.FinishedAt, '0001-01-01T00:00:00Z');
  await api(d.socket, 'DELETE', '/containers/taken');
});

test('wait: not-running answers at once for a stopped container; next-exit and removed wait', async () => {
  const id = await create({ Cmd: ['sh', '-c', 'sleep 0.5; exit 7'] }, 'waiter');
  const now = await api(d.socket, 'POST', `/containers/${id}/wait`);
  assert.deepEqual(now.json(), { Error: null, StatusCode: 0 });
  const nextExit = api(d.socket, 'POST', `/containers/${id}/wait?condition=next-exit`);
  const removed = api(d.socket, 'POST', `/containers/${id}/wait?condition=removed`);
  await api(d.socket, 'POST', `/containers/${id}/start`);
  assert.deepEqual((await nextExit).json(), { Error: null, StatusCode: 7 });
  const cli = await d.docker(['wait', 'waiter']);
  assert.equal(cli.stdout.trim(), '7');
  await api(d.socket, 'DELETE', `/containers/${id}`);
  assert.deepEqual((await removed).json(), { Error: null, StatusCode: 7 });
  const bad = await api(d.socket, 'POST', `/containers/nosuch/wait`);
  assert.equal(bad.status, 404);
});

test('logs keep stdout and stderr apart, with timestamps, tail and since; follow ends at exit', async () => {
  // Spaced writes: lines of two streams written in the same instant may be logged in either order.
  const id = await create({ Cmd: ['sh', '-c', 'for i in 1 2 3; do echo out$i; sleep 0.05; echo err$i >&2; sleep 0.05; done; sleep 1; echo late'] });
  // Like dockerd, a follow only follows a running container (docker-py starts, then follows).
  await api(d.socket, 'POST', `/containers/${id}/start`);
  const follow = api(d.socket, 'GET', `/containers/${id}/logs?follow=1&stdout=1&stderr=1`);
  const followed = demux((await follow).body);
  assert.equal(followed.stdout, 'out1\nout2\nout3\nlate\n');
  assert.equal(followed.stderr, 'err1\nerr2\nerr3\n');
  const onlyErr = demux((await api(d.socket, 'GET', `/containers/${id}/logs?stderr=1`)).body);
  assert.deepEqual(onlyErr, { stdout: '', stderr: 'err1\nerr2\nerr3\n' });
  // As in dockerd, tail counts lines of both streams before the stream filter applies.
  const tail = demux((await api(d.socket, 'GET', `/containers/${id}/logs?stdout=1&tail=3`)).body);
  assert.equal(tail.stdout, 'out3\nlate\n');
  const ts = demux((await api(d.socket, 'GET', `/containers/${id}/logs?stdout=1&timestamps=1&tail=1`)).body);
  assert.match(ts.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z late\n$/);
  const future = demux((await api(d.socket, 'GET', `/containers/${id}/logs?stdout=1&since=${Math.floor(Date.now() / 1000) + 60}`)).body);
  assert.equal(future.stdout, '');
  const none = await api(d.socket, 'GET', `/containers/${id}/logs`);
  assert.equal(none.status, 400);
  const cli = await d.docker(['logs', '--tail', '1', id]);
  assert.equal(cli.stdout, 'late\n');
  await api(d.socket, 'DELETE', `/containers/${id}`);
});

test('attach: exactly 101 UPGRADED, framed output, and output keeps flowing after the client half-closes', async () => {
  const id = await create({ Cmd: ['sh', '-c', 'sleep 0.3; echo hi; echo oops >&2'], AttachStdout: true, AttachStderr: true });
  const sock = connect(d.socket);
  await new Promise((r) => sock.once('connect', r));
  sock.write(`POST /v1.41/containers/${id}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`);
  const chunks: Buffer[] = [];
  sock.on('data', (c: Buffer) => chunks.push(c));
  const closed = new Promise((r) => sock.once('end', r));
  await eventually(async () => Buffer.concat(chunks).includes('\r\n\r\n'), 5000, 'the 101 response');
  sock.end(); // the docker CLI half-closes right after the 101
  await api(d.socket, 'POST', `/containers/${id}/start`);
  await closed;
  const all = Buffer.concat(chunks);
  const split = all.indexOf('\r\n\r\n');
  const head = all.subarray(0, split).toString();
  assert.match(head, /^HTTP\/1\.1 101 UPGRADED\r\n/);
  assert.match(head, /Upgrade: tcp/);
  assert.deepEqual(demux(all.subarray(split + 4)), { stdout: 'hi\n', stderr: 'oops\n' });
  sock.destroy();
  await api(d.socket, 'DELETE', `/containers/${id}?force=1`);
});

test('run -i delivers all piped stdin then EOF, even when it outruns the container', async () => {
  // Megabytes, so the attach socket fills up and the daemon has to wait for it to drain.
  const input = Buffer.from(Array.from({ length: 200_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`).join('\n') + '\n');
  const r = await d.docker(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'md5sum; echo done'], { input });
  assert.equal(r.code, 0, r.stderr);
  const want = createHash('md5').update(input).digest('hex');
  assert.equal(r.stdout, `${want}  -\ndone\n`);
  const small = await d.docker(['run', '--rm', '-i', 'busybox', 'cat'], { input: 'hi\n' });
  assert.equal(small.stdout, 'hi\n');
});

test('rename, restart, kill -s and prune', async () => {
  await d.docker(['run', '-d', '--name', 'r1', 'busybox', 'sh', '-c', "trap 'exit 3' HUP; while true; do sleep 0.1; done"]);
  assert.equal((await d.docker(['rename', 'r1', 'r2'])).code, 0);
  const dup = await d.docker(['rename', 'r2', 'r2']);
  assert.notEqual(dup.code, 0);
  const pid1 = (await d.docker(['inspect', '-f', '{{.State.Pid}}', 'r2'])).stdout.trim();
  assert.equal((await d.docker(['restart', '-t', '1', 'r2'])).code, 0);
  const pid2 = (await d.docker(['inspect', '-f', '{{.State.Pid}} {{.State.Running}}', 'r2'])).stdout.trim();
  assert.notEqual(pid2.split(' ')[0], pid1);
  assert.equal(pid2.split(' ')[1], 'true');
  assert.equal((await d.docker(['kill', '-s', 'HUP', 'r2'])).code, 0);
  await eventually(async () => (await d.docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'r2'])).stdout.trim() === 'exited 3', 5000, 'HUP exit');
  const prune = await api(d.socket, 'POST', '/containers/prune');
  assert.equal(prune.status, 200);
  assert.ok(prune.json<{ ContainersDeleted: string[] }>().ContainersDeleted.length >= 1);
  assert.equal((await api(d.socket, 'GET', '/containers/r2/json')).status, 404);
});

test('list filters in both encodings, limit and status text', async () => {
  await d.docker(['run', '-d', '--name', 'lf-run', '-l', 'team=a', 'busybox', 'sleep', '60']);
  await d.docker(['run', '--name', 'lf-exit', '-l', 'team=b', 'busybox', 'sh', '-c', 'exit 5']);
  const map = await api(d.socket, 'GET', `/containers/json?all=1&filters=${encodeURIComponent('{"label":{"team=a":true}}')}`);
  assert.deepEqual(map.json<Array<{ Names: string[] }>>().map((c) => c.Names[0]), ['/lf-run']);
  const list = await api(d.socket, 'GET', `/containers/json?all=0&limit=-1&filters=${encodeURIComponent('{"status": ["exited"], "label": ["team"]}')}`);
  const exited = list.json<Array<{ Names: string[]; Status: string; State: string }>>();
  assert.deepEqual(exited.map((c) => c.Names[0]), ['/lf-exit']);
  assert.match(exited[0]!.Status, /^Exited \(5\) /);
  const byExit = await api(d.socket, 'GET', `/containers/json?all=1&filters=${encodeURIComponent('{"exited":["5"]}')}`);
  assert.deepEqual(byExit.json<Array<{ Names: string[] }>>().map((c) => c.Names[0]), ['/lf-exit']);
  const latest = await api(d.socket, 'GET', '/containers/json?limit=1');
  assert.equal(latest.json<unknown[]>().length, 1);
  const badFilter = await api(d.socket, 'GET', `/containers/json?filters=${encodeURIComponent('{"bogus":["x"]}')}`);
  assert.equal(badFilter.status, 400);
  assert.equal(badFilter.json<{ message: string }>().message, "Invalid filter 'bogus'");
  await d.docker(['rm', '-f', 'lf-run', 'lf-exit']);
});

test('events: create/start/die/destroy with exit code, since replay and until end', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  await d.docker(['run', '--rm', '--name', 'evt', 'busybox', 'sh', '-c', 'exit 4']);
  const until = Math.floor(Date.now() / 1000) + 1;
  const r = await api(d.socket, 'GET', `/events?since=${since}&until=${until}&filters=${encodeURIComponent('{"container":{"evt":true}}')}`);
  const events = r.text().trim().split('\n').map((l) => JSON.parse(l) as { Action: string; Actor: { Attributes: Record<string, string> } });
  assert.deepEqual(events.map((e) => e.Action), ['create', 'start', 'die', 'destroy']);
  assert.equal(events[2]!.Actor.Attributes['exitCode'], '4');
  assert.equal(events[0]!.Actor.Attributes['name'], 'evt');
});

test('a command that cannot run: 127 for not found, 126 for not executable, container left in Created', async () => {
  const nf = await d.docker(['run', '--name', 'nf', 'busybox', 'nosuchcmd']);
  assert.equal(nf.code, 127);
  assert.match(nf.stderr, /executable file not found/);
  assert.match((await d.docker(['ps', '-a', '--filter', 'name=nf', '--format', '{{.Status}}'])).stdout, /^Created/);
  const ne = await d.docker(['run', '--rm', 'busybox', '/etc/passwd']);
  assert.equal(ne.code, 126);
  assert.match(ne.stderr, /permission denied/);
  await d.docker(['rm', 'nf']);
});

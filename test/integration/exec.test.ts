/** exec through the API and the docker CLI: streams, stdin, users, env, errors, detach, inspect. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { api, eventually } from '../helpers/api.js';

let d: TestDaemon;

before(async () => {
  d = await startDaemon();
  const r = await d.docker(['run', '-d', '--name', 'box', '-e', 'FROM_CONTAINER=yes', '-w', '/tmp', 'busybox', 'sleep', '600']);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  assert.deepEqual(await d.cleanup(), []);
});

test('output streams, exit code and the exec record', async () => {
  const r = await d.docker(['exec', 'box', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [3, 'out\n', 'err\n']);
  const create = await api(d.socket, 'POST', '/v1.41/containers/box/exec', { Cmd: ['sh', '-c', 'exit 5'], AttachStdout: true, AttachStderr: true });
  assert.equal(create.status, 201);
  const id = create.json<{ Id: string }>().Id;
  const before = (await api(d.socket, 'GET', `/exec/${id}/json`)).json<{ Running: boolean; ExitCode: number | null }>();
  assert.deepEqual([before.Running, before.ExitCode], [false, null]);
  const ids = await d.docker(['inspect', '-f', '{{json .ExecIDs}}', 'box']);
  assert.ok(ids.stdout.includes(id));
});

test('inherits the container environment and working directory; -e, -w and -u override', async () => {
  const inherit = await d.docker(['exec', 'box', 'sh', '-c', 'echo $FROM_CONTAINER $PWD $(id -u)']);
  assert.equal(inherit.stdout, 'yes /tmp 0\n');
  const over = await d.docker(['exec', '-e', 'FROM_CONTAINER=no', '-e', 'NEW=1', '-w', '/etc', '-u', 'nobody', 'box', 'sh', '-c', 'echo $FROM_CONTAINER $NEW $PWD $(id -un); grep CapEff /proc/self/status']);
  assert.match(over.stdout, /^no 1 \/etc nobody\nCapEff:\s+0000000000000000\n$/);
  const priv = await d.docker(['exec', '--privileged', 'box', 'grep', 'CapEff', '/proc/self/status']);
  assert.doesNotMatch(priv.stdout, /00000000a80425fb/);
});

test('stdin is delivered, then EOF', async () => {
  const input = 'x'.repeat(300_000) + '\n';
  const r = await d.docker(['exec', '-i', 'box', 'wc', '-c'], { input });
  assert.equal(r.stdout.trim(), String(input.length));
});

test('a command that cannot run: the error in the stream, exit 126 or 127', async () => {
  const nf = await d.docker(['exec', 'box', 'nosuchcmd']);
  assert.equal(nf.code, 127);
  assert.match(nf.stdout + nf.stderr, /executable file not found/);
  const cwd = await d.docker(['exec', '-w', '/nonexistent', 'box', 'true']);
  assert.equal(cwd.code, 126);
  assert.match(cwd.stdout + cwd.stderr, /chdir to cwd/);
  const stopped = await d.docker(['create', '--name', 'idle', 'busybox', 'true']);
  assert.equal(stopped.code, 0);
  const r = await api(d.socket, 'POST', '/v1.41/containers/idle/exec', { Cmd: ['true'] });
  assert.equal(r.status, 409);
  assert.match(r.json<{ message: string }>().message, /^Container [0-9a-f]{64} is not running$/);
  assert.equal((await api(d.socket, 'POST', '/v1.41/containers/box/exec', { Cmd: [] })).status, 400);
  assert.equal((await api(d.socket, 'GET', '/v1.41/exec/nosuch/json')).status, 404);
  await d.docker(['rm', 'idle']);
});

test('detached exec runs to completion; its record reports the exit', async () => {
  const r = await d.docker(['exec', '-d', 'box', 'sh', '-c', 'sleep 0.3; echo done > /tmp/detached']);
  assert.deepEqual([r.code, r.stdout], [0, '']);
  await eventually(async () => (await d.docker(['exec', 'box', 'cat', '/tmp/detached'])).stdout === 'done\n', 5000, 'the detached exec');
});

test('exec events: exec_create, exec_start, exec_die with the exit code', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  await d.docker(['exec', 'box', 'sh', '-c', 'exit 2']);
  const until = Math.floor(Date.now() / 1000) + 1;
  const r = await api(d.socket, 'GET', `/events?since=${since}&until=${until}&filters=${encodeURIComponent('{"container":{"box":true}}')}`);
  const events = r.text().trim().split('\n').map((l) => JSON.parse(l) as { Action: string; Actor: { Attributes: Record<string, string> } });
  const actions = events.map((e) => e.Action);
  assert.ok(actions.includes("exec_create: sh -c exit 2"), actions.join(', '));
  assert.ok(actions.includes("exec_start: sh -c exit 2"), actions.join(', '));
  const execId = events.find((e) => e.Action === 'exec_create: sh -c exit 2')!.Actor.Attributes['execID'];
  const die = events.find((e) => e.Action === 'exec_die' && e.Actor.Attributes['execID'] === execId);
  assert.equal(die?.Actor.Attributes['exitCode'], '2');
});

test('exec in a crun container', async () => {
  await d.docker(['run', '-d', '--name', 'cbox', '--runtime', 'crun', 'busybox', 'sleep', '600']);
  const r = await d.docker(['exec', 'cbox', 'sh', '-c', 'grep Seccomp: /proc/self/status; exit 6']);
  assert.equal(r.code, 6);
  assert.match(r.stdout, /Seccomp:\s+2/);
  await d.docker(['rm', '-f', 'cbox']);
});

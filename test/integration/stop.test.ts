/** How stop ends a container: --stop-signal (or the image's STOPSIGNAL), then SIGKILL after --stop-timeout. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { api, eventually } from '../helpers/api.js';

let d: TestDaemon;

before(async () => {
  d = await startDaemon();
});

after(async () => {
  assert.deepEqual(await d.cleanup(), []);
});

const trapUsr1 = 'trap "echo got usr1; exit 7" USR1; echo ready; while :; do sleep 0.1; done';

async function ready(name: string): Promise<void> {
  await eventually(async () => (await d.docker(['logs', name])).stdout.includes('ready'), 10_000, `${name} to be ready`);
}

test('--stop-signal: stop sends that signal; the process handles it and its exit code is kept', async () => {
  assert.equal((await d.docker(['run', '-d', '--name', 's1', '--stop-signal', 'SIGUSR1', 'busybox', 'sh', '-c', trapUsr1])).code, 0);
  await ready('s1');
  assert.equal((await d.docker(['stop', 's1'])).code, 0);
  assert.equal((await d.docker(['inspect', '-f', '{{.State.ExitCode}} {{.Config.StopSignal}}', 's1'])).stdout.trim(), '7 SIGUSR1');
  assert.match((await d.docker(['logs', 's1'])).stdout, /got usr1/);
  assert.equal((await d.docker(['rm', 's1'])).code, 0);
});

test("the image's STOPSIGNAL is used when the container sets none", async () => {
  const save = await d.docker(['commit', '-c', 'STOPSIGNAL USR1', (await d.docker(['create', 'busybox'])).stdout.trim(), 'stopsig:test']);
  assert.equal(save.code, 0, save.stderr);
  assert.equal((await d.docker(['run', '-d', '--name', 's2', 'stopsig:test', 'sh', '-c', trapUsr1])).code, 0);
  await ready('s2');
  assert.equal((await d.docker(['stop', 's2'])).code, 0);
  assert.equal((await d.docker(['inspect', '-f', '{{.State.ExitCode}}', 's2'])).stdout.trim(), '7');
  assert.equal((await d.docker(['container', 'prune', '-f'])).code, 0);
  assert.equal((await d.docker(['rmi', 'stopsig:test'])).code, 0);
});

test('--stop-timeout: SIGKILL follows the stop signal after that many seconds, not the default 10', async () => {
  // sleep as PID 1 has no handler for SIGTERM, so only the SIGKILL ends it.
  const run = await d.docker(['run', '-d', '--name', 's3', '--stop-timeout', '1', 'busybox', 'sleep', '600']);
  assert.equal(run.code, 0, run.stderr);
  const id = run.stdout.trim();
  const since = String(Math.floor(Date.now() / 1000) - 1);
  assert.equal((await d.docker(['stop', 's3'])).code, 0);
  assert.equal((await d.docker(['inspect', '-f', '{{.State.ExitCode}}', 's3'])).stdout.trim(), '137');
  const until = String(Math.ceil(Date.now() / 1000) + 1);
  const ev = await d.docker(['events', '--since', since, '--until', until, '--filter', `container=${id}`, '--filter', 'event=kill', '--format', '{{.Actor.Attributes.signal}} {{.TimeNano}}']);
  assert.equal(ev.code, 0, ev.stderr);
  const kills = ev.stdout.trim().split('\n').map((l) => l.split(' ')).map(([sig, ns]) => ({ sig, ms: Number(BigInt(ns!) / 1_000_000n) }));
  assert.deepEqual(kills.map((k) => k.sig), ['15', '9'], ev.stdout);
  const gap = kills[1]!.ms - kills[0]!.ms;
  // A second by the setting; the default would be ten.
  assert.ok(gap >= 900 && gap < 9000, `${gap} ms between SIGTERM and SIGKILL`);
  const stops = await d.docker(['events', '--since', since, '--until', until, '--filter', `container=${id}`, '--format', '{{.Action}}']);
  assert.deepEqual(stops.stdout.trim().split('\n'), ['create', 'start', 'kill', 'kill', 'die', 'stop']);
  assert.equal((await d.docker(['rm', 's3'])).code, 0);
});

test('restart with a signal stops with it before starting again, as stop does', async () => {
  assert.equal((await d.docker(['run', '-d', '--name', 's4', 'busybox', 'sh', '-c', trapUsr1])).code, 0);
  await ready('s4');
  // The docker CLI sends `signal` only to API 1.42 and later; berth's CLI and API clients send it.
  const r = await api(d.socket, 'POST', '/containers/s4/restart?signal=USR1');
  assert.equal(r.status, 204, r.text());
  // The trap ran (its line is in the log) and the container runs again.
  assert.match((await d.docker(['logs', 's4'])).stdout, /got usr1/);
  assert.equal((await d.docker(['inspect', '-f', '{{.State.Running}}', 's4'])).stdout.trim(), 'true');
  assert.equal((await d.docker(['rm', '-f', 's4'])).code, 0);
});

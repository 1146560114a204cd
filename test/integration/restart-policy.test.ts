/** Restart policies as dockerd applies them, including across daemon restarts and crashes. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/api.js';

let d: TestDaemon;

before(async () => {
  d = await startDaemon();
});

after(async () => {
  assert.deepEqual(await d.cleanup(), []);
});

async function state(name: string): Promise<{ status: string; count: number; code: number }> {
  const r = await d.docker(['inspect', '-f', '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}', name]);
  const [status = '', count = '0', code = '0'] = r.stdout.trim().split(' ');
  return { status, count: Number(count), code: Number(code) };
}

test('always: a container whose process exits is started again, with a growing backoff', async () => {
  const r = await d.docker(['run', '-d', '--name', 'always', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.2; exit 3']);
  assert.equal(r.code, 0, r.stderr);
  await eventually(async () => (await state('always')).count >= 3, 15_000, 'three restarts');
  const s = await state('always');
  assert.ok(['running', 'restarting'].includes(s.status), s.status);
  const ps = await d.docker(['ps', '-a', '--filter', 'name=always', '--format', '{{.Status}}']);
  assert.match(ps.stdout, /^(Up |Restarting \(3\) )/);
  // A stop by the user ends it, whatever the state it was caught in.
  assert.equal((await d.docker(['stop', '-t', '1', 'always'])).code, 0);
  await new Promise((res) => setTimeout(res, 1500));
  assert.equal((await state('always')).status, 'exited');
});

test('on-failure:N restarts only failures, at most N times; exit 0 is not restarted', async () => {
  await d.docker(['run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 1']);
  await eventually(async () => {
    const s = await state('flaky');
    return s.status === 'exited' && s.count === 2 ? s : undefined;
  }, 15_000, 'two restarts, then exited');
  await new Promise((res) => setTimeout(res, 1000));
  assert.deepEqual(await state('flaky'), { status: 'exited', count: 2, code: 1 });
  await d.docker(['run', '-d', '--name', 'fine', '--restart', 'on-failure', 'busybox', 'true']);
  await new Promise((res) => setTimeout(res, 1000));
  assert.deepEqual(await state('fine'), { status: 'exited', count: 0, code: 0 });
});

test('kill counts as a stop by the user; a manual start resets the count', async () => {
  await d.docker(['run', '-d', '--name', 'killed', '--restart', 'always', 'busybox', 'sleep', '600']);
  assert.equal((await d.docker(['kill', 'killed'])).code, 0);
  await new Promise((res) => setTimeout(res, 1000));
  assert.equal((await state('killed')).status, 'exited');
  assert.equal((await d.docker(['start', 'killed'])).code, 0);
  assert.deepEqual(await state('killed'), { status: 'running', count: 0, code: 0 });
});

test('after kill -9 of berthd: an always container that died meanwhile runs again; a stopped unless-stopped stays stopped', async () => {
  await d.docker(['run', '-d', '--name', 'svc', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 2; exit 9']);
  await d.docker(['run', '-d', '--name', 'manual', '--restart', 'unless-stopped', 'busybox', 'sleep', '600']);
  assert.equal((await d.docker(['stop', '-t', '1', 'manual'])).code, 0);
  await d.kill9();
  await new Promise((res) => setTimeout(res, 3000)); // svc exits while the daemon is down
  await d.start();
  await eventually(async () => (await state('svc')).status === 'running', 10_000, 'svc running again');
  assert.ok((await state('svc')).count >= 1);
  assert.equal((await state('manual')).status, 'exited');
  // A clean daemon restart: `always` comes back even when stopped by the user; unless-stopped does not.
  await d.docker(['stop', '-t', '1', 'svc']);
  await d.stop();
  await d.start();
  await eventually(async () => (await state('svc')).status === 'running', 10_000, 'svc started with the daemon');
  assert.equal((await state('manual')).status, 'exited');
});

test('--rm and a restart policy are refused together', async () => {
  const r = await d.docker(['run', '--rm', '--restart', 'always', 'busybox', 'true']);
  assert.notEqual(r.code, 0);
});

/** --init: a static init (tini) as PID 1 that forwards signals and reaps orphans, as dockerd's docker-init. */
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

test('--init: PID 1 is /sbin/docker-init running the command; inspect shows Init', async () => {
  const r = await d.docker(['run', '--name', 'i1', '--init', 'busybox', 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline; echo; echo $$']);
  assert.equal(r.code, 0, r.stderr);
  const [cmdline, shellPid] = r.stdout.trim().split('\n');
  assert.equal(cmdline!.trim(), '/sbin/docker-init -- sh -c tr "\\0" " " < /proc/1/cmdline; echo; echo $$');
  assert.notEqual(shellPid, '1');
  assert.equal((await d.docker(['inspect', '-f', '{{.HostConfig.Init}} {{.Path}}', 'i1'])).stdout.trim(), 'true sh');
  const plain = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo $$']);
  assert.equal(plain.stdout.trim(), '1');
  assert.equal((await d.docker(['rm', 'i1'])).code, 0);
});

test('--init forwards the stop signal to a process that ignores it as PID 1', async () => {
  // `sleep` as PID 1 has no handler for SIGTERM, so the kernel drops it; under tini it dies of it.
  await d.docker(['run', '-d', '--name', 'i2', '--init', 'busybox', 'sleep', '600']);
  assert.equal((await d.docker(['stop', '-t', '60', 'i2'])).code, 0);
  assert.equal((await d.docker(['inspect', '-f', '{{.State.ExitCode}}', 'i2'])).stdout.trim(), '143');
  await d.docker(['run', '-d', '--name', 'i3', 'busybox', 'sleep', '600']);
  assert.equal((await d.docker(['stop', '-t', '1', 'i3'])).code, 0);
  assert.equal((await d.docker(['inspect', '-f', '{{.State.ExitCode}}', 'i3'])).stdout.trim(), '137');
  assert.equal((await d.docker(['rm', 'i2', 'i3'])).code, 0);
});

test('--init reaps orphans; exec works beside it', async () => {
  await d.docker(['run', '-d', '--name', 'i4', '--init', 'busybox', 'sh', '-c', 'sh -c "sleep 0.3 & exec true"; sleep 600']);
  // The orphaned sleep is re-parented to PID 1 and, once it exits, must not stay a zombie.
  const states = await eventually(async () => {
    const ps = await d.docker(['exec', 'i4', 'ps', '-o', 'stat,comm']);
    assert.equal(ps.code, 0, ps.stderr);
    const rows = ps.stdout.trim().split('\n').slice(1);
    return rows.filter((l) => /sleep$/.test(l)).length === 1 ? rows : undefined;
  }, 10_000, 'the orphan to exit');
  assert.ok(!states.some((l) => l.trim().startsWith('Z')), states.join('\n'));
  assert.equal((await d.docker(['rm', '-f', 'i4'])).code, 0);
});

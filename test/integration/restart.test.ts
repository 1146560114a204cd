/**
 * Robustness of the daemon's own lifetime: containers outlive berthd (SIGTERM and SIGKILL), exits
 * that happen while it is down are recorded with the right code, and nothing is leaked.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, mountsUnder, type TestDaemon } from '../helpers/daemon.js';
import { api } from '../helpers/api.js';

let d: TestDaemon;

before(async () => {
  d = await startDaemon();
});

after(async () => {
  assert.deepEqual(await d.cleanup(), []);
});

interface Inspect {
  Id: string;
  State: { Status: string; Running: boolean; ExitCode: number; Pid: number };
}

async function inspect(name: string): Promise<Inspect> {
  const r = await api(d.socket, 'GET', `/containers/${name}/json`);
  assert.equal(r.status, 200, r.text());
  return r.json<Inspect>();
}

test('kill -9 of berthd with 10 running containers: all survive, stay manageable, exit codes are right, no mount leaks', async () => {
  const names = Array.from({ length: 10 }, (_, i) => `survivor${i}`);
  for (const [i, name] of names.entries()) {
    // Each traps TERM and exits with its own code, so a wrong code would show.
    const r = await d.docker(['run', '-d', '--name', name, 'busybox', 'sh', '-c', `trap 'exit ${10 + i}' TERM; while true; do sleep 0.1; done`]);
    assert.equal(r.code, 0, r.stderr);
  }
  const pidsBefore = new Map<string, number>();
  for (const n of names) pidsBefore.set(n, (await inspect(n)).State.Pid);

  await d.kill9();
  for (const [n, pid] of pidsBefore) {
    assert.doesNotThrow(() => process.kill(pid, 0), `container ${n} (pid ${pid}) died with the daemon`);
  }
  await d.start();

  const ps = await d.docker(['ps', '--format', '{{.Names}} {{.State}}']);
  assert.equal(ps.code, 0, ps.stderr);
  const running = ps.stdout.trim().split('\n').filter((l) => l.endsWith(' running')).map((l) => l.split(' ')[0]);
  assert.deepEqual(running.sort(), [...names].sort());
  for (const n of names) assert.equal((await inspect(n)).State.Pid, pidsBefore.get(n), `${n} is a different process after restart`);

  // logs and kill work on containers adopted after the restart.
  const logs = await d.docker(['logs', names[0]!]);
  assert.equal(logs.code, 0, logs.stderr);

  const stop = await d.docker(['stop', '-t', '5', ...names], { timeoutMs: 60_000 });
  assert.equal(stop.code, 0, stop.stderr);
  for (const [i, n] of names.entries()) {
    const st = (await inspect(n)).State;
    assert.equal(st.Status, 'exited', n);
    assert.equal(st.ExitCode, 10 + i, `${n} exit code`);
  }
  const rm = await d.docker(['rm', ...names]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.deepEqual(mountsUnder(d.dataRoot), [], 'overlay mounts left after rm');
});

test('a container that exits while berthd is down shows Exited with its code after the restart', async () => {
  const r = await d.docker(['run', '-d', '--name', 'quitter', 'busybox', 'sh', '-c', 'sleep 1; exit 42']);
  assert.equal(r.code, 0, r.stderr);
  await d.kill9();
  await new Promise((res) => setTimeout(res, 2000));
  await d.start();
  const st = (await inspect('quitter')).State;
  assert.equal(st.Status, 'exited');
  assert.equal(st.ExitCode, 42);
  const ps = await d.docker(['ps', '-a', '--filter', 'name=quitter', '--format', '{{.Status}}']);
  assert.match(ps.stdout, /^Exited \(42\) /);
  assert.deepEqual(mountsUnder(`${d.dataRoot}/overlay`), [], 'the exited container is still mounted');
  await d.docker(['rm', 'quitter']);
});

test('SIGTERM stops the daemon cleanly and leaves running containers running', async () => {
  const r = await d.docker(['run', '-d', '--name', 'keeper', 'busybox', 'sleep', '300']);
  assert.equal(r.code, 0, r.stderr);
  const pid = (await inspect('keeper')).State.Pid;
  await d.stop();
  assert.doesNotThrow(() => process.kill(pid, 0), 'container died with a clean daemon shutdown');
  await d.start();
  assert.equal((await inspect('keeper')).State.Running, true);
  const kill = await d.docker(['kill', 'keeper']);
  assert.equal(kill.code, 0, kill.stderr);
  assert.equal((await inspect('keeper')).State.ExitCode, 137);
  await d.docker(['rm', 'keeper']);
});

test('a second daemon on the same exec root refuses to start', async () => {
  const { run } = await import('../helpers/daemon.js');
  const { repoRoot } = await import('../helpers/daemon.js');
  const r = await run(process.execPath, [`${repoRoot}/bin/berthd.js`, '--data-root', d.dataRoot, '--exec-root', d.execRoot], { timeoutMs: 15_000 });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /already running/);
});

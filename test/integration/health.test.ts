/** Healthchecks as dockerd runs them: probes through exec, State.Health, ps, filters and events. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxTar, run, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { api, eventually } from '../helpers/api.js';

let d: TestDaemon;
let dir: string;
/** The busybox layer as a root file system tarball, for `import --change HEALTHCHECK …`. */
let rootfs: string;

before(async () => {
  d = await startDaemon();
  dir = await mkdtemp(join(tmpdir(), 'berth-health-'));
  const unpacked = join(dir, 'image');
  await mkdir(unpacked);
  assert.equal((await run('tar', ['-xf', busyboxTar, '-C', unpacked])).code, 0);
  const [manifest] = JSON.parse(await readFile(join(unpacked, 'manifest.json'), 'utf8')) as Array<{ Layers: string[] }>;
  rootfs = join(unpacked, manifest!.Layers[0]!);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
  assert.deepEqual(await d.cleanup(), []);
});

interface HealthLog {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}
interface Health {
  Status: string;
  FailingStreak: number;
  Log: HealthLog[];
}

async function health(name: string): Promise<Health | null> {
  const r = await d.docker(['inspect', '-f', '{{json .State.Health}}', name]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Health | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function psStatus(name: string): Promise<string> {
  return (await d.docker(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.Status}}'])).stdout.trim();
}

test('--health-cmd: starting, then unhealthy after the retries, then healthy once the probe passes', async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  const r = await d.docker(['run', '-d', '--name', 'h1', '--health-cmd', 'test -f /tmp/ok', '--health-interval', '1s', '--health-retries', '2', 'busybox', 'sleep', '600']);
  assert.equal(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  // Two failures a second apart are needed before it turns unhealthy.
  assert.equal((await health('h1'))?.Status, 'starting');
  assert.match(await psStatus('h1'), /^Up .* \(health: starting\)$/);

  const sick = await eventually(async () => {
    const h = await health('h1');
    return h?.Status === 'unhealthy' ? h : undefined;
  }, 15_000, 'unhealthy');
  assert.ok(sick.FailingStreak >= 2, String(sick.FailingStreak));
  assert.ok(sick.Log.length >= 2 && sick.Log.length <= 5);
  for (const l of sick.Log) {
    assert.equal(l.ExitCode, 1);
    assert.equal(l.Output, '');
    assert.ok(Date.parse(l.End) >= Date.parse(l.Start), `${l.Start} .. ${l.End}`);
  }
  assert.match(await psStatus('h1'), /^Up .* \(unhealthy\)$/);
  assert.equal((await d.docker(['ps', '-q', '--no-trunc', '--filter', 'health=unhealthy'])).stdout.trim(), id);
  assert.equal((await d.docker(['ps', '-q', '--filter', 'health=healthy'])).stdout.trim(), '');

  assert.equal((await d.docker(['exec', 'h1', 'touch', '/tmp/ok'])).code, 0);
  const well = await eventually(async () => {
    const h = await health('h1');
    return h?.Status === 'healthy' ? h : undefined;
  }, 15_000, 'healthy');
  assert.equal(well.FailingStreak, 0);
  assert.equal(well.Log.at(-1)?.ExitCode, 0);
  assert.match(await psStatus('h1'), /^Up .* \(healthy\)$/);
  assert.equal((await d.docker(['ps', '-q', '--no-trunc', '--filter', 'health=healthy'])).stdout.trim(), id);

  const until = Math.ceil(Date.now() / 1000) + 1;
  const ev = await d.docker(['events', '--since', String(since), '--until', String(until), '--filter', `container=${id}`, '--format', '{{.Action}}']);
  const actions = ev.stdout.split('\n').filter((a) => a.startsWith('health_status'));
  // Only changes are published: unhealthy once, healthy once.
  assert.deepEqual(actions, ['health_status: unhealthy', 'health_status: healthy']);
  assert.equal((await d.docker(['rm', '-f', 'h1'])).code, 0);
});

test('a probe that outlives its timeout fails with exit code -1 and is killed', async () => {
  await d.docker(['run', '-d', '--name', 'h2', '--health-cmd', 'sleep 7', '--health-timeout', '300ms', '--health-interval', '500ms', '--health-retries', '1', 'busybox', 'sleep', '600']);
  const h = await eventually(async () => {
    const v = await health('h2');
    return v?.Status === 'unhealthy' ? v : undefined;
  }, 15_000, 'unhealthy');
  assert.equal(h.Log[0]!.ExitCode, -1);
  assert.equal(h.Log[0]!.Output, 'Health check exceeded timeout (300ms)');
  // Timed-out probes do not pile up in the container: at most the one in flight is alive.
  const top = await d.docker(['top', 'h2', '-o', 'pid,args']);
  assert.equal(top.code, 0, top.stderr);
  const sleeping = top.stdout.split('\n').filter((l) => /sleep 7$/.test(l));
  assert.ok(sleeping.length <= 1, top.stdout);
  assert.equal((await d.docker(['rm', '-f', 'h2'])).code, 0);
});

test('failures within the start period do not count; the start interval paces the probes meanwhile', async () => {
  // --health-start-interval needs API 1.44, so the image carries it (dockerd takes it from images).
  const imp = await d.docker(['import', '-c', 'HEALTHCHECK --interval=1h --start-period=30s --start-interval=200ms --retries=1 CMD false', rootfs, 'hc:start']);
  assert.equal(imp.code, 0, imp.stderr);
  await d.docker(['run', '-d', '--name', 'h3', 'hc:start', 'sleep', '600']);
  const h = await eventually(async () => {
    const v = await health('h3');
    return v && v.Log.length >= 3 ? v : undefined;
  }, 15_000, 'three probes');
  assert.equal(h.Status, 'starting');
  assert.equal(h.FailingStreak, 0);
  assert.ok(h.Log.every((l) => l.ExitCode === 1));
  assert.equal((await d.docker(['rm', '-f', 'h3'])).code, 0);
  assert.equal((await d.docker(['rmi', 'hc:start'])).code, 0);
});

test('stop ends the probes; start begins again from starting', async () => {
  await d.docker(['run', '-d', '--name', 'h4', '--health-cmd', 'true', '--health-interval', '200ms', 'busybox', 'sleep', '600']);
  await eventually(async () => (await health('h4'))?.Status === 'healthy', 15_000, 'healthy');
  assert.equal((await d.docker(['stop', '-t', '0', 'h4'])).code, 0);
  const stopped = await health('h4');
  await sleep(800);
  assert.deepEqual(await health('h4'), stopped);
  assert.equal((await d.docker(['start', 'h4'])).code, 0);
  assert.equal((await health('h4'))?.Status, 'starting');
  await eventually(async () => (await health('h4'))?.Status === 'healthy', 15_000, 'healthy again');
  assert.equal((await d.docker(['rm', '-f', 'h4'])).code, 0);
});

test("an image's HEALTHCHECK is used, overridden by --health-cmd and switched off by --no-healthcheck", async () => {
  const imp = await d.docker(['import', '-c', 'HEALTHCHECK --interval=300ms --retries=1 CMD test -f /etc/passwd', '-c', 'CMD ["sleep", "600"]', rootfs, 'hc:test']);
  assert.equal(imp.code, 0, imp.stderr);
  const cfg = await d.docker(['image', 'inspect', '-f', '{{json .Config.Healthcheck}}', 'hc:test']);
  assert.deepEqual(JSON.parse(cfg.stdout), { Test: ['CMD-SHELL', 'test -f /etc/passwd'], Interval: 300_000_000, Retries: 1 });

  await d.docker(['run', '-d', '--name', 'img', 'hc:test']);
  await eventually(async () => (await health('img'))?.Status === 'healthy', 15_000, 'healthy from the image');
  // A flag replaces the image's test but keeps its other settings.
  await d.docker(['run', '-d', '--name', 'over', '--health-cmd', 'false', 'hc:test']);
  const over = await d.docker(['inspect', '-f', '{{json .Config.Healthcheck}}', 'over']);
  assert.deepEqual(JSON.parse(over.stdout), { Test: ['CMD-SHELL', 'false'], Interval: 300_000_000, Retries: 1 });
  await eventually(async () => (await health('over'))?.Status === 'unhealthy', 15_000, 'unhealthy by the override');

  await d.docker(['run', '-d', '--name', 'off', '--no-healthcheck', 'hc:test']);
  await sleep(700);
  assert.equal(await health('off'), null);
  assert.match(await psStatus('off'), /^Up [^(]*$/);
  assert.equal((await d.docker(['rm', '-f', 'img', 'over', 'off'])).code, 0);
  assert.equal((await d.docker(['rmi', 'hc:test'])).code, 0);
});

test('bad healthcheck settings are refused with dockerd’s words and create nothing', async () => {
  const before = (await d.docker(['ps', '-aq'])).stdout;
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ Test: ['CMD', 'true'], Interval: 5 }, 'Interval in Healthcheck cannot be less than 1ms'],
    [{ Test: ['CMD', 'true'], Timeout: 999 }, 'Timeout in Healthcheck cannot be less than 1ms'],
    [{ Test: ['CMD', 'true'], StartPeriod: 10 }, 'StartPeriod in Healthcheck cannot be less than 1ms'],
    [{ Test: ['CMD', 'true'], Retries: -1 }, 'Retries in Healthcheck cannot be negative'],
  ];
  for (const [hc, message] of cases) {
    const res = await api(d.socket, 'POST', '/v1.41/containers/create?name=badhc', { Image: 'busybox', Healthcheck: hc });
    assert.equal(res.status, 400, res.text());
    assert.equal(res.json<{ message: string }>().message, message);
  }
  const cli = await d.docker(['run', '-d', '--health-interval', '10us', '--health-cmd', 'true', 'busybox']);
  assert.equal(cli.code, 125);
  assert.equal(cli.stderr, 'docker: Error response from daemon: Interval in Healthcheck cannot be less than 1ms\n\nRun \'docker run --help\' for more information\n');
  assert.equal((await d.docker(['ps', '-aq'])).stdout, before);
});

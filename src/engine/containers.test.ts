import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, mergeConfig, statusText } from './containers.js';
import type { ContainerConfig } from '../oci/container-config.js';
import type { ContainerConfig as ImageRunConfig } from '../oci/image.js';
import type { ContainerStatus } from './container-record.js';

const id = 'abcdef0123456789' + '0'.repeat(48);

const image: ImageRunConfig = {
  Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8', 'A=image'],
  Entrypoint: ['/docker-entrypoint.sh'],
  Cmd: ['nginx', '-g', 'daemon off;'],
  WorkingDir: '/srv',
  User: 'www',
  Labels: { maintainer: 'img', shared: 'image' },
  ExposedPorts: { '80/tcp': {} },
  Volumes: { '/var/cache': {} },
  StopSignal: 'SIGQUIT',
};

const merge = (user: Partial<ContainerConfig>, img: ImageRunConfig = image) => mergeConfig(user, img, id);

test('mergeConfig: user Env first, then image Env for keys the user did not set', () => {
  const cases: Array<[string[] | null | undefined, string[] | null]> = [
    [undefined, image.Env!],
    [null, image.Env!],
    [[], image.Env!],
    [['A=user'], ['A=user', image.Env![0]!, 'LANG=C.UTF-8']],
    [['B=1', 'PATH=/bin'], ['B=1', 'PATH=/bin', 'LANG=C.UTF-8', 'A=image']],
    // a key given without a value still overrides by key
    [['LANG'], ['LANG', image.Env![0]!, 'A=image']],
    [['A=x=y'], ['A=x=y', image.Env![0]!, 'LANG=C.UTF-8']],
  ];
  for (const [env, want] of cases) assert.deepEqual(merge({ Env: env as string[] | null }).Env, want, JSON.stringify(env));
  assert.equal(merge({}, {}).Env, null);
});

test('mergeConfig: Cmd and Entrypoint follow Docker\'s rules', () => {
  type Case = [string, Partial<ContainerConfig>, string[] | null, string[] | null];
  const cases: Case[] = [
    ['neither given: both from the image', {}, ['/docker-entrypoint.sh'], ['nginx', '-g', 'daemon off;']],
    ['null: both from the image', { Cmd: null, Entrypoint: null }, ['/docker-entrypoint.sh'], ['nginx', '-g', 'daemon off;']],
    ['Cmd given: image Entrypoint kept, image Cmd dropped', { Cmd: ['echo', 'hi'] }, ['/docker-entrypoint.sh'], ['echo', 'hi']],
    ['Entrypoint given: image Cmd not used', { Entrypoint: ['/bin/sh'] }, ['/bin/sh'], null],
    ['both given', { Entrypoint: ['/bin/sh'], Cmd: ['-c', 'true'] }, ['/bin/sh'], ['-c', 'true']],
    ['empty Cmd list counts as not given', { Cmd: [] }, ['/docker-entrypoint.sh'], ['nginx', '-g', 'daemon off;']],
    // An explicit empty Entrypoint list is not null: it drops the image's, and the image Cmd is used.
    ['Entrypoint []', { Entrypoint: [] }, null, ['nginx', '-g', 'daemon off;']],
  ];
  for (const [name, user, entrypoint, cmd] of cases) {
    const out = merge(user);
    assert.deepEqual(out.Entrypoint, entrypoint, `${name}: Entrypoint`);
    assert.deepEqual(out.Cmd, cmd, `${name}: Cmd`);
  }
  const bare: ImageRunConfig = {};
  assert.equal(merge({}, bare).Cmd, null);
  assert.equal(merge({}, bare).Entrypoint, null);
});

test('mergeConfig: Entrypoint [""] (--entrypoint "") clears the image entrypoint', () => {
  const withCmd = merge({ Entrypoint: [''], Cmd: ['sh'] });
  assert.equal(withCmd.Entrypoint, null);
  assert.deepEqual(withCmd.Cmd, ['sh']);
  const noCmd = merge({ Entrypoint: [''] });
  assert.equal(noCmd.Entrypoint, null);
  assert.equal(noCmd.Cmd, null);
});

test('mergeConfig: Entrypoint [""] never inherits the image entrypoint or cmd', () => {
  const out = merge({ Entrypoint: [''] });
  assert.notDeepEqual(out.Entrypoint, image.Entrypoint);
  assert.equal(out.Cmd, null);
});

test('mergeConfig: labels, ports and volumes are merged, the user winning', () => {
  const out = merge({ Labels: { shared: 'user', mine: '1' }, ExposedPorts: { '443/tcp': {} }, Volumes: { '/data': {} } });
  assert.deepEqual(out.Labels, { maintainer: 'img', shared: 'user', mine: '1' });
  assert.deepEqual(Object.keys(out.ExposedPorts ?? {}).sort(), ['443/tcp', '80/tcp']);
  assert.deepEqual(Object.keys(out.Volumes ?? {}).sort(), ['/data', '/var/cache']);
  assert.deepEqual(merge({}).Labels, { maintainer: 'img', shared: 'image' });
  assert.deepEqual(merge({}, {}).Labels, {});
  assert.equal(merge({}, {}).Volumes, null);
  assert.equal('ExposedPorts' in merge({}, {}), false);
});

test('mergeConfig: Hostname defaults to the first 12 characters of the id', () => {
  assert.equal(merge({}).Hostname, 'abcdef012345');
  assert.equal(merge({ Hostname: '' }).Hostname, 'abcdef012345');
  assert.equal(merge({ Hostname: 'web' }).Hostname, 'web');
});

test('mergeConfig: WorkingDir, User and StopSignal come from the image unless given', () => {
  const cases: Array<[Partial<ContainerConfig>, string, string, string | undefined]> = [
    [{}, '/srv', 'www', 'SIGQUIT'],
    [{ WorkingDir: '', User: '' }, '/srv', 'www', 'SIGQUIT'],
    [{ WorkingDir: '/tmp', User: '1000:1000', StopSignal: 'SIGTERM' }, '/tmp', '1000:1000', 'SIGTERM'],
  ];
  for (const [user, wd, u, stop] of cases) {
    const out = merge(user);
    assert.equal(out.WorkingDir, wd);
    assert.equal(out.User, u);
    assert.equal(out.StopSignal, stop);
  }
  const bare = merge({}, {});
  assert.equal(bare.WorkingDir, '');
  assert.equal(bare.User, '');
  assert.equal('StopSignal' in bare, false);
});

test('mergeConfig: the Docker booleans default to false and the image name is kept', () => {
  const out = merge({ Image: 'nginx', Tty: true, OpenStdin: true, StopTimeout: 3 });
  assert.equal(out.Image, 'nginx');
  assert.equal(out.Tty, true);
  assert.equal(out.OpenStdin, true);
  assert.equal(out.StdinOnce, false);
  assert.equal(out.AttachStdin, false);
  assert.equal(out.AttachStdout, false);
  assert.equal(out.AttachStderr, false);
  assert.equal(out.Domainname, '');
  assert.equal(out.OnBuild, null);
  assert.equal(out.StopTimeout, 3);
  assert.equal('StopTimeout' in merge({}), false);
});

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test('humanDuration matches go-units HumanDuration at its boundaries', () => {
  const cases: Array<[number, string]> = [
    [0, 'Less than a second'],
    [999, 'Less than a second'],
    [1 * s, '1 second'],
    [1999, '1 second'],
    [2 * s, '2 seconds'],
    [59 * s + 999, '59 seconds'],
    [60 * s, 'About a minute'],
    [119 * s, 'About a minute'],
    [2 * m, '2 minutes'],
    [59 * m + 59 * s, '59 minutes'],
    [60 * m, 'About an hour'],
    // hours are rounded: int(d.Hours() + 0.5)
    [h + 29 * m, 'About an hour'],
    [h + 30 * m, '2 hours'],
    [47 * h, '47 hours'],
    [47 * h + 29 * m, '47 hours'],
    [47 * h + 30 * m, '2 days'],
    [48 * h, '2 days'],
    [13 * d, '13 days'],
    [14 * d - 31 * m, '13 days'],
    [14 * d, '2 weeks'],
    [59 * d, '8 weeks'],
    [60 * d, '2 months'],
    [364 * d, '12 months'],
    [2 * 365 * d - h, '24 months'],
    [2 * 365 * d, '2 years'],
    [10 * 365 * d + d, '10 years'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
});

test('statusText gives the Status column of docker ps', () => {
  const now = Date.parse('2026-11-22T02:40:00Z');
  const state = (startedAgoMs: number, finishedAgoMs: number | null, exitCode = 0) => ({
    StartedAt: new Date(now - startedAgoMs).toISOString(),
    FinishedAt: finishedAgoMs === null ? '0001-01-01T00:00:00Z' : new Date(now - finishedAgoMs).toISOString(),
    ExitCode: exitCode,
  });
  const cases: Array<[ContainerStatus, ReturnType<typeof state>, string]> = [
    ['running', state(3 * m, null), 'Up 3 minutes'],
    ['running', state(500, null), 'Up Less than a second'],
    ['paused', state(2 * h, null), 'Up 2 hours (Paused)'],
    ['restarting', state(2 * m, 10 * s, 1), 'Restarting (1) 10 seconds ago'],
    ['exited', state(5 * m, 10 * s, 7), 'Exited (7) 10 seconds ago'],
    ['exited', state(5 * m, 3 * d, 0), 'Exited (0) 3 days ago'],
    // exited but never ran (start failed before it began): Docker shows Created
    ['exited', state(0, null, 127), 'Created'],
    ['created', state(0, null), 'Created'],
    ['removing', state(0, 0), 'Removal In Progress'],
    ['dead', state(0, 0), 'Dead'],
    // a clock that went backwards never gives a negative age
    ['running', state(-5 * s, null), 'Up Less than a second'],
  ];
  for (const [status, st, want] of cases) assert.equal(statusText(status, st, now), want, `${status} ${JSON.stringify(st)}`);
  const withHealth = (Status: 'starting' | 'healthy' | 'unhealthy') => ({ ...state(3 * m, null), Health: { Status, FailingStreak: 0, Log: [] } });
  assert.equal(statusText('running', withHealth('starting'), now), 'Up 3 minutes (health: starting)');
  assert.equal(statusText('running', withHealth('healthy'), now), 'Up 3 minutes (healthy)');
  assert.equal(statusText('running', withHealth('unhealthy'), now), 'Up 3 minutes (unhealthy)');
  // a paused container shows that it is paused, not its health
  assert.equal(statusText('paused', withHealth('healthy'), now), 'Up 3 minutes (Paused)');
});

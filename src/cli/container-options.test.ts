import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerFlags, effectiveCapabilities, planContainer } from './container-options.js';
import { parseFlags } from './flags.js';

const plan = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const { flags, args } = parseFlags(argv, containerFlags, { interspersed: false });
  return planContainer(flags, args, env);
};

test('create --name c2 busybox sleep 100 sends CLI 28’s body (api-contract.md section 5)', async () => {
  const p = await plan(['--name', 'c2', 'busybox', 'sleep', '100']);
  assert.equal(p.name, 'c2');
  // The capture 11_create body, without GwPriority and DNSNames (fields newer than API 1.41).
  const expected =
    '{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,' +
    '"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["sleep","100"],"Image":"busybox","Volumes":{},"WorkingDir":"",' +
    '"Entrypoint":null,"OnBuild":null,"Labels":{},"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},' +
    '"NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"",' +
    '"VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],' +
    '"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,' +
    '"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"",' +
    '"CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],' +
    '"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,' +
    '"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,' +
    '"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,' +
    '"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},"NetworkingConfig":' +
    '{"EndpointsConfig":{"default":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"NetworkID":"",' +
    '"EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0}}}}';
  assert.equal(JSON.stringify(p.request), expected);
});

test('flags change the body as they do for docker', async () => {
  const p = await plan(
    ['-i', '--rm', '-e', 'A=1', '-e', 'HOSTVAR', '-e', 'UNSET', '-l', 'k=v', '-l', 'bare', '-m', '64m', '--cpus', '1.5', '--pids-limit', '50',
      '--network', 'host', '--entrypoint', '', '--restart', 'no', '--runtime', 'crun', 'busybox'],
    { HOSTVAR: 'from-host' },
  );
  const r = p.request;
  assert.deepEqual([r.AttachStdin, r.OpenStdin, r.StdinOnce, r.AttachStdout], [true, true, true, true]);
  assert.deepEqual(r.Env, ['A=1', 'HOSTVAR=from-host', 'UNSET']);
  assert.deepEqual(r.Labels, { k: 'v', bare: '' });
  assert.deepEqual(r.Entrypoint, ['']);
  assert.equal(r.Cmd, null);
  const h = r.HostConfig!;
  assert.deepEqual([h.AutoRemove, h.Memory, h.NanoCpus, h.PidsLimit, h.NetworkMode, h.Runtime], [true, 64 * 1024 * 1024, 1_500_000_000, 50, 'host', 'crun']);
  assert.deepEqual(h.RestartPolicy, { Name: 'no', MaximumRetryCount: 0 });
  assert.deepEqual((await plan(['--restart', 'on-failure:3', 'busybox'])).request.HostConfig!.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.deepEqual(Object.keys(r.NetworkingConfig!.EndpointsConfig), ['host']);
  assert.equal(p.autoRemove, true);
});

test('-a picks the streams; a bad restart policy is docker’s error', async () => {
  const p = await plan(['-a', 'STDERR', 'busybox']);
  assert.deepEqual(p.attach, { stdin: false, stdout: false, stderr: true });
  await assert.rejects(plan(['--restart', 'on-failure:x', 'busybox']), /^Error: invalid restart policy format: maximum retry count must be an integer$/);
  await assert.rejects(plan(['--rm', '--restart', 'always', 'busybox']), /^Error: conflicting options: cannot specify both --restart and --rm$/);
  await assert.rejects(plan(['--env-file', '/nonexistent/env', 'busybox']), /^Error: open \/nonexistent\/env: no such file or directory$/);
});

test('capabilities are normalised like docker’s', () => {
  assert.deepEqual(effectiveCapabilities(['net_admin', 'CAP_SYS_TIME', 'NET_ADMIN'], ['mknod', 'sys_time']), {
    add: ['CAP_NET_ADMIN', 'CAP_SYS_TIME'],
    drop: ['CAP_MKNOD'],
  });
  assert.deepEqual(effectiveCapabilities(['all', 'chown'], ['ALL']), { add: ['ALL'], drop: [] });
});

test('--health-* become the Healthcheck docker’s CLI sends: CMD-SHELL, nanoseconds, zero fields left out', async () => {
  const p = await plan(['--health-cmd', 'wget -q localhost || exit 1', '--health-interval', '1m30s', '--health-timeout', '500ms',
    '--health-retries', '3', '--health-start-period', '2s', '--health-start-interval', '1.5s', 'busybox']);
  assert.deepEqual(p.request.Healthcheck, {
    Test: ['CMD-SHELL', 'wget -q localhost || exit 1'],
    Interval: 90_000_000_000,
    Timeout: 500_000_000,
    StartPeriod: 2_000_000_000,
    StartInterval: 1_500_000_000,
    Retries: 3,
  });
  // In Go's field order: after Cmd, before Image.
  const text = JSON.stringify((await plan(['--health-interval', '10s', 'busybox', 'true'])).request);
  assert.ok(text.includes('"Cmd":["true"],"Healthcheck":{"Interval":10000000000},"Image":"busybox"'), text);
  assert.deepEqual((await plan(['--no-healthcheck', 'busybox'])).request.Healthcheck, { Test: ['NONE'] });
  assert.equal('Healthcheck' in (await plan(['busybox'])).request, false);
  assert.equal('Healthcheck' in (await plan(['--no-healthcheck=false', 'busybox'])).request, false);
});

test('health flag mistakes are docker’s errors, before anything is sent', async () => {
  await assert.rejects(plan(['--no-healthcheck', '--health-cmd', 'true', 'busybox']), /^Error: --no-healthcheck conflicts with --health-\* options$/);
  await assert.rejects(plan(['--no-healthcheck', '--health-retries', '1', 'busybox']), /^Error: --no-healthcheck conflicts with --health-\* options$/);
  await assert.rejects(plan(['--health-interval', '-1s', 'busybox']), /^Error: --health-interval cannot be negative$/);
  await assert.rejects(plan(['--health-timeout', '-1s', 'busybox']), /^Error: --health-timeout cannot be negative$/);
  await assert.rejects(plan(['--health-retries', '-1', 'busybox']), /^Error: --health-retries cannot be negative$/);
  await assert.rejects(plan(['--health-start-period', '-2s', 'busybox']), /^Error: --health-start-period cannot be negative$/);
  await assert.rejects(plan(['--health-start-interval', '-2s', 'busybox']), /^Error: --health-start-interval cannot be negative$/);
  assert.throws(() => plan(['--health-interval', '10', 'busybox']), {
    name: 'FlagError',
    message: 'invalid argument "10" for "--health-interval" flag: time: missing unit in duration "10"',
  });
  assert.throws(() => plan(['--health-timeout', 'soon', 'busybox']), {
    name: 'FlagError',
    message: 'invalid argument "soon" for "--health-timeout" flag: time: invalid duration "soon"',
  });
});

test('--init is sent only when given, last in HostConfig; --stop-signal and --stop-timeout after Labels', async () => {
  const on = JSON.stringify((await plan(['--init', 'busybox'])).request);
  assert.ok(on.endsWith('"MaskedPaths":null,"ReadonlyPaths":null,"Init":true},"NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0}}}}'), on);
  assert.equal((await plan(['--init=false', 'busybox'])).request.HostConfig!.Init, false);
  assert.equal('Init' in (await plan(['busybox'])).request.HostConfig!, false);
  const stop = JSON.stringify((await plan(['--stop-signal', 'SIGUSR1', '--stop-timeout', '0', 'busybox'])).request);
  assert.ok(stop.includes('"Labels":{},"StopSignal":"SIGUSR1","StopTimeout":0,"HostConfig":'), stop);
});

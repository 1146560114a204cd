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

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSpec, containerEnv, cpuPeriodDefault, defaultMaskedPaths, defaultReadonlyPaths, type SpecInput } from './spec.js';

const MiB = 1024 * 1024;

const base: SpecInput = {
  rootfs: '/var/lib/berth/overlay/c1/merged',
  readonlyRootfs: false,
  args: ['sh', '-c', 'true'],
  env: ['PATH=/bin', 'HOSTNAME=abcdef012345'],
  cwd: '/',
  user: { uid: 0, gid: 0, additionalGids: [0, 10] },
  tty: false,
  hostname: 'abcdef012345',
  privileged: false,
  capabilities: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
  seccomp: { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] },
  rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 }],
  resources: {},
  cgroupsPath: 'system.slice:berth:c1',
  network: { mode: 'none' },
  files: { hostname: '/c/hostname', hosts: '/c/hosts', resolvConf: '/c/resolv.conf' },
  shmSize: 64 * MiB,
};

const spec = (over: Partial<SpecInput> = {}) => buildSpec({ ...base, ...over });
const mount = (s: ReturnType<typeof buildSpec>, dest: string) => s.mounts.find((m) => m.destination === dest);

test('namespaces: always pid, ipc, uts and mount; the network one depends on the mode', () => {
  const cases: Array<[SpecInput['network'], Array<{ type: string; path?: string }>]> = [
    [{ mode: 'none' }, [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network' }]],
    [{ mode: 'host' }, [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }]],
    [
      { mode: 'path', path: '/run/netns/berth-c1' },
      [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network', path: '/run/netns/berth-c1' }],
    ],
  ];
  for (const [network, want] of cases) assert.deepEqual(spec({ network }).linux.namespaces, want, network.mode);
});

test('memory: the limit, swap twice the limit by default, explicit swap, reservation', () => {
  const cases: Array<[SpecInput['resources'], unknown]> = [
    [{}, undefined],
    [{ memory: 512 * MiB }, { limit: 512 * MiB, swap: 1024 * MiB }],
    [{ memory: 512 * MiB, memorySwap: 768 * MiB }, { limit: 512 * MiB, swap: 768 * MiB }],
    [{ memory: 512 * MiB, memorySwap: -1 }, { limit: 512 * MiB, swap: -1 }],
    [{ memory: 512 * MiB, memorySwap: 0 }, { limit: 512 * MiB, swap: 1024 * MiB }],
    [{ memory: 6 * MiB, memoryReservation: 4 * MiB }, { limit: 6 * MiB, swap: 12 * MiB, reservation: 4 * MiB }],
    [{ memoryReservation: 4 * MiB }, { reservation: 4 * MiB }],
    [{ memory: 0 }, undefined],
  ];
  for (const [resources, want] of cases) assert.deepEqual(spec({ resources }).linux.resources?.memory, want, JSON.stringify(resources));
});

test('cpu: --cpus becomes quota over the default period; shares, period, quota and cpusets pass through', () => {
  assert.equal(cpuPeriodDefault, 100_000);
  const cases: Array<[SpecInput['resources'], unknown]> = [
    [{}, undefined],
    [{ nanoCpus: 1.5e9 }, { period: 100_000, quota: 150_000 }],
    [{ nanoCpus: 0.5e9 }, { period: 100_000, quota: 50_000 }],
    [{ nanoCpus: 2e9 }, { period: 100_000, quota: 200_000 }],
    [{ nanoCpus: 0.01e9 }, { period: 100_000, quota: 1000 }],
    // --cpus wins over --cpu-period/--cpu-quota (Docker refuses the combination earlier)
    [{ nanoCpus: 1e9, cpuPeriod: 50_000, cpuQuota: 25_000 }, { period: 100_000, quota: 100_000 }],
    [{ cpuPeriod: 50_000, cpuQuota: 25_000 }, { period: 50_000, quota: 25_000 }],
    [{ cpuQuota: 25_000 }, { quota: 25_000 }],
    [{ cpuShares: 512 }, { shares: 512 }],
    [{ cpusetCpus: '0-1', cpusetMems: '0' }, { cpus: '0-1', mems: '0' }],
    [{ cpuShares: 1024, nanoCpus: 1e9, cpusetCpus: '3' }, { shares: 1024, period: 100_000, quota: 100_000, cpus: '3' }],
  ];
  for (const [resources, want] of cases) assert.deepEqual(spec({ resources }).linux.resources?.cpu, want, JSON.stringify(resources));
});

test('pids: a positive limit only', () => {
  const cases: Array<[number | undefined, unknown]> = [
    [undefined, undefined],
    [0, undefined],
    [-1, undefined],
    [100, { limit: 100 }],
  ];
  for (const [pidsLimit, want] of cases) {
    const resources = pidsLimit === undefined ? {} : { pidsLimit };
    assert.deepEqual(spec({ resources }).linux.resources?.pids, want, String(pidsLimit));
  }
});

test('an unprivileged container gets seccomp, masked and read-only paths, ro /sys and the device allow list', () => {
  const s = spec({ hostDevices: [{ path: '/dev/sda', type: 'b', major: 8, minor: 0 }] });
  assert.deepEqual(s.linux.seccomp, base.seccomp);
  assert.deepEqual(s.linux.maskedPaths, defaultMaskedPaths);
  assert.deepEqual(s.linux.readonlyPaths, defaultReadonlyPaths);
  assert.ok(mount(s, '/sys')?.options?.includes('ro'));
  assert.ok(mount(s, '/sys/fs/cgroup')?.options?.includes('ro'));
  assert.equal(s.linux.devices, undefined, 'host devices only for privileged containers');
  const devices = s.linux.resources?.devices ?? [];
  assert.deepEqual(devices[0], { allow: false, access: 'rwm' }, 'deny everything first');
  // /dev/null, /dev/zero, /dev/tty and the pty masters are allowed
  for (const [major, minor] of [[1, 3], [1, 5], [5, 0], [5, 2]] as const) {
    assert.ok(devices.some((d) => d.allow && d.type === 'c' && d.major === major && d.minor === minor), `${major}:${minor}`);
  }
  assert.ok(devices.some((d) => d.allow && d.type === 'c' && d.major === 136 && d.minor === undefined), 'pts');
  assert.ok(!devices.some((d) => d.allow && d.type === 'b' && d.major === 8), 'no disks');
});

test('a privileged container drops seccomp and path masking, mounts /sys rw and gets the host devices', () => {
  const hostDevices = [{ path: '/dev/sda', type: 'b' as const, major: 8, minor: 0 }];
  const s = spec({ privileged: true, hostDevices });
  assert.equal(s.linux.seccomp, undefined);
  assert.deepEqual(s.linux.maskedPaths, []);
  assert.deepEqual(s.linux.readonlyPaths, []);
  assert.ok(!mount(s, '/sys')?.options?.includes('ro'));
  assert.ok(!mount(s, '/sys/fs/cgroup')?.options?.includes('ro'));
  assert.deepEqual(s.linux.devices, hostDevices);
  assert.deepEqual(s.linux.resources?.devices, [{ allow: true, access: 'rwm' }]);
  // explicit masked paths are ignored for privileged containers, as Docker does
  assert.deepEqual(spec({ privileged: true, maskedPaths: ['/x'] }).linux.maskedPaths, []);
});

test('masked and read-only paths can be replaced (including by an empty list)', () => {
  assert.deepEqual(spec({ maskedPaths: ['/proc/x'] }).linux.maskedPaths, ['/proc/x']);
  assert.deepEqual(spec({ maskedPaths: [] }).linux.maskedPaths, []);
  assert.deepEqual(spec({ maskedPaths: null }).linux.maskedPaths, defaultMaskedPaths);
  assert.deepEqual(spec({ readonlyPaths: ['/proc/y'] }).linux.readonlyPaths, ['/proc/y']);
  assert.deepEqual(spec({ readonlyPaths: [] }).linux.readonlyPaths, []);
});

test('capabilities: root gets them effective and permitted, any other user only in the bounding set', () => {
  const caps = base.capabilities;
  const cases: Array<[SpecInput['user'], string[]]> = [
    [{ uid: 0, gid: 0, additionalGids: [] }, caps],
    [{ uid: 0, gid: 1000, additionalGids: [] }, caps],
    [{ uid: 1000, gid: 1000, additionalGids: [1000] }, []],
    [{ uid: 65534, gid: 0, additionalGids: [] }, []],
  ];
  for (const [user, eff] of cases) {
    const p = spec({ user }).process;
    assert.deepEqual(p.capabilities, { bounding: caps, effective: eff, permitted: eff, inheritable: [] }, JSON.stringify(user));
    assert.deepEqual(p.user, { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids });
  }
  // the spec gets copies: changing the input later does not change the spec
  const input = { ...base, capabilities: ['CAP_KILL'] };
  const s = buildSpec(input);
  input.capabilities.push('CAP_SYS_ADMIN');
  assert.deepEqual(s.process.capabilities?.bounding, ['CAP_KILL']);
});

test('process, root, hostname and the terminal', () => {
  const s = spec();
  assert.equal(s.process.terminal, false);
  assert.equal(s.process.consoleSize, undefined);
  assert.deepEqual(s.process.args, base.args);
  assert.deepEqual(s.process.env, base.env);
  assert.equal(s.process.cwd, '/');
  assert.equal(s.process.noNewPrivileges, false);
  assert.deepEqual(s.process.rlimits, base.rlimits);
  assert.deepEqual(s.root, { path: base.rootfs, readonly: false });
  assert.equal(s.hostname, 'abcdef012345');
  assert.equal('domainname' in s, false);
  assert.equal(s.linux.cgroupsPath, 'system.slice:berth:c1');
  assert.equal('sysctl' in s.linux, false);

  const t = spec({ tty: true, consoleSize: { height: 30, width: 100 }, readonlyRootfs: true, domainname: 'example.org', noNewPrivileges: true, sysctls: { 'net.ipv4.ip_forward': '1' } });
  assert.equal(t.process.terminal, true);
  assert.deepEqual(t.process.consoleSize, { height: 30, width: 100 });
  assert.equal(t.root.readonly, true);
  assert.equal(t.domainname, 'example.org');
  assert.equal(t.process.noNewPrivileges, true);
  assert.deepEqual(t.linux.sysctl, { 'net.ipv4.ip_forward': '1' });
  // a console size without a tty is dropped, and so is an empty sysctl map
  assert.equal(spec({ consoleSize: { height: 30, width: 100 } }).process.consoleSize, undefined);
  assert.equal('sysctl' in spec({ sysctls: {} }).linux, false);
});

test('mounts: the standard set, then extra mounts, then the generated /etc files', () => {
  const extra = [{ destination: '/data', type: 'bind', source: '/var/lib/berth/volumes/v/_data', options: ['rbind'] }];
  const s = spec({ extraMounts: extra, shmSize: 128 * MiB });
  assert.deepEqual(
    s.mounts.map((m) => m.destination),
    ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm', '/data', '/etc/resolv.conf', '/etc/hostname', '/etc/hosts'],
  );
  assert.ok(mount(s, '/dev/shm')?.options?.includes(`size=${128 * MiB}`));
  assert.deepEqual(mount(s, '/etc/hosts'), { destination: '/etc/hosts', type: 'bind', source: '/c/hosts', options: ['rbind', 'rprivate'] });
  assert.equal(mount(s, '/etc/resolv.conf')?.source, '/c/resolv.conf');
  assert.equal(mount(s, '/etc/hostname')?.source, '/c/hostname');
  assert.deepEqual(mount(s, '/data'), extra[0]);
});

test('containerEnv: PATH, HOSTNAME, TERM with a tty, then the container\'s variables, then HOME', () => {
  const P = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  const env = (e: string[], tty = false, home = '/root') => containerEnv({ env: e, hostname: 'abcdef012345', tty, defaultPath: P, home });
  const cases: Array<[string[], boolean, string, string[]]> = [
    [[], false, '/root', [`PATH=${P}`, 'HOSTNAME=abcdef012345', 'HOME=/root']],
    [[], true, '/root', [`PATH=${P}`, 'HOSTNAME=abcdef012345', 'TERM=xterm', 'HOME=/root']],
    [['A=1', 'B=2'], false, '/', [`PATH=${P}`, 'HOSTNAME=abcdef012345', 'A=1', 'B=2', 'HOME=/']],
    // overrides replace the defaults in place
    [['PATH=/custom', 'A=1'], false, '/root', ['PATH=/custom', 'HOSTNAME=abcdef012345', 'A=1', 'HOME=/root']],
    [['HOSTNAME=mine'], false, '/root', [`PATH=${P}`, 'HOSTNAME=mine', 'HOME=/root']],
    [['TERM=dumb'], true, '/root', [`PATH=${P}`, 'HOSTNAME=abcdef012345', 'TERM=dumb', 'HOME=/root']],
    [['TERM=dumb'], false, '/root', [`PATH=${P}`, 'HOSTNAME=abcdef012345', 'TERM=dumb', 'HOME=/root']],
    // the container's HOME wins over the user's home directory
    [['HOME=/home/app', 'X=1'], false, '/root', [`PATH=${P}`, 'HOSTNAME=abcdef012345', 'HOME=/home/app', 'X=1']],
    // later duplicates replace earlier ones
    [['A=1', 'A=2'], false, '/root', [`PATH=${P}`, 'HOSTNAME=abcdef012345', 'A=2', 'HOME=/root']],
    // values with = and empty values
    [['A=x=y', 'E='], false, '/root', [`PATH=${P}`, 'HOSTNAME=abcdef012345', 'A=x=y', 'E=', 'HOME=/root']],
    // an entry without = is not a variable
    [['NOVALUE'], false, '/root', [`PATH=${P}`, 'HOSTNAME=abcdef012345', 'HOME=/root']],
  ];
  for (const [e, tty, home, want] of cases) assert.deepEqual(env(e, tty, home), want, `${JSON.stringify(e)} tty=${tty}`);
});

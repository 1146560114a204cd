import type { DeviceCgroupRule, LinuxDevice, LinuxResources, MountSpec, RuntimeSpec, SeccompSpec } from '../oci/runtime-spec.js';

/**
 * Builds the OCI runtime config (config.json) of a container from what the engine decided. Pure:
 * every host fact (capabilities available, rlimits, seccomp profile, device list) comes in as
 * input, so the mapping from Docker's options to the spec is unit-tested without a host.
 */
export interface SpecInput {
  rootfs: string;
  readonlyRootfs: boolean;
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[] };
  tty: boolean;
  consoleSize?: { height: number; width: number };
  hostname: string;
  domainname?: string;
  privileged: boolean;
  capabilities: string[];
  seccomp?: SeccompSpec;
  noNewPrivileges?: boolean;
  rlimits: Array<{ type: string; hard: number; soft: number }>;
  resources: {
    memory?: number;
    memorySwap?: number;
    memoryReservation?: number;
    nanoCpus?: number;
    cpuShares?: number;
    cpuPeriod?: number;
    cpuQuota?: number;
    cpusetCpus?: string;
    cpusetMems?: string;
    pidsLimit?: number;
  };
  cgroupsPath: string;
  /** `none`: a private network namespace with only lo; `host`: the host's; or a namespace path to join. */
  network: { mode: 'none' } | { mode: 'host' } | { mode: 'path'; path: string };
  files: { hostname: string; hosts: string; resolvConf: string };
  shmSize: number;
  /** Host devices to create in a privileged container. */
  hostDevices?: LinuxDevice[];
  extraMounts?: MountSpec[];
  maskedPaths?: string[] | null;
  readonlyPaths?: string[] | null;
  sysctls?: Record<string, string>;
}

export const defaultMaskedPaths = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const defaultReadonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Devices a container may use by default (cgroup allow list): the standard nodes, ptys, /dev/net/tun. */
const defaultDeviceRules: DeviceCgroupRule[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
  { allow: true, type: 'c', major: 136, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
];

export const cpuPeriodDefault = 100_000;

export function buildSpec(input: SpecInput): RuntimeSpec {
  const ro = input.privileged ? [] : ['ro'];
  const extra = input.extraMounts ?? [];
  // A mount of the user's replaces berth's own at the same place (a volume on /dev/shm, a bind on /etc/hosts).
  const taken = new Set(extra.map((m) => m.destination));
  const mounts: MountSpec[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ...ro] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', ...ro] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${input.shmSize}`] },
    ...extra,
    { destination: '/etc/resolv.conf', type: 'bind', source: input.files.resolvConf, options: ['rbind', 'rprivate'] },
    { destination: '/etc/hostname', type: 'bind', source: input.files.hostname, options: ['rbind', 'rprivate'] },
    { destination: '/etc/hosts', type: 'bind', source: input.files.hosts, options: ['rbind', 'rprivate'] },
  ].filter((m) => extra.includes(m) || !taken.has(m.destination));

  const namespaces: Array<{ type: string; path?: string }> = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (input.network.mode === 'none') namespaces.push({ type: 'network' });
  else if (input.network.mode === 'path') namespaces.push({ type: 'network', path: input.network.path });

  const resources: LinuxResources = {
    devices: input.privileged ? [{ allow: true, access: 'rwm' }] : defaultDeviceRules,
  };
  const r = input.resources;
  if (r.memory || r.memoryReservation) {
    resources.memory = {};
    if (r.memory) {
      resources.memory.limit = r.memory;
      // Docker: no --memory-swap means swap may be as large as the memory limit again.
      resources.memory.swap = r.memorySwap && r.memorySwap !== 0 ? r.memorySwap : r.memory * 2;
    }
    if (r.memoryReservation) resources.memory.reservation = r.memoryReservation;
  }
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  if (r.cpuShares) cpu.shares = r.cpuShares;
  if (r.nanoCpus) {
    cpu.period = cpuPeriodDefault;
    cpu.quota = Math.round((r.nanoCpus * cpuPeriodDefault) / 1e9);
  } else {
    if (r.cpuPeriod) cpu.period = r.cpuPeriod;
    if (r.cpuQuota) cpu.quota = r.cpuQuota;
  }
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  if (Object.keys(cpu).length) resources.cpu = cpu;
  if (r.pidsLimit && r.pidsLimit > 0) resources.pids = { limit: r.pidsLimit };

  const caps = input.capabilities;
  const spec: RuntimeSpec = {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: input.tty,
      ...(input.tty && input.consoleSize && { consoleSize: input.consoleSize }),
      user: { uid: input.user.uid, gid: input.user.gid, additionalGids: input.user.additionalGids },
      args: input.args,
      env: input.env,
      cwd: input.cwd,
      capabilities: {
        bounding: [...caps],
        effective: input.user.uid === 0 ? [...caps] : [],
        permitted: input.user.uid === 0 ? [...caps] : [],
        inheritable: [],
      },
      rlimits: input.rlimits,
      noNewPrivileges: input.noNewPrivileges ?? false,
    },
    root: { path: input.rootfs, readonly: input.readonlyRootfs },
    hostname: input.hostname,
    ...(input.domainname && { domainname: input.domainname }),
    mounts,
    linux: {
      namespaces,
      resources,
      cgroupsPath: input.cgroupsPath,
      ...(input.privileged && input.hostDevices && { devices: input.hostDevices }),
      ...(!input.privileged && input.seccomp && { seccomp: input.seccomp }),
      ...(input.sysctls && Object.keys(input.sysctls).length > 0 && { sysctl: input.sysctls }),
      maskedPaths: input.privileged ? [] : (input.maskedPaths ?? defaultMaskedPaths),
      readonlyPaths: input.privileged ? [] : (input.readonlyPaths ?? defaultReadonlyPaths),
    },
  };
  return spec;
}

/**
 * Docker's environment order: PATH, HOSTNAME, TERM (with a tty), then the container's own
 * variables, which replace those defaults by key.
 */
export function containerEnv(opts: { env: string[]; hostname: string; tty: boolean; defaultPath: string; home: string }): string[] {
  const out: string[] = [`PATH=${opts.defaultPath}`, `HOSTNAME=${opts.hostname}`];
  if (opts.tty) out.push('TERM=xterm');
  const keyOf = (e: string) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);
  for (const e of opts.env) {
    const k = keyOf(e);
    const i = out.findIndex((x) => keyOf(x) === k);
    if (!e.includes('=')) continue;
    if (i >= 0) out[i] = e;
    else out.push(e);
  }
  if (!out.some((e) => keyOf(e) === 'HOME')) out.push(`HOME=${opts.home}`);
  return out;
}

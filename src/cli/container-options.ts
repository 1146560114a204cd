import { readEnvFiles, validateEnv, withHostValue } from './env-file.js';
import type { ContainerCreateRequest } from '../api/types/index.js';
import { parseDuration } from '../common/duration.js';
import type { HealthConfig } from '../oci/image.js';
import type { FlagSpec, ParsedFlags } from './flags.js';
import { ramInBytes } from './format/units.js';

/**
 * The flags `run` and `create` share, and the create request they become. The request has the shape
 * CLI 28 sends (api-contract.md section 5): every field present with Docker's zero values, so that a
 * daemon sees the same body whether docker or berth created the container.
 */

const streams = ['stdin', 'stdout', 'stderr'];

export const containerFlags: FlagSpec[] = [
  {
    name: 'attach',
    short: 'a',
    kind: 'list',
    help: 'Attach to STDIN, STDOUT or STDERR',
    parse: (raw) => {
      const s = raw.toLowerCase();
      if (!streams.includes(s)) throw new Error('valid streams are STDIN, STDOUT and STDERR');
      return s;
    },
  },
  { name: 'cap-add', kind: 'list', help: 'Add Linux capabilities' },
  { name: 'cap-drop', kind: 'list', help: 'Drop Linux capabilities' },
  { name: 'cpus', kind: 'value', valueName: 'decimal', help: 'Number of CPUs', parse: parseNanoCpus },
  { name: 'entrypoint', kind: 'string', help: 'Overwrite the default ENTRYPOINT of the image' },
  { name: 'env', short: 'e', kind: 'list', help: 'Set environment variables', parse: validateEnv },
  { name: 'env-file', kind: 'list', help: 'Read in a file of environment variables' },
  {
    name: 'health-cmd',
    kind: 'string',
    help: 'Command to run to check health',
  },
  durationFlag('health-interval', 'Time between running the check (ms|s|m|h) (default 0s)'),
  { name: 'health-retries', kind: 'int', help: 'Consecutive failures needed to report unhealthy' },
  durationFlag('health-start-interval', 'Time between running the check during the start period (ms|s|m|h) (default 0s)'),
  durationFlag('health-start-period', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)'),
  durationFlag('health-timeout', 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)'),
  { name: 'hostname', short: 'h', kind: 'string', help: 'Container host name' },
  { name: 'init', kind: 'bool', help: 'Run an init inside the container that forwards signals and reaps processes' },
  { name: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open even if not attached' },
  { name: 'label', short: 'l', kind: 'list', help: 'Set meta data on a container', parse: validateLabel },
  { name: 'memory', short: 'm', kind: 'value', valueName: 'bytes', help: 'Memory limit', parse: ramInBytes },
  { name: 'name', kind: 'string', help: 'Assign a name to the container' },
  { name: 'network', kind: 'string', valueName: 'network', help: 'Connect a container to a network (none or host)', aliases: ['net'] },
  { name: 'no-healthcheck', kind: 'bool', help: 'Disable any container-specified HEALTHCHECK' },
  { name: 'pids-limit', kind: 'int', help: 'Tune container pids limit (set -1 for unlimited)' },
  { name: 'privileged', kind: 'bool', help: 'Give extended privileges to this container' },
  { name: 'read-only', kind: 'bool', help: "Mount the container's root filesystem as read only" },
  { name: 'restart', kind: 'string', help: 'Restart policy to apply when a container exits', defaultText: '"no"' },
  { name: 'rm', kind: 'bool', help: 'Automatically remove the container and its associated anonymous volumes when it exits' },
  { name: 'runtime', kind: 'string', help: 'Runtime to use for this container' },
  { name: 'stop-signal', kind: 'string', help: 'Signal to stop the container' },
  { name: 'stop-timeout', kind: 'int', help: 'Timeout (in seconds) to stop a container' },
  { name: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY' },
  { name: 'user', short: 'u', kind: 'string', help: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { name: 'workdir', short: 'w', kind: 'string', help: 'Working directory inside the container' },
];

/** A Go time.Duration flag (pflag's DurationVar): Go's syntax, kept in nanoseconds. */
function durationFlag(name: string, help: string): FlagSpec {
  return { name, kind: 'value', valueName: 'duration', help, parse: (raw) => Number(parseDuration(raw)) };
}

/**
 * docker's --health-* and --no-healthcheck: a probe given on the command line runs through the shell
 * (CMD-SHELL); --no-healthcheck turns off the image's (["NONE"]); zero values inherit the image's.
 * Undefined when no such flag was given.
 */
export function healthConfig(flags: ParsedFlags): HealthConfig | undefined {
  const cmd = flags.string('health-cmd') ?? '';
  const interval = flags.value<number>('health-interval') ?? 0;
  const timeout = flags.value<number>('health-timeout') ?? 0;
  const startPeriod = flags.value<number>('health-start-period') ?? 0;
  const startInterval = flags.value<number>('health-start-interval') ?? 0;
  const retries = flags.int('health-retries') ?? 0;
  const given = cmd !== '' || interval !== 0 || timeout !== 0 || startPeriod !== 0 || retries !== 0 || startInterval !== 0;
  if (flags.bool('no-healthcheck')) {
    if (given) throw new Error('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!given) return undefined;
  if (interval < 0) throw new Error('--health-interval cannot be negative');
  if (timeout < 0) throw new Error('--health-timeout cannot be negative');
  if (retries < 0) throw new Error('--health-retries cannot be negative');
  if (startPeriod < 0) throw new Error('--health-start-period cannot be negative');
  if (startInterval < 0) throw new Error('--health-start-interval cannot be negative');
  // Go leaves zero fields out of the JSON (omitempty), and so does this.
  return {
    ...(cmd !== '' && { Test: ['CMD-SHELL', cmd] }),
    ...(interval !== 0 && { Interval: interval }),
    ...(timeout !== 0 && { Timeout: timeout }),
    ...(startPeriod !== 0 && { StartPeriod: startPeriod }),
    ...(startInterval !== 0 && { StartInterval: startInterval }),
    ...(retries !== 0 && { Retries: retries }),
  };
}

/** What `run`/`create` will send, plus what the caller needs to drive the container. */
export interface ContainerPlan {
  name?: string;
  request: ContainerCreateRequest;
  image: string;
  autoRemove: boolean;
  attach: { stdin: boolean; stdout: boolean; stderr: boolean };
  /** `-a` was given explicitly (docker refuses it together with -d). */
  attachGiven: boolean;
}

/**
 * Turns the flags and arguments (`IMAGE [COMMAND] [ARG...]`) into the create request. Throws an
 * Error with docker's message for values that are only checked after flag parsing (an unreadable
 * env file, a malformed restart policy).
 */
export async function planContainer(flags: ParsedFlags, args: string[], env: NodeJS.ProcessEnv): Promise<ContainerPlan> {
  const [image = '', ...cmd] = args;
  const attachList = flags.list('attach');
  const interactive = flags.bool('interactive');
  const attach = {
    stdin: attachList.includes('stdin') || interactive,
    stdout: attachList.length === 0 || attachList.includes('stdout'),
    stderr: attachList.length === 0 || attachList.includes('stderr'),
  };
  const envList = [...(await readEnvFiles(flags.list('env-file'), env)), ...flags.list('env').map((e) => withHostValue(e, env))];
  const labels: Record<string, string> = {};
  for (const l of flags.list('label')) {
    const eq = l.indexOf('=');
    labels[eq >= 0 ? l.slice(0, eq) : l] = eq >= 0 ? l.slice(eq + 1) : '';
  }
  const entrypoint = flags.string('entrypoint');
  const network = flags.string('network') || 'default';
  const stopSignal = flags.string('stop-signal');
  const stopTimeout = flags.int('stop-timeout');
  const runtime = flags.string('runtime');
  const autoRemove = flags.bool('rm');
  const caps = effectiveCapabilities(flags.list('cap-add'), flags.list('cap-drop'));
  const health = healthConfig(flags);
  const restartPolicy = parseRestartPolicy(flags.string('restart') ?? 'no');
  if (autoRemove && restartPolicy.Name !== 'no' && restartPolicy.Name !== '') {
    throw new Error('conflicting options: cannot specify both --restart and --rm');
  }

  const request: ContainerCreateRequest = {
    Hostname: flags.string('hostname') ?? '',
    Domainname: '',
    User: flags.string('user') ?? '',
    AttachStdin: attach.stdin,
    AttachStdout: attach.stdout,
    AttachStderr: attach.stderr,
    Tty: false,
    OpenStdin: interactive,
    StdinOnce: interactive && attach.stdin,
    Env: envList.length ? envList : null,
    Cmd: cmd.length ? cmd : null,
    ...(health && { Healthcheck: health }),
    Image: image,
    Volumes: {},
    WorkingDir: flags.string('workdir') ?? '',
    // `--entrypoint ""` means "no entrypoint", which docker spells [""].
    Entrypoint: entrypoint ? [entrypoint] : flags.changed('entrypoint') ? [''] : null,
    OnBuild: null,
    Labels: labels,
    ...(stopSignal && { StopSignal: stopSignal }),
    ...(stopTimeout !== undefined && { StopTimeout: stopTimeout }),
    HostConfig: {
      Binds: null,
      ContainerIDFile: '',
      LogConfig: { Type: '', Config: {} },
      NetworkMode: network,
      PortBindings: {},
      RestartPolicy: restartPolicy,
      AutoRemove: autoRemove,
      VolumeDriver: '',
      VolumesFrom: null,
      ConsoleSize: [0, 0],
      CapAdd: orNull(caps.add),
      CapDrop: orNull(caps.drop),
      CgroupnsMode: '',
      Dns: [],
      DnsOptions: [],
      DnsSearch: [],
      ExtraHosts: null,
      GroupAdd: null,
      IpcMode: '',
      Cgroup: '',
      Links: null,
      OomScoreAdj: 0,
      PidMode: '',
      Privileged: flags.bool('privileged'),
      PublishAllPorts: false,
      ReadonlyRootfs: flags.bool('read-only'),
      SecurityOpt: null,
      UTSMode: '',
      UsernsMode: '',
      ShmSize: 0,
      ...(runtime && { Runtime: runtime }),
      Isolation: '',
      CpuShares: 0,
      Memory: flags.value<number>('memory') ?? 0,
      NanoCpus: flags.value<number>('cpus') ?? 0,
      CgroupParent: '',
      BlkioWeight: 0,
      BlkioWeightDevice: [],
      BlkioDeviceReadBps: [],
      BlkioDeviceWriteBps: [],
      BlkioDeviceReadIOps: [],
      BlkioDeviceWriteIOps: [],
      CpuPeriod: 0,
      CpuQuota: 0,
      CpuRealtimePeriod: 0,
      CpuRealtimeRuntime: 0,
      CpusetCpus: '',
      CpusetMems: '',
      Devices: [],
      DeviceCgroupRules: null,
      DeviceRequests: null,
      MemoryReservation: 0,
      MemorySwap: 0,
      MemorySwappiness: -1,
      OomKillDisable: false,
      PidsLimit: flags.int('pids-limit') ?? 0,
      Ulimits: [],
      CpuCount: 0,
      CpuPercent: 0,
      IOMaximumIOps: 0,
      IOMaximumBandwidth: 0,
      MaskedPaths: null,
      ReadonlyPaths: null,
      // Only when given: absent, the daemon's default (daemon.json "init") applies.
      ...(flags.changed('init') && { Init: flags.bool('init') }),
    },
    NetworkingConfig: {
      EndpointsConfig: {
        [network]: {
          IPAMConfig: null,
          Links: null,
          Aliases: null,
          MacAddress: '',
          DriverOpts: null,
          NetworkID: '',
          EndpointID: '',
          Gateway: '',
          IPAddress: '',
          IPPrefixLen: 0,
          IPv6Gateway: '',
          GlobalIPv6Address: '',
          GlobalIPv6PrefixLen: 0,
        },
      },
    },
  };
  const name = flags.string('name');
  return { ...(name && { name }), request, image, autoRemove, attach, attachGiven: attachList.length > 0 };
}

/**
 * docker's capability lists: names upper-cased with a `CAP_` prefix (`ALL` stays), duplicates
 * dropped, sorted; `ALL` in the add list stands alone, and a capability both added and dropped is
 * added.
 */
export function effectiveCapabilities(add: string[], drop: string[]): { add: string[]; drop: string[] } {
  const normalize = (list: string[]) =>
    [...new Set(list.map((c) => c.trim().toUpperCase()).map((c) => (c === 'ALL' || c.startsWith('CAP_') ? c : `CAP_${c}`)))].sort();
  const added = normalize(add);
  const dropped = normalize(drop);
  return {
    add: added.includes('ALL') ? ['ALL'] : added,
    drop: dropped.filter((c) => !added.includes(c)),
  };
}

function orNull(list: string[]): string[] | null {
  return list.length ? list : null;
}



function validateLabel(raw: string): string {
  const eq = raw.indexOf('=');
  const key = eq >= 0 ? raw.slice(0, eq) : raw;
  if (key.trim() === '') throw new Error(`invalid label '${raw}': empty name`);
  if (/\s/.test(key)) throw new Error(`label '${key}' contains whitespaces`);
  return raw;
}

/** `--cpus 1.5` → 1500000000 NanoCpus: an exact decimal or fraction, at most nine decimals. */
function parseNanoCpus(raw: string): number {
  const frac = /^(\d+)\/(\d+)$/.exec(raw);
  if (frac) {
    const num = BigInt(frac[1]!) * 1_000_000_000n;
    const den = BigInt(frac[2]!);
    if (den === 0n) throw new Error(`failed to parse ${raw} as a rational number`);
    if (num % den !== 0n) throw new Error('value is too precise');
    return Number(num / den);
  }
  const dec = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(raw);
  if (!dec || (dec[2] === '' && !dec[3])) throw new Error(`failed to parse ${raw} as a rational number`);
  const decimals = (dec[3] ?? '').replace(/0+$/, '');
  if (decimals.length > 9) throw new Error('value is too precise');
  const nanos = BigInt(dec[2] || '0') * 1_000_000_000n + BigInt(decimals.padEnd(9, '0') || '0');
  return Number(dec[1] === '-' ? -nanos : nanos);
}

/** docker's --restart syntax: `no`, `always`, `unless-stopped`, `on-failure[:max-retries]`. */
function parseRestartPolicy(policy: string): { Name: 'no' | 'always' | 'on-failure' | 'unless-stopped' | ''; MaximumRetryCount: number } {
  const colon = policy.indexOf(':');
  const name = colon >= 0 ? policy.slice(0, colon) : policy;
  const count = colon >= 0 ? policy.slice(colon + 1) : '';
  if (colon >= 0 && name === '') throw new Error('invalid restart policy format: no policy provided before colon');
  let max = 0;
  if (count !== '') {
    if (!/^[+-]?\d+$/.test(count)) throw new Error('invalid restart policy format: maximum retry count must be an integer');
    max = Number(count);
  }
  // The daemon judges the name (dockerd: "invalid restart policy 'x'").
  return { Name: name as 'no', MaximumRetryCount: max };
}


import { resolve } from 'node:path';
import { readEnvFiles, validateEnv, withHostValue } from './env-file.js';
import type { ContainerCreateRequest } from '../api/types/index.js';
import { parseDuration } from '../common/duration.js';
import type { MountRequest } from '../oci/container-config.js';
import type { HealthConfig } from '../oci/image.js';
import { parseBool, type FlagSpec, type ParsedFlags } from './flags.js';
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
  { name: 'mount', kind: 'list', valueName: 'mount', help: 'Attach a filesystem mount to the container', parse: (raw) => parseMount(raw) },
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
  { name: 'tmpfs', kind: 'list', help: 'Mount a tmpfs directory' },
  { name: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY' },
  { name: 'user', short: 'u', kind: 'string', help: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { name: 'volume', short: 'v', kind: 'list', help: 'Bind mount a volume' },
  { name: 'volume-driver', kind: 'string', help: 'Optional volume driver for the container' },
  { name: 'volumes-from', kind: 'list', help: 'Mount volumes from the specified container(s)' },
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
  // docker parses -v before anything else that can fail after flag parsing.
  const { binds, volumes } = volumeSpecs(flags.list('volume'));
  const tmpfs = tmpfsMounts(flags.list('tmpfs'));
  const mounts = flags.value<MountRequest[]>('mount') ?? [];
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
    Volumes: volumes,
    WorkingDir: flags.string('workdir') ?? '',
    // `--entrypoint ""` means "no entrypoint", which docker spells [""].
    Entrypoint: entrypoint ? [entrypoint] : flags.changed('entrypoint') ? [''] : null,
    OnBuild: null,
    Labels: labels,
    ...(stopSignal && { StopSignal: stopSignal }),
    ...(stopTimeout !== undefined && { StopTimeout: stopTimeout }),
    HostConfig: {
      Binds: binds,
      ContainerIDFile: '',
      LogConfig: { Type: '', Config: {} },
      NetworkMode: network,
      PortBindings: {},
      RestartPolicy: restartPolicy,
      AutoRemove: autoRemove,
      VolumeDriver: flags.string('volume-driver') ?? '',
      VolumesFrom: orNull(flags.list('volumes-from')),
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
      // Go leaves an empty Tmpfs and Mounts out of the body (omitempty); so does this.
      ...(tmpfs && { Tmpfs: tmpfs }),
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
      ...(mounts.length > 0 && { Mounts: mounts }),
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

/** docker's ValidateLabel, for --label here and on `volume create`. */
export function validateLabel(raw: string): string {
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

// --- Volumes and mounts: -v, --tmpfs and --mount as docker CLI 28 turns them into the request.

/**
 * docker's -v: a spec with a source (`name:/dst`, `/host:/dst:ro`) goes to HostConfig.Binds as typed,
 * except that a bind source starting with `.` is made absolute against the working directory; a
 * spec without one (`/data`) becomes a key of Config.Volumes, the container's anonymous volumes.
 * The specs are otherwise the daemon's to judge. Equal specs count once (docker keeps them in a set).
 */
export function volumeSpecs(specs: readonly string[], cwd = process.cwd()): { binds: string[] | null; volumes: Record<string, object> } {
  const binds: string[] = [];
  const anonymous: string[] = [];
  for (const spec of new Set(specs)) {
    const parsed = parseVolumeSpec(spec);
    if (parsed.source === '') {
      anonymous.push(spec);
      continue;
    }
    const colon = spec.indexOf(':');
    if (parsed.type === 'bind' && colon >= 0) {
      const host = spec.slice(0, colon);
      binds.push(`${host.startsWith('.') ? resolve(cwd, host) : host}${spec.slice(colon)}`);
    } else {
      binds.push(spec);
    }
  }
  // Go writes a map's keys sorted.
  const volumes = Object.fromEntries(anonymous.sort().map((v) => [v, {}]));
  return { binds: binds.length ? binds : null, volumes };
}

/**
 * The compose loader's ParseVolume, which docker runs on every -v: sections split at colons (a
 * one-letter section before a colon is a Windows drive and stays whole), a lone section is the
 * target, a third holds options. Throws docker's message for a spec it refuses.
 */
export function parseVolumeSpec(spec: string): { source: string; target: string; type: 'bind' | 'volume' } {
  const bytes = Buffer.byteLength(spec);
  if (bytes === 0) throw new Error('invalid empty volume spec');
  if (bytes <= 2) return { source: '', target: spec, type: 'volume' };
  let source = '';
  let target = '';
  let buffer: string[] = [];
  // NUL is the loader's end-of-spec marker.
  for (const ch of [...spec, '\0']) {
    if (ch === ':' && buffer.length === 1 && isLetter(buffer[0]!)) {
      buffer.push(ch);
      continue;
    }
    if (ch !== ':' && ch !== '\0') {
      buffer.push(ch);
      continue;
    }
    const section = buffer.join('');
    buffer = [];
    if (section === '') throw new Error(`invalid spec: ${spec}: empty section between colons`);
    if (source === '' && ch === '\0') target = section;
    else if (source === '') source = section;
    else if (target === '') target = section;
    else if (ch === ':') throw new Error(`invalid spec: ${spec}: too many colons`);
    // A third section is options (ro, rw, nocopy, propagation); the daemon reads them from the spec.
    if (ch === '\0') break;
  }
  return { source, target, type: source !== '' && isFilePath(source) ? 'bind' : 'volume' };
}

function isLetter(ch: string): boolean {
  return /^\p{L}$/u.test(ch);
}

/** Where the loader sees a host path rather than a volume name. */
function isFilePath(source: string): boolean {
  if ('./~'.includes(source[0]!)) return true;
  const chars = [...source];
  if (chars.length === 1) return false;
  if (source.startsWith('\\\\')) return true;
  // A drive letter: the first character a letter and the next byte a colon.
  return isLetter(chars[0]!) && source[chars[0]!.length] === ':';
}

/** `--tmpfs /t:size=64m` → {"/t": "size=64m"}; the options are the daemon's to check. Undefined when none. */
export function tmpfsMounts(values: readonly string[]): Record<string, string> | undefined {
  if (values.length === 0) return undefined;
  const byPath = new Map<string, string>();
  for (const v of values) {
    const colon = v.indexOf(':');
    byPath.set(colon >= 0 ? v.slice(0, colon) : v, colon >= 0 ? v.slice(colon + 1) : '');
  }
  return Object.fromEntries([...byPath.keys()].sort().map((k) => [k, byPath.get(k)!]));
}

/** What --mount sends: MountRequest plus what docker 28 knows and berth's type does not (image mounts, subpaths, recursive read-only). */
interface MountFlag extends Omit<MountRequest, 'Type' | 'BindOptions' | 'VolumeOptions'> {
  Type: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; ReadOnlyNonRecursive?: boolean; ReadOnlyForceRecursive?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; Subpath?: string; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
  ImageOptions?: { Subpath?: string };
}

interface VolumeFlagOptions {
  NoCopy: boolean;
  Labels: Map<string, string>;
  Subpath: string;
  Driver: string;
  Options?: Map<string, string>;
}

/**
 * docker's --mount (opts.MountOpt): one CSV record of `key=value` fields (keys case-insensitive),
 * `type` defaulting to volume, a source starting with `.` made absolute. The result has Go's field
 * order and leaves out what Go's omitempty leaves out, so the body is byte for byte docker's. Throws
 * the message docker prints after `invalid argument "…" for "--mount" flag:`.
 */
export function parseMount(value: string, cwd = process.cwd()): MountRequest {
  let type = 'volume';
  let source = '';
  let target = '';
  let readOnly = false;
  let consistency = '';
  let bind: NonNullable<MountFlag['BindOptions']> | undefined;
  let vol: VolumeFlagOptions | undefined;
  let image: { Subpath: string } | undefined;
  let tmpfs: { SizeBytes: number; Mode: number } | undefined;
  const volumeOptions = (): VolumeFlagOptions => (vol ??= { NoCopy: false, Labels: new Map(), Subpath: '', Driver: '' });
  const bindOptions = () => (bind ??= {});
  const tmpfsOptions = () => (tmpfs ??= { SizeBytes: 0, Mode: 0 });
  const setOnMap = (target: Map<string, string>, kv: string) => {
    const eq = kv.indexOf('=');
    const k = eq >= 0 ? kv.slice(0, eq) : kv;
    if (k !== '') target.set(k, eq >= 0 ? kv.slice(eq + 1) : '');
  };

  for (const field of readCsvRecord(value)) {
    const eq = field.indexOf('=');
    const key = (eq >= 0 ? field.slice(0, eq) : field).toLowerCase();
    const val = eq >= 0 ? field.slice(eq + 1) : '';
    const invalid = () => new Error(`invalid value for ${key}: ${val}`);
    const bool = () => {
      try {
        return parseBool(val);
      } catch {
        throw invalid();
      }
    };
    if (eq < 0) {
      if (key === 'readonly' || key === 'ro') readOnly = true;
      else if (key === 'volume-nocopy') volumeOptions().NoCopy = true;
      else if (key === 'bind-nonrecursive') bindOptions().NonRecursive = true;
      else throw new Error(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    switch (key) {
      case 'type':
        type = val.toLowerCase();
        break;
      case 'source':
      case 'src':
        source = !val.startsWith('/') && val.startsWith('.') ? resolve(cwd, val) : val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        target = val;
        break;
      case 'readonly':
      case 'ro':
        readOnly = bool();
        break;
      case 'consistency':
        consistency = val.toLowerCase();
        break;
      case 'bind-propagation':
        bindOptions().Propagation = val.toLowerCase();
        break;
      case 'bind-nonrecursive':
        // docker also logs that this is deprecated in favour of bind-recursive=disabled.
        bindOptions().NonRecursive = bool();
        break;
      case 'bind-recursive':
        if (val === 'disabled') bindOptions().NonRecursive = true;
        else if (val === 'writable') bindOptions().ReadOnlyNonRecursive = true;
        else if (val === 'readonly') bindOptions().ReadOnlyForceRecursive = true;
        else if (val !== 'enabled') throw new Error(`invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`);
        break;
      case 'volume-subpath':
        volumeOptions().Subpath = val;
        break;
      case 'volume-nocopy':
        try {
          volumeOptions().NoCopy = parseBool(val);
        } catch {
          throw new Error(`invalid value for volume-nocopy: ${val}`);
        }
        break;
      case 'volume-label':
        setOnMap(volumeOptions().Labels, val);
        break;
      case 'volume-driver':
        volumeOptions().Driver = val;
        break;
      case 'volume-opt':
        setOnMap((volumeOptions().Options ??= new Map()), val);
        break;
      case 'image-subpath':
        (image ??= { Subpath: '' }).Subpath = val;
        break;
      case 'tmpfs-size':
        try {
          tmpfsOptions().SizeBytes = ramInBytes(val);
        } catch {
          throw invalid();
        }
        break;
      case 'tmpfs-mode': {
        const mode = /^[0-7]+$/.test(val) ? parseInt(val, 8) : NaN;
        if (!(mode <= 0xffffffff)) throw invalid();
        tmpfsOptions().Mode = mode;
        break;
      }
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }

  if (type === '') throw new Error('type is required');
  if (target === '') throw new Error('target is required');
  if (vol && type !== 'volume') throw new Error(`cannot mix 'volume-*' options with mount type '${type}'`);
  if (image && type !== 'image') throw new Error(`cannot mix 'image-*' options with mount type '${type}'`);
  if (bind && type !== 'bind') throw new Error(`cannot mix 'bind-*' options with mount type '${type}'`);
  if (tmpfs && type !== 'tmpfs') throw new Error(`cannot mix 'tmpfs-*' options with mount type '${type}'`);
  if (bind?.ReadOnlyNonRecursive && !readOnly) throw new Error("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
  if (bind?.ReadOnlyForceRecursive) {
    if (!readOnly) throw new Error("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
    if (bind.Propagation !== 'rprivate') throw new Error("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
  }

  const sortedMap = (m: Map<string, string> | undefined) => (m && m.size > 0 ? Object.fromEntries([...m.keys()].sort().map((k) => [k, m.get(k)!])) : undefined);
  const labels = sortedMap(vol?.Labels);
  const driverOptions = sortedMap(vol?.Options);
  const mount: MountFlag = {
    Type: type,
    ...(source && { Source: source }),
    Target: target,
    ...(readOnly && { ReadOnly: true }),
    ...(consistency && { Consistency: consistency }),
    ...(bind && {
      BindOptions: {
        ...(bind.Propagation && { Propagation: bind.Propagation }),
        ...(bind.NonRecursive && { NonRecursive: true }),
        ...(bind.ReadOnlyNonRecursive && { ReadOnlyNonRecursive: true }),
        ...(bind.ReadOnlyForceRecursive && { ReadOnlyForceRecursive: true }),
      },
    }),
    ...(vol && {
      VolumeOptions: {
        ...(vol.NoCopy && { NoCopy: true }),
        ...(labels && { Labels: labels }),
        ...(vol.Subpath && { Subpath: vol.Subpath }),
        // docker always creates the driver config along with the volume options, so it is sent ({}).
        DriverConfig: { ...(vol.Driver && { Name: vol.Driver }), ...(driverOptions && { Options: driverOptions }) },
      },
    }),
    ...(image && { ImageOptions: { ...(image.Subpath && { Subpath: image.Subpath }) } }),
    ...(tmpfs && { TmpfsOptions: { ...(tmpfs.SizeBytes !== 0 && { SizeBytes: tmpfs.SizeBytes }), ...(tmpfs.Mode !== 0 && { Mode: tmpfs.Mode }) } }),
  };
  return mount as MountRequest;
}

const quote = 0x22;
const comma = 0x2c;
const newline = 0x0a;
const carriageReturn = 0x0d;

/**
 * The first record of Go's encoding/csv reader with its defaults, which docker reads --mount with:
 * fields split at commas, `"…"` quoting with `""` for a quote (a quoted field may span lines),
 * empty lines skipped, and Go's errors, with 1-based byte columns. Only the first line's record is
 * read; what follows is ignored.
 */
export function readCsvRecord(text: string): string[] {
  const data = Buffer.from(text, 'utf8');
  let offset = 0;
  let lineNo = 0;
  // Go's readLine: a line with its newline; `\r\n` read as `\n`, a `\r` right before the end dropped.
  const readLine = (): Buffer | undefined => {
    if (offset >= data.length) {
      lineNo++;
      return undefined;
    }
    const nl = data.indexOf(newline, offset);
    let line = data.subarray(offset, nl < 0 ? data.length : nl + 1);
    offset += line.length;
    lineNo++;
    const n = line.length;
    if (nl < 0 && line[n - 1] === carriageReturn) line = line.subarray(0, n - 1);
    else if (n >= 2 && line[n - 2] === carriageReturn && line[n - 1] === newline) line = Buffer.concat([line.subarray(0, n - 2), Buffer.from('\n')]);
    return line;
  };
  const newlineLength = (b: Buffer) => (b.length > 0 && b[b.length - 1] === newline ? 1 : 0);

  let line: Buffer | undefined;
  do line = readLine();
  while (line !== undefined && line.length === newlineLength(line));
  if (line === undefined) throw new Error('EOF');

  const recordLine = lineNo;
  const fail = (at: number, column: number, what: string) =>
    new Error(`${at !== recordLine ? `record on line ${recordLine}; ` : ''}parse error on line ${at}, column ${column}: ${what}`);
  const fields: string[] = [];
  let col = 1;
  let posLine = lineNo;
  for (;;) {
    if (line.length === 0 || line[0] !== quote) {
      const i = line.indexOf(comma);
      const field = i >= 0 ? line.subarray(0, i) : line.subarray(0, line.length - newlineLength(line));
      const j = field.indexOf(quote);
      if (j >= 0) throw fail(lineNo, col + j, 'bare " in non-quoted-field');
      fields.push(field.toString('utf8'));
      if (i < 0) return fields;
      line = line.subarray(i + 1);
      col += i + 1;
      continue;
    }
    line = line.subarray(1);
    col += 1;
    const parts: Buffer[] = [];
    for (;;) {
      const i = line.indexOf(quote);
      if (i >= 0) {
        parts.push(line.subarray(0, i));
        line = line.subarray(i + 1);
        col += i + 1;
        if (line[0] === quote) {
          parts.push(line.subarray(0, 1));
          line = line.subarray(1);
          col += 1;
        } else if (line[0] === comma) {
          line = line.subarray(1);
          col += 1;
          fields.push(Buffer.concat(parts).toString('utf8'));
          break;
        } else if (newlineLength(line) === line.length) {
          fields.push(Buffer.concat(parts).toString('utf8'));
          return fields;
        } else {
          throw fail(lineNo, col - 1, 'extraneous or missing " in quoted-field');
        }
      } else if (line.length > 0) {
        parts.push(line);
        col += line.length;
        line = readLine() ?? Buffer.alloc(0);
        if (line.length > 0) {
          posLine++;
          col = 1;
        }
      } else {
        throw fail(posLine, col, 'extraneous or missing " in quoted-field');
      }
    }
  }
}

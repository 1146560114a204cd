import { invalidArgument } from '../../common/errors.js';

/**
 * Type checks for request bodies. dockerd decodes JSON into Go structs, so a wrongly typed field is
 * a 400 ("json: cannot unmarshal …") before anything happens; berth does the same instead of letting
 * a number where a list belongs travel into the engine.
 */
type Kind = 'string' | 'boolean' | 'number' | 'strings' | 'strslice' | 'stringMap' | 'object' | 'array';

/** Go's name for a JSON value's type, as its decoder prints it. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'number' : `number ${v}`;
  return typeof v;
}

function check(struct: string, field: string, v: unknown, kind: Kind): void {
  if (v === undefined || v === null) return;
  const bad = (goType: string) => {
    throw invalidArgument(`json: cannot unmarshal ${typeName(v)} into Go struct field ${struct}.${field} of type ${goType}`);
  };
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') bad('string');
      return;
    case 'boolean':
      if (typeof v !== 'boolean') bad('bool');
      return;
    case 'number':
      if (typeof v !== 'number' || !Number.isInteger(v)) bad('int64');
      return;
    case 'strings':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) bad('[]string');
      return;
    case 'strslice':
      if (typeof v === 'string') return;
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) bad('strslice.StrSlice');
      return;
    case 'stringMap':
      if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v as object).every((x) => typeof x === 'string')) bad('map[string]string');
      return;
    case 'object':
      if (typeof v !== 'object' || Array.isArray(v)) bad('struct');
      return;
    case 'array':
      if (!Array.isArray(v)) bad('[]');
      return;
  }
}

const configFields: Record<string, Kind> = {
  Hostname: 'string', Domainname: 'string', User: 'string', AttachStdin: 'boolean', AttachStdout: 'boolean',
  AttachStderr: 'boolean', Tty: 'boolean', OpenStdin: 'boolean', StdinOnce: 'boolean', Env: 'strings',
  Cmd: 'strslice', Entrypoint: 'strslice', Image: 'string', Volumes: 'object', WorkingDir: 'string',
  OnBuild: 'strings', Labels: 'stringMap', StopSignal: 'string', StopTimeout: 'number', ExposedPorts: 'object',
  NetworkDisabled: 'boolean', MacAddress: 'string', Healthcheck: 'object', HostConfig: 'object', NetworkingConfig: 'object',
};

const hostConfigFields: Record<string, Kind> = {
  Binds: 'strings', ContainerIDFile: 'string', LogConfig: 'object', NetworkMode: 'string', PortBindings: 'object',
  RestartPolicy: 'object', AutoRemove: 'boolean', VolumeDriver: 'string', VolumesFrom: 'strings', ConsoleSize: 'array',
  CapAdd: 'strslice', CapDrop: 'strslice', CgroupnsMode: 'string', Dns: 'strings', DnsOptions: 'strings',
  DnsSearch: 'strings', ExtraHosts: 'strings', GroupAdd: 'strings', IpcMode: 'string', Cgroup: 'string',
  Links: 'strings', OomScoreAdj: 'number', PidMode: 'string', Privileged: 'boolean', PublishAllPorts: 'boolean',
  ReadonlyRootfs: 'boolean', SecurityOpt: 'strings', Tmpfs: 'stringMap', UTSMode: 'string', UsernsMode: 'string',
  ShmSize: 'number', Sysctls: 'stringMap', Runtime: 'string', CpuShares: 'number', Memory: 'number',
  NanoCpus: 'number', CgroupParent: 'string', BlkioWeight: 'number', CpuPeriod: 'number', CpuQuota: 'number',
  CpuRealtimePeriod: 'number', CpuRealtimeRuntime: 'number', CpusetCpus: 'string', CpusetMems: 'string',
  MemoryReservation: 'number', MemorySwap: 'number', MemorySwappiness: 'number', OomKillDisable: 'boolean',
  PidsLimit: 'number', Ulimits: 'array', Mounts: 'array', MaskedPaths: 'strings', ReadonlyPaths: 'strings',
  Init: 'boolean',
};

/** Validates a `POST /containers/create` body and returns it as an object. */
export function validateCreateBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) throw invalidArgument('config cannot be empty in order to create a container');
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidArgument(`json: cannot unmarshal ${typeName(body)} into Go value of type container.Config`);
  const b = body as Record<string, unknown>;
  for (const [k, kind] of Object.entries(configFields)) check('Config', k, b[k], kind);
  const hc = b['HostConfig'] as Record<string, unknown> | undefined;
  if (hc) {
    for (const [k, kind] of Object.entries(hostConfigFields)) check('HostConfig', k, hc[k], kind);
    const rp = hc['RestartPolicy'] as Record<string, unknown> | undefined;
    if (rp) {
      check('RestartPolicy', 'Name', rp['Name'], 'string');
      check('RestartPolicy', 'MaximumRetryCount', rp['MaximumRetryCount'], 'number');
    }
    for (const u of (hc['Ulimits'] as unknown[] | undefined) ?? []) {
      check('HostConfig', 'Ulimits', u, 'object');
      const ul = u as Record<string, unknown>;
      check('Ulimit', 'Name', ul['Name'], 'string');
      check('Ulimit', 'Soft', ul['Soft'], 'number');
      check('Ulimit', 'Hard', ul['Hard'], 'number');
    }
  }
  // Docker's strslice accepts a bare string for Cmd and Entrypoint.
  for (const k of ['Cmd', 'Entrypoint', 'CapAdd', 'CapDrop'] as const) {
    const target = k.startsWith('Cap') ? hc : b;
    if (target && typeof target[k] === 'string') target[k] = [target[k]];
  }
  return b;
}

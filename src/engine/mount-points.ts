import { posix } from 'node:path';
import { invalidArgument } from '../common/errors.js';
import type { MountRequest } from '../oci/container-config.js';
import type { MountSpec } from '../oci/runtime-spec.js';

/**
 * A container's mount, as its record keeps it and inspect shows it: moby's MountPoint. Parsed from
 * `-v` (HostConfig.Binds), `--mount` (HostConfig.Mounts), `--tmpfs` (HostConfig.Tmpfs),
 * `--volumes-from` and the image's VOLUMEs.
 */
export interface ContainerMount {
  type: 'volume' | 'bind' | 'tmpfs';
  /** Clean and absolute, in the container. */
  destination: string;
  /** bind: the host path. volume: '' (the volume store knows where the volume lives). */
  source: string;
  /** volume: its name ('' until an anonymous one is created). */
  name?: string;
  driver?: string;
  rw: boolean;
  /** The mode string as given with -v (`ro`, `rw,z`, …); '' otherwise. Inspect shows it. */
  mode: string;
  /** bind: rprivate unless given; volume and tmpfs: ''. */
  propagation: string;
  /** The user named the source (moby's Spec.Source): `rm -v` keeps such a volume. */
  named: boolean;
  /** A new, empty volume gets the image's content at the destination first. */
  copyData: boolean;
  /** `-v /host:/ctr` creates a missing host directory; `--mount type=bind` refuses it. */
  createHostDir?: boolean;
  nonRecursive?: boolean;
  /** tmpfs: the mount data (`size=64m,mode=1777`). */
  tmpfsData?: string;
  /** --mount volume-label / volume-opt: used when the volume has to be created. */
  volumeLabels?: Record<string, string>;
  volumeDriverOptions?: Record<string, string>;
  /** From HostConfig.Tmpfs: mounted, but not listed in Mounts (as dockerd). */
  unlisted?: boolean;
}

const rwModes = new Set(['rw', 'ro']);
const labelModes = new Set(['z', 'Z']);
const propagationModes = new Set(['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared']);
const copyModes = new Set(['nocopy']);
const consistencyModes = new Set(['consistent', 'cached', 'delegated']);
const defaultPropagation = 'rprivate';

const invalidSpec = (raw: string) => `invalid volume specification: '${raw}'`;

/** moby's linuxValidMountMode: known words, at most one of each kind. */
export function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = [0, 0, 0, 0, 0];
  for (const o of mode.split(',')) {
    const kind = rwModes.has(o) ? 0 : labelModes.has(o) ? 1 : propagationModes.has(o) ? 2 : copyModes.has(o) ? 3 : consistencyModes.has(o) ? 4 : -1;
    if (kind < 0) return false;
    counts[kind]!++;
  }
  return counts.every((n) => n <= 1);
}

function modeWords(mode: string): string[] {
  return mode === '' ? [] : mode.split(',');
}

function validateTarget(type: string, target: string): string {
  const errorFor = (msg: string) => invalidArgument(`invalid mount config for type "${type}": ${msg}`);
  if (target === '') throw errorFor('field Target must not be empty');
  if (posix.normalize(target) === '/') throw errorFor("invalid specification: destination can't be '/'");
  if (!posix.isAbsolute(target)) throw errorFor(`invalid mount path: '${target}' mount path must be absolute`);
  return posix.normalize(target).replace(/\/+$/, '');
}

/** A `-v` value: `/dst`, `src:/dst` or `src:/dst:mode`; an absolute src is a bind, anything else a volume name. */
export function parseBind(raw: string, volumeDriver = ''): ContainerMount {
  const parts = raw.split(':');
  if (parts[0] === '' || parts.length > 3) throw invalidArgument(invalidSpec(raw));
  let source = '';
  let target: string;
  let mode = '';
  if (parts.length === 1) target = parts[0]!;
  else if (parts.length === 2) {
    // `/foo:rw` would be a destination with a mode: volumes cannot have one without a source.
    if (validMountMode(parts[1]!)) throw invalidArgument(invalidSpec(raw));
    [source, target] = parts as [string, string];
  } else [source, target, mode] = parts as [string, string, string];
  if (!validMountMode(mode)) throw invalidArgument(`invalid mode: ${mode}`);
  const words = modeWords(mode);
  const type = posix.isAbsolute(source) ? 'bind' : 'volume';
  let destination: string;
  try {
    destination = validateTarget(type, target);
  } catch (err) {
    throw invalidArgument(`${invalidSpec(raw)}: ${(err as Error).message}`);
  }
  const rw = !words.includes('ro');
  const propagation = words.find((w) => propagationModes.has(w));
  if (type === 'bind') {
    return { type, destination, source: posix.normalize(source), rw, mode, propagation: propagation ?? defaultPropagation, named: true, copyData: false, createHostDir: true };
  }
  return {
    type,
    destination,
    source: '',
    name: source,
    driver: volumeDriver || 'local',
    rw,
    // dockerd shows a named volume given without a mode as "z" (its SELinux default).
    mode: source !== '' && mode === '' ? 'z' : mode,
    propagation: '',
    named: source !== '',
    copyData: !words.includes('nocopy'),
  };
}

/** A `--mount` entry (HostConfig.Mounts), validated as moby's ParseMountSpec does. */
export function parseMountRequest(m: MountRequest, sourceExists: (path: string) => boolean): ContainerMount {
  const type = m.Type;
  const errorFor = (msg: string) => invalidArgument(`invalid mount config for type "${type}": ${msg}`);
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw errorFor('mount type unknown');
  const destination = validateTarget(type, m.Target ?? '');
  const source = m.Source ?? '';
  const rw = !m.ReadOnly;
  switch (type) {
    case 'bind': {
      if (source === '') throw errorFor('field Source must not be empty');
      const propagation = m.BindOptions?.Propagation ?? '';
      if (propagation && !propagationModes.has(propagation)) throw errorFor(`invalid propagation mode: ${propagation}`);
      if (m.VolumeOptions) throw errorFor('field VolumeOptions must not be specified');
      if (!posix.isAbsolute(source)) throw errorFor(`invalid mount path: '${source}' mount path must be absolute`);
      if (!sourceExists(posix.normalize(source))) throw errorFor(`bind source path does not exist: ${source}`);
      return {
        type,
        destination,
        source: posix.normalize(source),
        rw,
        mode: '',
        propagation: propagation || defaultPropagation,
        named: true,
        copyData: false,
        ...(m.BindOptions?.NonRecursive && { nonRecursive: true }),
      };
    }
    case 'volume': {
      if (m.BindOptions) throw errorFor('field BindOptions must not be specified');
      if (m.ReadOnly && source === '') throw errorFor('must not set ReadOnly mode when using anonymous volumes');
      const vo = m.VolumeOptions;
      return {
        type,
        destination,
        source: '',
        name: source,
        driver: vo?.DriverConfig?.Name || 'local',
        rw,
        // dockerd's SELinux default for a volume given without a mode, as with -v.
        mode: 'z',
        propagation: '',
        named: source !== '',
        copyData: !vo?.NoCopy,
        ...(vo?.Labels && Object.keys(vo.Labels).length > 0 && { volumeLabels: { ...vo.Labels } }),
        ...(vo?.DriverConfig?.Options && Object.keys(vo.DriverConfig.Options).length > 0 && { volumeDriverOptions: { ...vo.DriverConfig.Options } }),
      };
    }
    case 'tmpfs': {
      if (m.BindOptions) throw errorFor('field BindOptions must not be specified');
      if (source !== '') throw errorFor('field Source must not be specified');
      return { type, destination, source: '', rw, mode: '', propagation: '', named: false, copyData: false, tmpfsData: tmpfsData(m.TmpfsOptions, m.ReadOnly ?? false) };
    }
  }
}

/** moby's ConvertTmpfsOptions: `ro`, `mode=<octal>`, `size=<n>[kmg]` (the largest unit that divides). */
export function tmpfsData(opts: MountRequest['TmpfsOptions'], readOnly: boolean): string {
  const out: string[] = [];
  if (readOnly) out.push('ro');
  if (opts?.Mode) out.push(`mode=${opts.Mode.toString(8)}`);
  if (opts?.SizeBytes) {
    let size = opts.SizeBytes;
    let suffix = '';
    for (const [s, d] of [['g', 1 << 30], ['m', 1 << 20], ['k', 1 << 10]] as const) {
      if (size % d === 0) {
        size /= d;
        suffix = s;
        break;
      }
    }
    out.push(`size=${size}${suffix}`);
  }
  return out.join(',');
}

/** A `--tmpfs /path[:options]` entry (HostConfig.Tmpfs). */
export function parseTmpfs(target: string, data: string): ContainerMount {
  const destination = validateTarget('tmpfs', target);
  const words = data === '' ? [] : data.split(',');
  return { type: 'tmpfs', destination, source: '', rw: !words.includes('ro'), mode: '', propagation: '', named: false, copyData: false, tmpfsData: data, unlisted: true };
}

/** `--volumes-from container[:ro|rw]`. */
export function parseVolumesFrom(spec: string): { container: string; mode: string } {
  if (spec === '') throw invalidArgument('volumes-from specification cannot be an empty string');
  const i = spec.indexOf(':');
  const container = i < 0 ? spec : spec.slice(0, i);
  const mode = i < 0 ? '' : spec.slice(i + 1);
  if (mode === '') return { container, mode: 'rw' };
  const words = modeWords(mode);
  // Propagation and copy modes come from the original mount, not from here.
  if (!validMountMode(mode) || words.some((w) => propagationModes.has(w) || copyModes.has(w))) throw invalidArgument(`invalid mode: ${mode}`);
  return { container, mode };
}

/** Parents before children, so that a mount inside another lands on top of it. */
export function sortByDepth<T extends { destination: string }>(mounts: T[]): T[] {
  const depth = (p: string) => p.split('/').filter(Boolean).length;
  return [...mounts].sort((a, b) => depth(a.destination) - depth(b.destination));
}

/**
 * moby's MergeTmpfsOptions: later options win; of `size=`/`mode=`/… the last value counts; a
 * flag cancels its opposite (`exec` after the default `noexec`).
 */
export function mergeTmpfsOptions(options: string[]): string[] {
  const opposite: Record<string, string> = { exec: 'noexec', noexec: 'exec', suid: 'nosuid', nosuid: 'suid', dev: 'nodev', nodev: 'dev', ro: 'rw', rw: 'ro' };
  const out: string[] = [];
  const keyOf = (o: string) => (o.includes('=') ? o.slice(0, o.indexOf('=')) : o);
  for (const o of options) {
    if (o === '') continue;
    const key = keyOf(o);
    const drop = new Set([key, opposite[key] ?? '']);
    for (let i = out.length - 1; i >= 0; i--) if (drop.has(keyOf(out[i]!))) out.splice(i, 1);
    out.push(o);
  }
  return out;
}

/** The OCI mount for a container mount; `source` is where a volume's data lives on the host. */
export function runtimeMount(m: ContainerMount, source: string): MountSpec {
  if (m.type === 'tmpfs') {
    const options = mergeTmpfsOptions(['noexec', 'nosuid', 'nodev', ...(m.tmpfsData ? m.tmpfsData.split(',') : [])]);
    return { destination: m.destination, type: 'tmpfs', source: 'tmpfs', options };
  }
  const options = [m.nonRecursive ? 'bind' : 'rbind', m.rw ? 'rw' : 'ro'];
  options.push(m.propagation || defaultPropagation);
  return { destination: m.destination, type: 'bind', source, options };
}

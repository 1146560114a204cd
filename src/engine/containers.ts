import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { BerthError, conflict, errnoCode, invalidArgument, isKind, messageOf, notFound, notImplemented, notModified } from '../common/errors.js';
import { newId, randomName, shortId } from '../common/ids.js';
import type { Logger } from '../common/log.js';
import { KeyedMutex } from '../common/mutex.js';
import { formatRfc3339Nano, nowNs, zeroTime } from '../common/time.js';
import { dirSize } from '../common/dir-size.js';
import { resolveInRoot } from '../common/fs-root.js';
import type { ContainerConfig, HostConfig, NetworkingConfig } from '../oci/container-config.js';
import { defaultPath, type ContainerConfig as ImageRunConfig } from '../oci/image.js';
import { familiarString, parseReference } from '../oci/reference.js';
import { parseSignal } from '../oci/signal.js';
import type { ImageStore } from '../image/store.js';
import type { OverlaySnapshotter } from '../snapshot/overlay.js';
import { effectiveCapabilities } from '../runtime/capabilities.js';
import type { RuntimeDriver } from '../runtime/driver.js';
import { readLogs, type LogEntry } from '../runtime/logs.js';
import { convertProfile } from '../runtime/seccomp.js';
import type { MountSpec, SeccompSpec } from '../oci/runtime-spec.js';
import { buildSpec, containerEnv, defaultMaskedPaths, defaultReadonlyPaths } from '../runtime/spec.js';
import { resolveUserInRoot } from '../runtime/user.js';
import { AttachSession } from './attach-session.js';
import { ContainerStore, containerEventAttrs, isActive, validateName, type ContainerRecord, type ContainerStatus } from './container-record.js';
import type { EventBus } from './events.js';
import { matchAny, matchLabels, validateFilterKeys, type Filters } from './filters.js';
import { healthAtStart, healthLabel, mergeHealthcheck, probeOf, validateHealthcheck, type HealthState } from './health-state.js';
import { hostDevices, type HostFacts } from './host.js';
import { parseBind, parseMountRequest, parseTmpfs, parseVolumesFrom, runtimeMount, sortByDepth, type ContainerMount } from './mount-points.js';
import { mountsOf, type VolumeService } from './volumes.js';

export interface ContainerServiceDeps {
  store: ContainerStore;
  images: ImageStore;
  snapshotter: OverlaySnapshotter;
  driver: RuntimeDriver;
  events: EventBus;
  host: HostFacts;
  log: Logger;
  volumes: VolumeService;
  cgroupParent: string;
  /** The init (tini, catatonit) bind-mounted as /sbin/docker-init for `--init`; `byDefault` is daemon.json's `init`. */
  init?: { path?: string; byDefault: boolean };
}

/** Where `--init` puts the init inside the container, as dockerd does. */
export const containerInitPath = '/sbin/docker-init';

export interface CreateRequest {
  name?: string;
  config: Partial<ContainerConfig> & { Image?: string };
  hostConfig?: Partial<HostConfig> | null;
  networkingConfig?: NetworkingConfig | null;
}

export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

const defaultShmSize = 64 * 1024 * 1024;
const minMemory = 6 * 1024 * 1024;
const defaultNofile = 1048576;

interface Tracked {
  exitCallbacks: Set<(code: number) => void>;
  removeCallbacks: Set<(code: number) => void>;
  pendingAttach: Set<AttachSession>;
}

function isExecNotFound(msg: string): boolean {
  return /executable file not found|no such file or directory|system cannot find the file/i.test(msg);
}

/**
 * The container state machine: created → running ⇄ paused → exited → removed, with the record
 * written before each action and the runtime driver doing the work. Exits come from conmon's exit
 * files through the driver's exit watcher, so they are seen even when they happen while the daemon
 * is down.
 */
export class ContainerService {
  private readonly locks = new KeyedMutex();
  private readonly tracked = new Map<string, Tracked>();
  private readonly namesInFlight = new Set<string>();
  private readonly removedCallbacks: Array<(id: string) => void> = [];
  /** Policy restarts waiting for their backoff, and the delay of the next one, by container id. */
  private readonly restarts = new Map<string, { timer?: NodeJS.Timeout; delayMs: number }>();
  /** Mount leases by container id (withRootfs). */
  private readonly leases = new Map<string, number>();
  /** Converted seccomp profiles by capability set: the conversion is the same for every container. */
  private readonly seccompCache = new Map<string, SeccompSpec>();

  constructor(private readonly d: ContainerServiceDeps) {}

  private track(id: string): Tracked {
    let t = this.tracked.get(id);
    if (!t) {
      t = { exitCallbacks: new Set(), removeCallbacks: new Set(), pendingAttach: new Set() };
      this.tracked.set(id, t);
    }
    return t;
  }

  /** Starts listening for exits and brings every record in line with what conmon and the runtime say. */
  async init(): Promise<void> {
    this.d.driver.exits.on('exit', (id: string, code: number) => {
      void this.handleExit(id, code).catch((err: unknown) => this.d.log.error('exit handling failed', { id, err }));
    });
    await this.reconcile();
    await this.d.driver.exits.scan();
    // Containers whose policy wants them running when the daemon starts: `always` ones even if the
    // user stopped them (Docker's rule), `unless-stopped` and `on-failure` ones as their policy says.
    for (const rec of this.d.store.all()) {
      if (rec.state.Status !== 'exited' || rec.state.FinishedAt === zeroTime) continue;
      const always = rec.hostConfig.RestartPolicy.Name === 'always' && !rec.hostConfig.AutoRemove;
      if (always || shouldRestart(rec, rec.state.ExitCode)) {
        rec.manuallyStopped = false;
        rec.state = { ...rec.state, Status: 'restarting' };
        await this.d.store.save(rec);
        this.scheduleRestart(rec);
      }
    }
  }

  find(idOrName: string): ContainerRecord {
    return this.d.store.find(idOrName);
  }

  /**
   * Runs `fn` with the container's root file system mounted, whatever its state: a stopped
   * container's is mounted for the duration (cp, export, commit). Leases are counted so that an exit
   * or the end of another lease never unmounts a file system still in use; the container's lock is
   * held only while mounting and unmounting, never during `fn`.
   */
  async withRootfs<T>(idOrName: string, fn: (rootfs: string, rec: ContainerRecord) => Promise<T>): Promise<T> {
    const id = this.find(idOrName).id;
    const rootfs = await this.locks.run(id, async () => {
      const cur = this.d.store.get(id);
      if (!cur) throw notFound(`No such container: ${idOrName}`);
      if (cur.state.Status === 'removing') throw conflict(`container ${id} is being removed`);
      this.leases.set(id, (this.leases.get(id) ?? 0) + 1);
      try {
        if (!(await this.d.snapshotter.exists(id))) {
          const image = this.d.images.get(cur.image);
          if (!image) throw notFound(`No such image: ${cur.image}`);
          await this.d.snapshotter.prepare(id, this.d.images.chainIdsOf(image).at(-1) ?? null);
        }
        return await this.d.snapshotter.mount(id);
      } catch (err) {
        this.releaseLease(id);
        throw err;
      }
    });
    try {
      return await fn(rootfs, this.d.store.get(id) ?? this.find(id));
    } finally {
      await this.locks.run(id, async () => {
        this.releaseLease(id);
        const cur = this.d.store.get(id);
        if (!this.leases.has(id) && cur && !isActive(cur.state.Status)) await this.d.snapshotter.unmount(id);
      });
    }
  }

  private releaseLease(id: string): void {
    const n = (this.leases.get(id) ?? 1) - 1;
    if (n > 0) this.leases.set(id, n);
    else this.leases.delete(id);
  }

  /** Unmounts the root file system of a container that stopped, unless a lease still uses it. */
  private async unmountUnlessLeased(id: string): Promise<void> {
    if (this.leases.has(id)) return;
    await this.d.snapshotter.unmount(id);
  }

  /** Resizes a running container's terminal (a container without one has nothing to resize). */
  async resize(idOrName: string, height: number, width: number): Promise<void> {
    const rec = this.find(idOrName);
    if (!isActive(rec.state.Status)) throw conflict(`Container ${rec.id} is not running`);
    if (!rec.config.Tty || height <= 0 || width <= 0) return;
    await this.d.driver.resize({ container: rec.id }, height, width);
  }

  /** Registers a callback for container removal (other services drop what they keep per container). */
  onRemoved(cb: (id: string) => void): void {
    this.removedCallbacks.push(cb);
  }

  /** Snapshot paths of a container's writable layer (for diff and commit). */
  upperDir(id: string): string {
    return this.d.snapshotter.upperPath(id);
  }

  /** The container's own directory: its record and the files bind-mounted into it (hosts, resolv.conf). */
  containerDir(id: string): string {
    return this.d.store.containerDir(id);
  }

  list(): ContainerRecord[] {
    return this.d.store.all();
  }

  /** The container with exactly this id, if it still exists. */
  byId(id: string): ContainerRecord | undefined {
    return this.d.store.get(id);
  }

  imageInUse(imageId: string): ContainerRecord[] {
    return this.d.store.all().filter((c) => c.image === imageId);
  }

  // ---------------------------------------------------------------- create

  async create(req: CreateRequest): Promise<{ id: string; warnings: string[] }> {
    const imageName = req.config.Image ?? '';
    if (!imageName) throw invalidArgument('No image specified');
    const image = this.resolveImage(imageName);
    const imgCfg = (await this.d.images.config(image.id)).config ?? {};
    const hostConfig = this.normaliseHostConfig(req.hostConfig ?? {});
    this.validateHostConfig(hostConfig);

    const id = newId();
    const config = mergeConfig(req.config, imgCfg, id);
    validateHealthcheck(config.Healthcheck);
    if (config.StopSignal) parseSignal(config.StopSignal);
    const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
    if (argv.length === 0) throw invalidArgument('No command specified');
    if (config.WorkingDir && !config.WorkingDir.startsWith('/')) {
      throw invalidArgument(`the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`);
    }

    const name = await this.reserveName(req.name);
    try {
      const planned = this.planMounts(hostConfig, config);
      // Volumes are created (or found) first: the record must name each one it uses.
      const volumes = await this.d.volumes.provide(id, planned);
      const rec: ContainerRecord = {
        id,
        name,
        created: formatRfc3339Nano(nowNs()),
        path: argv[0]!,
        args: argv.slice(1),
        image: image.id,
        config,
        hostConfig,
        networkingConfig: req.networkingConfig ?? null,
        state: { Status: 'created', Pid: 0, ExitCode: 0, Error: '', OOMKilled: false, StartedAt: zeroTime, FinishedAt: zeroTime },
        restartCount: 0,
        runtime: hostConfig.Runtime,
        cgroupsPath: `${hostConfig.CgroupParent || this.d.cgroupParent}/${id}`,
        conmonPid: 0,
        manuallyStopped: false,
        mounts: volumes.mounts,
      };
      try {
        await this.d.store.save(rec);
        try {
          await this.d.snapshotter.prepare(id, this.d.images.chainIdsOf(image).at(-1) ?? null);
          if (volumes.mounts.some((m) => m.type === 'volume' && m.copyData)) await this.copyUp(rec);
        } catch (err) {
          await this.d.snapshotter.remove(id).catch(() => {});
          await this.d.store.delete(id);
          // Its hold goes first: discard keeps any volume still counted as used.
          volumes.settle();
          await this.d.volumes.discard(volumes.created);
          throw err;
        }
      } finally {
        volumes.settle();
      }
      this.d.events.publish('container', 'create', id, this.eventAttrs(rec));
      return { id, warnings: [] };
    } finally {
      this.namesInFlight.delete(name);
    }
  }

  /**
   * The container's mounts in dockerd's order of precedence: --volumes-from first, then -v and
   * --mount (which may not name the same destination twice, nor one of --tmpfs), then the image's
   * and the request's VOLUMEs where nothing else is mounted.
   */
  private planMounts(hc: HostConfig, config: ContainerConfig): ContainerMount[] {
    const byDest = new Map<string, ContainerMount>();
    for (const spec of hc.VolumesFrom ?? []) {
      const { container, mode } = parseVolumesFrom(spec);
      const from = this.find(container);
      const readOnly = mode.split(',').includes('ro');
      for (const m of mountsOf(from)) {
        if (m.type === 'tmpfs') continue;
        byDest.set(m.destination, { ...m, rw: m.rw && !readOnly, mode: '', copyData: false });
      }
    }
    const explicit = new Set<string>();
    const tmpfs = Object.entries(hc.Tmpfs ?? {}).map(([dest, data]) => parseTmpfs(dest, data));
    const tmpfsDests = new Set(tmpfs.map((m) => m.destination));
    const add = (m: ContainerMount) => {
      if (explicit.has(m.destination) || tmpfsDests.has(m.destination)) throw invalidArgument(`Duplicate mount point: ${m.destination}`);
      explicit.add(m.destination);
      byDest.set(m.destination, m);
    };
    for (const raw of hc.Binds ?? []) add(parseBind(raw, hc.VolumeDriver));
    for (const req of hc.Mounts ?? []) add(parseMountRequest(req, existsSync));
    for (const m of tmpfs) byDest.set(m.destination, m);
    for (const raw of Object.keys(config.Volumes ?? {})) {
      const destination = posix.normalize(raw).replace(/(.)\/+$/, '$1');
      if (!destination.startsWith('/')) throw invalidArgument(`invalid mount config for type "volume": invalid mount path: '${raw}' mount path must be absolute`);
      if (destination === '/') throw invalidArgument("invalid mount config for type \"volume\": invalid specification: destination can't be '/'");
      if (byDest.has(destination)) continue;
      byDest.set(destination, { type: 'volume', destination, source: '', name: '', driver: hc.VolumeDriver || 'local', rw: true, mode: '', propagation: '', named: false, copyData: true });
    }
    return [...byDest.values()];
  }

  /** Fills new, empty volumes with the image's content at their mount points (dockerd's copy-up). */
  private async copyUp(rec: ContainerRecord): Promise<void> {
    const rootfs = await this.d.snapshotter.mount(rec.id);
    try {
      for (const m of mountsOf(rec)) await this.d.volumes.copyUp(rec.id, m, rootfs);
    } finally {
      await this.d.snapshotter.unmount(rec.id);
    }
  }

  /**
   * The runtime mounts of a starting container, parents first: volumes (mounted by their driver
   * if they need it), binds (a missing host directory made for -v, refused for --mount) and tmpfs.
   */
  private async runtimeMounts(rec: ContainerRecord, volumePaths: Map<string, string>): Promise<MountSpec[]> {
    const out: MountSpec[] = [];
    for (const m of sortByDepth(mountsOf(rec))) {
      if (m.type === 'bind') {
        const st = await stat(m.source).catch(() => undefined);
        if (!st) {
          if (!m.createHostDir) throw invalidArgument(`invalid mount config for type "bind": bind source path does not exist: ${m.source}`);
          await mkdir(m.source, { recursive: true, mode: 0o755 });
        }
      }
      out.push(runtimeMount(m, m.type === 'volume' ? volumePaths.get(m.name!)! : m.source));
    }
    return out;
  }

  private resolveImage(name: string) {
    const rec = this.d.images.resolve(name);
    if (rec) return rec;
    let shown = name;
    try {
      shown = familiarString(parseReference(name));
    } catch (err) {
      if (!/^[a-f0-9]+$/.test(name.replace(/^sha256:/, ''))) throw err;
    }
    throw notFound(`No such image: ${shown}`);
  }

  private async reserveName(requested: string | undefined): Promise<string> {
    if (requested) {
      const name = validateName(requested);
      const holder = this.d.store.byName(name);
      if (holder || this.namesInFlight.has(name)) {
        const holderId = holder?.id ?? 'being created';
        throw conflict(`Conflict. The container name "${name}" is already in use by container "${holderId}". You have to remove (or rename) that container to be able to reuse that name.`);
      }
      this.namesInFlight.add(name);
      return name;
    }
    for (let attempt = 0; ; attempt++) {
      const name = `/${randomName(attempt > 5 ? attempt : 0)}`;
      if (!this.d.store.byName(name) && !this.namesInFlight.has(name)) {
        this.namesInFlight.add(name);
        return name;
      }
    }
  }

  private normaliseHostConfig(h: Partial<HostConfig>): HostConfig {
    const privileged = h.Privileged ?? false;
    return {
      Binds: h.Binds ?? null,
      ContainerIDFile: h.ContainerIDFile ?? '',
      LogConfig: { Type: h.LogConfig?.Type || 'json-file', Config: h.LogConfig?.Config ?? {} },
      NetworkMode: h.NetworkMode || 'default',
      PortBindings: h.PortBindings ?? {},
      RestartPolicy: { Name: h.RestartPolicy?.Name || 'no', MaximumRetryCount: h.RestartPolicy?.MaximumRetryCount ?? 0 },
      AutoRemove: h.AutoRemove ?? false,
      VolumeDriver: h.VolumeDriver ?? '',
      VolumesFrom: h.VolumesFrom ?? null,
      ConsoleSize: h.ConsoleSize ?? [0, 0],
      CapAdd: h.CapAdd ?? null,
      CapDrop: h.CapDrop ?? null,
      CgroupnsMode: h.CgroupnsMode || (this.d.host.cgroupVersion === '2' ? 'private' : 'host'),
      Dns: h.Dns ?? [],
      DnsOptions: h.DnsOptions ?? [],
      DnsSearch: h.DnsSearch ?? [],
      ExtraHosts: h.ExtraHosts ?? null,
      GroupAdd: h.GroupAdd ?? null,
      IpcMode: h.IpcMode || 'private',
      Cgroup: h.Cgroup ?? '',
      Links: h.Links ?? null,
      OomScoreAdj: h.OomScoreAdj ?? 0,
      PidMode: h.PidMode ?? '',
      Privileged: privileged,
      PublishAllPorts: h.PublishAllPorts ?? false,
      ReadonlyRootfs: h.ReadonlyRootfs ?? false,
      SecurityOpt: h.SecurityOpt ?? null,
      ...(h.Tmpfs && { Tmpfs: h.Tmpfs }),
      UTSMode: h.UTSMode ?? '',
      UsernsMode: h.UsernsMode ?? '',
      ShmSize: h.ShmSize || defaultShmSize,
      ...(typeof h.Init === 'boolean' && { Init: h.Init }),
      ...(h.Sysctls && { Sysctls: h.Sysctls }),
      Runtime: h.Runtime || this.d.driver.defaultRuntime,
      Isolation: h.Isolation ?? '',
      CpuShares: h.CpuShares ?? 0,
      Memory: h.Memory ?? 0,
      NanoCpus: h.NanoCpus ?? 0,
      CgroupParent: h.CgroupParent ?? '',
      BlkioWeight: h.BlkioWeight ?? 0,
      BlkioWeightDevice: h.BlkioWeightDevice ?? [],
      BlkioDeviceReadBps: h.BlkioDeviceReadBps ?? [],
      BlkioDeviceWriteBps: h.BlkioDeviceWriteBps ?? [],
      BlkioDeviceReadIOps: h.BlkioDeviceReadIOps ?? [],
      BlkioDeviceWriteIOps: h.BlkioDeviceWriteIOps ?? [],
      CpuPeriod: h.CpuPeriod ?? 0,
      CpuQuota: h.CpuQuota ?? 0,
      CpuRealtimePeriod: h.CpuRealtimePeriod ?? 0,
      CpuRealtimeRuntime: h.CpuRealtimeRuntime ?? 0,
      CpusetCpus: h.CpusetCpus ?? '',
      CpusetMems: h.CpusetMems ?? '',
      Devices: h.Devices ?? [],
      DeviceCgroupRules: h.DeviceCgroupRules ?? null,
      DeviceRequests: h.DeviceRequests ?? null,
      KernelMemory: h.KernelMemory ?? 0,
      KernelMemoryTCP: h.KernelMemoryTCP ?? 0,
      MemoryReservation: h.MemoryReservation ?? 0,
      MemorySwap: h.MemorySwap ?? 0,
      MemorySwappiness: h.MemorySwappiness === undefined || h.MemorySwappiness === -1 ? null : h.MemorySwappiness,
      OomKillDisable: h.OomKillDisable ?? false,
      PidsLimit: h.PidsLimit ? h.PidsLimit : null,
      Ulimits: h.Ulimits && h.Ulimits.length ? h.Ulimits : null,
      CpuCount: h.CpuCount ?? 0,
      CpuPercent: h.CpuPercent ?? 0,
      IOMaximumIOps: h.IOMaximumIOps ?? 0,
      IOMaximumBandwidth: h.IOMaximumBandwidth ?? 0,
      ...(h.Mounts && h.Mounts.length > 0 && { Mounts: h.Mounts }),
      MaskedPaths: h.MaskedPaths ?? (privileged ? null : defaultMaskedPaths),
      ReadonlyPaths: h.ReadonlyPaths ?? (privileged ? null : defaultReadonlyPaths),
    };
  }

  private validateHostConfig(h: HostConfig): void {
    const mode = h.NetworkMode;
    if (mode === 'bridge') throw invalidArgument('the bridge network is not available in this version of berth: use --network none or --network host');
    if (mode.startsWith('container:')) throw notImplemented('--network container:… is not supported yet');
    // Any other name is a user network, looked up when the container starts (as dockerd does: a 404
    // from create would make the docker CLI try to pull the image).
    if (Object.values(h.PortBindings ?? {}).some((b) => b && b.length > 0) || h.PublishAllPorts) {
      throw invalidArgument('port publishing needs the bridge network, which is not available in this version of berth');
    }
    if (h.Memory > 0 && h.Memory < minMemory) throw invalidArgument('Minimum memory limit allowed is 6MB');
    if (h.Memory < 0) throw invalidArgument('invalid memory limit');
    if (h.MemorySwap > 0 && h.Memory > 0 && h.MemorySwap < h.Memory) {
      throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
    }
    if (h.NanoCpus < 0 || h.NanoCpus > this.d.host.ncpu * 1e9) {
      throw invalidArgument(`Range of CPUs is from 0.01 to ${this.d.host.ncpu}.00, as there are only ${this.d.host.ncpu} CPUs available`);
    }
    if (h.NanoCpus > 0 && (h.CpuPeriod > 0 || h.CpuQuota > 0)) {
      throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
    }
    if (h.CpuShares < 0) throw invalidArgument('invalid CPU shares');
    const policy = h.RestartPolicy.Name;
    if (!['', 'no', 'always', 'on-failure', 'unless-stopped'].includes(policy)) throw invalidArgument(`invalid restart policy '${policy}'`);
    if (h.RestartPolicy.MaximumRetryCount < 0) throw invalidArgument('maximum retry count cannot be negative');
    if (policy !== 'on-failure' && h.RestartPolicy.MaximumRetryCount > 0) {
      throw invalidArgument(`maximum retry count cannot be used with restart policy '${policy}'`);
    }
    if (h.AutoRemove && policy !== 'no' && policy !== '') throw invalidArgument("can't create 'AutoRemove' container with restart policy");
    this.d.driver.cli(h.Runtime);
    effectiveCapabilities({ privileged: h.Privileged, capAdd: h.CapAdd, capDrop: h.CapDrop, available: this.d.host.capabilities });
  }

  private eventAttrs(rec: ContainerRecord, extra: Record<string, string> = {}): Record<string, string> {
    return containerEventAttrs(rec, extra);
  }

  // ---------------------------------------------------------------- start

  async start(idOrName: string): Promise<void> {
    const rec = this.find(idOrName);
    const id = rec.id;
    try {
      await this.locks.run(id, async () => {
        const cur = this.d.store.get(id);
        if (!cur) throw notFound(`No such container: ${idOrName}`);
        const s = cur.state.Status;
        if (s === 'running' || s === 'restarting') throw notModified();
        if (s === 'paused') throw conflict('cannot start a paused container, try unpause instead');
        if (s === 'removing' || s === 'dead') throw conflict(`container is marked for removal and cannot be started`);
        // A start by the user resets the restart policy's count and backoff, as dockerd does.
        this.cancelRestart(id);
        cur.restartCount = 0;
        await this.startLocked(cur);
      });
    } catch (err) {
      // Like dockerd: an --rm container that cannot start is removed (`docker run --rm` waits for that).
      if (rec.hostConfig.AutoRemove && !isKind(err, 'not-modified') && !isKind(err, 'conflict') && this.d.store.get(id)) {
        await this.remove(id, { force: true }).catch((e: unknown) => this.d.log.warn('auto-remove after failed start failed', { id, err: e }));
      }
      throw err;
    }
  }

  private async startLocked(rec: ContainerRecord): Promise<void> {
    const id = rec.id;
    const dir = this.d.store.containerDir(id);
    const hc = rec.hostConfig;
    const runtime = rec.runtime;
    let launched = false;
    let volumesAttached = false;
    const t0 = performance.now();
    const marks: Record<string, number> = {};
    const mark = (name: string) => (marks[name] = Math.round((performance.now() - t0) * 10) / 10);
    try {
      const mode = hc.NetworkMode;
      if (mode !== 'default' && mode !== 'none' && mode !== 'host') throw notFound(`network ${mode} not found`);
      if (!(await this.d.snapshotter.exists(id))) {
        const image = this.d.images.get(rec.image);
        if (!image) throw notFound(`No such image: ${rec.image}`);
        await this.d.snapshotter.prepare(id, this.d.images.chainIdsOf(image).at(-1) ?? null);
      }
      const [rootfs] = await Promise.all([this.d.snapshotter.mount(id), this.writeHostFiles(rec)]);
      const volumePaths = await this.d.volumes.attach(rec);
      volumesAttached = true;
      const userMounts = await this.runtimeMounts(rec, volumePaths);
      mark('mounted');
      const user = await resolveUserInRoot(rootfs, rec.config.User ?? '', hc.GroupAdd ?? []);
      const cwd = rec.config.WorkingDir || '/';
      if (!cwd.startsWith('/')) throw invalidArgument(`the working directory '${cwd}' is invalid, it needs to be an absolute path`);
      await ensureDir(rootfs, cwd);
      const caps = effectiveCapabilities({ privileged: hc.Privileged, capAdd: hc.CapAdd, capDrop: hc.CapDrop, available: this.d.host.capabilities });
      const seccompUnconfined = (hc.SecurityOpt ?? []).some((o) => /^seccomp[=:]unconfined$/.test(o));
      const profile = this.d.host.seccompProfile;
      const withInit = hc.Init ?? this.d.init?.byDefault ?? false;
      const initPath = this.d.init?.path;
      if (withInit && !initPath) throw invalidArgument('--init: no init binary found on the host (install tini or set init-path in daemon.json)');
      const spec = buildSpec({
        rootfs,
        readonlyRootfs: hc.ReadonlyRootfs,
        args: withInit ? [containerInitPath, '--', rec.path, ...rec.args] : [rec.path, ...rec.args],
        extraMounts: [...userMounts, ...(withInit && initPath ? [{ destination: containerInitPath, type: 'bind', source: initPath, options: ['bind', 'ro'] }] : [])],
        env: containerEnv({ env: rec.config.Env ?? [], hostname: rec.config.Hostname, tty: rec.config.Tty, defaultPath, home: user.home }),
        cwd,
        user,
        tty: rec.config.Tty,
        ...(hc.ConsoleSize[0] > 0 && { consoleSize: { height: hc.ConsoleSize[0], width: hc.ConsoleSize[1] } }),
        hostname: hc.NetworkMode === 'host' ? this.d.host.hostname : rec.config.Hostname,
        ...(rec.config.Domainname && { domainname: rec.config.Domainname }),
        privileged: hc.Privileged,
        capabilities: caps,
        ...(profile && !seccompUnconfined && { seccomp: this.seccompFor(caps) }),
        noNewPrivileges: (hc.SecurityOpt ?? []).some((o) => /^no-new-privileges(:true|=true)?$/.test(o)),
        rlimits: this.rlimits(hc),
        resources: {
          memory: hc.Memory,
          memorySwap: hc.MemorySwap,
          memoryReservation: hc.MemoryReservation,
          nanoCpus: hc.NanoCpus,
          cpuShares: hc.CpuShares,
          cpuPeriod: hc.CpuPeriod,
          cpuQuota: hc.CpuQuota,
          cpusetCpus: hc.CpusetCpus,
          cpusetMems: hc.CpusetMems,
          pidsLimit: hc.PidsLimit ?? 0,
        },
        cgroupsPath: rec.cgroupsPath,
        network: hc.NetworkMode === 'host' ? { mode: 'host' } : { mode: 'none' },
        files: { hostname: join(dir, 'hostname'), hosts: join(dir, 'hosts'), resolvConf: join(dir, 'resolv.conf') },
        shmSize: hc.ShmSize,
        ...(hc.Privileged && { hostDevices: await hostDevices() }),
        maskedPaths: hc.MaskedPaths,
        readonlyPaths: hc.ReadonlyPaths,
        ...(hc.Sysctls && { sysctls: hc.Sysctls }),
      });
      mark('spec');
      await this.d.driver.exits.consume(id);
      const started = await this.d.driver.create({
        id,
        name: rec.name.slice(1),
        runtime,
        spec,
        logPath: this.d.store.logPath(id),
        stdin: rec.config.OpenStdin,
        // A terminal's input is never closed by a client leaving (dockerd closes stdin at the end of
        // an attach only without a TTY, and only with StdinOnce); detaching must leave it open.
        leaveStdinOpen: rec.config.OpenStdin && (rec.config.Tty || !rec.config.StdinOnce),
        tty: rec.config.Tty,
      });
      launched = true;
      mark('created');
      const t = this.track(id);
      await Promise.all(
        [...t.pendingAttach].map(async (session) => {
          t.pendingAttach.delete(session);
          session.connect(await this.d.driver.attach(id));
        }),
      );
      rec.state = {
        ...rec.state,
        Status: 'running',
        Pid: started.pid,
        ExitCode: 0,
        Error: '',
        OOMKilled: false,
        StartedAt: formatRfc3339Nano(nowNs()),
        FinishedAt: rec.state.FinishedAt,
      };
      if (probeOf(rec.config)) rec.state.Health = healthAtStart(rec.state.Health);
      rec.conmonPid = started.conmonPid;
      rec.manuallyStopped = false;
      await this.d.store.save(rec);
      mark('saved');
      await this.d.driver.start(id, runtime);
      mark('started');
      this.d.log.debug('container started', { id, ms: marks });
      this.d.volumes.announceMounts(rec);
      this.d.events.publish('container', 'start', id, this.eventAttrs(rec));
    } catch (err) {
      const reported = await this.cleanupFailedStart(rec, launched, err);
      if (volumesAttached) await this.d.volumes.detach(rec);
      throw reported;
    }
  }

  /** Undoes a start that failed midway and returns the error to report, classified like dockerd's. */
  private async cleanupFailedStart(rec: ContainerRecord, launched: boolean, err: unknown): Promise<unknown> {
    const id = rec.id;
    if (launched) {
      await this.d.driver.kill(id, rec.runtime, 9).catch(() => {});
    }
    await this.d.driver.delete(id, rec.runtime).catch(() => {});
    await this.unmountUnlessLeased(id).catch(() => {});
    await this.d.driver.removeBundle(id).catch(() => {});
    await this.d.driver.exits.consume(id).catch(() => {});
    const msg = messageOf(err);
    const lower = msg.toLowerCase();
    const exitCode = isExecNotFound(msg) && lower.includes(rec.path.toLowerCase()) ? 127 : /permission denied/i.test(msg) ? 126 : 128;
    rec.state = { ...rec.state, Status: rec.state.StartedAt === zeroTime ? 'created' : 'exited', Pid: 0, ExitCode: exitCode, Error: msg };
    await this.d.store.save(rec).catch(() => {});
    if (err instanceof BerthError && err.kind === 'internal' && (isExecNotFound(msg) || /permission denied|not a directory/i.test(msg))) {
      // Docker answers 400 when the container's own configuration cannot run.
      return invalidArgument(msg, err);
    }
    return err;
  }

  private seccompFor(caps: string[]): SeccompSpec {
    const key = caps.join(',');
    let spec = this.seccompCache.get(key);
    if (!spec) {
      spec = convertProfile(this.d.host.seccompProfile!, { capabilities: caps });
      this.seccompCache.set(key, spec);
    }
    return spec;
  }

  private rlimits(hc: HostConfig): Array<{ type: string; hard: number; soft: number }> {
    const out = new Map<string, { type: string; hard: number; soft: number }>();
    const cap = this.d.host.rlimitHard['RLIMIT_NOFILE'] ?? defaultNofile;
    const nofile = Math.min(defaultNofile, cap);
    out.set('RLIMIT_NOFILE', { type: 'RLIMIT_NOFILE', hard: nofile, soft: nofile });
    for (const u of hc.Ulimits ?? []) {
      const type = `RLIMIT_${u.Name.toUpperCase()}`;
      out.set(type, { type, hard: u.Hard, soft: u.Soft });
    }
    return [...out.values()];
  }

  private async writeHostFiles(rec: ContainerRecord): Promise<void> {
    const dir = this.d.store.containerDir(rec.id);
    const host = rec.hostConfig.NetworkMode === 'host';
    const hostname = host ? this.d.host.hostname : rec.config.Hostname;
    let hosts: string;
    if (host) hosts = await readFile('/etc/hosts', 'utf8').catch(() => '127.0.0.1\tlocalhost\n');
    else {
      hosts = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';
      for (const extra of rec.hostConfig.ExtraHosts ?? []) {
        const i = extra.indexOf(':');
        if (i > 0) hosts += `${extra.slice(i + 1)}\t${extra.slice(0, i)}\n`;
      }
    }
    let resolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
    if (!host) {
      const dns = rec.hostConfig.Dns ?? [];
      const lines = resolv.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1)/.test(l));
      if (dns.length) {
        resolv = [...lines.filter((l) => !/^\s*nameserver\s/.test(l)), ...dns.map((d) => `nameserver ${d}`)].join('\n') + '\n';
      } else resolv = lines.join('\n');
    }
    await Promise.all([
      writeFile(join(dir, 'hostname'), `${hostname}\n`),
      writeFile(join(dir, 'hosts'), hosts),
      writeFile(join(dir, 'resolv.conf'), resolv),
    ]);
  }

  // ---------------------------------------------------------------- exit

  private async handleExit(id: string, code: number): Promise<void> {
    await this.locks.run(id, async () => {
      const rec = this.d.store.get(id);
      if (!rec || !isActive(rec.state.Status)) {
        await this.d.driver.exits.consume(id);
        return;
      }
      const t0 = performance.now();
      const marks: Record<string, number> = {};
      const mark = (name: string) => (marks[name] = Math.round((performance.now() - t0) * 10) / 10);
      const oom = await this.d.driver.oomKilled(id, rec.cgroupsPath);
      mark('oom');
      this.d.driver.cleanupInBackground(id, rec.runtime);
      await this.unmountUnlessLeased(id).catch((err: unknown) => this.d.log.warn('unmount failed', { id, err }));
      await this.d.volumes.detach(rec);
      mark('unmounted');
      // An --rm container goes straight from running to removing: one record write, not two.
      // An --rm container whose files are being copied out is removed later, by hand.
      const autoRemove = rec.hostConfig.AutoRemove && !this.leases.has(id);
      const restart = !autoRemove && shouldRestart(rec, code);
      const status = autoRemove ? 'removing' : restart ? 'restarting' : 'exited';
      rec.state = { ...rec.state, Status: status, Pid: 0, ExitCode: code, OOMKilled: oom, FinishedAt: formatRfc3339Nano(nowNs()) };
      rec.conmonPid = 0;
      await this.d.store.save(rec);
      mark('saved');
      await this.d.driver.exits.consume(id);
      if (oom) this.d.events.publish('container', 'oom', id, this.eventAttrs(rec));
      this.d.events.publish('container', 'die', id, this.eventAttrs(rec, { exitCode: String(code) }));
      const t = this.track(id);
      for (const cb of [...t.exitCallbacks]) cb(code);
      if (autoRemove) await this.removeLocked(rec, true);
      if (restart) this.scheduleRestart(rec);
      mark('done');
      this.d.log.debug('container exited', { id, code, ms: marks });
    });
  }

  /**
   * Applies a healthcheck result to a container still in the run it was probed in (`startedAt`).
   * Like dockerd, only a change of status is written to disk and published as an event; the
   * latest results otherwise live in memory until the next write.
   */
  async recordHealth(id: string, startedAt: string, update: (h: HealthState) => HealthState): Promise<void> {
    await this.locks.run(id, async () => {
      const rec = this.d.store.get(id);
      const before = rec?.state.Health;
      if (!rec || !before || rec.state.Status !== 'running' || rec.state.StartedAt !== startedAt) return;
      const after = update(before);
      rec.state = { ...rec.state, Health: after };
      if (after.Status === before.Status) return;
      await this.d.store.save(rec);
      this.d.events.publish('container', `health_status: ${after.Status}`, id, this.eventAttrs(rec));
    });
  }

  /** Resolves with the exit code at the container's next exit. */
  private nextExit(id: string): { promise: Promise<number>; cancel: () => void } {
    const t = this.track(id);
    let cb!: (code: number) => void;
    const promise = new Promise<number>((resolve) => {
      cb = (code) => {
        t.exitCallbacks.delete(cb);
        resolve(code);
      };
      t.exitCallbacks.add(cb);
    });
    return { promise, cancel: () => t.exitCallbacks.delete(cb) };
  }

  /**
   * dockerd's restart backoff: 100 ms, doubling after each restart up to a minute, back to 100 ms
   * once the container had run for 10 seconds.
   */
  private scheduleRestart(rec: ContainerRecord): void {
    const ran = Date.now() - Date.parse(rec.state.StartedAt);
    const entry = this.restarts.get(rec.id) ?? { delayMs: 0 };
    entry.delayMs = entry.delayMs === 0 || ran >= 10_000 ? 100 : Math.min(entry.delayMs * 2, 60_000);
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void this.policyRestart(rec.id), entry.delayMs);
    entry.timer.unref();
    this.restarts.set(rec.id, entry);
  }

  private cancelRestart(id: string): void {
    const entry = this.restarts.get(id);
    if (entry) clearTimeout(entry.timer);
    this.restarts.delete(id);
  }

  private async policyRestart(id: string): Promise<void> {
    await this.locks.run(id, async () => {
      const rec = this.d.store.get(id);
      const entry = this.restarts.get(id);
      if (entry) entry.timer = undefined;
      if (!rec || rec.state.Status !== 'restarting') return;
      rec.restartCount++;
      try {
        await this.startLocked(rec);
      } catch (err) {
        this.d.log.warn('restart failed', { id, err });
        rec.state = { ...rec.state, Status: 'exited', Error: messageOf(err) };
        await this.d.store.save(rec);
        this.cancelRestart(id);
      }
    });
  }

  /** Stops a container waiting to be restarted: it simply stays stopped. */
  private async stopRestarting(id: string): Promise<boolean> {
    return this.locks.run(id, async () => {
      const rec = this.d.store.get(id);
      if (!rec || rec.state.Status !== 'restarting') return false;
      this.cancelRestart(id);
      rec.manuallyStopped = true;
      rec.state = { ...rec.state, Status: 'exited' };
      await this.d.store.save(rec);
      return true;
    });
  }

  private removal(id: string): { promise: Promise<number>; cancel: () => void } {
    const t = this.track(id);
    let cb!: (code: number) => void;
    const promise = new Promise<number>((resolve) => {
      cb = (code) => {
        t.removeCallbacks.delete(cb);
        resolve(code);
      };
      t.removeCallbacks.add(cb);
    });
    return { promise, cancel: () => t.removeCallbacks.delete(cb) };
  }

  // ---------------------------------------------------------------- stop / kill / pause

  async stop(idOrName: string, timeoutSeconds?: number, signalOverride?: string): Promise<void> {
    const rec = this.find(idOrName);
    const id = rec.id;
    if (rec.state.Status === 'restarting' && (await this.stopRestarting(id))) return;
    if (!isActive(rec.state.Status)) throw notModified();
    const exit = this.nextExit(id);
    try {
      rec.manuallyStopped = true;
      await this.d.store.save(rec);
      const signal = parseSignal(signalOverride || rec.config.StopSignal || 'SIGTERM');
      const wasPaused = rec.state.Status === 'paused';
      await this.signal(rec, signal).catch((err: unknown) => this.d.log.debug('stop signal failed', { id, err }));
      if (wasPaused) await this.d.driver.resume(id, rec.runtime).catch(() => {});
      const t = timeoutSeconds ?? rec.config.StopTimeout ?? 10;
      let exited = false;
      if (signal !== 9) exited = t < 0 ? await exit.promise.then(() => true) : await withTimeout(exit.promise, t * 1000);
      if (!exited) {
        if (signal !== 9) await this.signal(rec, 9).catch((err: unknown) => this.d.log.debug('kill failed', { id, err }));
        if (!(await withTimeout(exit.promise, 30_000))) throw new BerthError('internal', `container ${id} did not exit after SIGKILL`);
      }
      this.d.events.publish('container', 'stop', id, this.eventAttrs(rec));
    } finally {
      exit.cancel();
    }
  }

  /** Sends a signal to the container's process, and dockerd's `kill` event with its number. */
  private async signal(rec: ContainerRecord, signal: number): Promise<void> {
    await this.d.driver.kill(rec.id, rec.runtime, signal);
    this.d.events.publish('container', 'kill', rec.id, this.eventAttrs(rec, { signal: String(signal) }));
  }

  async kill(idOrName: string, signalName?: string): Promise<void> {
    const rec = this.find(idOrName);
    const signal = parseSignal(signalName || 'KILL');
    if (rec.state.Status === 'restarting' && (await this.stopRestarting(rec.id))) return;
    if (!isActive(rec.state.Status)) {
      throw conflict(`Cannot kill container: ${idOrName}: Container ${rec.id} is not running`);
    }
    const exit = this.nextExit(rec.id);
    try {
      // dockerd counts a kill as a stop by the user: no restart policy brings the container back.
      rec.manuallyStopped = true;
      await this.d.store.save(rec);
      await this.signal(rec, signal);
      if (rec.state.Status === 'paused' && (signal === 9 || signal === 15)) await this.d.driver.resume(rec.id, rec.runtime).catch(() => {});
      // Like dockerd: a SIGKILL is only done when the container is seen dead.
      if (signal === 9) await withTimeout(exit.promise, 10_000);
    } finally {
      exit.cancel();
    }
  }

  async restart(idOrName: string, timeoutSeconds?: number, signal?: string): Promise<void> {
    const rec = this.find(idOrName);
    if (isActive(rec.state.Status)) await this.stop(rec.id, timeoutSeconds, signal).catch((err: unknown) => {
      if (!isKind(err, 'not-modified')) throw err;
    });
    await this.start(rec.id).catch((err: unknown) => {
      if (!isKind(err, 'not-modified')) throw err;
    });
    this.d.events.publish('container', 'restart', rec.id, this.eventAttrs(rec));
  }

  async pause(idOrName: string): Promise<void> {
    const id = this.find(idOrName).id;
    await this.locks.run(id, async () => {
      const rec = this.d.store.get(id)!;
      if (rec.state.Status === 'paused') throw conflict(`Container ${id} is already paused`);
      if (rec.state.Status !== 'running') throw conflict(`Container ${id} is not running`);
      await this.d.driver.pause(id, rec.runtime);
      rec.state = { ...rec.state, Status: 'paused' };
      await this.d.store.save(rec);
      this.d.events.publish('container', 'pause', id, this.eventAttrs(rec));
    });
  }

  async unpause(idOrName: string): Promise<void> {
    const id = this.find(idOrName).id;
    await this.locks.run(id, async () => {
      const rec = this.d.store.get(id)!;
      if (rec.state.Status !== 'paused') throw conflict(`Container ${id} is not paused`);
      await this.d.driver.resume(id, rec.runtime);
      rec.state = { ...rec.state, Status: 'running' };
      await this.d.store.save(rec);
      this.d.events.publish('container', 'unpause', id, this.eventAttrs(rec));
    });
  }

  // ---------------------------------------------------------------- wait / remove / rename

  async wait(idOrName: string, condition: WaitCondition, signal?: AbortSignal): Promise<WaitResult> {
    const rec = this.find(idOrName);
    const id = rec.id;
    const active = isActive(rec.state.Status);
    if (condition === 'not-running' && !active) return { StatusCode: rec.state.ExitCode, Error: null };
    const waiter = condition === 'removed' ? this.removal(id) : this.nextExit(id);
    let onAbort: (() => void) | undefined;
    try {
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(new BerthError('cancelled', 'context canceled'));
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      });
      const code = await Promise.race([waiter.promise, aborted]);
      return { StatusCode: code, Error: null };
    } finally {
      waiter.cancel();
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  async remove(idOrName: string, opts: { force: boolean; volumes?: boolean }): Promise<void> {
    const rec = this.find(idOrName);
    const id = rec.id;
    // Checked first too, so that `rm -f` of a container being committed or copied kills nothing.
    if (this.leases.has(id)) throw conflict(`container ${id} is busy: its files are being read or copied`);
    if (rec.state.Status === 'restarting') {
      if (!opts.force) {
        throw conflict(`You cannot remove a restarting container ${id}. Stop the container before attempting removal or force remove`);
      }
      await this.stopRestarting(id);
    }
    if (isActive(rec.state.Status)) {
      if (!opts.force) {
        if (rec.state.Status === 'paused') {
          throw conflict(`You cannot remove a paused container ${id}. Unpause and then stop the container before attempting removal or force remove`);
        }
        throw conflict(`You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);
      }
      await this.kill(id, 'KILL').catch((err: unknown) => {
        if (!isKind(err, 'conflict')) throw err;
      });
    }
    await this.locks.run(id, async () => {
      const cur = this.d.store.get(id);
      if (!cur) throw notFound(`No such container: ${idOrName}`);
      if (isActive(cur.state.Status)) throw conflict(`You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);
      if (this.leases.has(id)) throw conflict(`container ${id} is busy: its files are being read or copied`);
      if (cur.state.Status !== 'removing') {
        cur.state = { ...cur.state, Status: 'removing' };
        await this.d.store.save(cur);
      }
      await this.removeLocked(cur, opts.volumes ?? false);
    });
  }

  /** Removes a stopped container whose record says `removing`; the caller holds its lock. */
  private async removeLocked(cur: ContainerRecord, removeAnonymousVolumes: boolean): Promise<void> {
    const id = cur.id;
    // Any crash point is recoverable: a `removing` record is finished by reconcile, and a snapshot
    // without a record is swept as an orphan.
    // The bundle goes with the runtime cleanup that followed the exit (or was never made).
    await Promise.all([this.d.snapshotter.remove(id), this.d.store.delete(id)]);
    // Only once the record is gone: until then its volumes count as in use.
    await this.d.volumes.release(cur, removeAnonymousVolumes || cur.hostConfig.AutoRemove);
    this.d.events.publish('container', 'destroy', id, this.eventAttrs(cur));
    const t = this.track(id);
    for (const session of t.pendingAttach) session.finish();
    for (const cb of [...t.removeCallbacks]) cb(cur.state.ExitCode);
    this.tracked.delete(id);
    for (const cb of this.removedCallbacks) cb(id);
  }

  async rename(idOrName: string, newName: string): Promise<void> {
    const id = this.find(idOrName).id;
    if (!newName) throw invalidArgument('Neither old nor new names may be empty');
    const name = validateName(newName);
    await this.locks.run(id, async () => {
      const rec = this.d.store.get(id)!;
      const oldName = rec.name;
      if (oldName === name) throw invalidArgument('Renaming a container with the same name as its current name');
      const holder = this.d.store.byName(name);
      if (holder || this.namesInFlight.has(name)) {
        throw conflict(`Conflict. The container name "${name}" is already in use by container "${holder?.id ?? ''}". You have to remove (or rename) that container to be able to reuse that name.`);
      }
      rec.name = name;
      await this.d.store.save(rec);
      this.d.events.publish('container', 'rename', id, this.eventAttrs(rec, { oldName }));
    });
  }

  async prune(filters: Filters): Promise<{ deleted: string[]; reclaimed: number }> {
    validateFilterKeys(filters, ['label', 'label!', 'until']);
    const deleted: string[] = [];
    let reclaimed = 0;
    const until = filters.get('until')?.[0];
    for (const rec of this.list()) {
      if (isActive(rec.state.Status) || rec.state.Status === 'removing') continue;
      if (!matchLabels(filters.get('label'), rec.config.Labels)) continue;
      if (filters.get('label!')?.some((l) => matchLabels([l], rec.config.Labels))) continue;
      if (until && Date.parse(rec.created) >= untilMs(until)) continue;
      reclaimed += await dirSize(this.d.snapshotter.upperPath(rec.id));
      try {
        await this.remove(rec.id, { force: false });
        deleted.push(rec.id);
      } catch (err) {
        if (!isKind(err, 'not-found') && !isKind(err, 'conflict')) throw err;
      }
    }
    this.d.events.publish('container', 'prune', '', { reclaimed: String(reclaimed) });
    return { deleted, reclaimed };
  }

  // ---------------------------------------------------------------- listing

  filter(filters: Filters, opts: { all: boolean; limit?: number; before?: string; since?: string }): ContainerRecord[] {
    validateFilterKeys(filters, ['id', 'name', 'label', 'status', 'ancestor', 'exited', 'before', 'since', 'health', 'isolation', 'network', 'publish', 'expose', 'volume', 'is-task']);
    let all = opts.all || opts.limit !== undefined;
    const statuses = filters.get('status');
    for (const s of statuses ?? []) {
      if (!['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'].includes(s)) {
        throw invalidArgument(`Invalid filter 'status=${s}'`);
      }
    }
    if (statuses?.length || filters.has('exited')) all = true;
    for (const h of filters.get('health') ?? []) {
      if (!['starting', 'healthy', 'unhealthy', 'none'].includes(h)) throw invalidArgument(`Unrecognised filter value for health: ${h}`);
    }
    let list = this.list().sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    const before = opts.before ?? filters.get('before')?.[0];
    const since = opts.since ?? filters.get('since')?.[0];
    if (before) {
      const b = this.find(before);
      list = list.filter((c) => c.created < b.created);
    }
    if (since) {
      const s = this.find(since);
      list = list.filter((c) => c.created > s.created);
    }
    const ancestors = (filters.get('ancestor') ?? []).map((a) => ({ name: a, id: this.d.images.resolve(a)?.id }));
    list = list.filter((c) => {
      const status = c.state.Status;
      if (!all && status !== 'running' && status !== 'paused' && status !== 'restarting') return false;
      if (!matchAny(filters.get('id'), (v) => c.id.startsWith(v))) return false;
      if (!matchAny(filters.get('name'), (v) => new RegExp(v).test(c.name.slice(1)) || c.name === v)) return false;
      if (!matchLabels(filters.get('label'), c.config.Labels)) return false;
      if (!matchAny(statuses, (v) => v === status)) return false;
      if (!matchAny(filters.get('exited'), (v) => status === 'exited' && c.state.ExitCode === Number(v))) return false;
      if (ancestors.length && !ancestors.some((a) => a.id === c.image || a.name === c.config.Image)) return false;
      if (!matchAny(filters.get('health'), (v) => v === (c.state.Health?.Status ?? 'none'))) return false;
      // dockerd's volume filter: a volume's name or a mount's destination.
      if (!matchAny(filters.get('volume'), (v) => mountsOf(c).some((m) => m.destination === v || (m.type === 'volume' && m.name === v)))) return false;
      return true;
    });
    if (opts.limit !== undefined && opts.limit > 0) list = list.slice(0, opts.limit);
    return list;
  }

  statusText(rec: ContainerRecord): string {
    return statusText(rec.state.Status, rec.state, Date.now());
  }

  async rwSize(id: string): Promise<number> {
    return dirSize(this.d.snapshotter.upperPath(id));
  }

  // ---------------------------------------------------------------- logs / attach

  logs(idOrName: string, opts: { since?: bigint; until?: bigint; tail?: number; follow: boolean; signal?: AbortSignal }): AsyncGenerator<LogEntry> {
    const rec = this.find(idOrName);
    const stopped = opts.follow && isActive(rec.state.Status) ? this.nextExit(rec.id) : undefined;
    const removed = opts.follow ? this.removal(rec.id) : undefined;
    const gen = readLogs(this.d.store.logPath(rec.id), {
      ...(opts.since !== undefined && { since: opts.since }),
      ...(opts.until !== undefined && { until: opts.until }),
      ...(opts.tail !== undefined && { tail: opts.tail }),
      follow: opts.follow,
      stopped: stopped ? Promise.race([stopped.promise, removed!.promise]) : Promise.resolve(),
      ...(opts.signal && { signal: opts.signal }),
    });
    const cleanup = () => {
      stopped?.cancel();
      removed?.cancel();
    };
    return (async function* () {
      try {
        yield* gen;
      } finally {
        cleanup();
      }
    })();
  }

  /**
   * Opens an attach session. A running container is attached at once; any other is attached when it
   * next starts, which is what `docker run` and `docker start -a` rely on.
   */
  async attach(idOrName: string, opts: { stdin: boolean }): Promise<{ session: AttachSession; record: ContainerRecord }> {
    const rec = this.find(idOrName);
    const session = new AttachSession(opts.stdin && rec.config.OpenStdin);
    await this.locks.run(rec.id, async () => {
      const cur = this.d.store.get(rec.id);
      if (!cur) throw notFound(`No such container: ${idOrName}`);
      if (cur.state.Status === 'running' || cur.state.Status === 'paused') {
        session.connect(await this.d.driver.attach(rec.id));
      } else {
        const t = this.track(rec.id);
        t.pendingAttach.add(session);
        session.once('end', () => t.pendingAttach.delete(session));
      }
    });
    return { session, record: rec };
  }

  // ---------------------------------------------------------------- reconcile

  private async reconcile(): Promise<void> {
    const records = this.d.store.all();
    const known = new Set(records.map((r) => r.id));
    for (const rec of records) {
      try {
        await this.reconcileOne(rec);
      } catch (err) {
        this.d.log.error('reconcile failed', { id: rec.id, err });
      }
    }
    // Snapshots and runtime state without a live record are leftovers of a crash.
    for (const key of await this.d.snapshotter.listActive()) {
      if (!known.has(key)) await this.d.snapshotter.remove(key).catch(() => {});
    }
    await this.d.driver.reconcileRuntimeState((id) => {
      const rec = this.d.store.get(id);
      return rec !== undefined && isActive(rec.state.Status);
    });
    for (const id of await this.d.driver.listBundles()) {
      if (!known.has(id)) await this.d.driver.removeBundle(id).catch(() => {});
    }
    await this.d.volumes.adoptRunning(this.d.store.all().filter((r) => isActive(r.state.Status)));
  }

  private async reconcileOne(rec: ContainerRecord): Promise<void> {
    const id = rec.id;
    if (rec.state.Status === 'removing') {
      rec.state = { ...rec.state, Status: 'exited' };
      await this.remove(id, { force: true });
      return;
    }
    if (rec.state.Status === 'restarting') {
      // It was waiting for its backoff when the daemon stopped; init() schedules it again.
      rec.state = { ...rec.state, Status: 'exited' };
      await this.d.store.save(rec);
    }
    if (!isActive(rec.state.Status)) {
      await this.d.snapshotter.unmount(id).catch(() => {});
      await this.d.driver.removeBundle(id).catch(() => {});
      return;
    }
    const probe = await this.d.driver.probe(id);
    if (probe.exitCode !== undefined) {
      // It exited while we were away; record it exactly as if we had seen it happen.
      await this.handleExit(id, probe.exitCode);
      return;
    }
    if (probe.conmonAlive) {
      // A crash between recording the start and starting leaves the process created but waiting.
      const st = await this.d.driver.state(id, rec.runtime).catch(() => undefined);
      if (st?.status === 'created') await this.d.driver.start(id, rec.runtime);
      return;
    }
    // conmon is gone and left no exit code (a reboot cleared /run, or it was killed): the container
    // cannot be managed any more. Kill what may remain and record it as dead with Docker's 255.
    this.d.log.warn('container lost its monitor; marking it exited', { id });
    await this.d.driver.kill(id, rec.runtime, 9, true).catch(() => {});
    await this.d.driver.delete(id, rec.runtime).catch(() => {});
    await this.d.snapshotter.unmount(id).catch(() => {});
    await this.d.driver.removeBundle(id).catch(() => {});
    rec.state = { ...rec.state, Status: 'exited', Pid: 0, ExitCode: 255, FinishedAt: formatRfc3339Nano(nowNs()), Error: 'container monitor exited unexpectedly' };
    await this.d.store.save(rec);
  }
}

// -------------------------------------------------------------------- helpers

/** dockerd's restart policy decision for a container that exited with `code`. */
export function shouldRestart(rec: Pick<ContainerRecord, 'manuallyStopped' | 'hostConfig' | 'restartCount'>, code: number): boolean {
  if (rec.manuallyStopped || rec.hostConfig.AutoRemove) return false;
  const p = rec.hostConfig.RestartPolicy;
  switch (p.Name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return code !== 0 && (p.MaximumRetryCount === 0 || rec.restartCount < p.MaximumRetryCount);
    default:
      return false;
  }
}

/** Docker's merge of the create request with the image config (daemon/create.go semantics). */
export function mergeConfig(user: Partial<ContainerConfig>, image: ImageRunConfig, id: string): ContainerConfig {
  const env = [...(user.Env ?? [])];
  const keyOf = (e: string) => e.split('=')[0];
  for (const e of image.Env ?? []) if (!env.some((u) => keyOf(u) === keyOf(e))) env.push(e);
  let cmd = user.Cmd && user.Cmd.length ? user.Cmd : null;
  // `--entrypoint ""` arrives as [""]: it clears the image's entrypoint (and, without a Cmd, its Cmd).
  const entrypointCleared = Array.isArray(user.Entrypoint) && user.Entrypoint.length === 1 && user.Entrypoint[0] === '';
  let entrypoint = user.Entrypoint && user.Entrypoint.length && !entrypointCleared ? user.Entrypoint : null;
  if (!entrypoint) {
    if (!cmd && !entrypointCleared) cmd = image.Cmd && image.Cmd.length ? image.Cmd : null;
    if (user.Entrypoint == null) entrypoint = image.Entrypoint && image.Entrypoint.length ? image.Entrypoint : null;
  }
  const healthcheck = mergeHealthcheck(user.Healthcheck, image.Healthcheck);
  return {
    Hostname: user.Hostname || id.slice(0, 12),
    Domainname: user.Domainname ?? '',
    User: user.User || image.User || '',
    AttachStdin: user.AttachStdin ?? false,
    AttachStdout: user.AttachStdout ?? false,
    AttachStderr: user.AttachStderr ?? false,
    ...(user.ExposedPorts || image.ExposedPorts ? { ExposedPorts: { ...(image.ExposedPorts ?? {}), ...(user.ExposedPorts ?? {}) } } : {}),
    Tty: user.Tty ?? false,
    OpenStdin: user.OpenStdin ?? false,
    StdinOnce: user.StdinOnce ?? false,
    Env: env.length ? env : null,
    Cmd: cmd,
    ...(healthcheck && { Healthcheck: healthcheck }),
    Image: user.Image ?? '',
    Volumes: user.Volumes || image.Volumes ? { ...(image.Volumes ?? {}), ...(user.Volumes ?? {}) } : null,
    WorkingDir: user.WorkingDir || image.WorkingDir || '',
    Entrypoint: entrypoint,
    OnBuild: user.OnBuild ?? null,
    Labels: { ...(image.Labels ?? {}), ...(user.Labels ?? {}) },
    ...(user.StopSignal || image.StopSignal ? { StopSignal: user.StopSignal || image.StopSignal! } : {}),
    ...(user.StopTimeout !== undefined && user.StopTimeout !== null && { StopTimeout: user.StopTimeout }),
  };
}

/** `Up 3 minutes`, `Exited (7) 10 seconds ago`, `Created`: the Status column of `docker ps`. */
export function statusText(status: ContainerStatus, state: { StartedAt: string; FinishedAt: string; ExitCode: number; Health?: HealthState }, nowMs: number): string {
  const since = (t: string) => humanDuration(Math.max(0, nowMs - Date.parse(t)));
  switch (status) {
    case 'running':
      return state.Health ? `Up ${since(state.StartedAt)} (${healthLabel(state.Health)})` : `Up ${since(state.StartedAt)}`;
    case 'paused':
      return `Up ${since(state.StartedAt)} (Paused)`;
    case 'restarting':
      return `Restarting (${state.ExitCode}) ${since(state.FinishedAt)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
      return 'Created';
    case 'exited':
      return state.FinishedAt === zeroTime ? 'Created' : `Exited (${state.ExitCode}) ${since(state.FinishedAt)} ago`;
  }
}

/** go-units HumanDuration, which Docker uses for ages and uptimes. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

function withTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void p.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function ensureDir(root: string, path: string): Promise<void> {
  const target = await resolveInRoot(root, path);
  try {
    const st = await lstat(target);
    if (!st.isDirectory()) throw invalidArgument(`the working directory ${path} is not a directory`);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    await mkdir(target, { recursive: true, mode: 0o755 });
  }
}

function untilMs(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const d = /^(\d+)(s|m|h)$/.exec(v);
  if (d) return Date.now() - Number(d[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[d[2] as 's' | 'm' | 'h'];
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalidArgument(`failed to parse value as time or duration: "${v}"`);
  return t;
}


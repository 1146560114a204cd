import { join } from 'node:path';
import { sha256 } from '../../common/digest.js';
import { zeroTime } from '../../common/time.js';
import type { ContainerRecord } from '../../engine/container-record.js';
import type { ImageView } from '../../engine/images.js';
import type { VolumeView } from '../../engine/volumes.js';
import type { ContainerInspect, ContainerSummary, ImageInspect, ImageSummary, MountPoint, NetworkSettings, Volume } from '../types/index.js';

/** Engine records → Docker's JSON, in one place so the shapes are checked against golden output. */

export interface ConvertContext {
  dataRoot: string;
  containerDir(id: string): string;
  logPath(id: string): string;
  /** Layer dirs for GraphDriver, top first. */
  graphDriver(id: string): Record<string, string> | null;
  imageShownAs(rec: ContainerRecord): string;
  /** Exec instances of a container (inspect's ExecIDs). */
  execIds(id: string): string[];
  /** LowerDir/UpperDir/… of an image's top layer, for image inspect. */
  imageLayerDirs(imageId: string): Record<string, string>;
  /** Where a volume's data is on the host (its Mountpoint). */
  volumePath(name: string): string;
}

/** A container's mounts as inspect and `ps` show them (HostConfig.Tmpfs ones are not listed). */
export function mountPoints(rec: ContainerRecord, c: ConvertContext): MountPoint[] {
  return (rec.mounts ?? [])
    .filter((m) => !m.unlisted)
    .map((m): MountPoint => {
      if (m.type === 'volume') {
        const name = m.name ?? '';
        return { Type: 'volume', Name: name, Source: c.volumePath(name), Destination: m.destination, Driver: m.driver ?? 'local', Mode: m.mode, RW: m.rw, Propagation: m.propagation };
      }
      return { Type: m.type, Source: m.source, Destination: m.destination, Mode: m.mode, RW: m.rw, Propagation: m.propagation };
    });
}

/** A volume in dockerd's key order; UsageData only for `system df`. */
export function volumeJson(v: VolumeView, size?: number): Volume {
  const r = v.record;
  return {
    CreatedAt: r.createdAt,
    Driver: r.driver,
    Labels: r.labels,
    Mountpoint: v.mountpoint,
    Name: r.name,
    Options: r.options,
    Scope: 'local',
    ...(size !== undefined && { UsageData: { Size: size, RefCount: v.refCount } }),
  };
}

/** Stable ids for the built-in networks until the network service owns them. */
export const builtinNetworkId = (name: string) => sha256(`berth-network:${name}`).slice(7);

function networkName(rec: ContainerRecord): string {
  const mode = rec.hostConfig.NetworkMode;
  return mode === 'default' ? 'none' : mode;
}

function networkSettings(rec: ContainerRecord): NetworkSettings {
  const name = networkName(rec);
  const active = rec.state.Status === 'running' || rec.state.Status === 'paused';
  return {
    Bridge: '',
    SandboxID: active ? sha256(`sandbox:${rec.id}`).slice(7) : '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: {},
    SandboxKey: active && name !== 'host' ? `/proc/${rec.state.Pid}/ns/net` : '',
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: '',
    Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    MacAddress: '',
    Networks: {
      [name]: {
        IPAMConfig: null,
        Links: null,
        Aliases: null,
        NetworkID: builtinNetworkId(name),
        EndpointID: active ? sha256(`endpoint:${rec.id}`).slice(7) : '',
        Gateway: '',
        IPAddress: '',
        IPPrefixLen: 0,
        IPv6Gateway: '',
        GlobalIPv6Address: '',
        GlobalIPv6PrefixLen: 0,
        MacAddress: '',
        DriverOpts: null,
      },
    },
  };
}

export function containerInspect(rec: ContainerRecord, c: ConvertContext, size?: { rw: number; rootFs: number }): ContainerInspect {
  const s = rec.state;
  const dir = c.containerDir(rec.id);
  return {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: {
      Status: s.Status,
      Running: s.Status === 'running' || s.Status === 'paused' || s.Status === 'restarting',
      Paused: s.Status === 'paused',
      Restarting: s.Status === 'restarting',
      OOMKilled: s.OOMKilled,
      Dead: s.Status === 'dead',
      Pid: s.Pid,
      ExitCode: s.ExitCode,
      Error: s.Error,
      StartedAt: s.StartedAt || zeroTime,
      FinishedAt: s.FinishedAt || zeroTime,
      ...(s.Health && { Health: s.Health }),
    },
    Image: rec.image,
    ResolvConfPath: join(dir, 'resolv.conf'),
    HostnamePath: join(dir, 'hostname'),
    HostsPath: join(dir, 'hosts'),
    LogPath: c.logPath(rec.id),
    Name: rec.name,
    RestartCount: rec.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: c.execIds(rec.id).length ? c.execIds(rec.id) : null,
    HostConfig: rec.hostConfig,
    GraphDriver: { Data: c.graphDriver(rec.id), Name: 'overlay2' },
    ...(size && { SizeRw: size.rw, SizeRootFs: size.rootFs }),
    Mounts: mountPoints(rec, c),
    Config: rec.config,
    NetworkSettings: networkSettings(rec),
  };
}

export function containerSummary(rec: ContainerRecord, c: ConvertContext, status: string, size?: { rw: number; rootFs: number }): ContainerSummary {
  return {
    Id: rec.id,
    Names: [rec.name],
    Image: c.imageShownAs(rec),
    ImageID: rec.image,
    Command: [rec.path, ...rec.args].join(' '),
    Created: Math.floor(Date.parse(rec.created) / 1000),
    Ports: [],
    ...(size && { SizeRw: size.rw, SizeRootFs: size.rootFs }),
    Labels: rec.config.Labels ?? {},
    State: rec.state.Status,
    Status: status,
    HostConfig: { NetworkMode: rec.hostConfig.NetworkMode },
    NetworkSettings: { Networks: networkSettings(rec).Networks },
    Mounts: mountPoints(rec, c),
  };
}

export function imageSummary(v: ImageView, containers = -1): ImageSummary {
  const created = v.config.created ? Math.floor(Date.parse(v.config.created) / 1000) : 0;
  return {
    Containers: containers,
    Created: created,
    Id: v.record.id,
    Labels: v.config.config?.Labels ?? null,
    ParentId: v.record.parent ?? '',
    RepoDigests: v.record.repoDigests.length ? v.record.repoDigests : v.repoTags.length ? [] : ['<none>@<none>'],
    RepoTags: v.repoTags.length ? v.repoTags : ['<none>:<none>'],
    SharedSize: -1,
    Size: v.record.size,
    VirtualSize: v.record.size,
  };
}

const emptyRunConfig = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: false,
  AttachStderr: false,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: null,
  Cmd: null,
  Image: '',
  Volumes: null,
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: null,
};

export function imageInspect(v: ImageView, layerDirs: Record<string, string>): ImageInspect {
  const cfg = v.config;
  const history = cfg.history ?? [];
  return {
    Id: v.record.id,
    RepoTags: v.repoTags,
    RepoDigests: v.record.repoDigests,
    Parent: v.record.parent ?? '',
    Comment: history.length ? (history[history.length - 1]!.comment ?? '') : '',
    Created: cfg.created ?? zeroTime,
    Container: cfg.container ?? '',
    ContainerConfig: { ...emptyRunConfig, ...(cfg.container_config ?? {}) } as ImageInspect['ContainerConfig'],
    DockerVersion: cfg.docker_version ?? '',
    Author: cfg.author ?? '',
    Config: cfg.config ? ({ ...emptyRunConfig, ...cfg.config } as ImageInspect['Config']) : null,
    Architecture: cfg.architecture,
    ...(cfg.variant && { Variant: cfg.variant }),
    Os: cfg.os,
    Size: v.record.size,
    VirtualSize: v.record.size,
    GraphDriver: { Data: layerDirs, Name: 'overlay2' },
    RootFS: { Type: 'layers', Layers: cfg.rootfs.diff_ids },
    Metadata: { LastTagTime: v.record.lastTagTime ?? zeroTime },
  };
}

/**
 * Docker Engine API wire types (API 1.41), shared by berthd's server and berth's client. Field
 * names are Docker's exactly; only what berth sends or reads is declared.
 */
import type { ContainerConfig, HostConfig, NetworkingConfig, PortBinding } from '../../oci/container-config.js';

export type { ContainerConfig, HostConfig, NetworkingConfig, PortBinding };

export const apiVersion = '1.41';
export const minApiVersion = '1.12';

/** Orders two API versions (`1.41` < `1.44`): negative, zero or positive. */
export function compareApiVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 !== b1 ? a1 - b1 : a2 - b2;
}

export interface ContainerCreateRequest extends Partial<ContainerConfig> {
  HostConfig?: Partial<HostConfig>;
  NetworkingConfig?: NetworkingConfig;
}

export interface ContainerCreateResponse {
  Id: string;
  Warnings: string[];
}

export interface ContainerState {
  Status: string;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: {
    Status: 'starting' | 'healthy' | 'unhealthy';
    FailingStreak: number;
    Log: Array<{ Start: string; End: string; ExitCode: number; Output: string }>;
  };
}

export interface MountPoint {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

export interface ContainerInspect {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: ContainerState;
  Image: string;
  ResolvConfPath: string;
  HostnamePath: string;
  HostsPath: string;
  LogPath: string;
  Name: string;
  RestartCount: number;
  Driver: string;
  Platform: string;
  MountLabel: string;
  ProcessLabel: string;
  AppArmorProfile: string;
  ExecIDs: string[] | null;
  HostConfig: HostConfig;
  GraphDriver: { Data: Record<string, string> | null; Name: string };
  SizeRw?: number;
  SizeRootFs?: number;
  Mounts: MountPoint[];
  Config: ContainerConfig;
  NetworkSettings: NetworkSettings;
}

export interface NetworkSettings {
  Bridge: string;
  SandboxID: string;
  HairpinMode: boolean;
  LinkLocalIPv6Address: string;
  LinkLocalIPv6PrefixLen: number;
  Ports: Record<string, PortBinding[] | null>;
  SandboxKey: string;
  SecondaryIPAddresses: null;
  SecondaryIPv6Addresses: null;
  EndpointID: string;
  Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  MacAddress: string;
  Networks: Record<string, unknown>;
}

export interface Port {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: Port[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string>;
  State: string;
  Status: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: { Networks: Record<string, unknown> };
  Mounts: MountPoint[];
}

export interface ImageSummary {
  Containers: number;
  Created: number;
  Id: string;
  Labels: Record<string, string> | null;
  ParentId: string;
  RepoDigests: string[] | null;
  RepoTags: string[] | null;
  SharedSize: number;
  Size: number;
  VirtualSize: number;
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Container: string;
  ContainerConfig: Partial<ContainerConfig>;
  DockerVersion: string;
  Author: string;
  Config: Partial<ContainerConfig> | null;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  VirtualSize: number;
  GraphDriver: { Data: Record<string, string>; Name: string };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

export interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export interface VersionResponse {
  Platform: { Name: string };
  Components: Array<{ Name: string; Version: string; Details: Record<string, string> }>;
  Version: string;
  ApiVersion: string;
  MinAPIVersion: string;
  GitCommit: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  KernelVersion: string;
  BuildTime: string;
}

export interface WaitResponse {
  StatusCode: number;
  Error: { Message: string } | null;
}

export interface EventMessage {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: string;
  time: number;
  timeNano: number;
  status?: string;
  id?: string;
  from?: string;
}

/** One message of a JSON progress stream (load, import, pull, push, build). */
export interface JsonMessage {
  status?: string;
  id?: string;
  stream?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: Record<string, unknown>;
  error?: string;
  errorDetail?: { message: string; code?: number };
}

export type ImageDeleteItem = { Untagged: string } | { Deleted: string };

/** `GET /info`. Daemons differ in what they report, so everything beyond the basics is optional. */
export interface SystemInfo {
  ID?: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  Driver?: string;
  DriverStatus?: Array<[string, string]> | null;
  Plugins?: { Volume?: string[] | null; Network?: string[] | null; Authorization?: string[] | null; Log?: string[] | null };
  Debug?: boolean;
  NFd?: number;
  NGoroutines?: number;
  SystemTime?: string;
  LoggingDriver?: string;
  CgroupDriver?: string;
  CgroupVersion?: string;
  NEventsListener?: number;
  KernelVersion?: string;
  OperatingSystem?: string;
  OSVersion?: string;
  OSType?: string;
  Architecture?: string;
  IndexServerAddress?: string;
  RegistryConfig?: {
    InsecureRegistryCIDRs?: string[] | null;
    IndexConfigs?: Record<string, { Name: string; Mirrors?: string[] | null; Secure: boolean; Official?: boolean }> | null;
    Mirrors?: string[] | null;
  } | null;
  NCPU?: number;
  MemTotal?: number;
  DockerRootDir?: string;
  HttpProxy?: string;
  HttpsProxy?: string;
  NoProxy?: string;
  Name?: string;
  Labels?: string[] | null;
  ExperimentalBuild?: boolean;
  ServerVersion?: string;
  Runtimes?: Record<string, { path?: string }> | null;
  DefaultRuntime?: string;
  Swarm?: { LocalNodeState?: string; NodeID?: string; ControlAvailable?: boolean; Error?: string };
  LiveRestoreEnabled?: boolean;
  Isolation?: string;
  InitBinary?: string;
  ContainerdCommit?: { ID: string; Expected?: string };
  RuncCommit?: { ID: string; Expected?: string };
  InitCommit?: { ID: string; Expected?: string };
  SecurityOptions?: string[] | null;
  ProductLicense?: string;
  DefaultAddressPools?: Array<{ Base: string; Size: number }> | null;
  CDISpecDirs?: string[] | null;
  Warnings?: string[] | null;
}

/** A volume as `/volumes*` and `/system/df` show it (moby's volume.Volume). */
export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  /** RFC 3339, seconds, UTC ("2026-11-22T02:39:41Z"). */
  CreatedAt?: string;
  Status?: Record<string, unknown> | null;
  /** null when none were given, as dockerd answers. */
  Labels: Record<string, string> | null;
  Scope: string;
  /** The driver options exactly as given (`-o`), null when none. */
  Options: Record<string, string> | null;
  /** Only in `/system/df` (Size -1 elsewhere when asked for). */
  UsageData?: { Size: number; RefCount: number } | null;
}

/** `POST /volumes/create`. */
export interface VolumeCreateRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** `GET /volumes`. */
export interface VolumeListResponse {
  Volumes: Volume[] | null;
  Warnings: string[] | null;
}

export interface BuildCacheRecord {
  ID: string;
  Type?: string;
  Size: number;
  InUse: boolean;
  Shared: boolean;
}

/** `GET /system/df`. */
export interface DiskUsage {
  LayersSize: number;
  Images: ImageSummary[] | null;
  Containers: ContainerSummary[] | null;
  Volumes: Volume[] | null;
  BuildCache: BuildCacheRecord[] | null;
  BuilderSize?: number;
}

export interface ContainerPruneReport {
  ContainersDeleted: string[] | null;
  SpaceReclaimed: number;
}

export interface ImagePruneReport {
  ImagesDeleted: Array<{ Untagged?: string; Deleted?: string }> | null;
  SpaceReclaimed: number;
}

export interface NetworkPruneReport {
  NetworksDeleted: string[] | null;
}

export interface VolumePruneReport {
  VolumesDeleted: string[] | null;
  SpaceReclaimed: number;
}

export interface BuildCachePruneReport {
  CachesDeleted: string[] | null;
  SpaceReclaimed: number;
}

/** The body of every error answer. */
export interface ErrorResponse {
  message: string;
}

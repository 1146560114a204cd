/**
 * The API structs the docker CLI 28 decodes `inspect` answers into before it runs a template on
 * them (github.com/docker/docker/api/types, v28). Their declarations decide what docker prints:
 * `{{.State}}` is `{running true … <nil>}`, a null `Cmd` prints `[]`, `{{json .NetworkSettings}}`
 * has Go's field order and omits what is `omitempty`. Fields berth does not know are left out,
 * which only matters when a whole struct is printed.
 */
import { declareTypes } from './gotypes.js';
import type { GoType } from './value.js';

const source = `
type nat.Port string
type nat.PortBinding struct {
  HostIP string \`json:"HostIp"\`
  HostPort string
}
type nat.PortMap map[Port][]PortBinding
type nat.PortSet map[Port]struct{}
type strslice.StrSlice []string
type mount.Type string
type mount.Propagation string
type mount.Mount struct {
  Type mount.Type \`json:",omitempty"\`
  Source string \`json:",omitempty"\`
  Target string \`json:",omitempty"\`
  ReadOnly bool \`json:",omitempty"\`
  Consistency string \`json:",omitempty"\`
  BindOptions interface{} \`json:",omitempty"\`
  VolumeOptions interface{} \`json:",omitempty"\`
  ImageOptions interface{} \`json:",omitempty"\`
  TmpfsOptions interface{} \`json:",omitempty"\`
  ClusterOptions interface{} \`json:",omitempty"\`
}
type container.HealthcheckResult struct {
  Start time.Time
  End time.Time
  ExitCode int
  Output string
}
type container.Health struct {
  Status string
  FailingStreak int
  Log []*HealthcheckResult
}
type container.State struct {
  Status string
  Running bool
  Paused bool
  Restarting bool
  OOMKilled bool
  Dead bool
  Pid int
  ExitCode int
  Error string
  StartedAt string
  FinishedAt string
  Health *Health \`json:",omitempty"\`
}
type container.HealthConfig struct {
  Test []string \`json:",omitempty"\`
  Interval time.Duration \`json:",omitempty"\`
  Timeout time.Duration \`json:",omitempty"\`
  StartPeriod time.Duration \`json:",omitempty"\`
  StartInterval time.Duration \`json:",omitempty"\`
  Retries int \`json:",omitempty"\`
}
type container.Config struct {
  Hostname string
  Domainname string
  User string
  AttachStdin bool
  AttachStdout bool
  AttachStderr bool
  ExposedPorts nat.PortSet \`json:",omitempty"\`
  Tty bool
  OpenStdin bool
  StdinOnce bool
  Env []string
  Cmd strslice.StrSlice
  Healthcheck *HealthConfig \`json:",omitempty"\`
  ArgsEscaped bool \`json:",omitempty"\`
  Image string
  Volumes map[string]struct{}
  WorkingDir string
  Entrypoint strslice.StrSlice
  NetworkDisabled bool \`json:",omitempty"\`
  MacAddress string \`json:",omitempty"\`
  OnBuild []string
  Labels map[string]string
  StopSignal string \`json:",omitempty"\`
  StopTimeout *int \`json:",omitempty"\`
  Shell strslice.StrSlice \`json:",omitempty"\`
}
type container.LogConfig struct {
  Type string
  Config map[string]string
}
type container.RestartPolicyMode string
type container.RestartPolicy struct {
  Name container.RestartPolicyMode
  MaximumRetryCount int
}
type container.NetworkMode string
type container.CgroupnsMode string
type container.IpcMode string
type container.CgroupSpec string
type container.PidMode string
type container.UTSMode string
type container.UsernsMode string
type container.Isolation string
type blkiodev.WeightDevice struct {
  Path string
  Weight uint16
}
type blkiodev.ThrottleDevice struct {
  Path string
  Rate uint64
}
type container.DeviceMapping struct {
  PathOnHost string
  PathInContainer string
  CgroupPermissions string
}
type container.DeviceRequest struct {
  Driver string
  Count int
  DeviceIDs []string
  Capabilities [][]string
  Options map[string]string
}
type units.Ulimit struct {
  Name string
  Hard int64
  Soft int64
}
type container.Resources struct {
  CPUShares int64 \`json:"CpuShares"\`
  Memory int64
  NanoCPUs int64 \`json:"NanoCpus"\`
  CgroupParent string
  BlkioWeight uint16
  BlkioWeightDevice []*WeightDevice
  BlkioDeviceReadBps []*ThrottleDevice
  BlkioDeviceWriteBps []*ThrottleDevice
  BlkioDeviceReadIOps []*ThrottleDevice
  BlkioDeviceWriteIOps []*ThrottleDevice
  CPUPeriod int64 \`json:"CpuPeriod"\`
  CPUQuota int64 \`json:"CpuQuota"\`
  CPURealtimePeriod int64 \`json:"CpuRealtimePeriod"\`
  CPURealtimeRuntime int64 \`json:"CpuRealtimeRuntime"\`
  CpusetCpus string
  CpusetMems string
  Devices []DeviceMapping
  DeviceCgroupRules []string
  DeviceRequests []DeviceRequest
  KernelMemory int64 \`json:",omitempty"\`
  KernelMemoryTCP int64 \`json:",omitempty"\`
  MemoryReservation int64
  MemorySwap int64
  MemorySwappiness *int64
  OomKillDisable *bool
  PidsLimit *int64
  Ulimits []*Ulimit
  CPUCount int64 \`json:"CpuCount"\`
  CPUPercent int64 \`json:"CpuPercent"\`
  IOMaximumIOps uint64
  IOMaximumBandwidth uint64
}
type container.HostConfig struct {
  Binds []string
  ContainerIDFile string
  LogConfig LogConfig
  NetworkMode container.NetworkMode
  PortBindings nat.PortMap
  RestartPolicy RestartPolicy
  AutoRemove bool
  VolumeDriver string
  VolumesFrom []string
  ConsoleSize [2]uint
  Annotations map[string]string \`json:",omitempty"\`
  CapAdd strslice.StrSlice
  CapDrop strslice.StrSlice
  CgroupnsMode container.CgroupnsMode
  DNS []string \`json:"Dns"\`
  DNSOptions []string \`json:"DnsOptions"\`
  DNSSearch []string \`json:"DnsSearch"\`
  ExtraHosts []string
  GroupAdd []string
  IpcMode container.IpcMode
  Cgroup container.CgroupSpec
  Links []string
  OomScoreAdj int
  PidMode container.PidMode
  Privileged bool
  PublishAllPorts bool
  ReadonlyRootfs bool
  SecurityOpt []string
  StorageOpt map[string]string \`json:",omitempty"\`
  Tmpfs map[string]string \`json:",omitempty"\`
  UTSMode container.UTSMode
  UsernsMode container.UsernsMode
  ShmSize int64
  Sysctls map[string]string \`json:",omitempty"\`
  Runtime string \`json:",omitempty"\`
  Isolation container.Isolation
  Resources
  Mounts []mount.Mount \`json:",omitempty"\`
  MaskedPaths []string
  ReadonlyPaths []string
  Init *bool \`json:",omitempty"\`
}
type container.MountPoint struct {
  Type mount.Type \`json:",omitempty"\`
  Name string \`json:",omitempty"\`
  Source string
  Destination string
  Driver string \`json:",omitempty"\`
  Mode string
  RW bool
  Propagation mount.Propagation
}
type storage.DriverData struct {
  Data map[string]string
  Name string
}
type network.EndpointIPAMConfig struct {
  IPv4Address string \`json:",omitempty"\`
  IPv6Address string \`json:",omitempty"\`
  LinkLocalIPs []string \`json:",omitempty"\`
}
type network.EndpointSettings struct {
  IPAMConfig *EndpointIPAMConfig
  Links []string
  Aliases []string
  MacAddress string
  DriverOpts map[string]string
  GwPriority int
  NetworkID string
  EndpointID string
  Gateway string
  IPAddress string
  IPPrefixLen int
  IPv6Gateway string
  GlobalIPv6Address string
  GlobalIPv6PrefixLen int
  DNSNames []string
}
type network.Address struct {
  Addr string
  PrefixLen int
}
type container.NetworkSettingsBase struct {
  Bridge string
  SandboxID string
  SandboxKey string
  Ports nat.PortMap
  HairpinMode bool
  LinkLocalIPv6Address string
  LinkLocalIPv6PrefixLen int
  SecondaryIPAddresses []network.Address
  SecondaryIPv6Addresses []network.Address
}
type container.DefaultNetworkSettings struct {
  EndpointID string
  Gateway string
  GlobalIPv6Address string
  GlobalIPv6PrefixLen int
  IPAddress string
  IPPrefixLen int
  IPv6Gateway string
  MacAddress string
}
type container.NetworkSettings struct {
  NetworkSettingsBase
  DefaultNetworkSettings
  Networks map[string]*network.EndpointSettings
}
type container.ContainerJSONBase struct {
  ID string \`json:"Id"\`
  Created string
  Path string
  Args []string
  State *container.State
  Image string
  ResolvConfPath string
  HostnamePath string
  HostsPath string
  LogPath string
  Node interface{} \`json:",omitempty"\`
  Name string
  RestartCount int
  Driver string
  Platform string
  MountLabel string
  ProcessLabel string
  AppArmorProfile string
  ExecIDs []string
  HostConfig *container.HostConfig
  GraphDriver storage.DriverData
  SizeRw *int64 \`json:",omitempty"\`
  SizeRootFs *int64 \`json:",omitempty"\`
}
type container.InspectResponse struct {
  *ContainerJSONBase
  Mounts []MountPoint
  Config *container.Config
  NetworkSettings *container.NetworkSettings
  ImageManifestDescriptor interface{} \`json:",omitempty"\`
}
type v1.ImageConfig struct {
  User string \`json:"User,omitempty"\`
  ExposedPorts map[string]struct{} \`json:"ExposedPorts,omitempty"\`
  Env []string \`json:"Env,omitempty"\`
  Entrypoint []string \`json:"Entrypoint,omitempty"\`
  Cmd []string \`json:"Cmd,omitempty"\`
  Volumes map[string]struct{} \`json:"Volumes,omitempty"\`
  WorkingDir string \`json:"WorkingDir,omitempty"\`
  Labels map[string]string \`json:"Labels,omitempty"\`
  StopSignal string \`json:"StopSignal,omitempty"\`
  ArgsEscaped bool \`json:"ArgsEscaped,omitempty"\`
}
type v1.DockerOCIImageConfigExt struct {
  Healthcheck *container.HealthConfig \`json:",omitempty"\`
  OnBuild []string \`json:",omitempty"\`
  Shell []string \`json:",omitempty"\`
}
type v1.DockerOCIImageConfig struct {
  ImageConfig
  DockerOCIImageConfigExt
}
type image.RootFS struct {
  Type string
  Layers []string \`json:",omitempty"\`
}
type image.Metadata struct {
  LastTagTime time.Time \`json:",omitempty"\`
}
type image.InspectResponse struct {
  ID string \`json:"Id"\`
  RepoTags []string
  RepoDigests []string
  Parent string
  Comment string
  Created string \`json:",omitempty"\`
  Container string \`json:",omitempty"\`
  ContainerConfig *container.Config \`json:",omitempty"\`
  DockerVersion string
  Author string
  Config *v1.DockerOCIImageConfig
  Architecture string
  Variant string \`json:",omitempty"\`
  Os string
  OsVersion string \`json:",omitempty"\`
  Size int64
  VirtualSize int64 \`json:"VirtualSize,omitempty"\`
  GraphDriver storage.DriverData
  RootFS image.RootFS
  Metadata image.Metadata
  Descriptor interface{} \`json:"Descriptor,omitempty"\`
  Manifests interface{} \`json:"Manifests,omitempty"\`
}
`;

let declared: Map<string, GoType> | undefined;

/** A docker API type by name (`container.InspectResponse`, `image.InspectResponse`). */
export function dockerType(name: string): GoType {
  declared ??= declareTypes(source);
  const t = declared.get(name);
  if (!t) throw new Error(`unknown docker type ${name}`);
  return t;
}

/** The subset of the OCI runtime spec (config.json) that berth generates. */
export interface RuntimeSpec {
  ociVersion: string;
  process: ProcessSpec;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts: MountSpec[];
  annotations?: Record<string, string>;
  linux: LinuxSpec;
}

export interface ProcessSpec {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: { uid: number; gid: number; umask?: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: {
    bounding: string[];
    effective: string[];
    permitted: string[];
    inheritable?: string[];
    ambient?: string[];
  };
  rlimits?: Array<{ type: string; hard: number; soft: number }>;
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
  apparmorProfile?: string;
}

export interface MountSpec {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface LinuxDevice {
  path: string;
  type: 'c' | 'b' | 'p' | 'u';
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface DeviceCgroupRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

export interface LinuxResources {
  devices?: DeviceCgroupRule[];
  memory?: { limit?: number; reservation?: number; swap?: number; swappiness?: number; disableOOMKiller?: boolean };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
  blockIO?: { weight?: number };
}

export interface SeccompRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: Array<{ index: number; value: number; valueTwo?: number; op: string }>;
}

export interface SeccompSpec {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  syscalls?: SeccompRule[];
}

export interface LinuxSpec {
  namespaces: Array<{ type: string; path?: string }>;
  resources?: LinuxResources;
  cgroupsPath?: string;
  devices?: LinuxDevice[];
  seccomp?: SeccompSpec;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  sysctl?: Record<string, string>;
  rootfsPropagation?: string;
}

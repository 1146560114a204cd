import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { errnoCode, invalidArgument } from '../common/errors.js';
import { isLogLevel, type LogLevel } from '../common/log.js';

/** berthd's settings: daemon.json (dockerd's keys where they exist), overridden by flags. */
export interface DaemonConfig {
  dataRoot: string;
  execRoot: string;
  hosts: string[];
  configFile: string;
  defaultRuntime: string;
  runtimes: Record<string, { path: string }>;
  logLevel: LogLevel;
  cgroupParent: string;
  pidFile: string;
  seccompProfile: string;
  conmon: string;
  group: string;
  /** Run an init as PID 1 in containers that do not say (`--init` decides per container). */
  init: boolean;
  /** The init binary for --init; unset: the first of the usual places that exists. */
  initPath?: string;
  /** Remount a cgroup hierarchy with favordynmods at start (runtime/cgroup-tuning.ts says why). */
  cgroupFavorDynmods: boolean;
}

export const defaultConfigFile = '/etc/berth/daemon.json';

export const usage = `Usage: berthd [OPTIONS]

A container engine that serves the Docker Engine API.

Options:
      --config-file string      Daemon configuration file (default "${defaultConfigFile}")
      --data-root string        Root directory of persistent state (default "/var/lib/berth")
      --exec-root string        Root directory for runtime state (default "/run/berth")
  -H, --host list               Daemon socket(s) to listen on (default unix:///run/berth/berth.sock)
      --default-runtime string  Default OCI runtime for containers (default "runc")
      --cgroup-parent string    Parent cgroup for all containers (default "/berth")
  -p, --pidfile string          Path to use for the daemon PID file (default "<exec-root>/berthd.pid")
      --seccomp-profile string  Docker-format seccomp profile (default "/usr/share/containers/seccomp.json")
      --group string            Group that may use the unix socket (default "docker" if it exists)
      --init                    Run an init in the container to forward signals and reap processes
      --init-path string        Path to the docker-init binary (default: tini-static or catatonit)
  -l, --log-level string        Set the logging level ("debug"|"info"|"warn"|"error") (default "info")
  -h, --help                    Print usage
`;

interface FileConfig {
  'data-root'?: string;
  'exec-root'?: string;
  hosts?: string[];
  'default-runtime'?: string;
  runtimes?: Record<string, { path: string }>;
  'log-level'?: string;
  'cgroup-parent'?: string;
  pidfile?: string;
  'seccomp-profile'?: string;
  group?: string;
  conmon?: string;
  init?: boolean;
  'init-path'?: string;
  'cgroup-favordynmods'?: boolean;
}

const knownFileKeys = new Set([
  'data-root', 'exec-root', 'hosts', 'default-runtime', 'runtimes', 'log-level', 'cgroup-parent', 'pidfile',
  'seccomp-profile', 'group', 'conmon', 'live-restore', 'registry-mirrors', 'insecure-registries', 'log-driver',
  'default-address-pools', 'debug', 'init', 'init-path', 'cgroup-favordynmods',
]);

export async function loadConfig(argv: string[]): Promise<DaemonConfig | 'help'> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'config-file': { type: 'string' },
        'data-root': { type: 'string' },
        'exec-root': { type: 'string' },
        host: { type: 'string', short: 'H', multiple: true },
        'default-runtime': { type: 'string' },
        'cgroup-parent': { type: 'string' },
        pidfile: { type: 'string', short: 'p' },
        'seccomp-profile': { type: 'string' },
        group: { type: 'string' },
        init: { type: 'boolean' },
        'init-path': { type: 'string' },
        'log-level': { type: 'string', short: 'l' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw invalidArgument((err as Error).message);
  }
  const f = parsed.values;
  if (f.help) return 'help';
  const configFile = f['config-file'] ?? defaultConfigFile;
  let file: FileConfig = {};
  try {
    file = JSON.parse(await readFile(configFile, 'utf8')) as FileConfig;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') {
      if (f['config-file']) throw invalidArgument(`configuration file ${configFile} does not exist`);
    } else if (err instanceof SyntaxError) {
      throw invalidArgument(`invalid configuration file ${configFile}: ${err.message}`);
    } else throw err;
  }
  for (const key of Object.keys(file)) {
    if (!knownFileKeys.has(key)) throw invalidArgument(`the following directives don't match any configuration option: ${key}`);
  }
  const execRoot = f['exec-root'] ?? file['exec-root'] ?? '/run/berth';
  const logLevel = f['log-level'] ?? file['log-level'] ?? 'info';
  if (!isLogLevel(logLevel)) throw invalidArgument(`unable to parse logging level: ${logLevel}`);
  return {
    dataRoot: f['data-root'] ?? file['data-root'] ?? '/var/lib/berth',
    execRoot,
    hosts: f.host ?? file.hosts ?? [`unix://${execRoot}/berth.sock`],
    configFile,
    defaultRuntime: f['default-runtime'] ?? file['default-runtime'] ?? 'runc',
    runtimes: file.runtimes ?? {},
    logLevel,
    cgroupParent: f['cgroup-parent'] ?? file['cgroup-parent'] ?? '/berth',
    pidFile: f.pidfile ?? file.pidfile ?? `${execRoot}/berthd.pid`,
    seccompProfile: f['seccomp-profile'] ?? file['seccomp-profile'] ?? '/usr/share/containers/seccomp.json',
    conmon: file.conmon ?? '/usr/bin/conmon',
    group: f.group ?? file.group ?? 'docker',
    init: f.init ?? file.init ?? false,
    cgroupFavorDynmods: file['cgroup-favordynmods'] ?? true,
    ...((f['init-path'] ?? file['init-path']) && { initPath: f['init-path'] ?? file['init-path'] }),
  };
}

import type { CommandSpec } from './command.js';

/**
 * Every command berth knows, and where its code lives. Only the module of the command being run is
 * loaded: `berth run` never parses the image or system commands (CLI start-up is benchmarked).
 */
interface CommandInfo {
  summary: string;
  load(): Promise<CommandSpec>;
}

const lazy =
  <M>(load: () => Promise<M>, pick: (m: M) => CommandSpec) =>
  () =>
    load().then(pick);

const run = () => import('./commands/run.js');
const start = () => import('./commands/start.js');
const lifecycle = () => import('./commands/lifecycle.js');
const ps = () => import('./commands/ps.js');
const logs = () => import('./commands/logs.js');
const inspect = () => import('./commands/inspect.js');
const images = () => import('./commands/images.js');
const archive = () => import('./commands/archive.js');
const system = () => import('./commands/system.js');
const prune = () => import('./commands/prune.js');
const execs = () => import('./commands/exec.js');
const monitor = () => import('./commands/monitor.js');
const containerFiles = () => import('./commands/container-files.js');
const volume = () => import('./commands/volume.js');

/** Keyed by an id; the names users type are mapped onto these below. */
const commands = {
  run: { summary: 'Create and run a new container from an image', load: lazy(run, (m) => m.run) },
  create: { summary: 'Create a new container', load: lazy(run, (m) => m.create) },
  start: { summary: 'Start one or more stopped containers', load: lazy(start, (m) => m.start) },
  stop: { summary: 'Stop one or more running containers', load: lazy(lifecycle, (m) => m.stop) },
  restart: { summary: 'Restart one or more containers', load: lazy(lifecycle, (m) => m.restart) },
  kill: { summary: 'Kill one or more running containers', load: lazy(lifecycle, (m) => m.kill) },
  pause: { summary: 'Pause all processes within one or more containers', load: lazy(lifecycle, (m) => m.pause) },
  unpause: { summary: 'Unpause all processes within one or more containers', load: lazy(lifecycle, (m) => m.unpause) },
  rm: { summary: 'Remove one or more containers', load: lazy(lifecycle, (m) => m.rm) },
  wait: { summary: 'Block until one or more containers stop, then print their exit codes', load: lazy(lifecycle, (m) => m.wait) },
  rename: { summary: 'Rename a container', load: lazy(lifecycle, (m) => m.rename) },
  ps: { summary: 'List containers', load: lazy(ps, (m) => m.ps) },
  logs: { summary: 'Fetch the logs of a container', load: lazy(logs, (m) => m.logs) },
  inspect: { summary: 'Return low-level information on Docker objects', load: lazy(inspect, (m) => m.inspect) },
  containerInspect: { summary: 'Display detailed information on one or more containers', load: lazy(inspect, (m) => m.containerInspect) },
  imageInspect: { summary: 'Display detailed information on one or more images', load: lazy(inspect, (m) => m.imageInspect) },
  containerPrune: { summary: 'Remove all stopped containers', load: lazy(prune, (m) => m.containerPrune) },
  images: { summary: 'List images', load: lazy(images, (m) => m.images) },
  rmi: { summary: 'Remove one or more images', load: lazy(images, (m) => m.rmi) },
  tag: { summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', load: lazy(images, (m) => m.tag) },
  history: { summary: 'Show the history of an image', load: lazy(images, (m) => m.history) },
  imagePrune: { summary: 'Remove unused images', load: lazy(prune, (m) => m.imagePrune) },
  import: { summary: 'Import the contents from a tarball to create a filesystem image', load: lazy(archive, (m) => m.importImage) },
  load: { summary: 'Load an image from a tar archive or STDIN', load: lazy(archive, (m) => m.load) },
  save: { summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)', load: lazy(archive, (m) => m.save) },
  version: { summary: 'Show the berth version information', load: lazy(system, (m) => m.version) },
  info: { summary: 'Display system-wide information', load: lazy(system, (m) => m.info) },
  events: { summary: 'Get real time events from the server', load: lazy(system, (m) => m.events) },
  df: { summary: 'Show berth disk usage', load: lazy(system, (m) => m.df) },
  systemPrune: { summary: 'Remove unused data', load: lazy(prune, (m) => m.systemPrune) },
  exec: { summary: 'Execute a command in a running container', load: lazy(execs, (m) => m.exec) },
  attach: { summary: "Attach local standard input, output, and error streams to a running container", load: lazy(execs, (m) => m.attach) },
  top: { summary: 'Display the running processes of a container', load: lazy(monitor, (m) => m.top) },
  stats: { summary: 'Display a live stream of container(s) resource usage statistics', load: lazy(monitor, (m) => m.stats) },
  port: { summary: 'List port mappings or a specific mapping for the container', load: lazy(monitor, (m) => m.port) },
  cp: { summary: 'Copy files/folders between a container and the local filesystem', load: lazy(containerFiles, (m) => m.cp) },
  export: { summary: "Export a container's filesystem as a tar archive", load: lazy(containerFiles, (m) => m.containerExport) },
  diff: { summary: "Inspect changes to files or directories on a container's filesystem", load: lazy(containerFiles, (m) => m.diff) },
  commit: { summary: "Create a new image from a container's changes", load: lazy(containerFiles, (m) => m.commit) },
  volumeCreate: { summary: 'Create a volume', load: lazy(volume, (m) => m.volumeCreate) },
  volumeInspect: { summary: 'Display detailed information on one or more volumes', load: lazy(volume, (m) => m.volumeInspect) },
  volumeLs: { summary: 'List volumes', load: lazy(volume, (m) => m.volumeLs) },
  volumePrune: { summary: 'Remove unused local volumes', load: lazy(prune, (m) => m.volumePrune) },
  volumeRm: { summary: 'Remove one or more volumes', load: lazy(volume, (m) => m.volumeRm) },
} satisfies Record<string, CommandInfo>;

export type CommandId = keyof typeof commands;

export interface Group {
  summary: string;
  /** Name typed → command; the first name listed for a command is the one help shows. */
  commands: Record<string, CommandId>;
}

export const groups: Record<string, Group> = {
  container: {
    summary: 'Manage containers',
    commands: {
      attach: 'attach', commit: 'commit', cp: 'cp', create: 'create', diff: 'diff', exec: 'exec', export: 'export',
      inspect: 'containerInspect', kill: 'kill', logs: 'logs', ls: 'ps', list: 'ps', ps: 'ps',
      pause: 'pause', port: 'port', prune: 'containerPrune', rename: 'rename', restart: 'restart', rm: 'rm', remove: 'rm',
      run: 'run', start: 'start', stats: 'stats', stop: 'stop', top: 'top', unpause: 'unpause', wait: 'wait',
    },
  },
  image: {
    summary: 'Manage images',
    commands: {
      history: 'history', import: 'import', inspect: 'imageInspect', load: 'load', ls: 'images', list: 'images',
      prune: 'imagePrune', rm: 'rmi', remove: 'rmi', save: 'save', tag: 'tag',
    },
  },
  system: {
    summary: 'Manage berth',
    commands: { df: 'df', events: 'events', info: 'info', prune: 'systemPrune' },
  },
  volume: {
    summary: 'Manage volumes',
    commands: {
      create: 'volumeCreate', inspect: 'volumeInspect', ls: 'volumeLs', list: 'volumeLs', prune: 'volumePrune', rm: 'volumeRm', remove: 'volumeRm',
    },
  },
};

/** Commands at the top level, in the two lists of `berth --help`. */
export const commonCommands: Record<string, CommandId> = { run: 'run', exec: 'exec', ps: 'ps', images: 'images', version: 'version', info: 'info' };
export const otherCommands: Record<string, CommandId> = {
  attach: 'attach', commit: 'commit', cp: 'cp', create: 'create', diff: 'diff', events: 'events', export: 'export',
  history: 'history', import: 'import', inspect: 'inspect', kill: 'kill', load: 'load', logs: 'logs', pause: 'pause',
  port: 'port', rename: 'rename', restart: 'restart', rm: 'rm', rmi: 'rmi', save: 'save', start: 'start', stats: 'stats',
  stop: 'stop', tag: 'tag', top: 'top', unpause: 'unpause', wait: 'wait',
};

export function topLevelCommand(name: string): CommandId | undefined {
  return commonCommands[name] ?? otherCommands[name];
}

export function commandInfo(id: CommandId): CommandInfo {
  return commands[id];
}

/** Every way to type a command (`container ls`, `container list`, `container ps`, `ps`), as help lists them. */
export function aliasesOf(id: CommandId): string[] {
  const out: string[] = [];
  for (const [group, g] of Object.entries(groups)) {
    for (const [name, target] of Object.entries(g.commands)) if (target === id) out.push(`${group} ${name}`);
  }
  for (const [name, target] of Object.entries({ ...commonCommands, ...otherCommands })) if (target === id) out.push(name);
  return out;
}

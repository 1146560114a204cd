import { constants } from 'node:fs';
import { access, chmod, mkdir, open, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, internal, invalidArgument } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { RuntimeSpec } from '../oci/runtime-spec.js';
import { AttachConnection } from './attach.js';
import { isAlive, launchConmon, oomMarked, readExitFile, type ConmonStarted } from './conmon.js';
import { ExitWatcher } from './exits.js';
import { OciRuntimeCli } from './runc.js';

export interface RuntimeBinary {
  path: string;
}

export interface RuntimeDriverConfig {
  execRoot: string;
  conmon: string;
  runtimes: Record<string, RuntimeBinary>;
  defaultRuntime: string;
  log: Logger;
}

export interface CreateOptions {
  id: string;
  name: string;
  runtime: string;
  spec: RuntimeSpec;
  logPath: string;
  stdin: boolean;
  tty: boolean;
  signal?: AbortSignal;
}

/**
 * Runs containers: one bundle directory per container under `<exec-root>/containers/<id>`
 * (config.json, conmon's pid files, attach socket, ctl fifo, persist/), conmon as supervisor, and
 * an OCI runtime (runc by default, crun where configured) named per container.
 *
 * Stateless about containers: the engine owns their state machine and calls in here.
 */
export class RuntimeDriver {
  readonly exits: ExitWatcher;
  private readonly clis = new Map<string, OciRuntimeCli>();

  constructor(private readonly cfg: RuntimeDriverConfig) {
    this.exits = new ExitWatcher(join(cfg.execRoot, 'exits'));
    for (const [name, rt] of Object.entries(cfg.runtimes)) {
      this.clis.set(name, new OciRuntimeCli(name, rt.path, join(cfg.execRoot, 'runtime', name)));
    }
  }

  async init(): Promise<void> {
    await mkdir(join(this.cfg.execRoot, 'containers'), { recursive: true, mode: 0o700 });
    await mkdir(join(this.cfg.execRoot, 'socks'), { recursive: true, mode: 0o700 });
    await this.exits.start();
  }

  runtimeNames(): string[] {
    return [...this.clis.keys()];
  }

  get defaultRuntime(): string {
    return this.cfg.defaultRuntime;
  }

  cli(name: string): OciRuntimeCli {
    const cli = this.clis.get(name);
    if (!cli) throw invalidArgument(`unknown or invalid runtime name: ${name}`);
    return cli;
  }

  bundleDir(id: string): string {
    return join(this.cfg.execRoot, 'containers', id);
  }

  attachSocketPath(id: string): string {
    return join(this.cfg.execRoot, 'socks', id, 'attach');
  }

  async create(o: CreateOptions): Promise<ConmonStarted> {
    const cli = this.cli(o.runtime);
    const bundle = this.bundleDir(o.id);
    await rm(bundle, { recursive: true, force: true });
    await mkdir(bundle, { recursive: true, mode: 0o700 });
    await writeFile(join(bundle, 'config.json'), JSON.stringify(o.spec));
    this.cfg.log.debug('conmon launch', { id: o.id, runtime: o.runtime });
    return launchConmon({
      conmon: this.cfg.conmon,
      runtime: cli,
      id: o.id,
      name: o.name,
      bundle,
      exitDir: this.exits.dir,
      socketDir: join(this.cfg.execRoot, 'socks'),
      logPath: o.logPath,
      stdin: o.stdin,
      tty: o.tty,
      ...(o.signal && { signal: o.signal }),
    });
  }

  /**
   * Lets the created container exec its process. `runc start` (and crun's) does nothing but read
   * the exec fifo its init blocks on, then remove it; doing that here saves a runtime spawn on
   * every start. Without the fifo (another runtime, a newer layout), the runtime's own start runs.
   */
  async start(id: string, runtime: string): Promise<void> {
    const cli = this.cli(runtime);
    const fifo = join(cli.root, id, 'exec.fifo');
    let fh;
    try {
      fh = await open(fifo, constants.O_RDONLY);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      await cli.start(id);
      return;
    }
    try {
      const { bytesRead } = await fh.read(Buffer.alloc(16), 0, 16, null);
      if (bytesRead <= 0) throw internal('cannot start an already running container');
    } finally {
      await fh.close();
    }
    await unlink(fifo).catch(() => {});
  }

  async kill(id: string, runtime: string, signal: number, all = false): Promise<void> {
    await this.cli(runtime).kill(id, signal, all);
  }

  async pause(id: string, runtime: string): Promise<void> {
    await this.cli(runtime).pause(id);
  }

  async resume(id: string, runtime: string): Promise<void> {
    await this.cli(runtime).resume(id);
  }

  async state(id: string, runtime: string) {
    return this.cli(runtime).state(id);
  }

  async ps(id: string, runtime: string): Promise<number[]> {
    return this.cli(runtime).ps(id);
  }

  /** Removes the runtime's record of a stopped container and its cgroup. */
  async delete(id: string, runtime: string): Promise<void> {
    try {
      await this.cli(runtime).delete(id, true);
    } catch (err) {
      if (!/not.?exist|not found/i.test((err as Error).message)) throw err;
    }
  }

  async removeBundle(id: string): Promise<void> {
    await rm(this.bundleDir(id), { recursive: true, force: true });
    await rm(join(this.cfg.execRoot, 'socks', id), { force: true });
  }

  /** The OOM killer hit this container: conmon's marker, or the memory cgroup's counter. */
  async oomKilled(id: string, cgroupsPath: string): Promise<boolean> {
    if (await oomMarked(this.bundleDir(id))) return true;
    for (const file of [`/sys/fs/cgroup/memory${cgroupsPath}/memory.oom_control`, `/sys/fs/cgroup${cgroupsPath}/memory.events`]) {
      try {
        const m = /^oom_kill (\d+)$/m.exec(await readFile(file, 'utf8'));
        if (m && Number(m[1]) > 0) return true;
      } catch {
        // not this cgroup layout
      }
    }
    return false;
  }

  /** What conmon left behind for a container: its exit code if it exited, and whether it still runs. */
  async probe(id: string): Promise<{ exitCode?: number; conmonAlive: boolean; conmonPid?: number }> {
    const bundle = this.bundleDir(id);
    const exitCode = (await readExitFile(this.exits.path(id))) ?? (await readExitFile(join(bundle, 'persist', 'exit')));
    let conmonPid: number | undefined;
    try {
      conmonPid = Number((await readFile(join(bundle, 'conmon.pid'), 'utf8')).trim()) || undefined;
    } catch {
      conmonPid = undefined;
    }
    const conmonAlive = conmonPid !== undefined && isAlive(conmonPid) && (await isConmon(conmonPid));
    return { ...(exitCode !== undefined && { exitCode }), conmonAlive, ...(conmonPid !== undefined && { conmonPid }) };
  }

  async attach(id: string): Promise<AttachConnection> {
    return AttachConnection.connect(this.attachSocketPath(id));
  }
}

async function isConmon(pid: number): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim() === 'conmon';
  } catch {
    return false;
  }
}

/**
 * crun refuses hybrid cgroup hosts (v1 controllers plus a cgroup2 mount holding a controller);
 * hidden the cgroup2 mount in a private mount namespace it sees pure v1 and works. This writes the
 * small wrapper that does that for each call, and returns the path to use as crun's binary.
 */
export async function crunWrapperIfHybrid(execRoot: string, crun: string): Promise<string> {
  let controllers = '';
  try {
    controllers = (await readFile('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8')).trim();
  } catch {
    return crun;
  }
  if (controllers === '') return crun;
  const wrapper = join(execRoot, 'crun-hybrid');
  await mkdir(execRoot, { recursive: true });
  await writeFile(
    wrapper,
    `#!/bin/sh\n# crun on a hybrid cgroup host: hide the cgroup2 mount in a private mount namespace.\nexec unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"' ${crun} "$@"\n`,
  );
  await chmod(wrapper, 0o755);
  await access(wrapper, constants.X_OK);
  return wrapper;
}

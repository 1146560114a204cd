import { constants } from 'node:fs';
import { access, chmod, mkdir, open, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { errnoCode, internal, invalidArgument } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import type { ProcessSpec, RuntimeSpec } from '../oci/runtime-spec.js';
import { AttachConnection } from './attach.js';
import { isAlive, launchConmon, oomMarked, readExitFile, type ConmonStarted } from './conmon.js';
import { launchExec, type ExecHandle } from './exec.js';
import { ExitWatcher } from './exits.js';
import { OciRuntimeCli } from './runc.js';
import { SeccompBpfCache } from './seccomp-bpf.js';

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
  /** Keep the container's stdin open when an attached client goes away. */
  leaveStdinOpen: boolean;
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
  /** Runtime state removals still running in the background, by container id. */
  private readonly pendingDeletes = new Map<string, Promise<void>>();

  private readonly seccompBpf: SeccompBpfCache;

  constructor(private readonly cfg: RuntimeDriverConfig) {
    this.exits = new ExitWatcher(join(cfg.execRoot, 'exits'));
    this.seccompBpf = new SeccompBpfCache(join(cfg.execRoot, 'seccomp-bpf'), cfg.runtimes['crun']?.path ?? '');
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
    await this.pendingDeletes.get(o.id);
    const bundle = this.bundleDir(o.id);
    await rm(bundle, { recursive: true, force: true });
    await mkdir(bundle, { recursive: true, mode: 0o700 });
    const precompiled = o.runtime === 'crun' ? await this.seccompBpf.lookup(o.spec) : undefined;
    await writeFile(join(bundle, 'config.json'), JSON.stringify(precompiled?.spec ?? o.spec));
    this.cfg.log.debug('conmon launch', { id: o.id, runtime: o.runtime, precompiledSeccomp: precompiled !== undefined });
    const started = await launchConmon({
      conmon: this.cfg.conmon,
      runtime: cli,
      id: o.id,
      name: o.name,
      bundle,
      exitDir: this.exits.dir,
      socketDir: join(this.cfg.execRoot, 'socks'),
      logPath: o.logPath,
      stdin: o.stdin,
      leaveStdinOpen: o.leaveStdinOpen,
      tty: o.tty,
      ...(o.signal && { signal: o.signal }),
    });
    if (o.runtime === 'crun' && !precompiled && o.spec.linux.seccomp) {
      void this.seccompBpf.remember(o.spec, join(cli.root, o.id, 'seccomp.bpf')).catch((err: unknown) => this.cfg.log.debug('seccomp filter not cached', { err }));
    }
    return started;
  }

  /**
   * Lets the created container exec its process. A runtime's `start` only touches the exec fifo its
   * init blocks on: runc's init writes a byte that `runc start` reads, crun's init reads a byte that
   * `crun start` writes. Doing that here saves spawning the runtime (a Go binary, for runc) on every
   * start. The fifo is opened non-blocking so a dead init can never wedge a thread; other runtimes,
   * or a missing fifo, go through the runtime's own start.
   */
  async start(id: string, runtime: string): Promise<void> {
    const cli = this.cli(runtime);
    const fifo = join(cli.root, id, 'exec.fifo');
    const kind = runtime === 'runc' || runtime === 'crun' ? runtime : undefined;
    if (!kind) return cli.start(id);
    let fh;
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        fh = await open(fifo, (kind === 'runc' ? constants.O_RDONLY : constants.O_WRONLY) | constants.O_NONBLOCK);
        break;
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return cli.start(id);
        // crun: ENXIO until its init has the fifo open for reading.
        if (errnoCode(err) !== 'ENXIO' || Date.now() > deadline) throw internal(`cannot start container ${id}: ${(err as Error).message}`);
        await delay(1);
      }
    }
    try {
      if (kind === 'crun') {
        await fh.write('0');
        // crun, like runc, tells created from running by whether the fifo still exists.
        await unlink(fifo).catch(() => {});
        return;
      }
      const buf = Buffer.alloc(16);
      for (;;) {
        // EOF (0 bytes) until runc's init has opened its end; EAGAIN while it has not written yet.
        const n = await fh.read(buf, 0, buf.length, null).then(
          (r) => r.bytesRead,
          (err: unknown) => {
            if (errnoCode(err) === 'EAGAIN') return 0;
            throw err;
          },
        );
        if (n > 0) break;
        if (Date.now() > deadline) throw internal(`cannot start container ${id}: its init did not signal readiness`);
        await delay(1);
      }
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

  /**
   * The runtime's cleanup after an exit, off the critical path: the exit is reported without waiting
   * for the runtime (a Go process, for runc) to delete its state and cgroup, nor for the bundle to
   * go. The next create of that id, and daemon shutdown, wait for it; after a crash,
   * reconcileRuntimeState finds what was left.
   */
  cleanupInBackground(id: string, runtime: string): void {
    const prev = this.pendingDeletes.get(id) ?? Promise.resolve();
    const p = prev
      .then(() => this.delete(id, runtime))
      .then(() => this.removeBundle(id))
      .catch((err: unknown) => this.cfg.log.warn('runtime delete failed', { id, err }))
      .finally(() => {
        if (this.pendingDeletes.get(id) === p) this.pendingDeletes.delete(id);
      });
    this.pendingDeletes.set(id, p);
  }

  async drain(): Promise<void> {
    await Promise.all([...this.pendingDeletes.values()]);
  }

  /** Deletes runtime state of containers berth no longer runs (leftovers of a crash). */
  async reconcileRuntimeState(active: (id: string) => boolean): Promise<void> {
    for (const [name, cli] of this.clis) {
      let ids: string[] = [];
      try {
        ids = await readdir(cli.root);
      } catch {
        continue;
      }
      for (const id of ids) {
        if (!/^[a-f0-9]{64}$/.test(id) || active(id)) continue;
        await this.delete(id, name).catch((err: unknown) => this.cfg.log.warn('stale runtime state not removed', { id, err }));
      }
    }
  }

  async listBundles(): Promise<string[]> {
    return (await readdir(join(this.cfg.execRoot, 'containers')).catch(() => [] as string[])).filter((n) => /^[a-f0-9]{64}$/.test(n));
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

  /** The running container's own OCI spec: an exec inherits its process settings. */
  async containerSpec(id: string): Promise<RuntimeSpec> {
    return JSON.parse(await readFile(join(this.bundleDir(id), 'config.json'), 'utf8')) as RuntimeSpec;
  }

  private execDir(execId: string): string {
    return join(this.cfg.execRoot, 'exec', execId);
  }

  /** Starts a process in a running container (see runtime/exec.ts). */
  async exec(o: { containerId: string; execId: string; runtime: string; process: ProcessSpec; stdin: boolean; tty: boolean; attach: boolean; beforeStart?: () => Promise<void> }): Promise<ExecHandle> {
    return launchExec({
      conmon: this.cfg.conmon,
      runtime: this.cli(o.runtime),
      containerId: o.containerId,
      execId: o.execId,
      dir: this.execDir(o.execId),
      socketDir: join(this.cfg.execRoot, 'socks'),
      process: o.process,
      stdin: o.stdin,
      tty: o.tty,
      attach: o.attach,
      ...(o.beforeStart && { beforeStart: o.beforeStart }),
    });
  }

  async attachExec(execId: string): Promise<AttachConnection> {
    return AttachConnection.connect(join(this.cfg.execRoot, 'socks', execId, 'attach'));
  }

  async removeExec(execId: string): Promise<void> {
    await rm(this.execDir(execId), { recursive: true, force: true });
    await rm(join(this.cfg.execRoot, 'socks', execId), { force: true });
  }

  /** Resizes a container's (or an exec's) terminal through conmon's control fifo. */
  async resize(target: { container: string } | { exec: string }, height: number, width: number): Promise<void> {
    const dir = 'container' in target ? this.bundleDir(target.container) : this.execDir(target.exec);
    const fh = await open(join(dir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      await fh.write(`1 ${height} ${width}\n`);
    } finally {
      await fh.close();
    }
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
 * with the cgroup2 mount hidden in a private mount namespace it sees pure v1 and works. berth's
 * compiled helper (native/crun-hybrid.c) does that in one exec; without it a shell wrapper does.
 * Returns the path to use as crun's binary.
 */
export async function crunWrapperIfHybrid(execRoot: string, crun: string): Promise<string> {
  let controllers = '';
  try {
    controllers = (await readFile('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8')).trim();
  } catch {
    return crun;
  }
  if (controllers === '') return crun;
  const helper = fileURLToPath(new URL('../../../native/build/Release/berth-crun-hybrid', import.meta.url));
  try {
    await access(helper, constants.X_OK);
    // conmon and the runtime calls inherit the environment, and the helper reads crun's path from it.
    process.env['BERTH_CRUN'] = crun;
    return helper;
  } catch {
    // not built: fall back to the shell wrapper
  }
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

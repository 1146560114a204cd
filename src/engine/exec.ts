import { conflict, invalidArgument, notFound } from '../common/errors.js';
import { newId } from '../common/ids.js';
import type { Logger } from '../common/log.js';
import type { ProcessSpec } from '../oci/runtime-spec.js';
import { hostCapabilities } from '../runtime/capabilities.js';
import type { RuntimeDriver } from '../runtime/driver.js';
import { ExecStartError } from '../runtime/exec.js';
import { resolveUserInRoot } from '../runtime/user.js';
import { AttachSession } from './attach-session.js';
import { isActive } from './container-record.js';
import type { ContainerService } from './containers.js';
import type { EventBus } from './events.js';

/** `POST /containers/{id}/exec` as clients send it. */
export interface ExecConfig {
  User?: string;
  Privileged?: boolean;
  Tty?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Detach?: boolean;
  DetachKeys?: string;
  Env?: string[] | null;
  WorkingDir?: string;
  Cmd?: string[] | null;
}

export interface ExecRecord {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  exitCode: number | null;
  pid: number;
  started: boolean;
  /** A resize that arrived before the process existed (the CLI sends it alongside start). */
  pendingSize?: { height: number; width: number };
}

export interface ExecServiceDeps {
  containers: ContainerService;
  driver: RuntimeDriver;
  events: EventBus;
  log: Logger;
}

const maxExecsPerContainer = 256;

function replaceEnv(base: string[], extra: readonly string[]): string[] {
  const out = [...base];
  const key = (e: string) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);
  for (const e of extra) {
    if (!e.includes('=')) continue;
    const i = out.findIndex((x) => key(x) === key(e));
    if (i >= 0) out[i] = e;
    else out.push(e);
  }
  return out;
}

/**
 * dockerd's rule for a process that could not be started: 127 when the error is about the command
 * itself not being found, 126 for anything else (a bad working directory, a non-executable file).
 */
export function execFailureCode(message: string, command: string): number {
  const m = message.toLowerCase();
  const notFound = m.includes('executable file not found') || m.includes('no such file or directory');
  return command && m.includes(command.toLowerCase()) && notFound ? 127 : 126;
}

/**
 * Processes run inside running containers (`docker exec`), through conmon. An exec inherits its
 * container's process settings (capabilities, rlimits, seccomp by way of the runtime) and overrides
 * the command, environment, working directory, user and terminal, as dockerd does.
 */
export class ExecService {
  private readonly execs = new Map<string, ExecRecord>();

  constructor(private readonly d: ExecServiceDeps) {}

  get(id: string): ExecRecord {
    const rec = this.execs.get(id);
    if (!rec) throw notFound(`No such exec instance: ${id}`);
    return rec;
  }

  /** The container's execs that have not finished (inspect's ExecIDs, as dockerd counts them). */
  idsOf(containerId: string): string[] {
    return [...this.execs.values()].filter((e) => e.containerId === containerId && !(e.started && !e.running)).map((e) => e.id);
  }

  /** Forgets the execs of a container that was removed. */
  forget(containerId: string): void {
    for (const [id, e] of this.execs) if (e.containerId === containerId) this.execs.delete(id);
  }

  create(idOrName: string, config: ExecConfig): string {
    const container = this.d.containers.find(idOrName);
    if (container.state.Status === 'paused') throw conflict(`Container ${container.id} is paused, unpause the container before exec`);
    if (!isActive(container.state.Status)) throw conflict(`Container ${container.id} is not running`);
    if (!config.Cmd || config.Cmd.length === 0) throw invalidArgument('No exec command specified');
    const id = newId();
    const mine = [...this.execs.values()].filter((e) => e.containerId === container.id && !e.running && e.started);
    for (const old of mine.slice(0, Math.max(0, mine.length - maxExecsPerContainer + 1))) this.execs.delete(old.id);
    this.execs.set(id, { id, containerId: container.id, config, running: false, exitCode: null, pid: 0, started: false });
    this.d.events.publish('container', `exec_create: ${config.Cmd.join(' ')}`, container.id, this.attrs(container.id, { execID: id }));
    return id;
  }

  private attrs(containerId: string, extra: Record<string, string>): Record<string, string> {
    const c = this.d.containers.find(containerId);
    return { ...(c.config.Labels ?? {}), image: c.config.Image, name: c.name.slice(1), ...extra };
  }

  /**
   * Starts the exec. Attached, it returns a session whose output ends when the process exits. A
   * process that cannot be started gives `failure`, the runtime's error text, which dockerd sends
   * inside the stream; the exec's exit code is then 126 or 127.
   */
  async start(id: string, opts: { detach: boolean }): Promise<{ session?: AttachSession; failure?: string; finished?: Promise<void> }> {
    const rec = this.get(id);
    if (rec.running) throw conflict(`Error: Exec command ${id} is already running`);
    if (rec.started) throw conflict(`Error: Exec command ${id} has already run`);
    const container = this.d.containers.find(rec.containerId);
    if (!isActive(container.state.Status) || container.state.Status === 'paused') throw conflict(`Container ${container.id} is not running`);
    rec.started = true;
    const cfg = rec.config;
    const attach = !opts.detach;
    const session = attach ? new AttachSession(cfg.AttachStdin === true) : undefined;
    let handle;
    const t0 = performance.now();
    const marks: Record<string, number> = {};
    const mark = (name: string) => (marks[name] = Math.round((performance.now() - t0) * 10) / 10);
    try {
      const process = await this.processSpec(container.id, cfg);
      mark('spec');
      rec.running = true;
      handle = await this.d.driver.exec({
        containerId: container.id,
        execId: id,
        runtime: container.runtime,
        process,
        stdin: cfg.AttachStdin === true && attach,
        tty: cfg.Tty === true,
        attach,
        ...(session && { beforeStart: async () => session.connect(await this.d.driver.attachExec(id)) }),
      });
    } catch (err) {
      rec.running = false;
      const message = err instanceof ExecStartError ? `OCI runtime exec failed: ${err.detail}` : (err as Error).message;
      rec.exitCode = execFailureCode(message, cfg.Cmd?.[0] ?? '');
      this.d.log.debug('exec failed to start', { id, message });
      await this.d.driver.removeExec(id).catch(() => {});
      if (!session) throw err;
      session.close();
      return { failure: message };
    }
    rec.pid = handle.pid;
    mark('started');
    this.d.events.publish('container', `exec_start: ${(cfg.Cmd ?? []).join(' ')}`, container.id, this.attrs(container.id, { execID: id }));
    if (rec.pendingSize && cfg.Tty) {
      const { height, width } = rec.pendingSize;
      await this.d.driver.resize({ exec: id }, height, width).catch(() => {});
    }
    const finished: Promise<void> = handle.exited
      .then(
        (code) => {
          rec.exitCode = code;
        },
        (err: unknown) => {
          this.d.log.warn('exec exit unknown', { id, err });
          rec.exitCode = -1;
        },
      )
      .then(() => {
        mark('exited');
        this.d.log.debug('exec finished', { id, ms: marks });
        rec.running = false;
        rec.pid = 0;
        this.d.events.publish('container', 'exec_die', container.id, this.attrs(container.id, { execID: id, exitCode: String(rec.exitCode) }));
        void this.d.driver.removeExec(id).catch(() => {});
      });
    // The attach socket can close before conmon reports the exit status: clients read the exit code
    // as soon as the stream ends, so callers end it only once `finished` resolves.
    return session ? { session, finished } : { finished };
  }

  /**
   * Runs a command in a running container for the daemon itself (a healthcheck probe): output
   * captured up to `maxOutput` bytes, the process killed once it outlives `timeoutMs` (counted from
   * when it started) or when `signal` aborts. A command that cannot be started throws.
   */
  async run(
    containerId: string,
    cfg: Pick<ExecConfig, 'Cmd' | 'User' | 'WorkingDir'>,
    opts: { timeoutMs: number; maxOutput: number; signal: AbortSignal },
  ): Promise<{ exitCode: number; output: Buffer; truncated: boolean; timedOut: boolean }> {
    const id = this.create(containerId, { ...cfg, AttachStdout: true, AttachStderr: true, Tty: false });
    try {
      const rec = this.get(id);
      const { session, failure, finished } = await this.start(id, { detach: false });
      if (failure !== undefined || !session || !finished) throw new Error(failure ?? 'exec did not start');
      const chunks: Buffer[] = [];
      let kept = 0;
      let truncated = false;
      session.on('data', (_stream: string, data: Buffer) => {
        const room = opts.maxOutput - kept;
        if (data.length > room) truncated = true;
        if (room > 0) {
          chunks.push(data.subarray(0, room));
          kept += Math.min(room, data.length);
        }
      });
      let timedOut = false;
      const kill = () => {
        if (!rec.running || rec.pid <= 0) return;
        try {
          process.kill(rec.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, opts.timeoutMs);
      opts.signal.addEventListener('abort', kill, { once: true });
      if (opts.signal.aborted) kill();
      try {
        await finished;
      } finally {
        clearTimeout(timer);
        opts.signal.removeEventListener('abort', kill);
      }
      return { exitCode: rec.exitCode ?? -1, output: Buffer.concat(chunks), truncated, timedOut };
    } finally {
      // The daemon's own execs are not kept for inspection.
      this.execs.delete(id);
    }
  }

  /** The process an exec runs: the container's own, with the exec's overrides. */
  private async processSpec(containerId: string, cfg: ExecConfig): Promise<ProcessSpec> {
    const spec = await this.d.driver.containerSpec(containerId);
    const base = spec.process;
    const user = cfg.User ? await resolveUserInRoot(spec.root.path, cfg.User) : base.user;
    // As for the container itself: a non-root process keeps the bounding set but no effective caps.
    const bounding = cfg.Privileged ? hostCapabilities() : (base.capabilities?.bounding ?? []);
    const root = user.uid === 0;
    const env = replaceEnv(base.env, cfg.Env ?? []);
    if (cfg.Tty && !env.some((e) => e.startsWith('TERM='))) env.push('TERM=xterm');
    return {
      ...base,
      terminal: cfg.Tty === true,
      args: cfg.Cmd ?? [],
      env,
      cwd: cfg.WorkingDir || base.cwd,
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids ?? [] },
      capabilities: { bounding, effective: root ? bounding : [], permitted: root ? bounding : [], inheritable: [] },
    };
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    const rec = this.get(id);
    if (!rec.running) {
      // The CLI sends the size together with start: keep it for when the process exists.
      rec.pendingSize = { height, width };
      return;
    }
    await this.d.driver.resize({ exec: id }, height, width);
  }

  inspect(id: string) {
    const rec = this.get(id);
    const cmd = rec.config.Cmd ?? [];
    return {
      ID: rec.id,
      Running: rec.running,
      ExitCode: rec.exitCode,
      ProcessConfig: {
        tty: rec.config.Tty === true,
        entrypoint: cmd[0] ?? '',
        arguments: cmd.slice(1),
        privileged: rec.config.Privileged === true,
        ...(rec.config.User && { user: rec.config.User }),
      },
      OpenStdin: rec.config.AttachStdin === true,
      OpenStderr: rec.config.AttachStderr === true,
      OpenStdout: rec.config.AttachStdout === true,
      CanRemove: !rec.running && rec.started,
      ContainerID: rec.containerId,
      DetachKeys: rec.config.DetachKeys ?? '',
      Pid: rec.pid,
    };
  }
}

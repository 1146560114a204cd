import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { spawn } from '../common/command.js';
import { BerthError, cancelled, errnoCode, internal } from '../common/errors.js';
import { cleanMessage, type OciRuntimeCli } from './runc.js';

/**
 * conmon, one per container, is the supervisor that outlives berthd: it runs `runc create`,
 * reaps the container's init, writes its exit code (and an `oom` marker) to files, writes its
 * output to the log, and holds its stdio behind an attach socket. Node cannot be a subreaper or
 * receive a pty fd, so this is the piece that makes exit codes survive a daemon restart.
 */
export interface ConmonOptions {
  conmon: string;
  runtime: OciRuntimeCli;
  id: string;
  name: string;
  /** The OCI bundle (config.json); conmon also puts its attach socket and ctl fifo here. */
  bundle: string;
  exitDir: string;
  socketDir: string;
  logPath: string;
  stdin: boolean;
  leaveStdinOpen?: boolean;
  tty: boolean;
  signal?: AbortSignal;
}

export interface ConmonStarted {
  /** The container's init process (still blocked before exec until the runtime's start). */
  pid: number;
  conmonPid: number;
}

export function conmonArgs(o: ConmonOptions): string[] {
  const args = [
    '--api-version', '1',
    '-c', o.id,
    '-u', o.id,
    '-n', o.name,
    '-r', o.runtime.binary,
    '--runtime-arg', `--root=${o.runtime.root}`,
    '-b', o.bundle,
    '-p', join(o.bundle, 'pidfile'),
    '-P', join(o.bundle, 'conmon.pid'),
    '--exit-dir', o.exitDir,
    '--persist-dir', join(o.bundle, 'persist'),
    '--socket-dir-path', o.socketDir,
    '-l', `k8s-file:${o.logPath}`,
    '--log-level', 'error',
    // The exit path is on the critical path of `run --rm`; the log is flushed by the kernel anyway.
    '--no-sync-log',
  ];
  if (o.stdin) args.push('-i');
  if (o.stdin && o.leaveStdinOpen) args.push('--leave-stdin-open');
  if (o.tty) args.push('-t');
  return args;
}

export interface SyncMessage {
  data: number;
  message?: string;
}

/**
 * The JSON lines conmon writes on its sync (and attach) pipes, read one at a time: for a container
 * the pid; for an exec the pid, then the exit code.
 */
export class SyncReader {
  private buf = '';
  private readonly queue: SyncMessage[] = [];
  private readonly waiters: Array<{ resolve: (m: SyncMessage) => void; reject: (e: Error) => void }> = [];
  private failure?: Error;

  constructor(
    private readonly pipe: Readable,
    private readonly describe: () => string = () => '',
  ) {
    pipe.on('data', (d: Buffer) => this.onData(d));
    pipe.on('end', () => this.onEnd());
    pipe.on('error', () => this.onEnd());
  }

  private onData(d: Buffer): void {
    this.buf += d.toString('utf8');
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line) this.push(line);
    }
  }

  private push(line: string): void {
    let msg: SyncMessage;
    try {
      msg = JSON.parse(line) as SyncMessage;
    } catch {
      return this.fail(internal(`conmon: unexpected sync message ${JSON.stringify(line)}`));
    }
    const w = this.waiters.shift();
    if (w) w.resolve(msg);
    else this.queue.push(msg);
  }

  private onEnd(): void {
    if (this.buf.trim()) this.push(this.buf.trim());
    this.buf = '';
    const detail = this.describe();
    this.fail(internal(`conmon exited without reporting${detail ? `: ${detail}` : ''}`));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
  }

  next(signal?: AbortSignal): Promise<SyncMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const w = { resolve, reject };
      this.waiters.push(w);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(cancelled(signal));
        },
        { once: true },
      );
    });
  }

  close(): void {
    this.pipe.destroy();
  }
}

/**
 * Starts conmon for a container and waits until the runtime has created it. The container's
 * process exists but is blocked until `runtime.start(id)`; by then its attach socket exists, so
 * a client can attach before the first byte of output.
 */
export async function launchConmon(o: ConmonOptions): Promise<ConmonStarted> {
  await mkdir(join(o.bundle, 'persist'), { recursive: true });
  const child = spawn(o.conmon, conmonArgs(o), {
    // conmon also writes its `oom` marker relative to its working directory.
    cwd: o.bundle,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' },
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const spawnError = new Promise<never>((_, reject) => child.once('error', (e) => reject(internal(`cannot run conmon: ${e.message}`, e))));
  spawnError.catch(() => {});
  const sync = child.stdio[3] as Readable;
  const start = child.stdio[4] as Writable;
  child.unref();
  const reader = new SyncReader(sync, () => stderr.trim());
  try {
    start.end('0');
    const msg = await Promise.race([reader.next(o.signal), spawnError]);
    if (msg.data < 0) {
      const detail = cleanMessage(msg.message?.trim() || stderr.trim() || 'container create failed');
      throw new BerthError('internal', `OCI runtime create failed: ${detail}`);
    }
    const conmonPid = Number((await readFile(join(o.bundle, 'conmon.pid'), 'utf8')).trim());
    return { pid: msg.data, conmonPid };
  } finally {
    reader.close();
    start.destroy();
    child.stderr!.destroy();
  }
}

/** The exit code conmon recorded, if the container has exited. */
export async function readExitFile(path: string): Promise<number | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (!/^-?\d+$/.test(text)) return undefined;
    return Number(text);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** conmon writes `<persist>/oom` when the kernel's OOM killer hit the container. */
export async function oomMarked(bundle: string): Promise<boolean> {
  try {
    await readFile(join(bundle, 'persist', 'oom'));
    return true;
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

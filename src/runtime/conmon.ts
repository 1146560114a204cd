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
  if (o.tty) args.push('-t');
  return args;
}

interface SyncMessage {
  data: number;
  message?: string;
}

/** Reads the JSON lines conmon writes on its sync pipe until `want` messages have arrived. */
export function readSyncMessages(pipe: Readable, want: number, signal?: AbortSignal): Promise<SyncMessage[]> {
  return new Promise((resolve, reject) => {
    const got: SyncMessage[] = [];
    let buf = '';
    const finish = (err?: Error) => {
      pipe.off('data', onData);
      pipe.off('end', onEnd);
      pipe.off('error', onEnd);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(got);
    };
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        try {
          got.push(JSON.parse(line) as SyncMessage);
        } catch {
          return finish(internal(`conmon: unexpected sync message ${JSON.stringify(line)}`));
        }
        if (got.length >= want || (got.at(-1)?.data ?? 0) < 0) return finish();
      }
    };
    const onEnd = () => {
      const tail = buf.trim();
      if (tail) {
        try {
          got.push(JSON.parse(tail) as SyncMessage);
        } catch {
          // fall through
        }
      }
      if (got.length > 0) finish();
      else finish(internal('conmon exited without reporting the container pid'));
    };
    const onAbort = () => finish(cancelled(signal));
    pipe.on('data', onData);
    pipe.on('end', onEnd);
    pipe.on('error', onEnd);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
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
  try {
    start.end('0');
    const [msg] = await Promise.race([readSyncMessages(sync, 1, o.signal), spawnError]);
    if (!msg || msg.data < 0) {
      const detail = cleanMessage(msg?.message?.trim() || stderr.trim() || 'container create failed');
      throw new BerthError('internal', `OCI runtime create failed: ${detail}`);
    }
    const conmonPid = Number((await readFile(join(o.bundle, 'conmon.pid'), 'utf8')).trim());
    return { pid: msg.data, conmonPid };
  } finally {
    sync.destroy();
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

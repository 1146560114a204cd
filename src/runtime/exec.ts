import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { spawn } from '../common/command.js';
import { internal } from '../common/errors.js';
import type { ProcessSpec } from '../oci/runtime-spec.js';
import { SyncReader } from './conmon.js';
import { cleanMessage, type OciRuntimeCli } from './runc.js';

/**
 * A process started in a running container through conmon (`conmon --exec`), which runs the
 * runtime's exec, reaps the process and reports its exit code on the sync pipe: first the pid, then
 * the exit status. With `attach`, conmon opens an attach socket first and waits for a second byte
 * on the start pipe, so the caller can connect before the process produces any output.
 */
export interface ExecLaunchOptions {
  conmon: string;
  runtime: OciRuntimeCli;
  containerId: string;
  execId: string;
  /** A directory of the exec's own (conmon puts its attach socket and ctl fifo here). */
  dir: string;
  socketDir: string;
  process: ProcessSpec;
  stdin: boolean;
  tty: boolean;
  attach: boolean;
  /** Called once the attach socket exists and before the process runs (attach mode only). */
  beforeStart?: () => Promise<void>;
}

export interface ExecHandle {
  pid: number;
  /** Resolves with the exit code (or rejects if conmon could not report one). */
  exited: Promise<number>;
}

export class ExecStartError extends Error {
  constructor(readonly detail: string) {
    super(detail);
  }
}

export async function launchExec(o: ExecLaunchOptions): Promise<ExecHandle> {
  await rm(o.dir, { recursive: true, force: true });
  await mkdir(join(o.dir, 'exits'), { recursive: true, mode: 0o700 });
  await writeFile(join(o.dir, 'process.json'), JSON.stringify(o.process));
  const args = [
    '--api-version', '1',
    '-c', o.containerId,
    '-u', o.execId,
    '-n', o.execId,
    '-r', o.runtime.binary,
    '--runtime-arg', `--root=${o.runtime.root}`,
    '-b', o.dir,
    '-p', join(o.dir, 'pid'),
    // A directory of its own: conmon writes `persist/exit` and `exits/<container id>` there.
    '--persist-dir', join(o.dir, 'persist'),
    '--exit-dir', join(o.dir, 'exits'),
    '--socket-dir-path', o.socketDir,
    '-l', `k8s-file:${join(o.dir, 'log')}`,
    '--log-level', 'error',
    '--no-sync-log',
    '--exec',
    '--exec-process-spec', join(o.dir, 'process.json'),
  ];
  if (o.stdin) args.push('-i');
  if (o.tty) args.push('-t');
  if (o.attach) args.push('--exec-attach');
  await mkdir(join(o.dir, 'persist'), { recursive: true });
  const child = spawn(o.conmon, args, {
    cwd: o.dir,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', o.attach ? 'pipe' : 'ignore'],
    env: { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', ...(o.attach && { _OCI_ATTACHPIPE: '5' }) },
    detached: true,
  });
  child.unref();
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const sync = new SyncReader(child.stdio[3] as Readable, () => stderr.trim());
  const start = child.stdio[4] as Writable;
  const spawnError = new Promise<never>((_, reject) => child.once('error', (e) => reject(internal(`cannot run conmon: ${e.message}`, e))));
  spawnError.catch(() => {});
  try {
    if (o.attach) {
      start.write('0');
      const attachPipe = new SyncReader((child.stdio as unknown as Readable[])[5]!, () => stderr.trim());
      const ready = await Promise.race([attachPipe.next(), spawnError]);
      attachPipe.close();
      if (ready.data < 0) throw new ExecStartError(cleanMessage(ready.message ?? (stderr.trim() || 'exec attach failed')));
      await o.beforeStart?.();
    }
    start.end('0');
    const first = await Promise.race([sync.next(), spawnError]);
    if (first.data < 0) throw new ExecStartError(cleanMessage(first.message?.trim() || stderr.trim() || 'exec failed'));
    const exited = sync.next().then(
      (m) => {
        sync.close();
        return m.data;
      },
      (err: unknown) => {
        sync.close();
        throw err;
      },
    );
    exited.catch(() => {});
    return { pid: first.data, exited };
  } catch (err) {
    sync.close();
    start.destroy();
    child.kill('SIGKILL');
    throw err;
  }
}

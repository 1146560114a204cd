import { spawn, type SpawnOptions } from 'node:child_process';
import { cancelled, internal } from './errors.js';

/**
 * The one place berth runs host programs (mount, runc, mknod, CNI plugins). Node has no mount(2),
 * setns(2) or mknod(2); these helpers keep the spawning in one module so every host effect can be
 * found, logged and cancelled the same way.
 */
export interface CommandResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Uint8Array;
  signal?: AbortSignal;
}

export function runCommand(file: string, args: readonly string[], opts: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(cancelled(opts.signal));
    const spawnOpts: SpawnOptions = {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    };
    if (opts.signal) spawnOpts.signal = opts.signal;
    const child = spawn(file, args, spawnOpts);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => {
      if (opts.signal?.aborted) reject(cancelled(opts.signal));
      else reject(internal(`cannot run ${file}: ${e.message}`, e));
    });
    child.on('close', (code, signal) => {
      resolve({
        code: code ?? -1,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs a command that must succeed; its trimmed stderr becomes the error message otherwise. */
export async function runChecked(file: string, args: readonly string[], opts: CommandOptions = {}): Promise<string> {
  const r = await runCommand(file, args, opts);
  if (r.code !== 0) {
    const detail = (r.stderr.trim() || r.stdout.trim() || `exit status ${r.code}`).split('\n').slice(-3).join('; ');
    throw internal(`${file.split('/').pop()} ${args[0] ?? ''}: ${detail}`);
  }
  return r.stdout;
}

export { spawn };

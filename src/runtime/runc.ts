import { runCommand } from '../common/command.js';
import { BerthError, internal } from '../common/errors.js';

export interface RuntimeState {
  id: string;
  status: 'created' | 'running' | 'paused' | 'stopped' | 'creating';
  pid: number;
  bundle: string;
}

/**
 * A thin, stateless wrapper over an OCI runtime's command line (runc, or crun, which takes the same
 * commands). It never decides whether "already stopped" is an error: it reports what the runtime
 * said, and the engine's state machine decides.
 */
export class OciRuntimeCli {
  constructor(
    readonly name: string,
    readonly binary: string,
    readonly root: string,
  ) {}

  private async run(args: string[], what: string): Promise<string> {
    const r = await runCommand(this.binary, ['--root', this.root, ...args]);
    if (r.code !== 0) {
      const msg = (r.stderr || r.stdout).trim().split('\n').pop() ?? '';
      throw new BerthError(/does not exist|not exist/.test(msg) ? 'not-found' : 'internal', `${this.name} ${what}: ${cleanMessage(msg) || `exit ${r.code}`}`);
    }
    return r.stdout;
  }

  async start(id: string): Promise<void> {
    await this.run(['start', id], 'start');
  }

  async kill(id: string, signal: number, all = false): Promise<void> {
    await this.run(['kill', ...(all ? ['--all'] : []), id, String(signal)], 'kill');
  }

  async delete(id: string, force = false): Promise<void> {
    await this.run(['delete', ...(force ? ['--force'] : []), id], 'delete');
  }

  async pause(id: string): Promise<void> {
    await this.run(['pause', id], 'pause');
  }

  async resume(id: string): Promise<void> {
    await this.run(['resume', id], 'resume');
  }

  async state(id: string): Promise<RuntimeState | undefined> {
    const r = await runCommand(this.binary, ['--root', this.root, 'state', id]);
    if (r.code !== 0) {
      if (/does not exist|not exist|no such file/i.test(r.stderr)) return undefined;
      throw internal(`${this.name} state: ${cleanMessage(r.stderr.trim())}`);
    }
    return JSON.parse(r.stdout) as RuntimeState;
  }

  async ps(id: string): Promise<number[]> {
    const out = await this.run(['ps', '--format', 'json', id], 'ps');
    return JSON.parse(out) as number[];
  }

  async version(): Promise<string> {
    const r = await runCommand(this.binary, ['--version']);
    return /version\s+(\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
  }
}

/** runc logs as logfmt (`time=… level=error msg="…"`); users want just the message. */
export function cleanMessage(line: string): string {
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
  if (m) return m[1]!.replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  return line;
}

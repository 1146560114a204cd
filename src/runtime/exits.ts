import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readExitFile } from './conmon.js';

/**
 * The daemon-wide exit feed: conmon writes `<exit-dir>/<container id>` with the exit code when a
 * container's init dies. One inotify watch on that directory tells berthd about every exit, and a
 * scan at startup finds the exits that happened while it was down.
 *
 * Emits 'exit' (id: string, code: number) once per exit file; the consumer calls consume(id) when
 * it has recorded the exit, which removes the file.
 */
export class ExitWatcher extends EventEmitter {
  private watcher?: FSWatcher;
  private readonly reported = new Set<string>();

  constructor(readonly dir: string) {
    super();
  }

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.watcher = watch(this.dir, (_event, name) => {
      if (name) void this.check(String(name));
    });
    this.watcher.on('error', (err) => this.emit('error', err));
  }

  /** Reports exit files already present (exits that happened while nobody watched). */
  async scan(): Promise<void> {
    for (const name of await readdir(this.dir)) await this.check(name);
  }

  stop(): void {
    this.watcher?.close();
  }

  path(id: string): string {
    return join(this.dir, id);
  }

  async check(id: string): Promise<void> {
    if (!/^[a-f0-9]{64}$/.test(id) || this.reported.has(id)) return;
    const code = await readExitFile(join(this.dir, id)).catch(() => undefined);
    if (code === undefined || this.reported.has(id)) return;
    this.reported.add(id);
    this.emit('exit', id, code);
  }

  /** Forget an exit once it is recorded, so the next run of the same container is seen again. */
  async consume(id: string): Promise<void> {
    await rm(join(this.dir, id), { force: true });
    this.reported.delete(id);
  }
}

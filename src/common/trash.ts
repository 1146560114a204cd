import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from './errors.js';

/**
 * Deleting a directory tree takes time proportional to its size; making it disappear does not. A
 * Trash renames the tree into its own directory (atomic, on the same file system) and deletes it in
 * the background, so `rm` answers as soon as the object is gone from view. Whatever a crash leaves
 * in the trash is deleted by the next sweep().
 */
export class Trash {
  private readonly pending = new Set<Promise<void>>();

  constructor(readonly dir: string) {}

  async discard(path: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = join(this.dir, randomBytes(8).toString('hex'));
    try {
      await rename(path, target);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    const p: Promise<void> = rm(target, { recursive: true, force: true })
      .catch(() => {})
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async sweep(): Promise<void> {
    let names: string[] = [];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    await Promise.all(names.map((n) => rm(join(this.dir, n), { recursive: true, force: true })));
  }

  async drain(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}

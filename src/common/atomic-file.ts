import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { errnoCode, internal } from './errors.js';

/**
 * The only way berth writes a state file: write a temp file beside the target, fsync it, rename it
 * over the target, then fsync the directory so the rename itself survives a crash. A reader sees
 * either the old content or the new one, never a torn file.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600, durable = true): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(data);
    if (durable) await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  if (durable) await syncDir(dirname(path));
}

export async function syncDir(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/**
 * `durable: false` keeps the write atomic (temp file + rename: a killed process never leaves a
 * torn file) but skips the fsyncs, for state that a power loss makes moot anyway, such as whether
 * a container is running.
 */
export async function writeJsonAtomic(path: string, value: unknown, opts: { durable?: boolean } = {}): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value), 0o600, opts.durable ?? true);
}

/** Reads a JSON state file; undefined when it does not exist. A corrupt file is an internal error. */
export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw internal(`corrupt state file ${path}`, err);
  }
}

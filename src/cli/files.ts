import type { ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { errnoCode } from '../common/errors.js';

/** The strerror texts Go prints, for the errno codes a user can cause with a path. */
const errnoText: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file exists',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
};

/** A file-system error worded as Go words it (`open x.tar: no such file or directory`), as docker shows it. */
export function fsError(err: unknown, op: string, path: string): Error {
  const code = errnoCode(err);
  const text = code ? errnoText[code] : undefined;
  return new Error(text ? `${op} ${path}: ${text}` : `${op} ${path}: ${(err as Error).message}`);
}

/** Opens a file for reading, failing early (before any request) with docker's wording. */
export async function openInput(path: string): Promise<ReadStream> {
  try {
    const handle = await open(path, 'r');
    return handle.createReadStream();
  } catch (err) {
    throw fsError(err, 'open', path);
  }
}

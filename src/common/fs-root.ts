import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { errnoCode, invalidArgument } from './errors.js';

const maxSymlinks = 255;

/**
 * Resolves `path` as if `root` were `/`: every symlink met on the way is followed relative to `root`,
 * and `..` never climbs above it. This is how berth reads a container's or a layer's files from the
 * host (an image's /etc/passwd, a layer entry below a symlinked directory) without ever being led
 * outside: a link to `/etc` or `../../..` lands inside `root`.
 *
 * Missing components are allowed; the result is where the path would be. Only directories that no
 * other process can change while we look are safe to resolve this way (an unmounted layer, a
 * container rootfs we hold): the result is a plain path, checked once.
 */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  const parts = splitPath(path);
  const resolved: string[] = [];
  let links = 0;
  while (parts.length > 0) {
    const part = parts.shift()!;
    if (part === '.' || part === '') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = posix.join(root, ...resolved, part);
    let isLink = false;
    try {
      isLink = (await lstat(candidate)).isSymbolicLink();
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTDIR') throw err;
    }
    if (!isLink) {
      resolved.push(part);
      continue;
    }
    if (++links > maxSymlinks) throw invalidArgument(`too many levels of symbolic links resolving ${path}`);
    const target = await readlink(candidate);
    if (target.startsWith('/')) resolved.length = 0;
    parts.unshift(...splitPath(target));
  }
  return posix.join(root, ...resolved);
}

function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s !== '');
}

/**
 * Cleans a path taken from an archive entry or a request to a relative path that stays below its
 * root. Returns undefined for paths that would climb out (`../x`, `a/../../x`): callers reject those
 * rather than silently rewrite them.
 */
export function confinedRelativePath(name: string): string | undefined {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out.join('/');
}

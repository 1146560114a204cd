/**
 * The path rules of `docker cp` (docker/cli cp.go and moby/go-archive copy.go): Go's filepath
 * cleaning, and the meaning a trailing `/` or `/.` gives a path ("must be a directory", "its
 * contents, not itself"). Pure functions, so each rule can be checked on its own.
 */

/** Go's filepath.Clean: no `.`/`..` segments, no doubled or trailing slash; "" is ".". */
export function clean(p: string): string {
  if (p === '') return '.';
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const joined = out.join('/');
  return abs ? `/${joined}` : joined || '.';
}

/** Go's filepath.Base. */
export function base(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Go's filepath.Dir. */
export function dir(p: string): string {
  return clean(p.slice(0, p.lastIndexOf('/') + 1));
}

/** Go's filepath.Join: empty elements dropped, the result cleaned. */
export function join(...parts: string[]): string {
  const kept = parts.filter((s) => s !== '');
  return kept.length ? clean(kept.join('/')) : '';
}

export function isAbs(p: string): boolean {
  return p.startsWith('/');
}

export function hasTrailingSeparator(p: string): boolean {
  return p.endsWith('/');
}

/** The last segment is `.`: "the contents of this directory". */
export function specifiesCurrentDir(p: string): boolean {
  return base(p) === '.';
}

/** A trailing `/` or `/.` asserts that the path is a directory. */
export function assertsDirectory(p: string): boolean {
  return hasTrailingSeparator(p) || specifiesCurrentDir(p);
}

/** Puts back the trailing `/.` or `/` that cleaning removed from `original`. */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  let out = cleaned;
  if (!specifiesCurrentDir(out) && specifiesCurrentDir(original)) {
    if (!hasTrailingSeparator(out)) out += '/';
    out += '.';
  }
  if (!hasTrailingSeparator(out) && hasTrailingSeparator(original)) out += '/';
  return out;
}

/** Directory and entry of a path, keeping a final `.` as the entry. */
export function splitPathDirEntry(p: string): { dir: string; base: string } {
  let cleaned = clean(p);
  if (specifiesCurrentDir(p)) cleaned += '/.';
  return { dir: dir(cleaned), base: base(cleaned) };
}

/** An absolute local path that keeps what its trailing characters asserted. */
export function resolveLocalPath(p: string, cwd: string): string {
  const abs = isAbs(p) ? clean(p) : join(cwd, p);
  return preserveTrailingDotOrSeparator(abs, p);
}

/**
 * A link target carrying over the trailing `/.` or `/` of the path that named it, and the name the
 * archived entry must take when following the link changed the last segment.
 */
export function getRebaseName(path: string, resolved: string): { resolved: string; rebaseName: string } {
  let out = resolved;
  if (specifiesCurrentDir(path) && !specifiesCurrentDir(out)) out += '/.';
  if (hasTrailingSeparator(path) && !hasTrailingSeparator(out)) out += '/';
  return { resolved: out, rebaseName: base(path) !== base(out) ? base(path) : '' };
}

/**
 * `CONTAINER:PATH` or a local path. A local path containing `:` must be written so that it cannot be
 * read as a container (`./a:b`, `/x/a:b`).
 */
export function splitCpArg(arg: string): { container: string; path: string } {
  if (isAbs(arg)) return { container: '', path: arg };
  const colon = arg.indexOf(':');
  if (colon < 0 || arg.startsWith('.')) return { container: '', path: arg };
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

/** What a copy knows about one end: where, whether it exists, whether it is a directory. */
export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  rebaseName: string;
}

export type CopyPlan =
  | { error: string }
  | {
      /** The directory the archive is extracted into. */
      dstDir: string;
      /** Rename the archive's first path segment from → to (undefined: extract as is). */
      rebase?: { from: string; to: string };
    };

/** go-archive's PrepareArchiveCopy: where to extract, and how the archive's entries must be renamed. */
export function prepareArchiveCopy(src: CopyInfo, dst: CopyInfo): CopyPlan {
  const { dir: dstDir, base: dstBase } = splitPathDirEntry(dst.path);
  let srcBase = splitPathDirEntry(src.path).base;
  if (dst.exists && dst.isDir) return { dstDir: dst.path };
  if (dst.exists && src.isDir) return { error: 'cannot copy directory' };
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path)) return { error: 'no such directory' };
  if (src.rebaseName !== '') srcBase = src.rebaseName;
  return { dstDir, rebase: { from: srcBase, to: dstBase } };
}

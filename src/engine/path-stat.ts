import { constants as fsc, type BigIntStats } from 'node:fs';
import { formatRfc3339Nano } from '../common/time.js';
import { goMode, type PathStat } from '../oci/path-stat.js';

export { goMode, hasGoMode, type PathStat } from '../oci/path-stat.js';

/**
 * Go's fillFileStatFromSys: a Linux st_mode as an os.FileMode. Sums, not `|`: JavaScript's bitwise
 * operators are signed 32-bit and would turn the directory bit negative.
 */
export function goFileMode(stMode: number): number {
  let m = stMode & 0o777;
  switch (stMode & fsc.S_IFMT) {
    case fsc.S_IFBLK:
      m += goMode.device;
      break;
    case fsc.S_IFCHR:
      m += goMode.device + goMode.charDevice;
      break;
    case fsc.S_IFDIR:
      m += goMode.dir;
      break;
    case fsc.S_IFIFO:
      m += goMode.namedPipe;
      break;
    case fsc.S_IFLNK:
      m += goMode.symlink;
      break;
    case fsc.S_IFSOCK:
      m += goMode.socket;
      break;
  }
  if (stMode & 0o2000) m += goMode.setgid;
  if (stMode & 0o4000) m += goMode.setuid;
  if (stMode & 0o1000) m += goMode.sticky;
  return m;
}

/** Go prints mtime in the daemon's local zone; berthd reports UTC, as dockerd on a UTC host does. */
export function pathStat(name: string, st: BigIntStats, linkTarget = ''): PathStat {
  return { name, size: Number(st.size), mode: goFileMode(Number(st.mode)), mtime: formatRfc3339Nano(st.mtimeNs), linkTarget };
}

/** The header value: base64 of the JSON, keys in Docker's order. */
export function encodePathStat(s: PathStat): string {
  return Buffer.from(JSON.stringify({ name: s.name, size: s.size, mode: s.mode, mtime: s.mtime, linkTarget: s.linkTarget })).toString('base64');
}

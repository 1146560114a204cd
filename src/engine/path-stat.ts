import { constants as fsc, type BigIntStats } from 'node:fs';
import { formatRfc3339Nano } from '../common/time.js';

/**
 * The stat Docker sends in `X-Docker-Container-Path-Stat` (container.PathStat): the mode is a Go
 * os.FileMode, whose type bits are not the kernel's, and the time is Go's JSON form of a time.
 */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** Go's os.FileMode bits, by name (io/fs). */
export const goMode = {
  dir: 2 ** 31,
  append: 2 ** 30,
  exclusive: 2 ** 29,
  temporary: 2 ** 28,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
  irregular: 2 ** 19,
} as const;

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

/** Whether a Go os.FileMode has a bit (safe for the high bits). */
export function hasGoMode(mode: number, bit: number): boolean {
  return Math.floor(mode / bit) % 2 === 1;
}

/** Go prints mtime in the daemon's local zone; berthd reports UTC, as dockerd on a UTC host does. */
export function pathStat(name: string, st: BigIntStats, linkTarget = ''): PathStat {
  return { name, size: Number(st.size), mode: goFileMode(Number(st.mode)), mtime: formatRfc3339Nano(st.mtimeNs), linkTarget };
}

/** The header value: base64 of the JSON, keys in Docker's order. */
export function encodePathStat(s: PathStat): string {
  return Buffer.from(JSON.stringify({ name: s.name, size: s.size, mode: s.mode, mtime: s.mtime, linkTarget: s.linkTarget })).toString('base64');
}

/** Docker's stat of a path in a container, shared by the daemon that sends it and the clients that read it. */

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

/** Whether a Go os.FileMode has a bit (safe for the high bits). */
export function hasGoMode(mode: number, bit: number): boolean {
  return Math.floor(mode / bit) % 2 === 1;
}

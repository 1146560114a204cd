import { readFile } from 'node:fs/promises';
import { runCommand } from '../common/command.js';
import { internal } from '../common/errors.js';
import { errnoOf, MNT_DETACH, syscalls } from '../common/syscalls.js';

/** One line of /proc/self/mountinfo, the fields berth uses. */
export interface MountInfo {
  mountPoint: string;
  fsType: string;
  source: string;
  options: string;
}

function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    out.push({
      mountPoint: unescapeMountField(left[4] ?? ''),
      fsType: right[0] ?? '',
      source: unescapeMountField(right[1] ?? ''),
      options: right[2] ?? '',
    });
  }
  return out;
}

export async function readMounts(): Promise<MountInfo[]> {
  return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await readMounts()).some((m) => m.mountPoint === path);
}

/** Mount points at or below `prefix`, deepest first (the order to unmount them in). */
export async function mountsUnder(prefix: string): Promise<string[]> {
  const p = prefix.endsWith('/') ? prefix : prefix + '/';
  return (await readMounts())
    .map((m) => m.mountPoint)
    .filter((m) => m === prefix || m.startsWith(p))
    .sort((a, b) => b.length - a.length);
}

/** Makes the overlay path options absolute, so mount(2) does not depend on the process's cwd. */
function absolutiseOverlayOptions(options: string, cwd: string): string {
  return options
    .split(',')
    .map((opt) => {
      const eq = opt.indexOf('=');
      const key = opt.slice(0, eq);
      if (eq < 0 || !['lowerdir', 'upperdir', 'workdir'].includes(key)) return opt;
      const abs = opt
        .slice(eq + 1)
        .split(':')
        .map((p) => (p.startsWith('/') ? p : `${cwd}/${p}`))
        .join(':');
      return `${key}=${abs}`;
    })
    .join(',');
}

/** The kernel takes at most one page of mount options. */
const maxOptions = 4095;

export async function mount(
  fsType: string,
  source: string,
  target: string,
  options: string,
  cwd?: string,
): Promise<void> {
  if (syscalls) {
    const data = cwd ? absolutiseOverlayOptions(options, cwd) : options;
    if (data.length <= maxOptions) {
      try {
        await syscalls.mount(source, target, fsType, 0, data);
        return;
      } catch (err) {
        throw internal(`mount ${fsType} on ${target}: ${(err as Error).message}`);
      }
    }
  }
  // Long layer chains: mount(8) run in the overlay root takes relative paths, which fit in a page.
  const r = await runCommand('mount', ['-t', fsType, '-o', options, source, target], cwd ? { cwd } : {});
  if (r.code !== 0) throw internal(`mount ${fsType} on ${target}: ${r.stderr.trim() || `exit ${r.code}`}`);
}

const EINVAL = 22;
const ENOENT = 2;
const EBUSY = 16;

/**
 * Unmounts `target`; a busy mount is detached lazily rather than leaked, and an already unmounted
 * target is not an error (cleanup must be idempotent after a crash).
 */
export async function unmount(target: string): Promise<void> {
  if (syscalls) {
    // EINVAL tells "not mounted" without reading the whole mount table first.
    try {
      await syscalls.umount(target, 0);
      return;
    } catch (err) {
      const e = errnoOf(err);
      if (e === EINVAL || e === ENOENT) return;
      if (e !== EBUSY) throw internal(`umount ${target}: ${(err as Error).message}`);
      await syscalls.umount(target, MNT_DETACH);
      return;
    }
  }
  if (!(await isMountPoint(target))) return;
  const r = await runCommand('umount', [target]);
  if (r.code === 0) return;
  if (/not mounted|no mount point|mountpoint not found/i.test(r.stderr)) return;
  if (!(await isMountPoint(target))) return;
  const lazy = await runCommand('umount', ['-l', target]);
  if (lazy.code !== 0 && (await isMountPoint(target))) {
    throw internal(`umount ${target}: ${lazy.stderr.trim() || r.stderr.trim()}`);
  }
}

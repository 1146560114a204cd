import { readFile } from 'node:fs/promises';
import { runCommand } from '../common/command.js';
import { internal } from '../common/errors.js';

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

export async function mount(
  fsType: string,
  source: string,
  target: string,
  options: string,
  cwd?: string,
): Promise<void> {
  const r = await runCommand('mount', ['-t', fsType, '-o', options, source, target], cwd ? { cwd } : {});
  if (r.code !== 0) throw internal(`mount ${fsType} on ${target}: ${r.stderr.trim() || `exit ${r.code}`}`);
}

/**
 * Unmounts `target`; a busy mount is detached lazily rather than leaked, and an already unmounted
 * target is not an error (cleanup must be idempotent after a crash).
 */
export async function unmount(target: string): Promise<void> {
  const r = await runCommand('umount', [target]);
  if (r.code === 0) return;
  if (/not mounted|no mount point|mountpoint not found/i.test(r.stderr)) return;
  if (!(await isMountPoint(target))) return;
  const lazy = await runCommand('umount', ['-l', target]);
  if (lazy.code !== 0 && (await isMountPoint(target))) {
    throw internal(`umount ${target}: ${lazy.stderr.trim() || r.stderr.trim()}`);
  }
}

import { readFile } from 'node:fs/promises';
import { syscalls } from '../common/syscalls.js';

/**
 * Moving a process into a cgroup (what the runtime does on every container start and every exec)
 * takes the kernel's global cgroup_threadgroup_rwsem for writing. In its default fast mode that
 * waits for an RCU grace period: about 25 ms per start or exec on this kind of machine, the largest
 * single cost of `docker exec` (measured with strace: one write to cgroup.procs). The cgroup mount
 * option `favordynmods` (Linux 6.0+) keeps the lock in its slow mode for good, so migrations cost
 * microseconds, at the price of a few atomic operations on fork and exit. The lock is global, so one
 * hierarchy set this way speeds up all of them.
 */

export interface MountEntry {
  target: string;
  /** Per-mount options (`rw,nosuid,nodev,noexec,relatime`). */
  mountOptions: string[];
  fstype: string;
  /** Superblock options (`rw,nsdelegate` for cgroup2, `rw,cpu` for a v1 hierarchy). */
  superOptions: string[];
}

const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(' ');
    const right = line.slice(dash + 3).split(' ');
    out.push({ target: unescape(left[4] ?? ''), mountOptions: (left[5] ?? '').split(','), fstype: right[0] ?? '', superOptions: (right[2] ?? '').split(',') });
  }
  return out;
}

const mountFlagBits: Record<string, number> = {
  ro: 1,
  nosuid: 2,
  nodev: 4,
  noexec: 8,
  noatime: 1024,
  nodiratime: 2048,
  relatime: 1 << 21,
  strictatime: 1 << 24,
};
const MS_REMOUNT = 32;

/**
 * The remount that turns favordynmods on for one cgroup mount, keeping everything else: a remount
 * replaces the per-mount flags and (for cgroup2) the superblock options with what it is given.
 */
export function favorDynmodsRemount(m: MountEntry): { flags: number; data: string } {
  let flags = MS_REMOUNT;
  for (const o of m.mountOptions) flags |= mountFlagBits[o] ?? 0;
  const data = [...m.superOptions.filter((o) => o !== 'rw' && o !== 'ro'), 'favordynmods'].join(',');
  return { flags, data };
}

/**
 * The cgroup mount to set favordynmods on: the cgroup2 one if there is one (hybrid or unified
 * hosts), else the first v1 hierarchy. Undefined when one already has it.
 */
export function favorDynmodsTarget(mounts: MountEntry[]): MountEntry | undefined {
  const cgroups = mounts.filter((m) => m.fstype === 'cgroup2' || m.fstype === 'cgroup');
  if (cgroups.some((m) => m.superOptions.includes('favordynmods'))) return undefined;
  return cgroups.find((m) => m.fstype === 'cgroup2') ?? cgroups[0];
}

/** Turns favordynmods on; resolves to what was done, for the log. Never throws: this is tuning. */
export async function favorDynamicCgroupMigrations(mountinfo = '/proc/self/mountinfo'): Promise<{ changed?: string; error?: string }> {
  try {
    const target = favorDynmodsTarget(parseMountInfo(await readFile(mountinfo, 'utf8')));
    if (!target) return {};
    if (!syscalls) return { error: 'the native addon is not built' };
    const { flags, data } = favorDynmodsRemount(target);
    await syscalls.mount('none', target.target, '', flags, data);
    return { changed: target.target };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

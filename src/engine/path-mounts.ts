import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerRecord } from './container-record.js';
import { sortByDepth } from './mount-points.js';
import type { MountPoint } from './path-view.js';

/**
 * The mounts a copy in or out of a container goes through, as dockerd's setupMounts lists them:
 * volumes and host-path binds sorted by depth, then the network files berth writes per container
 * (hostname, hosts, resolv.conf) once it has started. tmpfs mounts exist only inside a running
 * container's mount namespace: a copy sees the directory under them, as from the host.
 */
export async function containerMounts(rec: Pick<ContainerRecord, 'hostConfig' | 'mounts'>, containerDir: string, volumePath: (name: string) => string): Promise<MountPoint[]> {
  const shown: MountPoint[] = [];
  for (const m of sortByDepth(rec.mounts ?? [])) {
    if (m.type === 'bind') shown.push({ source: m.source, destination: m.destination, writable: m.rw });
    else if (m.type === 'volume' && m.name) shown.push({ source: volumePath(m.name), destination: m.destination, writable: m.rw });
  }
  const network: MountPoint[] = [];
  for (const [file, destination] of [
    ['resolv.conf', '/etc/resolv.conf'],
    ['hostname', '/etc/hostname'],
    ['hosts', '/etc/hosts'],
  ] as const) {
    if (shown.some((m) => m.destination === destination)) continue;
    const source = join(containerDir, file);
    const exists = await lstat(source).then((s) => s.isFile(), () => false);
    if (exists) network.push({ source, destination, writable: !rec.hostConfig.ReadonlyRootfs });
  }
  return [...shown, ...network];
}

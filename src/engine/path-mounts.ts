import { lstat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { HostConfig } from '../oci/container-config.js';
import type { MountPoint } from './path-view.js';

/**
 * The mounts a copy in or out of a container goes through, as dockerd's setupMounts lists them:
 * host-path binds (`-v /host:/ctr[:ro]`, `--mount type=bind`) sorted by depth, then the network
 * files berth writes per container (hostname, hosts, resolv.conf) once it has started. Named
 * volumes are not listed: berth has no volume store yet, so no container can have one.
 */
export async function containerMounts(hc: Pick<HostConfig, 'Binds' | 'Mounts' | 'ReadonlyRootfs'>, containerDir: string): Promise<MountPoint[]> {
  const binds: MountPoint[] = [];
  for (const b of hc.Binds ?? []) {
    const m = parseBind(b);
    if (m) binds.push(m);
  }
  for (const m of hc.Mounts ?? []) {
    if (m.Type === 'bind' && m.Source && posix.isAbsolute(m.Source)) {
      binds.push({ source: m.Source, destination: posix.normalize(m.Target), writable: !m.ReadOnly });
    }
  }
  binds.sort((a, b) => depth(a.destination) - depth(b.destination));
  const network: MountPoint[] = [];
  for (const [file, destination] of [
    ['resolv.conf', '/etc/resolv.conf'],
    ['hostname', '/etc/hostname'],
    ['hosts', '/etc/hosts'],
  ] as const) {
    const source = join(containerDir, file);
    const exists = await lstat(source).then((s) => s.isFile(), () => false);
    if (exists) network.push({ source, destination, writable: !hc.ReadonlyRootfs });
  }
  return [...binds, ...network];
}

function depth(p: string): number {
  return p.split('/').filter(Boolean).length;
}

/** `/host/path:/container/path[:opts]`; a named volume (no leading `/`) gives undefined. */
export function parseBind(spec: string): MountPoint | undefined {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) return undefined;
  const [source, destination, opts = ''] = parts as [string, string, string?];
  if (!posix.isAbsolute(source) || !posix.isAbsolute(destination)) return undefined;
  const readOnly = opts.split(',').includes('ro');
  return { source: posix.normalize(source), destination: posix.normalize(destination), writable: !readOnly };
}

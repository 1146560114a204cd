import type { Port } from '../../api/types/index.js';

/**
 * The PORTS column of `docker ps`: published ports as `0.0.0.0:8080->80/tcp` (IPv6 addresses in
 * brackets), and runs of consecutive ports with the same address and protocol folded into ranges
 * (`7000-7002/tcp`, `0.0.0.0:7000-7001->7000-7001/tcp`).
 */
export function displayablePorts(ports: readonly Port[]): string {
  const sorted = [...ports].sort(comparePorts);
  const ranges = new Map<string, { first: number; last: number }>();
  const out: string[] = [];
  const remapped: string[] = [];
  for (const p of sorted) {
    const publicPort = p.PublicPort ?? 0;
    let key = p.Type;
    if (p.IP) {
      // A port published under another number cannot be folded: it is listed on its own, at the end.
      if (publicPort !== p.PrivatePort) {
        remapped.push(`${hostPort(p.IP, publicPort)}->${p.PrivatePort}/${p.Type}`);
        continue;
      }
      key = `${p.IP}/${p.Type}`;
    }
    const range = ranges.get(key);
    if (range && p.PrivatePort === range.last + 1) {
      range.last = p.PrivatePort;
      continue;
    }
    // A finished range is reported at once; the open ones follow in the order their keys appeared.
    if (range) out.push(rangeText(key, range.first, range.last));
    ranges.set(key, { first: p.PrivatePort, last: p.PrivatePort });
  }
  for (const [key, r] of ranges) out.push(rangeText(key, r.first, r.last));
  return [...out, ...remapped].join(', ');
}

function comparePorts(a: Port, b: Port): number {
  if (a.PrivatePort !== b.PrivatePort) return a.PrivatePort - b.PrivatePort;
  const aIp = a.IP ?? '';
  const bIp = b.IP ?? '';
  if (aIp !== bIp) return aIp < bIp ? -1 : 1;
  const aPub = a.PublicPort ?? 0;
  const bPub = b.PublicPort ?? 0;
  if (aPub !== bPub) return aPub - bPub;
  return a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0;
}

function hostPort(ip: string, port: number | string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function rangeText(key: string, first: number, last: number): string {
  const slash = key.lastIndexOf('/');
  const ip = slash >= 0 ? key.slice(0, slash) : '';
  const proto = slash >= 0 ? key.slice(slash + 1) : key;
  let group = first === last ? `${first}` : `${first}-${last}`;
  if (ip) group = `${hostPort(ip, group)}->${group}`;
  return `${group}/${proto}`;
}

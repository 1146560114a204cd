import { readFileSync } from 'node:fs';
import { invalidArgument } from '../common/errors.js';

/** The 14 capabilities a Docker container gets by default. */
export const defaultCapabilities: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability, in kernel bit order (include/uapi/linux/capability.h). */
const allCapabilityNames: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT',
  'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN',
  'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/**
 * The capabilities this host can grant: those in our own bounding set. A container asking for one
 * we lack (here CAP_SYS_RESOURCE is missing) would make runc fail, so privileged containers get
 * what the daemon has, as dockerd does.
 */
export function hostCapabilities(): string[] {
  let bnd = 0n;
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    bnd = m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return [...allCapabilityNames];
  }
  return allCapabilityNames.filter((_, bit) => (bnd >> BigInt(bit)) & 1n);
}

function normalise(cap: string): string {
  const up = cap.trim().toUpperCase();
  if (up === 'ALL') return 'ALL';
  const name = up.startsWith('CAP_') ? up : `CAP_${up}`;
  if (!allCapabilityNames.includes(name)) throw invalidArgument(`unknown capability: "${name}"`);
  return name;
}

/**
 * Docker's rule for --cap-add/--cap-drop: start from the defaults (or everything with `ALL` in
 * cap-add), drop what is dropped (`ALL` drops everything), then add what is added back.
 */
export function effectiveCapabilities(opts: { privileged: boolean; capAdd?: string[] | null; capDrop?: string[] | null; available: readonly string[] }): string[] {
  if (opts.privileged) return [...opts.available];
  const add = (opts.capAdd ?? []).map(normalise);
  const drop = (opts.capDrop ?? []).map(normalise);
  let caps: Set<string>;
  if (add.includes('ALL')) {
    // Everything but what is dropped by name (dropping ALL as well still leaves everything).
    caps = new Set(opts.available.filter((c) => !drop.includes(c)));
  } else if (drop.includes('ALL')) {
    caps = new Set(add);
  } else {
    caps = new Set(defaultCapabilities);
    for (const c of drop) caps.delete(c);
    for (const c of add) caps.add(c);
  }
  return allCapabilityNames.filter((c) => caps.has(c) && opts.available.includes(c));
}

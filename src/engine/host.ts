import { readdir, readFile, stat } from 'node:fs/promises';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import type { LinuxDevice } from '../oci/runtime-spec.js';
import { hostCapabilities } from '../runtime/capabilities.js';
import { loadProfile, type DockerSeccompProfile } from '../runtime/seccomp.js';

/** Facts about the host that shape every container, read once when the daemon starts. */
export interface HostFacts {
  hostname: string;
  ncpu: number;
  memTotal: number;
  capabilities: string[];
  /** The daemon's own hard limits: rlimits above them make the runtime fail, so they are clamped. */
  rlimitHard: Record<string, number>;
  seccompProfile?: DockerSeccompProfile;
  seccompProfilePath?: string;
  cgroupVersion: '1' | '2';
}

const limitNames: Record<string, string> = {
  'Max open files': 'RLIMIT_NOFILE',
  'Max processes': 'RLIMIT_NPROC',
  'Max core file size': 'RLIMIT_CORE',
  'Max locked memory': 'RLIMIT_MEMLOCK',
  'Max stack size': 'RLIMIT_STACK',
};

export function parseLimits(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    for (const [label, name] of Object.entries(limitNames)) {
      if (!line.startsWith(label)) continue;
      const fields = line.slice(label.length).trim().split(/\s+/);
      const hard = fields[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(fields[1]);
      if (Number.isFinite(hard)) out[name] = hard;
    }
  }
  return out;
}

export async function readHostFacts(seccompProfilePath: string | undefined): Promise<HostFacts> {
  const limits = parseLimits(await readFile('/proc/self/limits', 'utf8').catch(() => ''));
  const profile = seccompProfilePath ? await loadProfile(seccompProfilePath) : undefined;
  let cgroupVersion: '1' | '2' = '1';
  try {
    await stat('/sys/fs/cgroup/cgroup.controllers');
    cgroupVersion = '2';
  } catch {
    cgroupVersion = '1';
  }
  return {
    hostname: hostname(),
    ncpu: cpus().length,
    memTotal: totalmem(),
    capabilities: hostCapabilities(),
    rlimitHard: limits,
    ...(profile && { seccompProfile: profile, seccompProfilePath }),
    cgroupVersion,
  };
}

/** The host's device nodes, for `--privileged` containers (Docker gives them all of /dev). */
export async function hostDevices(dir = '/dev'): Promise<LinuxDevice[]> {
  const out: LinuxDevice[] = [];
  const walk = async (d: string, depth: number) => {
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      if (p === '/dev/pts' || p === '/dev/shm' || p === '/dev/mqueue' || p === '/dev/console' || p === '/dev/ptmx') continue;
      const st = await stat(p).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) {
        if (depth < 3) await walk(p, depth + 1);
        continue;
      }
      if (!st.isCharacterDevice() && !st.isBlockDevice()) continue;
      const rdev = st.rdev;
      const major = Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn);
      const minor = Number(BigInt(rdev) & 0xffn) | Number((BigInt(rdev) >> 12n) & ~0xffn);
      out.push({ path: p, type: st.isCharacterDevice() ? 'c' : 'b', major, minor, fileMode: st.mode & 0o777, uid: st.uid, gid: st.gid });
    }
  };
  await walk(dir, 0);
  return out;
}

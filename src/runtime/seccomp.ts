import { readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { errnoCode, invalidArgument } from '../common/errors.js';
import type { SeccompRule, SeccompSpec } from '../oci/runtime-spec.js';

/**
 * Docker's seccomp profile format (used by moby and by containers-common's
 * /usr/share/containers/seccomp.json): rules are conditional on capabilities, architectures and
 * kernel versions, so the profile is turned into a plain OCI seccomp section per container.
 * berth reads the profile Debian ships at run time rather than carrying a copy.
 */
export interface DockerSeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  archMap?: Array<{ architecture: string; subArchitectures?: string[] | null }>;
  architectures?: string[];
  syscalls?: Array<{
    name?: string;
    names?: string[];
    action: string;
    errnoRet?: number;
    args?: SeccompRule['args'] | null;
    includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
    excludes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  }>;
}

export const defaultProfilePath = '/usr/share/containers/seccomp.json';

/** Node's arch name → Docker profile arch (archMap / includes.arches) and libseccomp's name. */
const archNames: Record<string, { docker: string; scmp: string }> = {
  x64: { docker: 'amd64', scmp: 'SCMP_ARCH_X86_64' },
  arm64: { docker: 'arm64', scmp: 'SCMP_ARCH_AARCH64' },
  ppc64: { docker: 'ppc64le', scmp: 'SCMP_ARCH_PPC64LE' },
  s390x: { docker: 's390x', scmp: 'SCMP_ARCH_S390X' },
};

export async function loadProfile(path = defaultProfilePath): Promise<DockerSeccompProfile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as DockerSeccompProfile;
  } catch {
    throw invalidArgument(`seccomp profile ${path} is not valid JSON`);
  }
}

function kernelAtLeast(kernel: string, min: string): boolean {
  const parse = (v: string) => v.split(/[.-]/).slice(0, 2).map((x) => parseInt(x, 10) || 0);
  const [a1 = 0, a2 = 0] = parse(kernel);
  const [b1 = 0, b2 = 0] = parse(min);
  return a1 > b1 || (a1 === b1 && a2 >= b2);
}

export interface ConvertOptions {
  capabilities: readonly string[];
  arch?: string;
  kernel?: string;
  /** Keep only the native architecture (drop the 32-bit compat ABIs). */
  nativeOnly?: boolean;
}

export function convertProfile(profile: DockerSeccompProfile, opts: ConvertOptions): SeccompSpec {
  const arch = archNames[opts.arch ?? process.arch] ?? { docker: opts.arch ?? process.arch, scmp: '' };
  const kernel = opts.kernel ?? release();
  const caps = new Set(opts.capabilities);
  const syscalls: SeccompRule[] = [];
  for (const s of profile.syscalls ?? []) {
    const inc = s.includes ?? {};
    const exc = s.excludes ?? {};
    if (inc.arches && !inc.arches.includes(arch.docker)) continue;
    if (exc.arches?.includes(arch.docker)) continue;
    if (inc.caps && !inc.caps.every((c) => caps.has(c))) continue;
    if (exc.caps?.some((c) => caps.has(c))) continue;
    if (inc.minKernel && !kernelAtLeast(kernel, inc.minKernel)) continue;
    if (exc.minKernel && kernelAtLeast(kernel, exc.minKernel)) continue;
    const names = s.names ?? (s.name ? [s.name] : []);
    if (names.length === 0) continue;
    syscalls.push({
      names,
      action: s.action,
      ...(s.errnoRet != null && { errnoRet: s.errnoRet }),
      ...(s.args && s.args.length > 0 && { args: s.args }),
    });
  }
  let architectures: string[] = profile.architectures ?? [];
  const entry = profile.archMap?.find((a) => a.architecture === arch.scmp);
  if (entry) architectures = opts.nativeOnly ? [entry.architecture] : [entry.architecture, ...(entry.subArchitectures ?? [])];
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet != null && { defaultErrnoRet: profile.defaultErrnoRet }),
    architectures,
    syscalls,
  };
}

import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '../common/errors.js';

/**
 * Candidates for `--init`, in order. The binary is bind-mounted into containers whose images may
 * have no libc at all (busybox, scratch), so only statically linked inits qualify: docker-init as
 * dockerd's packages install it, Debian's tini-static, catatonit.
 */
const dockerInitDirs = ['/usr/local/libexec/docker', '/usr/libexec/docker', '/usr/local/lib/docker', '/usr/lib/docker'];
const staticInits = ['/usr/bin/tini-static', '/usr/bin/catatonit', '/usr/libexec/podman/catatonit'];

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The init for `--init`: the configured path (which must exist), else the first candidate found, else undefined. */
export async function findInitBinary(configured: string | undefined, pathEnv = process.env['PATH'] ?? ''): Promise<string | undefined> {
  if (configured) {
    if (!(await executable(configured))) throw invalidArgument(`init-path ${configured}: not an executable file`);
    return configured;
  }
  const dirs = [...pathEnv.split(':').filter(Boolean), ...dockerInitDirs];
  for (const path of [...dirs.map((d) => join(d, 'docker-init')), ...staticInits]) if (await executable(path)) return path;
  return undefined;
}

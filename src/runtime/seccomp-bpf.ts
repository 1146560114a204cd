import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.js';
import { errnoCode } from '../common/errors.js';
import type { RuntimeSpec } from '../oci/runtime-spec.js';

/**
 * Compiled seccomp filters for crun. Compiling the default profile costs crun ~20 ms on every
 * container start; crun also accepts the finished BPF program in the `run.oci.seccomp_bpf_data`
 * annotation. The first container with a given seccomp section is created normally and crun leaves
 * the program it compiled in its state directory; it is kept here under a key of the crun binary,
 * the kernel and the exact seccomp section, and later containers get it precompiled.
 */
export class SeccompBpfCache {
  private readonly memory = new Map<string, string>();

  constructor(
    private readonly dir: string,
    private readonly runtimePath: string,
  ) {}

  private key(spec: RuntimeSpec): string {
    return createHash('sha256').update(`${this.runtimePath}\n${release()}\n${JSON.stringify(spec.linux.seccomp)}`).digest('hex');
  }

  /** The spec with its seccomp section replaced by the precompiled program, if one is cached. */
  async lookup(spec: RuntimeSpec): Promise<{ spec: RuntimeSpec } | undefined> {
    if (!spec.linux.seccomp) return undefined;
    const key = this.key(spec);
    let b64 = this.memory.get(key);
    if (b64 === undefined) {
      try {
        b64 = (await readFile(join(this.dir, `${key}.bpf`))).toString('base64');
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return undefined;
        throw err;
      }
      this.memory.set(key, b64);
    }
    const { seccomp: _compiled, ...linux } = spec.linux;
    return { spec: { ...spec, linux, annotations: { ...(spec.annotations ?? {}), 'run.oci.seccomp_bpf_data': b64 } } };
  }

  /** Keeps the program crun compiled for `spec` (found at `compiledPath`) for the next containers. */
  async remember(spec: RuntimeSpec, compiledPath: string): Promise<void> {
    const bpf = await readFile(compiledPath);
    if (bpf.length === 0 || bpf.length % 8 !== 0) return;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const key = this.key(spec);
    await writeFileAtomic(join(this.dir, `${key}.bpf`), bpf, 0o600, false);
    this.memory.set(key, bpf.toString('base64'));
  }
}

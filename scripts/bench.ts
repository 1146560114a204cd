/**
 * `npm run bench`: how long `run --rm busybox true` takes through berthd, next to the floor on this
 * machine, all measured in one run. `npm run bench -- exec`: the same for `exec CONTAINER true` in
 * a running container. Variants are interleaved round-robin so a noisy neighbour or a warming cache
 * affects all of them alike. Prints medians and spread; asserts nothing.
 *
 *   BENCH_N=40 npm run bench          (iterations per variant, default 30)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, dockerCli, repoRoot } from '../test/helpers/daemon.js';
import { syscalls } from '../src/common/syscalls.js';
import { buildSpec } from '../src/runtime/spec.js';
import { convertProfile, loadProfile } from '../src/runtime/seccomp.js';
import { defaultCapabilities } from '../src/runtime/capabilities.js';

const n = Number(process.env['BENCH_N'] ?? 30);

function timeCommand(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${file} ${args.join(' ')} exited ${code}: ${err}`));
      else resolve(performance.now() - t0);
    });
  });
}

function stats(xs: number[]): { median: number; p10: number; p90: number; min: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]!;
  return { median: q(0.5), p10: q(0.1), p90: q(0.9), min: s[0]! };
}

type Variant = [string, () => Promise<number>];

async function measure(title: string, all: Variant[]): Promise<void> {
  // A variant that cannot run at all (a command not written yet) is reported and left out.
  const variants: Variant[] = [];
  for (const v of all) {
    try {
      for (let i = 0; i < 3; i++) await v[1]();
      variants.push(v);
    } catch (err) {
      process.stdout.write(`${v[0]}: not measured: ${err instanceof Error ? err.message.trim() : String(err)}\n`);
    }
  }
  const results = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  for (let i = 0; i < n; i++) {
    for (const [name, fn] of variants) results.get(name)!.push(await fn());
  }
  const width = Math.max(...variants.map(([name]) => name.length));
  process.stdout.write(`${title}, ${n} runs each, interleaved (ms)\n`);
  process.stdout.write(`${'variant'.padEnd(width)}  median     p10     p90     min\n`);
  for (const [name] of variants) {
    const s = stats(results.get(name)!);
    process.stdout.write(`${name.padEnd(width)}  ${s.median.toFixed(1).padStart(6)}  ${s.p10.toFixed(1).padStart(6)}  ${s.p90.toFixed(1).padStart(6)}  ${s.min.toFixed(1).padStart(6)}\n`);
  }
}

/** `exec true` in running containers, through both CLIs, next to the runtime's own `exec`. */
async function benchExec(): Promise<void> {
  const d = await startDaemon();
  try {
    const berth = join(repoRoot, 'bin', 'berth.js');
    for (const runtime of ['runc', 'crun']) {
      const r = await d.docker(['run', '-d', '--name', `bench-${runtime}`, '--network', 'none', '--runtime', runtime, 'busybox', 'sleep', '3600']);
      if (r.code !== 0) throw new Error(r.stderr);
    }
    const id = (await d.docker(['inspect', '-f', '{{.Id}}', 'bench-runc'])).stdout.trim();
    const runtimeRoot = join(d.execRoot, 'runtime', 'runc');
    await measure('exec CONTAINER true', [
      ['docker CLI → berthd (runc)', () => timeCommand(dockerCli, ['exec', 'bench-runc', 'true'], d.env)],
      ['docker CLI → berthd (crun)', () => timeCommand(dockerCli, ['exec', 'bench-crun', 'true'], d.env)],
      ['berth CLI → berthd (runc)', () => timeCommand(process.execPath, ['--', berth, 'exec', 'bench-runc', 'true'], d.env)],
      ['floor: runc exec alone', () => timeCommand('runc', ['--root', runtimeRoot, 'exec', id, 'true'], {})],
      ['docker CLI alone (docker --version)', () => timeCommand(dockerCli, ['--version'], {})],
    ]);
  } finally {
    const leaks = await d.cleanup();
    if (leaks.length) process.stderr.write(`leaked: ${leaks.join(', ')}\n`);
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'exec') return benchExec();
  if (!syscalls) throw new Error('the native addon is not built: run npm run build');
  const d = await startDaemon();
  const floorDir = `${d.base}/floor`;
  try {
    // The floor uses the busybox layer berthd extracted, mounted the way berthd mounts it.
    const layers = JSON.parse(readFileSync(join(d.dataRoot, 'images', 'references.json'), 'utf8')) as Record<string, string>;
    const imageId = layers['docker.io/library/busybox:latest']!;
    const record = JSON.parse(readFileSync(join(d.dataRoot, 'images', `${imageId.slice(7)}.json`), 'utf8')) as { layers: Array<{ diffId: string }> };
    const lower = join(d.dataRoot, 'overlay', record.layers[0]!.diffId.slice(7), 'diff');
    mkdirSync(floorDir, { recursive: true });
    const profile = await loadProfile();
    const bundles: Record<string, string> = {};
    for (const variant of ['plain', 'seccomp'] as const) {
      const b = join(floorDir, variant);
      mkdirSync(join(b, 'rootfs'), { recursive: true });
      for (const f of ['hostname', 'hosts', 'resolv.conf']) writeFileSync(join(b, f), '');
      const spec = buildSpec({
        rootfs: join(b, 'rootfs'),
        readonlyRootfs: false,
        args: ['true'],
        env: ['PATH=/bin'],
        cwd: '/',
        user: { uid: 0, gid: 0, additionalGids: [0] },
        tty: false,
        hostname: 'floor',
        privileged: false,
        capabilities: [...defaultCapabilities],
        ...(variant === 'seccomp' && profile && { seccomp: convertProfile(profile, { capabilities: defaultCapabilities }) }),
        rlimits: [],
        resources: {},
        cgroupsPath: `${d.cgroupParent}/floor`,
        network: { mode: 'none' },
        files: { hostname: join(b, 'hostname'), hosts: join(b, 'hosts'), resolvConf: join(b, 'resolv.conf') },
        shmSize: 65536 * 1024,
      });
      writeFileSync(join(b, 'config.json'), JSON.stringify(spec));
      bundles[variant] = b;
    }
    let floorRun = 0;
    const floor = (variant: 'plain' | 'seccomp') => async () => {
      const b = bundles[variant]!;
      const t0 = performance.now();
      rmSync(join(b, 'upper'), { recursive: true, force: true });
      rmSync(join(b, 'work'), { recursive: true, force: true });
      mkdirSync(join(b, 'upper'));
      mkdirSync(join(b, 'work'));
      await syscalls!.mount('overlay', join(b, 'rootfs'), 'overlay', 0, `lowerdir=${lower},upperdir=${join(b, 'upper')},workdir=${join(b, 'work')}`);
      await new Promise<void>((resolve, reject) => {
        const c = spawn('runc', ['--root', join(floorDir, 'runc'), 'run', '--bundle', b, `floor-${floorRun++}`], { stdio: 'ignore' });
        c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`runc run exited ${code}`))));
      });
      await syscalls!.umount(join(b, 'rootfs'), 0);
      return performance.now() - t0;
    };

    const berth = join(repoRoot, 'bin', 'berth.js');
    await measure('run --rm busybox true', [
      ['docker CLI → berthd (runc)', () => timeCommand(dockerCli, ['run', '--rm', '--network', 'none', 'busybox', 'true'], d.env)],
      ['berth CLI → berthd (runc)', () => timeCommand(process.execPath, ['--', berth, 'run', '--rm', '--network', 'none', 'busybox', 'true'], d.env)],
      ['docker CLI → berthd (crun)', () => timeCommand(dockerCli, ['run', '--rm', '--network', 'none', '--runtime', 'crun', 'busybox', 'true'], d.env)],
      ['floor: overlay + runc run + umount', floor('plain')],
      ['floor with the default seccomp profile', floor('seccomp')],
      ['docker CLI alone (docker --version)', () => timeCommand(dockerCli, ['--version'], {})],
      ['berth CLI alone (berth --version)', () => timeCommand(process.execPath, ['--', berth, '--version'], {})],
    ]);
  } finally {
    // `runc run` deletes each floor container itself when it exits; the daemon cleanup removes the rest.
    const leaks = await d.cleanup();
    if (leaks.length) process.stderr.write(`leaked: ${leaks.join(', ')}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

/**
 * A berthd of its own for each test file: its own data root, exec root, socket and cgroup parent,
 * so suites cannot collide, and a cleanup that removes every container, mount, cgroup and file it
 * made (and fails loudly if something was leaked).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const dockerCli = process.env['DOCKER_CLI'] ?? '/usr/local/bin/docker';
export const busyboxTar = join(repoRoot, 'build', 'busybox.tar');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

export function run(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.cwd && { cwd: opts.cwd }),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code: code ?? (signal ? 128 + 9 : -1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export interface DaemonOptions {
  runtime?: string;
  /** Load the busybox test image after start (default true). */
  busybox?: boolean;
  extraArgs?: string[];
}

export class TestDaemon {
  readonly tag = randomBytes(4).toString('hex');
  readonly base = `/tmp/berth-test-${this.tag}`;
  readonly dataRoot = `${this.base}/data`;
  /** Short on purpose: conmon's attach socket path must stay under 108 bytes. */
  readonly execRoot = `/run/bt-${this.tag}`;
  readonly socket = `${this.execRoot}/berth.sock`;
  readonly cgroupParent = `/berth-test-${this.tag}`;
  readonly logFile = `${this.base}/berthd.log`;
  private child?: ChildProcess;

  constructor(private readonly opts: DaemonOptions = {}) {}

  get env(): NodeJS.ProcessEnv {
    return { DOCKER_HOST: `unix://${this.socket}`, BERTH_HOST: `unix://${this.socket}` };
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  async start(): Promise<void> {
    await mkdir(this.base, { recursive: true });
    const { openSync } = await import('node:fs');
    const log = openSync(this.logFile, 'a');
    const args = [
      join(repoRoot, 'bin', 'berthd.js'),
      '--data-root', this.dataRoot,
      '--exec-root', this.execRoot,
      '--cgroup-parent', this.cgroupParent,
      '--log-level', 'debug',
      ...(this.opts.runtime ? ['--default-runtime', this.opts.runtime] : []),
      ...(this.opts.extraArgs ?? []),
    ];
    this.child = spawn(process.execPath, args, { stdio: ['ignore', log, log], detached: false });
    const exited = new Promise<number>((r) => this.child!.once('exit', (c) => r(c ?? -1)));
    for (let i = 0; i < 200; i++) {
      if (existsSync(this.socket)) {
        const ping = await this.docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 5000 }).catch(() => undefined);
        if (ping?.code === 0) return;
      }
      const done = await Promise.race([exited, sleep(50).then(() => undefined)]);
      if (done !== undefined) throw new Error(`berthd exited with ${done}:\n${this.logTail()}`);
    }
    throw new Error(`berthd did not come up:\n${this.logTail()}`);
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  docker(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return run(dockerCli, args, { ...opts, env: { ...this.env, ...opts.env } });
  }

  berth(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    // '--' as in bin/berth.js: Node 20 would otherwise take 'run --env-file x' as its own option.
    return run(process.execPath, ['--', join(repoRoot, 'bin', 'berth.js'), ...args], { ...opts, env: { ...this.env, ...opts.env } });
  }

  async loadBusybox(): Promise<void> {
    const r = await this.docker(['load', '-i', busyboxTar]);
    if (r.code !== 0) throw new Error(`loading busybox failed: ${r.stderr}`);
  }

  /** SIGTERM: the daemon exits, its containers keep running. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }

  /** SIGKILL at an arbitrary moment, as a crash would. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** Removes every container (through the API), stops the daemon and deletes all it left on the host. */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    if (this.child && this.child.exitCode === null) {
      const ids = (await this.docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await this.docker(['rm', '-f', ...ids], { timeoutMs: 60_000 });
      await this.stop();
    }
    // Anything below still present is a leak, reported so the test fails, then removed anyway.
    for (const m of mountsUnder(this.base).concat(mountsUnder(this.execRoot))) {
      problems.push(`leaked mount ${m}`);
      await run('umount', ['-l', m]);
    }
    for (const pid of conmonPidsFor(this.execRoot)) {
      problems.push(`leaked conmon ${pid}`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of cgroupDirs(this.cgroupParent)) {
      removeCgroupTree(dir);
    }
    await rm(this.base, { recursive: true, force: true });
    await rm(this.execRoot, { recursive: true, force: true });
    return problems;
  }
}

export function mountsUnder(prefix: string): string[] {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === prefix || m.startsWith(prefix + '/'))
    .sort((a, b) => b.length - a.length);
}

function conmonPidsFor(execRoot: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() !== 'conmon') continue;
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(execRoot)) out.push(Number(p));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function cgroupDirs(parent: string): string[] {
  const roots: string[] = [];
  for (const c of readdirSync('/sys/fs/cgroup')) {
    const d = join('/sys/fs/cgroup', c, parent);
    if (existsSync(d)) roots.push(d);
  }
  return roots;
}

function removeCgroupTree(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  try {
    rmdirSync(dir);
  } catch {
    // busy: a process is still in it; reported through the conmon check
  }
}

/** Starts a daemon (with busybox loaded unless told otherwise). */
export async function startDaemon(opts: DaemonOptions = {}): Promise<TestDaemon> {
  const d = new TestDaemon(opts);
  try {
    await d.start();
    if (opts.busybox !== false) await d.loadBusybox();
  } catch (err) {
    await d.cleanup().catch(() => {});
    throw err;
  }
  return d;
}

import { favorDynamicCgroupMigrations } from '../runtime/cgroup-tuning.js';
import { findInitBinary } from '../runtime/init-binary.js';
import { access, chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { runCommand } from '../common/command.js';
import { errnoCode, messageOf } from '../common/errors.js';
import { JsonLogger, type Logger } from '../common/log.js';
import { LocalContentStore } from '../content/store.js';
import { OverlaySnapshotter } from '../snapshot/overlay.js';
import { ImageStore } from '../image/store.js';
import { RuntimeDriver, crunWrapperIfHybrid } from '../runtime/driver.js';
import { isAlive } from '../runtime/conmon.js';
import { ContainerStore } from '../engine/container-record.js';
import { ContainerCommits } from '../engine/container-commit.js';
import { ContainerFiles } from '../engine/container-files.js';
import { ContainerService } from '../engine/containers.js';
import { ContainerStats } from '../engine/stats.js';
import { HealthMonitor } from '../engine/health.js';
import { ExecService } from '../engine/exec.js';
import { EventBus } from '../engine/events.js';
import { readHostFacts } from '../engine/host.js';
import { ImageService } from '../engine/images.js';
import { SystemService } from '../engine/system.js';
import { createApiServer } from '../api/server/server.js';
import type { ConvertContext } from '../api/server/convert.js';
import { loadConfig, usage, type DaemonConfig } from './config.js';
import { VolumeStore } from '../volume/store.js';
import { VolumeService } from '../engine/volumes.js';

const runtimeCandidates: Record<string, string[]> = {
  runc: ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc'],
  crun: ['/usr/bin/crun', '/usr/local/bin/crun'],
};

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Refuses to start twice on one exec root: a second daemon would fight the first over containers. */
async function claimPidFile(path: string): Promise<void> {
  let pid = 0;
  try {
    pid = Number((await readFile(path, 'utf8')).trim()) || 0;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  if (pid && pid !== process.pid && isAlive(pid)) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('berthd')) throw new Error(`berthd is already running with pid ${pid} (pid file ${path})`);
  }
  await writeFile(path, `${process.pid}\n`);
}

async function socketGroup(name: string): Promise<number | undefined> {
  const text = await readFile('/etc/group', 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2]) return Number(f[2]);
  }
  return undefined;
}

async function listen(server: Server, host: string, log: Logger, group: string): Promise<() => Promise<void>> {
  if (host.startsWith('unix://')) {
    const path = host.slice('unix://'.length);
    await mkdir(join(path, '..'), { recursive: true });
    await rm(path, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await chmod(path, 0o660);
    const gid = await socketGroup(group);
    if (gid !== undefined) await chown(path, 0, gid);
    log.info('API listening', { socket: path });
    return async () => {
      await rm(path, { force: true });
    };
  }
  const m = /^tcp:\/\/([^:]*):(\d+)$/.exec(host);
  if (!m) throw new Error(`invalid host ${host}: use unix:///path or tcp://address:port`);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(m[2]), m[1] || '127.0.0.1', () => resolve());
  });
  log.warn('API listening on TCP without TLS: anyone who can connect controls the host', { host });
  return async () => {};
}

async function daemonId(dataRoot: string): Promise<string> {
  const file = join(dataRoot, 'engine-id');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const id = randomUUID();
    await writeFile(file, id + '\n');
    return id;
  }
}

export async function runDaemon(cfg: DaemonConfig): Promise<void> {
  const log = new JsonLogger(cfg.logLevel);
  await mkdir(cfg.dataRoot, { recursive: true, mode: 0o711 });
  await mkdir(cfg.execRoot, { recursive: true, mode: 0o700 });
  await claimPidFile(cfg.pidFile);

  const host = await readHostFacts(cfg.seccompProfile);
  if (!host.seccompProfile) log.warn('no seccomp profile: containers run without seccomp', { profile: cfg.seccompProfile });

  const content = new LocalContentStore(cfg.dataRoot);
  await content.init();
  const snapshotter = new OverlaySnapshotter(cfg.dataRoot);
  await snapshotter.init();
  const imageStore = new ImageStore(cfg.dataRoot, content);
  await imageStore.init();

  const runtimes: Record<string, { path: string }> = {};
  for (const [name, candidates] of Object.entries(runtimeCandidates)) {
    for (const c of candidates) {
      if (await executable(c)) {
        runtimes[name] = { path: name === 'crun' ? await crunWrapperIfHybrid(cfg.execRoot, c) : c };
        break;
      }
    }
  }
  Object.assign(runtimes, cfg.runtimes);
  if (!runtimes[cfg.defaultRuntime]) throw new Error(`default runtime ${cfg.defaultRuntime} is not installed (found: ${Object.keys(runtimes).join(', ') || 'none'})`);
  if (!(await executable(cfg.conmon))) throw new Error(`conmon not found at ${cfg.conmon}: install the conmon package`);
  const versions: Record<string, { path: string; version: string }> = {};
  for (const [name, rt] of Object.entries(runtimes)) {
    const r = await runCommand(rt.path, ['--version']).catch(() => undefined);
    versions[name] = { path: rt.path, version: /version\s+(\S+)/.exec(r?.stdout ?? '')?.[1] ?? 'unknown' };
  }
  const conmonVersion = /version\s+(\S+)/.exec((await runCommand(cfg.conmon, ['--version'])).stdout)?.[1] ?? 'unknown';

  const initPath = await findInitBinary(cfg.initPath);
  if (cfg.cgroupFavorDynmods) {
    const tuned = await favorDynamicCgroupMigrations();
    if (tuned.changed) log.info('cgroup migrations made cheap (favordynmods)', { mount: tuned.changed });
    if (tuned.error) log.warn('could not set favordynmods; every start and exec waits for an RCU grace period', { err: tuned.error });
  }
  const driver = new RuntimeDriver({ execRoot: cfg.execRoot, conmon: cfg.conmon, runtimes, defaultRuntime: cfg.defaultRuntime, log });
  await driver.init();
  const events = new EventBus();
  const containerStore = new ContainerStore(cfg.dataRoot);
  await containerStore.init();
  const volumeStore = new VolumeStore(join(cfg.dataRoot, 'volumes'), log);
  await volumeStore.load();
  const volumes = new VolumeService({ store: volumeStore, containers: containerStore, events, log });
  const containers = new ContainerService({
    store: containerStore,
    images: imageStore,
    snapshotter,
    driver,
    events,
    host,
    log,
    volumes,
    cgroupParent: cfg.cgroupParent,
    init: { byDefault: cfg.init, ...(initPath && { path: initPath }) },
  });
  const images = new ImageService({
    store: imageStore,
    content,
    snapshotter,
    events,
    log,
    containersUsing: (id) => containers.imageInUse(id).map((c) => ({ id: c.id, running: c.state.Status === 'running' || c.state.Status === 'paused' })),
  });
  await containers.init();
  const system = new SystemService({
    containers,
    images,
    host,
    dataRoot: cfg.dataRoot,
    execRoot: cfg.execRoot,
    daemonId: await daemonId(cfg.dataRoot),
    defaultRuntime: cfg.defaultRuntime,
    runtimes: versions,
    conmonVersion,
    cgroupParent: cfg.cgroupParent,
  });

  const layerDirs = (chains: string[]) => chains.map((c) => snapshotter.layerDiffPath(c as `sha256:${string}`)).reverse();
  const convert: ConvertContext = {
    dataRoot: cfg.dataRoot,
    containerDir: (id) => containerStore.containerDir(id),
    logPath: (id) => containerStore.logPath(id),
    graphDriver: (id) => {
      const rec = containerStore.get(id);
      const img = rec && imageStore.get(rec.image);
      if (!rec || !img) return null;
      const base = join(snapshotter.root, id);
      return {
        LowerDir: layerDirs(imageStore.chainIdsOf(img)).join(':'),
        MergedDir: join(base, 'merged'),
        UpperDir: join(base, 'diff'),
        WorkDir: join(base, 'work'),
      };
    },
    imageShownAs: (rec) => (imageStore.resolve(rec.config.Image)?.id === rec.image ? rec.config.Image : rec.image),
    execIds: (id) => exec.idsOf(id),
    volumePath: (name) => volumeStore.mountpoint(name),
    imageLayerDirs: (imageId) => {
      const img = imageStore.get(imageId as `sha256:${string}`);
      if (!img) return {};
      const dirs = layerDirs(imageStore.chainIdsOf(img));
      const [upper, ...lower] = dirs;
      return { ...(lower.length && { LowerDir: lower.join(':') }), ...(upper && { UpperDir: upper }), MergedDir: '', WorkDir: '' };
    },
  };

  const files = new ContainerFiles({ containers, images, imageStore, content, snapshotter, volumes, events, log });
  const commits = new ContainerCommits({ containers, images, imageStore, content, snapshotter, volumes, events, log });
  const stats = new ContainerStats({ containers, driver, host, log, events });
  const exec = new ExecService({ containers, driver, events, log });
  containers.onRemoved((id) => exec.forget(id));
  const health = new HealthMonitor({ containers, execs: exec, events, log });
  health.start();
  const server = createApiServer({ containers, files, commits, stats, exec, images, volumes, events, system, convert, log });
  const closers: Array<() => Promise<void>> = [];
  for (const h of cfg.hosts) closers.push(await listen(server, h, log, cfg.group));
  log.info('berthd started', { pid: process.pid, dataRoot: cfg.dataRoot, execRoot: cfg.execRoot, runtimes: Object.keys(runtimes), defaultRuntime: cfg.defaultRuntime });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Containers are supervised by conmon and keep running; only the API goes away.
    log.info('shutting down; containers keep running', { signal });
    driver.exits.stop();
    health.stop();
    await driver.drain();
    server.close();
    server.closeAllConnections();
    for (const close of closers) await close().catch(() => {});
    await rm(cfg.pidFile, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', { err: err instanceof Error ? err : String(err) }));
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  try {
    const cfg = await loadConfig(argv);
    if (cfg === 'help') {
      process.stdout.write(usage);
      return;
    }
    if (process.getuid?.() !== 0) throw new Error('berthd needs to run as root');
    await runDaemon(cfg);
  } catch (err) {
    process.stderr.write(`berthd: ${messageOf(err)}\n`);
    process.exit(1);
  }
}

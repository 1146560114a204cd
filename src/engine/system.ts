import { readFile, statfs } from 'node:fs/promises';
import { arch, release } from 'node:os';
import type { Digest } from '../common/digest.js';
import type { ContainerRecord } from './container-record.js';
import type { ContainerService } from './containers.js';
import type { HostFacts } from './host.js';
import type { ImageService } from './images.js';

export const berthVersion = '0.1.0';

export interface SystemServiceDeps {
  containers: ContainerService;
  images: ImageService;
  host: HostFacts;
  dataRoot: string;
  execRoot: string;
  daemonId: string;
  defaultRuntime: string;
  runtimes: Record<string, { path: string; version: string }>;
  conmonVersion: string;
  cgroupParent: string;
}

/** Facts for `version`, `info` and `system df`. */
export class SystemService {
  private osName?: string;

  constructor(private readonly d: SystemServiceDeps) {}

  async operatingSystem(): Promise<string> {
    if (this.osName) return this.osName;
    try {
      const text = await readFile('/etc/os-release', 'utf8');
      this.osName = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] ?? 'Linux';
    } catch {
      this.osName = 'Linux';
    }
    return this.osName;
  }

  containerCounts(): { total: number; running: number; paused: number; stopped: number } {
    const all = this.d.containers.list();
    const running = all.filter((c) => c.state.Status === 'running' || c.state.Status === 'restarting').length;
    const paused = all.filter((c) => c.state.Status === 'paused').length;
    return { total: all.length, running, paused, stopped: all.length - running - paused };
  }

  get facts() {
    return this.d;
  }

  async backingFilesystem(): Promise<string> {
    try {
      const st = await statfs(this.d.dataRoot);
      return ({ 0xef53: 'extfs', 0x58465342: 'xfs', 0x9123683e: 'btrfs', 0x01021994: 'tmpfs' } as Record<number, string>)[st.type] ?? 'unknown';
    } catch {
      return 'unknown';
    }
  }

  kernel(): string {
    return release();
  }

  goArch(): string {
    return ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[arch()] ?? arch();
  }

  /** Docker's system df: layers, images with their shared sizes, containers with rw sizes. */
  async df(): Promise<{
    layersSize: number;
    images: Array<{ id: Digest; size: number; shared: number; containers: number }>;
    containers: Array<{ record: ContainerRecord; sizeRw: number }>;
  }> {
    const containers = this.d.containers.list();
    const usage = await this.d.images.diskUsage();
    const out = usage.map((u) => ({ ...u, containers: containers.filter((c) => c.image === u.id).length }));
    const cs = [];
    for (const c of containers) cs.push({ record: c, sizeRw: await this.d.containers.rwSize(c.id) });
    return { layersSize: await this.d.images.totalLayerSize(), images: out, containers: cs };
  }
}

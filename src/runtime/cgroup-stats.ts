import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../common/errors.js';

/**
 * What a container uses, read straight from cgroupfs and /proc (not through `runc events`, which
 * costs a Go process per sample): the parsers below are pure and take the files' text; the reader
 * keeps each file open for as long as it is sampled, so a sample is one pread(2) per file.
 *
 * The numbers are kept as the kernel wrote them (bigint: unlimited memory is 2^63-4096, beyond a
 * double's precision). The shapes follow containerd's cgroup metrics, which dockerd turns into the
 * stats API; that conversion is the engine's (engine/stats.ts).
 */

// ------------------------------------------------------------------ parsers

/** Lines of `key value` (memory.stat, cpu.stat, cpuacct.stat, memory.events); other lines are skipped. */
export function parseKeyValues(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    const v = line.slice(sp + 1).trim();
    if (/^\d+$/.test(v)) out.set(line.slice(0, sp), BigInt(v));
  }
  return out;
}

/** A file holding one number; `max` (no limit, cgroup v2 and pids.max) is undefined, as is garbage. */
export function parseUint(text: string): bigint | undefined {
  const v = text.trim();
  return /^\d+$/.test(v) ? BigInt(v) : undefined;
}

/** cpuacct.usage_percpu: nanoseconds per possible CPU, space separated. */
export function parsePercpu(text: string): bigint[] {
  return text
    .trim()
    .split(/\s+/)
    .filter((f) => /^\d+$/.test(f))
    .map((f) => BigInt(f));
}

export interface BlkioEntry {
  major: number;
  minor: number;
  /** As the kernel writes it: Read, Write, Sync, Async, Discard, Total (empty for files without one). */
  op: string;
  value: bigint;
}

/**
 * cgroup v1 blkio files: `8:0 Read 4096` lines (or `8:0 4096` without an operation), ending with a
 * `Total N` line for the whole cgroup, which is left out as containerd does.
 */
export function parseBlkio(text: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(/[\s:]+/).filter(Boolean);
    if (f.length < 3) continue;
    const [maj, min] = f;
    const op = f.length >= 4 ? f[2]! : '';
    const value = f[f.length >= 4 ? 3 : 2]!;
    if (!/^\d+$/.test(maj!) || !/^\d+$/.test(min!) || !/^\d+$/.test(value)) continue;
    out.push({ major: Number(maj), minor: Number(min), op, value: BigInt(value) });
  }
  return out;
}

export interface IoStatEntry {
  major: number;
  minor: number;
  rbytes: bigint;
  wbytes: bigint;
  rios: bigint;
  wios: bigint;
  dbytes: bigint;
  dios: bigint;
}

/** cgroup v2 io.stat: `8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0` per device. */
export function parseIoStat(text: string): IoStatEntry[] {
  const out: IoStatEntry[] = [];
  for (const line of text.split('\n')) {
    const [dev, ...kvs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const e: IoStatEntry = { major: Number(m[1]), minor: Number(m[2]), rbytes: 0n, wbytes: 0n, rios: 0n, wios: 0n, dbytes: 0n, dios: 0n };
    for (const kv of kvs) {
      const m2 = /^(rbytes|wbytes|rios|wios|dbytes|dios)=(\d+)$/.exec(kv);
      if (m2) e[m2[1] as 'rbytes' | 'wbytes' | 'rios' | 'wios' | 'dbytes' | 'dios'] = BigInt(m2[2]!);
    }
    out.push(e);
  }
  return out;
}

/** USER_HZ: /proc/stat and cpuacct.stat count in these ticks (a kernel constant of 100 on Linux). */
export const clockTicksPerSecond = 100n;
const nsPerTick = 1_000_000_000n / clockTicksPerSecond;

export interface SystemCpu {
  /** All CPU time of the host in nanoseconds: the first seven fields of the `cpu` line, as dockerd sums them. */
  totalNs: bigint;
  /** `cpuN` lines: the CPUs online. */
  onlineCpus: number;
}

/** /proc/stat, read the way dockerd's stats collector does. */
export function parseProcStat(text: string): SystemCpu {
  let ticks = 0n;
  let onlineCpus = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) break;
    if (line[3] === ' ') {
      const f = line.split(/\s+/).slice(1, 8);
      for (const v of f) if (/^\d+$/.test(v)) ticks += BigInt(v);
    } else if (line[3]! >= '0' && line[3]! <= '9') onlineCpus++;
  }
  return { totalNs: ticks * nsPerTick, onlineCpus };
}

export interface InterfaceStats {
  rxBytes: bigint;
  rxPackets: bigint;
  rxErrors: bigint;
  rxDropped: bigint;
  txBytes: bigint;
  txPackets: bigint;
  txErrors: bigint;
  txDropped: bigint;
}

/** /proc/<pid>/net/dev: the counters of every interface in that process's network namespace. */
export function parseNetDev(text: string): Map<string, InterfaceStats> {
  const out = new Map<string, InterfaceStats>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/);
    if (!name || f.length < 16 || !f.every((v) => /^\d+$/.test(v))) continue;
    const n = f.map((v) => BigInt(v));
    out.set(name, { rxBytes: n[0]!, rxPackets: n[1]!, rxErrors: n[2]!, rxDropped: n[3]!, txBytes: n[8]!, txPackets: n[9]!, txErrors: n[10]!, txDropped: n[11]! });
  }
  return out;
}

/** cgroup.procs / tasks: one pid a line. */
export function parsePidList(text: string): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const v = line.trim();
    if (/^\d+$/.test(v)) out.push(Number(v));
  }
  return out;
}

// ------------------------------------------------------------------ metrics

/** containerd's cgroup v1 metrics, the subset dockerd reports. Absent: the controller is not there. */
export interface CgroupV1Metrics {
  version: '1';
  cpu?: {
    total: bigint;
    perCpu: bigint[];
    /** Nanoseconds, from cpuacct.stat's ticks. */
    user: bigint;
    kernel: bigint;
    periods: bigint;
    throttledPeriods: bigint;
    throttledTime: bigint;
  };
  memory?: {
    usage: bigint;
    maxUsage: bigint;
    /** memory.limit_in_bytes: 2^63-4096 (rounded to the page) when unlimited. */
    limit: bigint;
    failcnt: bigint;
    stat: Map<string, bigint>;
  };
  pids?: { current: number; limit: number };
  blkio?: {
    ioServiceBytesRecursive: BlkioEntry[];
    ioServicedRecursive: BlkioEntry[];
    ioQueuedRecursive: BlkioEntry[];
    ioServiceTimeRecursive: BlkioEntry[];
    ioWaitTimeRecursive: BlkioEntry[];
    ioMergedRecursive: BlkioEntry[];
    ioTimeRecursive: BlkioEntry[];
    sectorsRecursive: BlkioEntry[];
  };
}

/** containerd's cgroup v2 metrics, the subset dockerd reports. */
export interface CgroupV2Metrics {
  version: '2';
  cpu?: { usageUsec: bigint; userUsec: bigint; systemUsec: bigint; nrPeriods: bigint; nrThrottled: bigint; throttledUsec: bigint };
  memory?: {
    usage: bigint;
    /** memory.max; undefined when it says `max`. */
    limit: bigint | undefined;
    stat: Map<string, bigint>;
  };
  memoryEvents?: Map<string, bigint>;
  pids?: { current: number; limit: number };
  io?: IoStatEntry[];
}

export type CgroupMetrics = CgroupV1Metrics | CgroupV2Metrics;

export interface StatsSample {
  metrics: CgroupMetrics;
  system?: SystemCpu;
  /** Interfaces of the container's network namespace, `lo` left out; absent when not asked for. */
  networks?: Map<string, InterfaceStats>;
}

// ------------------------------------------------------------------ reading

const readBuf = Buffer.allocUnsafe(64 * 1024);

/**
 * One file read again and again through the same descriptor. cgroupfs and /proc regenerate a file
 * at every read from offset 0, so pread(2) on a kept descriptor gives the current value; a removed
 * cgroup keeps the descriptor valid and answers ENODEV, which counts as gone.
 */
class KeptFile {
  private fd: number | null | undefined;

  constructor(readonly path: string) {}

  /** The text, or undefined when the file does not exist (or no longer does). */
  read(): string | undefined {
    if (this.fd === undefined) {
      try {
        this.fd = openSync(this.path, 'r');
      } catch (err) {
        if (!isGone(err)) throw err;
        this.fd = null;
      }
    }
    if (this.fd === null) return undefined;
    try {
      const n = readSync(this.fd, readBuf, 0, readBuf.length, 0);
      if (n < readBuf.length) return readBuf.toString('latin1', 0, n);
      return readFileSync(this.path, 'latin1');
    } catch (err) {
      if (!isGone(err)) throw err;
      this.close();
      this.fd = null;
      return undefined;
    }
  }

  close(): void {
    if (typeof this.fd === 'number') closeSync(this.fd);
    this.fd = undefined;
  }
}

function isGone(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENODEV' || code === 'ESRCH' || code === 'ENOTDIR' || code === 'EINVAL';
}

export interface CgroupStatsOptions {
  version: '1' | '2';
  /** Absolute, as in the OCI spec: `/berth/<id>`. */
  cgroupsPath: string;
  /** Where cgroupfs is mounted (tests point it at fixtures). */
  cgroupRoot?: string;
  procRoot?: string;
  /** Also read /proc/stat for the host's CPU time (default true). */
  systemCpu?: boolean;
  /** Read this process's network namespace counters (the container's init), if given. */
  netPid?: number;
}

/**
 * Samples one container's cgroup. Descriptors stay open between samples (a stream reads the same
 * files every second) until close(); a reader that is used once is opened and closed around it.
 */
export class CgroupStatsReader {
  private readonly files = new Map<string, KeptFile>();
  private readonly root: string;
  private readonly proc: string;

  constructor(private readonly o: CgroupStatsOptions) {
    this.root = o.cgroupRoot ?? '/sys/fs/cgroup';
    this.proc = o.procRoot ?? '/proc';
  }

  private file(path: string): string | undefined {
    let f = this.files.get(path);
    if (!f) {
      f = new KeptFile(path);
      this.files.set(path, f);
    }
    return f.read();
  }

  private v1(controller: string, name: string): string | undefined {
    return this.file(join(this.root, controller, this.o.cgroupsPath, name));
  }

  private v2(name: string): string | undefined {
    return this.file(join(this.root, this.o.cgroupsPath, name));
  }

  /** A sample, or undefined when the cgroup does not exist (the container is not running). */
  sample(): StatsSample | undefined {
    const metrics = this.o.version === '2' ? this.readV2() : this.readV1();
    if (!metrics) return undefined;
    const out: StatsSample = { metrics };
    if (this.o.systemCpu !== false) {
      const stat = this.file(join(this.proc, 'stat'));
      if (stat !== undefined) out.system = parseProcStat(stat);
    }
    if (this.o.netPid) {
      const dev = this.file(join(this.proc, String(this.o.netPid), 'net', 'dev'));
      if (dev !== undefined) {
        const nets = parseNetDev(dev);
        nets.delete('lo');
        out.networks = nets;
      }
    }
    return out;
  }

  private readV1(): CgroupV1Metrics | undefined {
    const m: CgroupV1Metrics = { version: '1' };
    let found = false;

    const usage = this.v1('cpuacct', 'cpuacct.usage');
    if (usage !== undefined) {
      found = true;
      const stat = parseKeyValues(this.v1('cpuacct', 'cpuacct.stat') ?? '');
      const throttle = parseKeyValues(this.v1('cpu', 'cpu.stat') ?? '');
      m.cpu = {
        total: parseUint(usage) ?? 0n,
        perCpu: parsePercpu(this.v1('cpuacct', 'cpuacct.usage_percpu') ?? ''),
        user: (stat.get('user') ?? 0n) * nsPerTick,
        kernel: (stat.get('system') ?? 0n) * nsPerTick,
        periods: throttle.get('nr_periods') ?? 0n,
        throttledPeriods: throttle.get('nr_throttled') ?? 0n,
        throttledTime: throttle.get('throttled_time') ?? 0n,
      };
    }

    const memUsage = this.v1('memory', 'memory.usage_in_bytes');
    if (memUsage !== undefined) {
      found = true;
      m.memory = {
        usage: parseUint(memUsage) ?? 0n,
        maxUsage: parseUint(this.v1('memory', 'memory.max_usage_in_bytes') ?? '') ?? 0n,
        limit: parseUint(this.v1('memory', 'memory.limit_in_bytes') ?? '') ?? 0n,
        failcnt: parseUint(this.v1('memory', 'memory.failcnt') ?? '') ?? 0n,
        stat: parseKeyValues(this.v1('memory', 'memory.stat') ?? ''),
      };
    }

    const pids = this.v1('pids', 'pids.current');
    if (pids !== undefined) {
      found = true;
      m.pids = { current: Number(parseUint(pids) ?? 0n), limit: Number(parseUint(this.v1('pids', 'pids.max') ?? '') ?? 0n) };
    }

    // CFQ's files first (kernels before 5.0), then the throttling layer's, which every kernel keeps.
    const cfq = this.v1('blkio', 'blkio.io_serviced_recursive');
    if (cfq !== undefined) {
      found = true;
      const read = (name: string) => parseBlkio(this.v1('blkio', `blkio.${name}`) ?? '');
      m.blkio = {
        ioServiceBytesRecursive: read('io_service_bytes_recursive'),
        ioServicedRecursive: parseBlkio(cfq),
        ioQueuedRecursive: read('io_queued_recursive'),
        ioServiceTimeRecursive: read('io_service_time_recursive'),
        ioWaitTimeRecursive: read('io_wait_time_recursive'),
        ioMergedRecursive: read('io_merged_recursive'),
        ioTimeRecursive: read('time_recursive'),
        sectorsRecursive: read('sectors_recursive'),
      };
    }
    if (!m.blkio || Object.values(m.blkio).every((e: BlkioEntry[]) => e.length === 0)) {
      const bytes = this.v1('blkio', 'blkio.throttle.io_service_bytes_recursive') ?? this.v1('blkio', 'blkio.throttle.io_service_bytes');
      const ios = this.v1('blkio', 'blkio.throttle.io_serviced_recursive') ?? this.v1('blkio', 'blkio.throttle.io_serviced');
      if (bytes !== undefined || ios !== undefined) {
        found = true;
        m.blkio = {
          ioServiceBytesRecursive: parseBlkio(bytes ?? ''),
          ioServicedRecursive: parseBlkio(ios ?? ''),
          ioQueuedRecursive: [],
          ioServiceTimeRecursive: [],
          ioWaitTimeRecursive: [],
          ioMergedRecursive: [],
          ioTimeRecursive: [],
          sectorsRecursive: [],
        };
      }
    }
    return found ? m : undefined;
  }

  private readV2(): CgroupV2Metrics | undefined {
    const m: CgroupV2Metrics = { version: '2' };
    let found = false;

    const cpu = this.v2('cpu.stat');
    if (cpu !== undefined) {
      found = true;
      const s = parseKeyValues(cpu);
      m.cpu = {
        usageUsec: s.get('usage_usec') ?? 0n,
        userUsec: s.get('user_usec') ?? 0n,
        systemUsec: s.get('system_usec') ?? 0n,
        nrPeriods: s.get('nr_periods') ?? 0n,
        nrThrottled: s.get('nr_throttled') ?? 0n,
        throttledUsec: s.get('throttled_usec') ?? 0n,
      };
    }

    const current = this.v2('memory.current');
    if (current !== undefined) {
      found = true;
      m.memory = {
        usage: parseUint(current) ?? 0n,
        limit: parseUint(this.v2('memory.max') ?? 'max'),
        stat: parseKeyValues(this.v2('memory.stat') ?? ''),
      };
      const events = this.v2('memory.events');
      if (events !== undefined) m.memoryEvents = parseKeyValues(events);
    }

    const pids = this.v2('pids.current');
    if (pids !== undefined) {
      found = true;
      m.pids = { current: Number(parseUint(pids) ?? 0n), limit: Number(parseUint(this.v2('pids.max') ?? '') ?? 0n) };
    }

    const io = this.v2('io.stat');
    if (io !== undefined) {
      found = true;
      m.io = parseIoStat(io);
    }
    return found ? m : undefined;
  }

  close(): void {
    for (const f of this.files.values()) f.close();
    this.files.clear();
  }
}

/** One sample with the files opened and closed around it. */
export function sampleOnce(o: CgroupStatsOptions): StatsSample | undefined {
  const r = new CgroupStatsReader(o);
  try {
    return r.sample();
  } finally {
    r.close();
  }
}

/**
 * The processes in a cgroup and in the cgroups below it (a container may make its own, with a
 * private cgroup namespace on v2). Reads cgroup.procs: about 0.01 ms, where `runc ps` costs a Go
 * process (7 ms here). Undefined when the cgroup does not exist.
 */
export function cgroupPids(o: { version: '1' | '2'; cgroupsPath: string; cgroupRoot?: string }): number[] | undefined {
  const root = o.cgroupRoot ?? '/sys/fs/cgroup';
  const dirs = o.version === '2' ? [join(root, o.cgroupsPath)] : ['pids', 'memory', 'devices', 'cpu'].map((c) => join(root, c, o.cgroupsPath));
  for (const dir of dirs) {
    const pids: number[] = [];
    try {
      walkPids(dir, pids, 0);
    } catch (err) {
      if (isGone(err)) continue;
      throw err;
    }
    return pids;
  }
  return undefined;
}

function walkPids(dir: string, out: number[], depth: number): void {
  let text: string;
  try {
    text = readFileSync(join(dir, 'cgroup.procs'), 'latin1');
  } catch (err) {
    // A sub-cgroup removed between readdir and read is not an error; the container's own is.
    if (depth > 0 && isGone(err)) return;
    throw err;
  }
  out.push(...parsePidList(text));
  if (depth >= 32) return;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (isGone(err)) return;
    throw err;
  }
  for (const e of entries) if (e.isDirectory()) walkPids(join(dir, e.name), out, depth + 1);
}

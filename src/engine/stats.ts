import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from '../common/command.js';
import { conflict, internal, invalidArgument } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { formatRfc3339Nano, nowNs, zeroTime } from '../common/time.js';
import {
  CgroupStatsReader,
  cgroupPids,
  type BlkioEntry,
  type CgroupMetrics,
  type InterfaceStats,
  type StatsSample,
} from '../runtime/cgroup-stats.js';
import type { RuntimeDriver } from '../runtime/driver.js';
import type { ContainerRecord } from './container-record.js';
import type { ContainerService } from './containers.js';
import type { EventBus } from './events.js';
import type { HostFacts } from './host.js';

export interface ContainerStatsDeps {
  containers: ContainerService;
  driver: RuntimeDriver;
  host: HostFacts;
  log: Logger;
  /** For dockerd's `top` container event; without it none is published. */
  events?: EventBus;
  /** Where cgroupfs and procfs are mounted (default /sys/fs/cgroup and /proc; tests use fixtures). */
  cgroupRoot?: string;
  procRoot?: string;
  /** Time between two samples of a stream, and between the two samples of `stream=0` (default 1 s). */
  intervalMs?: number;
}

// ------------------------------------------------------------------ the stats API's shape

/**
 * `GET /containers/{id}/stats`, in the order and with the omissions of moby's types.StatsJSON (Go's
 * `omitempty`: an undefined member is left out). Counters are bigint: see statsJson.
 */
export interface DockerStats {
  read: string;
  preread: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: DockerBlkioStats;
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: DockerCpuStats;
  precpu_stats: DockerCpuStats;
  memory_stats: DockerMemoryStats;
  name?: string;
  id?: string;
  networks?: Record<string, DockerNetworkStats>;
}

export interface DockerBlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: bigint;
}

export interface DockerBlkioStats {
  io_service_bytes_recursive: DockerBlkioEntry[] | null;
  io_serviced_recursive: DockerBlkioEntry[] | null;
  io_queue_recursive: DockerBlkioEntry[] | null;
  io_service_time_recursive: DockerBlkioEntry[] | null;
  io_wait_time_recursive: DockerBlkioEntry[] | null;
  io_merged_recursive: DockerBlkioEntry[] | null;
  io_time_recursive: DockerBlkioEntry[] | null;
  sectors_recursive: DockerBlkioEntry[] | null;
}

export interface DockerCpuStats {
  cpu_usage: { total_usage: bigint; percpu_usage?: bigint[]; usage_in_kernelmode: bigint; usage_in_usermode: bigint };
  system_cpu_usage?: bigint;
  online_cpus?: number;
  throttling_data: { periods: bigint; throttled_periods: bigint; throttled_time: bigint };
}

export interface DockerMemoryStats {
  usage?: bigint;
  max_usage?: bigint;
  stats?: Record<string, bigint>;
  failcnt?: bigint;
  limit?: bigint;
}

export interface DockerNetworkStats {
  rx_bytes: bigint;
  rx_packets: bigint;
  rx_errors: bigint;
  rx_dropped: bigint;
  tx_bytes: bigint;
  tx_packets: bigint;
  tx_errors: bigint;
  tx_dropped: bigint;
}

/** `docker top`: Processes before Titles, and null when nothing matched, as dockerd encodes it. */
export interface TopResult {
  Processes: string[][] | null;
  Titles: string[];
}

/**
 * JSON with bigint counters written as the exact integers they are (JSON.stringify refuses
 * bigint, and a double would print 2^63-4096 as 9223372036854772000), undefined members left out.
 */
export function statsJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(statsJson).join(',')}]`;
      const parts: string[] = [];
      for (const [k, v] of Object.entries(value)) if (v !== undefined) parts.push(`${JSON.stringify(k)}:${statsJson(v)}`);
      return `{${parts.join(',')}}`;
    }
    default:
      return 'null';
  }
}

const zeroCpu = (): DockerCpuStats => ({
  cpu_usage: { total_usage: 0n, usage_in_kernelmode: 0n, usage_in_usermode: 0n },
  throttling_data: { periods: 0n, throttled_periods: 0n, throttled_time: 0n },
});

const nullBlkio = (): DockerBlkioStats => ({
  io_service_bytes_recursive: null,
  io_serviced_recursive: null,
  io_queue_recursive: null,
  io_service_time_recursive: null,
  io_wait_time_recursive: null,
  io_merged_recursive: null,
  io_time_recursive: null,
  sectors_recursive: null,
});

/** What dockerd answers for a container that is not running: Go's zero StatsJSON with the name and id. */
export function zeroStats(name: string, id: string): DockerStats {
  return {
    read: zeroTime,
    preread: zeroTime,
    pids_stats: {},
    blkio_stats: nullBlkio(),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: zeroCpu(),
    precpu_stats: zeroCpu(),
    memory_stats: {},
    ...(name && { name }),
    ...(id && { id }),
  };
}

/** The keys dockerd reports from cgroup v1's memory.stat (statsV1), whatever else the kernel writes. */
const memoryStatKeysV1 = [
  'cache', 'rss', 'rss_huge', 'mapped_file', 'dirty', 'writeback', 'pgpgin', 'pgpgout', 'pgfault', 'pgmajfault',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable', 'hierarchical_memory_limit',
  'hierarchical_memsw_limit', 'total_cache', 'total_rss', 'total_rss_huge', 'total_mapped_file', 'total_dirty',
  'total_writeback', 'total_pgpgin', 'total_pgpgout', 'total_pgfault', 'total_pgmajfault', 'total_inactive_anon',
  'total_active_anon', 'total_inactive_file', 'total_active_file', 'total_unevictable',
];

/** The keys dockerd reports from cgroup v2's memory.stat (statsV2). */
const memoryStatKeysV2 = [
  'anon', 'file', 'kernel_stack', 'slab', 'sock', 'shmem', 'file_mapped', 'file_dirty', 'file_writeback', 'anon_thp',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable', 'slab_reclaimable', 'slab_unreclaimable',
  'pgfault', 'pgmajfault', 'workingset_refault', 'workingset_activate', 'workingset_nodereclaim', 'pgrefill', 'pgscan',
  'pgsteal', 'pgactivate', 'pgdeactivate', 'pglazyfree', 'pglazyfreed', 'thp_fault_alloc', 'thp_collapse_alloc',
];

/** Go encodes a map with its keys sorted. */
function sortedRecord(keys: string[], get: (k: string) => bigint): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const k of [...keys].sort()) out[k] = get(k);
  return out;
}

const omitZero = (v: bigint): bigint | undefined => (v === 0n ? undefined : v);
const omitZeroN = (v: number): number | undefined => (v === 0 ? undefined : v);

function blkio(entries: BlkioEntry[]): DockerBlkioEntry[] {
  return entries.map((e) => ({ major: e.major, minor: e.minor, op: e.op, value: e.value }));
}

function networkStats(nets: Map<string, InterfaceStats>): Record<string, DockerNetworkStats> | undefined {
  if (nets.size === 0) return undefined;
  const out: Record<string, DockerNetworkStats> = {};
  for (const name of [...nets.keys()].sort()) {
    const n = nets.get(name)!;
    out[name] = {
      rx_bytes: n.rxBytes,
      rx_packets: n.rxPackets,
      rx_errors: n.rxErrors,
      rx_dropped: n.rxDropped,
      tx_bytes: n.txBytes,
      tx_packets: n.txPackets,
      tx_errors: n.txErrors,
      tx_dropped: n.txDropped,
    };
  }
  return out;
}

/** dockerd's statsV1/statsV2: cgroup metrics into the API's blkio, cpu, memory and pids members. */
export function convertMetrics(
  m: CgroupMetrics,
  machineMemory: bigint,
): Pick<DockerStats, 'pids_stats' | 'blkio_stats' | 'cpu_stats' | 'memory_stats'> {
  const capLimit = (limit: bigint) => (limit > machineMemory && machineMemory > 0n ? machineMemory : limit);
  const out: Pick<DockerStats, 'pids_stats' | 'blkio_stats' | 'cpu_stats' | 'memory_stats'> = {
    pids_stats: m.pids ? { current: omitZeroN(m.pids.current), limit: omitZeroN(m.pids.limit) } : {},
    blkio_stats: nullBlkio(),
    cpu_stats: zeroCpu(),
    memory_stats: {},
  };
  if (m.version === '1') {
    if (m.blkio) {
      out.blkio_stats = {
        io_service_bytes_recursive: blkio(m.blkio.ioServiceBytesRecursive),
        io_serviced_recursive: blkio(m.blkio.ioServicedRecursive),
        io_queue_recursive: blkio(m.blkio.ioQueuedRecursive),
        io_service_time_recursive: blkio(m.blkio.ioServiceTimeRecursive),
        io_wait_time_recursive: blkio(m.blkio.ioWaitTimeRecursive),
        io_merged_recursive: blkio(m.blkio.ioMergedRecursive),
        io_time_recursive: blkio(m.blkio.ioTimeRecursive),
        sectors_recursive: blkio(m.blkio.sectorsRecursive),
      };
    }
    if (m.cpu) {
      out.cpu_stats = {
        cpu_usage: {
          total_usage: m.cpu.total,
          percpu_usage: m.cpu.perCpu.length ? m.cpu.perCpu : undefined,
          usage_in_kernelmode: m.cpu.kernel,
          usage_in_usermode: m.cpu.user,
        },
        throttling_data: { periods: m.cpu.periods, throttled_periods: m.cpu.throttledPeriods, throttled_time: m.cpu.throttledTime },
      };
    }
    if (m.memory) {
      const stat = m.memory.stat;
      out.memory_stats = {
        usage: omitZero(m.memory.usage),
        max_usage: omitZero(m.memory.maxUsage),
        stats: sortedRecord(memoryStatKeysV1, (k) => stat.get(k) ?? 0n),
        failcnt: omitZero(m.memory.failcnt),
        limit: omitZero(capLimit(m.memory.limit)),
      };
    }
    return out;
  }
  if (m.io) {
    const bytes: DockerBlkioEntry[] = [];
    for (const e of m.io) {
      bytes.push({ major: e.major, minor: e.minor, op: 'read', value: e.rbytes }, { major: e.major, minor: e.minor, op: 'write', value: e.wbytes });
    }
    // Go's nil slice: no device, no entries, `null`.
    out.blkio_stats = { ...nullBlkio(), io_service_bytes_recursive: bytes.length ? bytes : null };
  }
  if (m.cpu) {
    out.cpu_stats = {
      cpu_usage: { total_usage: m.cpu.usageUsec * 1000n, usage_in_kernelmode: m.cpu.systemUsec * 1000n, usage_in_usermode: m.cpu.userUsec * 1000n },
      throttling_data: { periods: m.cpu.nrPeriods, throttled_periods: m.cpu.nrThrottled, throttled_time: m.cpu.throttledUsec * 1000n },
    };
  }
  if (m.memory) {
    const stat = m.memory.stat;
    // memory.max says `max` when unlimited: containerd reads that as the largest uint64.
    const limit = m.memory.limit ?? 18446744073709551615n;
    out.memory_stats = {
      usage: omitZero(m.memory.usage),
      stats: sortedRecord(memoryStatKeysV2, (k) => stat.get(k) ?? 0n),
      failcnt: m.memoryEvents ? omitZero(m.memoryEvents.get('oom') ?? 0n) : undefined,
      limit: omitZero(capLimit(limit)),
    };
  }
  return out;
}

/** One sample in the API's shape; `prev` is the sample before it in the same request, if any. */
export function toDockerStats(
  sample: StatsSample,
  o: { readNs: bigint; name: string; id: string; machineMemory: bigint; prev?: DockerStats | undefined },
): DockerStats {
  const parts = convertMetrics(sample.metrics, o.machineMemory);
  // dockerd's collector adds the host's figures; members in Go's order.
  const cpu: DockerCpuStats = {
    cpu_usage: parts.cpu_stats.cpu_usage,
    system_cpu_usage: sample.system ? omitZero(sample.system.totalNs) : undefined,
    online_cpus: sample.system ? omitZeroN(sample.system.onlineCpus) : undefined,
    throttling_data: parts.cpu_stats.throttling_data,
  };
  return {
    read: formatRfc3339Nano(o.readNs),
    preread: o.prev?.read ?? zeroTime,
    pids_stats: parts.pids_stats,
    blkio_stats: parts.blkio_stats,
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpu,
    precpu_stats: o.prev?.cpu_stats ?? zeroCpu(),
    memory_stats: parts.memory_stats,
    name: o.name,
    id: o.id,
    networks: sample.networks ? networkStats(sample.networks) : undefined,
  };
}

// ------------------------------------------------------------------ what the docker CLI shows

/** CPU % as the docker CLI computes it (calculateCPUPercentUnix): cpu delta over system delta, times CPUs. */
export function cliCpuPercent(s: Pick<DockerStats, 'cpu_stats' | 'precpu_stats'>): number {
  const cpuDelta = Number(s.cpu_stats.cpu_usage.total_usage) - Number(s.precpu_stats.cpu_usage.total_usage);
  const systemDelta = Number(s.cpu_stats.system_cpu_usage ?? 0n) - Number(s.precpu_stats.system_cpu_usage ?? 0n);
  let cpus = s.cpu_stats.online_cpus ?? 0;
  if (cpus === 0) cpus = s.cpu_stats.cpu_usage.percpu_usage?.length ?? 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
}

/** MEM USAGE as the docker CLI shows it: usage less the inactive file cache (v1 total_inactive_file, v2 inactive_file). */
export function cliMemUsage(m: DockerMemoryStats): number {
  const usage = m.usage ?? 0n;
  const v1 = m.stats?.['total_inactive_file'];
  if (v1 !== undefined && v1 < usage) return Number(usage - v1);
  const v2 = m.stats?.['inactive_file'] ?? 0n;
  if (v2 < usage) return Number(usage - v2);
  return Number(usage);
}

// ------------------------------------------------------------------ top

/** dockerd refuses ps arguments that rename the PID column (`-o pid=PID` is the only renaming allowed). */
export function validatePsArgs(psArgs: string): void {
  for (const m of psArgs.matchAll(/\s+(\S*)=\s*(PID\S*)/g)) {
    if (m[1] !== 'pid') throw internal(`specifying "${m[1]}=${m[2]}" is not allowed`);
  }
}

const noHeaderOptions = new Set(['--no-header', '--no-headers', '--no-heading', '--no-headings', '--noheader', '--noheaders', '--noheading', '--noheadings']);

/** `-q1,2,3`: ps reads only these processes (procps' quick-pid mode). */
export function psPidsArg(pids: readonly number[]): string {
  return `-q${pids.join(',')}`;
}

const asciiSpace = /[\t\n\f\r ]+/;
const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);

/**
 * moby's parsePSOutput: titles from the header line, columns found as the vertical runs of spaces
 * that separate them in every line (so a CMD with spaces in a middle column stays whole), and only
 * the rows whose PID belongs to the container. A `-` PID is a thread line of the process above it
 * (`ps m`), kept when that process was.
 */
export function parsePsOutput(output: string, pids: readonly number[]): TopResult {
  const lines = output.split('\n');
  const header = lines[0] ?? '';
  const titles = header.split(asciiSpace).filter(Boolean);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw internal("Couldn't find PID field in ps output");
  const body = lines.slice(1);
  const cols = [...header.matchAll(/\S+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
  cols[0]!.start = 0;
  for (let i = 1; i < cols.length; i++) {
    let start = cols[i]!.start - 1;
    for (;;) {
      let blocked = false;
      for (const line of body) {
        if (line.length > start && !isSpace(line[start])) {
          blocked = true;
          start--;
          break;
        }
      }
      if (start < cols[i - 1]!.end) break;
      if (!blocked) {
        cols[i]!.start = start;
        break;
      }
    }
  }
  const wanted = new Set(pids);
  const processes: string[][] = [];
  const append = (fields: string[]) => {
    const n = titles.length;
    processes.push([...fields.slice(0, n - 1), fields.slice(n - 1).join(' ')]);
  };
  let previousKept = false;
  for (const line of body) {
    if (line.length === 0) continue;
    const fields = cols.map((c, i) => line.slice(c.start, i < cols.length - 1 ? cols[i + 1]!.start : line.length).trim());
    const pidField = fields[pidIndex] ?? '';
    if (pidField === '-') {
      if (previousKept) append(fields);
      continue;
    }
    if (!/^[+-]?\d+$/.test(pidField)) throw internal(`Unexpected pid '${pidField}': strconv.Atoi: parsing ${JSON.stringify(pidField)}: invalid syntax`);
    previousKept = wanted.has(Number(pidField));
    if (previousKept) append(fields);
  }
  return { Processes: processes.length ? processes : null, Titles: titles };
}

// ------------------------------------------------------------------ the service

export interface StatsRequest {
  /** One object a second until the client leaves or the container stops; otherwise one object. */
  stream: boolean;
  /** With stream=false: answer at once from one sample (precpu_stats empty) instead of two. */
  oneShot: boolean;
  signal?: AbortSignal;
}

const running = (rec: ContainerRecord) => rec.state.Status === 'running' || rec.state.Status === 'paused';

/** What runs in a container and what it uses: `top` and `stats`, read from the host (cgroupfs, /proc). */
export class ContainerStats {
  private readonly intervalMs: number;

  constructor(readonly d: ContainerStatsDeps) {
    this.intervalMs = d.intervalMs ?? 1000;
  }

  private get machineMemory(): bigint {
    return BigInt(this.d.host.memTotal);
  }

  /** The container's processes: its cgroup's cgroup.procs (0.01 ms), or the runtime's `ps` (a Go process) if that cannot be read. */
  async pids(rec: ContainerRecord): Promise<number[]> {
    try {
      const pids = cgroupPids({ version: this.d.host.cgroupVersion, cgroupsPath: rec.cgroupsPath, ...(this.d.cgroupRoot && { cgroupRoot: this.d.cgroupRoot }) });
      if (pids) return pids;
    } catch (err) {
      this.d.log.debug('cgroup.procs not readable, asking the runtime', { id: rec.id, err });
    }
    return this.d.driver.ps(rec.id, rec.runtime);
  }

  /** `docker top`: the host's `ps` (default `-ef`) limited to the container's processes, as dockerd runs it. */
  async top(idOrName: string, psArgs = ''): Promise<TopResult> {
    const args = psArgs || '-ef';
    validatePsArgs(args);
    const rec = this.d.containers.find(idOrName);
    if (rec.state.Status === 'restarting') throw conflict(`Container ${rec.id} is restarting, wait until the container is running`);
    if (!running(rec)) throw conflict(`Container ${rec.id} is not running`);
    const pids = await this.pids(rec);
    const argv = args.split(' ');
    for (const a of argv) if (noHeaderOptions.has(a)) throw internal(`option ${a} is not allowed`);
    let r = await runCommand('ps', [...argv, psPidsArg(pids)]);
    if (r.code !== 0) {
      // Some options (forest listings, `f`) refuse -q: the whole table, filtered below.
      r = await runCommand('ps', argv);
      if (r.code !== 0) throw internal(`ps: ${r.stderr.split('\n')[0] || `exit status ${r.code}`}`);
    }
    const out = parsePsOutput(r.stdout, pids);
    this.d.events?.publish('container', 'top', rec.id, { ...(rec.config.Labels ?? {}), image: rec.config.Image, name: rec.name.slice(1) });
    return out;
  }

  /**
   * `GET /containers/{id}/stats`. Checks the request at once (unknown container: not-found), then
   * yields the objects to send:
   * - one-shot: one sample, precpu_stats empty;
   * - stream=false: two samples `intervalMs` apart, the second with the first as precpu (this is why
   *   `docker stats --no-stream` takes a second against dockerd too);
   * - stream: a sample at once (precpu empty), then one every `intervalMs` until the container stops
   *   or the caller stops iterating (or `signal` fires).
   * A container that is not running gets dockerd's zeroed object (name and id only).
   */
  stats(idOrName: string, req: StatsRequest): AsyncGenerator<DockerStats> {
    const rec = this.d.containers.find(idOrName);
    if (req.stream && req.oneShot) throw invalidArgument('cannot have stream=true and one-shot=true');
    return this.samples(rec, req);
  }

  private current(id: string): ContainerRecord | undefined {
    try {
      return this.d.containers.find(id);
    } catch {
      return undefined;
    }
  }

  private reader(rec: ContainerRecord): CgroupStatsReader {
    const net = rec.hostConfig.NetworkMode !== 'host' && !rec.config.NetworkDisabled && rec.state.Pid > 0;
    return new CgroupStatsReader({
      version: this.d.host.cgroupVersion,
      cgroupsPath: rec.cgroupsPath,
      ...(this.d.cgroupRoot && { cgroupRoot: this.d.cgroupRoot }),
      ...(this.d.procRoot && { procRoot: this.d.procRoot }),
      ...(net && { netPid: rec.state.Pid }),
    });
  }

  /** One sample in the API's shape, or undefined when the container's cgroup is gone. */
  private take(reader: CgroupStatsReader, rec: ContainerRecord, prev?: DockerStats): DockerStats | undefined {
    const readNs = nowNs();
    const sample = reader.sample();
    if (!sample) return undefined;
    return toDockerStats(sample, { readNs, name: rec.name, id: rec.id, machineMemory: this.machineMemory, prev });
  }

  /** Waits for the next tick; false when the caller went away. */
  private async tick(due: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return false;
    const ms = Math.max(0, due - performance.now());
    return sleep(ms, true, signal ? { signal } : undefined).catch(() => false);
  }

  /** Still the same run of the same container. */
  private stillRunning(rec: ContainerRecord): boolean {
    const cur = this.current(rec.id);
    return cur !== undefined && running(cur) && cur.state.Pid === rec.state.Pid;
  }

  private async *samples(rec: ContainerRecord, req: StatsRequest): AsyncGenerator<DockerStats> {
    const zero = () => zeroStats(rec.name, rec.id);
    if (!running(rec)) {
      yield zero();
      return;
    }
    const reader = this.reader(rec);
    try {
      const first = this.take(reader, rec);
      if (req.oneShot || !first) {
        yield first ?? zero();
        return;
      }
      let due = performance.now() + this.intervalMs;
      if (!req.stream) {
        if (!(await this.tick(due, req.signal))) return;
        const second = this.stillRunning(rec) ? this.take(reader, rec, first) : undefined;
        yield second ?? zero();
        return;
      }
      yield first;
      let prev = first;
      for (;;) {
        if (!(await this.tick(due, req.signal))) return;
        // A consumer that fell behind (a slow client) gets the next sample a whole interval later, not a burst.
        due = Math.max(due + this.intervalMs, performance.now() + this.intervalMs / 2);
        if (!this.stillRunning(rec)) return;
        const next = this.take(reader, rec, prev);
        if (!next) return;
        yield next;
        prev = next;
      }
    } finally {
      reader.close();
    }
  }
}

/**
 * The numbers of `docker stats`, computed from the daemon's samples with the docker CLI's own
 * arithmetic (cli/command/container/stats_helpers.go), so that berth and docker print the same
 * values for the same sample.
 */
import type { StatsResponse } from '../client/index.js';
import { bytesSize, humanSizeWithPrecision } from './format/units.js';
import { shortId } from './format/text.js';

/** One container's row. `invalid` rows (no sample in time, stream ended) print `--`. */
export interface StatsEntry {
  /** The name or id the row was asked for (docker's `.Container`). */
  container: string;
  /** As the daemon sends it, with its leading slash. */
  name: string;
  id: string;
  cpuPercentage: number;
  memory: number;
  memoryLimit: number;
  memoryPercentage: number;
  networkRx: number;
  networkTx: number;
  blockRead: number;
  blockWrite: number;
  pidsCurrent: number;
  invalid: boolean;
}

export function emptyEntry(container: string): StatsEntry {
  return {
    container,
    name: '',
    id: '',
    cpuPercentage: 0,
    memory: 0,
    memoryLimit: 0,
    memoryPercentage: 0,
    networkRx: 0,
    networkTx: 0,
    blockRead: 0,
    blockWrite: 0,
    pidsCurrent: 0,
    invalid: false,
  };
}

/**
 * The container's share of the host's CPU time between the two readings of the sample, scaled by
 * the number of CPUs (a busy loop on one core of two is 100%).
 */
export function cpuPercent(v: StatsResponse): number {
  const cpuDelta = (v.cpu_stats?.cpu_usage?.total_usage ?? 0) - (v.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (v.cpu_stats?.system_cpu_usage ?? 0) - (v.precpu_stats?.system_cpu_usage ?? 0);
  let online = v.cpu_stats?.online_cpus ?? 0;
  if (online === 0) online = v.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

/**
 * Memory in use without the page cache that could be dropped: usage minus `total_inactive_file`
 * on cgroup v1, minus `inactive_file` on v2 (as cadvisor and the docker CLI since 19.03 count it).
 */
export function memUsageNoCache(mem: StatsResponse['memory_stats']): number {
  const usage = mem?.usage ?? 0;
  const stats = mem?.stats ?? {};
  const v1 = stats['total_inactive_file'];
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = stats['inactive_file'] ?? 0;
  if (v2 < usage) return usage - v2;
  return usage;
}

export function blockIo(v: StatsResponse): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const e of v.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = e.op?.[0];
    if (op === 'r' || op === 'R') read += e.value;
    else if (op === 'w' || op === 'W') write += e.value;
  }
  return { read, write };
}

/** A sample as a row of the table. */
export function entryFromSample(container: string, v: StatsResponse): StatsEntry {
  const memory = memUsageNoCache(v.memory_stats);
  const memoryLimit = v.memory_stats?.limit ?? 0;
  const blk = blockIo(v);
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(v.networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  return {
    container,
    name: v.name ?? '',
    id: v.id ?? '',
    cpuPercentage: cpuPercent(v),
    memory,
    memoryLimit,
    memoryPercentage: memoryLimit !== 0 ? (memory / memoryLimit) * 100 : 0,
    networkRx: rx,
    networkTx: tx,
    blockRead: blk.read,
    blockWrite: blk.write,
    pidsCurrent: v.pids_stats?.current ?? 0,
    invalid: false,
  };
}

const noValue = '--';

/** Go's strconv.FormatFloat(n, 'f', 2, 64) and a `%`: exact ties round to even, where toFixed rounds up. */
export function percentage(n: number): string {
  const fixed = n.toFixed(2);
  const exact = Math.abs(n).toFixed(100);
  const point = exact.indexOf('.');
  const tail = exact.slice(point + 3);
  if (/^50*$/.test(tail)) {
    // An exact tie (n = k/8 for some k): keep the even neighbour.
    const down = Number(exact.slice(0, point + 3));
    const lastDigit = Number(exact[point + 2]);
    if (lastDigit % 2 === 0) return `${n < 0 ? '-' : ''}${down.toFixed(2)}%`;
  }
  return `${fixed}%`;
}

/** The cells of a row as docker's statsContext methods print them (Linux daemons). */
export function statsCells(s: StatsEntry, trunc: boolean): Record<'Container' | 'Name' | 'ID' | 'CPUPerc' | 'MemUsage' | 'MemPerc' | 'NetIO' | 'BlockIO' | 'PIDs', string> {
  return {
    Container: s.container,
    Name: s.name.length > 1 ? s.name.slice(1) : noValue,
    ID: trunc ? shortId(s.id) : s.id,
    CPUPerc: s.invalid ? noValue : percentage(s.cpuPercentage),
    MemUsage: s.invalid ? '-- / --' : `${bytesSize(s.memory)} / ${bytesSize(s.memoryLimit)}`,
    MemPerc: s.invalid ? noValue : percentage(s.memoryPercentage),
    NetIO: s.invalid ? noValue : `${humanSizeWithPrecision(s.networkRx, 3)} / ${humanSizeWithPrecision(s.networkTx, 3)}`,
    BlockIO: s.invalid ? noValue : `${humanSizeWithPrecision(s.blockRead, 3)} / ${humanSizeWithPrecision(s.blockWrite, 3)}`,
    PIDs: s.invalid ? noValue : String(s.pidsCurrent),
  };
}

export const statsHeaders = {
  Container: 'CONTAINER',
  Name: 'NAME',
  ID: 'CONTAINER ID',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};

export const defaultStatsFormat = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

/**
 * What one refresh writes in streaming mode, byte for byte as CLI 28 writes it: cursor home, the
 * table, then the same text again line by line with an erase-to-end-of-line after each, then an
 * erase-below. (The repetition is the CLI's: it re-splits the buffer it is appending to.)
 */
export function streamingFrame(table: string): string {
  let buf = `\x1b[H${table}`;
  for (const line of buf.split('\n')) buf += `${line} \x1b[K\n`;
  return `${buf}\x1b[J`;
}

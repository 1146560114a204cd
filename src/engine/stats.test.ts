import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BerthError, isKind, notFound } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { parseRfc3339, zeroTime } from '../common/time.js';
import { CgroupStatsReader, type CgroupV2Metrics } from '../runtime/cgroup-stats.js';
import type { RuntimeDriver } from '../runtime/driver.js';
import type { ContainerRecord } from './container-record.js';
import type { ContainerService } from './containers.js';
import { EventBus, type EngineEvent } from './events.js';
import type { HostFacts } from './host.js';
import {
  ContainerStats,
  cliCpuPercent,
  cliMemUsage,
  convertMetrics,
  parsePsOutput,
  psPidsArg,
  statsJson,
  toDockerStats,
  validatePsArgs,
  zeroStats,
  type DockerStats,
} from './stats.js';

const webId = 'e696e74db3062c03f7b337ffae3e5610fdb4ba0f3e4f0fc01c1db26a8cdd8279';

/** The body of captures/28b_stats_one.txt (dockerd 20.10, cgroup v1), compact. */
const captured28b =
  '{"read":"2026-11-22T02:38:43.578710302Z","preread":"2026-11-22T02:38:42.575631146Z","pids_stats":{"current":1},"blkio_stats":{"io_service_bytes_recursive":[],"io_serviced_recursive":[],"io_queue_recursive":[],"io_service_time_recursive":[],"io_wait_time_recursive":[],"io_merged_recursive":[],"io_time_recursive":[],"sectors_recursive":[]},"num_procs":0,"storage_stats":{},"cpu_stats":{"cpu_usage":{"total_usage":82602418,"percpu_usage":[31751564,50850854],"usage_in_kernelmode":20000000,"usage_in_usermode":60000000},"system_cpu_usage":1051720000000,"online_cpus":2,"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"precpu_stats":{"cpu_usage":{"total_usage":82602418,"percpu_usage":[31751564,50850854],"usage_in_kernelmode":20000000,"usage_in_usermode":60000000},"system_cpu_usage":1049720000000,"online_cpus":2,"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"memory_stats":{"usage":356352,"max_usage":4083712,"stats":{"active_anon":4096,"active_file":32768,"cache":32768,"dirty":0,"hierarchical_memory_limit":9223372036854771712,"hierarchical_memsw_limit":9223372036854771712,"inactive_anon":45056,"inactive_file":0,"mapped_file":8192,"pgfault":2997,"pgmajfault":1,"pgpgin":2440,"pgpgout":2420,"rss":49152,"rss_huge":0,"total_active_anon":4096,"total_active_file":32768,"total_cache":32768,"total_dirty":0,"total_inactive_anon":45056,"total_inactive_file":0,"total_mapped_file":8192,"total_pgfault":2997,"total_pgmajfault":1,"total_pgpgin":2440,"total_pgpgout":2420,"total_rss":49152,"total_rss_huge":0,"total_unevictable":0,"total_writeback":0,"unevictable":0,"writeback":0},"limit":25276063744},"name":"/web","id":"e696e74db3062c03f7b337ffae3e5610fdb4ba0f3e4f0fc01c1db26a8cdd8279","networks":{"eth0":{"rx_bytes":1016,"rx_packets":12,"rx_errors":0,"rx_dropped":0,"tx_bytes":0,"tx_packets":0,"tx_errors":0,"tx_dropped":0}}}';

/** The cgroup v1 files behind that capture, as the kernel writes them (with the keys dockerd leaves out). */
const webV1: Record<string, string> = {
  'memory/memory.usage_in_bytes': '356352\n',
  'memory/memory.max_usage_in_bytes': '4083712\n',
  'memory/memory.limit_in_bytes': '9223372036854771712\n',
  'memory/memory.failcnt': '0\n',
  'memory/memory.stat': [
    'cache 32768', 'rss 49152', 'rss_huge 0', 'shmem 0', 'mapped_file 8192', 'dirty 0', 'writeback 0', 'swap 0',
    'pgpgin 2440', 'pgpgout 2420', 'pgfault 2997', 'pgmajfault 1', 'inactive_anon 45056', 'active_anon 4096',
    'inactive_file 0', 'active_file 32768', 'unevictable 0', 'hierarchical_memory_limit 9223372036854771712',
    'hierarchical_memsw_limit 9223372036854771712', 'total_cache 32768', 'total_rss 49152', 'total_rss_huge 0',
    'total_shmem 0', 'total_mapped_file 8192', 'total_dirty 0', 'total_writeback 0', 'total_swap 0', 'total_pgpgin 2440',
    'total_pgpgout 2420', 'total_pgfault 2997', 'total_pgmajfault 1', 'total_inactive_anon 45056', 'total_active_anon 4096',
    'total_inactive_file 0', 'total_active_file 32768', 'total_unevictable 0', '',
  ].join('\n'),
  'cpuacct/cpuacct.usage': '82602418\n',
  'cpuacct/cpuacct.usage_percpu': '31751564 50850854 \n',
  'cpuacct/cpuacct.stat': 'user 6\nsystem 2\n',
  'cpu/cpu.stat': 'nr_periods 0\nnr_throttled 0\nthrottled_time 0\n',
  'pids/pids.current': '1\n',
  'pids/pids.max': 'max\n',
  'blkio/blkio.throttle.io_service_bytes_recursive': 'Total 0\n',
  'blkio/blkio.throttle.io_serviced_recursive': 'Total 0\n',
};

const v2Files: Record<string, string> = {
  'cpu.stat': 'usage_usec 183422\nuser_usec 120111\nsystem_usec 63311\nnr_periods 10\nnr_throttled 2\nthrottled_usec 5123\n',
  'memory.current': '1490944\n',
  'memory.max': 'max\n',
  'memory.stat': 'anon 270336\nfile 1032192\nkernel_stack 16384\nsock 0\nshmem 0\nfile_mapped 737280\nfile_dirty 4096\ninactive_anon 253952\nactive_anon 16384\ninactive_file 1028096\nactive_file 4096\nslab 131232\npgfault 1457\npgmajfault 12\nworkingset_refault_file 3\n',
  'memory.events': 'low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\n',
  'pids.current': '3\n',
  'pids.max': 'max\n',
  'io.stat': '8:0 rbytes=1048576 wbytes=4096 rios=12 wios=1 dbytes=0 dios=0\n',
  'cgroup.procs': '',
};

const procStat = (ticks: number) => `cpu  1000 0 2000 ${ticks - 3000} 0 0 0 0 0 0\ncpu0 500 0 1000 1 0 0 0\ncpu1 500 0 1000 1 0 0 0\nintr 1 2 3\n`;
const netDev = `Inter-|   Receive |  Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier compressed\n    lo: 7 1 0 0 0 0 0 0 7 1 0 0 0 0 0 0\n  eth0: 1016 12 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n`;

let dir: string;

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), text);
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-stats-'));
  await writeTree(join(dir, 'v1'), Object.fromEntries(Object.entries(webV1).map(([k, v]) => [k.replace('/', `/docker/${webId}/`), v])));
  await writeTree(join(dir, 'v2', 'berth', webId), { ...v2Files, 'cgroup.procs': `${process.pid}\n` });
  await writeTree(join(dir, 'proc'), {
    stat: procStat(104972),
    '10296/net/dev': netDev,
    '10297/net/dev': netDev.split('\n').filter((l) => !l.includes('eth0')).join('\n'),
  });
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('cgroup v1 files become exactly the object dockerd sent (captures/28b_stats_one)', async () => {
  const r = new CgroupStatsReader({ version: '1', cgroupsPath: `/docker/${webId}`, cgroupRoot: join(dir, 'v1'), procRoot: join(dir, 'proc'), netPid: 10296 });
  try {
    const o = { name: '/web', id: webId, machineMemory: 25276063744n };
    const first = toDockerStats(r.sample()!, { ...o, readNs: parseRfc3339('2026-11-22T02:38:42.575631146Z')! });
    await writeFile(join(dir, 'proc', 'stat'), procStat(105172));
    const second = toDockerStats(r.sample()!, { ...o, readNs: parseRfc3339('2026-11-22T02:38:43.578710302Z')!, prev: first });
    assert.equal(statsJson(second), captured28b);
    // and the docker CLI's row: 0.00%, 348KiB / 23.54GiB
    assert.equal(cliCpuPercent(second).toFixed(2), '0.00');
    assert.equal(cliMemUsage(second.memory_stats), 348 * 1024);
  } finally {
    r.close();
    await writeFile(join(dir, 'proc', 'stat'), procStat(104972));
  }
});

test('cgroup v2 metrics convert as dockerd statsV2 does', () => {
  const m: CgroupV2Metrics = {
    version: '2',
    cpu: { usageUsec: 183422n, userUsec: 120111n, systemUsec: 63311n, nrPeriods: 10n, nrThrottled: 2n, throttledUsec: 5123n },
    memory: { usage: 1490944n, limit: undefined, stat: new Map([['inactive_file', 1028096n], ['anon', 270336n], ['workingset_refault_file', 3n]]) },
    memoryEvents: new Map([['oom', 2n]]),
    pids: { current: 3, limit: 0 },
    io: [{ major: 8, minor: 0, rbytes: 1048576n, wbytes: 4096n, rios: 12n, wios: 1n, dbytes: 0n, dios: 0n }],
  };
  const s = convertMetrics(m, 25276063744n);
  assert.deepEqual(s.pids_stats, { current: 3, limit: undefined });
  assert.deepEqual(s.blkio_stats.io_service_bytes_recursive, [
    { major: 8, minor: 0, op: 'read', value: 1048576n },
    { major: 8, minor: 0, op: 'write', value: 4096n },
  ]);
  assert.equal(s.blkio_stats.io_serviced_recursive, null);
  assert.equal(s.blkio_stats.sectors_recursive, null);
  assert.deepEqual(s.cpu_stats.cpu_usage, { total_usage: 183422000n, usage_in_kernelmode: 63311000n, usage_in_usermode: 120111000n });
  assert.deepEqual(s.cpu_stats.throttling_data, { periods: 10n, throttled_periods: 2n, throttled_time: 5123000n });
  // unlimited (`max`) is the host's memory; failcnt is memory.events' oom
  assert.equal(s.memory_stats.limit, 25276063744n);
  assert.equal(s.memory_stats.failcnt, 2n);
  assert.equal(s.memory_stats.max_usage, undefined);
  const keys = Object.keys(s.memory_stats.stats!);
  assert.equal(keys.length, 31);
  assert.deepEqual(keys, [...keys].sort());
  assert.equal(s.memory_stats.stats!['inactive_file'], 1028096n);
  // dockerd reads the old single key, which kernels 5.9+ split in two
  assert.equal(s.memory_stats.stats!['workingset_refault'], 0n);
  assert.equal(cliMemUsage(s.memory_stats), 1490944 - 1028096);
  // a limit below the host's memory stays; no io devices is Go's nil slice
  const limited = convertMetrics({ ...m, memory: { ...m.memory!, limit: 67108864n }, io: [] }, 25276063744n);
  assert.equal(limited.memory_stats.limit, 67108864n);
  assert.equal(limited.blkio_stats.io_service_bytes_recursive, null);
  // no controllers at all: Go's zero values
  assert.equal(statsJson(convertMetrics({ version: '2' }, 1n).memory_stats), '{}');
});

test('a container that is not running gets Go\'s zero StatsJSON with its name and id', () => {
  assert.equal(
    statsJson(zeroStats('/stopped', 'abc')),
    '{"read":"0001-01-01T00:00:00Z","preread":"0001-01-01T00:00:00Z","pids_stats":{},"blkio_stats":{"io_service_bytes_recursive":null,"io_serviced_recursive":null,"io_queue_recursive":null,"io_service_time_recursive":null,"io_wait_time_recursive":null,"io_merged_recursive":null,"io_time_recursive":null,"sectors_recursive":null},"num_procs":0,"storage_stats":{},"cpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"precpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,"usage_in_usermode":0},"throttling_data":{"periods":0,"throttled_periods":0,"throttled_time":0}},"memory_stats":{},"name":"/stopped","id":"abc"}',
  );
  const z = zeroStats('/stopped', 'abc');
  assert.equal(cliCpuPercent(z), 0);
  assert.equal(cliMemUsage(z.memory_stats), 0);
});

test('statsJson writes bigints exactly and leaves undefined members out', () => {
  assert.equal(statsJson({ a: 9223372036854771712n, b: undefined, c: [1n, null], d: 'x"y', e: 1.5, f: true }), '{"a":9223372036854771712,"c":[1,null],"d":"x\\"y","e":1.5,"f":true}');
  assert.equal(statsJson([]), '[]');
  assert.equal(statsJson({}), '{}');
});

const cpu = (total: bigint, system: bigint, online?: number, percpu?: bigint[]): DockerStats['cpu_stats'] => ({
  cpu_usage: { total_usage: total, ...(percpu && { percpu_usage: percpu }), usage_in_kernelmode: 0n, usage_in_usermode: 0n },
  system_cpu_usage: system,
  ...(online !== undefined && { online_cpus: online }),
  throttling_data: { periods: 0n, throttled_periods: 0n, throttled_time: 0n },
});

test('CPU % as the docker CLI computes it', () => {
  // captures/28_stats, logger: 0.19%
  assert.equal(cliCpuPercent({ cpu_stats: cpu(118836154n, 1047720000000n, 2), precpu_stats: cpu(116928870n, 1045720000000n, 2) }).toFixed(2), '0.19');
  // a busy loop on one of two CPUs: 1 s of CPU in 2 s of host time, times 2 CPUs
  assert.equal(cliCpuPercent({ cpu_stats: cpu(2_000_000_000n, 4_000_000_000n, 2), precpu_stats: cpu(1_000_000_000n, 2_000_000_000n, 2) }), 100);
  // no online_cpus (old daemons): the length of percpu_usage
  assert.equal(cliCpuPercent({ cpu_stats: cpu(2_000_000_000n, 4_000_000_000n, undefined, [1n, 1n, 1n, 1n]), precpu_stats: cpu(1_000_000_000n, 2_000_000_000n) }), 200);
  // the first object of a stream has an empty precpu: the system delta is the whole uptime
  const first = { cpu_stats: cpu(5_000_000_000n, 1_000_000_000_000n, 2), precpu_stats: zeroStats('', '').precpu_stats };
  assert.equal(cliCpuPercent(first), 1);
  // no progress, or a counter that went back: 0
  assert.equal(cliCpuPercent({ cpu_stats: cpu(1n, 10n, 2), precpu_stats: cpu(1n, 5n, 2) }), 0);
  assert.equal(cliCpuPercent({ cpu_stats: cpu(5n, 10n, 2), precpu_stats: cpu(6n, 5n, 2) }), 0);
});

test('MEM USAGE as the docker CLI computes it: usage less inactive file pages', () => {
  assert.equal(cliMemUsage({ usage: 22171648n, stats: { total_inactive_file: 20971520n, inactive_file: 20971520n } }), 22171648 - 20971520);
  assert.equal(cliMemUsage({ usage: 100n, stats: { total_inactive_file: 200n } }), 100 - 0);
  assert.equal(cliMemUsage({ usage: 100n }), 100);
});

const psEf = [
  'UID          PID    PPID  C STIME TTY          TIME CMD',
  'root           1       0  0 03:29 ?        00:00:06 /sbin/init splash',
  'root        7331       1  0 06:15 ?        00:00:00 /usr/bin/conmon --api-version 1 -c 30d2',
  'root        7341    7331  0 06:15 ?        00:00:00 sleep 300',
  'root        7400    7341  0 06:15 ?        00:00:00 sh -c while :; do :; done',
  '',
].join('\n');

test('parsePsOutput keeps the container\'s rows, with titles and CMD whole', () => {
  assert.deepEqual(parsePsOutput(psEf, [7341, 7400]), {
    Processes: [
      ['root', '7341', '7331', '0', '06:15', '?', '00:00:00', 'sleep 300'],
      ['root', '7400', '7341', '0', '06:15', '?', '00:00:00', 'sh -c while :; do :; done'],
    ],
    Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
  });
  assert.deepEqual(parsePsOutput(psEf, []), { Processes: null, Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'] });
});

test('parsePsOutput: aux, a command in a middle column, thread lines', () => {
  const aux = [
    'USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
    'root        7341  0.0  0.0   2268  1440 ?        Ss   06:15   0:00 sleep 300',
    '',
  ].join('\n');
  assert.deepEqual(parsePsOutput(aux, [7341]).Processes, [['root', '7341', '0.0', '0.0', '2268', '1440', '?', 'Ss', '06:15', '0:00', 'sleep 300']]);
  // ps -o cmd,ppid,pid: spaces inside CMD, and a number in it that is another container's pid
  const cmdFirst = ['CMD                          PPID   PID', '/bin/bash /st 28808             1 15468', 'redis-server *:28808        15468 15497', ''].join('\n');
  assert.deepEqual(parsePsOutput(cmdFirst, [15497, 28808]).Processes, [['redis-server *:28808', '15468', '15497']]);
  // ps m: the threads of a kept process follow it with a `-` PID
  const threads = [
    '  PID TTY      STAT   TIME COMMAND',
    '    1 ?        -      0:06 /sbin/init',
    '    - -        Ss     0:06 -',
    ' 7341 ?        -      0:00 sleep 300',
    '    - -        Ss     0:00 -',
    '',
  ].join('\n');
  assert.deepEqual(parsePsOutput(threads, [7341]).Processes, [
    ['7341', '?', '-', '0:00', 'sleep 300'],
    ['-', '-', 'Ss', '0:00', '-'],
  ]);
});

test('parsePsOutput errors as dockerd words them', () => {
  assert.throws(() => parsePsOutput('COMMAND\nsleep\n', [1]), { message: "Couldn't find PID field in ps output" });
  assert.throws(() => parsePsOutput('  PID CMD\n  abc x\n', [1]), { message: 'Unexpected pid \'abc\': strconv.Atoi: parsing "abc": invalid syntax' });
});

test('validatePsArgs: only pid may be renamed to PID', () => {
  validatePsArgs('-ef');
  validatePsArgs('aux');
  validatePsArgs('-o pid=PID,comm');
  assert.throws(() => validatePsArgs('-o user=PID'), { message: 'specifying "user=PID" is not allowed' });
  assert.throws(() => validatePsArgs('-o pid,user=PIDX'), { message: 'specifying "pid,user=PIDX" is not allowed' });
  assert.equal(psPidsArg([1, 2, 3]), '-q1,2,3');
});

// ------------------------------------------------------------------ the service, on fixtures

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, enabled: () => false } as unknown as Logger;

function record(status: 'running' | 'exited' | 'paused' | 'restarting', pid = 10296): ContainerRecord {
  return {
    id: webId,
    name: '/web',
    config: { Image: 'busybox', Labels: { tier: 'front' } },
    hostConfig: { NetworkMode: 'none' },
    state: { Status: status, Pid: pid },
    runtime: 'runc',
    cgroupsPath: `/berth/${webId}`,
  } as unknown as ContainerRecord;
}

function service(rec: { current: ContainerRecord }, events?: EventBus, intervalMs = 50): ContainerStats {
  const containers = {
    find(idOrName: string) {
      if (idOrName === webId || idOrName === 'web') return rec.current;
      throw notFound(`No such container: ${idOrName}`);
    },
  } as unknown as ContainerService;
  const driver = { ps: async () => [] } as unknown as RuntimeDriver;
  const host = { cgroupVersion: '2', memTotal: 25276063744, ncpu: 2 } as HostFacts;
  return new ContainerStats({ containers, driver, host, log: silent, cgroupRoot: join(dir, 'v2'), procRoot: join(dir, 'proc'), intervalMs, ...(events && { events }) });
}

async function collect(gen: AsyncGenerator<DockerStats>, max = 100): Promise<DockerStats[]> {
  const out: DockerStats[] = [];
  for await (const s of gen) {
    out.push(s);
    if (out.length >= max) break;
  }
  return out;
}

test('stats one-shot: one sample at once, precpu empty', async () => {
  const s = service({ current: record('running') });
  const t0 = performance.now();
  const [only, ...rest] = await collect(s.stats('web', { stream: false, oneShot: true }));
  assert.ok(performance.now() - t0 < 40);
  assert.equal(rest.length, 0);
  assert.equal(only!.preread, zeroTime);
  assert.equal(only!.precpu_stats.cpu_usage.total_usage, 0n);
  assert.equal(only!.cpu_stats.cpu_usage.total_usage, 183422000n);
  assert.equal(only!.cpu_stats.online_cpus, 2);
  assert.deepEqual(only!.pids_stats, { current: 3, limit: undefined });
  assert.equal(only!.name, '/web');
  assert.deepEqual(Object.keys(only!.networks ?? {}), ['eth0']);
  assert.equal(only!.networks?.['eth0']?.rx_bytes, 1016n);
  // network none: only lo in the namespace, so no networks member (the CLI shows 0B / 0B)
  const none = service({ current: record('running', 10297) });
  assert.equal((await collect(none.stats('web', { stream: false, oneShot: true })))[0]!.networks, undefined);
  // host network: the host's interfaces are not the container's (dockerd's sandbox has none)
  const hostRec = { ...record('running'), hostConfig: { NetworkMode: 'host' } } as unknown as ContainerRecord;
  assert.equal((await collect(service({ current: hostRec }).stats('web', { stream: false, oneShot: true })))[0]!.networks, undefined);
});

test('stats stream=0: two samples an interval apart, the first as precpu', async () => {
  const s = service({ current: record('running') });
  const t0 = performance.now();
  const all = await collect(s.stats(webId, { stream: false, oneShot: false }));
  assert.ok(performance.now() - t0 >= 45);
  assert.equal(all.length, 1);
  assert.notEqual(all[0]!.preread, zeroTime);
  assert.ok(all[0]!.preread < all[0]!.read);
  assert.equal(all[0]!.precpu_stats.cpu_usage.total_usage, 183422000n);
});

test('stats stream: one object per interval, each with the previous as precpu, until the container stops', async () => {
  const rec = { current: record('running') };
  const s = service(rec);
  const got: DockerStats[] = [];
  const t0 = performance.now();
  for await (const st of s.stats('web', { stream: true, oneShot: false })) {
    got.push(st);
    if (got.length === 4) rec.current = record('exited', 0);
  }
  assert.equal(got.length, 4);
  assert.equal(got[0]!.preread, zeroTime);
  for (let i = 1; i < got.length; i++) {
    assert.equal(got[i]!.preread, got[i - 1]!.read);
    assert.deepEqual(got[i]!.precpu_stats, got[i - 1]!.cpu_stats);
  }
  const ms = performance.now() - t0;
  assert.ok(ms >= 4 * 50 - 10 && ms < 4 * 50 + 200, `${ms} ms`);
});

test('stats stream ends when the caller aborts, and when the container restarted (a new pid)', async () => {
  const ac = new AbortController();
  const s = service({ current: record('running') }, undefined, 10_000);
  const gen = s.stats('web', { stream: true, oneShot: false, signal: ac.signal });
  assert.equal((await gen.next()).done, false);
  setTimeout(() => ac.abort(), 20);
  const t0 = performance.now();
  assert.equal((await gen.next()).done, true);
  assert.ok(performance.now() - t0 < 1000);

  const rec = { current: record('running') };
  const s2 = service(rec, undefined, 20);
  const gen2 = s2.stats('web', { stream: true, oneShot: false });
  assert.equal((await gen2.next()).done, false);
  rec.current = record('running', 999);
  assert.equal((await gen2.next()).done, true);
});

test('stats of a container that is not running: the zeroed object, also when streaming', async () => {
  const s = service({ current: record('exited', 0) });
  for (const req of [
    { stream: false, oneShot: false },
    { stream: false, oneShot: true },
    { stream: true, oneShot: false },
  ]) {
    const all = await collect(s.stats('web', req));
    assert.equal(all.length, 1);
    assert.equal(statsJson(all[0]), statsJson(zeroStats('/web', webId)));
  }
});

test('stats: an unknown container and stream with one-shot are refused before anything runs', () => {
  const s = service({ current: record('running') });
  assert.throws(() => s.stats('nosuch', { stream: false, oneShot: false }), (e: unknown) => isKind(e, 'not-found'));
  assert.throws(
    () => s.stats('web', { stream: true, oneShot: true }),
    (e: unknown) => e instanceof BerthError && e.kind === 'invalid-argument' && e.message === 'cannot have stream=true and one-shot=true',
  );
});

test('top runs the host ps on the container\'s cgroup.procs and publishes a top event', async () => {
  const events = new EventBus();
  const seen: EngineEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const s = service({ current: record('running') }, events);
  const top = await s.top('web');
  assert.deepEqual(top.Titles, ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
  assert.equal(top.Processes?.length, 1);
  assert.equal(top.Processes![0]![1], String(process.pid));
  assert.equal(top.Processes![0]![2], String(process.ppid));
  assert.match(top.Processes![0]![7]!, /node/);
  const aux = await s.top('web', 'aux');
  assert.equal(aux.Titles[1], 'PID');
  assert.equal(aux.Titles.at(-1), 'COMMAND');
  assert.deepEqual(seen.map((e) => [e.Action, e.Actor.ID, e.Actor.Attributes['name'], e.Actor.Attributes['tier']]), [
    ['top', webId, 'web', 'front'],
    ['top', webId, 'web', 'front'],
  ]);
  // forest listings refuse -q: the whole table, filtered
  assert.equal((await s.top('web', 'axf')).Processes?.length, 1);
});

test('top refuses what dockerd refuses', async () => {
  const s = service({ current: record('running') });
  await assert.rejects(s.top('web', '-o user=PID'), { message: 'specifying "user=PID" is not allowed' });
  await assert.rejects(s.top('web', '-o comm'), { message: "Couldn't find PID field in ps output" });
  await assert.rejects(s.top('web', '-ef --no-headers'), { message: 'option --no-headers is not allowed' });
  await assert.rejects(s.top('web', '--nosuchoption'), (e: unknown) => isKind(e, 'internal') && /^ps: /.test((e as Error).message));
  await assert.rejects(service({ current: record('exited', 0) }).top('web'), (e: unknown) => isKind(e, 'conflict') && (e as Error).message === `Container ${webId} is not running`);
  await assert.rejects(service({ current: record('restarting', 0) }).top('web'), {
    message: `Container ${webId} is restarting, wait until the container is running`,
  });
  await assert.rejects(s.top('nosuch'), (e: unknown) => isKind(e, 'not-found'));
});

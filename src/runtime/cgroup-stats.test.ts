import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CgroupStatsReader,
  cgroupPids,
  parseBlkio,
  parseIoStat,
  parseKeyValues,
  parseNetDev,
  parsePercpu,
  parsePidList,
  parseProcStat,
  parseUint,
  sampleOnce,
  type CgroupV1Metrics,
  type CgroupV2Metrics,
} from './cgroup-stats.js';

/** Files as this machine's kernel (6.18, cgroup v1 hybrid) writes them for a busybox container. */
export const v1Files: Record<string, string> = {
  'memory/memory.usage_in_bytes': '22171648\n',
  'memory/memory.max_usage_in_bytes': '23588864\n',
  'memory/memory.limit_in_bytes': '67108864\n',
  'memory/memory.failcnt': '0\n',
  'memory/memory.stat': [
    'cache 20979712', 'rss 49152', 'rss_huge 0', 'shmem 0', 'mapped_file 0', 'dirty 20979712', 'writeback 0',
    'workingset_refault_anon 0', 'workingset_refault_file 2', 'swap 0', 'swapcached 0', 'pgpgin 1211', 'pgpgout 1172',
    'pgfault 1564', 'pgmajfault 0', 'inactive_anon 0', 'active_anon 0', 'inactive_file 20971520', 'active_file 8192',
    'unevictable 0', 'hierarchical_memory_limit 67108864', 'hierarchical_memsw_limit 134217728', 'total_cache 20979712',
    'total_rss 49152', 'total_rss_huge 0', 'total_shmem 0', 'total_mapped_file 0', 'total_dirty 20979712',
    'total_writeback 0', 'total_workingset_refault_anon 0', 'total_workingset_refault_file 2', 'total_swap 0',
    'total_swapcached 0', 'total_pgpgin 1211', 'total_pgpgout 1172', 'total_pgfault 1564', 'total_pgmajfault 0',
    'total_inactive_anon 0', 'total_active_anon 0', 'total_inactive_file 20971520', 'total_active_file 8192',
    'total_unevictable 0', '',
  ].join('\n'),
  'memory/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n',
  'cpuacct/cpuacct.usage': '34449998\n',
  'cpuacct/cpuacct.usage_percpu': '2004504 32445494 \n',
  'cpuacct/cpuacct.stat': 'user 1\nsystem 2\n',
  'cpu/cpu.stat': 'nr_periods 20\nnr_throttled 3\nthrottled_time 4500000\nnr_bursts 0\nburst_time 0\n',
  'pids/pids.current': '1\n',
  'pids/pids.max': '50\n',
  'pids/cgroup.procs': '3963\n',
  'blkio/blkio.throttle.io_service_bytes_recursive': '8:0 Read 4096\n8:0 Write 20971520\n8:0 Sync 4096\n8:0 Async 20971520\n8:0 Discard 0\n8:0 Total 20975616\nTotal 20975616\n',
  'blkio/blkio.throttle.io_serviced_recursive': '8:0 Read 1\n8:0 Write 20\n8:0 Sync 1\n8:0 Async 20\n8:0 Discard 0\n8:0 Total 21\nTotal 21\n',
};

/** cgroup v2 files (kernel 6.x, unified hierarchy, memory/pids/io/cpu enabled). */
export const v2Files: Record<string, string> = {
  'cpu.stat': 'usage_usec 183422\nuser_usec 120111\nsystem_usec 63311\ncore_sched.force_idle_usec 0\nnr_periods 10\nnr_throttled 2\nthrottled_usec 5123\nnr_bursts 0\nburst_usec 0\n',
  'memory.current': '1490944\n',
  'memory.max': 'max\n',
  'memory.stat': [
    'anon 270336', 'file 1032192', 'kernel 180224', 'kernel_stack 16384', 'pagetables 24576', 'sec_pagetables 0',
    'percpu 0', 'sock 0', 'vmalloc 0', 'shmem 0', 'zswap 0', 'zswapped 0', 'file_mapped 737280', 'file_dirty 4096',
    'file_writeback 0', 'swapcached 0', 'anon_thp 0', 'file_thp 0', 'shmem_thp 0', 'inactive_anon 253952',
    'active_anon 16384', 'inactive_file 1028096', 'active_file 4096', 'unevictable 0', 'slab_reclaimable 93464',
    'slab_unreclaimable 37768', 'slab 131232', 'workingset_refault_anon 0', 'workingset_refault_file 0',
    'workingset_activate_anon 0', 'workingset_activate_file 0', 'workingset_restore_anon 0',
    'workingset_restore_file 0', 'workingset_nodereclaim 0', 'pgscan 0', 'pgsteal 0', 'pgscan_kswapd 0',
    'pgscan_direct 0', 'pgsteal_kswapd 0', 'pgsteal_direct 0', 'pgfault 1457', 'pgmajfault 12', 'pgrefill 0',
    'pgactivate 1', 'pgdeactivate 0', 'pglazyfree 0', 'pglazyfreed 0', 'zswpin 0', 'zswpout 0',
    'thp_fault_alloc 0', 'thp_collapse_alloc 0', '',
  ].join('\n'),
  'memory.events': 'low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\noom_group_kill 0\n',
  'pids.current': '3\n',
  'pids.max': 'max\n',
  'io.stat': '8:0 rbytes=1048576 wbytes=4096 rios=12 wios=1 dbytes=0 dios=0\n253:1 rbytes=0 wbytes=8192 rios=0 wios=2 dbytes=0 dios=0\n',
  'cgroup.procs': '4242\n4250\n',
};

const procStat = (userTicks: number) =>
  `cpu  ${userTicks} 10 2000 500000 300 0 40 7 0 0\ncpu0 ${userTicks - 100} 5 1000 250000 150 0 20 3 0 0\ncpu1 100 5 1000 250000 150 0 20 4 0 0\nintr 123 0 0\nctxt 456\nbtime 1795300000\n`;

const netDev = [
  'Inter-|   Receive                                                |  Transmit',
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
  '    lo:     120       2    0    0    0     0          0         0      120       2    0    0    0     0       0          0',
  '  eth0:    1016      12    1    2    0     0          0         0      300       3    4    5    0     0       0          0',
  '',
].join('\n');

let dir: string;

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), text);
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-cgstats-'));
  // v1: /<controller>/berth/abc/<file>
  const v1 = Object.fromEntries(Object.entries(v1Files).map(([k, v]) => [k.replace('/', '/berth/abc/'), v]));
  await writeTree(join(dir, 'v1'), v1);
  await writeTree(join(dir, 'v2', 'berth', 'abc'), v2Files);
  await writeTree(join(dir, 'proc'), { stat: procStat(1000), '4242/net/dev': netDev });
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('parseKeyValues reads flat keyed files and skips what is not a number', () => {
  const m = parseKeyValues('user 1\nsystem 2\n\nbad line\nkey notanumber\nbig 9223372036854771712\n');
  assert.deepEqual([...m], [['user', 1n], ['system', 2n], ['big', 9223372036854771712n]]);
});

test('parseUint: a number, or undefined for max and garbage', () => {
  assert.equal(parseUint('67108864\n'), 67108864n);
  assert.equal(parseUint('9223372036854771712\n'), 9223372036854771712n);
  assert.equal(parseUint('max\n'), undefined);
  assert.equal(parseUint(''), undefined);
});

test('parsePercpu keeps one value per CPU, trailing space and all', () => {
  assert.deepEqual(parsePercpu('2004504 32445494 \n'), [2004504n, 32445494n]);
  assert.deepEqual(parsePercpu('\n'), []);
});

test('parseBlkio: device, operation and value; the cgroup Total line is left out', () => {
  const e = parseBlkio(v1Files['blkio/blkio.throttle.io_service_bytes_recursive']!);
  assert.deepEqual(e.map((x) => `${x.major}:${x.minor} ${x.op} ${x.value}`), [
    '8:0 Read 4096',
    '8:0 Write 20971520',
    '8:0 Sync 4096',
    '8:0 Async 20971520',
    '8:0 Discard 0',
    '8:0 Total 20975616',
  ]);
  assert.deepEqual(parseBlkio('Total 0\n'), []);
  // files without an operation column (blkio.sectors_recursive, blkio.time_recursive)
  assert.deepEqual(parseBlkio('8:16 2048\n'), [{ major: 8, minor: 16, op: '', value: 2048n }]);
});

test('parseIoStat reads cgroup v2 io.stat per device', () => {
  const e = parseIoStat(v2Files['io.stat']!);
  assert.equal(e.length, 2);
  assert.deepEqual(e[0], { major: 8, minor: 0, rbytes: 1048576n, wbytes: 4096n, rios: 12n, wios: 1n, dbytes: 0n, dios: 0n });
  assert.deepEqual(e[1]!.wbytes, 8192n);
  assert.deepEqual(parseIoStat(''), []);
});

test('parseProcStat sums the first seven cpu fields into nanoseconds and counts online CPUs', () => {
  // 1000 + 10 + 2000 + 500000 + 300 + 0 + 40 ticks (steal and guest are not counted), 10 ms each
  assert.deepEqual(parseProcStat(procStat(1000)), { totalNs: 503350n * 10_000_000n, onlineCpus: 2 });
  // the figures of capture 28b_stats_one: 1051720000000 ns
  assert.equal(parseProcStat('cpu  1000 0 2000 102172 0 0 0 0 0 0\ncpu0 1 1 1 1 1 1 1\n').totalNs, 1051720000000n);
});

test('parseNetDev reads every interface of the namespace', () => {
  const m = parseNetDev(netDev);
  assert.deepEqual([...m.keys()], ['lo', 'eth0']);
  assert.deepEqual(m.get('eth0'), { rxBytes: 1016n, rxPackets: 12n, rxErrors: 1n, rxDropped: 2n, txBytes: 300n, txPackets: 3n, txErrors: 4n, txDropped: 5n });
});

test('parsePidList', () => {
  assert.deepEqual(parsePidList('3963\n4001\n\n'), [3963, 4001]);
});

test('cgroup v1: one sample reads cpu and cpuacct from separate mounts, memory, pids, blkio, /proc/stat', () => {
  const s = sampleOnce({ version: '1', cgroupsPath: '/berth/abc', cgroupRoot: join(dir, 'v1'), procRoot: join(dir, 'proc') });
  assert.ok(s);
  const m = s.metrics as CgroupV1Metrics;
  assert.equal(m.version, '1');
  assert.deepEqual(m.cpu, {
    total: 34449998n,
    perCpu: [2004504n, 32445494n],
    user: 10_000_000n,
    kernel: 20_000_000n,
    periods: 20n,
    throttledPeriods: 3n,
    throttledTime: 4500000n,
  });
  assert.equal(m.memory?.usage, 22171648n);
  assert.equal(m.memory?.maxUsage, 23588864n);
  assert.equal(m.memory?.limit, 67108864n);
  assert.equal(m.memory?.stat.get('total_inactive_file'), 20971520n);
  assert.deepEqual(m.pids, { current: 1, limit: 50 });
  assert.equal(m.blkio?.ioServiceBytesRecursive.length, 6);
  assert.equal(m.blkio?.ioServicedRecursive[1]?.value, 20n);
  assert.deepEqual(m.blkio?.sectorsRecursive, []);
  assert.deepEqual(s.system, { totalNs: 503350n * 10_000_000n, onlineCpus: 2 });
  assert.equal(s.networks, undefined);
});

test('cgroup v2: one sample reads cpu.stat, memory.current/max/stat/events, pids, io.stat and the netns without lo', () => {
  const s = sampleOnce({ version: '2', cgroupsPath: '/berth/abc', cgroupRoot: join(dir, 'v2'), procRoot: join(dir, 'proc'), netPid: 4242 });
  assert.ok(s);
  const m = s.metrics as CgroupV2Metrics;
  assert.equal(m.version, '2');
  assert.deepEqual(m.cpu, { usageUsec: 183422n, userUsec: 120111n, systemUsec: 63311n, nrPeriods: 10n, nrThrottled: 2n, throttledUsec: 5123n });
  assert.equal(m.memory?.usage, 1490944n);
  assert.equal(m.memory?.limit, undefined);
  assert.equal(m.memory?.stat.get('inactive_file'), 1028096n);
  assert.equal(m.memoryEvents?.get('oom'), 2n);
  assert.deepEqual(m.pids, { current: 3, limit: 0 });
  assert.equal(m.io?.length, 2);
  assert.deepEqual([...(s.networks?.keys() ?? [])], ['eth0']);
});

test('a kept reader sees new values at each sample', async () => {
  const r = new CgroupStatsReader({ version: '2', cgroupsPath: '/berth/abc', cgroupRoot: join(dir, 'v2'), procRoot: join(dir, 'proc') });
  try {
    const a = r.sample();
    await writeFile(join(dir, 'proc', 'stat'), procStat(3000));
    await writeFile(join(dir, 'v2', 'berth', 'abc', 'cpu.stat'), 'usage_usec 200000\nuser_usec 1\nsystem_usec 2\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n');
    const b = r.sample();
    assert.equal(b!.system!.totalNs - a!.system!.totalNs, 2000n * 10_000_000n);
    assert.equal((b!.metrics as CgroupV2Metrics).cpu?.usageUsec, 200000n);
  } finally {
    r.close();
    await writeFile(join(dir, 'proc', 'stat'), procStat(1000));
    await writeFile(join(dir, 'v2', 'berth', 'abc', 'cpu.stat'), v2Files['cpu.stat']!);
  }
});

test('a cgroup that does not exist gives no sample', () => {
  assert.equal(sampleOnce({ version: '1', cgroupsPath: '/berth/gone', cgroupRoot: join(dir, 'v1'), procRoot: join(dir, 'proc') }), undefined);
  assert.equal(sampleOnce({ version: '2', cgroupsPath: '/berth/gone', cgroupRoot: join(dir, 'v2'), procRoot: join(dir, 'proc') }), undefined);
  assert.equal(cgroupPids({ version: '2', cgroupsPath: '/berth/gone', cgroupRoot: join(dir, 'v2') }), undefined);
});

test('v1 blkio: CFQ files when the kernel has them, the throttling files when they are empty', async () => {
  const root = join(dir, 'cfq');
  const base = 'blkio/berth/abc';
  await writeTree(root, {
    [`${base}/blkio.io_serviced_recursive`]: '8:0 Read 5\n8:0 Write 6\nTotal 11\n',
    [`${base}/blkio.io_service_bytes_recursive`]: '8:0 Read 20480\n8:0 Write 24576\nTotal 45056\n',
    [`${base}/blkio.sectors_recursive`]: '8:0 88\n',
    [`${base}/blkio.throttle.io_service_bytes_recursive`]: '8:0 Read 1\nTotal 1\n',
  });
  const m = sampleOnce({ version: '1', cgroupsPath: '/berth/abc', cgroupRoot: root, systemCpu: false })!.metrics as CgroupV1Metrics;
  assert.equal(m.blkio?.ioServicedRecursive.length, 2);
  assert.equal(m.blkio?.ioServiceBytesRecursive[1]?.value, 24576n);
  assert.deepEqual(m.blkio?.sectorsRecursive, [{ major: 8, minor: 0, op: '', value: 88n }]);
  assert.deepEqual(m.blkio?.ioQueuedRecursive, []);
  // CFQ present but empty (the device runs another scheduler): the throttling layer's counters
  await writeFile(join(root, base, 'blkio.io_serviced_recursive'), 'Total 0\n');
  await writeFile(join(root, base, 'blkio.io_service_bytes_recursive'), 'Total 0\n');
  await writeFile(join(root, base, 'blkio.sectors_recursive'), '');
  const m2 = sampleOnce({ version: '1', cgroupsPath: '/berth/abc', cgroupRoot: root, systemCpu: false })!.metrics as CgroupV1Metrics;
  assert.deepEqual(m2.blkio?.ioServiceBytesRecursive, [{ major: 8, minor: 0, op: 'Read', value: 1n }]);
  assert.deepEqual(m2.blkio?.ioServicedRecursive, []);
});

test('cgroupPids reads cgroup.procs of the cgroup and of the cgroups below it', async () => {
  const root = join(dir, 'nested');
  await writeTree(root, {
    'berth/abc/cgroup.procs': '10\n11\n',
    'berth/abc/child/cgroup.procs': '12\n',
    'berth/abc/child/grandchild/cgroup.procs': '13\n',
    'berth/abc/cpu.stat': 'usage_usec 1\n',
  });
  assert.deepEqual(cgroupPids({ version: '2', cgroupsPath: '/berth/abc', cgroupRoot: root })?.sort((a, b) => a - b), [10, 11, 12, 13]);
  // v1: the pids controller's hierarchy
  assert.deepEqual(cgroupPids({ version: '1', cgroupsPath: '/berth/abc', cgroupRoot: join(dir, 'v1') }), [3963]);
});

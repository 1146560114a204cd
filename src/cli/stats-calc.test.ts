import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatsResponse } from '../client/index.js';
import { cpuPercent, emptyEntry, entryFromSample, memUsageNoCache, percentage, statsCells, streamingFrame } from './stats-calc.js';

/** The sample of captures/28_stats.txt (dockerd 20.10, cgroup v1) for `web`. */
const captured: StatsResponse = {
  name: '/web',
  id: 'e696e74db3062c03f7b337ffae3e5610fdb4ba0f3e4f0fc01c1db26a8cdd8279',
  pids_stats: { current: 1 },
  blkio_stats: { io_service_bytes_recursive: [] },
  cpu_stats: { cpu_usage: { total_usage: 82602418, percpu_usage: [31751564, 50850854] }, system_cpu_usage: 1051720000000, online_cpus: 2 },
  precpu_stats: { cpu_usage: { total_usage: 82602418, percpu_usage: [31751564, 50850854] }, system_cpu_usage: 1049720000000, online_cpus: 2 },
  memory_stats: { usage: 356352, stats: { total_inactive_file: 0, cache: 32768, inactive_file: 0 }, limit: 25276063744 },
  networks: { eth0: { rx_bytes: 1016, tx_bytes: 0 } },
};

test('the captured sample prints as docker printed it (captures/28_stats, row web)', () => {
  const cells = statsCells(entryFromSample('e696e74db306', captured), true);
  assert.deepEqual(cells, {
    Container: 'e696e74db306',
    Name: 'web',
    ID: 'e696e74db306',
    CPUPerc: '0.00%',
    MemUsage: '348KiB / 23.54GiB',
    MemPerc: '0.00%',
    NetIO: '1.02kB / 0B',
    BlockIO: '0B / 0B',
    PIDs: '1',
  });
  assert.equal(statsCells(entryFromSample('web', captured), false).ID, captured.id);
});

test('CPU share: container delta over system delta, times the CPUs (percpu count when online_cpus is absent)', () => {
  const busy: StatsResponse = {
    cpu_stats: { cpu_usage: { total_usage: 3_000_000_000, percpu_usage: [1, 2, 3, 4] }, system_cpu_usage: 10_000_000_000 },
    precpu_stats: { cpu_usage: { total_usage: 2_000_000_000 }, system_cpu_usage: 8_000_000_000 },
  };
  assert.equal(cpuPercent(busy), 200);
  assert.equal(cpuPercent({ ...busy, cpu_stats: { ...busy.cpu_stats, online_cpus: 2 } }), 100);
  // no system progress, or a counter that went back: 0
  assert.equal(cpuPercent({ ...busy, precpu_stats: { cpu_usage: { total_usage: 4_000_000_000 }, system_cpu_usage: 8_000_000_000 } }), 0);
  assert.equal(cpuPercent({}), 0);
});

test('memory without the inactive page cache: total_inactive_file on cgroup v1, inactive_file on v2', () => {
  assert.equal(memUsageNoCache({ usage: 1000, stats: { total_inactive_file: 300, inactive_file: 100 } }), 700);
  assert.equal(memUsageNoCache({ usage: 1000, stats: { inactive_file: 100 } }), 900);
  // a v1 counter not below usage falls through to the v2 rule, as in the docker CLI
  assert.equal(memUsageNoCache({ usage: 1000, stats: { total_inactive_file: 5000, inactive_file: 100 } }), 900);
  assert.equal(memUsageNoCache({ usage: 1000, stats: { inactive_file: 1000 } }), 1000);
  assert.equal(memUsageNoCache(undefined), 0);
  const e = entryFromSample('x', { memory_stats: { usage: 64 * 1024 * 1024, stats: {}, limit: 128 * 1024 * 1024 }, blkio_stats: {
    io_service_bytes_recursive: [
      { major: 8, minor: 0, op: 'Read', value: 4096 },
      { major: 8, minor: 0, op: 'Write', value: 1_500_000 },
      { major: 8, minor: 0, op: 'read', value: 4096 },
      { major: 8, minor: 0, op: 'Total', value: 1 },
    ],
  } });
  assert.deepEqual([e.memoryPercentage, e.blockRead, e.blockWrite], [50, 8192, 1_500_000]);
  assert.equal(statsCells(e, true).BlockIO, '8.19kB / 1.5MB');
});

test('percentages round like Go’s FormatFloat (ties to even), invalid rows print --', () => {
  assert.equal(percentage(12.125), '12.12%');
  assert.equal(percentage(12.375), '12.38%');
  assert.equal(percentage(0.005), '0.01%'); // 0.005 is above the tie in binary
  assert.equal(percentage(99.999), '100.00%');
  const invalid = { ...emptyEntry('web'), invalid: true };
  assert.deepEqual(statsCells(invalid, true), {
    Container: 'web', Name: '--', ID: '', CPUPerc: '--', MemUsage: '-- / --', MemPerc: '--', NetIO: '--', BlockIO: '--', PIDs: '--',
  });
});

test('a streaming refresh is written as CLI 28 writes it (captures/96_stats_stream)', () => {
  assert.equal(
    streamingFrame('H\nrow\n'),
    '\x1b[HH\nrow\n' + '\x1b[HH \x1b[K\n' + 'row \x1b[K\n' + ' \x1b[K\n' + '\x1b[J',
  );
});

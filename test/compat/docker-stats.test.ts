/**
 * `docker top` and `docker stats` (CLI 28) against berthd, checked against what the same CLI printed
 * against dockerd 20.10 (../shared/notes/captures 22_top, 28_stats, 28b_stats_one, 96_stats_stream;
 * the expected output is written out here so CI needs nothing outside the repository). Numbers,
 * ids and times are normalised; headers, columns, alignment and units must match.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { dockerCli, run, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { must } from '../helpers/compare.js';

let d: TestDaemon;

before(async () => {
  d = await startDaemon();
  await must(d.docker(['run', '-d', '--name', 'web', 'busybox', 'sleep', '300']));
  await must(d.docker(['run', '-d', '--name', 'burn', '-m', '64m', 'busybox', 'sh', '-c', 'while :; do :; done']));
  await must(d.docker(['create', '--name', 'idle', 'busybox', 'true']));
});

after(async () => {
  assert.deepEqual(await d.cleanup(), []);
});


/** captures/22_top.txt, client output. */
const capturedTop = [
  'UID                 PID                 PPID                C                   STIME               TTY                 TIME                CMD',
  'root                10296               10276               0                   02:37               ?                   00:00:00            sleep 300',
  '',
].join('\n');

/** captures/28_stats.txt and 28b_stats_one.txt, client output. */
const capturedStats = [
  'CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O       BLOCK I/O   PIDS',
  '919b123411fd   logger    0.19%     692KiB / 23.54GiB   0.00%     726B / 0B     0B / 0B     2',
  'e696e74db306   web       0.00%     348KiB / 23.54GiB   0.00%     1.02kB / 0B   0B / 0B     1',
  '',
].join('\n');

/**
 * A table as cells with their start columns (cells are separated by two spaces or more), numbers
 * replaced: the docker CLI's tabwriter layout with the values that differ from run to run removed.
 */
function layout(text: string): string[][] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => [...line.matchAll(/\S+(?: \S+)*/g)].map((m) => `${m.index}:${m[0].replace(/\d+/g, 'N')}`));
}

/** The docker CLI's tabwriter: in every line the cells start at the same columns. */
function columnStarts(text: string): number[][] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => [...line.matchAll(/\S+(?: \S+)*/g)].map((m) => m.index));
}

/** go-units HumanSizeWithPrecision(n, 3) with binary units, as the CLI prints memory. */
function binarySize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number(n.toPrecision(4))}${units[i]}`;
}

test('docker top web: the layout of captures/22_top', async () => {
  const r = await must(d.docker(['top', 'web']));
  assert.deepEqual(layout(r.stdout), layout(capturedTop));
  assert.equal(r.stderr, '');
});

test('docker top web aux: ps aux columns, the container\'s process only', async () => {
  const r = await must(d.docker(['top', 'web', 'aux']));
  const rows = layout(r.stdout);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0], ['0:USER', '20:PID', '40:%CPU', '60:%MEM', '80:VSZ', '100:RSS', '120:TTY', '140:STAT', '160:START', '180:TIME', '200:COMMAND']);
  assert.equal(rows[1]![0], '0:root');
  assert.equal(rows[1]!.at(-1), '200:sleep N');
});

test('docker top of a stopped or unknown container', async () => {
  const stopped = await d.docker(['top', 'idle']);
  assert.equal(stopped.code, 1);
  assert.match(stopped.stderr, /^Error response from daemon: Container [0-9a-f]{64} is not running\n$/);
  const missing = await d.docker(['top', 'nosuch']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error response from daemon: No such container: nosuch\n');
});

/** The cells of a stats table, split on the tabwriter's gaps (three spaces or more). */
function cells(line: string): string[] {
  return line.trim().split(/ {3,}/);
}

function checkStatsRow(row: string[], name: string, limit: string): void {
  const [id, n, cpu, mem, memPct, net, block, pids] = row;
  assert.match(id!, /^[0-9a-f]{12}$/);
  assert.equal(n, name);
  assert.match(cpu!, /^\d+\.\d\d%$/);
  assert.match(mem!, new RegExp(`^\\d+(\\.\\d+)?(B|KiB|MiB|GiB) / ${limit.replace('.', '\\.')}$`));
  assert.match(memPct!, /^\d+\.\d\d%$/);
  // --network none: dockerd leaves `networks` out and the CLI shows 0B / 0B
  assert.equal(net, '0B / 0B');
  assert.match(block!, /^\d+(\.\d+)?k?B \/ \d+(\.\d+)?k?B$/);
  assert.match(pids!, /^\d+$/);
}

test('docker stats --no-stream: the running containers, in the columns of captures/28_stats', async () => {
  const t0 = Date.now();
  const r = await must(d.docker(['stats', '--no-stream']));
  assert.ok(Date.now() - t0 < 5000);
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.deepEqual(cells(lines[0]!), cells(capturedStats.split('\n')[0]!));
  assert.equal(lines.length, 3, r.stdout);
  const rows = new Map(lines.slice(1).map((l) => [cells(l)[1]!, cells(l)]));
  assert.deepEqual([...rows.keys()].sort(), ['burn', 'web']);
  const host = binarySize(totalmem());
  if (totalmem() === 25276063744) assert.equal(host, '23.54GiB'); // the machine of the captures
  checkStatsRow(rows.get('web')!, 'web', host);
  checkStatsRow(rows.get('burn')!, 'burn', '64MiB');
  // the busy loop shows as about one CPU, the sleeper as nothing
  const burnCpu = parseFloat(rows.get('burn')![2]!);
  assert.ok(burnCpu > 40 && burnCpu < 110, `burn at ${burnCpu}%`);
  assert.equal(rows.get('web')![2], '0.00%');
  assert.equal(rows.get('web')![7], '1');
  // aligned as the tabwriter aligns: every line's cells start where the header's do
  const starts = columnStarts(r.stdout);
  for (const s of starts.slice(1)) assert.deepEqual(s, starts[0]);
  assert.equal(r.stderr, '');
});

test('docker stats --no-stream web: one row, as captures/28b_stats_one', async () => {
  const r = await must(d.docker(['stats', '--no-stream', 'web']));
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 2);
  assert.deepEqual(cells(lines[0]!), cells(capturedStats.split('\n')[0]!));
  checkStatsRow(cells(lines[1]!), 'web', binarySize(totalmem()));
  // with the same values as dockerd's row, the same layout
  const captured = capturedStats.split('\n');
  assert.deepEqual(layout(lines.join('\n')).map((row) => row.length), layout([captured[0], captured[2]].join('\n')).map((row) => row.length));
});

test('docker stats --no-stream --format', async () => {
  const r = await must(d.docker(['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}}', 'web', 'burn']));
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, new RegExp(`^web 0\\.00% \\d+(\\.\\d+)?(B|KiB|MiB) / ${binarySize(totalmem()).replace('.', '\\.')}$`));
  assert.match(lines[1]!, /^burn \d+\.\d\d% \d+(\.\d+)?(B|KiB|MiB) \/ 64MiB$/);
  const json = await must(d.docker(['stats', '--no-stream', '--format', '{{json .}}', 'web']));
  const o = JSON.parse(json.stdout) as Record<string, string>;
  assert.equal(o['Name'], 'web');
  assert.equal(o['NetIO'], '0B / 0B');
  assert.equal(o['PIDs'], '1');
});

test('docker stats --no-stream of a stopped container: zeros, as dockerd\'s empty object shows', async () => {
  const r = await must(d.docker(['stats', '--no-stream', 'idle']));
  const row = cells(r.stdout.split('\n').filter(Boolean)[1]!);
  assert.deepEqual(row.slice(1), ['idle', '0.00%', '0B / 0B', '0.00%', '0B / 0B', '0B / 0B', '0']);
  const all = await must(d.docker(['stats', '--no-stream', '-a']));
  assert.equal(all.stdout.split('\n').filter(Boolean).length, 4);
});

test('docker stats (streaming) refreshes with values, as in captures/96_stats_stream', async () => {
  // docker 28 may keep drawing after the first SIGINT when names are given (docker/cli#6090): -k ends it.
  const r = await run('timeout', ['-s', 'INT', '-k', '2', '3', dockerCli, 'stats', 'burn'], { env: d.env });
  // the CLI redraws the table (cursor home + clear) for each refresh until interrupted
  const frames = r.stdout.split('\u001b[H').filter((f) => f.includes('CONTAINER ID'));
  assert.ok(frames.length >= 2, `${frames.length} frames`);
  // After the interrupt docker 28 may draw a frame of `--` (docker/cli#6090): the last one with values counts.
  const rows = frames.map((f) => f.replace(/\u001b\[[JK]/g, '').split('\n').find((l) => l.includes('burn')) ?? '');
  const row = rows.filter((r) => r !== '' && !r.includes('--')).at(-1);
  assert.ok(row, rows.join('\n'));
  const cpu = parseFloat(cells(row)[2]!);
  assert.ok(cpu > 40, row);
});

/**
 * `top` and `stats` on real containers: the numbers come from the containers' cgroups and move
 * the way the workloads make them move; the wire shapes are the ones dockerd sends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDaemon, type RunResult, type TestDaemon } from '../helpers/daemon.js';
import { api, eventually } from '../helpers/api.js';

let d: TestDaemon;

interface Stats {
  read: string;
  preread: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: Record<string, Array<{ major: number; minor: number; op: string; value: number }> | null>;
  num_procs: number;
  storage_stats: Record<string, unknown>;
  cpu_stats: Cpu;
  precpu_stats: Cpu;
  memory_stats: { usage?: number; max_usage?: number; limit?: number; failcnt?: number; stats?: Record<string, number> };
  name: string;
  id: string;
  networks?: Record<string, unknown>;
}
interface Cpu {
  cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

const zeroTime = '0001-01-01T00:00:00Z';

async function must(p: Promise<RunResult>): Promise<RunResult> {
  const r = await p;
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return r;
}

async function stats(name: string, query = 'stream=0'): Promise<{ body: Stats; headers: IncomingHttpHeaders; ms: number }> {
  const t0 = performance.now();
  const r = await api(d.socket, 'GET', `/v1.41/containers/${name}/stats?${query}`);
  assert.equal(r.status, 200, r.text());
  return { body: r.json<Stats>(), headers: r.headers, ms: performance.now() - t0 };
}

const cpuPercent = (s: Stats) => {
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
  const sysDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
  return sysDelta > 0 && cpuDelta > 0 ? (cpuDelta / sysDelta) * (s.cpu_stats.online_cpus ?? 0) * 100 : 0;
};

/** A streamed response: headers when they arrive, then one parsed object per line as it comes. */
function openStream(path: string): Promise<{ headers: IncomingHttpHeaders; objects: AsyncGenerator<{ at: number; body: Stats }>; close(): void; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, method: 'GET', path }, (res) => {
      const queue: Array<{ at: number; body: Stats }> = [];
      let wake: (() => void) | undefined;
      let done = false;
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          queue.push({ at: performance.now(), body: JSON.parse(buf.slice(0, i)) as Stats });
          buf = buf.slice(i + 1);
        }
        wake?.();
      });
      const ended = new Promise<void>((r) => res.on('end', r));
      void ended.then(() => {
        done = true;
        wake?.();
      });
      res.on('error', () => {});
      async function* objects() {
        for (;;) {
          if (queue.length) yield queue.shift()!;
          else if (done) return;
          else await new Promise<void>((r) => (wake = r));
        }
      }
      resolve({ headers: res.headers, objects: objects(), close: () => req.destroy(), ended });
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  d = await startDaemon();
  await must(d.docker(['run', '-d', '--name', 'web', 'busybox', 'sleep', '300']));
  await must(d.docker(['run', '-d', '--name', 'burn', 'busybox', 'sh', '-c', 'while :; do :; done']));
  await must(d.docker(['run', '-d', '--name', 'limited', '-m', '64m', '--pids-limit', '33', 'busybox', 'sleep', '300']));
  await must(d.docker(['run', '-d', '--name', 'writer', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/tmp/x bs=1M count=20 && touch /tmp/done && sleep 300']));
  await must(d.docker(['create', '--name', 'idle', 'busybox', 'true']));
});

after(async () => {
  assert.deepEqual(await d.cleanup(), []);
});

test('stats stream=0: one JSON object after two samples a second apart, in dockerd\'s shape', async () => {
  const { body: s, headers, ms } = await stats('web');
  assert.ok(ms >= 950 && ms < 3000, `${ms} ms`);
  assert.equal(headers['content-type'], 'application/json');
  assert.ok(headers['content-length']);
  assert.deepEqual(Object.keys(s), ['read', 'preread', 'pids_stats', 'blkio_stats', 'num_procs', 'storage_stats', 'cpu_stats', 'precpu_stats', 'memory_stats', 'name', 'id']);
  assert.equal(s.name, '/web');
  assert.match(s.id, /^[0-9a-f]{64}$/);
  const gap = Date.parse(s.read) - Date.parse(s.preread);
  assert.ok(gap >= 950 && gap < 1500, `read - preread = ${gap} ms`);
  assert.deepEqual(Object.keys(s.cpu_stats), ['cpu_usage', 'system_cpu_usage', 'online_cpus', 'throttling_data']);
  assert.equal(s.cpu_stats.online_cpus, readdirSync('/sys/devices/system/cpu').filter((n) => /^cpu\d+$/.test(n)).length);
  assert.ok(s.cpu_stats.system_cpu_usage! > s.precpu_stats.system_cpu_usage!);
  assert.ok(s.cpu_stats.cpu_usage.total_usage > 0);
  assert.equal(s.cpu_stats.cpu_usage.percpu_usage?.length, s.cpu_stats.online_cpus);
  assert.deepEqual(s.pids_stats, { current: 1 });
  assert.deepEqual(Object.keys(s.blkio_stats), [
    'io_service_bytes_recursive', 'io_serviced_recursive', 'io_queue_recursive', 'io_service_time_recursive',
    'io_wait_time_recursive', 'io_merged_recursive', 'io_time_recursive', 'sectors_recursive',
  ]);
  for (const v of Object.values(s.blkio_stats)) {
    assert.ok(Array.isArray(v));
    for (const e of v) assert.deepEqual(Object.keys(e), ['major', 'minor', 'op', 'value']);
  }
  assert.equal(s.num_procs, 0);
  assert.deepEqual(s.storage_stats, {});
  // no -m: the host's memory, as dockerd reports it
  assert.equal(s.memory_stats.limit, totalmem());
  assert.ok(s.memory_stats.usage! > 0 && s.memory_stats.max_usage! >= s.memory_stats.usage!);
  assert.ok('total_inactive_file' in s.memory_stats.stats!);
  assert.equal(Object.keys(s.memory_stats.stats!).length, 32);
  // --network none: no interface but lo, and dockerd then leaves networks out
  assert.equal(s.networks, undefined);
});

test('stats one-shot answers at once with an empty precpu; stream with one-shot is refused', async () => {
  const { body: s, ms } = await stats('web', 'stream=0&one-shot=1');
  assert.ok(ms < 500, `${ms} ms`);
  assert.equal(s.preread, zeroTime);
  assert.deepEqual(s.precpu_stats, { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } });
  const bad = await api(d.socket, 'GET', '/v1.41/containers/web/stats?stream=1&one-shot=1');
  assert.equal(bad.status, 400);
  assert.equal(bad.json<{ message: string }>().message, 'cannot have stream=true and one-shot=true');
  const missing = await api(d.socket, 'GET', '/v1.41/containers/nosuch/stats?stream=0');
  assert.equal(missing.status, 404);
  assert.equal(missing.json<{ message: string }>().message, 'No such container: nosuch');
});

test('a CPU-burning container: usage grows and the CLI\'s arithmetic gives about one CPU', async () => {
  const a = (await stats('burn', 'stream=0&one-shot=1')).body;
  const { body: b } = await stats('burn');
  assert.ok(b.cpu_stats.cpu_usage.total_usage > a.cpu_stats.cpu_usage.total_usage);
  assert.ok(b.cpu_stats.cpu_usage.usage_in_usermode >= a.cpu_stats.cpu_usage.usage_in_usermode);
  const pct = cpuPercent(b);
  // one busy loop: 100% of one CPU, less whatever else the host makes it wait for
  assert.ok(pct > 40 && pct < 110, `${pct}%`);
  assert.ok(cpuPercent((await stats('web')).body) < 5);
});

test('memory and pids limits: -m 64m and --pids-limit 33', async () => {
  const { body: s } = await stats('limited', 'stream=0&one-shot=1');
  assert.equal(s.memory_stats.limit, 64 * 1024 * 1024);
  assert.equal(s.memory_stats.stats!['hierarchical_memory_limit'], 64 * 1024 * 1024);
  assert.deepEqual(s.pids_stats, { current: 1, limit: 33 });
});

test('writing 20 MB into the container shows as page cache and usage', async () => {
  await eventually(async () => (await d.docker(['exec', 'writer', 'test', '-e', '/tmp/done'])).code === 0, 20_000, 'dd to finish');
  const { body: s } = await stats('writer', 'stream=0&one-shot=1');
  const mb = 1024 * 1024;
  assert.ok(s.memory_stats.usage! >= 20 * mb, `usage ${s.memory_stats.usage}`);
  assert.ok(s.memory_stats.stats!['total_cache']! >= 20 * mb, `cache ${s.memory_stats.stats!['total_cache']}`);
  assert.ok(s.memory_stats.max_usage! >= s.memory_stats.usage!);
  // what the docker CLI shows subtracts the inactive file pages
  const shown = s.memory_stats.usage! - (s.memory_stats.stats!['total_inactive_file'] ?? 0);
  assert.ok(shown >= 0 && shown <= s.memory_stats.usage!);
});

test('stats stream=1: headers at once, no Content-Type, one object a second with the previous as precpu', async () => {
  const t0 = performance.now();
  const st = await openStream('/v1.41/containers/burn/stats?stream=1');
  assert.ok(performance.now() - t0 < 500);
  assert.equal(st.headers['content-type'], undefined);
  assert.equal(st.headers['transfer-encoding'], 'chunked');
  const got: Array<{ at: number; body: Stats }> = [];
  for await (const o of st.objects) {
    got.push(o);
    if (got.length === 3) break;
  }
  st.close();
  assert.equal(got[0]!.body.preread, zeroTime);
  assert.ok(got[0]!.at - t0 < 500, 'the first object comes at once');
  for (let i = 1; i < 3; i++) {
    const gap = got[i]!.at - got[i - 1]!.at;
    assert.ok(gap > 800 && gap < 1300, `gap ${gap} ms`);
    assert.equal(got[i]!.body.preread, got[i - 1]!.body.read);
    assert.deepEqual(got[i]!.body.precpu_stats, got[i - 1]!.body.cpu_stats);
    assert.ok(got[i]!.body.cpu_stats.cpu_usage.total_usage > got[i - 1]!.body.cpu_stats.cpu_usage.total_usage);
    assert.ok(cpuPercent(got[i]!.body) > 40);
  }
  // `stream` absent means streaming, `stream=` (empty) means not, as dockerd reads its booleans
  const dflt = await openStream('/v1.41/containers/web/stats');
  assert.equal(dflt.headers['content-type'], undefined);
  dflt.close();
  assert.equal((await stats('web', 'stream=&one-shot=1')).body.name, '/web');
});

test('a stream ends cleanly when the container stops; a client that leaves stops its sampling', async () => {
  await must(d.docker(['run', '-d', '--name', 'shortlived', 'busybox', 'sleep', '300']));
  const st = await openStream('/v1.41/containers/shortlived/stats?stream=1');
  const first = await st.objects.next();
  assert.equal(first.done, false);
  const t0 = performance.now();
  await must(d.docker(['kill', 'shortlived']));
  const rest: Stats[] = [];
  for await (const o of st.objects) rest.push(o.body);
  await st.ended;
  assert.ok(performance.now() - t0 < 2500);
  assert.ok(rest.length <= 2);
  // descriptors: every stream closes what it opened, whichever way it ended
  const fds = () => readdirSync(`/proc/${d.pid}/fd`).length;
  const before = fds();
  const streams = await Promise.all([1, 2, 3].map(() => openStream('/v1.41/containers/web/stats?stream=1')));
  for (const s of streams) await s.objects.next();
  for (const s of streams) s.close();
  await eventually(async () => fds() <= before + 1, 5000, 'stream descriptors to be closed');
  assert.equal((await api(d.socket, 'GET', '/_ping')).status, 200);
});

test('a container that is not running: the zeroed object, at once', async () => {
  const { body: s, ms } = await stats('idle');
  assert.ok(ms < 500);
  assert.equal(s.read, zeroTime);
  assert.deepEqual(s.pids_stats, {});
  assert.equal(s.blkio_stats['io_service_bytes_recursive'], null);
  assert.deepEqual(s.memory_stats, {});
  assert.equal(s.name, '/idle');
  const streamed = await openStream('/v1.41/containers/idle/stats?stream=1');
  const all: Stats[] = [];
  for await (const o of streamed.objects) all.push(o.body);
  assert.equal(all.length, 1);
  assert.equal(all[0]!.read, zeroTime);
});

test('top: ps -ef by default, ps_args as given, only the container\'s processes', async () => {
  const r = await api(d.socket, 'GET', '/v1.41/containers/web/top');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/json');
  assert.equal(r.text().indexOf('"Processes"'), 1, 'Processes before Titles, as dockerd encodes it');
  const top = r.json<{ Titles: string[]; Processes: string[][] }>();
  assert.deepEqual(top.Titles, ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
  assert.equal(top.Processes.length, 1);
  assert.equal(top.Processes[0]![7], 'sleep 300');
  const pid = (await api(d.socket, 'GET', '/containers/web/json')).json<{ State: { Pid: number } }>().State.Pid;
  assert.equal(top.Processes[0]![1], String(pid));

  const aux = (await api(d.socket, 'GET', '/v1.41/containers/web/top?ps_args=aux')).json<{ Titles: string[]; Processes: string[][] }>();
  assert.deepEqual(aux.Titles, ['USER', 'PID', '%CPU', '%MEM', 'VSZ', 'RSS', 'TTY', 'STAT', 'START', 'TIME', 'COMMAND']);
  assert.equal(aux.Processes.length, 1);
  assert.equal(aux.Processes[0]![0], 'root');
  assert.equal(aux.Processes[0]![10], 'sleep 300');

  // a shell with a child: both, and nothing from the host
  const burn = (await api(d.socket, 'GET', `/v1.41/containers/burn/top?ps_args=${encodeURIComponent('-o pid,ppid,args')}`)).json<{ Titles: string[]; Processes: string[][] }>();
  assert.deepEqual(burn.Titles, ['PID', 'PPID', 'COMMAND']);
  assert.deepEqual(burn.Processes.map((p) => p[2]), ['sh -c while :; do :; done']);
});

test('top errors: not running, unknown, a ps_args without a PID column', async () => {
  const idleId = (await api(d.socket, 'GET', '/containers/idle/json')).json<{ Id: string }>().Id;
  const stopped = await api(d.socket, 'GET', '/v1.41/containers/idle/top');
  assert.equal(stopped.status, 409);
  assert.equal(stopped.json<{ message: string }>().message, `Container ${idleId} is not running`);
  assert.equal((await api(d.socket, 'GET', '/v1.41/containers/nosuch/top')).status, 404);
  const noPid = await api(d.socket, 'GET', `/v1.41/containers/web/top?ps_args=${encodeURIComponent('-o comm')}`);
  assert.equal(noPid.status, 500);
  assert.equal(noPid.json<{ message: string }>().message, "Couldn't find PID field in ps output");
  const renamed = await api(d.socket, 'GET', `/v1.41/containers/web/top?ps_args=${encodeURIComponent('-o user=PID')}`);
  assert.equal(renamed.json<{ message: string }>().message, 'specifying "user=PID" is not allowed');
});

test('paused: stats and top still answer', async () => {
  await must(d.docker(['pause', 'web']));
  try {
    const { body: s } = await stats('web', 'stream=0&one-shot=1');
    assert.equal(s.pids_stats.current, 1);
    const top = (await api(d.socket, 'GET', '/v1.41/containers/web/top')).json<{ Processes: string[][] }>();
    assert.equal(top.Processes.length, 1);
  } finally {
    await must(d.docker(['unpause', 'web']));
  }
});

test('cost: a one-shot stats request and a top request', async () => {
  const n = 50;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await stats('web', 'stream=0&one-shot=1');
  const statsMs = (performance.now() - t0) / n;
  const t1 = performance.now();
  for (let i = 0; i < 10; i++) assert.equal((await api(d.socket, 'GET', '/v1.41/containers/web/top')).status, 200);
  const topMs = (performance.now() - t1) / 10;
  // Generous bounds: the point is that no runtime process is spawned for stats.
  assert.ok(statsMs < 20, `stats one-shot round trip ${statsMs.toFixed(2)} ms`);
  assert.ok(topMs < 100, `top round trip ${topMs.toFixed(2)} ms`);
  await sleep(0);
  process.stdout.write(`# stats one-shot round trip ${statsMs.toFixed(2)} ms, top round trip ${topMs.toFixed(2)} ms\n`);
});

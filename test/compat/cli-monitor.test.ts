/**
 * `berth top`, `stats`, `port` and the health/init flags of `run`, against the docker CLI 28 on one
 * berthd: the same bytes (with "berth" for "docker") where the output is stable, the same shape
 * (headers, columns, values that parse) where it moves from one moment to the next.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { dockerCli, repoRoot, startDaemon, type RunOptions, type RunResult, type TestDaemon } from '../helpers/daemon.js';
import { must, asBerth } from '../helpers/compare.js';

let d: TestDaemon;

before(async () => {
  d = await startDaemon();
  await must(d.docker(['run', '-d', '--name', 'web', 'busybox', 'sleep', '600']));
  await must(d.docker(['run', '-d', '--name', 'burn', '-m', '64m', 'busybox', 'sh', '-c', 'while :; do :; done']));
  await must(d.docker(['create', '--name', 'idle', 'busybox', 'true']));
});

after(async () => {
  assert.deepEqual(await d.cleanup(), []);
});



async function same(args: string[], opts: RunOptions & { normalize?: (s: string) => string } = {}): Promise<RunResult> {
  const norm = opts.normalize ?? ((s: string) => s);
  const docker = await d.docker(args, opts);
  const berth = await d.berth(args, opts);
  const label = `berth ${args.join(' ')}`;
  assert.equal(norm(berth.stdout), norm(asBerth(docker.stdout)), `${label}: stdout`);
  assert.equal(norm(berth.stderr), norm(asBerth(docker.stderr)), `${label}: stderr`);
  assert.equal(berth.code, docker.code, `${label}: exit status`);
  return berth;
}

/** Numbers that move between two runs (CPU, times, PIDs) as N; the layout around them is kept. */
const numbersOut = (s: string) => s.replace(/\d+(\.\d+)?/g, 'N');
/** Also the alignment, which follows the widths of those numbers. */
const shapeOnly = (s: string) => numbersOut(s).replace(/ {2,}/g, '  ');

test('top: docker’s table (its own tabwriter), ps options, and the errors', async () => {
  for (const args of [['top', 'web'], ['top', 'web', 'aux'], ['top', 'web', '-o', 'pid,comm,args'], ['container', 'top', 'web', '-ef']]) {
    const r = await same(args, { normalize: shapeOnly });
    // Aligned by a tabwriter of minimum width 20: every cell starts where its title does.
    const starts = r.stdout.split('\n').filter(Boolean).map((l) => [...l.matchAll(/(?:^|(?<=  ))\S/g)].map((m) => m.index));
    for (const row of starts.slice(1)) assert.deepEqual(row.slice(0, -1), starts[0]!.slice(0, row.length - 1), r.stdout);
    assert.ok(starts[0]!.every((x) => x! % 20 === 0), r.stdout);
  }
  const r = await d.berth(['top', 'web', '-o', 'pid,comm']);
  assert.match(r.stdout, /^PID {17}COMMAND\n\d+ +sleep\n$/);
  for (const args of [['top', 'idle'], ['top', 'nosuch'], ['top', ''], ['top'], ['top', 'web', 'bogus-ps-option'], ['top', 'web', '-o', 'comm']]) {
    await same(args, { normalize: (s) => s.replace(/[0-9a-f]{64}/g, 'ID') });
  }
});

test('port: nothing published here, and docker’s errors for a port asked for', async () => {
  for (const args of [
    ['port', 'web'],
    ['port', 'web', '80'],
    ['port', 'web', '80/udp'],
    ['port', 'web', 'abc'],
    ['port', 'web', '70000/tcp'],
    ['port', 'web', '/tcp'],
    ['port', 'nosuch'],
    ['port', ''],
    ['port'],
    ['port', 'web', '80', 'extra'],
    ['container', 'port', 'idle', '443'],
  ]) {
    await same(args);
  }
});

/** The cells of a stats row (the tabwriter's gaps are three spaces or more). */
const cells = (line: string) => line.trim().split(/ {3,}/);

function checkRow(row: string[]): void {
  const [id, , cpu, mem, memPct, net, block, pids] = row;
  assert.match(id!, /^[0-9a-f]{12}$/);
  assert.match(cpu!, /^\d+\.\d\d%$/);
  assert.match(mem!, /^\d+(\.\d+)?(B|KiB|MiB|GiB) \/ \d+(\.\d+)?(B|KiB|MiB|GiB)$/);
  assert.match(memPct!, /^\d+\.\d\d%$/);
  assert.match(net!, /^\d+(\.\d+)?k?B \/ \d+(\.\d+)?k?B$/);
  assert.match(block!, /^\d+(\.\d+)?[kMG]?B \/ \d+(\.\d+)?[kMG]?B$/);
  assert.match(pids!, /^\d+$/);
}

test('stats --no-stream: docker’s header, the same rows, values that parse', async () => {
  for (const args of [['stats', '--no-stream'], ['stats', '--no-stream', '-a'], ['stats', '--no-stream', 'web', 'burn', 'idle'], ['container', 'stats', '--no-stream', 'web']]) {
    const docker = await must(d.docker(args));
    const berth = await must(d.berth(args));
    const dl = docker.stdout.split('\n').filter(Boolean);
    const bl = berth.stdout.split('\n').filter(Boolean);
    assert.equal(bl[0], dl[0], `${args.join(' ')}: header`);
    assert.deepEqual(bl.slice(1).map((l) => cells(l)[1]).sort(), dl.slice(1).map((l) => cells(l)[1]).sort(), `${args.join(' ')}: rows`);
    for (const l of bl.slice(1)) checkRow(cells(l));
    // The busy loop is about a CPU in both; the sleeper shows none.
    for (const out of [dl, bl]) {
      const burn = out.find((l) => cells(l)[1] === 'burn');
      if (burn) assert.ok(parseFloat(cells(burn)[2]!) > 40, burn);
      const web = out.find((l) => cells(l)[1] === 'web');
      if (web) assert.equal(cells(web)[2], '0.00%');
    }
    assert.equal(berth.stderr, '');
  }
});

test('stats --format: templates, table, json and --no-trunc', async () => {
  // Fields that do not move are compared byte for byte.
  await same(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}} {{.Container}} {{.NetIO}}', 'web', 'idle']);
  await same(['stats', '--no-stream', '--format', 'table {{.Name}}\t{{.PIDs}}', 'web', 'idle']);
  await same(['stats', '--no-stream', '--format', '{{.Bogus}}', 'web']);
  await same(['stats', '--no-stream', '--format', '{{.Name', 'web']);
  await same(['stats', '--no-stream', '--format', 'table {{.MemPerc}}\t{{.CPUPerc}}', 'burn'], { normalize: shapeOnly });
  const docker = JSON.parse((await must(d.docker(['stats', '--no-stream', '--format', 'json', 'burn']))).stdout) as Record<string, string>;
  const berth = JSON.parse((await must(d.berth(['stats', '--no-stream', '--format', 'json', 'burn']))).stdout) as Record<string, string>;
  assert.deepEqual(Object.keys(berth), Object.keys(docker));
  assert.deepEqual([berth['Name'], berth['Container'], berth['ID'], berth['PIDs']], [docker['Name'], docker['Container'], docker['ID'], docker['PIDs']]);
  assert.match(berth['MemUsage']!, / \/ 64MiB$/);
  const long = await must(d.berth(['stats', '--no-stream', '--no-trunc', '--format', '{{.ID}}', 'web']));
  assert.match(long.stdout, /^[0-9a-f]{64}\n$/);
});

test('stats of unknown or stopped containers', async () => {
  await same(['stats', '--no-stream', 'nosuch']);
  await same(['stats', '--no-stream', 'nosuch', 'web', 'nosuch2'], { normalize: shapeOnly });
  await same(['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}', 'idle']);
  // Streaming a container that is not running: its stream ends at once, which docker reports as EOF.
  await same(['stats', 'idle']);
});

/** Runs a CLI for as long as `until` says, then interrupts it, and returns what it wrote. */
function streamed(cli: 'docker' | 'berth', args: string[], until: (out: string) => boolean): Promise<RunResult & { signalled: boolean }> {
  const [file, argv] = cli === 'docker' ? [dockerCli, args] : [process.execPath, ['--', join(repoRoot, 'bin', 'berth.js'), ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { env: { ...process.env, ...d.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let sent = false;
    const interrupt = () => {
      if (sent) return;
      sent = true;
      child.kill('SIGINT');
      // CLI 28 keeps drawing after one interrupt when names were given (docker/cli#6090).
      hard = setTimeout(() => child.kill('SIGKILL'), 3000);
    };
    let hard: NodeJS.Timeout | undefined;
    const limit = setTimeout(interrupt, 30_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (until(out)) interrupt();
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      clearTimeout(hard);
      resolve({ code: code ?? -1, stdout: out, stderr: err, signalled: signal !== null });
    });
  });
}

/** The refreshes of a streaming run: each is `ESC[H table ESC[H table-again-with-ESC[K ESC[J`. */
function frames(out: string): string[] {
  return out.split('\x1b[J').filter((f) => f !== '');
}

function checkFrame(frame: string): string {
  assert.ok(frame.startsWith('\x1b[H'), JSON.stringify(frame));
  const [table, again] = frame.slice(3).split('\x1b[H') as [string, string];
  assert.equal(again, table.split('\n').map((l) => `${l} \x1b[K\n`).join(''));
  return table;
}

test('stats streaming: redraws like CLI 28 (cursor home, table, erase), values each refresh; an interrupt ends it', async () => {
  const count = (out: string) => frames(out).length >= 4;
  const [docker, berth] = await Promise.all([streamed('docker', ['stats'], count), streamed('berth', ['stats'], count)]);
  for (const r of [docker, berth]) {
    const fs = frames(r.stdout);
    assert.ok(fs.length >= 4, r.stdout);
    const tables = fs.map(checkFrame);
    // A full frame has the two running containers with values; the last, drawn after the
    // interrupt, shows them as `--`, and the CLI exits 130 without a word.
    const full = tables[1]!.split('\n').filter(Boolean);
    assert.equal(full.length, 3, tables[1]);
    for (const l of full.slice(1)) checkRow(cells(l));
    assert.match(tables.at(-1)!, /web {7}-- {8}-- \/ --/);
    assert.equal(r.code, 130);
    assert.equal(r.stderr, '');
  }
  assert.equal(shapeOnly(checkFrame(frames(berth.stdout)[1]!)), shapeOnly(checkFrame(frames(docker.stdout)[1]!)));
});

test('stats streaming without names follows containers that start and die (docker watches events)', async () => {
  let started = false;
  let killed = false;
  const result = await streamed('berth', ['stats', '--format', '{{.Name}}'], (out) => {
    const last = frames(out).at(-1) ?? '';
    if (!started && last.includes('web')) {
      started = true;
      void d.docker(['run', '-d', '--name', 'late', 'busybox', 'sleep', '600']);
    }
    if (started && !killed && last.includes('late')) {
      killed = true;
      void d.docker(['kill', 'late']);
    }
    return killed && !last.includes('late');
  });
  assert.ok(started && killed, result.stdout);
  const names = frames(result.stdout).map((f) => checkFrame(f).split('\n').filter(Boolean).sort().join(','));
  const withLate = names.indexOf('burn,late,web');
  assert.ok(withLate > 0, names.join('\n'));
  assert.ok(names.slice(withLate).includes('burn,web'), names.join('\n'));
  await d.docker(['rm', '-f', 'late']);
});

test('stats of a named container streams until interrupted', async () => {
  const r = await streamed('berth', ['stats', 'web'], (out) => frames(out).length >= 3);
  const tables = frames(r.stdout).map(checkFrame);
  checkRow(cells(tables[0]!.split('\n')[1]!));
  assert.equal(r.code, 130);
});

test('--health-cmd and friends: docker’s request, a container that becomes healthy in ps', async () => {
  const flags = ['--health-cmd', 'test -e /proc/1', '--health-interval', '300ms', '--health-timeout', '2s', '--health-retries', '2', '--health-start-period', '1m'];
  await must(d.docker(['create', '--name', 'hc-d', ...flags, 'busybox', 'sleep', '600']));
  await must(d.berth(['create', '--name', 'hc-b', ...flags, 'busybox', 'sleep', '600']));
  for (const format of ['{{json .Config.Healthcheck}}', '{{json .HostConfig.Init}} {{.Config.StopSignal}}']) {
    const [a, b] = [await d.docker(['inspect', '-f', format, 'hc-d']), await d.docker(['inspect', '-f', format, 'hc-b'])];
    assert.equal(b.stdout, a.stdout);
  }
  await must(d.berth(['start', 'hc-b']));
  let ps = '';
  for (let i = 0; i < 200 && !ps.includes('(healthy)'); i++) {
    ps = (await must(d.berth(['ps', '--filter', 'name=hc-b', '--format', '{{.Status}}']))).stdout;
    if (!ps.includes('(healthy)')) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(ps, /^Up .* \(healthy\)\n$/);
  await must(d.berth(['rm', '-f', 'hc-d', 'hc-b']));

  await must(d.berth(['create', '--name', 'nohc', '--no-healthcheck', 'busybox']));
  assert.equal((await d.docker(['inspect', '-f', '{{json .Config.Healthcheck}}', 'nohc'])).stdout, '{"Test":["NONE"]}\n');
  await must(d.berth(['rm', 'nohc']));
  for (const args of [
    ['run', '--no-healthcheck', '--health-cmd', 'true', 'busybox'],
    ['create', '--no-healthcheck', '--health-retries', '3', 'busybox'],
    ['run', '--health-interval', '-1s', 'busybox'],
    ['run', '--health-retries', '-1', 'busybox'],
    ['run', '--health-interval', '10', 'busybox'],
    ['run', '--health-timeout', 'x', 'busybox'],
    ['run', '--init=maybe', 'busybox'],
    // The flag needs API 1.44; berthd speaks 1.41, so the CLI refuses before creating anything.
    ['run', '--health-start-interval', '1s', '--health-cmd', 'true', 'busybox'],
    ['create', '--health-start-interval', '0s', 'busybox'],
  ]) {
    await same(args);
  }
  assert.equal((await d.docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean).length, 3, 'bad input created nothing');
});

test('--init: PID 1 is docker-init running the command; --stop-signal and --stop-timeout sent as docker sends them', async () => {
  for (const init of ['--init', '--init=false']) {
    const a = await must(d.docker(['run', '--rm', init, 'busybox', 'cat', '/proc/1/cmdline']));
    const b = await must(d.berth(['run', '--rm', init, 'busybox', 'cat', '/proc/1/cmdline']));
    assert.equal(b.stdout, a.stdout);
    assert.equal(b.stderr, a.stderr);
    if (init === '--init') assert.match(b.stdout, /^\/sbin\/docker-init\0--\0cat\0\/proc\/1\/cmdline\0$/);
    else assert.equal(b.stdout, 'cat\0/proc/1/cmdline\0');
  }
  const flags = ['--init', '--stop-signal', 'SIGUSR1', '--stop-timeout', '7'];
  await must(d.docker(['create', '--name', 'in-d', ...flags, 'busybox']));
  await must(d.berth(['create', '--name', 'in-b', ...flags, 'busybox']));
  const format = '{{json .HostConfig.Init}} {{.Config.StopSignal}} {{.Config.StopTimeout}}';
  const [a, b] = [await d.docker(['inspect', '-f', format, 'in-d']), await d.docker(['inspect', '-f', format, 'in-b'])];
  assert.equal(a.stdout, 'true SIGUSR1 7\n');
  assert.equal(b.stdout, a.stdout);
  await must(d.berth(['rm', 'in-d', 'in-b']));
});

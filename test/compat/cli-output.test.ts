/**
 * The berth CLI against the docker CLI 28, on one berthd: listings, inspect, info/version, events,
 * daemon errors and usage errors must print the same bytes (with "berth" where docker says "docker")
 * and exit with the same status.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { startDaemon, type RunResult, type RunOptions, type TestDaemon } from '../helpers/daemon.js';
import { must, asBerth } from '../helpers/compare.js';

let d: TestDaemon;
let since = 0;

before(async () => {
  d = await startDaemon();
  since = Math.floor(Date.now() / 1000) - 1;
  // Some state for the listings: running, exited (7), created and labelled containers.
  await must(d.docker(['run', '-d', '--name', 'web', '-l', 'x=y', 'busybox', 'sleep', '300']));
  await must(d.docker(['run', '--name', 'waiter', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 7']), 7);
  await must(d.docker(['create', '--name', 'fresh', 'busybox', 'echo', 'a very long command line that gets truncated']));
  await must(d.docker(['tag', 'busybox', 'berthtest/bb:t1']));
});

after(async () => {
  const leaks = await d.cleanup();
  assert.deepEqual(leaks, []);
});



/**
 * Runs the same command line through both CLIs and asserts identical output and status. Listings
 * say "Up 3 seconds", so a pair that straddles a second is run again (up to three times) before
 * it counts as a difference.
 */
async function same(args: string[], opts: RunOptions & { normalize?: (s: string) => string } = {}): Promise<RunResult> {
  const norm = opts.normalize ?? ((s: string) => s);
  let docker: RunResult;
  let berth: RunResult;
  for (let attempt = 0; ; attempt++) {
    docker = await d.docker(args, opts);
    berth = await d.berth(args, opts);
    const equal = norm(berth.stdout) === norm(asBerth(docker.stdout)) && norm(berth.stderr) === norm(asBerth(docker.stderr)) && berth.code === docker.code;
    if (equal || attempt === 2 || !/second|minute/.test(docker.stdout)) break;
  }
  const label = `berth ${args.join(' ')}`;
  assert.equal(norm(sameSecond(berth.stdout, docker.stdout)), norm(asBerth(docker.stdout)), `${label}: stdout`);
  assert.equal(norm(berth.stderr), norm(asBerth(docker.stderr)), `${label}: stderr`);
  assert.equal(berth.code, docker.code, `${label}: exit status`);
  return berth;
}

/**
 * berth's output with each "N seconds" that is one second off docker's (the two ran a moment
 * apart, and a listing has several clocks that can each roll over) replaced by docker's; any
 * other difference stays for the comparison to find.
 */
function sameSecond(berthOut: string, dockerOut: string): string {
  const ages = /(\d+) seconds/g;
  const theirs = [...dockerOut.matchAll(ages)].map((m) => Number(m[1]));
  let i = 0;
  return berthOut.replace(ages, (whole, n: string) => {
    const t = theirs[i++];
    return t !== undefined && Math.abs(t - Number(n)) === 1 ? `${t} seconds` : whole;
  });
}

test('ps in all its forms', async () => {
  for (const args of [
    ['ps'],
    ['ps', '-a'],
    ['ps', '-a', '--no-trunc'],
    ['ps', '-aq'],
    ['ps', '-q', '--no-trunc'],
    ['ps', '-a', '-s'],
    ['ps', '-l'],
    ['ps', '-n', '2'],
    ['ps', '-a', '--filter', 'status=exited'],
    ['ps', '-a', '--filter', 'name=web', '--filter', 'label=x=y'],
    ['container', 'ls', '-a'],
    ['container', 'ps', '-a'],
    ['container', 'list'],
  ]) {
    await same(args);
  }
});

/**
 * docker walks an image's repositories in Go map order, which changes from run to run; berth keeps
 * the daemon's order. The rows are compared as a set.
 */
const rowsAsSet = (s: string) => {
  const [header = '', ...rows] = s.split('\n');
  return [header, ...rows.sort()].join('\n');
};

test('images, history and system df', async () => {
  for (const args of [
    ['images'],
    ['images', '-a'],
    ['images', '-q'],
    ['images', '--no-trunc'],
    ['images', '--digests'],
    ['images', '--filter', 'dangling=true'],
    ['image', 'ls'],
  ]) {
    await same(args, { normalize: rowsAsSet });
  }
  for (const args of [
    ['images', 'busybox'],
    ['images', 'berthtest/bb:t1'],
    ['images', 'busybox:nosuch'],
    ['history', 'busybox'],
    ['history', '--no-trunc', 'busybox'],
    ['history', '-q', 'busybox'],
    ['history', '--human=false', 'busybox'],
    ['image', 'history', 'berthtest/bb:t1'],
    ['system', 'df'],
  ]) {
    await same(args);
  }
});

test('inspect prints the daemon JSON like docker, and -f field paths', async () => {
  for (const args of [
    ['inspect', 'web'],
    ['inspect', 'busybox'],
    ['inspect', 'web', 'busybox'],
    ['container', 'inspect', 'waiter'],
    ['image', 'inspect', 'berthtest/bb:t1'],
    ['inspect', '--type', 'image', 'busybox'],
    ['inspect', '-f', '{{.State.Running}} {{.Name}} {{.State.ExitCode}}', 'web', 'waiter'],
    ['inspect', '-f', '{{json .Config.Cmd}}', 'fresh'],
    ['inspect', '-f', '{{.Config.Cmd}}', 'fresh'],
    ['inspect', '--format', '{{.Id}}', 'nosuch'],
    ['inspect', 'nosuch'],
    ['inspect', 'nosuch', 'busybox'],
    ['container', 'inspect', 'nosuch'],
    ['image', 'inspect', 'nosuch'],
  ]) {
    await same(args);
  }
});

test('info and version: the server part is docker’s', async () => {
  const server = (s: string) =>
    s
      .slice(s.indexOf('Server:'))
      // docker lists runtimes in Go's random map order
      .replace(/^( Runtimes:)(.*)$/m, (_m, label: string, names: string) => `${label} ${names.trim().split(' ').sort().join(' ')}`);
  await same(['info'], { normalize: server });
  await same(['system', 'info'], { normalize: server });
  await same(['version'], { normalize: server });
  const v = await d.berth(['version']);
  assert.match(v.stdout, /^Client:\n Version: {11}0\.1\.0\n API version: {7}1\.41\n/);
});

test('events between two times, and the durations docker accepts', async () => {
  const until = Math.floor(Date.now() / 1000) + 1;
  await new Promise((r) => setTimeout(r, 1100));
  await same(['events', '--since', String(since), '--until', String(until)]);
  await same(['events', '--since', String(since), '--until', String(until), '--filter', 'type=container', '--filter', 'event=die']);
  await same(['system', 'events', '--since', new Date(since * 1000).toISOString(), '--until', new Date(until * 1000).toISOString()]);
  // A relative --since resolves on each client; nothing happened in the last second.
  await same(['events', '--since', '1s', '--until', '0s']);
  await same(['events', '--since', 'bogus']);
});

test('daemon errors, one per container, and the summaries docker adds', async () => {
  for (const args of [
    ['stop', 'nosuch', 'nosuch2'],
    ['start', 'nosuch', 'nosuch2'],
    ['kill', 'nosuch'],
    ['kill', 'waiter'],
    ['pause', 'nosuch'],
    ['unpause', 'nosuch'],
    ['restart', 'nosuch'],
    ['rm', 'nosuch1', 'nosuch2'],
    ['rm', '-f', 'nosuch'],
    ['rm', 'web'],
    ['rename', 'nosuch', 'x'],
    ['wait', 'nosuch', 'nosuch2'],
    ['logs', 'nosuch'],
    ['rmi', 'nosuch'],
    ['rmi', '-f', 'nosuch'],
    ['tag', 'nosuch', 'x'],
    ['tag', 'busybox', 'UPPER'],
    ['history', 'nosuch'],
    ['save', 'nosuch'],
    ['ps', '--filter', 'bogus=1'],
    ['images', '--filter', 'bogus=1'],
    ['create', '--name', 'web', 'busybox'],
    ['create', 'BUSYBOX'],
  ]) {
    await same(args);
  }
});

test('usage errors: flags exit 125, argument counts and unknown commands 1', async () => {
  for (const args of [
    ['ps', '--bogus'],
    ['ps', '-z'],
    ['ps', 'extra'],
    ['ps', '-n', 'x'],
    ['ps', '--filter'],
    ['ps', '--filter', 'novalue'],
    ['run'],
    ['run', '--bogus'],
    ['run', '-e'],
    ['run', '--name'],
    ['run', '--memory', '1x', 'busybox'],
    ['run', '--cpus', 'x', 'busybox'],
    ['run', '--cpus', '1.0000000001', 'busybox'],
    ['run', '--pids-limit', 'x', 'busybox'],
    ['run', '-e', '=x', 'busybox'],
    ['run', '-a', 'bogus', 'busybox'],
    ['run', '-l', 'a b=c', 'busybox'],
    ['run', '-l', '=x', 'busybox'],
    ['run', '--rm=maybe', 'busybox'],
    ['create', '--bogus', 'busybox'],
    ['stop'],
    ['stop', '-t', 'x', 'c'],
    ['kill', '-s'],
    ['logs'],
    ['logs', 'a', 'b'],
    ['rename', 'a'],
    ['tag', 'a'],
    ['wait'],
    ['inspect'],
    ['history'],
    ['save'],
    ['rmi'],
    ['import'],
    ['load', '--bogus'],
    ['events', 'a'],
    ['system', 'df', '--bogus'],
    ['container', 'prune', '--bogus'],
    ['bogus'],
    ['container', 'bogus'],
    ['image', 'bogus'],
    ['--bogus'],
  ]) {
    await same(args);
  }
});

test('the daemon can be chosen with -H, BERTH_HOST or DOCKER_HOST, over unix:// or tcp://', async () => {
  // berthd listens on its socket only; a relay on 127.0.0.1 puts it behind plain-HTTP TCP.
  const relay: Server = createServer((c) => {
    const s = connect(d.socket);
    c.pipe(s).pipe(c);
    c.on('error', () => s.destroy());
    s.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const tcp = `tcp://127.0.0.1:${(relay.address() as AddressInfo).port}`;
  try {
    const nowhere = { DOCKER_HOST: 'unix:///nonexistent.sock', BERTH_HOST: 'unix:///nonexistent.sock' };
    await same(['-H', tcp, 'ps', '-a'], { env: nowhere });
    await same(['--host', `unix://${d.socket}`, 'images'], { env: nowhere, normalize: rowsAsSet });
    const viaDockerHost = await d.berth(['ps', '-aq'], { env: { BERTH_HOST: '', DOCKER_HOST: tcp } });
    assert.equal(viaDockerHost.stdout, (await d.docker(['ps', '-aq'])).stdout);
    // BERTH_HOST wins over DOCKER_HOST.
    const precedence = await d.berth(['ps', '-aq'], { env: { BERTH_HOST: tcp, DOCKER_HOST: 'unix:///nonexistent.sock' } });
    assert.equal(precedence.code, 0, precedence.stderr);
    // Attach is hijacked over TCP just as over the socket.
    await same(['-H', tcp, 'run', '--rm', '-i', 'busybox', 'sh', '-c', 'cat; echo err >&2; exit 4'], { env: nowhere, input: 'via tcp\n' });
    const down = await d.berth(['-H', 'tcp://127.0.0.1:1', 'ps']);
    assert.equal(down.stderr, 'Cannot connect to the berth daemon at tcp://127.0.0.1:1. Is the berth daemon running?\n');
    assert.equal(down.code, 1);
  } finally {
    await new Promise((r) => relay.close(r));
  }
});

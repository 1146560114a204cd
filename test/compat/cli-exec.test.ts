/**
 * `exec` without a terminal through the berth CLI and the docker CLI 28 on one berthd: the same
 * stdout, stderr and exit status for the same command line.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, type RunOptions, type RunResult, type TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;
let dir: string;

before(async () => {
  d = await startDaemon();
  dir = await mkdtemp(join(tmpdir(), 'berth-exec-'));
  const r = await d.docker(['run', '-d', '--name', 'box', '-e', 'FROM_CONTAINER=yes', '-w', '/tmp', 'busybox', 'sleep', '600']);
  assert.equal(r.code, 0, r.stderr);
  const c = await d.docker(['create', '--name', 'idle', 'busybox', 'true']);
  assert.equal(c.code, 0, c.stderr);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
  assert.deepEqual(await d.cleanup(), []);
});

const normalize = (s: string) => s.replace(/\b[0-9a-f]{64}\b/g, '<id>').replace(/\bdocker\b/g, 'berth');

function compare(docker: RunResult, berth: RunResult, label: string): void {
  assert.equal(normalize(berth.stdout), normalize(docker.stdout), `${label}: stdout`);
  assert.equal(normalize(berth.stderr), normalize(docker.stderr), `${label}: stderr`);
  assert.equal(berth.code, docker.code, `${label}: exit status`);
}

/** The same command line through both CLIs; the docker result is returned for further checks. */
async function same(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const docker = await d.docker(args, opts);
  const berth = await d.berth(args, opts);
  compare(docker, berth, `exec ${args.join(' ')}`);
  return docker;
}

test('output streams and the exit status of the command', async () => {
  const r = await same(['exec', 'box', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.deepEqual([r.stdout, r.stderr, r.code], ['out\n', 'err\n', 3]);
  await same(['exec', 'box', 'true']);
  await same(['container', 'exec', 'box', 'sh', '-c', 'kill -TERM $$']);
  // Flags end at the container: the rest belongs to the command.
  await same(['exec', 'box', 'ls', '-d', '/etc', '--', '/tmp']);
});

test('-e, --env-file, -w, -u and --privileged reach the process; the container env is inherited', async () => {
  const envFile = join(dir, 'env');
  await writeFile(envFile, '\uFEFFFOO=1\n# a comment\n\n  BAR=two words \nFROMHOST\nUNSET_HERE\r\n');
  const env = { FROMHOST: 'host-value', B: 'b-value' };
  const r = await same(['exec', '-e', 'A=1', '-e', 'B', '-e', 'FROM_CONTAINER=no', '-w', '/etc', '-u', 'nobody', 'box', 'sh', '-c', 'echo "$A|$B|$FROM_CONTAINER|$PWD|$(id -un)"'], { env });
  assert.equal(r.stdout, '1|b-value|no|/etc|nobody\n');
  const f = await same(['exec', '--env-file', envFile, '-e', 'FOO=2', 'box', 'sh', '-c', 'echo "$FOO|$BAR|$FROMHOST|${UNSET_HERE-unset}|$FROM_CONTAINER|$PWD"'], { env });
  assert.equal(f.stdout, '2|two words |host-value|unset|yes|/tmp\n');
  await same(['exec', '--privileged', 'box', 'grep', 'CapEff', '/proc/self/status']);
  await same(['exec', '-u', '1234:5678', 'box', 'id']);
});

test('env files and env values that docker refuses', async () => {
  const spaced = join(dir, 'spaced');
  await writeFile(spaced, 'GOOD=1\nBAD KEY=2\n');
  const nameless = join(dir, 'nameless');
  await writeFile(nameless, '=value\n');
  const binary = join(dir, 'binary');
  await writeFile(binary, Buffer.from([0x41, 0x3d, 0xff, 0x0a]));
  for (const args of [
    ['exec', '--env-file', join(dir, 'missing'), 'box', 'true'],
    ['exec', '--env-file', spaced, 'box', 'true'],
    ['exec', '--env-file', nameless, 'box', 'true'],
    ['exec', '--env-file', binary, 'box', 'true'],
    ['exec', '-e', '=x', 'box', 'true'],
  ]) {
    const r = await same(args);
    assert.notEqual(r.code, 0);
  }
});

test('a command that cannot run: 127 when not found, 126 when not executable or the directory is missing', async () => {
  assert.equal((await same(['exec', 'box', 'nosuchcmd'])).code, 127);
  assert.equal((await same(['exec', 'box', '/etc'])).code, 126);
  assert.equal((await same(['exec', '-w', '/nonexistent', 'box', 'true'])).code, 126);
});

test("docker's errors: unknown and stopped containers, missing arguments, bad flags and detach keys", async () => {
  for (const args of [
    ['exec', 'nosuch', 'true'],
    ['exec', 'idle', 'true'],
    ['exec', 'box'],
    ['exec'],
    ['exec', '--nosuchflag', 'box', 'true'],
    ['exec', '--detach-keys', 'bogus', 'box', 'true'],
    ['exec', '-it', 'box', 'true'],
    ['exec', '-it', 'nosuch', 'true'],
    ['exec', '-it', 'idle', 'true'],
  ]) {
    const r = await same(args);
    assert.notEqual(r.code, 0, args.join(' '));
  }
});

test('-t without a terminal on stdin: raw TTY output, stderr on it too', async () => {
  const r = await same(['exec', '-t', 'box', 'sh', '-c', 'echo out; echo err >&2; tty; exit 5']);
  assert.match(r.stdout, /^out\r\nerr\r\n\/dev\/pts\/\d+\r\n$/);
  assert.equal(r.code, 5);
});

test('-i delivers piped stdin whole, then EOF', async () => {
  const input = 'x'.repeat(300_000) + '\n';
  const r = await same(['exec', '-i', 'box', 'wc', '-c'], { input });
  assert.equal(r.stdout.trim(), String(input.length));
  await same(['exec', '-i', 'box', 'cat'], { input: 'line-a\nline-b' });
  await same(['exec', '-i', 'box', 'cat'], { input: '' });
  // Without -i the process gets no stdin at all.
  await same(['exec', 'box', 'cat'], { input: 'ignored\n' });
});

test('-d starts the command and returns at once; it runs to completion', async () => {
  for (const p of ['dk', 'bt']) {
    const args = ['exec', '-d', 'box', 'sh', '-c', `echo done > /tmp/${p}-detached`];
    const r = p === 'dk' ? await d.docker(args) : await d.berth(args);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  }
  for (const p of ['dk', 'bt']) {
    // exec -d returns before the command has run; cat until the file is there.
    let out = '';
    for (let i = 0; i < 100 && out !== 'done\n'; i++) out = (await d.docker(['exec', 'box', 'sh', '-c', `cat /tmp/${p}-detached 2>/dev/null || sleep 0.05`])).stdout;
    assert.equal(out, 'done\n', `${p}: the detached command ran`);
  }
});

/**
 * Terminal sessions with the unmodified docker CLI 28 against berthd, in tmux: a TTY in the
 * container, window sizes, Ctrl-C, detaching and re-attaching, exit codes, exec -it.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerCli, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { Terminal } from '../helpers/tmux.js';

let d: TestDaemon;
const terminals: Terminal[] = [];

function terminal(command: string, width = 100, height = 30): Terminal {
  const t = new Terminal(`${dockerCli} ${command}`, { width, height, env: { DOCKER_HOST: `unix://${d.socket}` } });
  terminals.push(t);
  return t;
}

before(async () => {
  d = await startDaemon();
});

afterEach(() => {
  for (const t of terminals.splice(0)) t.kill();
});

after(async () => {
  assert.deepEqual(await d.cleanup(), []);
});

test('run -it: a terminal of the window size that follows resizes; Ctrl-C reaches the shell', async () => {
  const t = terminal('run -it --rm busybox sh');
  await t.waitFor(/\/ #\s*$/m);
  t.type('tty; stty size');
  await t.waitFor(/\/dev\/pts\/0\n30 100\n/);
  t.resize(120, 40);
  await new Promise((r) => setTimeout(r, 300));
  t.type('stty size');
  await t.waitFor(/40 120\n/);
  t.type('sleep 100');
  await new Promise((r) => setTimeout(r, 300));
  t.keys('C-c');
  t.type('echo after-interrupt');
  await t.waitFor(/\nafter-interrupt\n/);
  t.type('exit 3');
  await t.waitFor(/\[exit=3\]/);
});

test('detach with Ctrl-P Ctrl-Q leaves the container running; attach reconnects; exit code passes through', async () => {
  const t = terminal('run -it --name detachme busybox sh');
  await t.waitFor(/\/ #\s*$/m);
  t.type('echo first-session');
  await t.waitFor(/\nfirst-session\n/);
  t.keys('C-p', 'C-q');
  await t.waitFor(/\[exit=0\]/);
  const ps = await d.docker(['ps', '--filter', 'name=detachme', '--format', '{{.Status}}']);
  assert.match(ps.stdout, /^Up /);
  const a = terminal('attach detachme', 90, 25);
  await new Promise((r) => setTimeout(r, 700));
  a.type('echo second-session; stty size');
  await a.waitFor(/\nsecond-session\n25 90\n/);
  a.type('exit 7');
  await a.waitFor(/\[exit=7\]/);
  const st = await d.docker(['inspect', '-f', '{{.State.ExitCode}}', 'detachme']);
  assert.equal(st.stdout.trim(), '7');
  await d.docker(['rm', 'detachme']);
});

test('--detach-keys chooses another sequence', async () => {
  const t = terminal('run -it --name keys --detach-keys ctrl-a,x busybox sh');
  await t.waitFor(/\/ #\s*$/m);
  t.keys('C-p', 'C-q');
  t.type('echo still-here');
  await t.waitFor(/\nstill-here\n/);
  t.keys('C-a', 'x');
  await t.waitFor(/\[exit=0\]/);
  assert.match((await d.docker(['inspect', '-f', '{{.State.Running}}', 'keys'])).stdout, /true/);
  await d.docker(['rm', '-f', 'keys']);
});

test('exec -it: a terminal with the window size, TERM set, exit code passed through', async () => {
  await d.docker(['run', '-d', '--name', 'host', 'busybox', 'sleep', '600']);
  const t = terminal('exec -it host sh', 90, 25);
  await t.waitFor(/\/ #\s*$/m);
  t.type('tty; stty size; echo $TERM');
  await t.waitFor(/\/dev\/pts\/\d+\n25 90\nxterm\n/);
  t.type('exit 4');
  await t.waitFor(/\[exit=4\]/);
  await d.docker(['rm', '-f', 'host']);
});

test('start -ai re-runs an interactive container in the terminal', async () => {
  const c = await d.docker(['create', '-it', '--name', 'again', 'busybox', 'sh']);
  assert.equal(c.code, 0, c.stderr);
  const t = terminal('start -ai again');
  await t.waitFor(/\/ #\s*$/m);
  t.type('echo in-start; exit 9');
  await t.waitFor(/\[exit=9\]/);
  await d.docker(['rm', 'again']);
});

/**
 * The berth CLI and the docker CLI 28 in a real terminal (tmux), against one berthd: the same
 * keystrokes must give the same screen, exit status and terminal state. Each scenario runs once per
 * CLI on its own containers (`dk-…` for docker, `bt-…` for berth).
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerCli, repoRoot, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { Terminal } from '../helpers/tmux.js';

let d: TestDaemon;
let dir: string;
let sessions = 0;
const terminals: Terminal[] = [];

interface Cli {
  name: 'docker' | 'berth';
  /** The prefix of this CLI's containers. */
  p: string;
  bin: string;
}

const clis: Cli[] = [
  { name: 'docker', p: 'dk', bin: dockerCli },
  { name: 'berth', p: 'bt', bin: `${process.execPath} -- ${join(repoRoot, 'bin', 'berth.js')}` },
];

before(async () => {
  d = await startDaemon();
  dir = await mkdtemp(join(tmpdir(), 'berth-tty-'));
  // Both CLIs read detach keys from this (empty) docker config, not from the user's.
  await writeFile(join(dir, 'config.json'), '{}');
});

afterEach(() => {
  for (const t of terminals.splice(0)) t.kill();
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
  assert.deepEqual(await d.cleanup(), []);
});

interface Session {
  t: Terminal;
  /** Resolves with the CLI's exit status once it has exited. */
  exit(): Promise<number>;
  /** Whether the terminal settings after the CLI exited are those it found. */
  restored(): Promise<boolean>;
}

/** `cli args` in a fresh terminal of the given size; `config` is the docker config directory. */
function session(cli: Cli, args: string, opts: { width?: number; height?: number; config?: string } = {}): Session {
  const n = ++sessions;
  const before = join(dir, `${n}.before`);
  const after = join(dir, `${n}.after`);
  const command = [
    `export DOCKER_HOST=unix://${d.socket} DOCKER_CONFIG=${opts.config ?? dir}`,
    `stty -g >${before}`,
    `${cli.bin} ${args}`,
    'rc=$?',
    `stty -g >${after}`,
    '(exit $rc)',
  ].join('; ');
  const t = new Terminal(command, { width: opts.width ?? 100, height: opts.height ?? 30 });
  terminals.push(t);
  return {
    t,
    async exit() {
      const screen = await t.waitFor(/\[exit=\d+\]/);
      return Number(/\[exit=(\d+)\]/.exec(screen)![1]);
    },
    async restored() {
      return (await readFile(before, 'utf8')) === (await readFile(after, 'utf8'));
    },
  };
}

const prompt = /\/ #\s*$/m;

/**
 * Types `line` until the screen matches: a command typed before a resize or an attach has reached
 * the container may be answered with the old state, so it is asked again rather than timed.
 */
async function askUntil(t: Terminal, line: string, pattern: RegExp): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    t.type(line);
    try {
      return await t.waitFor(pattern, 1000);
    } catch (err) {
      if (attempt === 10) throw err;
    }
  }
}

async function inspect(format: string, name: string): Promise<string> {
  return (await d.docker(['inspect', '-f', format, name])).stdout.trim();
}

for (const cli of clis) {
  test(`${cli.name}: run -it — the pane's size and its changes, Ctrl-C, the exit status, the terminal restored`, async () => {
    const s = session(cli, `run -it --rm --name ${cli.p}-it busybox sh`);
    await s.t.waitFor(prompt);
    s.t.type('echo $((6*7)); tty; stty size');
    await s.t.waitFor(/\n42\n\/dev\/pts\/0\n30 100\n/);
    s.t.resize(120, 40);
    await askUntil(s.t, 'stty size', /\n40 120\n/);
    // The marker shows the line was read and sleep is starting; ^C must then reach sleep through
    // the container's terminal, not stop the CLI.
    s.t.type('echo sleeping; sleep 100');
    await s.t.waitFor(/\nsleeping\n/);
    s.t.keys('C-c');
    // Until sleep is gone the shell reads nothing, so this answer proves the interrupt.
    s.t.type('echo after-interrupt');
    await s.t.waitFor(/\nsleeping\n\^C\n\/ # echo after-interrupt\nafter-interrupt\n/);
    s.t.type('exit 3');
    assert.equal(await s.exit(), 3);
    assert.ok(await s.restored(), 'the terminal settings are restored');
  });

  test(`${cli.name}: a run -it whose start fails shows the error on a restored terminal, status 127`, async () => {
    const s = session(cli, 'run -it --rm busybox nosuchcmd');
    assert.equal(await s.exit(), 127);
    assert.match(s.t.screen().replace(/\n(?!\n)/g, ''), new RegExp(`^${cli.name}: Error response from daemon: .*executable file not found in \\$PATH`));
    assert.ok(await s.restored());
  });

  test(`${cli.name}: ctrl-p ctrl-q detaches run -it silently with status 0; attach brings the shell back`, async () => {
    const name = `${cli.p}-det`;
    const s = session(cli, `run -it --name ${name} busybox sh`);
    await s.t.waitFor(prompt);
    s.t.type('echo first-session');
    await s.t.waitFor(/\nfirst-session\n/);
    s.t.keys('C-p', 'C-q');
    assert.equal(await s.exit(), 0);
    assert.match(s.t.screen(), /\nfirst-session\n\/ # \[exit=0\]/);
    assert.ok(await s.restored());
    assert.equal(await inspect('{{.State.Running}}', name), 'true');

    // attach sends the size (nudged, so the shell redraws its prompt) and detaches with an error.
    const a = session(cli, `attach ${name}`, { width: 90, height: 25 });
    await a.t.waitFor(prompt);
    await askUntil(a.t, 'echo second-session; stty size', /\nsecond-session\n25 90\n/);
    a.t.keys('C-p', 'C-q');
    assert.equal(await a.exit(), 1);
    assert.match(a.t.screen(), /\/ # read escape sequence\n\[exit=1\]/);
    assert.ok(await a.restored());
    assert.equal(await inspect('{{.State.Running}}', name), 'true');

    const b = session(cli, `attach ${name}`);
    await b.t.waitFor(prompt);
    b.t.type('exit 7');
    assert.equal(await b.exit(), 7);
    assert.ok(await b.restored());
    assert.equal(await inspect('{{.State.ExitCode}}', name), '7');
    await d.docker(['rm', name]);
  });

  test(`${cli.name}: --detach-keys and detachKeys in the docker config choose another sequence`, async () => {
    const name = `${cli.p}-keys`;
    const s = session(cli, `run -it --name ${name} --detach-keys ctrl-a,x busybox sh`);
    await s.t.waitFor(prompt);
    // The default sequence is now ordinary input.
    s.t.keys('C-p', 'C-q');
    s.t.type('echo still-here');
    await s.t.waitFor(/still-here\n/);
    s.t.keys('C-a', 'x');
    assert.equal(await s.exit(), 0);
    assert.equal(await inspect('{{.State.Running}}', name), 'true');

    const config = await mkdtemp(join(dir, 'config-'));
    await writeFile(join(config, 'config.json'), '{"detachKeys":"ctrl-e,e"}');
    const a = session(cli, `attach ${name}`, { config });
    await a.t.waitFor(prompt);
    a.t.keys('C-e', 'e');
    assert.equal(await a.exit(), 1);
    assert.match(a.t.screen(), /read escape sequence\n\[exit=1\]/);
    assert.equal(await inspect('{{.State.Running}}', name), 'true');
    await d.docker(['rm', '-f', name]);
  });

  test(`${cli.name}: start -ai runs a created -it container in the terminal`, async () => {
    const name = `${cli.p}-again`;
    const c = await d.docker(['create', '-it', '--name', name, 'busybox', 'sh']);
    assert.equal(c.code, 0, c.stderr);
    const s = session(cli, `start -ai ${name}`, { width: 80, height: 20 });
    await s.t.waitFor(prompt);
    await askUntil(s.t, 'stty size', /\n20 80\n/);
    s.t.type('echo in-start; exit 9');
    assert.equal(await s.exit(), 9);
    assert.match(s.t.screen(), /\nin-start\n/);
    assert.ok(await s.restored());
    await d.docker(['rm', name]);
  });

  test(`${cli.name}: exec -it — size, TERM, detach with an error, exit status`, async () => {
    const name = `${cli.p}-host`;
    const r = await d.docker(['run', '-d', '--name', name, 'busybox', 'sleep', '600']);
    assert.equal(r.code, 0, r.stderr);
    const s = session(cli, `exec -it ${name} sh`, { width: 90, height: 25 });
    await s.t.waitFor(prompt);
    await askUntil(s.t, 'tty; stty size; echo $TERM', /\/dev\/pts\/\d+\n25 90\nxterm\n/);
    s.t.keys('C-p', 'C-q');
    assert.equal(await s.exit(), 1);
    assert.match(s.t.screen(), /\/ # read escape sequence\n\[exit=1\]/);
    assert.ok(await s.restored());

    const e = session(cli, `exec -it ${name} sh`);
    await e.t.waitFor(prompt);
    e.t.type('exit 4');
    assert.equal(await e.exit(), 4);

    const missing = session(cli, `exec -it ${name} nosuchcmd`);
    assert.equal(await missing.exit(), 127);
    // Long lines wrap in the pane.
    assert.match(missing.t.screen().replace(/\n/g, ''), /^OCI runtime exec failed: .*executable file not found in \$PATH\[exit=127\]/);
    assert.ok(await missing.restored());
    await d.docker(['rm', '-f', name]);
  });
}

test('raw output reaches the terminal untranslated, as with docker (no CR added to a bare LF)', async () => {
  const name = 'raw-host';
  assert.equal((await d.docker(['run', '-d', '--name', name, 'busybox', 'sleep', '600'])).code, 0);
  const screens: string[] = [];
  for (const cli of clis) {
    const s = session(cli, `exec -it ${name} sh -c 'stty raw -opost; printf "aa\\nbb\\ncc\\n"; stty sane'`);
    assert.equal(await s.exit(), 0);
    screens.push(s.t.screen());
  }
  // A terminal that translated would show the lines flush left.
  assert.match(screens[0]!, /^aa\n {2}bb\n {4}cc\n {6}\[exit=0\]/);
  assert.equal(screens[1], screens[0]);
  await d.docker(['rm', '-f', name]);
});

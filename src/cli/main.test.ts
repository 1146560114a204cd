import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Output } from './command.js';
import { runCli, type CliIo } from './main.js';

function capture(): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void): Output => ({
    write: (d) => append(typeof d === 'string' ? d : Buffer.from(d).toString()),
    isTTY: false,
    columns: 80,
    stream: process.stdout,
  });
  return {
    io: {
      stdout: sink((s) => (out += s)),
      stderr: sink((s) => (err += s)),
      stdin: () => process.stdin,
      env: { BERTH_HOST: 'unix:///nonexistent/berth.sock' },
    },
    out: () => out,
    err: () => err,
  };
}

test('usage errors read like docker’s and exit 125 or 1', async () => {
  const cases: Array<[string[], number, string]> = [
    [['ps', '--bogus'], 125, "unknown flag: --bogus\n\nUsage:  berth ps [OPTIONS]\n\nRun 'berth ps --help' for more information\n"],
    [['run'], 1, "berth: 'berth run' requires at least 1 argument\n\nUsage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nSee 'berth run --help' for more information\n"],
    [['logs'], 1, "berth: 'berth logs' requires 1 argument\n\nUsage:  berth logs [OPTIONS] CONTAINER\n\nRun 'berth logs --help' for more information\n"],
    [['ps', 'x'], 1, "berth: 'berth ps' accepts no arguments\n\nUsage:  berth ps [OPTIONS]\n\nRun 'berth ps --help' for more information\n"],
    [['bogus'], 1, "berth: unknown command: berth bogus\n\nRun 'berth --help' for more information\n"],
    [['container', 'bogus'], 1, "berth: unknown command: berth container bogus\n\nUsage:  berth container\n\nRun 'berth container --help' for more information\n"],
    [['container', 'ls', '-z'], 125, "unknown shorthand flag: 'z' in -z\n\nUsage:  berth container ls [OPTIONS]\n\nRun 'berth container ls --help' for more information\n"],
    [['--bogus'], 125, "unknown flag: --bogus\n\nUsage:  berth [OPTIONS] COMMAND [ARG...]\n\nRun 'berth --help' for more information\n"],
  ];
  for (const [argv, code, stderr] of cases) {
    const c = capture();
    assert.equal(await runCli(argv, c.io), code, argv.join(' '));
    assert.equal(c.err(), stderr, argv.join(' '));
    assert.equal(c.out(), '');
  }
});

test('help goes to stdout and lists aliases', async () => {
  const c = capture();
  assert.equal(await runCli(['ps', '--help'], c.io), 0);
  assert.match(c.out(), /^Usage: {2}berth ps \[OPTIONS\]\n\nList containers\n\nAliases:\n {2}berth container ls, berth container list, berth container ps, berth ps\n/);
  const g = capture();
  assert.equal(await runCli(['image'], g.io), 0);
  assert.match(g.out(), /^Usage: {2}berth image COMMAND\n\nManage images\n\nCommands:\n {2}history /);
});

test('an unreachable daemon is reported, exit 1', async () => {
  const c = capture();
  assert.equal(await runCli(['ps'], c.io), 1);
  assert.equal(c.err(), 'Cannot connect to the berth daemon at unix:///nonexistent/berth.sock. Is the berth daemon running?\n');
});

test('save refuses to write a tar to a terminal, before contacting the daemon', async () => {
  const c = capture();
  const io = { ...c.io, stdout: { ...c.io.stdout, isTTY: true } };
  assert.equal(await runCli(['save', 'busybox'], io), 1);
  assert.equal(c.err(), 'cowardly refusing to save to a terminal. Use the -o flag or redirect\n');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSignal, signalName } from './signal.js';
import { isKind } from '../common/errors.js';

test('parseSignal reads numbers and names in every spelling docker accepts', () => {
  const cases: Array<[string, number]> = [
    ['9', 9],
    ['1', 1],
    ['15', 15],
    ['64', 64],
    ['KILL', 9],
    ['SIGKILL', 9],
    ['sigkill', 9],
    ['kill', 9],
    ['SigTerm', 15],
    ['TERM', 15],
    ['HUP', 1],
    ['SIGHUP', 1],
    ['INT', 2],
    ['QUIT', 3],
    ['USR1', 10],
    ['USR2', 12],
    ['SIGCHLD', 17],
    ['CONT', 18],
    ['STOP', 19],
    ['WINCH', 28],
    ['SIGSYS', 31],
    ['IOT', 6],
    ['ABRT', 6],
    ['POLL', 29],
    ['IO', 29],
    ['RTMIN', 34],
    ['RTMIN+0', 34],
    ['RTMIN+3', 37],
    ['SIGRTMIN+3', 37],
    ['rtmin+3', 37],
    ['RTMIN+30', 64],
    ['RTMAX', 64],
    ['RTMAX-2', 62],
    ['SIGRTMAX-30', 34],
    [' TERM ', 15],
  ];
  for (const [input, want] of cases) assert.equal(parseSignal(input), want, input);
});

test('parseSignal refuses unknown signals with "invalid signal: X"', () => {
  const bad = ['', '0', '65', '-9', '+9', '1.5', 'FOO', 'SIGFOO', 'SIG', 'SIGSIGKILL', 'KILL9', 'RTMIN+31', 'RTMIN-1', 'RTMAX+1', 'RTMIN+', 'RT', 'SIG KILL'];
  for (const input of bad) {
    assert.throws(
      () => parseSignal(input),
      (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === `invalid signal: ${input}`,
      JSON.stringify(input),
    );
  }
});

test('signalName gives the canonical SIG name, or the number when there is none', () => {
  const cases: Array<[number, string]> = [
    [9, 'SIGKILL'],
    [15, 'SIGTERM'],
    [1, 'SIGHUP'],
    [6, 'SIGABRT'],
    [29, 'SIGIO'],
    [31, 'SIGSYS'],
    [37, '37'],
    [0, '0'],
  ];
  for (const [n, want] of cases) assert.equal(signalName(n), want, String(n));
  for (const name of ['HUP', 'INT', 'KILL', 'TERM', 'USR1', 'CHLD', 'WINCH']) {
    assert.equal(signalName(parseSignal(name)), `SIG${name}`);
  }
});

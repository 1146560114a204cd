import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, HelpRequested, parseFlags, parseInt64, type FlagSpec } from './flags.js';

const specs: FlagSpec[] = [
  { name: 'detach', short: 'd', kind: 'bool', help: '' },
  { name: 'interactive', short: 'i', kind: 'bool', help: '' },
  { name: 'env', short: 'e', kind: 'list', help: '' },
  { name: 'name', kind: 'string', help: '' },
  { name: 'timeout', short: 't', kind: 'int', aliases: ['time'], help: '' },
  { name: 'hostname', short: 'h', kind: 'string', help: '' },
];

const parse = (argv: string[], interspersed = true) => parseFlags(argv, specs, { interspersed });

test('long, short, clustered and = forms', () => {
  const { flags, args } = parse(['-di', '--name=web', '-e', 'A=1', '-e=B=2', '-eC=3', '--time', '5', 'img']);
  assert.equal(flags.bool('detach'), true);
  assert.equal(flags.bool('interactive'), true);
  assert.equal(flags.string('name'), 'web');
  assert.deepEqual(flags.list('env'), ['A=1', 'B=2', 'C=3']);
  assert.equal(flags.int('timeout'), 5);
  assert.ok(flags.changed('timeout'));
  assert.deepEqual(args, ['img']);
});

test('booleans take =false, values may start with a dash', () => {
  const { flags } = parse(['--detach=false', '-t', '-1', '--name', '-x']);
  assert.equal(flags.bool('detach'), false);
  assert.ok(flags.changed('detach'));
  assert.equal(flags.int('timeout'), -1);
  assert.equal(flags.string('name'), '-x');
});

test('interspersed off: the first argument ends the flags (run)', () => {
  assert.deepEqual(parse(['-d', 'busybox', 'ls', '-l', '--name', 'x'], false).args, ['busybox', 'ls', '-l', '--name', 'x']);
  assert.deepEqual(parse(['busybox', '-d']).args, ['busybox']);
  assert.deepEqual(parse(['--', '-d']).args, ['-d']);
  assert.deepEqual(parse(['-']).args, ['-']);
});

test('mistakes are worded like pflag', () => {
  const fails = (argv: string[], message: string) => assert.throws(() => parse(argv), (e: unknown) => e instanceof FlagError && e.message === message);
  fails(['--bogus'], 'unknown flag: --bogus');
  fails(['-z'], "unknown shorthand flag: 'z' in -z");
  fails(['-dz'], "unknown shorthand flag: 'z' in -z");
  fails(['--name'], 'flag needs an argument: --name');
  fails(['-e'], "flag needs an argument: 'e' in -e");
  fails(['-t', 'x'], 'invalid argument "x" for "-t, --timeout" flag: strconv.ParseInt: parsing "x": invalid syntax');
  fails(['--detach=maybe'], 'invalid argument "maybe" for "-d, --detach" flag: strconv.ParseBool: parsing "maybe": invalid syntax');
  assert.throws(() => parse(['--help']), HelpRequested);
  // -h is help only where it means nothing else.
  assert.equal(parse(['-h', 'box']).flags.string('hostname'), 'box');
  assert.throws(() => parseFlags(['-h'], []), HelpRequested);
});

test('integers parse like strconv.ParseInt(s, 0, 64)', () => {
  assert.equal(parseInt64('10'), 10);
  assert.equal(parseInt64('-10'), -10);
  assert.equal(parseInt64('0x10'), 16);
  assert.equal(parseInt64('010'), 8);
  assert.throws(() => parseInt64('1.5'), /invalid syntax/);
  assert.throws(() => parseInt64('99999999999999999999'), /value out of range/);
});

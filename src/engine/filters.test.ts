import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyFilters, matchAny, matchLabels, parseBool, parseFilters, validateFilterKeys } from './filters.js';
import { isKind } from '../common/errors.js';

const asObject = (f: Map<string, string[]>) => Object.fromEntries(f);

test('parseFilters reads the CLI map-of-booleans and the docker-py list encodings', () => {
  const cases: Array<[string | undefined | null, Record<string, string[]>]> = [
    [undefined, {}],
    [null, {}],
    ['', {}],
    ['null', {}],
    ['{}', {}],
    ['{"status":{"running":true}}', { status: ['running'] }],
    ['{"label":["a=b"]}', { label: ['a=b'] }],
    // the CLI capture from api-contract.md
    [
      '{"label":{"x=y":true},"name":{"web":true},"status":{"running":true}}',
      { label: ['x=y'], name: ['web'], status: ['running'] },
    ],
    // compose, with Python's spaces
    [
      '{"label": ["com.docker.compose.project=berthc", "com.docker.compose.oneoff=False"]}',
      { label: ['com.docker.compose.project=berthc', 'com.docker.compose.oneoff=False'] },
    ],
    ['{"status": ["created", "exited"], "label": []}', { status: ['created', 'exited'], label: [] }],
    ['{"dangling":{"true":true}}', { dangling: ['true'] }],
    // false entries of the map form are not values; "true" strings are
    ['{"status":{"running":true,"exited":false,"paused":"true"}}', { status: ['running', 'paused'] }],
    ['{"status":{}}', { status: [] }],
    // list values are stringified
    ['{"exited":[0, 137]}', { exited: ['0', '137'] }],
  ];
  for (const [raw, want] of cases) assert.deepEqual(asObject(parseFilters(raw)), want, String(raw));
});

test('parseFilters refuses what is not a filter object', () => {
  for (const raw of ['not json', '{', '[]', '["a"]', '"label"', '42', 'true', '{"label":"a=b"}', '{"label":1}', '{"label":null}']) {
    assert.throws(() => parseFilters(raw), (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === `invalid filter: ${raw}`, raw);
  }
});

test('validateFilterKeys uses Docker\'s message', () => {
  validateFilterKeys(parseFilters('{"status":["running"],"label":["a"]}'), ['status', 'label', 'name']);
  validateFilterKeys(emptyFilters(), []);
  assert.throws(
    () => validateFilterKeys(parseFilters('{"status":["running"],"x":["1"]}'), ['status']),
    (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === "Invalid filter 'x'",
  );
  assert.throws(() => validateFilterKeys(parseFilters('{"Status":["running"]}'), ['status']), { message: "Invalid filter 'Status'" });
});

test('parseBool has Go strconv.ParseBool semantics, empty meaning false', () => {
  const cases: Array<[string | null | undefined, boolean]> = [
    ['1', true], ['t', true], ['T', true], ['true', true], ['True', true], ['TRUE', true],
    ['0', false], ['f', false], ['F', false], ['false', false], ['False', false], ['FALSE', false],
    ['', false], [null, false], [undefined, false],
  ];
  for (const [v, want] of cases) assert.equal(parseBool(v), want, String(v));
  for (const v of ['yes', 'no', 'tRUE', 'y', '2', '-1', ' 1', 'true ', 'on']) {
    assert.throws(() => parseBool(v, 'all'), (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === `invalid boolean value for all: ${JSON.stringify(v)}`, v);
  }
});

test('matchLabels: key means present, key=value means equal, all must match', () => {
  const labels = { a: 'b', empty: '', 'com.docker.compose.oneoff': 'False', 'eq': 'x=y' };
  const cases: Array<[string[] | undefined, Record<string, string> | null | undefined, boolean]> = [
    [undefined, labels, true],
    [[], labels, true],
    [[], null, true],
    [['a'], labels, true],
    [['a=b'], labels, true],
    [['a=c'], labels, false],
    [['a='], labels, false],
    [['empty'], labels, true],
    [['empty='], labels, true],
    [['missing'], labels, false],
    [['missing='], labels, false],
    [['a', 'empty'], labels, true],
    [['a=b', 'missing'], labels, false],
    [['com.docker.compose.oneoff=False'], labels, true],
    [['com.docker.compose.oneoff=false'], labels, false],
    // only the first = separates key and value
    [['eq=x=y'], labels, true],
    [['a'], null, false],
    [['a'], undefined, false],
    // inherited properties are not labels
    [['toString'], {}, false],
    [['constructor'], {}, false],
  ];
  for (const [values, l, want] of cases) assert.equal(matchLabels(values, l), want, `${JSON.stringify(values)} on ${JSON.stringify(l)}`);
});

test('matchAny ORs values and accepts everything when there are none', () => {
  const isRunning = (v: string) => v === 'running';
  assert.equal(matchAny(undefined, isRunning), true);
  assert.equal(matchAny([], isRunning), true);
  assert.equal(matchAny(['running'], isRunning), true);
  assert.equal(matchAny(['exited', 'running'], isRunning), true);
  assert.equal(matchAny(['exited', 'paused'], isRunning), false);
});

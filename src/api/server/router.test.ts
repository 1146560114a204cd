import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router, type Handler } from './router.js';
import { isKind } from '../../common/errors.js';

/** Handlers that only carry a label, so a test can see which route matched. */
const labels = new Map<Handler, string>();
function h(label: string): Handler {
  const fn: Handler = async () => {};
  labels.set(fn, label);
  return fn;
}

function build(): Router {
  return new Router()
    .add('GET', '/images/json', h('images.list'))
    .add('GET', '/images/{name*}/json', h('images.inspect'))
    .add('POST', '/images/{name*}/push', h('images.push'))
    .add('POST', '/images/{name*}/tag', h('images.tag'))
    .add('DELETE', '/images/{name*}', h('images.delete'))
    .add('GET', '/containers/{id}/json', h('containers.inspect'))
    .add('POST', '/containers/{id}/rename', h('containers.rename'))
    .add('GET', '/exec/{id}/json', h('exec.inspect'))
    .add('GET', '/a.b/{x}', h('dots'))
    .add('GET', '/_ping', h('ping.get'))
    .add('HEAD', '/_ping', h('ping.head'));
}

type Want = [string, string[]] | 'method-not-allowed' | undefined;

function describe(m: ReturnType<Router['match']>): Want {
  if (m === undefined || m === 'method-not-allowed') return m;
  return [labels.get(m.handler) ?? '?', m.params];
}

test('{name*} matches greedily and the fixed suffix anchors the match from the right', () => {
  const r = build();
  const cases: Array<[string, string, Want]> = [
    ['GET', '/images/json', ['images.list', []]],
    ['GET', '/images/busybox/json', ['images.inspect', ['busybox']]],
    ['GET', '/images/busybox:1.36/json', ['images.inspect', ['busybox:1.36']]],
    ['GET', '/images/docker.io/library/busybox:latest/json', ['images.inspect', ['docker.io/library/busybox:latest']]],
    ['POST', '/images/127.0.0.1:5000/berth/imp/push', ['images.push', ['127.0.0.1:5000/berth/imp']]],
    ['POST', '/images/busybox/tag', ['images.tag', ['busybox']]],
    ['DELETE', '/images/berthtest/bb:t1', ['images.delete', ['berthtest/bb:t1']]],
    ['DELETE', '/images/busybox', ['images.delete', ['busybox']]],
    // a name that itself ends in a route word
    ['GET', '/images/a/json/json', ['images.inspect', ['a/json']]],
    ['DELETE', '/images/a/push', ['images.delete', ['a/push']]],
  ];
  for (const [method, path, want] of cases) assert.deepEqual(describe(r.match(method, path)), want, `${method} ${path}`);
});

test('{id} matches exactly one segment', () => {
  const r = build();
  const cases: Array<[string, string, Want]> = [
    ['GET', '/containers/web/json', ['containers.inspect', ['web']]],
    ['GET', '/containers/a/b/json', undefined],
    ['GET', '/containers//json', undefined],
    ['POST', '/containers/web/rename', ['containers.rename', ['web']]],
    ['GET', '/exec/e1/json', ['exec.inspect', ['e1']]],
  ];
  for (const [method, path, want] of cases) assert.deepEqual(describe(r.match(method, path)), want, `${method} ${path}`);
});

test('literal segments are matched literally, regex characters included', () => {
  const r = build();
  assert.deepEqual(describe(r.match('GET', '/a.b/x')), ['dots', ['x']]);
  assert.equal(r.match('GET', '/aXb/x'), undefined);
  assert.equal(r.match('GET', '/images/json/'), 'method-not-allowed'); // only DELETE /images/{name*} matches
  assert.equal(r.match('GET', '/_pingx'), undefined);
  assert.equal(r.match('GET', '/x/_ping'), undefined);
});

test('HEAD falls back to GET; routes are tried in the order they were added; other methods are not allowed', () => {
  const r = build();
  const cases: Array<[string, string, Want]> = [
    ['HEAD', '/_ping', ['ping.get', []]],
    ['GET', '/_ping', ['ping.get', []]],
    ['HEAD', '/containers/web/json', ['containers.inspect', ['web']]],
    ['POST', '/_ping', 'method-not-allowed'],
    ['PUT', '/images/busybox/json', 'method-not-allowed'],
    ['GET', '/images/busybox/push', 'method-not-allowed'],
    ['GET', '/containers/web/rename', 'method-not-allowed'],
    ['GET', '/nosuch', undefined],
    ['DELETE', '/containers/web/nosuch', undefined],
  ];
  for (const [method, path, want] of cases) assert.deepEqual(describe(r.match(method, path)), want, `${method} ${path}`);
  // Above, GET /_ping was added first and answers HEAD; added first, a HEAD route wins.
  const headFirst = new Router().add('HEAD', '/x', h('x.head')).add('GET', '/x', h('x.get'));
  assert.deepEqual(describe(headFirst.match('HEAD', '/x')), ['x.head', []]);
});

test('parameters are percent-decoded', () => {
  const r = build();
  assert.deepEqual(describe(r.match('GET', '/containers/my%20name/json')), ['containers.inspect', ['my name']]);
  assert.deepEqual(describe(r.match('GET', '/images/a%2Fb%3Ac/json')), ['images.inspect', ['a/b:c']]);
  // An encoded slash does not split a single-segment parameter.
  assert.deepEqual(describe(r.match('GET', '/containers/a%2Fb/json')), ['containers.inspect', ['a/b']]);
});

test('a malformed percent escape is a client error, not a URIError', () => {
  const r = build();
  try {
    const m = r.match('GET', '/containers/%zz/json');
    assert.ok(m === undefined || m === 'method-not-allowed' || Array.isArray(m.params));
  } catch (e) {
    assert.ok(isKind(e, 'invalid-argument') || isKind(e, 'not-found'), String(e));
  }
});

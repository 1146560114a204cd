import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRouter, parsePath } from './server.js';
import type { ApiServices } from './services.js';
import { isKind } from '../../common/errors.js';
import { apiVersion, minApiVersion } from '../types/index.js';

test('the daemon advertises API 1.41, down to 1.12', () => {
  assert.equal(apiVersion, '1.41');
  assert.equal(minApiVersion, '1.12');
});

test('parsePath splits the version prefix off, and defaults to the current version', () => {
  const cases: Array<[string, { version: string; path: string }]> = [
    ['/v1.41/containers/json', { version: '1.41', path: '/containers/json' }],
    ['/v1.41/images/127.0.0.1:5000/berth/imp/push', { version: '1.41', path: '/images/127.0.0.1:5000/berth/imp/push' }],
    ['/v1.24/_ping', { version: '1.24', path: '/_ping' }],
    ['/v1.12/version', { version: '1.12', path: '/version' }],
    ['/v1.40/info', { version: '1.40', path: '/info' }],
    ['/v1.41/', { version: '1.41', path: '/' }],
    // unversioned (docker-py and compose ask for /version this way)
    ['/version', { version: '1.41', path: '/version' }],
    ['/_ping', { version: '1.41', path: '/_ping' }],
    ['/containers/json', { version: '1.41', path: '/containers/json' }],
    // not a version prefix: left in the path, so the router answers 404
    ['/v1.41', { version: '1.41', path: '/v1.41' }],
    ['/v1/containers/json', { version: '1.41', path: '/v1/containers/json' }],
    ['/vx.y/containers/json', { version: '1.41', path: '/vx.y/containers/json' }],
    ['/containers/v1.41/json', { version: '1.41', path: '/containers/v1.41/json' }],
  ];
  for (const [raw, want] of cases) assert.deepEqual(parsePath(raw), want, raw);
});

test('parsePath refuses versions outside the supported range, in Docker\'s words', () => {
  const tooNew = ['1.42', '1.50', '2.0', '1.100', '10.0'];
  for (const v of tooNew) {
    assert.throws(
      () => parsePath(`/v${v}/containers/json`),
      (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === `client version ${v} is too new. Maximum supported API version is 1.41`,
      v,
    );
  }
  const tooOld = ['1.11', '1.5', '1.0', '0.99'];
  for (const v of tooOld) {
    assert.throws(
      () => parsePath(`/v${v}/containers/json`),
      (e: unknown) =>
        isKind(e, 'invalid-argument') &&
        (e as Error).message === `client version ${v} is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version`,
      v,
    );
  }
});

test('the real route table matches what the clients send', () => {
  const services = { containers: {}, images: {}, events: {}, system: {}, convert: {}, log: {} } as unknown as ApiServices;
  const router = buildRouter(services);
  const cid = 'a'.repeat(64);
  type Want = string[] | 'method-not-allowed' | undefined;
  const cases: Array<[string, string, Want]> = [
    ['HEAD', '/_ping', []],
    ['GET', '/_ping', []],
    ['GET', '/version', []],
    ['GET', '/info', []],
    ['GET', '/events', []],
    ['GET', '/system/df', []],
    ['POST', '/containers/create', []],
    ['GET', '/containers/json', []],
    ['GET', `/containers/${cid}/json`, [cid]],
    ['HEAD', '/containers/web/json', ['web']],
    ['POST', '/containers/c2/start', ['c2']],
    ['POST', '/containers/c2/stop', ['c2']],
    ['POST', '/containers/waiter/wait', ['waiter']],
    ['POST', `/containers/${cid}/attach`, [cid]],
    ['GET', `/containers/${cid}/logs`, [cid]],
    ['DELETE', '/containers/c2', ['c2']],
    ['POST', '/containers/prune', []],
    ['GET', '/images/json', []],
    ['POST', '/images/create', []],
    ['POST', '/images/load', []],
    ['GET', '/images/get', []],
    ['POST', '/images/prune', []],
    // image names with slashes, colons, digests
    ['GET', '/images/busybox/json', ['busybox']],
    ['GET', '/images/berthc_app_img:latest/json', ['berthc_app_img:latest']],
    ['GET', `/images/sha256:${'b'.repeat(64)}/json`, [`sha256:${'b'.repeat(64)}`]],
    ['GET', '/images/busybox/history', ['busybox']],
    ['POST', '/images/busybox/tag', ['busybox']],
    ['POST', '/images/127.0.0.1:5000/berth/imp/push', ['127.0.0.1:5000/berth/imp']],
    ['DELETE', '/images/berthtest/bb:t1', ['berthtest/bb:t1']],
    ['DELETE', '/images/127.0.0.1:5000/berth/imp:tag1', ['127.0.0.1:5000/berth/imp:tag1']],
    ['GET', '/images/localhost:5000/a/b/c:1/get', ['localhost:5000/a/b/c:1']],
    // an image literally named "json" still works through the suffix routes
    ['GET', '/images/json/json', ['json']],
    // wrong method on a known path
    ['POST', '/containers/json', 'method-not-allowed'],
    ['GET', '/containers/c2/start', 'method-not-allowed'],
    ['GET', '/images/busybox', 'method-not-allowed'],
    ['PUT', '/_ping', 'method-not-allowed'],
    // unknown paths
    ['GET', '/nosuch', undefined],
    ['GET', '/containers/c2/nosuch', undefined],
    ['GET', '/containers/a/b/json', undefined],
    ['GET', '/', undefined],
  ];
  for (const [method, path, want] of cases) {
    const m = router.match(method, path);
    const got = m === undefined || m === 'method-not-allowed' ? m : m.params;
    assert.deepEqual(got, want, `${method} ${path}`);
  }
});

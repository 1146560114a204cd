import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familiarString, familiarName, fullName, isValidTag, parseReference, parseNormalizedReference, referenceString, withDefaultTag } from './reference.js';
import { isKind } from '../common/errors.js';

test('normalises Docker Hub names the way docker does', () => {
  const cases: Array<[string, string, string]> = [
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['docker.io/library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['berthtest/bb:t1', 'docker.io/berthtest/bb:t1', 'berthtest/bb:t1'],
    ['localhost:5000/berth/imp:tag1', 'localhost:5000/berth/imp:tag1', 'localhost:5000/berth/imp:tag1'],
    ['127.0.0.1:5000/x', '127.0.0.1:5000/x:latest', '127.0.0.1:5000/x:latest'],
    ['localhost/x', 'localhost/x:latest', 'localhost/x:latest'],
    ['a/b/c_d.e-f__g', 'docker.io/a/b/c_d.e-f__g:latest', 'a/b/c_d.e-f__g:latest'],
  ];
  for (const [input, full, familiar] of cases) {
    const ref = parseReference(input);
    assert.equal(referenceString(ref), full, input);
    assert.equal(familiarString(ref), familiar, input);
  }
});

test('keeps digests and does not add a tag to a digest reference', () => {
  const d = 'sha256:' + 'a'.repeat(64);
  const ref = parseReference(`busybox@${d}`);
  assert.equal(ref.tag, undefined);
  assert.equal(ref.digest, d);
  assert.equal(familiarString(ref), `busybox@${d}`);
  assert.equal(familiarName(parseNormalizedReference('busybox:1')), 'busybox');
});

test('rejects what docker rejects, with docker wording', () => {
  for (const bad of ['', 'UPPER', 'a//b', 'a:', ':tag', 'a@sha256:short', '-a', 'a/-b', 'busybox:t@g', 'a b']) {
    assert.throws(() => parseReference(bad), (e: unknown) => isKind(e, 'invalid-argument'), bad);
  }
  assert.throws(() => parseReference('Busybox'), /invalid reference format: repository name \(library\/Busybox\) must be lowercase/);
  assert.throws(() => parseReference('a'.repeat(64).replace(/a/g, 'f')), /cannot specify 64-byte hexadecimal strings/);
});

test('more normalisation cases: tag with digest, legacy hub names, IPv6 and odd domains', () => {
  const d = `sha256:${'c'.repeat(64)}`;
  const cases: Array<[string, string, string]> = [
    [`busybox:1.36@${d}`, `docker.io/library/busybox:1.36@${d}`, `busybox:1.36@${d}`],
    ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['index.docker.io/user/app:2', 'docker.io/user/app:2', 'user/app:2'],
    ['[::1]:5000/x:y', '[::1]:5000/x:y', '[::1]:5000/x:y'],
    ['registry.example.com/team/app', 'registry.example.com/team/app:latest', 'registry.example.com/team/app:latest'],
    ['example.com:443/a/b/c', 'example.com:443/a/b/c:latest', 'example.com:443/a/b/c:latest'],
    // a first component with upper case is a domain, as in Docker's splitDockerDomain
    ['Registry/x', 'Registry/x:latest', 'Registry/x:latest'],
    // a port-like suffix without a slash is a tag
    ['localhost:5000', 'docker.io/library/localhost:5000', 'localhost:5000'],
    ['localhost', 'docker.io/library/localhost:latest', 'localhost:latest'],
    ['a-b.c__d/e---f', 'a-b.c__d/e---f:latest', 'a-b.c__d/e---f:latest'],
    [`x:${'t'.repeat(128)}`, `docker.io/library/x:${'t'.repeat(128)}`, `x:${'t'.repeat(128)}`],
    ['x:_tag.1-2', 'docker.io/library/x:_tag.1-2', 'x:_tag.1-2'],
  ];
  for (const [input, full, familiar] of cases) {
    const ref = parseReference(input);
    assert.equal(referenceString(ref), full, input);
    assert.equal(familiarString(ref), familiar, input);
  }
});

test('more refusals: long names and tags, bad digests, stray separators', () => {
  const bad = [
    `x:${'t'.repeat(129)}`,
    'x:.tag',
    'x:-tag',
    `x@sha256:${'C'.repeat(64)}`,
    `x@sha512:${'c'.repeat(64)}`,
    `@sha256:${'c'.repeat(64)}`,
    'x@',
    '/x',
    'x/',
    'x:tag:again',
    'a__-b',
    'a.-b',
    'a_',
    ' busybox',
    'busybox ',
    'a'.repeat(513),
  ];
  for (const input of bad) {
    assert.throws(() => parseReference(input), (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message.startsWith('invalid reference format'), input);
  }
  const long = `${'a'.repeat(130)}/${'b'.repeat(130)}`;
  assert.equal(referenceString(parseReference(`${'a'.repeat(120)}/${'b'.repeat(120)}`)).length, 10 + 241 + 7);
  assert.throws(() => parseReference(long), { message: 'invalid reference format: repository name must not be more than 255 characters' });
  const hex = 'f'.repeat(64);
  assert.throws(() => parseReference(hex), { message: `invalid repository name (${hex}), cannot specify 64-byte hexadecimal strings` });
});

test('withDefaultTag, isValidTag, fullName and familiarName', () => {
  const d = `sha256:${'c'.repeat(64)}` as const;
  assert.equal(withDefaultTag(parseNormalizedReference('busybox')).tag, 'latest');
  assert.equal(withDefaultTag(parseNormalizedReference(`busybox@${d}`)).tag, undefined);
  assert.equal(withDefaultTag(parseNormalizedReference('busybox:1')).tag, '1');
  assert.equal(parseNormalizedReference('busybox').tag, undefined);
  for (const [tag, ok] of [['latest', true], ['1.36', true], ['_x', true], ['A-b.C', true], ['', false], ['.x', false], ['-x', false], ['a/b', false], ['a:b', false], ['t'.repeat(128), true], ['t'.repeat(129), false]] as const) {
    assert.equal(isValidTag(tag), ok, tag);
  }
  assert.equal(fullName(parseReference('busybox')), 'docker.io/library/busybox');
  assert.equal(familiarName(parseReference('user/app')), 'user/app');
  assert.equal(familiarName(parseReference('quay.io/library/x')), 'quay.io/library/x');
});

test('familiarName strips library/ only from two-component Docker Hub paths', () => {
  const ref = parseReference('docker.io/library/x/y');
  assert.equal(familiarName(ref), 'library/x/y');
  assert.equal(referenceString(parseReference(familiarString(ref))), 'docker.io/library/x/y:latest');
});

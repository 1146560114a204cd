import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familiarString, parseReference, parseNormalizedReference, referenceString, familiarName } from './reference.js';
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

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chainIds, hexOf, isDigest, parseDigest, sha256, shortHex, type Digest } from './digest.js';
import { isKind } from './errors.js';

const hash = (s: string): Digest => `sha256:${createHash('sha256').update(s).digest('hex')}`;

test('sha256 of known inputs', () => {
  assert.equal(sha256(''), 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256('abc'), 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256(Buffer.from('abc')), sha256('abc'));
});

test('isDigest and parseDigest accept only the canonical sha256 form', () => {
  const good = `sha256:${'0123456789abcdef'.repeat(4)}`;
  assert.equal(isDigest(good), true);
  assert.equal(parseDigest(good), good);
  const bad = [
    '',
    'sha256:',
    `sha256:${'a'.repeat(63)}`,
    `sha256:${'a'.repeat(65)}`,
    `sha256:${'A'.repeat(64)}`,
    `sha512:${'a'.repeat(64)}`,
    'a'.repeat(64),
    ` sha256:${'a'.repeat(64)}`,
    `sha256:${'g'.repeat(64)}`,
  ];
  for (const s of bad) {
    assert.equal(isDigest(s), false, s);
    assert.throws(() => parseDigest(s), (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === `invalid digest ${JSON.stringify(s)}`, s);
  }
});

test('hexOf and shortHex', () => {
  const d = sha256('abc');
  assert.equal(hexOf(d), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(shortHex(d), 'ba7816bf8f01');
  assert.equal(shortHex('ba7816bf8f01cfea'), 'ba7816bf8f01');
  assert.equal(shortHex('abc'), 'abc');
});

test('chainIds follow the OCI image spec definition', () => {
  const l0 = sha256('layer zero');
  const l1 = sha256('layer one');
  const l2 = sha256('layer two');
  const c1 = hash(`${l0} ${l1}`);
  const c2 = hash(`${c1} ${l2}`);
  assert.deepEqual(chainIds([]), []);
  assert.deepEqual(chainIds([l0]), [l0]);
  assert.deepEqual(chainIds([l0, l1]), [l0, c1]);
  assert.deepEqual(chainIds([l0, l1, l2]), [l0, c1, c2]);
  // The same layer twice still chains: the chain id depends on the position.
  assert.deepEqual(chainIds([l0, l0]), [l0, hash(`${l0} ${l0}`)]);
});

test('chainIds match a value computed independently', () => {
  // Two layers: the empty-string digest and the digest of "abc"; the chain id of the pair is the
  // sha256 of "<d0> <d1>" written out by hand.
  const d0 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' as Digest;
  const d1 = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' as Digest;
  const expected = createHash('sha256')
    .update('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    .digest('hex');
  assert.deepEqual(chainIds([d0, d1]), [d0, `sha256:${expected}`]);
});

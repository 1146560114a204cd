import { test } from 'node:test';
import assert from 'node:assert/strict';
import { naturalLess } from './natural-sort.js';

test('docker port’s order: numbers as numbers, digits before letters, fewer leading zeros first', () => {
  const lines = ['9000/udp -> 0.0.0.0:9000', '80/tcp -> [::]:8080', '443/tcp -> 0.0.0.0:8443', '80/tcp -> 0.0.0.0:8080'];
  const sorted = [...lines].sort((a, b) => (naturalLess(a, b) ? -1 : naturalLess(b, a) ? 1 : 0));
  assert.deepEqual(sorted, ['80/tcp -> 0.0.0.0:8080', '80/tcp -> [::]:8080', '443/tcp -> 0.0.0.0:8443', '9000/udp -> 0.0.0.0:9000']);
  assert.equal(naturalLess('a1', 'a01'), true);
  assert.equal(naturalLess('a01', 'a1'), false);
  assert.equal(naturalLess('1a', 'a'), true);
  assert.equal(naturalLess('ab', 'abc'), true);
  assert.equal(naturalLess('x', 'x'), false);
});

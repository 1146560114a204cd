import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKind } from '../../common/errors.js';
import { DetachScanner, parseDetachKeys } from './detach-keys.js';

test('detach keys use Docker syntax', () => {
  assert.deepEqual([...parseDetachKeys(undefined)], [16, 17]);
  assert.deepEqual([...parseDetachKeys('ctrl-a,x')], [1, 120]);
  assert.deepEqual([...parseDetachKeys('ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_')], [0, 27, 28, 29, 30, 31]);
  for (const bad of ['ctrl-1', 'ab', 'ctrl-', 'shift-a']) {
    assert.throws(() => parseDetachKeys(bad), (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === `Invalid detach keys (${bad}) provided`, bad);
  }
});

test('the scanner forwards everything but the sequence, across chunk boundaries', () => {
  const keys = parseDetachKeys('ctrl-p,ctrl-q');
  const s = new DetachScanner(keys);
  assert.deepEqual(s.feed(Buffer.from('ab\x10')), { forward: Buffer.from('ab'), detached: false });
  // A held ctrl-p followed by something else is released.
  assert.deepEqual(s.feed(Buffer.from('c')), { forward: Buffer.from('\x10c'), detached: false });
  assert.deepEqual(s.feed(Buffer.from('\x10\x10')), { forward: Buffer.from('\x10'), detached: false });
  assert.deepEqual(s.feed(Buffer.from('\x11tail')), { forward: Buffer.alloc(0), detached: true });
  const t = new DetachScanner(keys);
  assert.deepEqual(t.feed(Buffer.from('x\x10\x11y')), { forward: Buffer.from('x'), detached: true });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BerthError,
  cancelled,
  conflict,
  errnoCode,
  errorKinds,
  forbidden,
  internal,
  invalidArgument,
  isKind,
  kindOf,
  messageOf,
  notFound,
  notImplemented,
  notModified,
  throwIfAborted,
  type ErrorKind,
} from './errors.js';

test('constructors set the kind, the message and the cause', () => {
  const cause = new Error('root');
  const cases: Array<[BerthError, ErrorKind, string]> = [
    [invalidArgument('bad', cause), 'invalid-argument', 'bad'],
    [notFound('No such container: x', cause), 'not-found', 'No such container: x'],
    [conflict('in use', cause), 'conflict', 'in use'],
    [notModified(), 'not-modified', 'not modified'],
    [notModified('already started'), 'not-modified', 'already started'],
    [forbidden('nope'), 'forbidden', 'nope'],
    [notImplemented('later'), 'not-implemented', 'later'],
    [internal('boom', cause), 'internal', 'boom'],
  ];
  for (const [err, kind, message] of cases) {
    assert.ok(err instanceof BerthError);
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'BerthError');
    assert.equal(err.kind, kind);
    assert.equal(err.message, message);
    assert.ok(errorKinds.includes(err.kind));
  }
  assert.equal(invalidArgument('bad', cause).cause, cause);
});

test('isKind and kindOf walk the cause chain', () => {
  const inner = notFound('No such image: x');
  const wrappedPlain = new Error('outer', { cause: inner });
  const wrappedTwice = new Error('outer2', { cause: wrappedPlain });
  const conflictOverNotFound = conflict('outer conflict', inner);

  const cases: Array<[unknown, ErrorKind, boolean]> = [
    [inner, 'not-found', true],
    [wrappedPlain, 'not-found', true],
    [wrappedTwice, 'not-found', true],
    [wrappedTwice, 'conflict', false],
    [conflictOverNotFound, 'conflict', true],
    // isKind looks at every BerthError in the chain, not only the outermost.
    [conflictOverNotFound, 'not-found', true],
    [new Error('plain'), 'internal', false],
    [undefined, 'not-found', false],
    [null, 'not-found', false],
    ['a string', 'not-found', false],
    [{ cause: inner }, 'not-found', true],
  ];
  for (const [err, kind, want] of cases) assert.equal(isKind(err, kind), want, `${String(err)} ${kind}`);

  assert.equal(kindOf(inner), 'not-found');
  assert.equal(kindOf(wrappedTwice), 'not-found');
  // The outermost BerthError wins.
  assert.equal(kindOf(conflictOverNotFound), 'conflict');
  assert.equal(kindOf(new Error('plain')), 'internal');
  assert.equal(kindOf(undefined), 'internal');
  assert.equal(kindOf('x'), 'internal');
});

test('isKind and kindOf stop on cyclic or very deep chains', () => {
  const a = new Error('a') as Error & { cause?: unknown };
  const b = new Error('b', { cause: a });
  a.cause = b;
  assert.equal(isKind(a, 'not-found'), false);
  assert.equal(kindOf(a), 'internal');

  let deep: unknown = notFound('deep');
  for (let i = 0; i < 20; i++) deep = new Error(`wrap ${i}`, { cause: deep });
  // Beyond 16 links the walk gives up rather than loop forever.
  assert.equal(isKind(deep, 'not-found'), false);
  assert.equal(kindOf(deep), 'internal');
});

test('messageOf and errnoCode read unknown values safely', () => {
  assert.equal(messageOf(new Error('m')), 'm');
  assert.equal(messageOf('text'), 'text');
  assert.equal(messageOf(42), '42');
  assert.equal(errnoCode(Object.assign(new Error('x'), { code: 'ENOENT' })), 'ENOENT');
  assert.equal(errnoCode({ code: 5 }), undefined);
  assert.equal(errnoCode(null), undefined);
  assert.equal(errnoCode(undefined), undefined);
  assert.equal(errnoCode('ENOENT'), undefined);
});

test('cancelled and throwIfAborted carry the abort reason', () => {
  const ac = new AbortController();
  throwIfAborted(ac.signal);
  throwIfAborted(undefined);
  ac.abort(new Error('client disconnected'));
  assert.throws(
    () => throwIfAborted(ac.signal),
    (e: unknown) => isKind(e, 'cancelled') && (e as Error).message === 'client disconnected',
  );
  assert.equal(cancelled().message, 'operation cancelled');
  const ac2 = new AbortController();
  ac2.abort('a string reason');
  assert.equal(cancelled(ac2.signal).message, 'operation cancelled');
  assert.equal(cancelled(ac2.signal).kind, 'cancelled');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyedMutex } from './mutex.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('runs work on one key one after another, in arrival order', async () => {
  const m = new KeyedMutex();
  const log: string[] = [];
  let active = 0;
  let maxActive = 0;
  const job = (name: string, ms: number) =>
    m.run('c1', async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      log.push(`start ${name}`);
      await sleep(ms);
      log.push(`end ${name}`);
      active--;
      return name;
    });
  const results = await Promise.all([job('a', 15), job('b', 1), job('c', 5)]);
  assert.deepEqual(results, ['a', 'b', 'c']);
  assert.equal(maxActive, 1);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
});

test('runs work on different keys concurrently', async () => {
  const m = new KeyedMutex();
  const gate = deferred();
  const started: string[] = [];
  const a = m.run('a', async () => {
    started.push('a');
    await gate.promise;
  });
  const b = m.run('b', async () => {
    started.push('b');
    await gate.promise;
  });
  // Both must be running while the gate is still closed; with a global lock b would wait for a.
  await sleep(5);
  assert.deepEqual(started.sort(), ['a', 'b']);
  assert.equal(m.isLocked('a'), true);
  assert.equal(m.isLocked('b'), true);
  gate.resolve();
  await Promise.all([a, b]);
});

test('a failing job releases the key and its error reaches only its caller', async () => {
  const m = new KeyedMutex();
  const first = m.run('k', async () => {
    await sleep(2);
    throw new Error('first failed');
  });
  const second = m.run('k', async () => 'second ran');
  await assert.rejects(first, /first failed/);
  assert.equal(await second, 'second ran');
  assert.equal(m.isLocked('k'), false);
});

test('a synchronous throw inside the job also releases the key', async () => {
  const m = new KeyedMutex();
  await assert.rejects(
    m.run('k', () => {
      throw new Error('sync');
    }),
    /sync/,
  );
  assert.equal(await m.run('k', async () => 1), 1);
  assert.equal(m.isLocked('k'), false);
});

test('isLocked reports held and queued keys and forgets them afterwards', async () => {
  const m = new KeyedMutex();
  assert.equal(m.isLocked('x'), false);
  const gate = deferred();
  const held = m.run('x', () => gate.promise);
  const queued = m.run('x', async () => 'q');
  assert.equal(m.isLocked('x'), true);
  gate.resolve();
  await held;
  assert.equal(m.isLocked('x'), true, 'the queued job still holds the key');
  assert.equal(await queued, 'q');
  assert.equal(m.isLocked('x'), false);
});

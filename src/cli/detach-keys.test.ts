import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EscapeProxy, chosenDetachKeys, defaultDetachKeys, detachKeyBytes, escapeKeys } from './detach-keys.js';

test("detach keys parse as moby/term's ToBytes does", () => {
  assert.deepEqual([...detachKeyBytes('ctrl-p,ctrl-q')], [16, 17]);
  assert.deepEqual([...detachKeyBytes('ctrl-a,x')], [1, 120]);
  assert.deepEqual([...detachKeyBytes('ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_')], [0, 27, 28, 29, 30, 31]);
  assert.deepEqual([...detachKeyBytes('DEL,a')], [127, 97]);
  // docker knows the lower-case spelling only, and a non-ASCII character is more than one byte.
  assert.throws(() => detachKeyBytes('ctrl-P'), { message: "Unknown character: 'ctrl-P'" });
  assert.throws(() => detachKeyBytes('bogus'), { message: "Unknown character: 'bogus'" });
  assert.throws(() => detachKeyBytes('ctrl-a,é'), { message: "Unknown character: 'é'" });
  assert.throws(() => detachKeyBytes(''), { message: "Unknown character: ''" });
});

test('the client falls back to ctrl-p,ctrl-q when the keys are empty or invalid', () => {
  assert.deepEqual(escapeKeys(''), defaultDetachKeys);
  assert.deepEqual(escapeKeys('bogus'), defaultDetachKeys);
  assert.deepEqual([...escapeKeys('ctrl-x')], [24]);
});

test('the escape proxy holds back a partial sequence and drops what follows a complete one', () => {
  const p = new EscapeProxy(Buffer.from([16, 17]));
  assert.deepEqual(p.feed(Buffer.from('ls\r')), { forward: Buffer.from('ls\r'), detached: false });
  // ctrl-p alone might begin the sequence: nothing is sent until the next key decides.
  assert.deepEqual(p.feed(Buffer.from([16])), { forward: Buffer.alloc(0), detached: false });
  assert.deepEqual(p.feed(Buffer.from('a')), { forward: Buffer.from([16, 97]), detached: false });
  assert.deepEqual(p.feed(Buffer.from([104, 16, 17, 105])), { forward: Buffer.from('h'), detached: true });
  // Split across reads.
  const q = new EscapeProxy(Buffer.from([16, 17]));
  assert.deepEqual(q.feed(Buffer.from([120, 16])), { forward: Buffer.from('x'), detached: false });
  assert.deepEqual(q.feed(Buffer.from([17])), { forward: Buffer.alloc(0), detached: true });
});

test('a key that breaks a partial match is passed on, not taken as a new start (as in docker)', () => {
  const p = new EscapeProxy(Buffer.from([16, 17]));
  assert.deepEqual(p.feed(Buffer.from([16, 16, 17])), { forward: Buffer.from([16, 16, 17]), detached: false });
  // A one-key sequence detaches at once.
  assert.deepEqual(new EscapeProxy(Buffer.from([24])).feed(Buffer.from([97, 24])), { forward: Buffer.from('a'), detached: true });
});

test('--detach-keys wins; else detachKeys from the docker config file; else none', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-detach-'));
  try {
    assert.equal(chosenDetachKeys(undefined, { DOCKER_CONFIG: dir }), '');
    await writeFile(join(dir, 'config.json'), '{"auths":{},"detachKeys":"ctrl-e,e"}');
    assert.equal(chosenDetachKeys(undefined, { DOCKER_CONFIG: dir }), 'ctrl-e,e');
    assert.equal(chosenDetachKeys('ctrl-x', { DOCKER_CONFIG: dir }), 'ctrl-x');
    await writeFile(join(dir, 'config.json'), '{"detachKeys": 5}');
    assert.equal(chosenDetachKeys(undefined, { DOCKER_CONFIG: dir }), '');
    await writeFile(join(dir, 'config.json'), 'not json');
    assert.equal(chosenDetachKeys(undefined, { DOCKER_CONFIG: dir }), '');
    // Without DOCKER_CONFIG the file is under $HOME/.docker.
    await mkdir(join(dir, 'home', '.docker'), { recursive: true });
    await writeFile(join(dir, 'home', '.docker', 'config.json'), '{"detachKeys":"ctrl-z"}');
    assert.equal(chosenDetachKeys(undefined, { HOME: join(dir, 'home') }), 'ctrl-z');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

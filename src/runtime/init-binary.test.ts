import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findInitBinary } from './init-binary.js';
import { isKind } from '../common/errors.js';

test('findInitBinary: a docker-init on PATH comes first; a configured path must be executable', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-init-'));
  try {
    const init = join(dir, 'docker-init');
    await writeFile(init, '#!/bin/sh\n');
    await chmod(init, 0o755);
    assert.equal(await findInitBinary(undefined, `/nonexistent:${dir}`), init);
    assert.equal(await findInitBinary(init), init);
    const plain = join(dir, 'plain');
    await writeFile(plain, '');
    await assert.rejects(findInitBinary(plain), (e: unknown) => isKind(e, 'invalid-argument') && /not an executable file/.test((e as Error).message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

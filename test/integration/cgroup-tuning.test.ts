/** berthd turns favordynmods on for a cgroup mount at start, unless daemon.json says not to. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from '../helpers/daemon.js';
import { syscalls } from '../../src/common/syscalls.js';
import { favorDynmodsRemount, parseMountInfo, type MountEntry } from '../../src/runtime/cgroup-tuning.js';

async function favoured(): Promise<MountEntry | undefined> {
  return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8')).find((m) => m.superOptions.includes('favordynmods'));
}

/** Remounts `m` with or without the option, everything else as it is. */
async function setOption(m: MountEntry, on: boolean): Promise<void> {
  const { flags, data } = favorDynmodsRemount({ ...m, superOptions: m.superOptions.filter((o) => o !== 'favordynmods') });
  await syscalls!.mount('none', m.target, '', flags, on ? data : data.replace(/,?favordynmods$/, ''));
}

test('favordynmods: set at start by default, left alone with "cgroup-favordynmods": false', async (t) => {
  // Any daemon started on this machine has set it already; if none has, one is started to do it.
  if (!(await favoured())) assert.deepEqual(await (await startDaemon({ busybox: false })).cleanup(), []);
  const before = await favoured();
  if (!before) {
    t.skip('this kernel has no favordynmods (Linux < 6.0) or no cgroup mount with it');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'berth-tuning-'));
  try {
    await setOption(before, false);
    assert.equal(await favoured(), undefined);
    const config = join(dir, 'daemon.json');
    await writeFile(config, JSON.stringify({ 'cgroup-favordynmods': false }));
    const off = await startDaemon({ busybox: false, extraArgs: ['--config-file', config] });
    assert.equal(await favoured(), undefined);
    assert.deepEqual(await off.cleanup(), []);

    const on = await startDaemon({ busybox: false });
    assert.equal((await favoured())?.target, before.target);
    // The rest of the mount is as it was.
    const after = (await favoured())!;
    assert.deepEqual(after.mountOptions, before.mountOptions);
    assert.deepEqual(after.superOptions, before.superOptions);
    assert.deepEqual(await on.cleanup(), []);
  } finally {
    if (!(await favoured())) await setOption(before, true);
    await rm(dir, { recursive: true, force: true });
  }
});

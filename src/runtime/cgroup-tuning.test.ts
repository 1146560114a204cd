import { test } from 'node:test';
import assert from 'node:assert/strict';
import { favorDynmodsRemount, favorDynmodsTarget, parseMountInfo } from './cgroup-tuning.js';

const hybrid = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
40 31 0:37 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate
`;

test('favordynmods goes on the cgroup2 mount, keeping its flags and options', () => {
  const t = favorDynmodsTarget(parseMountInfo(hybrid));
  assert.equal(t?.target, '/sys/fs/cgroup/unified');
  assert.deepEqual(favorDynmodsRemount(t!), { flags: 32 | 2 | 4 | 8 | (1 << 21), data: 'nsdelegate,favordynmods' });
});

test('on a v1-only host the first hierarchy is used, with its controller named', () => {
  const v1 = parseMountInfo(hybrid.split('\n').slice(0, 2).join('\n'));
  const t = favorDynmodsTarget(v1);
  assert.equal(t?.target, '/sys/fs/cgroup/cpu');
  assert.equal(favorDynmodsRemount(t!).data, 'cpu,favordynmods');
});

test('nothing to do once a cgroup mount has favordynmods', () => {
  assert.equal(favorDynmodsTarget(parseMountInfo(hybrid.replace('rw,nsdelegate', 'rw,nsdelegate,favordynmods'))), undefined);
  assert.equal(favorDynmodsTarget(parseMountInfo('31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n')), undefined);
});

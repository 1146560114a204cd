import { test } from 'node:test';
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { buildSpec, type SpecInput } from '../runtime/spec.js';
import { runtimeMountPoints } from './container-commit.js';
import { containerInitPath } from './containers.js';

const input: SpecInput = {
  rootfs: '/r',
  readonlyRootfs: false,
  args: ['sh'],
  env: [],
  cwd: '/',
  user: { uid: 0, gid: 0, additionalGids: [] },
  tty: true,
  hostname: 'h',
  privileged: false,
  capabilities: [],
  rlimits: [],
  resources: {},
  cgroupsPath: 'c',
  network: { mode: 'none' },
  files: { hostname: '/c/hostname', hosts: '/c/hosts', resolvConf: '/c/resolv.conf' },
  shmSize: 1 << 20,
  extraMounts: [{ destination: containerInitPath, type: 'bind', source: '/usr/bin/tini', options: ['bind', 'ro'] }],
};

test("every mount the runtime makes on the container's own root is hidden from diff and commit", () => {
  const destinations = buildSpec(input).mounts.map((m) => m.destination);
  const hidden = new Set(runtimeMountPoints);
  for (const dest of destinations) {
    // A mount inside another mount (/dev/pts in /dev, /sys/fs/cgroup in /sys) never reaches the upper dir.
    const insideAnother = destinations.some((other) => other !== dest && dest.startsWith(`${other}/`));
    assert.ok(hidden.has(dest) || insideAnother, `${dest} would show up in docker diff`);
  }
});

test("volume and bind mount targets are not hidden: dockerd lists them too (A /data for -v vol:/data)", () => {
  for (const p of runtimeMountPoints) {
    assert.equal(posix.normalize(p), p);
    assert.ok(['/dev', '/proc', '/sys', '/etc', '/sbin'].some((top) => p === top || p.startsWith(`${top}/`)), p);
  }
});

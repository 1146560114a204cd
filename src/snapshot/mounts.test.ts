import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountInfo, type MountInfo } from './mounts.js';

test('parseMountInfo reads the fields berth uses, whatever the optional fields', () => {
  const text = [
    '22 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda rw,errors=remount-ro',
    '25 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw',
    // no optional fields at all
    '30 22 0:25 / /run rw,nosuid,nodev - tmpfs tmpfs rw,size=815676k,mode=755',
    // several optional fields
    '31 22 0:26 / /mnt/a rw master:3 propagate_from:2 shared:7 - tmpfs none rw',
    '120 22 0:50 / /var/lib/berth/overlay/c1/merged rw,relatime - overlay overlay rw,lowerdir=/l/1:/l/2,upperdir=/u,workdir=/w',
    '',
  ].join('\n');
  const want: MountInfo[] = [
    { mountPoint: '/', fsType: 'ext4', source: '/dev/vda', options: 'rw,errors=remount-ro' },
    { mountPoint: '/proc', fsType: 'proc', source: 'proc', options: 'rw' },
    { mountPoint: '/run', fsType: 'tmpfs', source: 'tmpfs', options: 'rw,size=815676k,mode=755' },
    { mountPoint: '/mnt/a', fsType: 'tmpfs', source: 'none', options: 'rw' },
    { mountPoint: '/var/lib/berth/overlay/c1/merged', fsType: 'overlay', source: 'overlay', options: 'rw,lowerdir=/l/1:/l/2,upperdir=/u,workdir=/w' },
  ];
  assert.deepEqual(parseMountInfo(text), want);
});

test('parseMountInfo decodes the kernel\'s octal escapes in paths', () => {
  const cases: Array<[string, string, string]> = [
    ['/mnt/with\\040space', '/dev/sd\\134x', '/mnt/with space'],
    ['/mnt/tab\\011here', 'src', '/mnt/tab\there'],
    ['/mnt/new\\012line', 'src', '/mnt/new\nline'],
    ['/mnt/back\\134slash', 'src', '/mnt/back\\slash'],
    ['/mnt/a\\040-\\040b', 'src', '/mnt/a - b'],
    ['/mnt/\\040\\040', 'src', '/mnt/  '],
    // a backslash not followed by three octal digits is left alone
    ['/mnt/x\\08y', 'src', '/mnt/x\\08y'],
  ];
  for (const [field, source, want] of cases) {
    const [m] = parseMountInfo(`40 22 0:30 / ${field} rw - tmpfs ${source} rw\n`);
    assert.equal(m?.mountPoint, want, field);
  }
  assert.equal(parseMountInfo('40 22 0:30 / /m rw - tmpfs /dev/sd\\134x rw')[0]?.source, '/dev/sd\\x');
  assert.equal(parseMountInfo('40 22 0:30 / /m rw - fuse my\\040source rw')[0]?.source, 'my source');
});

test('parseMountInfo skips lines without the separator', () => {
  assert.deepEqual(parseMountInfo('garbage\n\n22 1 252:1 / / rw shared:1 ext4 /dev/vda rw\n'), []);
  assert.deepEqual(parseMountInfo(''), []);
});

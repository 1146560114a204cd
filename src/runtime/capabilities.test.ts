import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultCapabilities, effectiveCapabilities, hostCapabilities } from './capabilities.js';
import { isKind } from '../common/errors.js';

// What a typical host offers: everything up to CAP_CHECKPOINT_RESTORE except CAP_SYS_RESOURCE.
const available = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN',
  'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

const eff = (capAdd: string[] | null | undefined, capDrop: string[] | null | undefined, privileged = false) =>
  effectiveCapabilities({ privileged, capAdd, capDrop, available });
const sorted = (a: readonly string[]) => [...a].sort();

test('the default set is Docker\'s fourteen capabilities', () => {
  assert.equal(defaultCapabilities.length, 14);
  assert.deepEqual(sorted(eff(undefined, undefined)), sorted(defaultCapabilities));
  assert.deepEqual(sorted(eff(null, null)), sorted(defaultCapabilities));
  assert.deepEqual(sorted(eff([], [])), sorted(defaultCapabilities));
});

test('cap-add and cap-drop, with or without the CAP_ prefix, in any case', () => {
  const without = (...drop: string[]) => sorted(defaultCapabilities.filter((c) => !drop.includes(c)));
  const plus = (...add: string[]) => sorted([...defaultCapabilities, ...add]);
  const cases: Array<[string[] | null, string[] | null, string[]]> = [
    [['NET_ADMIN'], null, plus('CAP_NET_ADMIN')],
    [['CAP_NET_ADMIN'], null, plus('CAP_NET_ADMIN')],
    [['net_admin'], null, plus('CAP_NET_ADMIN')],
    [['cap_sys_ptrace', 'SYS_ADMIN'], null, plus('CAP_SYS_PTRACE', 'CAP_SYS_ADMIN')],
    [[' NET_ADMIN '], null, plus('CAP_NET_ADMIN')],
    [null, ['CHOWN'], without('CAP_CHOWN')],
    [null, ['cap_chown', 'NET_RAW'], without('CAP_CHOWN', 'CAP_NET_RAW')],
    // adding one that is already there changes nothing; dropping one that is absent neither
    [['CHOWN'], null, plus()],
    [null, ['SYS_ADMIN'], plus()],
    // add wins over drop of the same capability
    [['NET_RAW'], ['NET_RAW'], plus()],
    // drop ALL, then add some back
    [['NET_BIND_SERVICE'], ['ALL'], ['CAP_NET_BIND_SERVICE']],
    [['chown', 'setuid'], ['all'], ['CAP_CHOWN', 'CAP_SETUID']],
    [null, ['ALL'], []],
    // add ALL: everything the host offers, minus what is dropped
    [['ALL'], null, sorted(available)],
    [['ALL'], ['SYS_ADMIN', 'NET_ADMIN'], sorted(available.filter((c) => c !== 'CAP_SYS_ADMIN' && c !== 'CAP_NET_ADMIN'))],
  ];
  for (const [add, drop, want] of cases) assert.deepEqual(sorted(eff(add, drop)), want, `add ${JSON.stringify(add)} drop ${JSON.stringify(drop)}`);
});

test('cap-add ALL together with cap-drop ALL keeps everything, as Docker does', () => {
  assert.deepEqual(sorted(eff(['ALL'], ['ALL'])), sorted(available));
});

test('capabilities the host lacks are never granted', () => {
  assert.ok(!eff(['SYS_RESOURCE'], null).includes('CAP_SYS_RESOURCE'));
  assert.ok(!eff(['ALL'], null).includes('CAP_SYS_RESOURCE'));
  assert.deepEqual(effectiveCapabilities({ privileged: false, capAdd: ['NET_ADMIN'], available: ['CAP_CHOWN'] }), ['CAP_CHOWN']);
});

test('privileged containers get every available capability, whatever cap-add and cap-drop say', () => {
  assert.deepEqual(eff(null, null, true), available);
  assert.deepEqual(eff(null, ['ALL'], true), available);
  assert.deepEqual(eff(['NET_ADMIN'], ['CHOWN'], true), available);
});

test('the result is in kernel bit order without duplicates', () => {
  const out = eff(['NET_ADMIN', 'NET_ADMIN', 'CAP_NET_ADMIN', 'BPF'], null);
  assert.equal(new Set(out).size, out.length);
  assert.deepEqual(out.slice(0, 3), ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER']);
  assert.ok(out.indexOf('CAP_NET_ADMIN') < out.indexOf('CAP_BPF'));
});

test('an unknown capability is an invalid-argument error', () => {
  for (const [add, drop, bad] of [
    [['NOT_A_CAP'], null, 'NOT_A_CAP'],
    [null, ['CAP_BOGUS'], 'CAP_BOGUS'],
    [[''], null, ''],
    [['CAP_'], null, 'CAP_'],
    [['ALLX'], null, 'ALLX'],
  ] as Array<[string[] | null, string[] | null, string]>) {
    assert.throws(() => eff(add, drop), (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message.includes(bad), bad);
  }
});

test('an unknown capability is reported with Docker\'s message', () => {
  assert.throws(() => eff(['foo'], null), (e: unknown) => (e as Error).message === 'unknown capability: "CAP_FOO"');
});

test('hostCapabilities lists known names from our bounding set', () => {
  const host = hostCapabilities();
  assert.ok(host.length > 0);
  for (const c of host) assert.match(c, /^CAP_[A-Z_]+$/);
  assert.equal(new Set(host).size, host.length);
  // running as root in a container engine's test environment, the basics are always there
  assert.ok(host.includes('CAP_CHOWN'));
});

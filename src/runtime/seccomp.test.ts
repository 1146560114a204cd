import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertProfile, defaultProfilePath, loadProfile, type DockerSeccompProfile } from './seccomp.js';
import { defaultCapabilities } from './capabilities.js';
import { isKind } from '../common/errors.js';

const profile: DockerSeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 1,
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    { architecture: 'SCMP_ARCH_S390X', subArchitectures: null },
  ],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
    { name: 'single', action: 'SCMP_ACT_ALLOW' },
    { names: [], action: 'SCMP_ACT_ALLOW' },
    { action: 'SCMP_ACT_ALLOW' },
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
    { names: ['arm_only'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm', 'arm64'] } },
    { names: ['not_on_amd64'], action: 'SCMP_ACT_ALLOW', excludes: { arches: ['amd64'] } },
    { names: ['chroot'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_CHROOT'] } },
    { names: ['chroot'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, excludes: { caps: ['CAP_SYS_CHROOT'] } },
    { names: ['needs_both'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN', 'CAP_SYS_CHROOT'] } },
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, excludes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['new_in_5_6'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '5.6' } },
    { names: ['new_in_4_8'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
    { names: ['empty_args'], action: 'SCMP_ACT_ALLOW', args: [] },
    { names: ['null_args'], action: 'SCMP_ACT_ALLOW', args: null },
    { names: ['errno_zero'], action: 'SCMP_ACT_ERRNO', errnoRet: 0 },
    { names: ['empty_filters'], action: 'SCMP_ACT_ALLOW', includes: {}, excludes: {} },
  ],
};

const names = (caps: readonly string[], opts: { arch?: string; kernel?: string } = {}) =>
  convertProfile(profile, { capabilities: caps, arch: opts.arch ?? 'x64', kernel: opts.kernel ?? '6.1.0-18-amd64' }).syscalls!.map((s) => `${s.names.join(',')}:${s.action}`);

test('rules are chosen by architecture, capabilities and kernel', () => {
  const caps = ['CAP_SYS_CHROOT'];
  assert.deepEqual(names(caps), [
    'read,write:SCMP_ACT_ALLOW',
    'single:SCMP_ACT_ALLOW',
    'arch_prctl:SCMP_ACT_ALLOW',
    'chroot:SCMP_ACT_ALLOW',
    'clone3:SCMP_ACT_ERRNO',
    'new_in_5_6:SCMP_ACT_ALLOW',
    'new_in_4_8:SCMP_ACT_ALLOW',
    'personality:SCMP_ACT_ALLOW',
    'empty_args:SCMP_ACT_ALLOW',
    'null_args:SCMP_ACT_ALLOW',
    'errno_zero:SCMP_ACT_ERRNO',
    'empty_filters:SCMP_ACT_ALLOW',
  ]);
});

test('includes.caps needs every capability; excludes.caps drops the rule when any is present', () => {
  const has = (caps: string[], rule: string) => names(caps).includes(rule);
  const cases: Array<[string[], string, boolean]> = [
    [[], 'chroot:SCMP_ACT_ALLOW', false],
    [[], 'chroot:SCMP_ACT_ERRNO', true],
    [['CAP_SYS_CHROOT'], 'chroot:SCMP_ACT_ALLOW', true],
    [['CAP_SYS_CHROOT'], 'chroot:SCMP_ACT_ERRNO', false],
    [['CAP_SYS_CHROOT'], 'needs_both:SCMP_ACT_ALLOW', false],
    [['CAP_SYS_ADMIN'], 'needs_both:SCMP_ACT_ALLOW', false],
    [['CAP_SYS_ADMIN', 'CAP_SYS_CHROOT'], 'needs_both:SCMP_ACT_ALLOW', true],
    [['CAP_SYS_ADMIN'], 'clone3:SCMP_ACT_ERRNO', false],
    [[], 'clone3:SCMP_ACT_ERRNO', true],
  ];
  for (const [caps, rule, want] of cases) assert.equal(has(caps, rule), want, `${rule} with ${caps.join(',') || 'no caps'}`);
});

test('includes.arches and excludes.arches use Docker\'s architecture names', () => {
  const cases: Array<[string, string, boolean]> = [
    ['x64', 'arch_prctl:SCMP_ACT_ALLOW', true],
    ['x64', 'arm_only:SCMP_ACT_ALLOW', false],
    ['x64', 'not_on_amd64:SCMP_ACT_ALLOW', false],
    ['arm64', 'arch_prctl:SCMP_ACT_ALLOW', false],
    ['arm64', 'arm_only:SCMP_ACT_ALLOW', true],
    ['arm64', 'not_on_amd64:SCMP_ACT_ALLOW', true],
  ];
  for (const [arch, rule, want] of cases) assert.equal(names([], { arch }).includes(rule), want, `${rule} on ${arch}`);
});

test('includes.minKernel compares major.minor of the running kernel', () => {
  const cases: Array<[string, boolean, boolean]> = [
    ['6.1.0-18-amd64', true, true],
    ['5.6.0', true, true],
    ['5.5.19', false, true],
    ['5.10.0', true, true],
    ['4.19.0', false, true],
    ['4.8', false, true],
    ['4.7.10', false, false],
    ['3.10.0-1160.el7.x86_64', false, false],
    ['6.18.44-fc-v769', true, true],
  ];
  for (const [kernel, has56, has48] of cases) {
    const got = names([], { kernel });
    assert.equal(got.includes('new_in_5_6:SCMP_ACT_ALLOW'), has56, `5.6 on ${kernel}`);
    assert.equal(got.includes('new_in_4_8:SCMP_ACT_ALLOW'), has48, `4.8 on ${kernel}`);
  }
});

test('excludes.minKernel drops a rule on kernels at least that new', () => {
  const p: DockerSeccompProfile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [{ names: ['old_kernels_only'], action: 'SCMP_ACT_ERRNO', excludes: { minKernel: '5.0' } }],
  };
  assert.deepEqual(convertProfile(p, { capabilities: [], arch: 'x64', kernel: '6.1.0' }).syscalls, []);
  assert.equal(convertProfile(p, { capabilities: [], arch: 'x64', kernel: '4.19.0' }).syscalls?.length, 1);
});

test('names vs name, errnoRet and args are carried over faithfully', () => {
  const out = convertProfile(profile, { capabilities: [], arch: 'x64', kernel: '6.1' });
  const rule = (n: string) => out.syscalls!.find((s) => s.names.includes(n));
  assert.deepEqual(rule('single'), { names: ['single'], action: 'SCMP_ACT_ALLOW' });
  assert.deepEqual(rule('read'), { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' });
  assert.deepEqual(rule('chroot'), { names: ['chroot'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 });
  assert.deepEqual(rule('errno_zero'), { names: ['errno_zero'], action: 'SCMP_ACT_ERRNO', errnoRet: 0 });
  assert.deepEqual(rule('personality'), { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] });
  // empty or null args are left out
  assert.deepEqual(rule('empty_args'), { names: ['empty_args'], action: 'SCMP_ACT_ALLOW' });
  assert.deepEqual(rule('null_args'), { names: ['null_args'], action: 'SCMP_ACT_ALLOW' });
  // a rule without any name is dropped
  assert.ok(out.syscalls!.every((s) => s.names.length > 0));
  assert.equal(out.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(out.defaultErrnoRet, 1);
});

test('architectures come from archMap: the native one and its sub-architectures, or only the native one', () => {
  const arches = (arch: string, nativeOnly?: boolean) =>
    convertProfile(profile, { capabilities: [], arch, kernel: '6.1', ...(nativeOnly !== undefined && { nativeOnly }) }).architectures;
  const cases: Array<[string, boolean | undefined, string[]]> = [
    ['x64', undefined, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']],
    ['x64', false, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']],
    ['x64', true, ['SCMP_ARCH_X86_64']],
    ['arm64', undefined, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']],
    ['arm64', true, ['SCMP_ARCH_AARCH64']],
    ['s390x', undefined, ['SCMP_ARCH_S390X']],
    // not in the archMap: no architectures (libseccomp's native default)
    ['ppc64', undefined, []],
  ];
  for (const [arch, nativeOnly, want] of cases) assert.deepEqual(arches(arch, nativeOnly), want, `${arch} nativeOnly=${nativeOnly}`);
});

test('a profile with a flat architectures list and no archMap keeps it', () => {
  const p: DockerSeccompProfile = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [] };
  const out = convertProfile(p, { capabilities: [], arch: 'x64', kernel: '6.1' });
  assert.deepEqual(out, { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [] });
  assert.equal('defaultErrnoRet' in out, false);
  assert.deepEqual(convertProfile({ defaultAction: 'SCMP_ACT_ALLOW' }, { capabilities: [], arch: 'x64' }), { defaultAction: 'SCMP_ACT_ALLOW', architectures: [], syscalls: [] });
});

test('the profile shipped in /usr/share/containers converts for the default capabilities', async (t) => {
  const real = await loadProfile(defaultProfilePath);
  if (!real) {
    t.skip(`${defaultProfilePath} is not installed`);
    return;
  }
  const out = convertProfile(real, { capabilities: defaultCapabilities, arch: 'x64', kernel: '6.1.0' });
  assert.equal(out.defaultAction, real.defaultAction);
  assert.deepEqual(out.architectures?.slice(0, 1), ['SCMP_ARCH_X86_64']);
  const actionsOf = (n: string) => out.syscalls!.filter((s) => s.names.includes(n)).map((s) => s.action);
  // everyday syscalls are allowed
  for (const n of ['read', 'write', 'openat', 'execve', 'clone', 'exit_group', 'arch_prctl']) {
    assert.ok(actionsOf(n).includes('SCMP_ACT_ALLOW'), n);
  }
  // chroot is allowed because CAP_SYS_CHROOT is a default capability; module loading is not
  assert.ok(actionsOf('chroot').includes('SCMP_ACT_ALLOW'));
  assert.ok(!actionsOf('init_module').includes('SCMP_ACT_ALLOW'));
  assert.ok(!actionsOf('bpf').includes('SCMP_ACT_ALLOW'));
  // other architectures' syscalls are not present on amd64
  assert.deepEqual(actionsOf('s390_runtime_instr'), []);
  // with CAP_SYS_ADMIN bpf becomes allowed, and its ERRNO rule goes away
  const admin = convertProfile(real, { capabilities: [...defaultCapabilities, 'CAP_SYS_ADMIN'], arch: 'x64', kernel: '6.1.0' });
  assert.deepEqual(admin.syscalls!.filter((s) => s.names.includes('bpf')).map((s) => s.action), ['SCMP_ACT_ALLOW']);
  assert.deepEqual(actionsOf('bpf'), ['SCMP_ACT_ERRNO']);
  // every rule of the output is well formed
  for (const s of out.syscalls!) {
    assert.ok(s.names.length > 0 && typeof s.action === 'string');
    assert.ok(!('includes' in s) && !('excludes' in s));
  }
});

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-seccomp-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('loadProfile: missing is undefined, bad JSON is invalid-argument', async () => {
  assert.equal(await loadProfile(join(dir, 'missing.json')), undefined);
  const bad = join(dir, 'bad.json');
  await writeFile(bad, '{ not json');
  await assert.rejects(loadProfile(bad), (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === `seccomp profile ${bad} is not valid JSON`);
  const good = join(dir, 'good.json');
  await writeFile(good, JSON.stringify(profile));
  assert.deepEqual(await loadProfile(good), profile);
});

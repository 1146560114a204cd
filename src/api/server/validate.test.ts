import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCreateBody } from './validate.js';
import { isKind } from '../../common/errors.js';

function fails(body: unknown, re: RegExp): void {
  let err: unknown;
  try {
    validateCreateBody(body);
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${JSON.stringify(body)} to be refused`);
  assert.ok(isKind(err, 'invalid-argument'), String(err));
  assert.match((err as Error).message, re, JSON.stringify(body));
}

test('an empty body is refused with Docker\'s message', () => {
  for (const body of [undefined, null]) {
    assert.throws(
      () => validateCreateBody(body),
      (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === 'config cannot be empty in order to create a container',
    );
  }
});

test('a body that is not an object is a Go unmarshal error', () => {
  const cases: Array<[unknown, string]> = [
    [[], 'array'],
    [['busybox'], 'array'],
    ['busybox', 'string'],
    [42, 'number'],
  ];
  for (const [body, type] of cases) fails(body, new RegExp(`^json: cannot unmarshal ${type} into Go value of type container\\.Config$`));
});

test('wrongly typed fields are "json: cannot unmarshal …" errors naming the field and the Go type', () => {
  const cases: Array<[Record<string, unknown>, string, string, string]> = [
    [{ Tty: 'yes' }, 'string', 'Tty', 'bool'],
    [{ OpenStdin: 1 }, 'number', 'OpenStdin', 'bool'],
    [{ Image: 5 }, 'number', 'Image', 'string'],
    [{ Env: 'A=1' }, 'string', 'Env', '\\[\\]string'],
    [{ Env: { A: '1' } }, 'object', 'Env', '\\[\\]string'],
    [{ Cmd: 5 }, 'number', 'Cmd', 'strslice.StrSlice'],
    [{ Cmd: { a: 'b' } }, 'object', 'Cmd', 'strslice.StrSlice'],
    [{ Entrypoint: 7 }, 'number', 'Entrypoint', 'strslice.StrSlice'],
    [{ Labels: ['a=b'] }, 'array', 'Labels', 'map\\[string\\]string'],
    [{ Labels: 'a=b' }, 'string', 'Labels', 'map\\[string\\]string'],
    [{ StopTimeout: '10' }, 'string', 'StopTimeout', 'int64'],
    [{ ExposedPorts: ['80/tcp'] }, 'array', 'ExposedPorts', 'struct'],
    [{ Volumes: '/data' }, 'string', 'Volumes', 'struct'],
    [{ HostConfig: [] }, 'array', 'HostConfig', 'struct'],
    [{ HostConfig: 'none' }, 'string', 'HostConfig', 'struct'],
    [{ HostConfig: { Memory: '1g' } }, 'string', 'Memory', 'int64'],
    [{ HostConfig: { Binds: 'vol1:/data' } }, 'string', 'Binds', '\\[\\]string'],
    [{ HostConfig: { PortBindings: [] } }, 'array', 'PortBindings', 'struct'],
    [{ HostConfig: { AutoRemove: 'true' } }, 'string', 'AutoRemove', 'bool'],
    [{ HostConfig: { Tmpfs: ['/t'] } }, 'array', 'Tmpfs', 'map\\[string\\]string'],
    [{ HostConfig: { Tmpfs: { '/t': 1 } } }, 'object', 'Tmpfs', 'map\\[string\\]string'],
    [{ HostConfig: { Ulimits: {} } }, 'object', 'Ulimits', '\\[\\]'],
    [{ HostConfig: { Mounts: 'type=bind' } }, 'string', 'Mounts', '\\[\\]'],
    [{ HostConfig: { CapAdd: 1 } }, 'number', 'CapAdd', 'strslice.StrSlice'],
    [{ HostConfig: { RestartPolicy: { Name: 5 } } }, 'number', 'Name', 'string'],
    [{ HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: '3' } } }, 'string', 'MaximumRetryCount', 'int64'],
    [{ HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 'x', Hard: 1 }] } }, 'string', 'Soft', 'int64'],
    [{ HostConfig: { Ulimits: ['nofile=1'] } }, 'string', 'Ulimits', 'struct'],
  ];
  for (const [body, valueType, field, goType] of cases) {
    fails(body, new RegExp(`^json: cannot unmarshal ${valueType} into Go struct field \\S*\\b${field} of type ${goType}$`));
  }
});

test('lists of the wrong element type are refused too', () => {
  for (const body of [{ Env: [1] }, { Cmd: ['echo', 2] }, { HostConfig: { Dns: [8, 8] } }, { OnBuild: [null] }]) {
    fails(body, /^json: cannot unmarshal .* into Go struct field /);
  }
});

test('a JSON boolean is called bool in the message, as Go does', () => {
  fails({ Hostname: true }, /^json: cannot unmarshal bool into Go struct field \S*Hostname of type string$/);
});

test('a fractional number for an integer field is refused, as Go does', () => {
  fails({ HostConfig: { Memory: 1.5 } }, /^json: cannot unmarshal number 1\.5 into Go struct field \S*Memory of type int64$/);
});

test('valid bodies pass, unknown keys and nulls are ignored', () => {
  const bodies: Array<Record<string, unknown>> = [
    {},
    { Image: 'busybox' },
    { Image: 'busybox', Cmd: ['sleep', '100'], Env: null, Entrypoint: null, Labels: {}, Volumes: {}, OnBuild: null },
    // the CLI 28 baseline, shortened: newer fields like GwPriority are unknown here and ignored
    {
      Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, OpenStdin: false,
      StdinOnce: false, Env: null, Cmd: ['sleep', '100'], Image: 'busybox', Volumes: {}, WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: {},
      HostConfig: {
        Binds: null, ContainerIDFile: '', LogConfig: { Type: '', Config: {} }, NetworkMode: 'default', PortBindings: {},
        RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, AutoRemove: false, VolumeDriver: '', VolumesFrom: null, ConsoleSize: [0, 0],
        CapAdd: null, CapDrop: null, Dns: [], DnsOptions: [], DnsSearch: [], ExtraHosts: null, GroupAdd: null, Privileged: false,
        ShmSize: 0, Memory: 0, NanoCpus: 0, MemorySwappiness: -1, PidsLimit: 0, Ulimits: [], MaskedPaths: null, ReadonlyPaths: null,
      },
      NetworkingConfig: { EndpointsConfig: { default: { IPAMConfig: null, Aliases: null, GwPriority: 0, DNSNames: null } } },
    },
    // compose's minimal body
    {
      Tty: false, Env: ['DB_NAME=test'], Cmd: ['sh', '-c', 'echo db up; sleep 300'], Image: 'busybox', Volumes: { '/data': {} }, NetworkDisabled: false,
      HostConfig: { NetworkMode: 'berthc_backend', VolumesFrom: [], Binds: ['berthc_dbdata:/data:rw'], PortBindings: {}, Links: [], LogConfig: { Type: '', Config: {} } },
      Labels: { 'com.docker.compose.project': 'berthc' },
    },
    { Image: 'x', SomethingNew: { deeply: ['nested'] }, HostConfig: { AlsoNew: 1 } },
    { HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }] } },
  ];
  for (const body of bodies) {
    const before = JSON.stringify(body);
    assert.equal(validateCreateBody(body), body);
    assert.equal(JSON.stringify(body), before, 'a valid body is returned unchanged');
  }
});

test('a bare string Cmd, Entrypoint, CapAdd or CapDrop becomes a one-element list', () => {
  const body: Record<string, unknown> = { Image: 'busybox', Cmd: 'echo hi', Entrypoint: '/bin/sh', HostConfig: { CapAdd: 'NET_ADMIN', CapDrop: 'ALL' } };
  const out = validateCreateBody(body);
  assert.deepEqual(out['Cmd'], ['echo hi']);
  assert.deepEqual(out['Entrypoint'], ['/bin/sh']);
  assert.deepEqual((out['HostConfig'] as Record<string, unknown>)['CapAdd'], ['NET_ADMIN']);
  assert.deepEqual((out['HostConfig'] as Record<string, unknown>)['CapDrop'], ['ALL']);
  // an empty string too (the CLI's --entrypoint "")
  assert.deepEqual(validateCreateBody({ Entrypoint: '' })['Entrypoint'], ['']);
  // lists stay as they are
  assert.deepEqual(validateCreateBody({ Cmd: ['a', 'b'] })['Cmd'], ['a', 'b']);
});

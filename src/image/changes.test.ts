import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges } from './changes.js';
import type { ContainerConfig } from '../oci/image.js';
import { isKind } from '../common/errors.js';

const base: ContainerConfig = {
  Env: ['PATH=/usr/local/bin:/usr/bin', 'A=0'],
  Cmd: ['sh'],
  Entrypoint: ['/entry'],
  Labels: { keep: 'yes' },
  ExposedPorts: { '22/tcp': {} },
  Volumes: { '/old': {} },
  WorkingDir: '/srv',
  User: 'nobody',
  OnBuild: ['RUN first'],
};

const apply = (...changes: string[]) => applyChanges(base, changes);

test('CMD and ENTRYPOINT take the JSON form or the shell form', () => {
  const cases: Array<[string, keyof ContainerConfig, unknown]> = [
    ['CMD ["echo","hi"]', 'Cmd', ['echo', 'hi']],
    ['CMD [ "echo", "a b" ]', 'Cmd', ['echo', 'a b']],
    ['CMD []', 'Cmd', []],
    ['CMD echo hi', 'Cmd', ['/bin/sh', '-c', 'echo hi']],
    ['cmd echo  hi  there', 'Cmd', ['/bin/sh', '-c', 'echo  hi  there']],
    // Not JSON, or not a list of strings: the shell form, as Docker does.
    ['CMD [echo, hi]', 'Cmd', ['/bin/sh', '-c', '[echo, hi]']],
    ['CMD ["a", 1]', 'Cmd', ['/bin/sh', '-c', '["a", 1]']],
    ['ENTRYPOINT ["/bin/app","--flag"]', 'Entrypoint', ['/bin/app', '--flag']],
    ['ENTRYPOINT /bin/app --flag', 'Entrypoint', ['/bin/sh', '-c', '/bin/app --flag']],
    ['Entrypoint ["x"]', 'Entrypoint', ['x']],
    ['ENTRYPOINT', 'Entrypoint', null],
  ];
  for (const [change, key, want] of cases) assert.deepEqual(apply(change)[key], want, change);
});

test('ENV in the key=value form and the legacy form, with quoting', () => {
  const cases: Array<[string, string[]]> = [
    ['ENV B=1', ['PATH=/usr/local/bin:/usr/bin', 'A=0', 'B=1']],
    ['ENV A=1', ['PATH=/usr/local/bin:/usr/bin', 'A=1']],
    ['ENV A=1 B=2 C=3', ['PATH=/usr/local/bin:/usr/bin', 'A=1', 'B=2', 'C=3']],
    ['ENV B="x y"', ['PATH=/usr/local/bin:/usr/bin', 'A=0', 'B=x y']],
    ["ENV B='x y' C=z", ['PATH=/usr/local/bin:/usr/bin', 'A=0', 'B=x y', 'C=z']],
    ['ENV B=x\\ y', ['PATH=/usr/local/bin:/usr/bin', 'A=0', 'B=x y']],
    ['ENV B=', ['PATH=/usr/local/bin:/usr/bin', 'A=0', 'B=']],
    ['ENV B=a=b', ['PATH=/usr/local/bin:/usr/bin', 'A=0', 'B=a=b']],
    ['ENV B hello world', ['PATH=/usr/local/bin:/usr/bin', 'A=0', 'B=hello world']],
    ['ENV B  spaced   out', ['PATH=/usr/local/bin:/usr/bin', 'A=0', 'B=spaced   out']],
    ['env PATH /bin', ['PATH=/bin', 'A=0']],
  ];
  for (const [change, want] of cases) assert.deepEqual(apply(change).Env, want, change);
  assert.deepEqual(applyChanges({}, ['ENV X=1']).Env, ['X=1']);
});

test('ENV and LABEL refuse malformed input', () => {
  const cases: Array<[string, RegExp]> = [
    ['ENV', /^ENV requires at least one argument$/],
    ['LABEL', /^LABEL requires at least one argument$/],
    ['ENV A=1 B', /^Syntax error - can't find = in "B". Must be of the form: name=value$/],
    ['LABEL a=b c', /^Syntax error - can't find = in "c". Must be of the form: name=value$/],
    ['ENV A', /./],
    ['ENV =x', /./],
    ['ENV A="unterminated', /quote/],
  ];
  for (const [change, re] of cases) {
    assert.throws(() => apply(change), (e: unknown) => isKind(e, 'invalid-argument') && re.test((e as Error).message), change);
  }
});

test('ENV errors use the message Docker gives for each case', () => {
  assert.throws(() => apply('ENV A'), { message: 'ENV must have two arguments' });
  assert.throws(() => apply('ENV =x'), { message: 'ENV names can not be blank' });
});

test('the legacy ENV form removes quotes like the key=value form', () => {
  assert.deepEqual(applyChanges({}, ['ENV A "x y"']).Env, ['A=x y']);
  assert.deepEqual(applyChanges({}, ['LABEL k "v w"']).Labels, { k: 'v w' });
});

test('ENV expands variables from the current environment', () => {
  assert.deepEqual(applyChanges({ Env: ['PATH=/usr/bin'] }, ['ENV PATH=/opt/bin:$PATH']).Env, ['PATH=/opt/bin:/usr/bin']);
  assert.deepEqual(applyChanges({ Env: ['A=1'] }, ['ENV B=${A}2']).Env, ['A=1', 'B=12']);
});

test('inside double quotes a backslash escapes only " $ and itself', () => {
  assert.deepEqual(applyChanges({}, ['LABEL a="x\\y"']).Labels, { a: 'x\\y' });
});

test('LABEL merges into the existing labels', () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['LABEL a=b', { keep: 'yes', a: 'b' }],
    ['LABEL a=b c="d e"', { keep: 'yes', a: 'b', c: 'd e' }],
    ['LABEL "key with space"=v', { keep: 'yes', 'key with space': 'v' }],
    ['LABEL keep=no', { keep: 'no' }],
    ['LABEL com.example.vendor=ACME', { keep: 'yes', 'com.example.vendor': 'ACME' }],
    ['LABEL legacy value with spaces', { keep: 'yes', legacy: 'value with spaces' }],
  ];
  for (const [change, want] of cases) assert.deepEqual(apply(change).Labels, want, change);
});

test('EXPOSE adds ports with tcp as the default protocol', () => {
  const cases: Array<[string, string[]]> = [
    ['EXPOSE 80', ['22/tcp', '80/tcp']],
    ['EXPOSE 80/udp 443', ['22/tcp', '80/udp', '443/tcp']],
    ['EXPOSE 53/UDP', ['22/tcp', '53/udp']],
    ['EXPOSE 8000-8010/tcp', ['22/tcp', '8000-8010/tcp']],
    ['EXPOSE 22', ['22/tcp']],
  ];
  for (const [change, want] of cases) assert.deepEqual(Object.keys(apply(change).ExposedPorts ?? {}), want, change);
  for (const bad of ['EXPOSE http', 'EXPOSE 80a', 'EXPOSE /tcp']) {
    assert.throws(() => apply(bad), (e: unknown) => isKind(e, 'invalid-argument') && /^invalid containerPort: /.test((e as Error).message), bad);
  }
});

test('VOLUME in the JSON and the word form', () => {
  const cases: Array<[string, string[]]> = [
    ['VOLUME /data', ['/old', '/data']],
    ['VOLUME /a /b', ['/old', '/a', '/b']],
    ['VOLUME ["/a", "/b c"]', ['/old', '/a', '/b c']],
    ['VOLUME /old', ['/old']],
  ];
  for (const [change, want] of cases) assert.deepEqual(Object.keys(apply(change).Volumes ?? {}), want, change);
  for (const bad of ['VOLUME', 'VOLUME []']) {
    assert.throws(() => apply(bad), (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === 'VOLUME specified can not be an empty string', bad);
  }
});

test('WORKDIR: absolute replaces, relative joins the current one', () => {
  const cases: Array<[ContainerConfig, string[], string]> = [
    [base, ['WORKDIR /app'], '/app'],
    [base, ['WORKDIR app'], '/srv/app'],
    [base, ['WORKDIR a/b'], '/srv/a/b'],
    [{}, ['WORKDIR app'], '/app'],
    [{ WorkingDir: '' }, ['WORKDIR app'], '/app'],
    [{ WorkingDir: '/' }, ['WORKDIR app'], '/app'],
    [{}, ['WORKDIR /a', 'WORKDIR b', 'WORKDIR c'], '/a/b/c'],
  ];
  for (const [cfg, changes, want] of cases) assert.equal(applyChanges(cfg, changes).WorkingDir, want, changes.join(' + '));
});

test('a relative WORKDIR is cleaned like filepath.Join', () => {
  assert.equal(applyChanges({ WorkingDir: '/a/b' }, ['WORKDIR ../x']).WorkingDir, '/a/x');
  assert.equal(applyChanges({ WorkingDir: '/a' }, ['WORKDIR sub/']).WorkingDir, '/a/sub');
});

test('USER, STOPSIGNAL and ONBUILD', () => {
  assert.equal(apply('USER app').User, 'app');
  assert.equal(apply('USER 1000:1000').User, '1000:1000');
  assert.equal(apply('STOPSIGNAL SIGKILL').StopSignal, 'SIGKILL');
  assert.equal(apply('stopsignal 9').StopSignal, '9');
  assert.deepEqual(apply('ONBUILD RUN echo hi').OnBuild, ['RUN first', 'RUN echo hi']);
  assert.deepEqual(applyChanges({}, ['ONBUILD ADD . /src', 'ONBUILD RUN make']).OnBuild, ['ADD . /src', 'RUN make']);
});

test('STOPSIGNAL refuses an unknown signal', () => {
  assert.throws(() => apply('STOPSIGNAL FOO'), (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === 'invalid signal: FOO');
});

test('anything but the metadata instructions is "<cmd> is not a valid change command"', () => {
  const cases: Array<[string, string]> = [
    ['RUN echo hi', 'run is not a valid change command'],
    ['run echo hi', 'run is not a valid change command'],
    ['FROM busybox', 'from is not a valid change command'],
    ['COPY a b', 'copy is not a valid change command'],
    ['ADD a b', 'add is not a valid change command'],
    ['MAINTAINER me', 'maintainer is not a valid change command'],
    ['BOGUS', 'bogus is not a valid change command'],
    ['Env=1', 'env=1 is not a valid change command'],
  ];
  for (const [change, message] of cases) {
    assert.throws(() => apply(change), (e: unknown) => isKind(e, 'invalid-argument') && (e as Error).message === message, change);
  }
});

test('changes apply in order, skip blank lines, and never modify the base config', () => {
  const before = structuredClone(base);
  const out = applyChanges(base, ['', '   ', 'ENV A=1', 'CMD ["one"]', 'CMD ["two"]', '  USER  root  ', 'LABEL x=y']);
  assert.deepEqual(out.Env, ['PATH=/usr/local/bin:/usr/bin', 'A=1']);
  assert.deepEqual(out.Cmd, ['two']);
  assert.equal(out.User, 'root');
  assert.deepEqual(out.Labels, { keep: 'yes', x: 'y' });
  assert.deepEqual(out.Entrypoint, ['/entry']);
  assert.deepEqual(base, before);
  assert.deepEqual(applyChanges(base, []), base);
});


test('HEALTHCHECK: NONE, the shell and exec forms, flags in Go durations', () => {
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK NONE']).Healthcheck, { Test: ['NONE'] });
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK CMD test -f /ok']).Healthcheck, { Test: ['CMD-SHELL', 'test -f /ok'] });
  assert.deepEqual(applyChanges({}, ['healthcheck --interval=1s --timeout=1.5s --start-period=0 --retries=2 CMD ["test", "-f", "/ok"]']).Healthcheck, {
    Test: ['CMD', 'test', '-f', '/ok'],
    Interval: 1_000_000_000,
    Timeout: 1_500_000_000,
    Retries: 2,
  });
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK --start-interval=5ms CMD true']).Healthcheck, { Test: ['CMD-SHELL', 'true'], StartInterval: 5_000_000 });
});

test('HEALTHCHECK errors are the Dockerfile parser’s', () => {
  const cases: Array<[string, string]> = [
    ['HEALTHCHECK', 'HEALTHCHECK requires at least one argument'],
    ['HEALTHCHECK NONE x', 'HEALTHCHECK NONE takes no arguments'],
    ['HEALTHCHECK RUN true', 'Unknown type "RUN" in HEALTHCHECK (try CMD)'],
    ['HEALTHCHECK CMD', 'Missing command after HEALTHCHECK CMD'],
    ['HEALTHCHECK CMD []', 'Missing command after HEALTHCHECK CMD'],
    ['HEALTHCHECK --every=1s CMD true', 'Unknown flag: every'],
    ['HEALTHCHECK --interval CMD true', 'Missing a value on flag: interval'],
    ['HEALTHCHECK --interval=1us CMD true', 'Interval "interval" cannot be less than 1ms'],
    ['HEALTHCHECK --timeout=1x CMD true', 'time: unknown unit "x" in duration "1x"'],
    ['HEALTHCHECK --retries=-1 CMD true', '--retries cannot be negative (-1)'],
    ['HEALTHCHECK --retries=two CMD true', 'strconv.ParseInt: parsing "two": invalid syntax'],
  ];
  for (const [line, message] of cases) {
    assert.throws(() => applyChanges({}, [line]), (err: Error) => isKind(err, 'invalid-argument') && err.message === message, line);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerFlags, parseMount, parseVolumeSpec, planContainer, readCsvRecord, tmpfsMounts, volumeSpecs } from './container-options.js';
import { FlagError, parseFlags } from './flags.js';

/**
 * -v, --mount, --tmpfs, --volumes-from and --volume-driver against what docker CLI 28 sends. The
 * expected bodies and messages were taken from the docker 28.2.2 binary talking to a scripted
 * daemon (and captures 49 and 51b).
 */

const plan = (argv: string[]) => {
  const { flags, args } = parseFlags([...argv, 'busybox'], containerFlags, { interspersed: false });
  return planContainer(flags, args, {});
};

test('capture 51b: --mount, --tmpfs and -v land where CLI 28 puts them, in Go’s field order', async () => {
  const p = await plan([
    '--mount', 'type=volume,src=vol3,dst=/v3', '--mount', 'type=bind,src=/hostdir,dst=/w,readonly', '--mount', 'type=tmpfs,dst=/t',
    '--tmpfs', '/t2', '-v', '/hostdir/ctx:/ctx:ro',
  ]);
  const h = p.request.HostConfig!;
  assert.deepEqual(h.Binds, ['/hostdir/ctx:/ctx:ro']);
  assert.deepEqual(p.request.Volumes, {});
  assert.equal(
    JSON.stringify(h.Mounts),
    '[{"Type":"volume","Source":"vol3","Target":"/v3"},{"Type":"bind","Source":"/hostdir","Target":"/w","ReadOnly":true},{"Type":"tmpfs","Target":"/t"}]',
  );
  assert.deepEqual(h.Tmpfs, { '/t2': '' });
  const keys = Object.keys(h);
  // Tmpfs sits between SecurityOpt and UTSMode, Mounts between IOMaximumBandwidth and MaskedPaths.
  assert.deepEqual(keys.slice(keys.indexOf('SecurityOpt'), keys.indexOf('SecurityOpt') + 3), ['SecurityOpt', 'Tmpfs', 'UTSMode']);
  assert.deepEqual(keys.slice(keys.indexOf('IOMaximumBandwidth'), keys.indexOf('IOMaximumBandwidth') + 3), ['IOMaximumBandwidth', 'Mounts', 'MaskedPaths']);
});

test('capture 49 and the baseline: VolumesFrom and Binds null, Tmpfs and Mounts absent, unless given', async () => {
  const none = (await plan([])).request.HostConfig!;
  assert.equal(none.Binds, null);
  assert.equal(none.VolumesFrom, null);
  assert.equal(none.VolumeDriver, '');
  assert.ok(!('Tmpfs' in none) && !('Mounts' in none));
  const given = (await plan(['--volumes-from', 'web', '--volumes-from', 'db:ro', '--volume-driver', 'foo'])).request.HostConfig!;
  assert.deepEqual(given.VolumesFrom, ['web', 'db:ro']);
  assert.equal(given.VolumeDriver, 'foo');
});

test('-v: a spec with a source is a bind as typed (a leading-dot host path made absolute), one without is an anonymous volume', () => {
  const { binds, volumes } = volumeSpecs(
    ['/data', 'vol1:/d2', './rel:/r', '../up:/u:ro', '~/h:/h', '.:/cwd', 'a:/w', 'x/y:/z', '/data', 'c:\\x:/y', '/a:/b:ro,z'],
    '/work/dir',
  );
  assert.deepEqual(binds, ['vol1:/d2', '/work/dir/rel:/r', '/work/up:/u:ro', '~/h:/h', '/work/dir:/cwd', 'x/y:/z', 'c:\\x:/y', '/a:/b:ro,z']);
  // `a:` reads as a Windows drive, so `a:/w` is a target without a source; keys sorted as Go writes them.
  assert.deepEqual(Object.keys(volumes), ['/data', 'a:/w']);
  assert.deepEqual(volumeSpecs([]), { binds: null, volumes: {} });
});

test('-v: the loader’s sections and types', () => {
  assert.deepEqual(parseVolumeSpec('ab'), { source: '', target: 'ab', type: 'volume' });
  assert.deepEqual(parseVolumeSpec('é'), { source: '', target: 'é', type: 'volume' });
  assert.deepEqual(parseVolumeSpec('a::b'), { source: 'a:', target: 'b', type: 'bind' });
  assert.deepEqual(parseVolumeSpec('vol:/x:nocopy'), { source: 'vol', target: '/x', type: 'volume' });
  assert.deepEqual(parseVolumeSpec('\\\\pipe:/x'), { source: '\\\\pipe', target: '/x', type: 'bind' });
  assert.deepEqual(parseVolumeSpec('~h:/x'), { source: '~h', target: '/x', type: 'bind' });
});

test('-v: docker’s messages for a spec it refuses, before the request (exit 125 with run’s help)', async () => {
  const cases: Array<[string, string]> = [
    ['', 'invalid empty volume spec'],
    ['/x:', 'invalid spec: /x:: empty section between colons'],
    [':/x', 'invalid spec: :/x: empty section between colons'],
    ['/a:/b:', 'invalid spec: /a:/b:: empty section between colons'],
    ['x/y:/z:ro:q', 'invalid spec: x/y:/z:ro:q: too many colons'],
  ];
  for (const [spec, message] of cases) {
    assert.throws(() => parseVolumeSpec(spec), { message }, spec);
    await assert.rejects(plan(['-v', spec]), { message }, spec);
  }
});

test('--tmpfs: path → options, the first colon splits, the last of a path wins, keys sorted', () => {
  assert.deepEqual(tmpfsMounts(['/t2']), { '/t2': '' });
  assert.equal(JSON.stringify(tmpfsMounts(['/t:size=64m', '/a', '/t:size=1m:x'])), '{"/a":"","/t":"size=1m:x"}');
  assert.equal(tmpfsMounts([]), undefined);
});

test('--mount: fields, defaults and options as docker encodes them', () => {
  const m = (v: string) => JSON.stringify(parseMount(v, '/cwd'));
  assert.equal(m('type=foo,dst=/x'), '{"Type":"foo","Target":"/x"}');
  assert.equal(m('dst=/x'), '{"Type":"volume","Target":"/x"}');
  assert.equal(m('type=volume,src=v,dst=/v,volume-nocopy'), '{"Type":"volume","Source":"v","Target":"/v","VolumeOptions":{"NoCopy":true,"DriverConfig":{}}}');
  assert.equal(
    m('type=volume,src=.v,dst=/v,volume-label=c,volume-label=a=b,volume-opt=o=1,volume-driver=dr,readonly=0'),
    '{"Type":"volume","Source":"/cwd/.v","Target":"/v","VolumeOptions":{"Labels":{"a":"b","c":""},"DriverConfig":{"Name":"dr","Options":{"o":"1"}}}}',
  );
  assert.equal(m('type=volume,dst=/v,volume-label==x,volume-opt=,volume-label=k='), '{"Type":"volume","Target":"/v","VolumeOptions":{"Labels":{"k":""},"DriverConfig":{}}}');
  assert.equal(m('type=volume,volume-subpath=/s,dst=/s'), '{"Type":"volume","Target":"/s","VolumeOptions":{"Subpath":"/s","DriverConfig":{}}}');
  assert.equal(m('type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1777'), '{"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":67108864,"Mode":1023}}');
  assert.equal(m('type=tmpfs,dst=/t,tmpfs-mode=0,tmpfs-size=0'), '{"Type":"tmpfs","Target":"/t","TmpfsOptions":{}}');
  assert.equal(
    m('type=bind,src=./b,dst=/b,bind-propagation=RSHARED,bind-nonrecursive,consistency=Cached,ro=true'),
    '{"Type":"bind","Source":"/cwd/b","Target":"/b","ReadOnly":true,"Consistency":"cached","BindOptions":{"Propagation":"rshared","NonRecursive":true}}',
  );
  assert.equal(m('TYPE=Bind,Source=/b,Target=/b,bind-recursive=writable,Readonly'), '{"Type":"bind","Source":"/b","Target":"/b","ReadOnly":true,"BindOptions":{"ReadOnlyNonRecursive":true}}');
  assert.equal(m('type=bind,source=/b,destination=/b,bind-recursive=disabled'), '{"Type":"bind","Source":"/b","Target":"/b","BindOptions":{"NonRecursive":true}}');
  assert.equal(m('type=image,src=busybox,dst=/i,image-subpath=/x'), '{"Type":"image","Source":"busybox","Target":"/i","ImageOptions":{"Subpath":"/x"}}');
  assert.equal(m('"dst=/x,y",type=tmpfs'), '{"Type":"tmpfs","Target":"/x,y"}');
});

test('--mount: docker’s messages, as a flag error', () => {
  const cases: Array<[string, string]> = [
    ['', 'EOF'],
    ['\n', 'EOF'],
    ['type=,dst=/x', 'type is required'],
    ['type=volume', 'target is required'],
    ['x', "invalid field 'x' must be a key=value pair"],
    ['dst=/x,', "invalid field '' must be a key=value pair"],
    ['type=bind,dst=/x,volume-nocopy', "cannot mix 'volume-*' options with mount type 'bind'"],
    ['type=tmpfs,dst=/x,bind-propagation=shared', "cannot mix 'bind-*' options with mount type 'tmpfs'"],
    ['type=volume,dst=/x,tmpfs-size=1', "cannot mix 'tmpfs-*' options with mount type 'volume'"],
    ['type=bind,dst=/x,image-subpath=a', "cannot mix 'image-*' options with mount type 'bind'"],
    ['type=tmpfs,dst=/x,tmpfs-size=abc', 'invalid value for tmpfs-size: abc'],
    ['type=tmpfs,dst=/x,tmpfs-mode=9', 'invalid value for tmpfs-mode: 9'],
    ['type=tmpfs,dst=/x,tmpfs-mode=-1', 'invalid value for tmpfs-mode: -1'],
    ['type=tmpfs,dst=/x,tmpfs-mode=77777777777', 'invalid value for tmpfs-mode: 77777777777'],
    ['ro=maybe,dst=/x', 'invalid value for ro: maybe'],
    ['volume-nocopy=x,dst=/x', 'invalid value for volume-nocopy: x'],
    ['bind-nonrecursive=x,type=bind,dst=/x', 'invalid value for bind-nonrecursive: x'],
    ['type=bind,dst=/x,bind-recursive=x', 'invalid value for bind-recursive: x (must be "enabled", "disabled", "writable", or "readonly")'],
    ['type=bind,dst=/x,bind-recursive=writable', "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction"],
    ['type=bind,dst=/x,bind-recursive=readonly', "option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction"],
    ['type=bind,dst=/x,bind-recursive=readonly,ro', "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction"],
    ['FOO=bar', "unexpected key 'foo' in 'FOO=bar'"],
    ['dst=/x, type=tmpfs', "unexpected key ' type' in ' type=tmpfs'"],
    ['a"b=c', 'parse error on line 1, column 2: bare " in non-quoted-field'],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => parseFlags(['--mount', value, 'busybox'], containerFlags, { interspersed: false }), (err: unknown) => {
      assert.ok(err instanceof FlagError);
      assert.equal(err.message, `invalid argument ${JSON.stringify(value)} for "--mount" flag: ${message}`);
      return true;
    });
  }
});

test('--mount reads one CSV record as Go’s encoding/csv does', () => {
  assert.deepEqual(readCsvRecord('a,"b,c","d""e"'), ['a', 'b,c', 'd"e']);
  assert.deepEqual(readCsvRecord('\n\na,b\nc,d'), ['a', 'b']);
  assert.deepEqual(readCsvRecord('"x\ny",z'), ['x\ny', 'z']);
  assert.deepEqual(readCsvRecord('\r\n"a\r\nb"\r\n'), ['a\nb']);
  assert.deepEqual(readCsvRecord('a\r'), ['a']);
  assert.deepEqual(readCsvRecord(','), ['', '']);
  const fails: Array<[string, string]> = [
    ['"abc"def', 'parse error on line 1, column 5: extraneous or missing " in quoted-field'],
    ['"abc', 'parse error on line 1, column 5: extraneous or missing " in quoted-field'],
    ['dst=/x,"ro', 'parse error on line 1, column 11: extraneous or missing " in quoted-field'],
    ['dst=/x,"type=tmpfs"x', 'parse error on line 1, column 19: extraneous or missing " in quoted-field'],
    ['dst="/x', 'parse error on line 1, column 5: bare " in non-quoted-field'],
    // Columns count bytes.
    ['é"x', 'parse error on line 1, column 3: bare " in non-quoted-field'],
    ['"dst=/x\ny"z', 'record on line 1; parse error on line 2, column 2: extraneous or missing " in quoted-field'],
    ['\n"abc', 'parse error on line 2, column 5: extraneous or missing " in quoted-field'],
  ];
  for (const [text, message] of fails) assert.throws(() => readCsvRecord(text), { message }, JSON.stringify(text));
});

/**
 * `docker diff`, `docker commit`, `docker history` and `docker inspect` of a committed image, with
 * the real docker CLI 28 against berthd: output, exit codes and error texts as docker prints them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;

before(async () => {
  d = await startDaemon();
  const run = await d.docker(['run', '--name', 'web', 'busybox', 'sh', '-c', 'mkdir /data && echo new > /data/f && echo x >> /etc/passwd && rm /etc/group']);
  assert.equal(run.code, 0, run.stderr);
  const live = await d.docker(['run', '-d', '--name', 'live', 'busybox', 'sh', '-c', 'echo up > /tmp/up && exec sleep 1000']);
  assert.equal(live.code, 0, live.stderr);
});

after(async () => {
  assert.deepEqual(await d.cleanup(), []);
});

test('docker diff prints one "<kind> <path>" line per change, in dockerd\'s order', async () => {
  const r = await d.docker(['diff', 'web']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'A /data\nA /data/f\nC /etc\nD /etc/group\nC /etc/passwd\n');
  const alias = await d.docker(['container', 'diff', 'web']);
  assert.equal(alias.stdout, r.stdout);
});

test('docker diff of a running container shows its change and none of the runtime\'s mount points', async () => {
  let r = await d.docker(['diff', 'live']);
  // The container may not have written its file yet: ask again until it has.
  for (let i = 0; i < 100 && !r.stdout.includes('/tmp/up'); i++) r = await d.docker(['diff', 'live']);
  assert.equal(r.stdout, 'C /tmp\nA /tmp/up\n');
});

test('docker commit -m -a -c -p, then the image runs with the new command and environment', async () => {
  const c = await d.docker(['commit', '-m', 'first commit', '-a', 'Jane <jane@example.com>', '-c', 'CMD ["cat","/data/f"]', '-c', 'ENV A=1', '-p', 'web', 'berthtest/web:v2']);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /^sha256:[a-f0-9]{64}\n$/);
  const run = await d.docker(['run', '--rm', 'berthtest/web:v2']);
  assert.deepEqual([run.code, run.stdout], [0, 'new\n']);
  const env = await d.docker(['run', '--rm', 'berthtest/web:v2', 'sh', '-c', 'echo $A; tail -n1 /etc/passwd; ls /etc/group 2>&1']);
  assert.equal(env.stdout, '1\nx\nls: /etc/group: No such file or directory\n');
  const images = await d.docker(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}', 'berthtest/web']);
  assert.equal(images.stdout, `berthtest/web:v2 ${c.stdout.slice(7, 19)}\n`);
});

test('docker commit of a running container keeps it running', async () => {
  const c = await d.docker(['commit', 'live', 'berthtest/live']);
  assert.equal(c.code, 0, c.stderr);
  const state = await d.docker(['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', 'live']);
  assert.equal(state.stdout, 'running false\n');
  const r = await d.docker(['run', '--rm', 'berthtest/live', 'cat', '/tmp/up']);
  assert.equal(r.stdout, 'up\n');
});

test('docker history shows the commit with its command and comment', async () => {
  const h = await d.docker(['history', 'berthtest/web:v2']);
  assert.equal(h.code, 0, h.stderr);
  const lines = h.stdout.trimEnd().split('\n');
  // The CREATED column is as wide as its longest age, which depends on when this runs.
  assert.match(lines[0]!, /^IMAGE {10}CREATED +CREATED BY {38}SIZE {6}COMMENT$/);
  assert.match(lines[1]!, /^[0-9a-f]{12} {3}.+ ago +sh -c mkdir \/data && echo new > \/data\/f && e… +\d+B +first commit$/);
  assert.equal(lines.length, 4);
  const full = await d.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Comment}}', 'berthtest/web:v2']);
  assert.equal(full.stdout.split('\n')[0], 'sh -c mkdir /data && echo new > /data/f && echo x >> /etc/passwd && rm /etc/group|first commit');
});

test('docker inspect of the committed image', async () => {
  const r = await d.docker(['inspect', 'berthtest/web:v2']);
  assert.equal(r.code, 0, r.stderr);
  const [img] = JSON.parse(r.stdout) as Array<{
    RepoTags: string[];
    Parent: string;
    Comment: string;
    Container: string;
    Author: string;
    Config: { Cmd: string[]; Env: string[]; Image: string };
    ContainerConfig: { Cmd: string[] };
    RootFS: { Layers: string[] };
  }>;
  const web = (JSON.parse((await d.docker(['inspect', 'web'])).stdout) as Array<{ Id: string; Image: string }>)[0]!;
  const bb = (JSON.parse((await d.docker(['inspect', 'busybox'])).stdout) as Array<{ Id: string; RootFS: { Layers: string[] } }>)[0]!;
  assert.deepEqual(img!.RepoTags, ['berthtest/web:v2']);
  assert.equal(img!.Parent, bb.Id);
  assert.equal(img!.Comment, 'first commit');
  assert.equal(img!.Author, 'Jane <jane@example.com>');
  assert.equal(img!.Container, web.Id);
  assert.deepEqual(img!.Config.Cmd, ['cat', '/data/f']);
  assert.deepEqual(img!.Config.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=1']);
  assert.equal(img!.Config.Image, 'busybox');
  assert.deepEqual(img!.ContainerConfig.Cmd, ['sh', '-c', 'mkdir /data && echo new > /data/f && echo x >> /etc/passwd && rm /etc/group']);
  assert.deepEqual(img!.RootFS.Layers.slice(0, -1), bb.RootFS.Layers);
  assert.equal(img!.RootFS.Layers.length, bb.RootFS.Layers.length + 1);
});

test("errors in docker's words, and nothing created by them", async () => {
  const before = (await d.docker(['images', '-aq', '--no-trunc'])).stdout;
  const cases: Array<[string[], string]> = [
    [['diff', 'nosuch'], 'Error response from daemon: No such container: nosuch\n'],
    [['commit', 'nosuch'], 'Error response from daemon: No such container: nosuch\n'],
    [['commit', '-c', 'RUN echo x', 'web'], 'Error response from daemon: run is not a valid change command\n'],
    [['commit', '-c', 'EXPOSE x', 'web'], 'Error response from daemon: invalid containerPort: x\n'],
    [['commit', '-c', 'HEALTHCHECK --foo=1 CMD x', 'web'], 'Error response from daemon: Unknown flag: foo\n'],
    // The CLI checks the name itself before asking the daemon.
    [['commit', 'web', 'BAD'], 'invalid reference format: repository name (library/BAD) must be lowercase\n'],
  ];
  for (const [args, stderr] of cases) {
    const r = await d.docker(args);
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', stderr], args.join(' '));
  }
  assert.equal((await d.docker(['images', '-aq', '--no-trunc'])).stdout, before);
});

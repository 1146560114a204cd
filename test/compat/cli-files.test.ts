/**
 * `berth cp`, `export`, `diff` and `commit` against the docker CLI 28 on one berthd: the same
 * output and exit status, and the same files where they land (each CLI copies to a destination of
 * its own, and the two trees are compared).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { repoRoot, startDaemon, type RunOptions, type RunResult, type TestDaemon } from '../helpers/daemon.js';
import { must, asBerth } from '../helpers/compare.js';
import { makeTar } from '../helpers/tarball.js';

let d: TestDaemon;
let work: string;

before(async () => {
  d = await startDaemon();
  work = await mkdtemp(`${tmpdir()}/berth-cli-files-`);
  await mkdir(`${work}/hostdir/sub`, { recursive: true });
  await writeFile(`${work}/hostfile.txt`, 'hello world');
  await writeFile(`${work}/hostdir/a.txt`, 'a');
  await writeFile(`${work}/hostdir/sub/b.txt`, 'bb');
  await symlink('a.txt', `${work}/hostdir/link`);
  await must(d.docker(['run', '-d', '--name', 'web', 'busybox', 'sleep', '600']));
  await must(d.docker(['exec', 'web', 'sh', '-c', 'mkdir -p /data/sub && echo x > /data/f && echo y > /data/sub/g && ln -s f /data/rel && ln -s /data/sub /data/dirlink && rm /bin/true']));
  await must(d.docker(['create', '--name', 'idle', 'busybox', 'true']));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
  assert.deepEqual(await d.cleanup(), []);
});


/** docker's Go runtime logs tar-writer errors of its background goroutines; they are not output of the command. */
const withoutLogLines = (s: string) => s.replace(/^time=".*" level=error msg=".*"\r?\n/gm, '');

/**
 * Runs `args(tag)` through both CLIs, docker with tag `d` and berth with tag `b` (so each has its own
 * destination), and compares output and status with the tags written as `T`.
 */
async function twin(args: (tag: string) => string[], opts: RunOptions = {}): Promise<RunResult> {
  const docker = await d.docker(args('d'), { cwd: work, ...opts });
  const berth = await d.berth(args('b'), { cwd: work, ...opts });
  const tagged = args('d').join(' ') !== args('b').join(' ');
  const norm = (s: string, tag: string) => {
    const out = withoutLogLines(s).replace(/sha256:[0-9a-f]{64}/g, 'sha256:ID');
    return tagged ? out.replaceAll(`-${tag}`, '-T') : out;
  };
  const label = `berth ${args('b').join(' ')}`;
  assert.equal(norm(berth.stdout, 'b'), norm(asBerth(docker.stdout), 'd'), `${label}: stdout`);
  assert.equal(norm(berth.stderr, 'b'), norm(asBerth(docker.stderr), 'd'), `${label}: stderr`);
  assert.equal(berth.code, docker.code, `${label}: exit status`);
  return berth;
}

/** A host program, stdin closed unless `input` is given (the shared helper may hit EPIPE on fast exits). */
function host(file: string, args: string[], opts: { input?: Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    if (opts.input) {
      child.stdin!.on('error', () => {});
      child.stdin!.end(opts.input);
    }
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString() }));
  });
}

/** A tree as lines of path, type, mode, size and link target (host side). */
async function hostTree(path: string): Promise<string> {
  const r = await host('find', [path, '-printf', '%P %y %m %s %l\n']);
  return r.stdout.split('\n').sort().join('\n') + (r.code === 0 ? '' : `\n(find failed: ${r.stderr.trim()})`);
}

/** The same, inside the container. */
async function containerTree(path: string): Promise<string> {
  const r = await d.docker(['exec', 'web', 'sh', '-c', `cd ${path} 2>/dev/null && find . | sort | while read f; do stat -c '%n %F %a %s %N' "$f"; done`]);
  return r.stdout;
}

test('cp into a container: files, directories, /. and trailing /, missing and existing destinations', async () => {
  await must(d.docker(['exec', 'web', 'mkdir', '/tmp/in-d', '/tmp/in-b']));
  const cases: Array<(t: string) => string[]> = [
    (t) => ['cp', 'hostfile.txt', `web:/tmp/file-${t}`],
    (t) => ['cp', 'hostfile.txt', `web:/tmp/in-${t}`],
    (t) => ['cp', 'hostfile.txt', `web:/tmp/in-${t}/`],
    (t) => ['cp', 'hostdir', `web:/tmp/dir-${t}`],
    (t) => ['cp', 'hostdir/', `web:/tmp/in-${t}`],
    (t) => ['cp', 'hostdir/.', `web:/tmp/dot-${t}`],
    (t) => ['cp', `${work}/hostdir/link`, `web:/tmp/in-${t}/copied-link`],
    (t) => ['cp', '-L', `${work}/hostdir/link`, `web:/tmp/in-${t}/followed-link`],
    (t) => ['cp', '-a', 'hostdir/sub', `web:/tmp/archived-${t}`],
    (t) => ['container', 'cp', 'hostfile.txt', `web:/tmp/in-${t}/again.txt`],
  ];
  for (const c of cases) await twin(c);
  for (const name of ['file', 'in', 'dir', 'dot', 'archived']) {
    assert.equal(await containerTree(`/tmp/${name}-b`), (await containerTree(`/tmp/${name}-d`)).replaceAll('-d', '-b'), name);
  }
  assert.match(await containerTree('/tmp/dot-b'), /\.\/sub\/b\.txt regular file 644 2/);
  // what cannot be done, and is said in docker's words
  for (const c of [
    (t: string) => ['cp', 'hostfile.txt', `web:/tmp/nodir-${t}/`],
    (t: string) => ['cp', 'hostdir', `web:/tmp/file-${t}`],
    (t: string) => ['cp', `nosuch-${t}`, 'web:/tmp/'],
    (t: string) => ['cp', 'hostfile.txt', `nosuch-${t}:/tmp/`],
    (t: string) => ['cp', 'hostfile.txt', `web:/nonexistent-${t}/x`],
    (t: string) => ['cp', '-', `web:/tmp/file-${t}`],
    () => ['cp', 'hostfile.txt', 'hostdir'],
    () => ['cp', 'web:/a', 'idle:/b'],
    () => ['cp', '', 'web:/tmp'],
    () => ['cp', 'hostfile.txt', ''],
    () => ['cp', 'hostfile.txt'],
  ]) {
    await twin(c);
  }
});

test('cp out of a container: files, directories, /., links with and without -L, tar to stdout', async () => {
  await mkdir(`${work}/out-d/exist`, { recursive: true });
  await mkdir(`${work}/out-b/exist`, { recursive: true });
  const cases: Array<(t: string) => string[]> = [
    (t) => ['cp', 'web:/data', `out-${t}/data`],
    (t) => ['cp', 'web:/data/.', `out-${t}/dot`],
    (t) => ['cp', 'web:/data', `out-${t}/exist`],
    (t) => ['cp', 'web:/data/f', `out-${t}/exist/`],
    (t) => ['cp', 'web:/data/f', `out-${t}/f1`],
    (t) => ['cp', 'web:/data/rel', `out-${t}/rel`],
    (t) => ['cp', '-L', 'web:/data/rel', `out-${t}/rel-followed`],
    (t) => ['cp', '-L', 'web:/data/dirlink', `out-${t}/dirlink-followed`],
    (t) => ['cp', 'web:/data/dirlink/', `out-${t}/dirlink-slash`],
    (t) => ['cp', 'web:/etc/hostname', `${work}/out-${t}/abs-hostname`],
    (t) => ['cp', 'idle:/bin/sh', `out-${t}/from-stopped`],
  ];
  for (const c of cases) await twin(c);
  assert.equal(await hostTree(`${work}/out-b`), await hostTree(`${work}/out-d`));
  assert.match(await hostTree(`${work}/out-b`), /^data\/sub\/g f 644 2 $/m);
  for (const c of [
    (t: string) => ['cp', 'web:/nonexistent', `out-${t}/x`],
    (t: string) => ['cp', 'web:/data/f', `out-${t}/nodir/`],
    (t: string) => ['cp', 'web:/data', `out-${t}/f1`],
    (t: string) => ['cp', 'web:/data/sub', `out-${t}/f1/`],
    (t: string) => ['cp', 'web:/data/f', `missing-${t}/x`],
    (t: string) => ['cp', `nosuch-${t}:/data`, 'x'],
    () => ['cp', 'web:/data/f', '/dev/null'],
  ]) {
    await twin(c);
  }
  // `-` as destination: the daemon's tar as it came
  const tarOut = await twin(() => ['cp', 'web:/data/sub', '-']);
  const listing = await host('tar', ['-t'], { input: Buffer.from(tarOut.stdout, 'latin1') });
  assert.equal(listing.stdout, 'sub/\nsub/g\n');
});

test('cp from stdin (a tar into a directory) and the summary docker prints when stdout is a terminal', async () => {
  const tarball = await makeTar([{ name: 'from-stdin/', type: 'directory' }, { name: 'from-stdin/x.txt', content: 'xyz' }]);
  await must(d.docker(['exec', 'web', 'mkdir', '-p', '/tmp/stdin-d', '/tmp/stdin-b']));
  await twin((t) => ['cp', '-', `web:/tmp/stdin-${t}`], { input: tarball });
  assert.equal(await containerTree('/tmp/stdin-b'), (await containerTree('/tmp/stdin-d')).replaceAll('-d', '-b'));
  // Under `script` the CLI's stdout is a terminal: without -q it reports what it copied on stderr.
  const viaTerminal = (tag: string, cli: string) => host('script', ['-qec', `${cli} cp hostdir web:/tmp/tty-${tag}; ${cli} cp web:/data/sub ${work}/tty-${tag}; ${cli} cp -q hostfile.txt web:/tmp/tty-${tag}/q`, '/dev/null'], { env: d.env, cwd: work });
  const docker = await viaTerminal('d', 'docker');
  const berth = await viaTerminal('b', `${process.execPath} ${repoRoot}/bin/berth.js`);
  assert.equal(berth.stdout.replaceAll('-b', '-T'), docker.stdout.replaceAll('-d', '-T'));
  assert.match(berth.stdout, /^Successfully copied \d+(\.\d+)?kB to web:\/tmp\/tty-b\r\nSuccessfully copied \d+(\.\d+)?kB to \/.*\/tty-b\r\n$/);
});

test('export: the file system as a tar, to stdout or -o, never to a terminal', async () => {
  // To stdout (a file here: the tar is binary)
  const berthCli = `${process.execPath} ${repoRoot}/bin/berth.js`;
  await must(host('sh', ['-c', `docker export web > ${work}/stdout-d.tar && ${berthCli} export web > ${work}/stdout-b.tar`], { env: d.env }));
  const list = async (file: string) => (await host('tar', ['-tf', file])).stdout.split('\n').sort().join('\n');
  assert.equal(await list(`${work}/stdout-b.tar`), await list(`${work}/stdout-d.tar`));
  assert.match(await list(`${work}/stdout-b.tar`), /^data\/f$/m);
  await twin((t) => ['export', '-o', `export-${t}.tar`, 'web']);
  const [a, b] = [await host('tar', ['-tvf', `${work}/export-d.tar`]), await host('tar', ['-tvf', `${work}/export-b.tar`])];
  assert.equal(b.stdout.split('\n').sort().join('\n'), a.stdout.split('\n').sort().join('\n'));
  await twin((t) => ['container', 'export', '--output', `export-idle-${t}.tar`, 'idle']);
  for (const c of [
    (t: string) => ['export', '-o', `bad-${t}.tar`, 'nosuch'],
    (t: string) => ['export', '-o', `/nonexistent/x-${t}.tar`, 'web'],
    () => ['export', '-o', work, 'web'],
    () => ['export', 'nosuch'],
    () => ['export'],
  ]) {
    await twin(c);
  }
  assert.equal((await host('ls', [work])).stdout.includes('bad-'), false, 'a failed export leaves no file');
  const tty = (cli: string) => host('script', ['-qec', `${cli} export web`, '/dev/null'], { env: d.env });
  const [dt, bt] = [await tty('docker'), await tty(berthCli)];
  assert.equal(bt.stdout, dt.stdout);
  assert.equal(bt.stdout, 'cowardly refusing to save to a terminal. Use the -o flag or redirect\r\n');
});

test('diff: C/A/D lines for what changed in the container', async () => {
  await must(d.docker(['create', '--name', 'fresh', 'busybox']));
  for (const args of [['diff', 'web'], ['container', 'diff', 'web'], ['diff', 'fresh'], ['diff', 'nosuch'], ['diff', ''], ['diff']]) {
    await twin(() => args);
  }
  const r = await must(d.berth(['diff', 'web']));
  assert.match(r.stdout, /^A \/data\nA \/data\/dirlink\nA \/data\/f\nA \/data\/rel\n/m);
  assert.match(r.stdout, /^D \/bin\/true$/m);
  assert.match(r.stdout, /^C \/bin$/m);
  await must(d.berth(['rm', 'fresh']));
});

test('commit: the new image id, with -a -m -c -p as docker sends them, and docker’s reference errors', async () => {
  const id = await twin((t) => ['commit', '-a', 'Ann <ann@example.com>', '-m', 'a message', '-c', 'ENV A=1', '-c', 'CMD ["sh"]', 'web', `berthtest/c-${t}:v1`]);
  assert.match(id.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const format = '{{.Author}}|{{.Comment}}|{{.Config.Env}}|{{.Config.Cmd}}|{{.RepoTags}}';
  const [a, b] = [await d.docker(['inspect', '-f', format, 'berthtest/c-d:v1']), await d.docker(['inspect', '-f', format, 'berthtest/c-b:v1'])];
  assert.equal(b.stdout.replace('c-b', 'c-T'), a.stdout.replace('c-d', 'c-T'));
  assert.equal(b.stdout, 'Ann <ann@example.com>|a message|[PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin A=1]|[sh]|[berthtest/c-b:v1]\n');
  // no tag means latest; no reference, an untagged image; -p=false does not pause
  await twin((t) => ['commit', '-p=false', 'web', `berthtest/c-${t}`]);
  assert.equal((await d.docker(['images', '-q', 'berthtest/c-b:latest'])).stdout.length, 13);
  const untagged = await must(d.berth(['container', 'commit', 'idle']));
  assert.match(untagged.stdout, /^sha256:[0-9a-f]{64}\n$/);
  for (const args of [
    ['commit', 'nosuch', 'x'],
    ['commit', 'web', 'UPPER'],
    ['commit', 'web', 'bad::tag'],
    ['commit', 'web', 'x@sha256:0000000000000000000000000000000000000000000000000000000000000000'],
    ['commit', '', 'x'],
    ['commit', '-c', 'BOGUS x', 'web'],
    ['commit'],
    ['commit', 'a', 'b', 'c'],
  ]) {
    await twin(() => args);
  }
});

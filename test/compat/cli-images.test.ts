/**
 * Images through the berth CLI and the docker CLI 28 on one berthd: tag, rmi, save, load, import
 * and the prune commands. Each CLI works on its own names (`dk…`/`bt…`) where a command changes
 * state; outputs are compared with names and IDs normalised.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxTar, run, startDaemon, type RunOptions, type RunResult, type TestDaemon } from '../helpers/daemon.js';
import { asBerth } from '../helpers/compare.js';

let d: TestDaemon;
let dir: string;
let rootfs: string;

before(async () => {
  d = await startDaemon();
  dir = await mkdtemp(join(tmpdir(), 'berth-cli-img-'));
  // A root filesystem tarball to import: the (uncompressed) layer of the busybox test image.
  const unpacked = join(dir, 'image');
  await mkdir(unpacked);
  const untar = await run('tar', ['-xf', busyboxTar, '-C', unpacked]);
  assert.equal(untar.code, 0, untar.stderr);
  const [manifest] = JSON.parse(await readFile(join(unpacked, 'manifest.json'), 'utf8')) as Array<{ Layers: string[] }>;
  rootfs = join(unpacked, manifest!.Layers[0]!);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
  const leaks = await d.cleanup();
  assert.deepEqual(leaks, []);
});


const normalize = (s: string) =>
  s
    .replace(/sha256:[0-9a-f]{64}/g, 'sha256:<id>')
    .replace(/\b[0-9a-f]{64}\b/g, '<id>')
    .replace(/\b[0-9a-f]{12}\b/g, '<short>')
    .replace(/\b(dk|bt)(?=[-/:])/g, 'X')
    // The dk/ and bt/ twins are made a second or so apart, so their ages may differ.
    .replace(/\b(\d+|About a|Less than a) (second|minute)s? ago */g, '<ago> ');

function compare(docker: RunResult, berth: RunResult, label: string): void {
  assert.equal(normalize(berth.stdout), normalize(asBerth(docker.stdout)), `${label}: stdout`);
  assert.equal(normalize(berth.stderr), normalize(asBerth(docker.stderr)), `${label}: stderr`);
  assert.equal(berth.code, docker.code, `${label}: exit status`);
}

async function same(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const docker = await d.docker(args, opts);
  const berth = await d.berth(args, opts);
  compare(docker, berth, `berth ${args.join(' ')}`);
  return berth;
}

/** Each CLI on its own names; a listing that straddles a second ("1 second ago") is retried. */
async function twin(args: (p: string) => string[], opts: RunOptions = {}): Promise<RunResult> {
  for (let attempt = 0; ; attempt++) {
    const docker = await d.docker(args('dk'), opts);
    const berth = await d.berth(args('bt'), opts);
    const differs = normalize(berth.stdout) !== normalize(asBerth(docker.stdout));
    if (differs && attempt < 2 && /second/.test(docker.stdout)) {
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    compare(docker, berth, `berth ${args('bt').join(' ')}`);
    return berth;
  }
}

test('tag and rmi', async () => {
  await twin((p) => ['tag', 'busybox', `${p}/bb:t1`]);
  await twin((p) => ['image', 'tag', 'busybox:latest', `localhost:5000/${p}/bb`]);
  await twin((p) => ['images', `${p}/bb`]);
  await twin((p) => ['tag', 'busybox', `${p}/bb@sha256:${'0'.repeat(64)}`]);
  await twin((p) => ['rmi', `${p}/bb:t1`]);
  await twin((p) => ['rmi', `${p}/bb:t1`]);
  await twin((p) => ['image', 'rm', `localhost:5000/${p}/bb`, `${p}/nosuch`]);
  await twin((p) => ['rmi', '-f', `${p}/nosuch`]);
  // In use by a container: refused.
  await twin((p) => ['create', '--name', `${p}-user`, 'busybox', 'true']);
  await same(['rmi', 'busybox']);
  await twin((p) => ['rm', `${p}-user`]);
});

test('save writes the same archive to a file or to stdout', async () => {
  const dockerOut = join(dir, 'dk.tar');
  const berthOut = join(dir, 'bt.tar');
  await twin((p) => ['save', '-o', join(dir, `${p}.tar`), 'busybox']);
  assert.deepEqual(await readFile(berthOut), await readFile(dockerOut));
  const piped = await d.berth(['image', 'save', 'busybox']);
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(Buffer.byteLength(piped.stdout, 'latin1') > 0, true);
  assert.equal((await stat(berthOut)).size > 1_000_000, true);
  await same(['save', '-o', join(dir, 'nodir', 'x.tar'), 'busybox']);
  await same(['save', '-o', join(dir, 'x.tar'), 'nosuch']);
});

test('load from a file, from stdin, quietly', async () => {
  await same(['load', '-i', busyboxTar]);
  await same(['image', 'load', '--input', busyboxTar, '-q']);
  await same(['load'], { input: await readFile(busyboxTar) });
  await same(['load', '-i', join(dir, 'nonexistent.tar')]);
  await same(['load'], { input: 'not a tar archive' });
});

test('import creates an image from a root filesystem', async () => {
  await twin((p) => ['import', rootfs, `${p}/imp:t1`]);
  await twin((p) => ['image', 'import', '-m', 'from a test', '-c', 'CMD ["sh"]', '-c', 'ENV A=1', rootfs, `${p}/imp:t2`]);
  await twin((p) => ['import', '-', `${p}/imp:t3`], { input: await readFile(rootfs) });
  await twin((p) => ['history', `${p}/imp:t2`]);
  await twin((p) => ['inspect', '-f', '{{json .Config.Cmd}} {{json .Config.Env}} {{.Comment}}', `${p}/imp:t2`]);
  await twin((p) => ['run', '--rm', `${p}/imp:t2`, 'sh', '-c', 'echo $A']);
  await same(['import', join(dir, 'nonexistent.tar')]);
  await same(['import', rootfs, 'UPPER/case']);
  await twin((p) => ['rmi', `${p}/imp:t1`, `${p}/imp:t2`, `${p}/imp:t3`]);
});

test('image and system prune', async () => {
  await same(['image', 'prune'], { input: 'n\n' });
  await same(['image', 'prune', '-a'], { input: 'N\n' });
  await same(['system', 'prune'], { input: '\n' });
  await same(['system', 'prune', '-a', '--volumes'], { input: 'no\n' });
  // A dangling image: imported without a name.
  await twin(() => ['import', rootfs]);
  const docker = await d.docker(['image', 'prune', '-f']);
  const berth = await d.berth(['image', 'prune', '-f']);
  assert.match(normalize(docker.stdout), /^Deleted Images:\n(deleted: sha256:<id>\n)+\nTotal reclaimed space: .*\n$/);
  assert.equal(berth.stdout, 'Total reclaimed space: 0B\n');
  await same(['system', 'prune', '-f']);
  await same(['images', '-q', '--filter', 'dangling=true']);
});

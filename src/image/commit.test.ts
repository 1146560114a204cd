import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sha256, type Digest } from '../common/digest.js';
import { isKind } from '../common/errors.js';
import { LocalContentStore } from '../content/store.js';
import type { ContainerConfig, ImageConfig } from '../oci/image.js';
import { referenceString } from '../oci/reference.js';
import { mount, unmount } from '../snapshot/mounts.js';
import { OverlaySnapshotter } from '../snapshot/overlay.js';
import { childImageConfig, commitConfig, emptyTarDiffId, repoTagReference, writeCommitLayer } from './commit.js';
import { applyLayer } from './layer-apply.js';
import { ImageStore } from './store.js';
import { TarBuilder } from './tar-pack.js';

// ------------------------------------------------------------------ repo and tag

test('repo and tag as dockerd reads them: latest by default, the tag parameter wins, no repo means no tag', () => {
  const s = (repo?: string, tag?: string) => {
    const r = repoTagReference(repo, tag);
    return r && referenceString(r);
  };
  assert.equal(s(undefined, 'x'), undefined);
  assert.equal(s('', ''), undefined);
  assert.equal(s('berthtest/web'), 'docker.io/berthtest/web:latest');
  assert.equal(s('docker.io/berthtest/web', 'v2'), 'docker.io/berthtest/web:v2');
  assert.equal(s('web:v1'), 'docker.io/library/web:v1');
  assert.equal(s('web:v1', 'v2'), 'docker.io/library/web:v2');
  assert.equal(s('127.0.0.1:5000/a/b', 't'), '127.0.0.1:5000/a/b:t');
});

test('bad repo and tag values get dockerd\'s messages as invalid arguments', () => {
  const msg = (repo: string, tag?: string) => {
    try {
      repoTagReference(repo, tag);
    } catch (err) {
      assert.ok(isKind(err, 'invalid-argument'));
      return (err as Error).message;
    }
    return 'no error';
  };
  assert.equal(msg('BAD'), 'invalid reference format: repository name (library/BAD) must be lowercase');
  assert.equal(msg('a', 'b:c'), 'invalid tag format');
  assert.equal(msg('a', '-x'), 'invalid tag format');
  assert.equal(msg(`a@sha256:${'0'.repeat(64)}`), 'cannot import digest reference');
  assert.equal(msg('a//b'), 'invalid reference format');
});

// ------------------------------------------------------------------ config

const ctr: ContainerConfig & Record<string, unknown> = {
  Hostname: 'abcdef012345',
  Domainname: '',
  User: 'app',
  AttachStdin: false,
  AttachStdout: true,
  AttachStderr: true,
  ExposedPorts: { '80/tcp': {} },
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: ['PATH=/bin', 'X=container'],
  Cmd: ['sh', '-c', 'echo hi'],
  Healthcheck: { Test: ['CMD', 'true'], Interval: 1_000_000_000, Retries: 3 },
  Image: 'busybox',
  Volumes: { '/data': {} },
  WorkingDir: '/srv',
  Entrypoint: null,
  OnBuild: null,
  Labels: { a: '1' },
  StopSignal: 'SIGINT',
};

test('no body and no changes: the image gets the container config as it is', () => {
  const c = commitConfig(ctr, undefined, []);
  assert.deepEqual(c, ctr);
  assert.notEqual(c, ctr, 'a copy: the container record is not changed');
});

test('changes apply on top of the container config; ENTRYPOINT clears the command unless a CMD came first', () => {
  const c = commitConfig(ctr, undefined, ['ENV Y=$X-2', 'LABEL b=2', 'EXPOSE 81/udp', 'CMD ["run"]', 'USER root', 'WORKDIR rel']);
  assert.deepEqual(c.Env, ['PATH=/bin', 'X=container', 'Y=container-2']);
  assert.deepEqual(c.Labels, { a: '1', b: '2' });
  assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '81/udp': {} });
  assert.deepEqual(c.Cmd, ['run']);
  assert.equal(c.User, 'root');
  assert.equal(c.WorkingDir, '/srv/rel');
  const e = commitConfig(ctr, undefined, ['ENTRYPOINT ["/init"]']);
  assert.deepEqual([e.Entrypoint, e.Cmd], [['/init'], null]);
  const both = commitConfig(ctr, undefined, ['CMD x', 'ENTRYPOINT ["/init"]']);
  assert.deepEqual([both.Entrypoint, both.Cmd], [['/init'], ['/bin/sh', '-c', 'x']]);
  // One change may hold several lines, and comment lines are skipped as in a Dockerfile.
  const multi = commitConfig(ctr, undefined, ['# note\nENV A=1\n\nENV B=2']);
  assert.deepEqual(multi.Env, ['PATH=/bin', 'X=container', 'A=1', 'B=2']);
});

test("a body replaces the container config; moby's merge fills only some of the gaps from the container", () => {
  const c = commitConfig(ctr, { Env: ['X=body'], ExposedPorts: { '90/tcp': {} }, Labels: { b: '2' }, Healthcheck: { Test: ['CMD', 'probe'] } }, []) as Record<string, unknown>;
  assert.deepEqual(c['Env'], ['X=body', 'PATH=/bin']);
  assert.deepEqual(c['ExposedPorts'], { '80/tcp': {}, '90/tcp': {} });
  assert.deepEqual(c['Labels'], { a: '1', b: '2' });
  assert.deepEqual(c['Healthcheck'], { Test: ['CMD', 'probe'], Interval: 1_000_000_000, Retries: 3 });
  assert.deepEqual([c['User'], c['WorkingDir'], c['StopSignal'], c['Cmd']], ['app', '/srv', 'SIGINT', ['sh', '-c', 'echo hi']]);
  assert.deepEqual(c['Volumes'], { '/data': {} });
  // Not merged by dockerd: they stay as the body has them (absent).
  assert.equal(c['Hostname'], undefined);
  assert.equal(c['Image'], undefined);
  assert.equal(c['AttachStdout'], undefined);
  // An entrypoint in the body keeps the container's command out.
  const ep = commitConfig(ctr, { Entrypoint: ['/e'] }, []);
  assert.deepEqual([ep.Entrypoint, ep.Cmd], [['/e'], undefined]);
});

test('bad changes are refused with the Dockerfile wording', () => {
  assert.throws(() => commitConfig(ctr, undefined, ['RUN x']), /^BerthError: run is not a valid change command$/);
  assert.throws(() => commitConfig(ctr, undefined, ['FROM busybox']), /from is not a valid change command/);
  assert.throws(() => commitConfig(ctr, undefined, ['EXPOSE nope']), /invalid containerPort: nope/);
});

// ------------------------------------------------------------------ image config

const parent: ImageConfig = {
  architecture: 'arm64',
  variant: 'v8',
  os: 'linux',
  created: '2026-01-01T00:00:00Z',
  config: { Cmd: ['sh'] },
  rootfs: { type: 'layers', diff_ids: [sha256('l1')] },
  history: [{ created: '2026-01-01T00:00:00Z', created_by: 'ADD x' }],
};

test("the child image config: parent's layers and history plus the new ones, the container it came from, keys sorted as dockerd writes them", () => {
  const diffId = sha256('l2');
  const cfg = childImageConfig(parent, {
    containerId: 'c'.repeat(64),
    containerConfig: ctr,
    config: { ...ctr, Cmd: ['new'] },
    author: 'A <a@b>',
    comment: 'msg',
    diffId,
    created: '2026-11-22T00:00:00.123456789Z',
    dockerVersion: '0.1.0',
  });
  assert.deepEqual(Object.keys(cfg), ['architecture', 'author', 'config', 'container', 'container_config', 'created', 'docker_version', 'history', 'os', 'rootfs', 'variant']);
  assert.deepEqual(cfg.rootfs.diff_ids, [sha256('l1'), diffId]);
  assert.deepEqual(cfg.history, [...parent.history!, { created: '2026-11-22T00:00:00.123456789Z', author: 'A <a@b>', created_by: 'sh -c echo hi', comment: 'msg' }]);
  assert.equal(cfg.architecture, 'arm64');
  assert.equal(cfg.variant, 'v8');
  assert.deepEqual(cfg.config?.Cmd, ['new']);
  assert.deepEqual(cfg.container_config?.Cmd, ctr.Cmd);
  // Go's field order and zero values for container.Config.
  assert.deepEqual(Object.keys(cfg.config!).slice(0, 8), ['Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'ExposedPorts', 'Tty']);
  assert.equal(parent.rootfs.diff_ids.length, 1, 'the parent config is not changed');
});

test('an empty diff adds no diff id; its history entry says empty_layer (moby NewChildImage)', () => {
  const cfg = childImageConfig(parent, { containerId: 'c', containerConfig: { Cmd: null }, config: {}, diffId: emptyTarDiffId, created: 't', dockerVersion: 'v' });
  assert.deepEqual(cfg.rootfs.diff_ids, parent.rootfs.diff_ids);
  assert.deepEqual(cfg.history!.at(-1), { created: 't', empty_layer: true });
  assert.equal('author' in cfg, false);
  assert.equal(emptyTarDiffId, sha256(Buffer.alloc(1024)));
});

// ------------------------------------------------------------------ the layer (root and overlayfs)

let base: string;
let content: LocalContentStore;
let snapshotter: OverlaySnapshotter;
let store: ImageStore;
let baseDiffId: Digest;
const mounted: string[] = [];

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-commit-'));
  content = new LocalContentStore(base);
  await content.init();
  snapshotter = new OverlaySnapshotter(base);
  await snapshotter.init();
  store = new ImageStore(base, content);
  await store.init();
  const tb = new TarBuilder({ uid: 0, gid: 0, mtime: new Date('2022-01-01T00:00:00Z') });
  for (const [name, data] of [['etc/', undefined], ['etc/passwd', 'root\n'], ['etc/group', 'root\n'], ['var/', undefined], ['var/spool/', undefined], ['var/spool/mail', 'm']] as const) {
    await tb.add({ name, type: data === undefined ? 'directory' : 'file', mode: data === undefined ? 0o755 : 0o644 }, data);
  }
  const tar = await tb.finish();
  const meta = await snapshotter.createLayer(null, (dir) => applyLayer(Readable.from([tar]), dir));
  baseDiffId = meta.diffId;
});

after(async () => {
  for (const m of mounted.reverse()) await unmount(m).catch(() => {});
  await rm(base, { recursive: true, force: true });
});

let n = 0;
async function overlay(lowers: string[], writable = true): Promise<{ upper: string; merged: string }> {
  const dir = join(base, `ctr-${++n}`);
  const [upper, work, merged] = ['upper', 'work', 'merged'].map((d) => join(dir, d)) as [string, string, string];
  for (const d of [upper, work, merged]) await mkdir(d, { recursive: true });
  await mount('overlay', 'overlay', merged, writable ? `lowerdir=${lowers.join(':')},upperdir=${upper},workdir=${work}` : `lowerdir=${lowers.join(':')}`);
  mounted.push(merged);
  return { upper, merged };
}

async function listing(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const p = join(root, rel, name);
      const st = await lstat(p);
      const r = `${rel}/${name}`;
      const extra = st.isSymbolicLink() ? await readlink(p) : st.isFile() ? createHash('sha256').update(await readFile(p)).digest('hex') : '';
      out.push(`${r} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${extra}`);
      if (st.isDirectory()) await walk(r);
    }
  };
  await walk('');
  return out;
}

const blobs = async () => (await readdir(join(base, 'blobs', 'sha256'))).sort();
const ingesting = async () => readdir(join(base, 'blobs', 'ingest'));
const layerDirs = async () => (await readdir(join(base, 'overlay'))).filter((x) => /^[a-f0-9]{64}$/.test(x) || x.startsWith('.tmp-')).sort();

test('the commit layer: one tar into the content store and into a snapshot layer that gives back what the container saw', async () => {
  const lower = snapshotter.layerDiffPath(baseDiffId);
  const { upper, merged } = await overlay([lower]);
  await writeFile(join(merged, 'etc/passwd'), 'root\nme\n');
  await rm(join(merged, 'etc/group'));
  await rm(join(merged, 'var/spool'), { recursive: true });
  await mkdir(join(merged, 'var/spool'));
  await writeFile(join(merged, 'var/spool/new'), 'n');
  await mkdir(join(merged, 'proc'));
  const layer = await writeCommitLayer({ content, snapshotter, store }, { upper, lowers: [lower], parentDiffIds: [baseDiffId], mountPoints: ['/proc'] });
  assert.equal(layer.empty, false);
  assert.equal(layer.blob.digest, layer.diffId);
  assert.equal(layer.meta.chainId, sha256(`${baseDiffId} ${layer.diffId}`));
  assert.equal(layer.meta.parent, baseDiffId);
  assert.equal(layer.blob.size, layer.meta.tarSize);
  // Applying the stored blob gives the same diff id: the blob is the layer.
  const again = await applyLayer(content.open(layer.blob.digest), await mkdtemp(join(base, 'reapply-')));
  assert.equal(again.diffId, layer.diffId);
  const view = await overlay([snapshotter.layerDiffPath(layer.meta.chainId), lower], false);
  const seen = (await listing(merged)).filter((l) => !l.startsWith('/proc '));
  assert.deepEqual(await listing(view.merged), seen);
  assert.ok(!seen.some((l) => l.startsWith('/etc/group ') || l.startsWith('/var/spool/mail ')));

  // Nothing refers to them yet, so discard takes both away again.
  await layer.discard();
  assert.equal(await content.has(layer.blob.digest), false);
  assert.equal(await snapshotter.layer(layer.meta.chainId), undefined);
});

test('no changes: the empty tar, flagged empty', async () => {
  const lower = snapshotter.layerDiffPath(baseDiffId);
  const { upper } = await overlay([lower]);
  const layer = await writeCommitLayer({ content, snapshotter, store }, { upper, lowers: [lower], parentDiffIds: [baseDiffId] });
  assert.deepEqual([layer.empty, layer.diffId], [true, emptyTarDiffId]);
  await layer.discard();
  assert.equal(await content.has(emptyTarDiffId), false);
});

test('a failure on one side stops the others and leaves no blob, no half-written blob and no layer', async () => {
  const lower = snapshotter.layerDiffPath(baseDiffId);
  const { upper, merged } = await overlay([lower]);
  await writeFile(join(merged, 'big'), Buffer.alloc(8 << 20, 1));
  const [blobsBefore, layersBefore] = [await blobs(), await layerDirs()];
  // The parent chain does not exist: the layer side fails at once, the tar and blob sides must stop too.
  await assert.rejects(
    writeCommitLayer({ content, snapshotter, store }, { upper, lowers: [lower], parentDiffIds: [sha256('missing')] }),
    (err: unknown) => isKind(err, 'not-found'),
  );
  assert.deepEqual([await blobs(), await ingesting(), await layerDirs()], [blobsBefore, [], layersBefore]);

  const aborted = new AbortController();
  aborted.abort(new Error('client gone'));
  await assert.rejects(
    writeCommitLayer({ content, snapshotter, store }, { upper, lowers: [lower], parentDiffIds: [baseDiffId], signal: aborted.signal }),
    (err: unknown) => isKind(err, 'cancelled'),
  );
  assert.deepEqual([await blobs(), await ingesting(), await layerDirs()], [blobsBefore, [], layersBefore]);
});

import { createWriteStream } from 'node:fs';
import { lstat, rename, rm, stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { goMode, hasGoMode, type Client } from '../../client/index.js';
import { errnoCode } from '../../common/errors.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { destinationInfo, rebaseArchive, tarResource, untar } from '../cp-archive.js';
import { clean, dir, getRebaseName, isAbs, join, prepareArchiveCopy, resolveLocalPath, splitCpArg, splitPathDirEntry, type CopyInfo } from '../cp-paths.js';
import { fsError } from '../files.js';
import { humanSizeWithPrecision } from '../format/units.js';

/** `berth cp`, `export`, `diff` and `commit`: a container's files, out, in and into an image. */

export const cp: CommandSpec = {
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  args: { min: 2, max: 2 },
  flags: [
    { name: 'archive', short: 'a', kind: 'bool', help: 'Archive mode (copy all uid/gid information)' },
    { name: 'follow-link', short: 'L', kind: 'bool', help: 'Always follow symbol link in SRC_PATH' },
    {
      name: 'quiet',
      short: 'q',
      kind: 'bool',
      help: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached',
    },
  ],
  async run(ctx, flags, args) {
    const [source, destination] = args as [string, string];
    if (source === '') throw new Error('source can not be empty');
    if (destination === '') throw new Error('destination can not be empty');
    // Without -q, docker reports only when its standard output is a terminal.
    const quiet = flags.changed('quiet') ? flags.bool('quiet') : !ctx.stdout.isTTY;
    const src = splitCpArg(source);
    const dst = splitCpArg(destination);
    const opts = { followLink: flags.bool('follow-link'), copyUIDGID: flags.bool('archive'), quiet };
    if (src.container && dst.container) throw new Error('copying between containers is not supported');
    if (src.container) return copyFromContainer(ctx, src.container, src.path, dst.path, opts);
    if (dst.container) return copyToContainer(ctx, dst.container, src.path, dst.path, opts);
    throw new Error('must specify at least one container source');
  },
};

interface CopyOptions {
  followLink: boolean;
  copyUIDGID: boolean;
  quiet: boolean;
}

/** Counts the bytes going through, for the progress line and "Successfully copied". */
function counter(): { stream: Transform; bytes: () => number } {
  let n = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, bytes: () => n };
}

/** docker's ValidateOutputPath: the destination's directory must exist, and it must not be a device. */
async function validateOutputPath(path: string): Promise<void> {
  const parent = dir(clean(path));
  if (parent !== '' && parent !== '.') {
    const missing = await stat(parent).then(
      () => false,
      (err: unknown) => errnoCode(err) === 'ENOENT',
    );
    if (missing) throw new Error(`invalid output path: directory ${JSON.stringify(parent)} does not exist`);
  }
  const st = await stat(path).catch((err: unknown) => {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw fsError(err, 'stat', path);
  });
  if (!st || st.isDirectory() || st.isFile()) return;
  if (st.isBlockDevice() || st.isCharacterDevice()) {
    throw new Error(`invalid output path: ${JSON.stringify(path)} must be a directory or a regular file: got a device`);
  }
}

async function copyFromContainer(ctx: CommandContext, container: string, srcPathIn: string, dstPathIn: string, opts: CopyOptions): Promise<void> {
  const api = ctx.client().containerFiles;
  let dstPath = dstPathIn;
  if (dstPath !== '-') dstPath = resolveLocalPath(dstPath, process.cwd());
  await validateOutputPath(dstPath);
  let srcPath = srcPathIn;
  let rebaseName = '';
  if (opts.followLink) {
    const st = await api.statPath(container, srcPath).catch(() => undefined);
    if (st && hasGoMode(st.mode, goMode.symlink)) {
      let target = st.linkTarget;
      if (!isAbs(target)) target = join(splitPathDirEntry(srcPath).dir, target);
      ({ resolved: srcPath, rebaseName } = getRebaseName(srcPath, target));
    }
  }
  const abort = new AbortController();
  const { body, stat: srcStat } = await api.getArchive(container, srcPath, abort.signal);
  if (dstPath === '-') {
    await pipeline(body, ctx.stdout.stream);
    return;
  }
  const count = counter();
  let content: Readable = body.pipe(count.stream);
  const srcInfo: CopyInfo = { path: srcPath, exists: true, isDir: hasGoMode(srcStat.mode, goMode.dir), rebaseName };
  if (rebaseName !== '') content = rebaseArchive(content, splitPathDirEntry(srcPath).base, rebaseName);
  let failure: unknown;
  try {
    const dstInfo = await destinationInfo(dstPath);
    const plan = prepareArchiveCopy(srcInfo, { ...dstInfo, rebaseName: '' });
    if ('error' in plan) throw new Error(plan.error);
    if (plan.rebase) content = rebaseArchive(content, plan.rebase.from, plan.rebase.to);
    await untar(content, plan.dstDir);
  } catch (err) {
    failure = err;
    body.destroy();
  }
  // CLI 28 also means to draw a progress line on a terminal stderr, but never does: its check is
  // made on a wrapper that hides the terminal. Only the summary is printed.
  if (!opts.quiet) {
    ctx.stderr.write(`Successfully copied ${humanSizeWithPrecision(count.bytes(), 3)} to ${dstPath}\n`);
  }
  if (failure !== undefined) throw failure;
}

async function copyToContainer(ctx: CommandContext, container: string, srcPathIn: string, dstPath: string, opts: CopyOptions): Promise<void> {
  const client: Client = ctx.client();
  const api = client.containerFiles;
  let srcPath = srcPathIn;
  if (srcPath !== '-') srcPath = resolveLocalPath(srcPath, process.cwd());
  const dstInfo: CopyInfo = { path: dstPath, exists: false, isDir: false, rebaseName: '' };
  // A failed stat only means "not there (yet)": the daemon judges the copy itself.
  let dstStat = await api.statPath(container, dstPath).catch(() => undefined);
  if (dstStat && hasGoMode(dstStat.mode, goMode.symlink)) {
    let target = dstStat.linkTarget;
    if (!isAbs(target)) target = join(splitPathDirEntry(dstPath).dir, target);
    dstInfo.path = target;
    dstStat = await api.statPath(container, target).catch(() => undefined);
  }
  if (dstStat && hasGoMode(dstStat.mode, goMode.device)) {
    throw new Error(`destination "${container}:${dstPath}" must be a directory or a regular file: got a device`);
  }
  if (dstStat && hasGoMode(dstStat.mode, goMode.irregular)) {
    throw new Error(`destination "${container}:${dstPath}" must be a directory or a regular file: got an irregular file`);
  }
  if (dstStat) Object.assign(dstInfo, { exists: true, isDir: hasGoMode(dstStat.mode, goMode.dir) });

  let content: Readable;
  let resolvedDst: string;
  const count = counter();
  if (srcPath === '-') {
    if (!dstInfo.isDir) throw new Error(`destination "${container}:${dstPath}" must be a directory`);
    content = ctx.stdin();
    resolvedDst = dstInfo.path;
  } else {
    const srcInfo = await sourceInfo(srcPath, opts.followLink);
    const plan = prepareArchiveCopy(srcInfo, dstInfo);
    if ('error' in plan) throw new Error(plan.error);
    let archive = tarResource(srcInfo.path, srcInfo.rebaseName);
    if (plan.rebase) archive = rebaseArchive(archive, plan.rebase.from, plan.rebase.to);
    content = opts.quiet ? archive : archive.pipe(count.stream);
    resolvedDst = plan.dstDir;
  }
  if (opts.quiet) {
    await api.putArchive(container, resolvedDst, content, { copyUIDGID: opts.copyUIDGID });
    return;
  }
  let failure: unknown;
  try {
    await api.putArchive(container, resolvedDst, content, { copyUIDGID: opts.copyUIDGID });
  } catch (err) {
    failure = err;
  }
  ctx.stderr.write(`Successfully copied ${humanSizeWithPrecision(count.bytes(), 3)} to ${container}:${dstInfo.path}\n`);
  if (failure !== undefined) throw failure;
}

/**
 * go-archive's CopyInfoSourcePath: symlinks before the last segment are resolved (and the last one
 * too with -L, the archive then named as the link was).
 */
async function sourceInfo(path: string, followLink: boolean): Promise<CopyInfo> {
  const { realpath: real, lstat: lst } = await import('node:fs/promises');
  let resolved: string;
  let rebaseName = '';
  if (followLink) {
    const target = await real(path).catch((err: unknown) => {
      throw fsError(err, 'lstat', path.replace(/\/+$/, ''));
    });
    ({ resolved, rebaseName } = getRebaseName(path, target));
  } else {
    const slash = path.lastIndexOf('/');
    const parent = path.slice(0, slash + 1);
    const entry = path.slice(slash + 1);
    const realParent = await real(parent).catch((err: unknown) => {
      throw fsError(err, 'lstat', clean(parent));
    });
    resolved = `${realParent === '/' ? '' : realParent}/${entry}`;
    if (path.endsWith('/') && splitPathDirEntry(path).base !== splitPathDirEntry(resolved).base) rebaseName = splitPathDirEntry(path).base;
  }
  const st = await lst(resolved).catch((err: unknown) => {
    throw fsError(err, 'lstat', resolved);
  });
  return { path: resolved, exists: true, isDir: st.isDirectory(), rebaseName };
}

export const containerExport: CommandSpec = {
  usage: '[OPTIONS] CONTAINER',
  args: { min: 1, max: 1 },
  flags: [{ name: 'output', short: 'o', kind: 'string', help: 'Write to a file, instead of STDOUT' }],
  async run(ctx, flags, args) {
    const output = flags.string('output') ?? '';
    if (output === '') {
      if (ctx.stdout.isTTY) throw new Error('cowardly refusing to save to a terminal. Use the -o flag or redirect');
      const body = await ctx.client().containerFiles.export(args[0]!);
      await pipeline(body, ctx.stdout.stream);
      return;
    }
    // Written beside the target and renamed over it once complete (docker's atomicwriter), so a
    // failed export leaves any earlier file as it was.
    await validateExportDestination(output);
    const temp = join(dir(resolveLocalPath(output, process.cwd())), `.tmp-${splitPathDirEntry(output).base}${process.pid}`);
    try {
      const body = await ctx.client().containerFiles.export(args[0]!);
      await pipeline(body, createWriteStream(temp, { mode: 0o600 }));
      await rename(temp, output);
    } finally {
      await rm(temp, { force: true });
    }
  },
};

/** moby/sys atomicwriter's checks on an output file, with docker's "failed to export container" prefix. */
async function validateExportDestination(file: string): Promise<void> {
  const fail = (why: string) => new Error(`failed to export container: ${why}`);
  const parent = dir(file);
  if (parent !== '' && parent !== '.' && parent !== '..') {
    const st = await stat(parent).catch((err: unknown) => {
      throw fail(`invalid output path: ${fsError(err, 'stat', parent).message}`);
    });
    if (!st.isDirectory()) throw fail(`invalid output path: stat ${parent}: not a directory`);
  }
  const st = await lstat(file).catch((err: unknown) => {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw fail(`failed to stat output path: ${fsError(err, 'lstat', file).message}`);
  });
  if (!st || st.isFile()) return;
  if (st.isDirectory()) throw fail('cannot write to a directory');
  if (st.isSymbolicLink()) throw fail('cannot write to a symbolic link directly');
  if (st.isFIFO()) throw fail('cannot write to a named pipe (FIFO)');
  if (st.isSocket()) throw fail('cannot write to a socket');
  if (st.isCharacterDevice()) throw fail('cannot write to a character device file');
  if (st.isBlockDevice()) throw fail('cannot write to a block device file');
}

const changeKinds = ['C', 'A', 'D'];

export const diff: CommandSpec = {
  usage: 'CONTAINER',
  args: { min: 1, max: 1 },
  flags: [],
  async run(ctx, _flags, args) {
    if (args[0] === '') throw new Error('Container name cannot be empty');
    const changes = (await ctx.client().containerFiles.changes(args[0]!)) ?? [];
    ctx.stdout.write(changes.map((c) => `${changeKinds[c.Kind] ?? ''} ${c.Path}\n`).join(''));
  },
};

export const commit: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  args: { min: 1, max: 2 },
  interspersed: false,
  flags: [
    { name: 'author', short: 'a', kind: 'string', help: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { name: 'change', short: 'c', kind: 'list', help: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', kind: 'string', help: 'Commit message' },
    { name: 'pause', short: 'p', kind: 'bool', help: 'Pause container during commit', defaultText: 'true' },
  ],
  async run(ctx, flags, args) {
    const [container, reference] = args as [string, string | undefined];
    let repo = '';
    let tag = '';
    if (container.trim() !== '' && reference) {
      const { parseNormalizedReference, fullName } = await import('../../oci/reference.js');
      const ref = parseNormalizedReference(reference);
      if (ref.digest !== undefined) throw new Error('refusing to create a tag with a digest reference');
      repo = fullName(ref);
      tag = ref.tag ?? 'latest';
    }
    const result = await ctx.client().containerFiles.commit(container, {
      repo,
      tag,
      comment: flags.string('message') ?? '',
      author: flags.string('author') ?? '',
      changes: flags.list('change'),
      pause: !flags.changed('pause') || flags.bool('pause'),
    });
    ctx.stdout.write(`${result.Id}\n`);
  },
};

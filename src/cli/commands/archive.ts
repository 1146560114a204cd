import { rename, rm, stat } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { basename, dirname, join, normalize } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { JsonMessage } from '../../api/types/index.js';
import { jsonLines } from '../../client/index.js';
import { invalidArgument } from '../../common/errors.js';
import { parseNormalizedReference } from '../../oci/reference.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { fsError, openInput } from '../files.js';
import { MessagePrinter } from '../format/messages.js';

/** Moving images in and out as tar archives: `import`, `load` and `save`. */

export const importImage: CommandSpec = {
  usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  // docker checks only the minimum; anything after REPOSITORY[:TAG] is ignored.
  args: { min: 1 },
  flags: [
    { name: 'change', short: 'c', kind: 'list', help: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', kind: 'string', help: 'Set commit message for imported image' },
  ],
  async run(ctx, flags, args) {
    const [file, repo] = args as [string, string | undefined];
    if (repo) parseNormalizedReference(repo);
    const source: Readable | { url: string } = /^https?:\/\//.test(file) ? { url: file } : file === '-' ? ctx.stdin() : await openInput(file);
    const res = await ctx.client().images.import(source, {
      ...(repo && { repo }),
      message: flags.string('message') ?? '',
      changes: flags.list('change'),
    });
    await printMessages(ctx, res);
  },
};

export const load: CommandSpec = {
  usage: '[OPTIONS]',
  args: { min: 0, max: 0 },
  flags: [
    { name: 'input', short: 'i', kind: 'string', help: 'Read from tar archive file, instead of STDIN' },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Suppress the load output' },
  ],
  async run(ctx, flags) {
    const input = flags.string('input');
    let source: Readable;
    if (input) source = await openInput(input);
    else {
      const stdin = ctx.stdin();
      if (stdin.isTTY) throw invalidArgument('requested load from stdin, but stdin is empty');
      source = stdin;
    }
    // Progress bars only make sense on a terminal; elsewhere docker asks for the quiet stream.
    const quiet = flags.bool('quiet') || !ctx.stdout.isTTY;
    const res = await ctx.client().images.load(source, quiet);
    await printMessages(ctx, res);
  },
};

export const save: CommandSpec = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  args: { min: 1 },
  flags: [{ name: 'output', short: 'o', kind: 'string', help: 'Write to a file, instead of STDOUT' }],
  async run(ctx, flags, args) {
    const output = flags.string('output');
    if (!output && ctx.stdout.isTTY) throw invalidArgument('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    if (output) await checkOutputPath(output);
    const res = await ctx.client().images.save(args);
    if (!output) {
      await pipeline(res, ctx.stdout.stream, { end: false });
      return;
    }
    // Written next to the target and renamed into place, so a failed save leaves no partial archive.
    const tmp = join(dirname(output), `.berth_temp_${randomBytes(6).toString('hex')}`);
    try {
      await pipeline(res, createWriteStream(tmp));
      await rename(tmp, output);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  },
};

/** docker's ValidateOutputPath: the directory must exist and the target must not be something odd. */
async function checkOutputPath(path: string): Promise<void> {
  const dir = dirname(normalize(path));
  if (dir !== '.' && dir !== '') {
    try {
      await stat(dir);
    } catch (err) {
      throw invalidArgument(`failed to save image: invalid output path: ${fsError(err, 'stat', dir).message}`);
    }
  }
  try {
    const s = await stat(path);
    if (!s.isDirectory() && !s.isFile()) {
      throw invalidArgument(`failed to save image: invalid output path: ${JSON.stringify(path)} must be a directory or a regular file`);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (err instanceof Error && err.message.startsWith('failed to save image')) throw err;
      throw fsError(err, 'stat', basename(path));
    }
  }
}

/** Shows a JSON message stream on stdout; an error inside it fails the command with its text. */
async function printMessages(ctx: CommandContext, res: Readable): Promise<void> {
  const printer = new MessagePrinter((s) => ctx.stdout.write(s), ctx.stdout.isTTY, ctx.stdout.columns);
  for await (const { value } of jsonLines<JsonMessage>(res)) printer.print(value);
}

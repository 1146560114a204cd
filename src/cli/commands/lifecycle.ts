import { isKind } from '../../common/errors.js';
import type { CommandContext, CommandSpec } from '../command.js';
import type { FlagSpec } from '../flags.js';
import { StatusError, errorText } from '../status.js';

/**
 * Commands that act on each container they are given: stop, restart, kill, pause, unpause, rm,
 * wait and rename. Like docker they keep going after a failure, print each container they handled,
 * and end with the failures, one per line, and exit status 1.
 */

interface EachOptions {
  /** docker runs stop, kill, pause, unpause and rm concurrently; restart and wait one by one. */
  parallel: boolean;
  /** rm -f: a container that does not exist is reported but is not a failure. */
  forgiveNotFound?: boolean;
  /** What to print for a container that succeeded (default: the name as given). */
  print?: (name: string, result: string | void) => string;
}

async function forEachContainer(
  ctx: CommandContext,
  names: string[],
  op: (name: string) => Promise<string | void>,
  opts: EachOptions,
): Promise<void> {
  const settle = (name: string) =>
    op(name).then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  const outcomes = opts.parallel ? names.map(settle) : [];
  const failures: string[] = [];
  for (const [i, name] of names.entries()) {
    const outcome = await (opts.parallel ? outcomes[i]! : settle(name));
    if (outcome.ok) {
      ctx.stdout.write(`${opts.print ? opts.print(name, outcome.result) : name}\n`);
    } else if (opts.forgiveNotFound && isKind(outcome.error, 'not-found')) {
      ctx.stderr.write(`${errorText(outcome.error)}\n`);
    } else {
      failures.push(errorText(outcome.error));
    }
  }
  if (failures.length) throw new StatusError(1, failures.join('\n'));
}

const signalFlag: FlagSpec = { name: 'signal', short: 's', kind: 'string', help: 'Signal to send to the container' };
const timeoutFlag: FlagSpec = {
  name: 'timeout',
  short: 't',
  kind: 'int',
  aliases: ['time'],
  help: 'Seconds to wait before killing the container',
};

export const stop: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [signalFlag, timeoutFlag],
  async run(ctx, flags, args) {
    const api = ctx.client().containers;
    const timeout = flags.int('timeout');
    const signal = flags.string('signal');
    await forEachContainer(ctx, args, (name) => api.stop(name, { ...(timeout !== undefined && { timeout }), ...(signal && { signal }) }), {
      parallel: true,
    });
  },
};

export const restart: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [signalFlag, timeoutFlag],
  async run(ctx, flags, args) {
    const api = ctx.client().containers;
    const timeout = flags.int('timeout');
    const signal = flags.string('signal');
    await forEachContainer(ctx, args, (name) => api.restart(name, { ...(timeout !== undefined && { timeout }), ...(signal && { signal }) }), {
      parallel: false,
    });
  },
};

export const kill: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [signalFlag],
  async run(ctx, flags, args) {
    const api = ctx.client().containers;
    const signal = flags.string('signal');
    await forEachContainer(ctx, args, (name) => api.kill(name, signal), { parallel: true });
  },
};

export const pause: CommandSpec = {
  usage: 'CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [],
  async run(ctx, _flags, args) {
    const api = ctx.client().containers;
    await forEachContainer(ctx, args, (name) => api.pause(name), { parallel: true });
  },
};

export const unpause: CommandSpec = {
  usage: 'CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [],
  async run(ctx, _flags, args) {
    const api = ctx.client().containers;
    await forEachContainer(ctx, args, (name) => api.unpause(name), { parallel: true });
  },
};

export const rm: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [
    { name: 'force', short: 'f', kind: 'bool', help: 'Force the removal of a running container (uses SIGKILL)' },
    { name: 'link', short: 'l', kind: 'bool', help: 'Remove the specified link' },
    { name: 'volumes', short: 'v', kind: 'bool', help: 'Remove anonymous volumes associated with the container' },
  ],
  async run(ctx, flags, args) {
    const api = ctx.client().containers;
    const force = flags.bool('force');
    const volumes = flags.bool('volumes');
    const link = flags.bool('link');
    await forEachContainer(
      ctx,
      args,
      async (name) => {
        const trimmed = name.replace(/^\/+|\/+$/g, '');
        if (trimmed === '') throw new Error('container name cannot be empty');
        await api.remove(trimmed, { force, volumes, link });
      },
      { parallel: true, forgiveNotFound: force },
    );
  },
};

export const wait: CommandSpec = {
  usage: 'CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [],
  async run(ctx, _flags, args) {
    const api = ctx.client().containers;
    await forEachContainer(
      ctx,
      args,
      async (name) => {
        const result = await api.wait(name).result;
        return String(result.StatusCode);
      },
      { parallel: false, print: (_name, code) => code ?? '' },
    );
  },
};

export const rename: CommandSpec = {
  usage: 'CONTAINER NEW_NAME',
  args: { min: 2, max: 2 },
  flags: [],
  async run(ctx, _flags, args) {
    const oldName = args[0]!.trim();
    const newName = args[1]!.trim();
    if (oldName === '' || newName === '') throw new StatusError(1, 'Error: Neither old nor new names may be empty');
    try {
      await ctx.client().containers.rename(oldName, newName);
    } catch (err) {
      ctx.stderr.write(`${errorText(err)}\n`);
      throw new StatusError(1, `Error: failed to rename container named ${oldName}`);
    }
  },
};

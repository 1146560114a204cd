import { forwardSignals, noForwarding, streamAttached, upgradeFailure, watchTermination, type AttachedSession } from '../attach.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { chosenDetachKeys } from '../detach-keys.js';
import type { ParsedFlags } from '../flags.js';
import { StatusError, errorText } from '../status.js';
import { monitorTtySize } from '../terminal.js';

/**
 * `berth start`: starts each container, or with -a/-i starts one and stays attached to it, exiting
 * with its status (the same wait-attach-start sequence as `run`).
 */
export const start: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [
    { name: 'attach', short: 'a', kind: 'bool', help: 'Attach STDOUT/STDERR and forward signals' },
    { name: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container' },
    { name: 'interactive', short: 'i', kind: 'bool', help: "Attach container's STDIN" },
  ],
  async run(ctx, flags, args) {
    if (flags.bool('attach') || flags.bool('interactive')) return startAttached(ctx, flags, args);
    const api = ctx.client().containers;
    const failed: string[] = [];
    for (const name of args) {
      try {
        await api.start(name);
        ctx.stdout.write(`${name}\n`);
      } catch (err) {
        ctx.stderr.write(`${errorText(err)}\n`);
        failed.push(name);
      }
    }
    if (failed.length) throw new StatusError(1, `Error: failed to start containers: ${failed.join(', ')}`);
    return 0;
  },
};

async function startAttached(ctx: CommandContext, flags: ParsedFlags, args: string[]): Promise<number> {
  if (args.length > 1) throw new StatusError(1, 'you cannot start and attach multiple containers at once');
  const client = ctx.client();
  const api = client.containers;
  const { value: c } = await api.inspect(args[0]!);
  const tty = c.Config.Tty;
  // Unlike run and attach, docker's start does not insist on a terminal for a TTY container.
  const withStdin = flags.bool('interactive') && c.Config.OpenStdin;
  const forwarding = tty ? noForwarding : forwardSignals(client, c.Id);
  // The first SIGINT or SIGTERM ends docker's start -a quietly with status 0 (once forwarded).
  let interrupted = false;
  let session: AttachedSession | undefined;
  const stopWatching = watchTermination(ctx.stderr, () => {
    interrupted = true;
    session?.close();
  });
  let stopResizing = () => {};
  try {
    const detachKeys = chosenDetachKeys(flags.string('detach-keys'), ctx.env);
    const waiter = api.wait(c.Id, c.HostConfig.AutoRemove ? 'removed' : 'next-exit');
    const [conn] = await Promise.all([
      api.attach(c.Id, { stdin: withStdin, stdout: true, stderr: true, ...(detachKeys && { detachKeys }) }).catch((err: unknown) => Promise.reject(upgradeFailure(err))),
      waiter.accepted,
    ]);
    session = await streamAttached(conn, {
      stdout: ctx.stdout,
      stderr: ctx.stderr,
      tty,
      ...(withStdin && { stdin: ctx.stdin() }),
      detachKeys,
      env: ctx.env,
    });
    try {
      await api.start(c.Id);
    } catch (err) {
      session.close();
      await session.done.catch(() => undefined);
      if (c.HostConfig.AutoRemove) await waiter.result.catch(() => undefined);
      throw err;
    }
    if (tty && ctx.stdout.isTTY) stopResizing = monitorTtySize(ctx.stdout, (h, w) => api.resize(c.Id, h, w), { stderr: ctx.stderr });
    if (interrupted) session.close();
    if ((await session.done) === 'detached') return 0;
    if (interrupted) {
      await forwarding.flush();
      return 0;
    }
    const status = await waiter.result;
    return status.Error?.Message ? 125 : status.StatusCode;
  } finally {
    stopResizing();
    stopWatching();
    forwarding.stop();
  }
}

import { forwardSignals, pumpAttached } from '../attach.js';
import type { CommandContext, CommandSpec } from '../command.js';
import type { ParsedFlags } from '../flags.js';
import { StatusError, errorText } from '../status.js';

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
  const withStdin = flags.bool('interactive') && c.Config.OpenStdin;
  const stopForwarding = c.Config.Tty ? () => {} : forwardSignals(client, c.Id);
  try {
    const detachKeys = flags.string('detach-keys');
    const waiter = api.wait(c.Id, c.HostConfig.AutoRemove ? 'removed' : 'next-exit');
    const [conn] = await Promise.all([
      api.attach(c.Id, { stdin: withStdin, stdout: true, stderr: true, ...(detachKeys && { detachKeys }) }),
      waiter.accepted,
    ]);
    const output = pumpAttached(conn, { stdout: ctx.stdout, stderr: ctx.stderr, tty: c.Config.Tty, ...(withStdin && { stdin: ctx.stdin() }) });
    try {
      await api.start(c.Id);
    } catch (err) {
      conn.socket.destroy();
      if (c.HostConfig.AutoRemove) await waiter.result.catch(() => undefined);
      throw err;
    }
    await output;
    const status = await waiter.result;
    return status.Error?.Message ? 125 : status.StatusCode;
  } finally {
    stopForwarding();
  }
}

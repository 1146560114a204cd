import type { ContainerInspect } from '../../api/types/index.js';
import { ConnectionError, type ExecCreateRequest } from '../../client/index.js';
import { forwardSignals, noForwarding, streamAttached, upgradeFailure, watchTermination, type AttachedSession } from '../attach.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { chosenDetachKeys } from '../detach-keys.js';
import { readEnvFiles, validateEnv, withHostValue } from '../env-file.js';
import type { ParsedFlags } from '../flags.js';
import { StatusError } from '../status.js';
import { checkTty, monitorTtySize } from '../terminal.js';

/**
 * `berth exec` and `berth attach`, with the requests and words of docker's CLI 28. `exec` is on the
 * benchmarked path (exec of `true`): it makes only the calls it needs (create, start, inspect), and
 * loads nothing for a terminal it does not have.
 */

const detachKeysFlag = { name: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container' } as const;

export const exec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  args: { min: 2 },
  interspersed: false,
  flags: [
    { name: 'detach', short: 'd', kind: 'bool', help: 'Detached mode: run command in the background' },
    detachKeysFlag,
    { name: 'env', short: 'e', kind: 'list', help: 'Set environment variables', parse: validateEnv },
    { name: 'env-file', kind: 'list', help: 'Read in a file of environment variables' },
    { name: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open even if not attached' },
    { name: 'privileged', kind: 'bool', help: 'Give extended privileges to the command' },
    { name: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY' },
    { name: 'user', short: 'u', kind: 'string', help: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    { name: 'workdir', short: 'w', kind: 'string', help: 'Working directory inside the container' },
  ],
  run: runExec,
};

export const attach: CommandSpec = {
  usage: '[OPTIONS] CONTAINER',
  args: { min: 1, max: 1 },
  flags: [
    detachKeysFlag,
    { name: 'no-stdin', kind: 'bool', help: 'Do not attach STDIN' },
    { name: 'sig-proxy', kind: 'bool', help: 'Proxy all received signals to the process', defaultText: 'true' },
  ],
  run: runAttach,
};

async function runExec(ctx: CommandContext, flags: ParsedFlags, args: string[]): Promise<number> {
  const [container = '', ...cmd] = args;
  const detach = flags.bool('detach');
  const tty = flags.bool('tty');
  const attachStdin = !detach && flags.bool('interactive');
  const env = [...(await readEnvFiles(flags.list('env-file'), ctx.env)), ...flags.list('env').map((e) => withHostValue(e, ctx.env))];
  const body: ExecCreateRequest = {
    User: flags.string('user') ?? '',
    Privileged: flags.bool('privileged'),
    Tty: tty,
    AttachStdin: attachStdin,
    AttachStderr: !detach,
    AttachStdout: !detach,
    Detach: detach,
    DetachKeys: chosenDetachKeys(flags.string('detach-keys'), ctx.env),
    Env: env.length ? env : null,
    WorkingDir: flags.string('workdir') ?? '',
    Cmd: cmd,
  };
  const client = ctx.client();
  if (tty && attachStdin && !ctx.stdin().isTTY) {
    // docker inspects before every exec so that "No such container" wins over this complaint;
    // only here does the order show, so only here is the extra call made.
    await client.containers.inspect(container);
    checkTty(true, true, false);
  }
  const id = await client.exec.create(container, body);
  if (detach) {
    await client.exec.startDetached(id, { tty });
    return 0;
  }
  // A SIGINT or SIGTERM ends docker's exec quietly with status 0, the process left running. Watched
  // before any output can reach the user, who may answer it with Ctrl-C at once.
  let interrupted = false;
  let session: AttachedSession | undefined;
  const stopWatching = watchTermination(ctx.stderr, () => {
    interrupted = true;
    session?.close();
  });
  let stopResizing = () => {};
  try {
    const conn = await client.exec.start(id, { tty }).catch((err: unknown) => Promise.reject(upgradeFailure(err)));
    session = await streamAttached(conn, {
      stdout: ctx.stdout,
      stderr: tty ? ctx.stdout : ctx.stderr,
      tty,
      ...(attachStdin && { stdin: ctx.stdin() }),
      detachKeys: body.DetachKeys,
      env: ctx.env,
    });
    if (interrupted) session.close();
    // docker looks at stdin here, and at stdout for the size.
    if (tty && ctx.stdin().isTTY) stopResizing = monitorTtySize(ctx.stdout, (h, w) => client.exec.resize(id, h, w), { stderr: ctx.stderr });
    if ((await session.done) === 'detached') throw new Error('read escape sequence');
  } finally {
    stopResizing();
    stopWatching();
  }
  if (interrupted) return 0;
  try {
    return (await client.exec.inspect(id)).ExitCode ?? 0;
  } catch (err) {
    // docker's -1 when the daemon went away meanwhile.
    if (err instanceof ConnectionError) throw new StatusError(255);
    throw err;
  }
}

async function runAttach(ctx: CommandContext, flags: ParsedFlags, args: string[]): Promise<number> {
  const name = args[0]!;
  const client = ctx.client();
  const api = client.containers;
  // Posted first, as docker does: an exit while attaching is not missed.
  const waiter = api.wait(name);
  const c = await attachableContainer(ctx, name);
  const tty = c.Config.Tty;
  if (tty && !flags.bool('no-stdin')) checkTty(true, true, ctx.stdin().isTTY === true);
  const detachKeys = chosenDetachKeys(flags.string('detach-keys'), ctx.env);
  const withStdin = !flags.bool('no-stdin') && c.Config.OpenStdin;
  const sigProxy = !flags.changed('sig-proxy') || flags.bool('sig-proxy');
  const forwarding = sigProxy && !tty ? forwardSignals(client, name) : noForwarding;
  // docker's attach keeps waiting for the container after a signal; only the third ends it.
  const stopWatching = watchTermination(ctx.stderr);
  let stopResizing = () => {};
  try {
    const conn = await api
      .attach(name, { stdin: withStdin, stdout: true, stderr: true, ...(detachKeys && { detachKeys }) })
      .catch((err: unknown) => Promise.reject(upgradeFailure(err)));
    try {
      // It may have stopped between the first look and the attach, which would then never end.
      await attachableContainer(ctx, name);
    } catch (err) {
      conn.socket.destroy();
      throw err;
    }
    const session = await streamAttached(conn, {
      stdout: ctx.stdout,
      stderr: ctx.stderr,
      tty,
      ...(withStdin && { stdin: ctx.stdin() }),
      detachKeys,
      env: ctx.env,
    });
    if (tty && ctx.stdout.isTTY) stopResizing = monitorTtySize(ctx.stdout, (h, w) => api.resize(name, h, w), { stderr: ctx.stderr, nudge: true });
    if ((await session.done) === 'detached') throw new Error('read escape sequence');
  } finally {
    stopResizing();
    stopWatching();
    forwarding.stop();
  }
  const status = await waiter.result;
  if (status.Error?.Message) throw new Error(status.Error.Message);
  return status.StatusCode;
}

/** The container, when it can be attached to; docker's refusals otherwise. */
async function attachableContainer(ctx: CommandContext, name: string): Promise<ContainerInspect> {
  const { value: c } = await ctx.client().containers.inspect(name);
  if (!c.State.Running) throw new Error('You cannot attach to a stopped container, start it first');
  if (c.State.Paused) throw new Error('You cannot attach to a paused container, unpause it first');
  if (c.State.Restarting) throw new Error('You cannot attach to a restarting container, wait until it is running');
  return c;
}


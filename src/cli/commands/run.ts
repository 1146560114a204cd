import type { JsonMessage } from '../../api/types/index.js';
import { compareApiVersions, jsonLines, type Client } from '../../client/index.js';
import { isKind } from '../../common/errors.js';
import { forwardSignals, noForwarding, streamAttached, upgradeFailure, watchTermination } from '../attach.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { containerFlags, planContainer, type ContainerPlan } from '../container-options.js';
import { chosenDetachKeys } from '../detach-keys.js';
import type { FlagSpec, ParsedFlags } from '../flags.js';
import { programName } from '../program.js';
import { StatusError, errorText } from '../status.js';
import { checkTty, consoleSize, monitorTtySize } from '../terminal.js';

/**
 * `berth run` and `berth create`. `run` does on the wire what CLI 28 does (api-contract.md 1.1):
 * create; then, attached, a wait (next-exit, or removed with --rm) and the hijacked attach, both
 * accepted before start; the exit status is the container's. Failures of the engine exit 125, a
 * command that cannot be invoked 126 and one that is not found 127.
 */

const runFlags: FlagSpec[] = [
  ...containerFlags,
  { name: 'detach', short: 'd', kind: 'bool', help: 'Run container in background and print container ID' },
  { name: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container' },
  { name: 'sig-proxy', kind: 'bool', help: 'Proxy received signals to the process', defaultText: 'true' },
];

export const run: CommandSpec = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  args: { min: 1 },
  interspersed: false,
  flags: runFlags,
  run: runContainer,
};

export const create: CommandSpec = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  args: { min: 1 },
  interspersed: false,
  flags: containerFlags,
  async run(ctx, flags, args) {
    const plan = await planFor(ctx, flags, args, 'create');
    const id = await createContainer(ctx, plan);
    ctx.stdout.write(`${id}\n`);
  },
};

/** docker's reportError: `berth: <message>` and a pointer to --help, with the given status. */
function withHelp(command: string, err: unknown, code: number): StatusError {
  return new StatusError(code, `${programName}: ${errorText(err)}\n\nRun '${programName} ${command} --help' for more information`);
}

/** What `run` exits with when the engine fails: 127 not found, 126 cannot execute, else 125. */
function runFailure(err: unknown): StatusError {
  const text = errorText(err);
  if (/executable file not found|no such file or directory|system cannot find the file specified/.test(text)) return withHelp('run', err, 127);
  if (/permission denied|is a directory/.test(text)) return withHelp('run', err, 126);
  return withHelp('run', err, 125);
}

async function planFor(ctx: CommandContext, flags: ParsedFlags, args: string[], command: string): Promise<ContainerPlan> {
  let plan: ContainerPlan;
  try {
    plan = await planContainer(flags, args, ctx.env);
  } catch (err) {
    throw withHelp(command, err, 125);
  }
  if (flags.changed('health-start-interval')) {
    // The docker CLI checks the flag's API version (1.44) against the daemon's before anything else.
    const version = await ctx.client().apiVersion();
    if (compareApiVersions(version, '1.44') < 0) {
      throw new StatusError(1, `"--health-start-interval" requires API version 1.44, but the Docker daemon API version is ${version}`);
    }
  }
  plan.request.Tty = flags.bool('tty');
  // docker sends the terminal's size with every create, -t or not.
  if (plan.request.HostConfig) plan.request.HostConfig.ConsoleSize = consoleSize(ctx.stdout);
  return plan;
}

async function runContainer(ctx: CommandContext, flags: ParsedFlags, args: string[]): Promise<number> {
  const plan = await planFor(ctx, flags, args, 'run');
  const tty = plan.request.Tty === true;
  const detach = flags.bool('detach');
  if (detach) {
    if (plan.attachGiven) throw new StatusError(1, 'conflicting options: cannot specify both --attach and --detach');
    Object.assign(plan.request, { AttachStdin: false, AttachStdout: false, AttachStderr: false, StdinOnce: false });
    plan.attach = { stdin: false, stdout: false, stderr: false };
  } else if (tty && plan.attach.stdin) {
    checkTty(true, true, ctx.stdin().isTTY === true);
  }
  const client = ctx.client();
  const api = client.containers;
  let id: string;
  try {
    id = await createContainer(ctx, plan);
  } catch (err) {
    throw runFailure(err);
  }
  // docker 28 proxies signals with a TTY too; a raw terminal sends Ctrl-C as a byte anyway.
  const sigProxy = !flags.changed('sig-proxy') || flags.bool('sig-proxy');
  const forwarding = sigProxy ? forwardSignals(client, id) : noForwarding;
  // run's own work is not cancelled by a signal in docker; only the third one ends it.
  const stopWatching = watchTermination(ctx.stderr);
  let stopResizing = () => {};
  try {
    const attached = plan.attach.stdin || plan.attach.stdout || plan.attach.stderr;
    if (!attached) ctx.stdout.write(`${id}\n`);
    // The wait goes first so that it takes the connection create used, as docker's does; attach
    // then gets a connection of its own and start a third.
    const waiter = api.wait(id, plan.autoRemove ? 'removed' : 'next-exit');
    if (!attached) {
      try {
        await api.start(id);
      } catch (err) {
        throw runFailure(err);
      } finally {
        waiter.cancel();
      }
      return 0;
    }
    const detachKeys = chosenDetachKeys(flags.string('detach-keys'), ctx.env);
    const [conn] = await Promise.all([
      api
        .attach(id, { stdin: plan.attach.stdin, stdout: plan.attach.stdout, stderr: plan.attach.stderr, ...(detachKeys && { detachKeys }) })
        .catch((err: unknown) => Promise.reject(upgradeFailure(err))),
      waiter.accepted,
    ]);
    const session = await streamAttached(conn, {
      stdout: ctx.stdout,
      // With a TTY there is one stream; docker sends what comes as stderr to stdout too.
      stderr: tty ? ctx.stdout : ctx.stderr,
      tty,
      ...(plan.attach.stdin && { stdin: ctx.stdin() }),
      detachKeys,
      output: plan.attach.stdout || plan.attach.stderr,
      env: ctx.env,
    });
    try {
      await api.start(id);
    } catch (err) {
      session.close();
      await session.done.catch(() => undefined);
      if (plan.autoRemove) await waiter.result.catch(() => undefined);
      throw runFailure(err);
    }
    if (tty && ctx.stdout.isTTY) stopResizing = monitorTtySize(ctx.stdout, (h, w) => api.resize(id, h, w), { stderr: ctx.stderr });
    // The user's detach keys leave the container running; docker then exits 0 without a word.
    if ((await session.done) === 'detached') return 0;
    const status = await waiter.result.catch((err: unknown) => {
      ctx.stderr.write(`error waiting for container: ${errorText(err)}\n`);
      return undefined;
    });
    if (!status) return 125;
    if (status.Error?.Message) {
      ctx.stderr.write(`Error waiting for container: ${status.Error.Message}\n`);
      return 125;
    }
    return status.StatusCode;
  } finally {
    stopResizing();
    stopWatching();
    forwarding.stop();
  }
}

/**
 * Creates the container. A missing image is pulled first, as docker does; berthd cannot pull yet, so
 * this shows `Unable to find image …` and the daemon's answer to the pull.
 */
async function createContainer(ctx: CommandContext, plan: ContainerPlan): Promise<string> {
  const client = ctx.client();
  // docker refuses a malformed name before sending anything. The reference parser is only loaded
  // for names that are not plainly valid (it drags node:crypto in, a cost on every `run`).
  const plain = isIdLike(plan.image) || plainName.test(plan.image);
  if (!plain) await pullReference(plan.image);
  let created;
  try {
    created = await client.containers.create(plan.request, plan.name);
  } catch (err) {
    if (!isKind(err, 'not-found') || isIdLike(plan.image)) throw err;
    const ref = (await pullReference(plan.image))!;
    ctx.stderr.write(`Unable to find image '${ref.familiar}' locally\n`);
    await pullImage(ctx, client, ref.name, ref.tag);
    created = await client.containers.create(plan.request, plan.name);
  }
  for (const w of created.Warnings ?? []) ctx.stderr.write(`WARNING: ${w}\n`);
  return created.Id;
}

/** A Docker Hub official image name with an optional tag (`busybox`, `alpine:3.19`): always valid. */
const plainName = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::\w[\w.-]{0,127})?$/;

/** An image ID, which names nothing that could be pulled. */
function isIdLike(image: string): boolean {
  return /^(sha256:)?[a-f0-9]{64}$/.test(image);
}

/** What to pull for `image`; throws docker's "invalid reference format" for a malformed name. */
async function pullReference(image: string): Promise<{ name: string; tag: string; familiar: string } | undefined> {
  if (isIdLike(image)) return undefined;
  const { familiarString, fullName, parseReference } = await import('../../oci/reference.js');
  const ref = parseReference(image);
  return { name: fullName(ref), tag: ref.digest ?? ref.tag ?? 'latest', familiar: familiarString(ref) };
}

async function pullImage(ctx: CommandContext, client: Client, name: string, tag: string): Promise<void> {
  const res = await client.images.pull(name, tag);
  const { MessagePrinter } = await import('../format/messages.js');
  const printer = new MessagePrinter((s) => ctx.stderr.write(s), ctx.stderr.isTTY, ctx.stderr.columns);
  for await (const { value } of jsonLines<JsonMessage>(res)) printer.print(value);
}

import { Client, defaultHost, parseDaemonAddress } from '../client/index.js';
import type { CommandContext, Output } from './command.js';
import { FlagError, HelpRequested, parseFlags, flagHelp, type FlagSpec } from './flags.js';
import { programName, programVersion, userAgent } from './program.js';
import { aliasesOf, commandInfo, commonCommands, groups, otherCommands, topLevelCommand, type CommandId } from './registry.js';
import { StatusError, errorText } from './status.js';
import { argCountErrorText, commandHelp, commandList, flagErrorText } from './usage.js';

/** The standard streams and environment a CLI run works with (tests substitute their own). */
export interface CliIo {
  stdout: Output;
  stderr: Output;
  stdin(): NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
}

const globalFlags: FlagSpec[] = [
  { name: 'host', short: 'H', kind: 'list', help: 'Daemon socket to connect to' },
  { name: 'debug', short: 'D', kind: 'bool', help: 'Enable debug mode' },
  { name: 'log-level', short: 'l', kind: 'string', help: 'Set the logging level ("debug", "info", "warn", "error", "fatal")', defaultText: '"info"' },
  { name: 'version', short: 'v', kind: 'bool', help: 'Print version information and quit' },
];

const rootUsage = '[OPTIONS] COMMAND';

/** Entry point of bin/berth.js: runs the command line and exits with its status. */
export async function main(argv: string[]): Promise<void> {
  const io = processIo();
  const code = await runCli(argv, io);
  // Writes to pipes and files are synchronous on Linux, so nothing is lost by exiting here; exiting
  // also ends what a command may leave behind on purpose, such as the abandoned wait of `run -d`.
  process.exit(code);
}

/** Runs one command line and resolves with the exit status. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let global;
  try {
    global = parseFlags(argv, globalFlags, { interspersed: false });
  } catch (err) {
    if (err instanceof HelpRequested) {
      io.stdout.write(rootHelp());
      return 0;
    }
    if (err instanceof FlagError) {
      io.stderr.write(`${err.message}\n\nUsage:  ${programName} ${rootUsage} [ARG...]\n\nRun '${programName} --help' for more information\n`);
      return 125;
    }
    throw err;
  }
  if (global.flags.bool('version')) {
    io.stdout.write(`${programName} version ${programVersion}\n`);
    return 0;
  }
  const [first, ...rest] = global.args;
  if (first === undefined || first === 'help') {
    io.stdout.write(rootHelp());
    return 0;
  }

  let id: CommandId | undefined = topLevelCommand(first);
  let words = [first];
  let commandArgs = rest;
  const group = groups[first];
  if (!id && group) {
    const [sub, ...subArgs] = rest;
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      io.stdout.write(groupHelp(first));
      return 0;
    }
    id = group.commands[sub];
    if (!id) {
      io.stderr.write(
        `${programName}: unknown command: ${programName} ${first} ${sub}\n\nUsage:  ${programName} ${first}\n\nRun '${programName} ${first} --help' for more information\n`,
      );
      return 1;
    }
    words = [first, sub];
    commandArgs = subArgs;
  }
  if (!id) {
    io.stderr.write(`${programName}: unknown command: ${programName} ${first}\n\nRun '${programName} --help' for more information\n`);
    return 1;
  }

  const info = commandInfo(id);
  const spec = await info.load();
  const path = `${programName} ${words.join(' ')}`;
  let parsed;
  try {
    parsed = parseFlags(commandArgs, spec.flags, { interspersed: spec.interspersed ?? true });
  } catch (err) {
    if (err instanceof HelpRequested) {
      io.stdout.write(commandHelp(path, spec, info.summary, aliasesOf(id)));
      return 0;
    }
    if (err instanceof FlagError) {
      io.stderr.write(flagErrorText(path, spec, err.message));
      return 125;
    }
    throw err;
  }
  const countError = argCountErrorText(path, spec, parsed.args.length);
  if (countError) {
    io.stderr.write(countError);
    return 1;
  }

  const hosts = global.flags.list('host');
  const ctx = new Context(io, path, hosts[hosts.length - 1]);
  try {
    return (await spec.run(ctx, parsed.flags, parsed.args)) ?? 0;
  } catch (err) {
    return report(io, err);
  } finally {
    ctx.close();
  }
}

function report(io: CliIo, err: unknown): number {
  if (err instanceof StatusError) {
    if (err.message) io.stderr.write(`${err.message}\n`);
    return err.code;
  }
  io.stderr.write(`${errorText(err)}\n`);
  return 1;
}

class Context implements CommandContext {
  private api?: Client;

  constructor(
    private readonly io: CliIo,
    readonly path: string,
    private readonly hostFlag: string | undefined,
  ) {}

  get env() {
    return this.io.env;
  }

  get stdout() {
    return this.io.stdout;
  }

  get stderr() {
    return this.io.stderr;
  }

  stdin(): NodeJS.ReadStream {
    return this.io.stdin();
  }

  /** The daemon: `-H`, else BERTH_HOST, else DOCKER_HOST, else berthd's socket. */
  client(): Client {
    if (!this.api) {
      const host = this.hostFlag || this.io.env['BERTH_HOST'] || this.io.env['DOCKER_HOST'] || defaultHost;
      this.api = new Client({ address: parseDaemonAddress(host), userAgent });
    }
    return this.api;
  }

  close(): void {
    this.api?.close();
  }
}

function processIo(): CliIo {
  const wrap = (stream: NodeJS.WriteStream): Output => {
    // A reader that went away (`berth logs x | head -1`) ends the command quietly, as SIGPIPE would.
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
    });
    return {
      write: (data) => {
        stream.write(data);
      },
      get isTTY() {
        return stream.isTTY === true;
      },
      get columns() {
        return stream.columns || 80;
      },
      stream,
    };
  };
  return { stdout: wrap(process.stdout), stderr: wrap(process.stderr), stdin: () => process.stdin, env: process.env };
}

function rootHelp(): string {
  const list = (table: Record<string, CommandId>) => commandList(Object.entries(table).map(([name, id]) => [name, commandInfo(id).summary]));
  return [
    `Usage:  ${programName} ${rootUsage}`,
    '',
    'A container engine that speaks the Docker Engine API',
    '',
    'Common Commands:',
    ...list(commonCommands),
    '',
    'Management Commands:',
    ...commandList(Object.entries(groups).map(([name, g]) => [name, g.summary])),
    '',
    'Commands:',
    ...list(otherCommands),
    '',
    'Global Options:',
    ...flagHelp(globalFlags),
    '',
    `Run '${programName} COMMAND --help' for more information on a command.`,
    '',
  ].join('\n');
}

function groupHelp(name: string): string {
  const g = groups[name]!;
  const seen = new Set<CommandId>();
  const rows: Array<[string, string]> = [];
  for (const [sub, id] of Object.entries(g.commands)) {
    if (seen.has(id)) continue;
    seen.add(id);
    rows.push([sub, commandInfo(id).summary]);
  }
  rows.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return [
    `Usage:  ${programName} ${name} COMMAND`,
    '',
    g.summary,
    '',
    'Commands:',
    ...commandList(rows),
    '',
    `Run '${programName} ${name} COMMAND --help' for more information on a command.`,
    '',
  ].join('\n');
}

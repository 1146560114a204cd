import type { Client } from '../client/index.js';
import type { FlagSpec, ParsedFlags } from './flags.js';

/** A terminal or pipe the command writes to. */
export interface Output {
  write(data: string | Uint8Array): void;
  readonly isTTY: boolean;
  /** Terminal width (80 when unknown). */
  readonly columns: number;
  readonly stream: NodeJS.WritableStream;
}

/** Everything a command may use: the daemon (through the client only), the standard streams, the environment. */
export interface CommandContext {
  /** How the command was invoked, for messages: `berth ps`, `berth container ls`. */
  readonly path: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: Output;
  readonly stderr: Output;
  /** Standard input, opened on first use (an open stdin keeps the process alive). */
  stdin(): NodeJS.ReadStream;
  /** The API client, created on first use; it negotiates the API version on its first call. */
  client(): Client;
}

/** How many arguments a command takes. */
export interface ArgCount {
  min?: number;
  max?: number;
}

/** One command: its flags, how it is used, and what it does (its summary lives in registry.ts). */
export interface CommandSpec {
  /** What follows the command name in the usage line: `[OPTIONS] CONTAINER [CONTAINER...]`. */
  usage: string;
  args: ArgCount;
  /** false: flags stop at the first argument (run, create). */
  interspersed?: boolean;
  flags: FlagSpec[];
  /** Resolves to the exit status (0 when nothing is returned). */
  run(ctx: CommandContext, flags: ParsedFlags, args: string[]): Promise<number | void>;
}

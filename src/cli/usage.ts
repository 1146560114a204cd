import type { ArgCount, CommandSpec } from './command.js';
import { flagHelp } from './flags.js';
import { programName } from './program.js';

/**
 * Help screens and usage errors, worded as the docker CLI words them (with `berth` for `docker`):
 * a flag mistake shows the usage line and exits 125, a wrong argument count says so and exits 1.
 */

/** `--help` for a command. */
export function commandHelp(path: string, spec: CommandSpec, summary: string, aliases: readonly string[]): string {
  const parts = [`Usage:  ${path} ${spec.usage}`.trimEnd(), '', summary];
  if (aliases.length > 1) parts.push('', 'Aliases:', `  ${aliases.map((a) => `${programName} ${a}`).join(', ')}`);
  const flags = flagHelp(spec.flags);
  if (flags.length) parts.push('', 'Options:', ...flags);
  return parts.join('\n') + '\n';
}

/** A flag that does not exist, lacks its value or has a bad one. */
export function flagErrorText(path: string, spec: CommandSpec, message: string): string {
  return `${message}\n\nUsage:  ${path} ${spec.usage}\n\nRun '${path} --help' for more information\n`;
}

/** The complaint about the number of arguments, or undefined when the count is right. */
export function argCountErrorText(path: string, spec: CommandSpec, count: number): string | undefined {
  const problem = argCountProblem(spec.args, count);
  if (!problem) return undefined;
  // docker points to --help with "See" for a missing minimum and "Run" for everything else.
  const verb = problem.startsWith('requires at least') && spec.args.max === undefined ? 'See' : 'Run';
  return `${programName}: '${path}' ${problem}\n\nUsage:  ${path} ${spec.usage}\n\n${verb} '${path} --help' for more information\n`;
}

function argCountProblem({ min, max }: ArgCount, n: number): string | undefined {
  const args = (k: number) => `${k} argument${k === 1 ? '' : 's'}`;
  if (min === 0 && max === 0) return n > 0 ? 'accepts no arguments' : undefined;
  if (min !== undefined && min === max) return n !== min ? `requires ${args(min)}` : undefined;
  if (min !== undefined && max !== undefined) {
    return n < min || n > max ? `requires at least ${min} and at most ${args(max)}` : undefined;
  }
  if (min !== undefined && n < min) return `requires at least ${args(min)}`;
  if (max !== undefined && n > max) return `requires at most ${args(max)}`;
  return undefined;
}

/** A command table for help screens: `  name        summary`. */
export function commandList(entries: Array<[string, string]>): string[] {
  return entries.map(([name, summary]) => `  ${name.padEnd(11)} ${summary}`);
}

import type { Filters } from '../client/index.js';
import type { FlagSpec, ParsedFlags } from './flags.js';

/**
 * `--filter name=value`, repeatable. The name is lowercased and both sides trimmed, as docker does;
 * which names exist is the daemon's business ("invalid filter 'x'").
 */
/** The flag as docker declares it; `short` is null where -f means --force (the prune commands). */
export function filterFlag(help = 'Filter output based on conditions provided', short: string | null = 'f'): FlagSpec {
  return {
    name: 'filter',
    ...(short && { short }),
    kind: 'list',
    valueName: 'filter',
    help,
    parse: (raw: string): [string, string] | null => {
      if (raw === '') return null;
      const eq = raw.indexOf('=');
      if (eq < 0) throw new Error('bad format of filter (expected name=value)');
      return [raw.slice(0, eq).trim().toLowerCase(), raw.slice(eq + 1).trim()];
    },
  };
}

/** The `--filter` values as the client sends them, plus any the command adds itself. */
export function collectFilters(flags: ParsedFlags, extra: Array<[string, string]> = []): Filters {
  const out: Record<string, string[]> = {};
  const given = flags.value<Array<[string, string] | null>>('filter') ?? [];
  for (const [name, value] of [...given.filter((f) => f !== null), ...extra]) {
    const values = (out[name] ??= []);
    if (!values.includes(value)) values.push(value);
  }
  return out;
}

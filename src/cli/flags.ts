/**
 * Command-line flags with the semantics of spf13/pflag, which the docker CLI is built on, so that
 * berth accepts what docker accepts and fails with the same words: `--name=x` and `--name x`,
 * `-dit` clusters, `-e=A=1`, `--rm=false`, `--` as the end of flags, and (for `run`/`create`)
 * flags only before the first argument, so `berth run busybox ls -l` passes `-l` to `ls`.
 */

export type FlagKind = 'bool' | 'string' | 'int' | 'list' | 'value';

export interface FlagSpec {
  /** Long name, without dashes. */
  name: string;
  short?: string;
  kind: FlagKind;
  help: string;
  /** The placeholder in help (`string`, `int`, `list`, `filter`, `bytes`, `decimal` …). */
  valueName?: string;
  /** Shown as "(default …)" in help. */
  defaultText?: string;
  /** Other long names accepted for the same flag (docker's deprecated spellings). */
  aliases?: string[];
  /** Converts the text (of a 'value' or 'list' flag), throwing an Error whose message docker would print. */
  parse?: (raw: string) => unknown;
  hidden?: boolean;
}

/** A usage mistake: printed with the command's usage line, exit status 125 as in docker. */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

/** `--help` or `-h` (when `-h` means nothing else for the command). */
export class HelpRequested extends Error {
  constructor() {
    super('help requested');
    this.name = 'HelpRequested';
  }
}

/** The flags a command was given, read by name. */
export class ParsedFlags {
  private readonly values = new Map<string, unknown>();
  private readonly set = new Set<string>();

  /** Whether the user gave the flag (docker's flags.Changed). */
  changed(name: string): boolean {
    return this.set.has(name);
  }

  bool(name: string): boolean {
    return this.values.get(name) === true;
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  int(name: string): number | undefined {
    const v = this.values.get(name);
    return typeof v === 'number' ? v : undefined;
  }

  list(name: string): string[] {
    const v = this.values.get(name);
    return Array.isArray(v) ? (v as string[]) : [];
  }

  value<T>(name: string): T | undefined {
    return this.values.get(name) as T | undefined;
  }

  /** @internal used by the parser */
  assign(spec: FlagSpec, value: unknown): void {
    this.set.add(spec.name);
    if (spec.kind === 'list') {
      const prev = this.values.get(spec.name);
      this.values.set(spec.name, [...(Array.isArray(prev) ? (prev as string[]) : []), value]);
    } else {
      this.values.set(spec.name, value);
    }
  }
}

export interface ParseResult {
  flags: ParsedFlags;
  args: string[];
}

export interface ParseOptions {
  /** false: the first argument ends the flags (docker's SetInterspersed(false), for run/create). */
  interspersed?: boolean;
}

/** Parses `argv` against `specs`; throws FlagError or HelpRequested. */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], opts: ParseOptions = {}): ParseResult {
  const interspersed = opts.interspersed ?? true;
  const byLong = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const s of specs) {
    byLong.set(s.name, s);
    for (const a of s.aliases ?? []) byLong.set(a, s);
    if (s.short) byShort.set(s.short, s);
  }
  const flags = new ParsedFlags();
  const args: string[] = [];
  let i = 0;
  const next = (): string | undefined => (i < argv.length ? argv[i++] : undefined);

  while (i < argv.length) {
    const a = argv[i++]!;
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      args.push(a);
      if (!interspersed) {
        args.push(...argv.slice(i));
        break;
      }
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const spec = byLong.get(name);
      if (!spec) {
        if (name === 'help') throw new HelpRequested();
        throw new FlagError(`unknown flag: --${name}`);
      }
      let raw: string | undefined;
      if (eq >= 0) raw = a.slice(eq + 1);
      else if (spec.kind === 'bool') raw = 'true';
      else {
        raw = next();
        if (raw === undefined) throw new FlagError(`flag needs an argument: --${name}`);
      }
      flags.assign(spec, convert(spec, raw));
      continue;
    }
    // A cluster of shorthands: -a, -abc, -n5, -e=A=1
    let cluster = a.slice(1);
    while (cluster.length > 0) {
      const c = cluster[0]!;
      const spec = byShort.get(c);
      if (!spec) {
        if (c === 'h') throw new HelpRequested();
        throw new FlagError(`unknown shorthand flag: '${c}' in -${cluster}`);
      }
      let raw: string;
      if (cluster.length > 2 && cluster[1] === '=') {
        raw = cluster.slice(2);
        cluster = '';
      } else if (spec.kind === 'bool') {
        raw = 'true';
        cluster = cluster.slice(1);
      } else if (cluster.length > 1) {
        raw = cluster.slice(1);
        cluster = '';
      } else {
        const v = next();
        if (v === undefined) throw new FlagError(`flag needs an argument: '${c}' in -${cluster}`);
        raw = v;
        cluster = '';
      }
      flags.assign(spec, convert(spec, raw));
    }
  }
  return { flags, args };
}

function convert(spec: FlagSpec, raw: string): unknown {
  try {
    switch (spec.kind) {
      case 'bool':
        return parseBool(raw);
      case 'int':
        return parseInt64(raw);
      default:
        return spec.parse ? spec.parse(raw) : raw;
    }
  } catch (err) {
    const names = spec.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
    throw new FlagError(`invalid argument ${JSON.stringify(raw)} for ${JSON.stringify(names)} flag: ${(err as Error).message}`);
  }
}

/** Go's strconv.ParseBool. */
export function parseBool(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new Error(`strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
}

/** Go's strconv.ParseInt(s, 0, 64): decimal, or 0x/0o/0b prefixed; underscores are not accepted. */
export function parseInt64(s: string): number {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  const body = m[2]!;
  let n: bigint;
  if (/^0[0-7]+$/.test(body)) n = BigInt('0o' + body.slice(1));
  else n = BigInt(body);
  if (m[1] === '-') n = -n;
  if (n > 9223372036854775807n || n < -9223372036854775808n) {
    throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
  }
  return Number(n);
}

/** Help lines for the flags, aligned like docker's (`  -a, --all   Show all …`). */
export function flagHelp(specs: readonly FlagSpec[]): string[] {
  const visible = specs.filter((s) => !s.hidden).sort((a, b) => (a.name < b.name ? -1 : 1));
  const left = visible.map((s) => {
    const value = s.kind === 'bool' ? '' : ` ${s.valueName ?? (s.kind === 'int' ? 'int' : s.kind === 'list' ? 'list' : 'string')}`;
    return `${s.short ? `-${s.short}, ` : '    '}--${s.name}${value}`;
  });
  const width = Math.max(0, ...left.map((l) => l.length));
  return visible.map((s, i) => {
    const def = s.defaultText !== undefined ? ` (default ${s.defaultText})` : '';
    return `  ${left[i]!.padEnd(width)}   ${s.help}${def}`;
  });
}

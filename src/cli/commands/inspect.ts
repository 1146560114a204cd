import type { Client } from '../../client/index.js';
import { kindOf } from '../../common/errors.js';
import type { CommandContext, CommandSpec } from '../command.js';
import type { FlagSpec } from '../flags.js';
import { indentJson } from '../format/json.js';
import { Template, TemplateError } from '../format/template.js';
import { StatusError, errorText } from '../status.js';

/**
 * `berth inspect`, `container inspect`, `image inspect`. Without -f the daemon's JSON is printed as a
 * 4-space indented array, re-indented from its text like docker's json.Indent (so 64-bit numbers and
 * key order survive); with -f each object goes through the template.
 */

type Lookup = (client: Client, name: string) => Promise<{ value: unknown; raw: string }>;

const lookups: Record<string, Lookup> = {
  container: (c, n) => c.containers.inspect(n),
  image: (c, n) => c.images.inspect(n),
  network: (c, n) => c.networks.inspect(n),
  volume: (c, n) => c.volumes.inspect(n),
};

const formatFlag: FlagSpec = {
  name: 'format',
  short: 'f',
  kind: 'string',
  help: "Format output using a custom template: 'json' or a Go template ({{.Field.Path}} and {{json .Field}} so far)",
};

export const inspect: CommandSpec = {
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  args: { min: 1 },
  flags: [
    formatFlag,
    { name: 'size', short: 's', kind: 'bool', help: 'Display total file sizes if the type is container' },
    { name: 'type', kind: 'string', help: 'Only inspect objects of the given type' },
  ],
  async run(ctx, flags, args) {
    const type = flags.string('type');
    if (type && !(type in lookups)) throw new StatusError(1, `"${type}" is not a valid value for --type`);
    const size = flags.bool('size');
    const order = type ? [type] : Object.keys(lookups);
    await inspectAll(ctx, flags.string('format'), args, async (client, name) => {
      for (const kind of order) {
        try {
          return kind === 'container' ? await client.containers.inspect(name, { size }) : await lookups[kind]!(client, name);
        } catch (err) {
          // Without --type, "not this kind of object" means: try the next kind.
          if (type || !skippable(err)) throw err;
        }
      }
      throw new Error(`Error: No such object: ${name}`);
    });
  },
};

export const containerInspect: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  args: { min: 1 },
  flags: [formatFlag, { name: 'size', short: 's', kind: 'bool', help: 'Display total file sizes' }],
  async run(ctx, flags, args) {
    const size = flags.bool('size');
    await inspectAll(ctx, flags.string('format'), args, (client, name) => client.containers.inspect(name, { size }));
  },
};

export const imageInspect: CommandSpec = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  args: { min: 1 },
  flags: [formatFlag],
  async run(ctx, flags, args) {
    await inspectAll(ctx, flags.string('format'), args, (client, name) => client.images.inspect(name));
  },
};

function skippable(err: unknown): boolean {
  const kind = kindOf(err);
  return kind === 'not-found' || kind === 'not-implemented' || kind === 'invalid-argument';
}

async function inspectAll(ctx: CommandContext, format: string | undefined, names: string[], lookup: Lookup): Promise<void> {
  let template: Template | undefined;
  if (format) {
    try {
      template = Template.parse(format === 'json' ? '{{json .}}' : format);
    } catch (err) {
      throw new StatusError(64, (err as Error).message);
    }
  }
  const client = ctx.client();
  const raws: string[] = [];
  const lines: string[] = [];
  const errors: string[] = [];
  for (const name of names) {
    try {
      const { value, raw } = await lookup(client, name);
      if (template) lines.push(`${template.execute(value)}\n`);
      else raws.push(raw.trim());
    } catch (err) {
      if (err instanceof TemplateError) throw new StatusError(1, err.message);
      errors.push(errorText(err));
    }
  }
  // Like docker: an empty array without a template, an empty line with one.
  if (template) ctx.stdout.write(lines.length ? lines.join('') : '\n');
  else ctx.stdout.write(raws.length ? `${indentJson(`[${raws.join(',')}]`)}\n` : '[]\n');
  if (errors.length) throw new StatusError(1, errors.join('\n'));
}

import type { Client } from '../../client/index.js';
import { kindOf } from '../../common/errors.js';
import type { CommandContext, CommandSpec } from '../command.js';
import type { FlagSpec } from '../flags.js';
import { indentJson } from '../format/json.js';
import { StatusError, errorText } from '../status.js';

/**
 * `berth inspect`, `container inspect`, `image inspect`. Without -f the daemon's JSON is printed as a
 * 4-space indented array, re-indented from its text like docker's json.Indent (so 64-bit numbers and
 * key order survive); with -f each object goes through the template.
 */

/** What a lookup found: the object, its JSON as sent, and the Go type docker decodes it into. */
type Found = { value: unknown; raw: string; goType?: string };
type Lookup = (client: Client, name: string) => Promise<Found>;

const lookups: Record<string, Lookup> = {
  container: async (c, n) => ({ ...(await c.containers.inspect(n)), goType: 'container.InspectResponse' }),
  image: async (c, n) => ({ ...(await c.images.inspect(n)), goType: 'image.InspectResponse' }),
  network: (c, n) => c.networks.inspect(n),
  volume: (c, n) => c.volumes.inspect(n),
};

const formatFlag: FlagSpec = {
  name: 'format',
  short: 'f',
  kind: 'string',
  help: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.",
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
          return kind === 'container' ? { ...(await client.containers.inspect(name, { size })), goType: 'container.InspectResponse' } : await lookups[kind]!(client, name);
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
    await inspectAll(ctx, flags.string('format'), args, async (client, name) => ({ ...(await client.containers.inspect(name, { size })), goType: 'container.InspectResponse' }));
  },
};

export const imageInspect: CommandSpec = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  args: { min: 1 },
  flags: [formatFlag],
  async run(ctx, flags, args) {
    await inspectAll(ctx, flags.string('format'), args, lookups['image']!);
  },
};

function skippable(err: unknown): boolean {
  const kind = kindOf(err);
  return kind === 'not-found' || kind === 'not-implemented' || kind === 'invalid-argument';
}

async function inspectAll(ctx: CommandContext, format: string | undefined, names: string[], lookup: Lookup): Promise<void> {
  // Without a template (or with `json`), the daemon's JSON as it came.
  if (!format || format === 'json') {
    const client = ctx.client();
    const raws: string[] = [];
    const errors: string[] = [];
    for (const name of names) {
      try {
        raws.push((await lookup(client, name)).raw.trim());
      } catch (err) {
        errors.push(errorText(err));
      }
    }
    if (format === 'json') ctx.stdout.write(`[${raws.join(',')}]\n`);
    else ctx.stdout.write(raws.length ? `${indentJson(`[${raws.join(',')}]`)}\n` : '[]\n');
    if (errors.length) throw new StatusError(1, errors.join('\n'));
    return;
  }
  const t = await import('../template/index.js');
  let template;
  try {
    template = t.Template.parse(format);
  } catch (err) {
    if (err instanceof t.TemplateParseError) throw new StatusError(64, `template parsing error: ${err.message}`);
    throw err;
  }
  const client = ctx.client();
  let out = '';
  const errors: string[] = [];
  for (const name of names) {
    let found: Found;
    try {
      found = await lookup(client, name);
    } catch (err) {
      errors.push(errorText(err));
      continue;
    }
    // docker's TemplateInspector: the template runs on the decoded API struct; if that fails, on
    // the raw JSON (numbers as json.Number) with missingkey=error, whose error is the one shown.
    try {
      if (!found.goType) throw new Error('no typed form');
      out += template.execute(t.decode(found.value, t.dockerType(found.goType))) + '\n';
    } catch {
      try {
        out += template.execute(t.decode(t.parseJsonKeepNumbers(found.raw), t.T.iface, true), { missingKey: 'error' }) + '\n';
      } catch (err) {
        errors.push(`template parsing error: ${(err as Error).message}`);
      }
    }
  }
  ctx.stdout.write(out || '\n');
  if (errors.length) throw new StatusError(1, errors.join('\n'));
}

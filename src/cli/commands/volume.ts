import type { Volume } from '../../api/types/index.js';
import type { CommandContext, CommandSpec } from '../command.js';
import type { GoValue, Template } from '../template/index.js';
import { validateLabel } from '../container-options.js';
import { collectFilters, filterFlag } from '../filters.js';
import { naturalLess } from '../format/natural-sort.js';
import { renderTable } from '../format/tabwriter.js';
import { humanSize } from '../format/units.js';
import { StatusError, errorText } from '../status.js';

/**
 * `volume create`, `ls`, `inspect` and `rm`, as docker CLI 28 does them (captures 38–41 and 65):
 * names are printed as the daemon or the user gave them, and each failure of a multi-volume command
 * is reported after trying the rest. (`volume prune` lives with the other prune commands.)
 */

export const volumeCreate: CommandSpec = {
  usage: '[OPTIONS] [VOLUME]',
  args: { max: 1 },
  flags: [
    { name: 'driver', short: 'd', kind: 'string', help: 'Specify volume driver name', defaultText: '"local"' },
    { name: 'label', kind: 'list', help: 'Set metadata for a volume', parse: validateLabel },
    { name: 'name', kind: 'string', help: 'Specify volume name', hidden: true },
    { name: 'opt', short: 'o', kind: 'list', valueName: 'map', help: 'Set driver specific options', defaultText: 'map[]' },
  ],
  async run(ctx, flags, args) {
    let name = flags.string('name') ?? '';
    if (args[0] !== undefined) {
      if (name !== '') throw new StatusError(1, 'conflicting options: cannot specify a volume-name through both --name and as a positional arg');
      name = args[0];
    }
    const vol = await ctx.client().volumes.create({
      Driver: flags.string('driver') ?? 'local',
      DriverOpts: keyValues(flags.list('opt')),
      Labels: keyValues(flags.list('label')),
      Name: name,
    });
    ctx.stdout.write(`${vol.Name}\n`);
  },
};

/** `k=v` strings as a map: the first `=` splits, no `=` means an empty value, the last of a key wins. */
function keyValues(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    out[eq >= 0 ? item.slice(0, eq) : item] = eq >= 0 ? item.slice(eq + 1) : '';
  }
  return out;
}

export const volumeLs: CommandSpec = {
  usage: '[OPTIONS]',
  args: { min: 0, max: 0 },
  flags: [
    filterFlag('Provide filter values (e.g. "dangling=true")'),
    {
      name: 'format',
      kind: 'string',
      help: "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.",
    },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display volume names' },
  ],
  async run(ctx, flags) {
    const list = await ctx.client().volumes.list(collectFilters(flags));
    // The daemon's warnings are not shown (docker 28 drops them too).
    const volumes = sortByName(list.Volumes ?? []);
    const quiet = flags.bool('quiet');
    const format = flags.string('format') || 'table';
    // A format other than `table` wins over -q, without the warning `ps` gives.
    if (format === 'table') {
      ctx.stdout.write(quiet ? volumes.map((v) => `${v.Name}\n`).join('') : renderTable(['DRIVER', 'VOLUME NAME'], volumes.map((v) => [v.Driver, v.Name])));
      return;
    }
    const template = format === 'raw' ? (quiet ? 'name: {{.Name}}' : 'name: {{.Name}}\\ndriver: {{.Driver}}\\n') : format;
    ctx.stdout.write(await formatVolumes(template, volumes));
  },
};

/** docker sorts the list by name, naturally (`vol2` before `vol10`). */
export function sortByName(volumes: readonly Volume[]): Volume[] {
  return [...volumes].sort((a, b) => (naturalLess(a.Name, b.Name) ? -1 : naturalLess(b.Name, a.Name) ? 1 : 0));
}

export const volumeContextType = {
  name: '*formatter.volumeContext',
  headers: {
    ID: 'ID', Name: 'VOLUME NAME', Group: 'GROUP', Driver: 'DRIVER', Scope: 'SCOPE', Availability: 'AVAILABILITY',
    Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE', Status: 'STATUS',
  },
};

/**
 * `volume ls --format`: docker's volumeContext, one row per volume. Links and Size come from
 * UsageData, which only `system df` fills in; the cluster columns are N/A (berth has no cluster
 * volumes).
 */
export async function formatVolumes(format: string, volumes: readonly Volume[]): Promise<string> {
  const f = await import('../format/formatter.js');
  const parsed = f.parseListFormat(format);
  const rows = volumes.map((v) => {
    const labels = v.Labels ?? {};
    return f.contextValue(
      volumeContextType,
      v,
      {
        Name: () => v.Name,
        Driver: () => v.Driver,
        Scope: () => v.Scope,
        Mountpoint: () => v.Mountpoint,
        // docker joins them in its map's random order; sorted, the output is at least stable.
        Labels: () => Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(','),
        Links: () => (v.UsageData ? String(v.UsageData.RefCount) : 'N/A'),
        Size: () => (v.UsageData ? humanSize(v.UsageData.Size) : 'N/A'),
        Group: () => 'N/A',
        Availability: () => 'N/A',
        Status: () => 'N/A',
      },
      {
        Label: { params: [{ kind: 'string', name: 'string' }], fn: (_row, [name]) => ({ t: { kind: 'string', name: 'string' }, v: labels[name!.v as string] ?? '' }) },
      },
    );
  });
  return f.renderRows(parsed, volumeContextType, rows);
}

// ClusterVolume is a pointer to a struct in Go (`{{.ClusterVolume}}` prints <nil>); its fields never
// matter here, as berth has no cluster volumes.
const volumeGoType = `
type volume.ClusterVolume struct {
}
type volume.UsageData struct {
  RefCount int64
  Size int64
}
type volume.Volume struct {
  ClusterVolume *ClusterVolume \`json:",omitempty"\`
  CreatedAt string \`json:",omitempty"\`
  Driver string
  Labels map[string]string
  Mountpoint string
  Name string
  Options map[string]string
  Scope string
  Status map[string]interface{} \`json:",omitempty"\`
  UsageData *UsageData \`json:",omitempty"\`
}
`;

export const volumeInspect: CommandSpec = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  args: { min: 1 },
  flags: [
    {
      name: 'format',
      short: 'f',
      kind: 'string',
      help: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.",
    },
  ],
  run: (ctx, flags, args) => inspectVolumes(ctx, flags.string('format') ?? '', args),
};

/**
 * docker decodes each answer into its volume.Volume and prints that, not the daemon's text: the JSON
 * is re-encoded in the struct's field order with sorted maps and Go's HTML escaping, and a template
 * runs on the struct (a null Options prints `map[]`), with no fallback to the raw JSON.
 */
async function inspectVolumes(ctx: CommandContext, format: string, names: string[]): Promise<void> {
  const t = await import('../template/index.js');
  let template: Template | undefined;
  if (format !== '' && format !== 'json') {
    try {
      template = t.Template.parse(format);
    } catch (err) {
      if (err instanceof t.TemplateParseError) throw new StatusError(64, `template parsing error: ${err.message}`);
      throw err;
    }
  }
  const volumeType = t.declareTypes(volumeGoType).get('volume.Volume')!;
  const client = ctx.client();
  const errors: string[] = [];
  const found: GoValue[] = [];
  for (const name of names) {
    try {
      found.push(t.decode((await client.volumes.inspect(name)).value, volumeType));
    } catch (err) {
      errors.push(errorText(err));
    }
  }
  if (template) {
    let out = '';
    for (const v of found) {
      try {
        out += template.execute(v) + '\n';
      } catch (err) {
        if (!(err instanceof t.TemplateExecError)) throw err;
        errors.push(`template parsing error: ${err.message}`);
      }
    }
    ctx.stdout.write(out || '\n');
  } else if (found.length === 0) {
    ctx.stdout.write('[]\n');
  } else {
    const json = goEscapeHtml(`[${found.map((v) => t.toJson(v)).join(',')}]`);
    ctx.stdout.write(`${format === 'json' ? json : (await import('../format/json.js')).indentJson(json)}\n`);
  }
  if (errors.length) throw new StatusError(1, errors.join('\n'));
}

/** json.Marshal's escaping of `<`, `>`, `&` and the line separators (the template `json` function skips it). */
function goEscapeHtml(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const volumeRm: CommandSpec = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  args: { min: 1 },
  flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Force the removal of one or more volumes' }],
  async run(ctx, flags, args) {
    const api = ctx.client().volumes;
    const errors: string[] = [];
    for (const name of args) {
      try {
        await api.remove(name, { force: flags.bool('force') });
        ctx.stdout.write(`${name}\n`);
      } catch (err) {
        errors.push(errorText(err));
      }
    }
    if (errors.length) throw new StatusError(1, errors.join('\n'));
  },
};

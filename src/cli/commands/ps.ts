import type { ContainerSummary } from '../../api/types/index.js';
import { parseNormalizedReference, familiarString } from '../../oci/reference.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { collectFilters, filterFlag } from '../filters.js';
import { displayablePorts } from '../format/ports.js';
import { renderTable } from '../format/tabwriter.js';
import { ellipsis, goQuote, shortId } from '../format/text.js';
import { humanAgo, humanSizeWithPrecision } from '../format/units.js';

/** `berth ps` / `berth container ls`: docker's table, column for column. */
export const ps: CommandSpec = {
  usage: '[OPTIONS]',
  args: { min: 0, max: 0 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
    filterFlag(),
    {
      name: 'format',
      kind: 'string',
      help: "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.",
    },
    { name: 'last', short: 'n', kind: 'int', help: 'Show n last created containers (includes all states)', defaultText: '-1' },
    { name: 'latest', short: 'l', kind: 'bool', help: 'Show the latest created container (includes all states)' },
    { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display container IDs' },
    { name: 'size', short: 's', kind: 'bool', help: 'Display total file sizes' },
  ],
  async run(ctx, flags) {
    let limit = flags.int('last') ?? -1;
    if (flags.bool('latest') && limit === -1) limit = 1;
    const quiet = flags.bool('quiet');
    let format = flags.string('format') ?? '';
    if (format && quiet) {
      ctx.stderr.write('WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
      format = '';
    }
    if (format === 'table') format = '';
    if (format) return formatted(ctx, format, flags.changed('size') ? flags.bool('size') : undefined, { all: flags.bool('all'), limit, filters: collectFilters(flags), trunc: !flags.bool('no-trunc') });
    const size = flags.bool('size') && !quiet;
    const containers = await ctx.client().containers.list({
      all: flags.bool('all'),
      limit,
      size,
      filters: collectFilters(flags),
    });
    const trunc = !flags.bool('no-trunc');
    if (quiet) {
      for (const c of containers) ctx.stdout.write(`${trunc ? shortId(c.Id) : c.Id}\n`);
      return;
    }
    const header = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'];
    if (size) header.push('SIZE');
    const now = Date.now();
    const rows = containers.map((c) => {
      const row = [
        trunc ? shortId(c.Id) : c.Id,
        imageColumn(c, trunc),
        goQuote(trunc ? ellipsis(c.Command, 20) : c.Command),
        humanAgo(c.Created, now),
        c.Status,
        displayablePorts(c.Ports ?? []),
        namesColumn(c.Names ?? [], trunc),
      ];
      if (size) row.push(sizeColumn(c));
      return row;
    });
    ctx.stdout.write(renderTable(header, rows));
  },
};

/**
 * The image as the container was created from it; truncated, an image ID is shortened and a
 * reference loses its digest (`busybox@sha256:…` shows as `busybox`).
 */
function imageColumn(c: ContainerSummary, trunc: boolean): string {
  if (!c.Image) return '<no image>';
  if (!trunc) return c.Image;
  if (shortId(c.ImageID ?? '') === shortId(c.Image)) return shortId(c.Image);
  try {
    const ref = parseNormalizedReference(c.Image);
    const { digest: _digest, ...named } = ref;
    return familiarString(named);
  } catch {
    return c.Image;
  }
}

/** Names without their leading slash; truncated, link names (`/web/db`) are left out. */
function namesColumn(names: string[], trunc: boolean): string {
  const stripped = names.map((n) => (n.startsWith('/') ? n.slice(1) : n));
  if (trunc) {
    const plain = stripped.find((n) => !n.includes('/'));
    if (plain !== undefined) return plain;
  }
  return stripped.join(',');
}

function sizeColumn(c: ContainerSummary): string {
  const rw = humanSizeWithPrecision(c.SizeRw ?? 0, 3);
  const rootFs = c.SizeRootFs ?? 0;
  return rootFs > 0 ? `${rw} (virtual ${humanSizeWithPrecision(rootFs, 3)})` : rw;
}

interface ListOptions {
  all: boolean;
  limit: number;
  filters: ReturnType<typeof collectFilters>;
  trunc: boolean;
}

/** `ps --format`: docker's ContainerContext, row by row through the template. */
async function formatted(ctx: CommandContext, format: string, sizeFlag: boolean | undefined, opts: ListOptions): Promise<void> {
  const f = await import('../format/formatter.js');
  // docker runs the format as typed (`json` is then plain text) once on an empty context: a bad
  // field fails before any request, and a template that calls .Size asks the daemon for sizes.
  let usesSize = false;
  f.precheck(f.parseListFormat(format, 'failed to parse template', true), containerContext(f, emptySummary, opts.trunc, () => (usesSize = true)));
  const parsed = f.parseListFormat(format);
  const size = sizeFlag ?? usesSize;
  const containers = await ctx.client().containers.list({ all: opts.all, limit: opts.limit, size, filters: opts.filters });
  const rows = containers.map((c) => containerContext(f, c, opts.trunc));
  ctx.stdout.write(f.renderRows(parsed, containerContextType, rows));
}

const emptySummary: ContainerSummary = {
  Id: '', Names: [], Image: '', ImageID: '', Command: '', Created: 0, Ports: [], Labels: {}, State: '', Status: '',
  HostConfig: { NetworkMode: '' }, NetworkSettings: { Networks: {} }, Mounts: [],
};

export const containerContextType = {
  name: '*formatter.ContainerContext',
  headers: {
    ID: 'CONTAINER ID', Names: 'NAMES', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED',
    Ports: 'PORTS', State: 'STATE', Status: 'STATUS', Size: 'SIZE', Labels: 'LABELS', Mounts: 'MOUNTS', LocalVolumes: 'LOCAL VOLUMES',
    Networks: 'NETWORKS', Platform: 'PLATFORM',
  },
};

function containerContext(f: typeof import('../format/formatter.js'), c: ContainerSummary, trunc: boolean, onSize?: () => void) {
  const labels = c.Labels ?? {};
  const now = Date.now();
  return f.contextValue(
    containerContextType,
    c,
    {
      ID: () => (trunc ? shortId(c.Id) : c.Id),
      Names: () => namesColumn(c.Names ?? [], trunc),
      Image: () => imageColumn(c, trunc),
      Command: () => goQuote(trunc ? ellipsis(c.Command, 20) : c.Command),
      CreatedAt: () => f.unixTimeString(c.Created),
      RunningFor: () => humanAgo(c.Created, now),
      Ports: () => displayablePorts(c.Ports ?? []),
      State: () => c.State,
      Status: () => c.Status,
      Size: () => {
        onSize?.();
        return sizeColumn(c);
      },
      Labels: () => Object.entries(labels).map(([k, v]) => `${k}=${v}`).sort().join(','),
      Mounts: () => (c.Mounts ?? []).map((m) => (trunc ? ellipsis(m.Name || m.Source, 15) : m.Name || m.Source)).join(','),
      LocalVolumes: () => String((c.Mounts ?? []).filter((m) => m.Driver === 'local').length),
      Networks: () => Object.keys(c.NetworkSettings?.Networks ?? {}).sort().join(','),
      Platform: () => ({ t: { kind: 'ptr', name: '*v1.Platform', elem: { kind: 'struct', name: 'v1.Platform', fields: [] } }, v: null }),
    },
    {
      Label: { params: [{ kind: 'string', name: 'string' }], fn: (_row, [name]) => ({ t: { kind: 'string', name: 'string' }, v: labels[name!.v as string] ?? '' }) },
    },
  );
}

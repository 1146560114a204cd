import type { ContainerSummary } from '../../api/types/index.js';
import { parseNormalizedReference, familiarString } from '../../oci/reference.js';
import type { CommandSpec } from '../command.js';
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

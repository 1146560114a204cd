import { compareApiVersions, type Client, type Filters } from '../../client/index.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { collectFilters, filterFlag } from '../filters.js';
import type { ParsedFlags } from '../flags.js';
import { humanSize } from '../format/units.js';
import { StatusError } from '../status.js';

/**
 * `container prune`, `image prune`, `volume prune` and `system prune`: ask first (unless -f), then print what went
 * and the space it freed, in docker's words. Answering anything but "y" ends quietly with status 0.
 */

const forceFlag = { name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' } as const;

/** What one prune step reports: bytes freed and its paragraph of output ('' when nothing went). */
type PruneStep = (client: Client, all: boolean, filters: Filters) => Promise<{ reclaimed: number; output: string }>;

const pruneContainers: PruneStep = async (client, _all, filters) => {
  const r = await client.containers.prune(filters);
  if (!r.ContainersDeleted?.length) return { reclaimed: 0, output: '' };
  return { reclaimed: r.SpaceReclaimed, output: `Deleted Containers:\n${r.ContainersDeleted.map((id) => `${id}\n`).join('')}` };
};

const pruneNetworks: PruneStep = async (client, _all, filters) => {
  const r = await client.networks.prune(filters);
  if (!r.NetworksDeleted?.length) return { reclaimed: 0, output: '' };
  return { reclaimed: 0, output: `Deleted Networks:\n${r.NetworksDeleted.map((n) => `${n}\n`).join('')}` };
};

// `all` is not passed on: `system prune -a --volumes` still removes only anonymous volumes, as docker's.
const pruneVolumes: PruneStep = async (client, _all, filters) => {
  const r = await client.volumes.prune(filters);
  if (!r.VolumesDeleted?.length) return { reclaimed: 0, output: '' };
  return { reclaimed: r.SpaceReclaimed, output: `Deleted Volumes:\n${r.VolumesDeleted.map((n) => `${n}\n`).join('')}` };
};

const pruneImages: PruneStep = async (client, all, filters) => {
  // Without -a only dangling images go; with it, every image no container uses.
  const r = await client.images.prune({ ...filters, dangling: [all ? 'false' : 'true'] });
  if (!r.ImagesDeleted?.length) return { reclaimed: 0, output: '' };
  const lines = r.ImagesDeleted.map((d) => (d.Untagged ? `untagged: ${d.Untagged}\n` : `deleted: ${d.Deleted ?? ''}\n`));
  return { reclaimed: r.SpaceReclaimed, output: `Deleted Images:\n${lines.join('')}` };
};

const pruneBuildCache: PruneStep = async (client, all, filters) => {
  const r = await client.system.buildCachePrune({ all, filters });
  if (!r.CachesDeleted?.length) return { reclaimed: 0, output: '' };
  return { reclaimed: r.SpaceReclaimed, output: `Deleted build cache objects:\n${r.CachesDeleted.map((id) => `${id}\n`).join('')}` };
};

async function prune(ctx: CommandContext, flags: ParsedFlags, warning: string, steps: PruneStep[]): Promise<void> {
  if (!flags.bool('force') && !(await confirm(ctx, warning))) return;
  const client = ctx.client();
  const filters = collectFilters(flags);
  let reclaimed = 0;
  for (const step of steps) {
    const r = await step(client, flags.bool('all'), filters);
    reclaimed += r.reclaimed;
    if (r.output) ctx.stdout.write(`${r.output}\n`);
  }
  ctx.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
}

/** docker's prompt: the warning, ` [y/N] `, and one line of stdin; only "y" (any case) says yes. */
async function confirm(ctx: CommandContext, warning: string): Promise<boolean> {
  ctx.stdout.write(`${warning} [y/N] `);
  const stdin = ctx.stdin();
  let line = '';
  for await (const chunk of stdin) {
    line += (chunk as Buffer).toString('utf8');
    if (line.includes('\n')) break;
  }
  stdin.pause();
  return line.split('\n')[0]!.trim().toLowerCase() === 'y';
}

export const containerPrune: CommandSpec = {
  usage: '[OPTIONS]',
  args: { min: 0, max: 0 },
  flags: [filterFlag('Provide filter values (e.g. "until=<timestamp>")', null), forceFlag],
  run: (ctx, flags) => prune(ctx, flags, 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue?', [pruneContainers]),
};

export const imagePrune: CommandSpec = {
  usage: '[OPTIONS]',
  args: { min: 0, max: 0 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images, not just dangling ones' },
    filterFlag('Provide filter values (e.g. "until=<timestamp>")', null),
    forceFlag,
  ],
  run: (ctx, flags) =>
    prune(
      ctx,
      flags,
      flags.bool('all')
        ? 'WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue?'
        : 'WARNING! This will remove all dangling images.\nAre you sure you want to continue?',
      [pruneImages],
    ),
};

export const systemPrune: CommandSpec = {
  usage: '[OPTIONS]',
  args: { min: 0, max: 0 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images not just dangling ones' },
    filterFlag('Provide filter values (e.g. "label=<key>=<value>")', null),
    forceFlag,
    { name: 'volumes', kind: 'bool', help: 'Prune anonymous volumes' },
  ],
  async run(ctx, flags) {
    const all = flags.bool('all');
    const volumes = flags.bool('volumes');
    const warning = [
      'WARNING! This will remove:',
      '  - all stopped containers',
      '  - all networks not used by at least one container',
      ...(volumes ? ['  - all anonymous volumes not used by at least one container'] : []),
      all ? '  - all images without at least one container associated to them' : '  - all dangling images',
      all ? '  - all build cache' : '  - unused build cache',
      '',
      'Are you sure you want to continue?',
    ].join('\n');
    const steps = [pruneContainers, pruneNetworks, ...(volumes ? [pruneVolumes] : []), pruneImages, pruneBuildCache];
    await prune(ctx, flags, warning, steps);
  },
};

export const volumePrune: CommandSpec = {
  usage: '[OPTIONS]',
  args: { min: 0, max: 0 },
  flags: [
    // Hidden as docker hides it from a daemon below API 1.42, which berthd is.
    { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused volumes, not just anonymous ones', hidden: true },
    filterFlag('Provide filter values (e.g. "label=<label>")', null),
    forceFlag,
  ],
  async run(ctx, flags) {
    // docker checks the flag's API version before it asks anything; daemons below 1.42 know no
    // `all` filter and prune named volumes too, which the warning then says. (berth's client
    // speaks 1.41 at most, so for now that is every daemon; the rest is docker's rule for later.)
    const version = await ctx.client().apiVersion();
    const modern = compareApiVersions(version, '1.42') >= 0;
    if (flags.changed('all') && !modern) throw new StatusError(1, `"--all" requires API version 1.42, but the Docker daemon API version is ${version}`);
    const all = modern && flags.bool('all');
    if (all && 'all' in collectFilters(flags)) throw new StatusError(1, 'conflicting options: cannot specify both --all and --filter all=1');
    const warning =
      modern && !all
        ? 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue?'
        : 'WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue?';
    const step: PruneStep = all ? (client, _all, filters) => pruneVolumes(client, true, { ...filters, all: ['true'] }) : pruneVolumes;
    await prune(ctx, flags, warning, [step]);
  },
};

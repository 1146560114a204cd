import type { ImageSummary } from '../../api/types/index.js';
import { invalidArgument, isKind } from '../../common/errors.js';
import { familiarName, fullName, parseNormalizedReference } from '../../oci/reference.js';
import type { CommandSpec } from '../command.js';
import { collectFilters, filterFlag } from '../filters.js';
import { formatLocalRfc3339 } from '../format/durations.js';
import { renderTable } from '../format/tabwriter.js';
import { ellipsis, shortId } from '../format/text.js';
import { humanAgo, humanSizeWithPrecision } from '../format/units.js';
import { StatusError, errorText } from '../status.js';

/** `berth images`, `rmi`, `tag` and `history`. */

export const images: CommandSpec = {
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  args: { max: 1 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', help: 'Show all images (default hides intermediate images)' },
    { name: 'digests', kind: 'bool', help: 'Show digests' },
    filterFlag(),
    { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Only show image IDs' },
  ],
  async run(ctx, flags, args) {
    const extra: Array<[string, string]> = args[0] ? [['reference', args[0]]] : [];
    const list = await ctx.client().images.list({ all: flags.bool('all'), filters: collectFilters(flags, extra) });
    const trunc = !flags.bool('no-trunc');
    const digests = flags.bool('digests');
    const rows = list.flatMap((img) => imageRows(img, digests));
    const id = (img: ImageSummary) => (trunc ? shortId(img.Id) : img.Id);
    if (flags.bool('quiet')) {
      for (const r of rows) ctx.stdout.write(`${id(r.image)}\n`);
      return;
    }
    const now = Date.now();
    const header = digests ? ['REPOSITORY', 'TAG', 'DIGEST', 'IMAGE ID', 'CREATED', 'SIZE'] : ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'];
    const table = rows.map((r) => [
      r.repo,
      r.tag,
      ...(digests ? [r.digest] : []),
      id(r.image),
      humanAgo(r.image.Created, now),
      humanSizeWithPrecision(r.image.Size, 3),
    ]);
    ctx.stdout.write(renderTable(header, table));
  },
};

interface ImageRow {
  repo: string;
  tag: string;
  digest: string;
  image: ImageSummary;
}

/**
 * docker's rows for one image: one per repository and tag (and per digest with --digests), digests
 * of untagged repositories as `<none>` tags, and a single `<none> <none>` row for a dangling image.
 */
function imageRows(img: ImageSummary, withDigests: boolean): ImageRow[] {
  const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  const digests = (img.RepoDigests ?? []).filter((d) => d !== '<none>@<none>');
  if (tags.length === 0 && digests.length === 0) return [{ repo: '<none>', tag: '<none>', digest: '<none>', image: img }];
  const tagsByRepo = new Map<string, string[]>();
  for (const t of tags) {
    try {
      const ref = parseNormalizedReference(t);
      if (ref.tag === undefined) continue;
      const repo = familiarName(ref);
      tagsByRepo.set(repo, [...(tagsByRepo.get(repo) ?? []), ref.tag]);
    } catch {
      // a name docker could not parse is skipped too
    }
  }
  const digestsByRepo = new Map<string, string[]>();
  for (const d of digests) {
    try {
      const ref = parseNormalizedReference(d);
      if (ref.digest === undefined) continue;
      const repo = familiarName(ref);
      digestsByRepo.set(repo, [...(digestsByRepo.get(repo) ?? []), ref.digest]);
    } catch {
      // skipped, as above
    }
  }
  const rows: ImageRow[] = [];
  for (const [repo, repoTags] of tagsByRepo) {
    const repoDigests = withDigests ? (digestsByRepo.get(repo) ?? []) : [];
    digestsByRepo.delete(repo);
    for (const tag of repoTags) {
      if (repoDigests.length === 0) rows.push({ repo, tag, digest: '<none>', image: img });
      for (const digest of repoDigests) rows.push({ repo, tag, digest, image: img });
    }
  }
  for (const [repo, repoDigests] of digestsByRepo) {
    if (withDigests) for (const digest of repoDigests) rows.push({ repo, tag: '<none>', digest, image: img });
    else rows.push({ repo, tag: '<none>', digest: '', image: img });
  }
  return rows;
}

export const rmi: CommandSpec = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  args: { min: 1 },
  flags: [
    { name: 'force', short: 'f', kind: 'bool', help: 'Force removal of the image' },
    { name: 'no-prune', kind: 'bool', help: 'Do not delete untagged parents' },
  ],
  async run(ctx, flags, args) {
    const api = ctx.client().images;
    const force = flags.bool('force');
    const errors: string[] = [];
    let fatal = false;
    for (const name of args) {
      try {
        for (const item of await api.remove(name, { force, noPrune: flags.bool('no-prune') })) {
          ctx.stdout.write('Deleted' in item ? `Deleted: ${item.Deleted}\n` : `Untagged: ${item.Untagged}\n`);
        }
      } catch (err) {
        if (!isKind(err, 'not-found')) fatal = true;
        errors.push(errorText(err));
      }
    }
    if (errors.length === 0) return;
    // With -f, images that are already gone are reported but do not fail the command.
    if (!force || fatal) throw new StatusError(1, errors.join('\n'));
    ctx.stderr.write(`${errors.join('\n')}\n`);
  },
};

export const tag: CommandSpec = {
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  args: { min: 2, max: 2 },
  flags: [],
  async run(ctx, _flags, args) {
    const [source, target] = args as [string, string];
    if (!/^(sha256:)?[a-f0-9]{64}$/.test(source)) parseOrExplain(source);
    const ref = parseOrExplain(target);
    if (ref.digest !== undefined) throw invalidArgument('refusing to create a tag with a digest reference');
    await ctx.client().images.tag(source, fullName(ref), ref.tag ?? 'latest');
  },
};

function parseOrExplain(name: string) {
  try {
    return parseNormalizedReference(name);
  } catch (err) {
    throw invalidArgument(`Error parsing reference: ${JSON.stringify(name)} is not a valid repository/tag: ${(err as Error).message}`);
  }
}

export const history: CommandSpec = {
  usage: '[OPTIONS] IMAGE',
  args: { min: 1, max: 1 },
  flags: [
    { name: 'human', short: 'H', kind: 'bool', help: 'Print sizes and dates in human readable format', defaultText: 'true' },
    { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Only show image IDs' },
  ],
  async run(ctx, flags, args) {
    const items = await ctx.client().images.history(args[0]!);
    const trunc = !flags.bool('no-trunc');
    const human = !flags.changed('human') || flags.bool('human');
    const id = (i: string) => (trunc ? shortId(i) : i);
    if (flags.bool('quiet')) {
      for (const h of items) ctx.stdout.write(`${id(h.Id)}\n`);
      return;
    }
    const now = Date.now();
    const rows = items.map((h) => {
      const createdBy = h.CreatedBy.replaceAll('\t', ' ');
      return [
        id(h.Id),
        human ? humanAgo(h.Created, now) : formatLocalRfc3339(h.Created),
        trunc ? ellipsis(createdBy, 45) : createdBy,
        human ? humanSizeWithPrecision(h.Size, 3) : String(h.Size),
        h.Comment,
      ];
    });
    ctx.stdout.write(renderTable(['IMAGE', human ? 'CREATED' : 'CREATED AT', 'CREATED BY', 'SIZE', 'COMMENT'], rows));
  },
};

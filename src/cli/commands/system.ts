import type { DiskUsage, SystemInfo, VersionResponse } from '../../api/types/index.js';
import { familiarName, familiarString, parseNormalizedReference } from '../../oci/reference.js';
import type { CommandSpec } from '../command.js';
import { collectFilters, filterFlag } from '../filters.js';
import { apiTimestamp, formatLocalNanoFixed } from '../format/durations.js';
import { renderTable, tabwrite } from '../format/tabwriter.js';
import { ellipsis, goQuote, shortId } from '../format/text.js';
import { bytesSize, humanAgo, humanDuration, humanSize, humanSizeWithPrecision } from '../format/units.js';
import { programVersion } from '../program.js';

/** `version`, `info`, `events` and `system df`: what the daemon says about itself. */

export const version: CommandSpec = {
  usage: '[OPTIONS]',
  args: { min: 0, max: 0 },
  flags: [],
  async run(ctx) {
    const client = ctx.client();
    let server: VersionResponse | undefined;
    let failure: unknown;
    try {
      server = await client.system.version();
    } catch (err) {
      failure = err;
    }
    const negotiated = failure ? client.maxApiVersion : await client.apiVersion();
    const lines = [
      'Client:',
      ` Version:\t${programVersion}`,
      ` API version:\t${negotiated}${negotiated !== client.maxApiVersion ? ` (downgraded from ${client.maxApiVersion})` : ''}`,
      ` Go version:\tnode${process.versions.node}`,
      ' Git commit:\t',
      ' Built:\t',
      ` OS/Arch:\tlinux/${goArch(process.arch)}`,
      ' Context:\tdefault',
    ];
    if (server) lines.push('', ...serverVersionLines(server));
    ctx.stdout.write(tabwrite(lines.join('\n') + '\n', { minWidth: 20, padding: 1 }));
    if (failure) throw failure;
  },
};

function serverVersionLines(v: VersionResponse): string[] {
  const lines = [`Server:${v.Platform?.Name ? ` ${v.Platform.Name}` : ''}`];
  for (const c of v.Components ?? []) {
    lines.push(` ${c.Name}:`);
    const d = c.Details ?? {};
    if (c.Name === 'Engine') {
      lines.push(
        `  Version:\t${c.Version}`,
        `  API version:\t${d['ApiVersion'] ?? ''} (minimum version ${d['MinAPIVersion'] ?? ''})`,
        `  Go version:\t${d['GoVersion'] ?? ''}`,
        `  Git commit:\t${d['GitCommit'] ?? ''}`,
        `  Built:\t${d['BuildTime'] ?? ''}`,
        `  OS/Arch:\t${d['Os'] ?? ''}/${d['Arch'] ?? ''}`,
        `  Experimental:\t${d['Experimental'] ?? ''}`,
      );
    } else {
      lines.push(`  Version:\t${c.Version}`);
      // docker lists GitCommit first, then the other details in name order.
      const keys = Object.keys(d).sort((a, b) => (a === 'GitCommit' ? -1 : b === 'GitCommit' ? 1 : a < b ? -1 : 1));
      for (const k of keys) lines.push(`  ${k}:\t${d[k]}`);
    }
  }
  return lines;
}

function goArch(arch: string): string {
  return arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch;
}

export const info: CommandSpec = {
  usage: '[OPTIONS]',
  args: { min: 0, max: 0 },
  flags: [],
  async run(ctx) {
    const out: string[] = ['Client:', ` Version:    ${programVersion}`, ' Context:    default', ' Debug Mode: false', '', 'Server:'];
    let data: SystemInfo;
    try {
      data = await ctx.client().system.info();
    } catch (err) {
      ctx.stdout.write(out.join('\n') + '\n');
      throw err;
    }
    out.push(...serverInfoLines(data), '');
    ctx.stdout.write(out.join('\n') + '\n');
    for (const w of data.Warnings ?? []) ctx.stderr.write(`${w}\n`);
  },
};

/** docker's prettyPrintServerInfo, for the fields a daemon reports (optional ones only when set). */
function serverInfoLines(i: SystemInfo): string[] {
  const out: string[] = [];
  // Go's Println: label, a space, the value (so an empty value leaves a trailing space, as in docker).
  const line = (label: string, value: unknown) => out.push(`${label} ${value ?? ''}`);
  const nonEmpty = (label: string, value: string | undefined) => {
    if (value) out.push(`${label} ${value}`);
  };
  line(' Containers:', i.Containers);
  line('  Running:', i.ContainersRunning);
  line('  Paused:', i.ContainersPaused);
  line('  Stopped:', i.ContainersStopped);
  line(' Images:', i.Images);
  nonEmpty(' Server Version:', i.ServerVersion);
  if (i.Driver) {
    out.push(` Storage Driver: ${i.Driver}`);
    for (const [k, v] of i.DriverStatus ?? []) out.push(`  ${k}: ${v}`);
  }
  nonEmpty(' Logging Driver:', i.LoggingDriver);
  nonEmpty(' Cgroup Driver:', i.CgroupDriver);
  nonEmpty(' Cgroup Version:', i.CgroupVersion);
  out.push(' Plugins:');
  line('  Volume:', (i.Plugins?.Volume ?? []).join(' '));
  line('  Network:', (i.Plugins?.Network ?? []).join(' '));
  if (i.Plugins?.Authorization?.length) line('  Authorization:', i.Plugins.Authorization.join(' '));
  line('  Log:', (i.Plugins?.Log ?? []).join(' '));
  if (i.CDISpecDirs?.length) {
    out.push(' CDI spec directories:');
    for (const d of i.CDISpecDirs) out.push(`   ${d}`);
  }
  line(' Swarm:', i.Swarm?.LocalNodeState ?? '');
  const runtimes = Object.keys(i.Runtimes ?? {});
  if (runtimes.length) {
    line(' Runtimes:', runtimes.join(' '));
    line(' Default Runtime:', i.DefaultRuntime ?? '');
  }
  if (i.OSType === 'linux') {
    line(' Init Binary:', i.InitBinary ?? '');
    out.push(` containerd version: ${i.ContainerdCommit?.ID ?? ''}`);
    out.push(` runc version: ${i.RuncCommit?.ID ?? ''}`);
    out.push(` init version: ${i.InitCommit?.ID ?? ''}`);
    if (i.SecurityOptions?.length) {
      out.push(' Security Options:');
      for (const opt of i.SecurityOptions) {
        const fields = Object.fromEntries(opt.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
        out.push(`  ${fields['name'] ?? opt}`);
        if (fields['profile'] !== undefined) out.push(`   Profile: ${fields['profile']}`);
      }
    }
  }
  if (i.OSType === 'windows') out.push(` Default Isolation: ${i.Isolation ?? ''}`);
  nonEmpty(' Kernel Version:', i.KernelVersion);
  nonEmpty(' Operating System:', i.OperatingSystem);
  nonEmpty(' OSType:', i.OSType);
  nonEmpty(' Architecture:', i.Architecture);
  line(' CPUs:', i.NCPU ?? 0);
  line(' Total Memory:', bytesSize(i.MemTotal ?? 0));
  nonEmpty(' Name:', i.Name);
  nonEmpty(' ID:', i.ID);
  line(' Docker Root Dir:', i.DockerRootDir ?? '');
  line(' Debug Mode:', i.Debug ?? false);
  if (i.Debug) {
    line('  File Descriptors:', i.NFd ?? 0);
    line('  Goroutines:', i.NGoroutines ?? 0);
    line('  System Time:', i.SystemTime ?? '');
    line('  EventsListeners:', i.NEventsListener ?? 0);
  }
  nonEmpty(' HTTP Proxy:', i.HttpProxy);
  nonEmpty(' HTTPS Proxy:', i.HttpsProxy);
  nonEmpty(' No Proxy:', i.NoProxy);
  if (i.Labels?.length) {
    out.push(' Labels:');
    for (const l of i.Labels) out.push(`  ${l}`);
  }
  line(' Experimental:', i.ExperimentalBuild ?? false);
  const reg = i.RegistryConfig;
  const insecure = reg?.InsecureRegistryCIDRs ?? [];
  const indexes = Object.values(reg?.IndexConfigs ?? {});
  if (insecure.length || indexes.length) {
    out.push(' Insecure Registries:');
    for (const r of indexes) if (!r.Secure) out.push(`  ${r.Name}`);
    for (const cidr of insecure) out.push(`  ${cidr}`);
  }
  if (reg?.Mirrors?.length) {
    out.push(' Registry Mirrors:');
    for (const m of reg.Mirrors) out.push(`  ${m}`);
  }
  line(' Live Restore Enabled:', i.LiveRestoreEnabled ?? false);
  if (i.ProductLicense) out.push(` Product License: ${i.ProductLicense}`);
  if (i.DefaultAddressPools?.length) {
    out.push(' Default Address Pools:');
    for (const p of i.DefaultAddressPools) out.push(`   Base: ${p.Base}, Size: ${p.Size}`);
  }
  return out;
}

export const events: CommandSpec = {
  usage: '[OPTIONS]',
  args: { min: 0, max: 0 },
  flags: [
    filterFlag(),
    { name: 'since', kind: 'string', help: 'Show all events created since timestamp' },
    { name: 'until', kind: 'string', help: 'Stream events until this timestamp' },
  ],
  async run(ctx, flags) {
    const now = Date.now();
    const since = flags.string('since');
    const until = flags.string('until');
    const stream = ctx.client().system.events({
      ...(since && { since: apiTimestamp(since, now) }),
      ...(until && { until: apiTimestamp(until, now) }),
      filters: collectFilters(flags),
    });
    for await (const { event, timeNano } of stream) {
      const attrs = Object.entries(event.Actor?.Attributes ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      let line = `${formatLocalNanoFixed(timeNano)} ${event.Type} ${event.Action} ${event.Actor?.ID ?? ''}`;
      if (attrs.length) line += ` (${attrs.map(([k, v]) => `${k}=${v}`).join(', ')})`;
      ctx.stdout.write(`${line}\n`);
    }
  },
};

export const df: CommandSpec = {
  usage: '[OPTIONS]',
  args: { min: 0, max: 0 },
  flags: [{ name: 'verbose', short: 'v', kind: 'bool', help: 'Show detailed information on space usage' }],
  async run(ctx, flags) {
    const du = await ctx.client().system.df();
    ctx.stdout.write(flags.bool('verbose') ? verboseDiskUsage(du) : renderTable(['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], diskUsageRows(du)));
  },
};

/**
 * `system df -v` (capture 57b): a table per kind, in the daemon's order. Images show their first
 * tag; containers their writable layer and how many local volumes they mount; volumes their links
 * (containers using them) and size as the daemon measured them.
 */
export function verboseDiskUsage(du: DiskUsage, now = Date.now()): string {
  const images = (du.Images ?? []).flatMap((i) => {
    let repo = '<none>';
    let tag = '<none>';
    const tags = i.RepoTags ?? [];
    const digests = i.RepoDigests ?? [];
    const dangling = (tags.length === 0 && digests.length === 0) || (tags.length === 1 && tags[0] === '<none>:<none>' && digests.length === 1 && digests[0] === '<none>@<none>');
    if (tags.length > 0 && !dangling) {
      let ref;
      try {
        ref = parseNormalizedReference(tags[0]!);
      } catch {
        // docker leaves out an image whose first tag it cannot parse
        return [];
      }
      if (ref.tag !== undefined) {
        repo = familiarName(ref);
        tag = ref.tag;
      }
    }
    const shared = i.SharedSize === -1 ? 'N/A' : humanSize(i.SharedSize);
    const unique = i.Size === -1 || i.SharedSize === -1 ? 'N/A' : humanSize(i.Size - i.SharedSize);
    const containers = i.Containers === -1 ? 'N/A' : String(i.Containers);
    return [[repo, tag, shortId(i.Id), humanAgo(i.Created, now), humanSizeWithPrecision(i.Size, 3), shared, unique, containers]];
  });
  const containers = (du.Containers ?? []).map((c) => [
    shortId(c.Id),
    containerImage(c.Image, c.ImageID),
    goQuote(ellipsis(c.Command, 20)),
    String((c.Mounts ?? []).filter((m) => m.Driver === 'local').length),
    humanSizeWithPrecision(c.SizeRw ?? 0, 3),
    humanAgo(c.Created, now),
    c.Status,
    containerName(c.Names ?? []),
  ]);
  const volumes = (du.Volumes ?? []).map((v) => [v.Name, v.UsageData ? String(v.UsageData.RefCount) : 'N/A', v.UsageData ? humanSize(v.UsageData.Size) : 'N/A']);
  const cache = du.BuildCache ?? [];
  const cacheSize = cache.reduce((n, b) => n + (b.Shared ? 0 : b.Size), 0);
  const cacheRows = cache.map((b) => {
    const extra = b as typeof b & { CreatedAt?: string; LastUsedAt?: string | null; UsageCount?: number };
    const since = (at: string | null | undefined) => (at ? `${humanDuration(now - Date.parse(at))} ago` : '');
    return [`${shortId(b.ID)}${b.InUse ? '*' : ''}`, b.Type ?? '', humanSizeWithPrecision(b.Size, 3), since(extra.CreatedAt), since(extra.LastUsedAt), String(extra.UsageCount ?? 0), String(b.Shared)];
  });
  return [
    'Images space usage:\n\n',
    renderTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'], images),
    '\nContainers space usage:\n\n',
    renderTable(['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'], containers),
    '\nLocal Volumes space usage:\n\n',
    renderTable(['VOLUME NAME', 'LINKS', 'SIZE'], volumes),
    `\nBuild cache usage: ${humanSize(cacheSize)}\n\n`,
    renderTable(['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'LAST USED', 'USAGE', 'SHARED'], cacheRows),
  ].join('');
}

/** docker's truncated IMAGE column: a short ID for an image run by ID, else the reference without its digest. */
function containerImage(image: string, imageId: string): string {
  if (!image) return '<no image>';
  if (shortId(imageId) === shortId(image)) return shortId(image);
  try {
    const { digest: _digest, ...named } = parseNormalizedReference(image);
    return familiarString(named);
  } catch {
    return image;
  }
}

/** docker's truncated NAMES column: the first name that is not a link (`/web/db`), without its slash. */
function containerName(names: string[]): string {
  const stripped = names.map((n) => (n.startsWith('/') ? n.slice(1) : n));
  return stripped.find((n) => !n.includes('/')) ?? stripped.join(',');
}

/** docker's four summary rows, with its arithmetic (image size is the shared layer total). */
export function diskUsageRows(du: DiskUsage): string[][] {
  const pct = (part: number, total: number) => (total > 0 ? `${humanSize(part)} (${Math.trunc((part * 100) / total)}%)` : humanSize(part));
  const images = du.Images ?? [];
  const layers = du.LayersSize ?? 0;
  let used = 0;
  for (const i of images) {
    if (i.Containers !== 0 && i.Size !== -1 && i.SharedSize !== -1) used += i.Size - i.SharedSize;
  }
  const containers = du.Containers ?? [];
  const active = (state: string) => state.includes('running') || state.includes('paused') || state.includes('restarting');
  const containerSize = containers.reduce((n, c) => n + (c.SizeRw ?? 0), 0);
  const containerFree = containers.reduce((n, c) => n + (active(c.State) ? 0 : (c.SizeRw ?? 0)), 0);
  const volumes = du.Volumes ?? [];
  const sized = volumes.filter((v) => v.UsageData && v.UsageData.Size !== -1);
  const volumeSize = sized.reduce((n, v) => n + v.UsageData!.Size, 0);
  const volumeFree = sized.reduce((n, v) => n + (v.UsageData!.RefCount === 0 ? v.UsageData!.Size : 0), 0);
  const cache = du.BuildCache ?? [];
  const cacheSize = cache.reduce((n, b) => n + (b.Shared ? 0 : b.Size), 0);
  const cacheInUse = cache.reduce((n, b) => n + (b.InUse && !b.Shared ? b.Size : 0), 0);
  return [
    ['Images', String(images.length), String(images.filter((i) => i.Containers > 0).length), humanSize(layers), pct(layers - used, layers)],
    ['Containers', String(containers.length), String(containers.filter((c) => active(c.State)).length), humanSize(containerSize), pct(containerFree, containerSize)],
    ['Local Volumes', String(volumes.length), String(volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length), humanSize(volumeSize), pct(volumeFree, volumeSize)],
    ['Build Cache', String(cache.length), String(cache.filter((b) => b.InUse).length), humanSize(cacheSize), humanSize((du.BuilderSize ?? 0) - cacheInUse)],
  ];
}

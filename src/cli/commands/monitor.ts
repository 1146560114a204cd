import type { EventRecord } from '../../client/index.js';
import type { CommandSpec } from '../command.js';
import { naturalLess } from '../format/natural-sort.js';
import { tabwrite } from '../format/tabwriter.js';
import { StatusError, errorText } from '../status.js';
import { StatsSet } from '../stats-collect.js';
import { defaultStatsFormat, statsCells, statsHeaders, streamingFrame, type StatsEntry } from '../stats-calc.js';

/** `berth top`, `berth stats` and `berth port`: what runs in a container, what it uses, where it listens. */

export const top: CommandSpec = {
  usage: 'CONTAINER [ps OPTIONS]',
  args: { min: 1 },
  // Everything after the container name belongs to ps (`top web -o pid`).
  interspersed: false,
  flags: [],
  async run(ctx, _flags, args) {
    const [name, ...psArgs] = args;
    const list = await ctx.client().containerStats.top(name!, psArgs);
    const lines = [list.Titles, ...(list.Processes ?? [])].map((cells) => `${cells.join('\t')}\n`);
    // docker's top has a tabwriter of its own: minimum width 20, padding 3.
    ctx.stdout.write(tabwrite(lines.join(''), { minWidth: 20, padding: 3 }));
  },
};

export const port: CommandSpec = {
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  args: { min: 1, max: 2 },
  flags: [],
  async run(ctx, _flags, args) {
    const [name, wanted] = args as [string, string | undefined];
    if (name.trim() === '') throw new Error('invalid container name or ID: value is empty');
    const { value: c } = await ctx.client().containers.inspect(name);
    const ports = c.NetworkSettings?.Ports ?? {};
    const out: string[] = [];
    if (wanted !== undefined && wanted !== '') {
      const slash = wanted.indexOf('/');
      const num = slash >= 0 ? wanted.slice(0, slash) : wanted;
      const proto = (slash >= 0 ? wanted.slice(slash + 1) : '') || 'tcp';
      const bad = parseUint16Error(num);
      if (bad) throw new Error(`Error: invalid port (${num}): ${bad}`);
      const frontends = ports[`${num}/${proto}`];
      if (!frontends || frontends.length === 0) throw new Error(`Error: No public port '${wanted}' published for ${name}`);
      for (const f of frontends) out.push(joinHostPort(f.HostIp, f.HostPort));
    } else {
      for (const [from, frontends] of Object.entries(ports)) {
        for (const f of frontends ?? []) out.push(`${from} -> ${joinHostPort(f.HostIp, f.HostPort)}`);
      }
    }
    if (out.length) ctx.stdout.write(`${out.sort((a, b) => (naturalLess(a, b) ? -1 : naturalLess(b, a) ? 1 : 0)).join('\n')}\n`);
  },
};

/** Go's net.JoinHostPort: an IPv6 address goes in brackets. */
function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** What Go's strconv.ParseUint(s, 10, 16) says about `s`, or undefined when it is a valid port number. */
function parseUint16Error(s: string): string | undefined {
  if (!/^\d+$/.test(s)) return `strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`;
  if (BigInt(s) > 65535n) return `strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`;
  return undefined;
}

const formatHelp =
  "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.";

/** docker redraws (and --no-stream prints) on a 500 ms ticker; samples come once a second. */
const refreshMs = 500;

export const stats: CommandSpec = {
  usage: '[OPTIONS] [CONTAINER...]',
  args: { min: 0 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
    { name: 'format', kind: 'string', help: formatHelp },
    { name: 'no-stream', kind: 'bool', help: 'Disable streaming stats and only pull the first result' },
    { name: 'no-trunc', kind: 'bool', help: 'Do not truncate output' },
  ],
  async run(ctx, flags, args) {
    const client = ctx.client();
    const all = flags.bool('all');
    const noStream = flags.bool('no-stream');
    const trunc = !flags.bool('no-trunc');
    const set = new StatsSet(client, !noStream);
    const showAll = args.length === 0;
    const events = new AbortController();
    let eventsFailure: unknown;
    let interrupted: number | undefined;
    let removeSignals = () => {};
    try {
      if (showAll) {
        // Subscribed before listing, so that a container starting in between is not missed.
        const stream = client.system.events({ filters: { type: ['container'] } }, events.signal);
        const first = stream.next();
        void watchEvents(first, stream, set, all).catch((err: unknown) => {
          if (!events.signal.aborted) eventsFailure = err;
        });
        const containers = await client.containers.list({ all });
        await Promise.all(containers.map((c) => set.add(c.Id.slice(0, 12))));
      } else {
        await Promise.all(args.map((name) => set.add(name)));
        // A stream that ends right after its first sample (a stopped container) is already over
        // when docker looks for errors; let an end that has arrived be seen here too.
        await new Promise((r) => setImmediate(r));
        const errors = set.rows.filter((r) => r.error !== undefined).map((r) => errorText(r.error));
        if (errors.length) throw new StatusError(1, errors.join('\n'));
      }
      const render = await renderer(flags.string('format') || 'table', trunc);
      // Interrupted, docker cancels its requests, draws the rows once more (as `--`) and exits
      // 128+signal. (CLI 28 only does so when no names were given, and otherwise keeps drawing until
      // a second Ctrl-C, docker/cli#6090; berth ends both the same way.)
      const onSignal = (signal: NodeJS.Signals) => {
        interrupted ??= signal === 'SIGINT' ? 130 : 143;
        events.abort();
        set.cancelAll();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      removeSignals = () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      };
      for (;;) {
        await new Promise((r) => setTimeout(r, refreshMs));
        const table = render(set.rows.map((r) => r.entry));
        ctx.stdout.write(noStream ? table : streamingFrame(table));
        if (set.rows.length === 0 && !showAll) break;
        if (noStream) break;
        if (interrupted !== undefined) return interrupted;
        if (eventsFailure !== undefined) throw eventsFailure;
      }
    } finally {
      removeSignals();
      events.abort();
      set.stopAll();
    }
  },
};

/** Follows containers starting (and, without -a, dying) while no names were given, as docker does. */
async function watchEvents(
  first: Promise<IteratorResult<EventRecord>>,
  stream: AsyncGenerator<EventRecord>,
  set: StatsSet,
  all: boolean,
): Promise<void> {
  let next = await first;
  while (!next.done) {
    const e = next.value.event;
    const id = (e.Actor?.ID ?? e.id ?? '').slice(0, 12);
    const action = e.Action ?? e.status ?? '';
    if (id !== '') {
      if (action === 'start' || (all && action === 'create')) void set.add(id);
      else if (!all && action === 'die') set.remove(id);
    }
    next = await stream.next();
  }
  throw new Error('EOF');
}

/** The rows through --format (docker's `table` by default), parsed on first use like docker's. */
async function renderer(format: string, trunc: boolean): Promise<(rows: StatsEntry[]) => string> {
  const f = await import('../format/formatter.js');
  const type = { name: '*container.statsContext', headers: statsHeaders };
  return (rows) => {
    const parsed = f.parseListFormat(format === 'table' ? defaultStatsFormat : format);
    const values = rows.map((row) => f.contextValue(type, statsCells(row, trunc), {
      Container: (c) => c.Container,
      Name: (c) => c.Name,
      ID: (c) => c.ID,
      CPUPerc: (c) => c.CPUPerc,
      MemUsage: (c) => c.MemUsage,
      MemPerc: (c) => c.MemPerc,
      NetIO: (c) => c.NetIO,
      BlockIO: (c) => c.BlockIO,
      PIDs: (c) => c.PIDs,
    }));
    return f.renderRows(parsed, type, values);
  };
}

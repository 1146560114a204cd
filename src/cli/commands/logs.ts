import { demultiplex } from '../../client/index.js';
import type { CommandSpec } from '../command.js';
import { apiTimestamp } from '../format/durations.js';

/** `berth logs`: the container's output so far (and, with -f, as it comes). */
export const logs: CommandSpec = {
  usage: '[OPTIONS] CONTAINER',
  args: { min: 1, max: 1 },
  flags: [
    { name: 'details', kind: 'bool', help: 'Show extra details provided to logs' },
    { name: 'follow', short: 'f', kind: 'bool', help: 'Follow log output' },
    { name: 'since', kind: 'string', help: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    { name: 'tail', short: 'n', kind: 'string', help: 'Number of lines to show from the end of the logs', defaultText: '"all"' },
    { name: 'timestamps', short: 't', kind: 'bool', help: 'Show timestamps' },
    { name: 'until', kind: 'string', help: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
  ],
  async run(ctx, flags, args) {
    const api = ctx.client().containers;
    // Whether the output is framed depends on the container's TTY setting, so look first (as docker does).
    const { value: container } = await api.inspect(args[0]!);
    const now = Date.now();
    const since = flags.string('since');
    const until = flags.string('until');
    const res = await api.logs(container.Id, {
      follow: flags.bool('follow'),
      timestamps: flags.bool('timestamps'),
      details: flags.bool('details'),
      tail: flags.string('tail') ?? 'all',
      ...(since && { since: apiTimestamp(since, now) }),
      ...(until && { until: apiTimestamp(until, now) }),
    });
    if (container.Config.Tty) {
      for await (const chunk of res) ctx.stdout.write(chunk as Buffer);
      return;
    }
    await demultiplex(res, { stdout: (b) => ctx.stdout.write(b), stderr: (b) => ctx.stderr.write(b) });
  },
};

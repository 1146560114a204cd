import { statsJson } from '../../../engine/stats.js';
import { compareApiVersions } from '../../types/index.js';
import { commonHeaders, queryBoolOrDefault, sendJson, startStream } from '../http.js';
import type { Router } from '../router.js';
import type { ApiServices } from '../services.js';

/** Routes for what runs in a container and what it uses: top and stats. */
export function statsRoutes(r: Router, s: ApiServices): void {
  r.add('GET', '/containers/{id}/top', async (ctx) => {
    sendJson(ctx.res!, 200, await s.stats.top(ctx.params[0]!, ctx.query.get('ps_args') ?? ''));
  });

  r.add('GET', '/containers/{id}/stats', async (ctx) => {
    const stream = queryBoolOrDefault(ctx, 'stream', true);
    const oneShot = compareApiVersions(ctx.apiVersion, '1.41') >= 0 && queryBoolOrDefault(ctx, 'one-shot', false);
    const samples = s.stats.stats(ctx.params[0]!, { stream, oneShot, signal: ctx.signal });
    const res = ctx.res!;
    if (!stream) {
      // One object with a Content-Length, as dockerd sends it (after about a second unless one-shot).
      const { value, done } = await samples.next();
      await samples.return(undefined);
      if (done || res.destroyed) return;
      const data = Buffer.from(statsJson(value) + '\n');
      res.writeHead(200, { ...commonHeaders(), 'Content-Type': 'application/json', 'Content-Length': String(data.length) });
      res.end(data);
      return;
    }
    // dockerd flushes the headers at once and sets no Content-Type on the stream; one object a line.
    startStream(res);
    try {
      for await (const st of samples) {
        if (res.destroyed) break;
        res.write(statsJson(st) + '\n');
      }
    } finally {
      if (!res.destroyed) res.end();
    }
  });
}

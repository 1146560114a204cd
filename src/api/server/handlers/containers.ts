import { frame } from '../../../common/stdcopy.js';
import { invalidArgument, isKind, messageOf, notImplemented } from '../../../common/errors.js';
import { formatRfc3339NanoFixed, parseTimestampParam } from '../../../common/time.js';
import type { WaitCondition } from '../../../engine/containers.js';
import { parseFilters } from '../../../engine/filters.js';
import type { ContainerConfig, HostConfig, NetworkingConfig } from '../../types/index.js';
import { containerInspect, containerSummary } from '../convert.js';
import { parseDetachKeys } from '../detach-keys.js';
import { relaySession } from './exec.js';
import { hijack, queryBool, queryInt, readJson, sendEmpty, sendJson, startStream } from '../http.js';
import type { Router } from '../router.js';
import type { ApiServices } from '../services.js';
import { validateCreateBody } from '../validate.js';

export function containerRoutes(r: Router, s: ApiServices): void {
  const c = s.containers;

  r.add('POST', '/containers/create', async (ctx) => {
    const body = validateCreateBody(await readJson<unknown>(ctx));
    const { HostConfig: hostConfig, NetworkingConfig: networkingConfig, ...config } = body as Partial<ContainerConfig> & {
      HostConfig?: Partial<HostConfig>;
      NetworkingConfig?: NetworkingConfig;
    };
    // StartInterval came with API 1.44; dockerd drops it from older clients' requests, and every
    // request here is at most 1.41. An image's HEALTHCHECK --start-interval still applies.
    if (config.Healthcheck) delete config.Healthcheck.StartInterval;
    const name = ctx.query.get('name') || undefined;
    const created = await c.create({ ...(name && { name }), config, hostConfig: hostConfig ?? null, networkingConfig: networkingConfig ?? null });
    sendJson(ctx.res!, 201, { Id: created.id, Warnings: created.warnings });
  });

  r.add('GET', '/containers/json', async (ctx) => {
    const filters = parseFilters(ctx.query.get('filters'));
    const limit = queryInt(ctx, 'limit');
    const before = ctx.query.get('before') || undefined;
    const since = ctx.query.get('since') || undefined;
    const list = c.filter(filters, {
      all: queryBool(ctx, 'all'),
      ...(limit !== undefined && limit > 0 && { limit }),
      ...(before && { before }),
      ...(since && { since }),
    });
    const withSize = queryBool(ctx, 'size');
    const out = [];
    for (const rec of list) {
      const size = withSize ? await sizeOf(s, rec.id, rec.image) : undefined;
      out.push(containerSummary(rec, s.convert, c.statusText(rec), size));
    }
    sendJson(ctx.res!, 200, out);
  });

  r.add('GET', '/containers/{id}/json', async (ctx) => {
    const rec = c.find(ctx.params[0]!);
    const size = queryBool(ctx, 'size') ? await sizeOf(s, rec.id, rec.image) : undefined;
    sendJson(ctx.res!, 200, containerInspect(rec, s.convert, size));
  });

  r.add('POST', '/containers/{id}/start', async (ctx) => {
    if (ctx.query.get('checkpoint')) throw notImplemented('checkpoints are not supported');
    await c.start(ctx.params[0]!);
    sendEmpty(ctx.res!, 204);
  });

  r.add('POST', '/containers/{id}/stop', async (ctx) => {
    const t = queryInt(ctx, 't');
    await c.stop(ctx.params[0]!, t, ctx.query.get('signal') ?? undefined);
    sendEmpty(ctx.res!, 204);
  });

  r.add('POST', '/containers/{id}/restart', async (ctx) => {
    await c.restart(ctx.params[0]!, queryInt(ctx, 't'), ctx.query.get('signal') ?? undefined);
    sendEmpty(ctx.res!, 204);
  });

  r.add('POST', '/containers/{id}/kill', async (ctx) => {
    await c.kill(ctx.params[0]!, ctx.query.get('signal') ?? undefined);
    sendEmpty(ctx.res!, 204);
  });

  r.add('POST', '/containers/{id}/pause', async (ctx) => {
    await c.pause(ctx.params[0]!);
    sendEmpty(ctx.res!, 204);
  });

  r.add('POST', '/containers/{id}/unpause', async (ctx) => {
    await c.unpause(ctx.params[0]!);
    sendEmpty(ctx.res!, 204);
  });

  r.add('POST', '/containers/{id}/rename', async (ctx) => {
    await c.rename(ctx.params[0]!, ctx.query.get('name') ?? '');
    sendEmpty(ctx.res!, 204);
  });

  r.add('DELETE', '/containers/{id}', async (ctx) => {
    if (queryBool(ctx, 'link')) throw notImplemented('links are not supported yet');
    await c.remove(ctx.params[0]!, { force: queryBool(ctx, 'force'), volumes: queryBool(ctx, 'v') });
    sendEmpty(ctx.res!, 204);
  });

  r.add('POST', '/containers/prune', async (ctx) => {
    const { deleted, reclaimed } = await c.prune(parseFilters(ctx.query.get('filters')));
    sendJson(ctx.res!, 200, { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed });
  });

  r.add('POST', '/containers/{id}/wait', async (ctx) => {
    const raw = ctx.query.get('condition') || 'not-running';
    if (!['not-running', 'next-exit', 'removed'].includes(raw)) throw invalidArgument(`invalid condition: "${raw}"`);
    const id = c.find(ctx.params[0]!).id;
    const res = ctx.res!;
    // Headers go out at once: `docker run` posts the wait, then starts the container.
    startStream(res, 'application/json');
    try {
      const result = await c.wait(id, raw as WaitCondition, ctx.signal);
      res.end(JSON.stringify(result) + '\n');
    } catch (err) {
      if (!res.writableEnded && !res.destroyed) res.end(JSON.stringify({ Error: { Message: messageOf(err) }, StatusCode: -1 }) + '\n');
    }
  });

  r.add('POST', '/containers/{id}/resize', async (ctx) => {
    await c.resize(ctx.params[0]!, queryInt(ctx, 'h') ?? 0, queryInt(ctx, 'w') ?? 0);
    sendEmpty(ctx.res!, 200);
  });

  r.add('GET', '/containers/{id}/logs', async (ctx) => {
    const rec = c.find(ctx.params[0]!);
    const stdout = queryBool(ctx, 'stdout');
    const stderr = queryBool(ctx, 'stderr');
    if (!stdout && !stderr) throw invalidArgument('Bad parameters: you must choose at least one stream');
    const tailRaw = ctx.query.get('tail');
    const tail = !tailRaw || tailRaw === 'all' ? undefined : /^\d+$/.test(tailRaw) ? Number(tailRaw) : undefined;
    const since = ctx.query.get('since');
    const until = ctx.query.get('until');
    const timestamps = queryBool(ctx, 'timestamps');
    const entries = c.logs(rec.id, {
      follow: queryBool(ctx, 'follow'),
      ...(tail !== undefined && { tail }),
      ...(since && since !== '0' && { since: parseTimestampParam(since) }),
      ...(until && until !== '0' && { until: parseTimestampParam(until) }),
      signal: ctx.signal,
    });
    const res = ctx.res!;
    startStream(res);
    const tty = rec.config.Tty;
    for await (const e of entries) {
      if ((e.stream === 'stdout' && !stdout) || (e.stream === 'stderr' && !stderr)) continue;
      const payload = timestamps ? Buffer.concat([Buffer.from(formatRfc3339NanoFixed(e.time) + ' '), e.data]) : e.data;
      res.write(tty ? payload : frame(e.stream === 'stdout' ? 1 : 2, payload));
    }
    res.end();
  });

  r.add('POST', '/containers/{id}/attach', async (ctx) => {
    const rec = c.find(ctx.params[0]!);
    const wantStdin = queryBool(ctx, 'stdin');
    const wantStdout = queryBool(ctx, 'stdout');
    const wantStderr = queryBool(ctx, 'stderr');
    const stream = queryBool(ctx, 'stream');
    const logs = queryBool(ctx, 'logs');
    const tty = rec.config.Tty;
    const detachKeys = parseDetachKeys(ctx.query.get('detachKeys'));
    const { session } = stream ? await c.attach(rec.id, { stdin: wantStdin }) : { session: undefined };
    const conn = hijack(ctx);
    if (logs) {
      for await (const e of c.logs(rec.id, { follow: false })) {
        if ((e.stream === 'stdout' && !wantStdout) || (e.stream === 'stderr' && !wantStderr)) continue;
        conn.output.write(tty ? e.data : frame(e.stream === 'stderr' ? 2 : 1, e.data));
      }
    }
    if (!session) {
      conn.end();
      return;
    }
    await relaySession(conn, session, { tty, stdout: wantStdout, stderr: wantStderr, stdin: wantStdin, detachKeys });
  });
}

async function sizeOf(s: ApiServices, id: string, image: string): Promise<{ rw: number; rootFs: number }> {
  const rw = await s.containers.rwSize(id).catch((err: unknown) => {
    if (isKind(err, 'not-found')) return 0;
    throw err;
  });
  const img = s.images.get(image as `sha256:${string}`);
  return { rw, rootFs: rw + (img?.size ?? 0) };
}

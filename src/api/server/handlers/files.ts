import { encodePathStat } from '../../../engine/container-files.js';
import { commonHeaders, queryBool, sendEmpty } from '../http.js';
import type { RequestContext, Router } from '../router.js';
import type { ApiServices } from '../services.js';

/**
 * Routes for a container's files: the archive endpoints `docker cp` uses and export. (diff and
 * commit live in commit.ts.)
 */
export function fileRoutes(r: Router, s: ApiServices): void {
  const files = s.files;

  /** A streamed tar body; the client leaving aborts ctx.signal, which stops the walk. */
  const tarBody = (ctx: RequestContext, headers: Record<string, string>) => {
    const res = ctx.res!;
    res.writeHead(200, { ...commonHeaders(), ...headers });
    return res;
  };

  const streamFailed = (ctx: RequestContext, err: unknown) => {
    // Headers are out: the only way left to say "incomplete" is to cut the connection.
    if (!ctx.signal.aborted) s.log.warn('container archive stream failed', { err });
    ctx.res!.destroy();
  };

  r.add('GET', '/containers/{name}/archive', async (ctx) => {
    const [name] = ctx.params as [string];
    const path = ctx.query.get('path') ?? '';
    if (ctx.req.method === 'HEAD') {
      const stat = await files.statPath(name, path);
      ctx.res!.writeHead(200, { ...commonHeaders(), 'X-Docker-Container-Path-Stat': encodePathStat(stat) });
      ctx.res!.end();
      return;
    }
    let started = false;
    try {
      await files.archivePath(
        name,
        path,
        (stat) => {
          started = true;
          return tarBody(ctx, { 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': encodePathStat(stat) });
        },
        ctx.signal,
      );
    } catch (err) {
      if (!started) throw err;
      streamFailed(ctx, err);
    }
  });

  r.add('PUT', '/containers/{name}/archive', async (ctx) => {
    const [name] = ctx.params as [string];
    const path = ctx.query.get('path') ?? '';
    // moby: replacing a directory with a file (and back) is allowed unless noOverwriteDirNonDir is set and true.
    const noOverwriteDirNonDir = ctx.query.has('noOverwriteDirNonDir') && queryBool(ctx, 'noOverwriteDirNonDir');
    const copyUIDGID = queryBool(ctx, 'copyUIDGID');
    try {
      await files.extractToDir(name, path, ctx.req, { noOverwriteDirNonDir, copyUIDGID, signal: ctx.signal });
    } finally {
      // An error can come before the body was read: drain it so the client gets the answer.
      if (!ctx.req.readableEnded) ctx.req.resume();
    }
    sendEmpty(ctx.res!, 200);
  });

  r.add('GET', '/containers/{name}/export', async (ctx) => {
    const [name] = ctx.params as [string];
    let started = false;
    try {
      await files.export(
        name,
        () => {
          started = true;
          return tarBody(ctx, { 'Content-Type': 'application/octet-stream' });
        },
        ctx.signal,
      );
    } catch (err) {
      if (!started) throw err;
      streamFailed(ctx, err);
    }
  });
}

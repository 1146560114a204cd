import type { ContainerConfig } from '../../../oci/image.js';
import { readJson, sendJson } from '../http.js';
import type { RequestContext, Router } from '../router.js';
import type { ApiServices } from '../services.js';
import { validateCreateBody } from '../validate.js';

/**
 * dockerd's httputils.BoolValueOrDefault: absent means the default; present, anything but an empty
 * string, 0, no, false or none is true.
 */
function boolOrDefault(ctx: RequestContext, name: string, def: boolean): boolean {
  if (!ctx.query.has(name)) return def;
  const v = (ctx.query.get(name) ?? '').trim().toLowerCase();
  return !['', '0', 'no', 'false', 'none'].includes(v);
}

/** Routes for a container's changes: diff (/containers/{id}/changes) and commit (/commit). */
export function commitRoutes(r: Router, s: ApiServices): void {
  r.add('GET', '/containers/{id}/changes', async (ctx) => {
    const changes = await s.commits.changes(ctx.params[0]!, ctx.signal);
    // dockerd's list is a nil slice when nothing changed, which Go encodes as null.
    sendJson(ctx.res!, 200, changes.length ? changes : null);
  });

  r.add('POST', '/commit', async (ctx) => {
    const body = await readJson<unknown>(ctx);
    // An empty body is fine (the docker CLI sends none); anything else must be a container config.
    const config = body === undefined || body === null ? undefined : (validateCreateBody(body) as ContainerConfig & { HostConfig?: unknown; NetworkingConfig?: unknown });
    if (config) {
      delete config.HostConfig;
      delete config.NetworkingConfig;
    }
    const q = ctx.query;
    const id = await s.commits.commit({
      container: q.get('container') ?? '',
      ...(q.get('repo') && { repo: q.get('repo')! }),
      ...(q.get('tag') && { tag: q.get('tag')! }),
      ...(q.get('comment') && { comment: q.get('comment')! }),
      ...(q.get('author') && { author: q.get('author')! }),
      pause: boolOrDefault(ctx, 'pause', true),
      ...(config && { config }),
      changes: q.getAll('changes'),
      signal: ctx.signal,
    });
    sendJson(ctx.res!, 201, { Id: id });
  });
}

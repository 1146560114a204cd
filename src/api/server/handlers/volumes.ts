import { invalidArgument } from '../../../common/errors.js';
import { parseFilters } from '../../../engine/filters.js';
import { compareApiVersions, type VolumeCreateRequest } from '../../types/index.js';
import { volumeJson } from '../convert.js';
import { queryBool, readJson, sendEmpty, sendJson } from '../http.js';
import type { Router } from '../router.js';
import type { ApiServices } from '../services.js';

/** `/volumes*`, as dockerd answers them (captures 38–41, 65, 68c, 99 in api-contract.md). */
export function volumeRoutes(r: Router, s: ApiServices): void {
  const v = s.volumes;

  r.add('GET', '/volumes', async (ctx) => {
    const list = v.list(parseFilters(ctx.query.get('filters')));
    sendJson(ctx.res!, 200, { Volumes: list.map((x) => volumeJson(x)), Warnings: null });
  });

  r.add('POST', '/volumes/create', async (ctx) => {
    const body = (await readJson<VolumeCreateRequest>(ctx)) ?? {};
    if (typeof body !== 'object' || Array.isArray(body)) throw invalidArgument('invalid volume create request');
    const created = await v.create({
      ...(body.Name && { name: body.Name }),
      ...(body.Driver && { driver: body.Driver }),
      options: body.DriverOpts ?? null,
      labels: body.Labels ?? null,
    });
    sendJson(ctx.res!, 201, volumeJson(created));
  });

  r.add('POST', '/volumes/prune', async (ctx) => {
    const before142 = compareApiVersions(ctx.apiVersion, '1.42') < 0;
    const { deleted, reclaimed } = await v.prune(parseFilters(ctx.query.get('filters')), before142);
    sendJson(ctx.res!, 200, { VolumesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed });
  });

  r.add('GET', '/volumes/{name}', async (ctx) => {
    sendJson(ctx.res!, 200, volumeJson(v.inspect(ctx.params[0]!)));
  });

  r.add('DELETE', '/volumes/{name}', async (ctx) => {
    await v.remove(ctx.params[0]!, queryBool(ctx, 'force'));
    sendEmpty(ctx.res!, 204);
  });
}

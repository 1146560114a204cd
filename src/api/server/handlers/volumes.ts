import { notFound } from '../../../common/errors.js';
import { sendJson } from '../http.js';
import type { Router } from '../router.js';

/**
 * Volumes do not exist in berth yet: listing and pruning answer truthfully with nothing, and a
 * named volume is Docker's 404, so `system prune --volumes` and `inspect` behave.
 */
export function volumeRoutes(r: Router): void {
  r.add('GET', '/volumes', async (ctx) => sendJson(ctx.res!, 200, { Volumes: [], Warnings: null }));
  r.add('GET', '/volumes/{name}', async (ctx) => {
    throw notFound(`get ${ctx.params[0]}: no such volume`);
  });
  r.add('POST', '/volumes/prune', async (ctx) => sendJson(ctx.res!, 200, { VolumesDeleted: null, SpaceReclaimed: 0 }));
}

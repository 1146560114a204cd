import { notFound } from '../../../common/errors.js';
import { parseFilters } from '../../../engine/filters.js';
import { builtinNetworkId } from '../convert.js';
import { sendJson } from '../http.js';
import type { Router } from '../router.js';
import type { ApiServices } from '../services.js';

/**
 * The networks berth has until user networks arrive: the built-in `none` and `host`, each listing
 * the running containers on it, in dockerd's JSON shape.
 */
const builtins = [
  { name: 'none', driver: 'null' },
  { name: 'host', driver: 'host' },
] as const;

const created = new Date().toISOString();

export function networkRoutes(r: Router, s: ApiServices): void {
  const view = (n: (typeof builtins)[number]) => {
    const containers: Record<string, unknown> = {};
    for (const c of s.containers.list()) {
      const mode = c.hostConfig.NetworkMode === 'default' ? 'none' : c.hostConfig.NetworkMode;
      if (mode !== n.name || (c.state.Status !== 'running' && c.state.Status !== 'paused')) continue;
      containers[c.id] = { Name: c.name.slice(1), EndpointID: '', MacAddress: '', IPv4Address: '', IPv6Address: '' };
    }
    return {
      Name: n.name,
      Id: builtinNetworkId(n.name),
      Created: created,
      Scope: 'local',
      Driver: n.driver,
      EnableIPv6: false,
      IPAM: { Driver: 'default', Options: null, Config: [] },
      Internal: false,
      Attachable: false,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Containers: containers,
      Options: {},
      Labels: {},
    };
  };
  const find = (idOrName: string) => {
    const n = builtins.find((b) => b.name === idOrName || (idOrName.length >= 1 && builtinNetworkId(b.name).startsWith(idOrName)));
    if (!n) throw notFound(`network ${idOrName} not found`);
    return n;
  };

  r.add('GET', '/networks', async (ctx) => {
    const names = parseFilters(ctx.query.get('filters')).get('name');
    sendJson(ctx.res!, 200, builtins.filter((b) => !names || names.some((n) => b.name.includes(n))).map(view));
  });
  r.add('GET', '/networks/{id}', async (ctx) => sendJson(ctx.res!, 200, view(find(ctx.params[0]!))));
  // Built-in networks are never pruned; there are no others yet.
  r.add('POST', '/networks/prune', async (ctx) => sendJson(ctx.res!, 200, { NetworksDeleted: null }));
}

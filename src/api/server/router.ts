import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { invalidArgument } from '../../common/errors.js';

function decodeParam(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw invalidArgument(`invalid escape in path: ${p}`);
  }
}

/** What a handler gets: the parsed request and, for hijackable routes, the raw socket. */
export interface RequestContext {
  req: IncomingMessage;
  res?: ServerResponse;
  /** Set when the client asked to upgrade (attach, exec start): the raw connection and early bytes. */
  upgrade?: { socket: Duplex; head: Buffer };
  params: string[];
  query: URLSearchParams;
  apiVersion: string;
  signal: AbortSignal;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

/**
 * Routes by method and path. Image names contain `/` and `:` (`/images/127.0.0.1:5000/a/b/push`),
 * so a `{name}` segment matches greedily and the fixed suffix anchors the match from the right.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler): this {
    const pattern = new RegExp(
      '^' +
        path
          .split('/')
          .map((seg) => (seg === '{name*}' ? '(.+)' : seg.startsWith('{') ? '([^/]+)' : seg.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
          .join('/') +
        '$',
    );
    this.routes.push({ method, pattern, handler });
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: string[] } | 'method-not-allowed' | undefined {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) {
        return { handler: r.handler, params: m.slice(1).map(decodeParam) };
      }
    }
    return pathMatched ? 'method-not-allowed' : undefined;
  }
}

import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { invalidArgument, messageOf, notFound } from '../../common/errors.js';
import { apiVersion, compareApiVersions, minApiVersion } from '../types/index.js';
import { commitRoutes } from './handlers/commit.js';
import { containerRoutes } from './handlers/containers.js';
import { execRoutes } from './handlers/exec.js';
import { fileRoutes } from './handlers/files.js';
import { imageRoutes } from './handlers/images.js';
import { statsRoutes } from './handlers/stats.js';
import { networkRoutes } from './handlers/networks.js';
import { volumeRoutes } from './handlers/volumes.js';
import { systemRoutes } from './handlers/system.js';
import { commonHeaders, sendError } from './http.js';
import { Router, type RequestContext } from './router.js';
import type { ApiServices } from './services.js';
import { statusFor } from './status.js';

/** Routes that may take over the connection (`Upgrade: tcp`). */
const hijackable = /^\/(containers\/[^/]+\/attach|exec\/[^/]+\/start)$/;

/** Splits `/v1.41/containers/json` into the version and the route path; checks the version. */
export function parsePath(rawPath: string): { version: string; path: string } {
  const m = /^\/v([0-9]+\.[0-9]+)(\/.*)$/.exec(rawPath);
  if (!m) return { version: apiVersion, path: rawPath };
  const version = m[1]!;
  if (compareApiVersions(version, apiVersion) > 0) {
    throw invalidArgument(`client version ${version} is too new. Maximum supported API version is ${apiVersion}`);
  }
  if (compareApiVersions(version, minApiVersion) < 0) {
    throw invalidArgument(`client version ${version} is too old. Minimum supported API version is ${minApiVersion}, please upgrade your client to a newer version`);
  }
  return { version, path: m[2]! };
}

export function buildRouter(services: ApiServices): Router {
  const router = new Router();
  systemRoutes(router, services);
  containerRoutes(router, services);
  imageRoutes(router, services);
  execRoutes(router, services);
  fileRoutes(router, services);
  commitRoutes(router, services);
  statsRoutes(router, services);
  networkRoutes(router, services);
  volumeRoutes(router, services);
  return router;
}

/** Writes a plain HTTP response on a raw socket (an upgrade request we refuse). */
function rawResponse(socket: Duplex, status: number, body: unknown): void {
  const data = JSON.stringify(body) + '\n';
  const headers = { ...commonHeaders(), 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(data)), Connection: 'close' };
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('') +
      '\r\n' +
      data,
  );
}

export function createApiServer(services: ApiServices): Server {
  const router = buildRouter(services);
  const log = services.log;

  const dispatch = async (req: IncomingMessage, res: ServerResponse | undefined, upgrade: { socket: Duplex; head: Buffer } | undefined) => {
    const started = performance.now();
    const rid = randomBytes(4).toString('hex');
    const url = new URL(req.url ?? '/', 'http://berth');
    const abort = new AbortController();
    const onGone = () => abort.abort(new Error('client disconnected'));
    if (res) res.on('close', onGone);
    if (upgrade) upgrade.socket.on('close', onGone);
    let status = 0;
    try {
      const { version, path } = parsePath(url.pathname);
      const m = router.match(req.method ?? 'GET', path);
      if (m === undefined) throw notFound('page not found');
      if (m === 'method-not-allowed') throw notFound('page not found');
      if (upgrade && !hijackable.test(path)) throw invalidArgument(`cannot upgrade the connection for ${path}`);
      const ctx: RequestContext = {
        req,
        ...(res && { res }),
        ...(upgrade && { upgrade }),
        params: m.params,
        query: url.searchParams,
        apiVersion: version,
        signal: abort.signal,
      };
      await m.handler(ctx);
      status = res?.statusCode ?? 101;
    } catch (err) {
      status = statusFor(err);
      if (status >= 500) log.error('request failed', { rid, method: req.method, path: url.pathname, err });
      if (res) sendError(res, err);
      else if (upgrade && !upgrade.socket.destroyed) rawResponse(upgrade.socket, status, { message: messageOf(err) });
    } finally {
      res?.off('close', onGone);
      if (log.enabled('debug')) {
        log.debug('request', { rid, method: req.method, path: url.pathname + url.search, status, ms: Math.round(performance.now() - started) });
      }
    }
  };

  const server = createServer({ keepAlive: true }, (req, res) => {
    void dispatch(req, res, undefined);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    void dispatch(req, undefined, { socket, head });
  });
  server.on('clientError', (err, socket) => {
    if (!socket.writable) return;
    const data = JSON.stringify({ message: `bad request: ${err.message}` });
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(data)}\r\nConnection: close\r\n\r\n${data}`);
  });
  // Streams (logs -f, events, attach) stay open for as long as the client wants.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 60_000;
  return server;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import { invalidArgument, messageOf } from '../../common/errors.js';
import { apiVersion } from '../types/index.js';
import type { RequestContext } from './router.js';
import { statusFor } from './status.js';

export const serverName = 'berth';

/** Headers dockerd puts on every normal response; clients read the API version from them. */
export function commonHeaders(): Record<string, string> {
  return { 'Api-Version': apiVersion, 'Docker-Experimental': 'false', Ostype: 'linux', Server: `${serverName} (linux)` };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body) + '\n');
  res.writeHead(status, { ...commonHeaders(), 'Content-Type': 'application/json', 'Content-Length': String(data.length) });
  res.end(data);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, commonHeaders());
  res.end();
}

export function sendError(res: ServerResponse, err: unknown): void {
  const status = statusFor(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status === 304) return sendEmpty(res, 304);
  sendJson(res, status, { message: messageOf(err) });
}

/** Starts a streamed response: headers go out at once (clients wait on them, e.g. `wait`). */
export function startStream(res: ServerResponse, contentType?: string): void {
  res.writeHead(200, { ...commonHeaders(), ...(contentType && { 'Content-Type': contentType }) });
  res.flushHeaders();
}

const maxJsonBody = 16 * 1024 * 1024;

export async function readBody(req: Readable, limit = maxJsonBody): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw invalidArgument(`request body too large (more than ${limit} bytes)`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The body of a request that asked to upgrade (exec start): Node stops parsing at the headers, so
 * the Content-Length bytes are taken from what arrived with them and then from the socket; any
 * bytes beyond are stdin and are put back.
 */
async function readUpgradeBody(ctx: RequestContext): Promise<Buffer> {
  const length = Number(ctx.req.headers['content-length'] ?? 0);
  const { socket } = ctx.upgrade!;
  let buf = ctx.upgrade!.head;
  while (buf.length < length) {
    const chunk = await new Promise<Buffer | null>((resolve) => {
      const onData = (d: Buffer) => {
        socket.off('end', onEnd);
        socket.pause();
        resolve(d);
      };
      const onEnd = () => {
        socket.off('data', onData);
        resolve(null);
      };
      socket.once('data', onData);
      socket.once('end', onEnd);
      socket.resume();
    });
    if (!chunk) break;
    buf = Buffer.concat([buf, chunk]);
  }
  ctx.upgrade!.head = buf.subarray(length);
  return buf.subarray(0, length);
}

/** A JSON request body; an empty body is `undefined`, malformed JSON a 400. */
export async function readJson<T>(ctx: RequestContext): Promise<T | undefined> {
  const body = ctx.upgrade ? await readUpgradeBody(ctx) : await readBody(ctx.req);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch (err) {
    throw invalidArgument(`invalid JSON in request body: ${messageOf(err)}`);
  }
}

export function queryBool(ctx: RequestContext, name: string): boolean {
  const v = ctx.query.get(name);
  if (v === null || v === '') return false;
  if (['1', 't', 'T', 'true', 'True', 'TRUE'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'False', 'FALSE'].includes(v)) return false;
  throw invalidArgument(`invalid boolean value for ${name}: ${JSON.stringify(v)}`);
}

/**
 * dockerd's BoolValueOrDefault: absent is the default; present, anything but "", "0", "no",
 * "false" and "none" (any case) is true. `stream=` therefore means false.
 */
export function queryBoolOrDefault(ctx: RequestContext, name: string, dflt: boolean): boolean {
  if (!ctx.query.has(name)) return dflt;
  const v = (ctx.query.get(name) ?? '').trim().toLowerCase();
  return !['', '0', 'no', 'false', 'none'].includes(v);
}

export function queryInt(ctx: RequestContext, name: string): number | undefined {
  const v = ctx.query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw invalidArgument(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * The two ends of a hijacked connection (attach, exec start). With `Upgrade: tcp` the server
 * answers exactly `101 UPGRADED`, as CLI 28 requires, and then speaks raw bytes on the socket;
 * an old-style client without Upgrade gets a 200 raw stream on the response instead.
 */
export interface Hijacked {
  input: Readable;
  output: Writable;
  /** The client went away (or half-closed its side, see `input`'s 'end'). */
  onClose(cb: () => void): void;
  end(): void;
}

export function hijack(ctx: RequestContext): Hijacked {
  if (ctx.upgrade) {
    const socket: Duplex = ctx.upgrade.socket;
    socket.write(
      'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
    );
    if (ctx.upgrade.head.length) socket.unshift(ctx.upgrade.head);
    // Reading a request body may have paused the socket; listeners are attached in this same tick.
    socket.resume();
    return {
      input: socket,
      output: socket,
      onClose: (cb) => socket.once('close', cb),
      end: () => {
        socket.end();
      },
    };
  }
  const res = ctx.res!;
  res.writeHead(200, { ...commonHeaders(), 'Content-Type': 'application/vnd.docker.raw-stream' });
  res.flushHeaders();
  return {
    input: ctx.req,
    output: res,
    onClose: (cb) => res.once('close', cb),
    end: () => res.end(),
  };
}

export type { IncomingMessage };

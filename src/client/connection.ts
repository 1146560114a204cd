import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { apiVersion, compareApiVersions } from '../api/types/index.js';
import { responseError } from './errors.js';
import { encodeQuery, type Query } from './query.js';
import { readBody } from './streams.js';
import type { Transport, UpgradedConnection } from './transport.js';

export interface CallOptions {
  query?: Query;
  /** Sent as JSON (`Content-Type: application/json`). */
  json?: unknown;
  /** Sent as is, chunked when it is a stream. */
  body?: Buffer | Readable;
  contentType?: string;
  headers?: OutgoingHttpHeaders;
  signal?: AbortSignal;
}

/** What `/_ping` told us about the daemon. */
export interface PingResult {
  apiVersion?: string;
  osType?: string;
  experimental: boolean;
}

/** The version assumed when the daemon's ping carries none (docker does the same). */
const fallbackVersion = '1.24';

/**
 * Versioned calls to the daemon. The API version is negotiated once, lazily, as docker's CLI does:
 * `HEAD /_ping` (GET when HEAD is not allowed), then every path is prefixed with
 * `/v<min(ours, theirs)>`. A command that fails before talking to the daemon never connects.
 */
export class Connection {
  private negotiated?: Promise<string>;
  private pinged?: PingResult;

  constructor(
    readonly transport: Transport,
    /** The newest API version this client speaks. */
    readonly maxVersion: string = apiVersion,
  ) {}

  /** The negotiated API version (negotiating on first use). */
  version(): Promise<string> {
    this.negotiated ??= this.ping().then((p) => {
      const server = p.apiVersion ?? fallbackVersion;
      return compareApiVersions(server, this.maxVersion) < 0 ? server : this.maxVersion;
    });
    return this.negotiated;
  }

  async ping(): Promise<PingResult> {
    if (this.pinged) return this.pinged;
    // Reading each answer to its end hands the connection back for the calls that follow.
    let res = await this.transport.send({ method: 'HEAD', path: '/_ping' });
    await readBody(res);
    if (res.statusCode === 405) {
      res = await this.transport.send({ method: 'GET', path: '/_ping' });
      await readBody(res);
    }
    const header = (name: string) => {
      const v = res.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const version = header('api-version');
    const osType = header('ostype');
    this.pinged = {
      ...(version && { apiVersion: version }),
      ...(osType && { osType }),
      experimental: header('docker-experimental') === 'true',
    };
    return this.pinged;
  }

  /** A call whose response is returned unread; statuses of 400 and above become DaemonErrors. */
  async call(method: string, path: string, opts: CallOptions = {}): Promise<IncomingMessage> {
    const versioned = `/v${await this.version()}${path}${encodeQuery(opts.query)}`;
    const res = await this.transport.send({ method, path: versioned, ...this.payload(opts) });
    const status = res.statusCode ?? 0;
    if (status >= 400) {
      throw responseError(status, res.headers['content-type'], await readBody(res), versioned);
    }
    return res;
  }

  async json<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
    return (await this.raw<T>(method, path, opts)).value;
  }

  /** The parsed answer and its text, for callers that print the daemon's JSON as it was sent. */
  async raw<T>(method: string, path: string, opts: CallOptions = {}): Promise<{ value: T; raw: string }> {
    const raw = (await readBody(await this.call(method, path, opts))).toString('utf8');
    return { value: JSON.parse(raw) as T, raw };
  }

  /** A call whose body does not matter; resolves with the status (204, or 304 = nothing to do). */
  async empty(method: string, path: string, opts: CallOptions = {}): Promise<number> {
    const res = await this.call(method, path, opts);
    await readBody(res);
    return res.statusCode ?? 0;
  }

  async upgrade(method: string, path: string, opts: CallOptions = {}): Promise<UpgradedConnection> {
    const versioned = `/v${await this.version()}${path}${encodeQuery(opts.query)}`;
    return this.transport.upgrade({ method, path: versioned, ...this.payload(opts) });
  }

  private payload(opts: CallOptions): { headers: OutgoingHttpHeaders; body?: Buffer | Readable; signal?: AbortSignal } {
    const headers: OutgoingHttpHeaders = { ...opts.headers };
    let body = opts.body;
    if (opts.json !== undefined) {
      body = Buffer.from(JSON.stringify(opts.json));
      headers['Content-Type'] = 'application/json';
    } else if (opts.contentType) {
      headers['Content-Type'] = opts.contentType;
    }
    if (Buffer.isBuffer(body)) headers['Content-Length'] = String(body.length);
    return { headers, ...(body !== undefined && { body }), ...(opts.signal && { signal: opts.signal }) };
  }
}

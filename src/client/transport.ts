import { Agent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { errnoCode } from '../common/errors.js';
import type { DaemonAddress } from './address.js';
import { ConnectionError, DaemonError, responseError } from './errors.js';

/** What goes into one HTTP request. A Readable body is streamed with chunked encoding. */
export interface HttpRequest {
  method: string;
  /** Path and query, already versioned (`/v1.41/containers/json?all=1`). */
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer | Readable;
  signal?: AbortSignal;
}

/** A connection taken over after `101 UPGRADED` (attach): raw bytes both ways. */
export interface UpgradedConnection {
  /**
   * Paused: nothing is read, and no output or end is missed, until the consumer calls resume()
   * (a 'data' listener alone does not restart an explicitly paused stream).
   */
  socket: Socket;
  /** Bytes the server sent right behind the 101, before anyone was listening. */
  head: Buffer;
}

/**
 * HTTP/1.1 to the daemon over a UNIX socket or TCP. One keep-alive agent per process, so that
 * sequential calls share a connection the way docker's do (ping and create on one socket), while
 * calls in flight at the same time (wait, attach, start) each get their own.
 */
export class Transport {
  private readonly agent = new Agent({ keepAlive: true });

  constructor(
    readonly address: DaemonAddress,
    private readonly userAgent: string,
  ) {}

  /** Sends a request and resolves with the response head, whatever its status. */
  send(req: HttpRequest): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const cr = this.open(req);
      cr.once('response', resolve);
      cr.once('error', (err) => reject(this.connectError(err, req)));
      this.writeBody(cr, req.body);
    });
  }

  /**
   * Sends a request asking to upgrade the connection to a raw stream (`Upgrade: tcp`), as docker's
   * attach does. Any answer other than 101 is an error; its JSON message, if any, is kept.
   */
  upgrade(req: HttpRequest): Promise<UpgradedConnection> {
    return new Promise((resolve, reject) => {
      const cr = this.open({ ...req, headers: { ...req.headers, Connection: 'Upgrade', Upgrade: 'tcp' } });
      cr.once('upgrade', (_res: IncomingMessage, socket: Socket, head: Buffer) => {
        // Node hands the socket over still flowing (its parser was reading it): whatever arrived
        // before the caller listens would be dropped.
        socket.pause();
        resolve({ socket, head });
      });
      cr.once('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => {
          const status = res.statusCode ?? 0;
          const body = Buffer.concat(chunks);
          reject(
            body.toString('utf8').trim() === ''
              ? new DaemonError(status, `unable to upgrade to tcp, received ${status}`)
              : responseError(status, res.headers['content-type'], body, req.path),
          );
        });
        res.once('error', reject);
      });
      cr.once('error', (err) => reject(this.connectError(err, req)));
      this.writeBody(cr, req.body);
    });
  }

  /** Lets the process exit: drops idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private open(req: HttpRequest): ClientRequest {
    const a = this.address;
    const headers: OutgoingHttpHeaders = {
      // docker's placeholder host for socket connections; dockerd and berthd both ignore it.
      Host: a.kind === 'unix' ? 'api.moby.localhost' : `${a.host}:${a.port}`,
      'User-Agent': this.userAgent,
      ...req.headers,
    };
    const options: RequestOptions & { servername: string } = {
      ...(a.kind === 'unix' ? { socketPath: a.path } : { host: a.host, port: a.port }),
      method: req.method,
      path: req.path,
      headers,
      agent: this.agent,
      // A TLS option, but without it the agent derives a server name from the host and, doing so,
      // compiles Node's IPv6 regular expression: milliseconds on every plain-HTTP start-up.
      servername: '',
      ...(req.signal && { signal: req.signal }),
    };
    return httpRequest(options);
  }

  private writeBody(cr: ClientRequest, body: Buffer | Readable | undefined): void {
    if (body === undefined || Buffer.isBuffer(body)) {
      cr.end(body);
      return;
    }
    body.once('error', (err) => cr.destroy(err));
    body.pipe(cr);
  }

  private connectError(err: Error, req: HttpRequest): Error {
    const code = errnoCode(err);
    const url = this.address.url;
    if (code === 'EACCES' || code === 'EPERM') {
      return new ConnectionError(`permission denied while trying to connect to the berth daemon socket at ${url}: ${req.method} ${req.path}: ${err.message}`, err);
    }
    if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTSOCK' || code === 'EADDRNOTAVAIL' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
      return new ConnectionError(`Cannot connect to the berth daemon at ${url}. Is the berth daemon running?`, err);
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return new ConnectionError(`error during connect: ${req.method} "http://${this.address.kind === 'tcp' ? `${this.address.host}:${this.address.port}` : 'api.moby.localhost'}${req.path}": ${err.message}`, err);
    }
    return err;
  }
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKind } from '../common/errors.js';
import { frame } from '../common/stdcopy.js';
import { Client } from './client.js';
import { parseDaemonAddress } from './address.js';
import { ConnectionError, DaemonError } from './errors.js';
import { demultiplex, readBody } from './streams.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  socket: number;
}

/** A scripted daemon on a UNIX socket that records every request and on which connection it came. */
async function fakeDaemon(
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
  opts: { apiVersion?: string | null; headAllowed?: boolean; upgrade?: (req: IncomingMessage, socket: Duplex) => void } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), 'berth-client-'));
  const path = join(dir, 'd.sock');
  const seen: Seen[] = [];
  const sockets = new Map<unknown, number>();
  const server: Server = createServer((req, res) => {
    void readBody(req).then((b) => {
      const body = b.toString('utf8');
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body, socket: sockets.get(req.socket)! });
      if (req.url === '/_ping') {
        if (req.method === 'HEAD' && opts.headAllowed === false) {
          res.writeHead(405).end();
          return;
        }
        const headers: Record<string, string> = {
          'Content-Type': 'text/plain; charset=utf-8',
          'Content-Length': req.method === 'GET' ? '2' : '0',
          Ostype: 'linux',
        };
        if (opts.apiVersion !== null) headers['Api-Version'] = opts.apiVersion ?? '1.41';
        res.writeHead(200, headers).end(req.method === 'GET' ? 'OK' : undefined);
        return;
      }
      handle(req, res, body);
    });
  });
  server.on('connection', (s) => sockets.set(s, sockets.size + 1));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: '', socket: -1 });
    opts.upgrade?.(req, socket);
  });
  await new Promise<void>((r) => server.listen(path, r));
  const client = new Client({ address: parseDaemonAddress(`unix://${path}`), userAgent: 'test' });
  return {
    client,
    seen,
    async close() {
      client.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
};

test('negotiates the API version like the docker CLI', async () => {
  for (const [advertised, expected] of [
    ['1.43', '1.41'],
    ['1.41', '1.41'],
    ['1.30', '1.30'],
    [null, '1.24'],
  ] as const) {
    const d = await fakeDaemon((_req, res) => json(res, 200, []), { apiVersion: advertised });
    try {
      await d.client.containers.list();
      assert.deepEqual(
        d.seen.map((s) => `${s.method} ${s.url}`),
        ['HEAD /_ping', `GET /v${expected}/containers/json`],
      );
    } finally {
      await d.close();
    }
  }
});

test('falls back to GET /_ping when HEAD is not allowed', async () => {
  const d = await fakeDaemon((_req, res) => json(res, 200, []), { headAllowed: false, apiVersion: '1.40' });
  try {
    await d.client.images.list();
    assert.deepEqual(
      d.seen.map((s) => `${s.method} ${s.url}`),
      ['HEAD /_ping', 'GET /_ping', 'GET /v1.40/images/json'],
    );
  } finally {
    await d.close();
  }
});

test('sequential calls share one connection, and queries are encoded like Go', async () => {
  const d = await fakeDaemon((_req, res) => json(res, 200, []));
  try {
    await d.client.containers.list({ all: true, limit: 1, filters: { status: ['running'], label: ['x=y', 'a=b'] } });
    await d.client.containers.list();
    const [ping, first, second] = d.seen;
    assert.equal(first!.url, '/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%7B%22a%3Db%22%3Atrue%2C%22x%3Dy%22%3Atrue%7D%2C%22status%22%3A%7B%22running%22%3Atrue%7D%7D&limit=1');
    assert.equal(ping!.socket, first!.socket);
    assert.equal(first!.socket, second!.socket);
  } finally {
    await d.close();
  }
});

test('error answers become DaemonErrors with the kind of their status', async () => {
  const d = await fakeDaemon((req, res) => {
    if (req.url!.includes('/containers/nosuch/json')) json(res, 404, { message: 'No such container: nosuch' });
    else if (req.url!.includes('/kill')) json(res, 409, { message: 'Cannot kill container: c2: Container abc is not running' });
    else if (req.url!.includes('/images/x/json')) res.writeHead(404).end();
    else res.writeHead(500, { 'Content-Type': 'text/plain' }).end('boom\n');
  });
  try {
    await assert.rejects(d.client.containers.inspect('nosuch'), (err: unknown) => {
      assert.ok(err instanceof DaemonError);
      assert.equal(err.status, 404);
      assert.ok(isKind(err, 'not-found'));
      assert.equal(err.message, 'No such container: nosuch');
      return true;
    });
    await assert.rejects(d.client.containers.kill('c2'), (err: unknown) => isKind(err, 'conflict'));
    await assert.rejects(d.client.images.inspect('x'), /request returned Not Found for API route and version \/v1\.41\/images\/x\/json/);
    await assert.rejects(d.client.containers.pause('y'), (err: unknown) => isKind(err, 'internal') && (err as Error).message === 'boom');
  } finally {
    await d.close();
  }
});

test('304 from start and stop is success', async () => {
  const d = await fakeDaemon((_req, res) => res.writeHead(304).end());
  try {
    await d.client.containers.start('c2');
    await d.client.containers.stop('c2', { timeout: 1 });
    assert.equal(d.seen[2]!.url, '/v1.41/containers/c2/stop?t=1');
  } finally {
    await d.close();
  }
});

test('an unreachable daemon is a ConnectionError with docker’s wording', async () => {
  const client = new Client({ address: parseDaemonAddress('unix:///nonexistent/berth.sock') });
  await assert.rejects(client.system.info(), (err: unknown) => {
    assert.ok(err instanceof ConnectionError);
    assert.equal(err.message, 'Cannot connect to the berth daemon at unix:///nonexistent/berth.sock. Is the berth daemon running?');
    return true;
  });
  client.close();
});

test('a wait is accepted before its result arrives', async () => {
  let finish: (() => void) | undefined;
  const d = await fakeDaemon((req, res) => {
    assert.equal(req.url, '/v1.41/containers/c/wait?condition=next-exit');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    finish = () => res.end('{"Error":null,"StatusCode":7}\n');
  });
  try {
    const w = d.client.containers.wait('c', 'next-exit');
    await w.accepted;
    assert.ok(finish, 'headers came before the result');
    finish!();
    assert.deepEqual(await w.result, { Error: null, StatusCode: 7 });
  } finally {
    await d.close();
  }
});

test('attach hijacks the connection: frames out, stdin in, half-close kept', async () => {
  let received = '';
  const d = await fakeDaemon(() => {}, {
    upgrade: (req, socket) => {
      assert.equal(req.headers['upgrade'], 'tcp');
      assert.equal(req.headers['connection'], 'Upgrade');
      socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
      socket.write(frame(1, Buffer.from('out\n')));
      socket.on('data', (c: Buffer) => (received += c.toString()));
      // After the client's half-close the daemon still sends, then ends.
      socket.on('end', () => {
        socket.write(frame(2, Buffer.from(`err:${received}`)));
        socket.end();
      });
    },
  });
  try {
    const conn = await d.client.containers.attach('c', { stdin: true, stdout: true, stderr: true });
    assert.equal(d.seen.at(-1)!.url, '/v1.41/containers/c/attach?stderr=1&stdin=1&stdout=1&stream=1');
    const out: string[] = [];
    const err: string[] = [];
    if (conn.head.length) conn.socket.unshift(conn.head);
    const done = demultiplex(conn.socket, { stdout: (b) => out.push(b.toString()), stderr: (b) => err.push(b.toString()) });
    conn.socket.end('typed');
    await done;
    assert.deepEqual(out, ['out\n']);
    assert.deepEqual(err, ['err:typed']);
  } finally {
    await d.close();
  }
});

test('an attach the daemon refuses reports its message', async () => {
  const d = await fakeDaemon(() => {}, {
    upgrade: (_req, socket) => {
      const body = '{"message":"No such container: c"}';
      socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    },
  });
  try {
    await assert.rejects(d.client.containers.attach('c', { stdout: true }), (err: unknown) => isKind(err, 'not-found') && (err as Error).message === 'No such container: c');
  } finally {
    await d.close();
  }
});

test('events keep 64-bit timeNano exactly', async () => {
  const d = await fakeDaemon((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"Type":"container","Action":"die","Actor":{"ID":"x","Attributes":{"exitCode":"7"}},"time":1795315205,"timeNano":1795315205689116791}\n');
  });
  try {
    const got = [];
    for await (const e of d.client.system.events({ since: '1795315176', until: '1795315206' })) got.push(e);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.timeNano, 1795315205689116791n);
    assert.equal(d.seen.at(-1)!.url, '/v1.41/events?since=1795315176&until=1795315206');
  } finally {
    await d.close();
  }
});

test('daemon addresses parse like DOCKER_HOST', () => {
  assert.deepEqual(parseDaemonAddress('unix:///run/berth/berth.sock'), { kind: 'unix', path: '/run/berth/berth.sock', url: 'unix:///run/berth/berth.sock' });
  assert.deepEqual(parseDaemonAddress('unix://'), { kind: 'unix', path: '/run/berth/berth.sock', url: 'unix:///run/berth/berth.sock' });
  assert.deepEqual(parseDaemonAddress('tcp://127.0.0.1:2376'), { kind: 'tcp', host: '127.0.0.1', port: 2376, url: 'tcp://127.0.0.1:2376' });
  assert.deepEqual(parseDaemonAddress('tcp://127.0.0.1'), { kind: 'tcp', host: '127.0.0.1', port: 2375, url: 'tcp://127.0.0.1:2375' });
  assert.deepEqual(parseDaemonAddress('localhost:1234'), { kind: 'tcp', host: 'localhost', port: 1234, url: 'tcp://localhost:1234' });
  assert.deepEqual(parseDaemonAddress('tcp://[::1]:2375'), { kind: 'tcp', host: '::1', port: 2375, url: 'tcp://[::1]:2375' });
  assert.throws(() => parseDaemonAddress('ssh://host'), /unix:\/\/ and tcp:\/\/ only/);
});

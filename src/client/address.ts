import { invalidArgument } from '../common/errors.js';

/**
 * Where the daemon listens: a UNIX socket (berthd's default) or plain-HTTP TCP, which is how a
 * dockerd is usually reached when it is not on the socket. Written as docker writes it
 * (`unix:///run/berth/berth.sock`, `tcp://127.0.0.1:2375`).
 */
export type DaemonAddress =
  | { readonly kind: 'unix'; readonly path: string; readonly url: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly url: string };

export const defaultSocketPath = '/run/berth/berth.sock';
export const defaultHost = `unix://${defaultSocketPath}`;
/** dockerd's conventional plain-HTTP port, used when a tcp address has none. */
const defaultTcpPort = 2375;

/**
 * Parses `-H`/`DOCKER_HOST` values the way docker does: `unix://PATH` (empty PATH = the default
 * socket), `tcp://HOST[:PORT]`, or a bare `HOST[:PORT]`, which means TCP.
 */
export function parseDaemonAddress(input: string): DaemonAddress {
  const value = input.trim();
  if (value.startsWith('unix://')) {
    const path = value.slice('unix://'.length) || defaultSocketPath;
    return { kind: 'unix', path, url: `unix://${path}` };
  }
  let rest: string;
  if (value.startsWith('tcp://')) rest = value.slice('tcp://'.length);
  else if (value.startsWith('http://')) rest = value.slice('http://'.length);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw invalidArgument(`unsupported daemon address ${JSON.stringify(input)}: berth connects over unix:// and tcp:// only`);
  } else rest = value;
  rest = rest.replace(/\/+$/, '');
  if (rest.includes('/')) throw invalidArgument(`invalid daemon address ${JSON.stringify(input)}: a path is not supported`);
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]*)(?::(\d*))?$/.exec(rest);
  if (!m) throw invalidArgument(`invalid daemon address ${JSON.stringify(input)}`);
  const host = m[1] || '127.0.0.1';
  const port = m[2] ? Number(m[2]) : defaultTcpPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalidArgument(`invalid port in daemon address ${JSON.stringify(input)}`);
  return { kind: 'tcp', host: host.replace(/^\[|\]$/g, ''), port, url: `tcp://${host}:${port}` };
}

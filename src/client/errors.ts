import { BerthError, type ErrorKind } from '../common/errors.js';

/**
 * The client side of the error contract: an HTTP status from the daemon becomes the same error kind
 * the server started from (api/server/status.ts maps the other way), so callers branch on
 * `isKind(err, 'not-found')`, never on numbers.
 */
const kindByStatus: ReadonlyMap<number, ErrorKind> = new Map([
  [304, 'not-modified'],
  [400, 'invalid-argument'],
  [401, 'unauthorized'],
  [403, 'forbidden'],
  [404, 'not-found'],
  [409, 'conflict'],
  [501, 'not-implemented'],
  [503, 'unavailable'],
]);

export function kindForStatus(status: number): ErrorKind {
  return kindByStatus.get(status) ?? (status >= 400 && status < 500 ? 'invalid-argument' : 'internal');
}

/** An error the daemon answered with. `message` is the daemon's own text (`{"message": …}`). */
export class DaemonError extends BerthError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(kindForStatus(status), message);
    this.name = 'DaemonError';
  }
}

/** The daemon could not be reached at all (no socket, connection refused, permission denied). */
export class ConnectionError extends BerthError {
  constructor(message: string, cause?: unknown) {
    super('unavailable', message, { cause });
    this.name = 'ConnectionError';
  }
}

/**
 * Builds the error for a failed response. Like docker, a JSON body contributes its `message`, any
 * other body its text, and an empty body means the route itself is unknown to this daemon.
 */
export function responseError(status: number, contentType: string | undefined, body: Buffer, route: string): DaemonError {
  const text = body.toString('utf8');
  if (text.trim() === '') {
    return new DaemonError(status, `request returned ${statusText(status)} for API route and version ${route}, check if the server supports the requested API version`);
  }
  if (contentType?.split(';')[0]?.trim() === 'application/json') {
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') return new DaemonError(status, parsed.message.trim());
    } catch {
      // fall through to the raw text
    }
  }
  return new DaemonError(status, text.trim());
}

const statusTexts: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

function statusText(status: number): string {
  return statusTexts[status] ?? `status ${status}`;
}

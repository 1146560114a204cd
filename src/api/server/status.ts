import { kindOf, type ErrorKind } from '../../common/errors.js';

/**
 * The one place where errors become HTTP status codes (moby's httpstatus.FromError). Adding a kind
 * here means adding it to the closed set in common/errors.ts first.
 */
const statusByKind: Record<ErrorKind, number> = {
  'invalid-argument': 400,
  'not-found': 404,
  conflict: 409,
  'not-modified': 304,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
  'not-implemented': 501,
  cancelled: 500,
  internal: 500,
};

export function statusFor(err: unknown): number {
  return statusByKind[kindOf(err)];
}

/**
 * The one error class of berth. Every failure that crosses a module boundary is a BerthError with
 * a kind from a closed set; the API server maps kinds to HTTP status codes in exactly one place
 * (api/server/status.ts) and the client maps them back, so no layer branches on status numbers.
 *
 * Messages follow Docker's wording wherever a client or a user might match on them.
 */
export type ErrorKind =
  | 'invalid-argument'
  | 'not-found'
  | 'conflict'
  | 'not-modified'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable'
  | 'not-implemented'
  | 'cancelled'
  | 'internal';

export const errorKinds: readonly ErrorKind[] = [
  'invalid-argument',
  'not-found',
  'conflict',
  'not-modified',
  'unauthorized',
  'forbidden',
  'unavailable',
  'not-implemented',
  'cancelled',
  'internal',
];

export class BerthError extends Error {
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'BerthError';
  }
}

export function isKind(err: unknown, kind: ErrorKind): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 16; depth++) {
    if (e instanceof BerthError && e.kind === kind) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The kind of the outermost BerthError in a cause chain, or 'internal'. */
export function kindOf(err: unknown): ErrorKind {
  for (let e: unknown = err, depth = 0; e && depth < 16; depth++) {
    if (e instanceof BerthError) return e.kind;
    e = (e as { cause?: unknown }).cause;
  }
  return 'internal';
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

export const invalidArgument = (message: string, cause?: unknown) =>
  new BerthError('invalid-argument', message, { cause });
export const notFound = (message: string, cause?: unknown) => new BerthError('not-found', message, { cause });
export const conflict = (message: string, cause?: unknown) => new BerthError('conflict', message, { cause });
export const notModified = (message = 'not modified') => new BerthError('not-modified', message);
export const forbidden = (message: string) => new BerthError('forbidden', message);
export const notImplemented = (message: string) => new BerthError('not-implemented', message);
export const internal = (message: string, cause?: unknown) => new BerthError('internal', message, { cause });

/** An error coming from the host (fs, spawn) carries a Node errno code; this reads it safely. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function cancelled(signal?: AbortSignal): BerthError {
  const reason = signal?.reason;
  return new BerthError('cancelled', reason instanceof Error ? reason.message : 'operation cancelled');
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw cancelled(signal);
}

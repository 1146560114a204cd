import { DaemonError } from '../client/index.js';

/**
 * Ends a command with an exit status, printing `message` (when there is one) to stderr as is. This is
 * docker's cli.StatusError: `run` uses it to exit with the container's status.
 */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    message = '',
  ) {
    super(message);
    this.name = 'StatusError';
  }
}

/** The text docker prints for an error: the daemon's answers are prefixed, the rest stand alone. */
export function errorText(err: unknown): string {
  if (err instanceof DaemonError) return `Error response from daemon: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

import type { Readable } from 'node:stream';
import type { Client, UpgradedConnection } from '../client/index.js';
import { FrameDecoder } from '../common/stdcopy.js';
import type { Output } from './command.js';

export interface AttachedStreams {
  stdout: Output;
  stderr: Output;
  /** Piped into the container, then half-closed at its end; absent = half-close at once. */
  stdin?: Readable;
  /** A TTY container sends raw bytes instead of frames. */
  tty: boolean;
}

/**
 * Copies a hijacked attach connection to the terminal: frames to stdout and stderr (raw bytes for a
 * TTY), and stdin to the container. Without stdin the write side is closed at once, as docker does
 * right after the 101. Settles when the daemon ends the output, which it does when the process has
 * exited; what stdin still holds by then does not matter.
 */
export function pumpAttached(conn: UpgradedConnection, io: AttachedStreams): Promise<void> {
  const { socket, head } = conn;
  return new Promise((resolve, reject) => {
    const decoder = new FrameDecoder();
    const onOutput = (chunk: Buffer) => {
      if (io.tty) {
        io.stdout.write(chunk);
        return;
      }
      decoder.push(chunk, (stream, payload) => (stream === 2 ? io.stderr : io.stdout).write(payload));
    };
    if (head.length) onOutput(head);
    socket.on('data', onOutput);
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
    socket.once('error', (err: NodeJS.ErrnoException) => {
      // A reset after the output ended is just the daemon closing a finished stream.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') resolve();
      else reject(err);
    });

    const stdin = io.stdin;
    if (!stdin) {
      socket.end();
      return;
    }
    stdin.on('data', (chunk: Buffer) => {
      if (!socket.write(chunk)) {
        stdin.pause();
        socket.once('drain', () => stdin.resume());
      }
    });
    stdin.once('end', () => socket.end());
    stdin.once('error', () => socket.end());
  });
}

/** Signals a user sends to an attached `run`/`start -a`, which docker passes on to the container. */
const proxied: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM'];

/** Forwards those signals to the container (docker's sig-proxy); returns the function that stops it. */
export function forwardSignals(client: Client, id: string): () => void {
  const handlers = proxied.map((sig) => {
    const handler = () => {
      client.containers.kill(id, sig.slice(3)).catch(() => {});
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return () => {
    for (const [sig, handler] of handlers) process.off(sig, handler);
  };
}

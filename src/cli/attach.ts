import type { Readable } from 'node:stream';
import { DaemonError, type Client, type UpgradedConnection } from '../client/index.js';
import { FrameDecoder } from '../common/stdcopy.js';
import type { Output } from './command.js';
import { EscapeProxy, escapeKeys } from './detach-keys.js';
import { enterRawMode } from './terminal.js';

export interface AttachedStreams {
  stdout: Output;
  stderr: Output;
  /** Piped into the container, then half-closed at its end; absent = half-close at once. */
  stdin?: Readable & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  /** A TTY session: raw bytes instead of frames, and a raw local terminal when stdin is one. */
  tty: boolean;
  /** With a TTY and stdin: the sequence that detaches (empty: ctrl-p,ctrl-q). */
  detachKeys?: string;
  /** false when neither stdout nor stderr is attached (`run -a stdin`): stdin's end ends the session. */
  output?: boolean;
  env: NodeJS.ProcessEnv;
}

/** How a session ended: the daemon ended the output (the process exited), or the user detached. */
export type SessionEnd = 'ended' | 'detached';

export interface AttachedSession {
  readonly done: Promise<SessionEnd>;
  /** Drops the connection (a start that failed); `done` then settles and the terminal is restored. */
  close(): void;
}

/**
 * docker's hijackedIOStreamer: copies a hijacked attach or exec connection to the terminal (frames
 * to stdout and stderr, raw bytes for a TTY) and stdin to the container. Without stdin the write
 * side is closed at once, as docker does right after the 101. With a TTY and a terminal on stdin,
 * the terminal goes raw and the detach keys are caught here, never sent; the terminal is restored
 * as soon as the output or the input ends.
 */
export async function streamAttached(conn: UpgradedConnection, io: AttachedStreams): Promise<AttachedSession> {
  const { socket, head } = conn;
  const stdin = io.stdin;
  const rawInput = io.tty && stdin !== undefined;
  let restoreTerminal = () => {};
  const proxy = rawInput ? new EscapeProxy(escapeKeys(io.detachKeys ?? '')) : undefined;

  let finished = false;
  let settle!: (end: SessionEnd) => void;
  let fail!: (err: Error) => void;
  const done = new Promise<SessionEnd>((resolve, reject) => {
    const finish = () => {
      if (finished) return false;
      finished = true;
      restoreTerminal();
      if (stdin) {
        stdin.off('data', onInput);
        stdin.pause();
      }
      return true;
    };
    settle = (end) => {
      if (finish()) resolve(end);
    };
    fail = (err) => {
      if (finish()) reject(err);
    };
  });

  const decoder = new FrameDecoder();
  // Until the terminal is raw, output waits: written earlier, the terminal would still translate it
  // (a bare LF shown as CR LF), and a short command's whole output can come that soon.
  let held: Buffer[] | undefined = rawInput ? [] : undefined;
  const onOutput = (chunk: Buffer) => {
    if (held) {
      held.push(chunk);
      return;
    }
    if (io.tty) {
      io.stdout.write(chunk);
      return;
    }
    decoder.push(chunk, (stream, payload) => (stream === 2 ? io.stderr : io.stdout).write(payload));
  };
  if (head.length) onOutput(head);
  socket.on('data', onOutput);
  // Listened for before anything is awaited: when the whole stream came with the upgrade's answer
  // (a command that failed at once), the socket ends, and closes, even while paused.
  socket.once('end', () => settle('ended'));
  socket.once('close', () => settle('ended'));
  socket.once('error', (err: NodeJS.ErrnoException) => {
    // A reset after the output ended is just the daemon closing a finished stream.
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') settle('ended');
    else fail(err);
  });
  if (rawInput) {
    const restore = await enterRawMode(stdin, io.env);
    const early = held ?? [];
    held = undefined;
    for (const chunk of early) onOutput(chunk);
    // Ended meanwhile: the terminal goes straight back.
    if (finished) restore();
    else restoreTerminal = restore;
  }

  function onInput(chunk: Buffer): void {
    let data = chunk;
    if (proxy) {
      const { forward, detached } = proxy.feed(chunk);
      if (forward.length) socket.write(forward);
      if (detached) {
        settle('detached');
        socket.destroy();
        return;
      }
      data = Buffer.alloc(0);
    }
    if (data.length && !socket.write(data)) {
      stdin!.pause();
      socket.once('drain', () => stdin!.resume());
    }
  }

  socket.resume();
  if (finished) {
    // Nothing left to send to.
  } else if (!stdin) {
    socket.end();
  } else {
    stdin.on('data', onInput);
    const inputEnded = () => {
      socket.end();
      if (io.output === false) settle('ended');
    };
    stdin.once('end', inputEnded);
    stdin.once('error', inputEnded);
  }
  return { done, close: () => socket.destroy() };
}

/**
 * docker's client reads no body from a refused upgrade: the user sees only the status
 * ("unable to upgrade to tcp, received 404"), whatever the daemon said.
 */
export function upgradeFailure(err: unknown): unknown {
  return err instanceof DaemonError ? new Error(`unable to upgrade to tcp, received ${err.status}`) : err;
}

/** Signals a user sends to an attached `run`/`start -a`, which docker passes on to the container. */
const proxied: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM'];

export interface SignalForwarding {
  stop(): void;
  /** Settles when the kills already asked for have been answered. */
  flush(): Promise<void>;
}

/** Forwards those signals to the container (docker's sig-proxy). */
export function forwardSignals(client: Client, id: string): SignalForwarding {
  const pending = new Set<Promise<void>>();
  const handlers = proxied.map((sig) => {
    const handler = () => {
      const kill = client.containers.kill(id, sig.slice(3)).catch(() => {});
      pending.add(kill);
      void kill.then(() => pending.delete(kill));
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return {
    stop() {
      for (const [sig, handler] of handlers) process.off(sig, handler);
    },
    async flush() {
      await Promise.all(pending);
    },
  };
}

export const noForwarding: SignalForwarding = { stop() {}, flush: () => Promise.resolve() };

/**
 * docker 28 takes the first SIGINT or SIGTERM as "stop what you are doing" (it cancels the
 * command's context: exec and start -a then end quietly with status 0, run and attach carry on
 * waiting for the container), and gives up at the third. `onFirst` is the command's reaction to
 * the first; returns the function that stops watching.
 */
export function watchTermination(stderr: Output, onFirst: () => void = () => {}): () => void {
  let count = 0;
  const handler = () => {
    if (++count === 1) onFirst();
    if (count < 3) return;
    stderr.write('\ngot 3 SIGTERM/SIGINTs, forcefully exiting\n');
    // Node puts the terminal back as it found it on the way out.
    process.exit(1);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

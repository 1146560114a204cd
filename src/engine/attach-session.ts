import { EventEmitter } from 'node:events';
import type { AttachConnection } from '../runtime/attach.js';

/**
 * An attach session: a client's view of a container's (or an exec's) stdio. It can be opened before
 * the process starts (`docker run` attaches first), in which case it connects to conmon between
 * the runtime's create and start, so not a byte of output is missed.
 *
 * Events: 'data' (stream, Buffer), 'end'.
 */
export class AttachSession extends EventEmitter {
  private conn?: AttachConnection;
  private pendingInput: Buffer[] = [];
  private stdinClosed = false;
  private closed = false;
  private finished = false;

  constructor(readonly wantStdin: boolean) {
    super();
  }

  connect(conn: AttachConnection): void {
    if (this.closed) {
      conn.close();
      return;
    }
    this.conn = conn;
    conn.on('data', (stream: string, data: Buffer) => this.emit('data', stream, data));
    conn.on('end', () => this.finish());
    for (const b of this.pendingInput) conn.write(b);
    this.pendingInput = [];
    if (this.stdinClosed) conn.closeStdin();
  }

  get connected(): boolean {
    return this.conn !== undefined;
  }

  write(data: Buffer): void {
    if (!this.wantStdin || this.stdinClosed) return;
    if (this.conn) this.conn.write(data);
    else this.pendingInput.push(Buffer.from(data));
  }

  closeStdin(): void {
    if (this.stdinClosed) return;
    this.stdinClosed = true;
    if (this.wantStdin) this.conn?.closeStdin();
  }

  /** Client went away. */
  close(): void {
    this.closed = true;
    this.conn?.close();
    this.finish();
  }

  /** The stream is over: the process exited, or the container was removed before it ran. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.emit('end');
  }
}

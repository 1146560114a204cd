import { EventEmitter } from 'node:events';
import { SeqpacketSocket } from 'node-unix-socket';
import { internal } from '../common/errors.js';

/**
 * A connection to conmon's attach socket (SOCK_SEQPACKET, which Node's net module cannot open).
 * Each packet from conmon is one byte of stream id (2 = stdout, 3 = stderr) and the data; bytes we
 * send go to the container's stdin, and a half-close closes its stdin.
 *
 * Events: 'data' (stream: 'stdout' | 'stderr', data: Buffer), 'end' (conmon closed: the process
 * is gone and its output has been delivered).
 */
export class AttachConnection extends EventEmitter {
  private readonly socket = new SeqpacketSocket();
  private ended = false;

  /** conmon reads stdin packets into a buffer of this size; larger writes are split. */
  static readonly maxPacket = 8192;

  private constructor() {
    super();
    this.socket.setInternalReadBufferSize(64 * 1024);
    this.socket.on('data', (buf: Buffer) => {
      if (buf.length < 1) return;
      const id = buf[0];
      const data = Buffer.from(buf.subarray(1));
      if (id === 2) this.emit('data', 'stdout', data);
      else if (id === 3) this.emit('data', 'stderr', data);
    });
    const finish = () => {
      if (this.ended) return;
      this.ended = true;
      this.emit('end');
    };
    this.socket.on('end', finish);
    this.socket.on('close', finish);
    this.socket.on('error', finish);
  }

  static connect(path: string): Promise<AttachConnection> {
    return new Promise((resolve, reject) => {
      const conn = new AttachConnection();
      try {
        conn.socket.connect(path, () => resolve(conn));
      } catch (err) {
        reject(internal(`cannot attach to ${path}: ${(err as Error).message}`, err));
      }
    });
  }

  write(data: Buffer): void {
    if (this.ended) return;
    for (let off = 0; off < data.length; off += AttachConnection.maxPacket) {
      this.socket.write(data.subarray(off, off + AttachConnection.maxPacket));
    }
  }

  /** Closes the container's stdin; output keeps flowing until the process exits. */
  closeStdin(): void {
    if (!this.ended) this.socket.end();
  }

  close(): void {
    this.ended = true;
    this.socket.destroy();
  }

  get isEnded(): boolean {
    return this.ended;
  }
}

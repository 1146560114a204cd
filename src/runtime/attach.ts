import { EventEmitter } from 'node:events';
import { BerthError, internal } from '../common/errors.js';
import { syscalls } from '../common/syscalls.js';

const EAGAIN = 11;

/**
 * A connection to conmon's attach socket (SOCK_SEQPACKET, through berth's native addon: Node's net
 * module cannot open one). Each packet from conmon is one byte of stream id (2 = stdout,
 * 3 = stderr) and the data; bytes we send go to the container's stdin, and a half-close closes it.
 *
 * Events: 'data' (stream: 'stdout' | 'stderr', data: Buffer), 'end' (conmon closed: the process
 * is gone and its output has been delivered).
 */
export class AttachConnection extends EventEmitter {
  private ended = false;
  private readonly queue: Buffer[] = [];
  private endAfterQueue = false;

  /** conmon reads stdin packets into a buffer of this size; larger writes are split. */
  static readonly maxPacket = 8192;

  private constructor(private readonly id: number) {
    super();
  }

  static connect(path: string): Promise<AttachConnection> {
    const sys = syscalls;
    if (!sys) return Promise.reject(new BerthError('unavailable', 'attaching needs the berth native addon (run npm run build)'));
    let conn: AttachConnection | undefined;
    let early: Array<[number, Buffer | number | undefined]> = [];
    try {
      const id = sys.seqpacketConnect(path, (kind, data) => {
        if (conn) conn.onEvent(kind, data);
        else early.push([kind, data]);
      });
      conn = new AttachConnection(id);
    } catch (err) {
      return Promise.reject(internal(`cannot attach to ${path}: ${(err as Error).message}`, err));
    }
    const c = conn;
    // Events cannot arrive before this tick ends, but keep the order if they ever do.
    queueMicrotask(() => {
      for (const [k, d] of early) c.onEvent(k, d);
      early = [];
    });
    return Promise.resolve(c);
  }

  private onEvent(kind: number, data?: Buffer | number): void {
    switch (kind) {
      case 1: {
        const buf = data as Buffer;
        if (buf.length < 1) return;
        const stream = buf[0] === 3 ? 'stderr' : buf[0] === 2 ? 'stdout' : undefined;
        if (stream) this.emit('data', stream, buf.subarray(1));
        return;
      }
      case 4:
        this.flush();
        return;
      default:
        this.finish();
    }
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    syscalls!.seqpacketClose(this.id);
    this.emit('end');
  }

  private flush(): void {
    while (this.queue.length > 0 && !this.ended) {
      const n = syscalls!.seqpacketSend(this.id, this.queue[0]!);
      if (n === -EAGAIN) return;
      if (n < 0) return this.finish();
      this.queue.shift();
    }
    if (this.queue.length === 0 && this.endAfterQueue && !this.ended) syscalls!.seqpacketShutdown(this.id);
  }

  write(data: Buffer): void {
    if (this.ended) return;
    for (let off = 0; off < data.length; off += AttachConnection.maxPacket) {
      this.queue.push(Buffer.from(data.subarray(off, off + AttachConnection.maxPacket)));
    }
    this.flush();
  }

  /** Closes the container's stdin once queued input is sent; output keeps flowing until the process exits. */
  closeStdin(): void {
    this.endAfterQueue = true;
    this.flush();
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    syscalls!.seqpacketClose(this.id);
  }

  get isEnded(): boolean {
    return this.ended;
  }
}

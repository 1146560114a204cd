/**
 * Docker's multiplexed stream framing for non-TTY attach, exec and logs: each frame is an 8-byte
 * header [stream, 0, 0, 0, size (uint32 big-endian)] then the payload; stream 0 = stdin,
 * 1 = stdout, 2 = stderr, 3 = system error.
 */
export type StreamId = 0 | 1 | 2 | 3;

export function frame(stream: StreamId, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Incremental decoder for multiplexed streams (the client side of frame()). */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array, onFrame: (stream: StreamId, payload: Buffer) => void): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      const stream = this.buf[0] as StreamId;
      onFrame(stream, this.buf.subarray(8, 8 + size));
      this.buf = this.buf.subarray(8 + size);
    }
  }

  get pending(): number {
    return this.buf.length;
  }
}

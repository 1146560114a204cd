import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { FrameDecoder } from '../common/stdcopy.js';
import { internal } from '../common/errors.js';

export async function readBody(source: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Where the two output streams of a container go. */
export interface OutputSinks {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
}

/**
 * Splits a multiplexed stream (non-TTY attach and logs) into stdout and stderr, and settles when the
 * daemon ends it. Frame 3 is the daemon reporting an error inside the stream; like docker's StdCopy
 * this stops the copy with that error.
 */
export function demultiplex(source: Readable, sinks: OutputSinks): Promise<void> {
  return new Promise((resolve, reject) => {
    const decoder = new FrameDecoder();
    let failed = false;
    source.on('data', (chunk: Buffer) => {
      if (failed) return;
      decoder.push(chunk, (stream, payload) => {
        if (failed) return;
        if (stream === 2) sinks.stderr(payload);
        else if (stream === 3) {
          failed = true;
          source.destroy();
          reject(internal(`error from daemon in stream: ${payload.toString('utf8')}`));
        } else sinks.stdout(payload);
      });
    });
    source.once('end', () => {
      if (!failed) resolve();
    });
    source.once('close', () => {
      if (!failed) resolve();
    });
    source.once('error', (err) => {
      if (!failed) reject(err);
    });
    // A hijacked connection comes paused (see UpgradedConnection).
    source.resume();
  });
}

/**
 * The lines of a JSON-lines stream (events, load, import), parsed, with the raw text kept: some
 * numbers in it (`timeNano`) do not fit a double.
 */
export async function* jsonLines<T>(source: Readable): AsyncGenerator<{ value: T; raw: string }> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of source) {
    pending += decoder.write(chunk as Buffer);
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const raw = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (raw) yield { value: JSON.parse(raw) as T, raw };
    }
  }
  const rest = (pending + decoder.end()).trim();
  if (rest) yield { value: JSON.parse(rest) as T, raw: rest };
}

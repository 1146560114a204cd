import { watch } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { errnoCode } from '../common/errors.js';
import { parseRfc3339 } from '../common/time.js';

/**
 * conmon's k8s-file log format, one line per output line:
 *   2026-11-22T02:39:57.381280760+00:00 stdout F got:one
 * `F` ends a line, `P` is a fragment of a longer one (conmon splits at its buffer size).
 */
export interface LogEntry {
  /** nanoseconds since the epoch */
  time: bigint;
  stream: 'stdout' | 'stderr';
  /** The bytes of this entry, with "\n" restored when the line was complete. */
  data: Buffer;
}

export function parseLogLine(line: Buffer): LogEntry | undefined {
  const s1 = line.indexOf(0x20);
  const s2 = s1 < 0 ? -1 : line.indexOf(0x20, s1 + 1);
  const s3 = s2 < 0 ? -1 : line.indexOf(0x20, s2 + 1);
  if (s3 < 0) return undefined;
  const time = parseRfc3339(line.subarray(0, s1).toString('latin1'));
  const stream = line.subarray(s1 + 1, s2).toString('latin1');
  const tag = line.subarray(s2 + 1, s3).toString('latin1');
  if (time === undefined || (stream !== 'stdout' && stream !== 'stderr')) return undefined;
  const body = line.subarray(s3 + 1);
  const data = tag.startsWith('F') ? Buffer.concat([body, Buffer.from('\n')]) : Buffer.from(body);
  return { time, stream, data };
}

export interface ReadLogsOptions {
  since?: bigint;
  until?: bigint;
  /** Last N entries only; undefined for all. */
  tail?: number;
  follow?: boolean;
  /** Resolves when the container has stopped: a follow ends once the log is drained after it. */
  stopped?: Promise<unknown>;
  signal?: AbortSignal;
}

const chunkSize = 64 * 1024;

/** Splits a file region into lines; returns the complete lines and the trailing fragment. */
function splitLines(buf: Buffer): { lines: Buffer[]; rest: Buffer } {
  const lines: Buffer[] = [];
  let start = 0;
  for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, start)) {
    lines.push(buf.subarray(start, nl));
    start = nl + 1;
  }
  return { lines, rest: buf.subarray(start) };
}

/**
 * The entries of a container log, filtered like `docker logs` (since/until/tail), then, with
 * `follow`, every new entry until the container stops and the file has been read to its end.
 */
export async function* readLogs(path: string, opts: ReadLogsOptions = {}): AsyncGenerator<LogEntry> {
  // Like dockerd: entries at or after `since`, up to `until`.
  const keep = (e: LogEntry) => (opts.since === undefined || e.time >= opts.since) && (opts.until === undefined || e.time <= opts.until);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    if (!opts.follow) return;
    await opts.stopped;
    return;
  }
  try {
    let offset = 0;
    let rest: Buffer = Buffer.alloc(0);
    const readMore = async (): Promise<Buffer[]> => {
      const out: Buffer[] = [];
      for (;;) {
        const buf = Buffer.allocUnsafe(chunkSize);
        const { bytesRead } = await fh!.read(buf, 0, chunkSize, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        const split = splitLines(Buffer.concat([rest, buf.subarray(0, bytesRead)]));
        rest = Buffer.from(split.rest);
        out.push(...split.lines);
      }
      return out;
    };

    // dockerd picks the last `tail` lines first and filters them by time afterwards.
    const parsed = (await readMore()).map(parseLogLine).filter((e): e is LogEntry => e !== undefined);
    const start = opts.tail !== undefined && opts.tail >= 0 ? Math.max(0, parsed.length - opts.tail) : 0;
    for (let i = start; i < parsed.length; i++) if (keep(parsed[i]!)) yield parsed[i]!;
    if (!opts.follow) return;

    let stopped = false;
    void opts.stopped?.then(() => (stopped = true));
    for (;;) {
      if (opts.signal?.aborted) return;
      const wasStopped = stopped;
      for (const line of await readMore()) {
        const e = parseLogLine(line);
        if (e && keep(e)) yield e;
        if (e && opts.until !== undefined && e.time > opts.until) return;
      }
      if (wasStopped) return;
      await waitForChange(path, opts.stopped, opts.signal);
      // conmon may replace the file on rotation; start over from the beginning of a new one.
      const st = await stat(path).catch(() => undefined);
      if (st && st.size < offset) {
        offset = 0;
        rest = Buffer.alloc(0);
      }
    }
  } finally {
    await fh.close();
  }
}

function waitForChange(path: string, stopped: Promise<unknown> | undefined, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      watcher?.close();
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    let watcher: ReturnType<typeof watch> | undefined;
    try {
      watcher = watch(path, finish);
      watcher.on('error', finish);
    } catch {
      watcher = undefined;
    }
    // inotify can miss a write that happened between our read and the watch: poll as a backstop.
    const timer = setTimeout(finish, 250);
    void stopped?.then(finish);
    signal?.addEventListener('abort', finish, { once: true });
  });
}

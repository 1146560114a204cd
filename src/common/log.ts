/**
 * Structured logging: one JSON object per line on stderr (or a given stream). A child logger carries
 * fields (request id, container id) so every line about one operation can be found with grep.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function isLogLevel(s: string): s is LogLevel {
  return s in levelRank;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  enabled(level: LogLevel): boolean;
}

interface Sink {
  write(line: string): unknown;
}

export class JsonLogger implements Logger {
  constructor(
    private readonly level: LogLevel,
    private readonly sink: Sink = process.stderr,
    private readonly fields: Record<string, unknown> = {},
  ) {}

  enabled(level: LogLevel): boolean {
    return levelRank[level] >= levelRank[this.level];
  }

  private emit(level: LogLevel, msg: string, extra?: Record<string, unknown>): void {
    if (!this.enabled(level)) return;
    const record: Record<string, unknown> = { time: new Date().toISOString(), level, msg, ...this.fields };
    if (extra) {
      for (const [k, v] of Object.entries(extra)) record[k] = v instanceof Error ? errorFields(v) : v;
    }
    this.sink.write(JSON.stringify(record) + '\n');
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.emit('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.emit('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.emit('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.emit('error', msg, fields);
  }
  child(fields: Record<string, unknown>): Logger {
    return new JsonLogger(this.level, this.sink, { ...this.fields, ...fields });
  }
}

function errorFields(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { message: err.message };
  if ('kind' in err) out['kind'] = (err as { kind: unknown }).kind;
  if (err.stack) out['stack'] = err.stack;
  return out;
}

/** A logger that drops everything, for unit tests and library defaults. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
  enabled() {
    return false;
  },
};

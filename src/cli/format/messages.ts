import type { JsonMessage } from '../../api/types/index.js';
import { humanSize } from './units.js';

/**
 * Renders the daemon's JSON message streams (load, import, pull) the way docker's jsonmessage
 * package does. On a terminal, lines that carry an `id` and progress are redrawn in place with
 * cursor movements; elsewhere progress updates are dropped and only status lines are printed.
 */
export class MessagePrinter {
  /** Line index (from the top of the progress block) of each id being redrawn. */
  private ids = new Map<string, number>();

  constructor(
    private readonly write: (s: string) => void,
    private readonly terminal: boolean,
    private readonly columns = 80,
  ) {}

  /** Prints one message; an error message is thrown (its text is what docker prints). */
  print(m: JsonMessage): void {
    if (m.errorDetail || m.error) throw new StreamError(m.errorDetail?.message ?? m.error ?? '', m.errorDetail?.code);
    if (m.aux !== undefined) return;
    let moveBack = 0;
    const hasProgress = m.progressDetail !== undefined || m.progress !== undefined;
    if (m.id && hasProgress) {
      let line = this.ids.get(m.id);
      if (line === undefined) {
        line = this.ids.size;
        this.ids.set(m.id, line);
        if (this.terminal) this.write('\n');
      }
      moveBack = this.ids.size - line;
      if (this.terminal && moveBack > 0) this.write(`\x1b[${moveBack}A`);
    } else {
      // Anything that is not progress ends the block being redrawn.
      this.ids = new Map();
    }
    this.display(m);
    if (m.id && this.terminal && moveBack > 0) this.write(`\x1b[${moveBack}B`);
  }

  private display(m: JsonMessage): void {
    const bar = progressText(m, this.columns);
    let endl = '';
    if (this.terminal && !m.stream && m.progressDetail !== undefined) {
      this.write('\x1b[2K\r');
      endl = '\r';
    } else if (bar !== '' && !this.terminal) {
      return;
    }
    let s = '';
    if (m.id) s += `${m.id}: `;
    if (this.terminal && m.progressDetail !== undefined) s += `${m.status ?? ''} ${bar}${endl}`;
    else if (m.progress) s += `${m.status ?? ''} ${m.progress}${endl}`;
    else if (m.stream) s += `${m.stream}${endl}`;
    else s += `${m.status ?? ''}${endl}\n`;
    this.write(s);
  }
}

/** An error reported inside a message stream (HTTP status 200, then `errorDetail`). */
export class StreamError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'StreamError';
  }
}

/** The progress bar docker draws from `progressDetail` (the bar itself only on wide terminals). */
function progressText(m: JsonMessage, columns: number): string {
  const current = m.progressDetail?.current ?? 0;
  const total = m.progressDetail?.total ?? 0;
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return humanSize(current).padStart(8);
  const pct = Math.min(50, Math.trunc(Math.trunc((current / total) * 100) / 2));
  const bar = columns > 110 ? `[${'='.repeat(pct)}>${' '.repeat(Math.max(0, 50 - pct))}] ` : '';
  const numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return bar + numbers;
}

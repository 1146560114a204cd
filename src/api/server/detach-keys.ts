import { invalidArgument } from '../../common/errors.js';

/**
 * Detach keys: a byte sequence that, typed into an attached stdin, ends the attach session and
 * leaves the process running. Docker's syntax is a comma-separated list of `ctrl-<key>` or single
 * characters; the default is `ctrl-p,ctrl-q`.
 */
export const defaultDetachKeys = 'ctrl-p,ctrl-q';

const ctrlSpecial: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 };

export function parseDetachKeys(spec: string | undefined | null): Buffer {
  const text = spec || defaultDetachKeys;
  const out: number[] = [];
  for (const part of text.split(',')) {
    const p = part.trim();
    if (p.length === 1) {
      out.push(p.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-(.)$/i.exec(p);
    const key = m?.[1];
    if (key && /[a-z]/i.test(key)) out.push(key.toLowerCase().charCodeAt(0) - 96);
    else if (key && key in ctrlSpecial) out.push(ctrlSpecial[key]!);
    else throw invalidArgument(`Invalid detach keys (${text}) provided`);
  }
  return Buffer.from(out);
}

/**
 * Watches a stdin stream for the detach sequence. Bytes that may begin the sequence are held back
 * until the next byte decides; everything else passes through at once.
 */
export class DetachScanner {
  private matched = 0;

  constructor(private readonly keys: Buffer) {}

  /** Returns the bytes to forward and whether the sequence was completed (nothing after it is sent). */
  feed(chunk: Buffer): { forward: Buffer; detached: boolean } {
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { forward: Buffer.from(out), detached: true };
        continue;
      }
      if (this.matched > 0) {
        for (let i = 0; i < this.matched; i++) out.push(this.keys[i]!);
        this.matched = 0;
        if (b === this.keys[0]) {
          this.matched = 1;
          continue;
        }
      }
      out.push(b);
    }
    return { forward: Buffer.from(out), detached: false };
  }
}

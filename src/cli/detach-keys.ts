import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The detach sequence on the client side. With a TTY the docker CLI watches its own stdin for the
 * sequence (the daemon only learns it from the detachKeys parameter, for non-TTY sessions), never
 * sends it, and ends the session with "read escape sequence". berth does the same, so both CLIs
 * detach at the same keystroke.
 */

/** ctrl-p, ctrl-q: the sequence when none is configured. */
export const defaultDetachKeys = Buffer.from([16, 17]);

/** The key names moby/term accepts, at the index of their byte (`ctrl-@` is 0, `ctrl-_` is 31). */
const ctrlNames = [
  ...'@abcdefghijklmnopqrstuvwxyz'.split('').map((c) => `ctrl-${c}`),
  'ctrl-[',
  'ctrl-\\',
  'ctrl-]',
  'ctrl-^',
  'ctrl-_',
];

/**
 * moby/term's ToBytes: a comma-separated list of single characters, `ctrl-<key>` (lower case, as
 * docker spells them) or `DEL`. Throws docker's "Unknown character: 'x'" for anything else.
 */
export function detachKeyBytes(spec: string): Buffer {
  const out: number[] = [];
  for (const key of spec.split(',')) {
    // Go measures the key in bytes: a non-ASCII character is not a single key.
    if (Buffer.byteLength(key) === 1) {
      out.push(key.charCodeAt(0));
      continue;
    }
    const ctrl = ctrlNames.indexOf(key);
    if (ctrl >= 0) out.push(ctrl);
    else if (key === 'DEL') out.push(127);
    else throw new Error(`Unknown character: '${key}'`);
  }
  return Buffer.from(out);
}

/** The keys the client watches for: the given spec, or the default when it is empty or invalid (as docker). */
export function escapeKeys(spec: string): Buffer {
  if (!spec) return defaultDetachKeys;
  try {
    return detachKeyBytes(spec);
  } catch {
    return defaultDetachKeys;
  }
}

/**
 * `--detach-keys` when given, else `detachKeys` from the docker CLI's config file
 * ($DOCKER_CONFIG/config.json or ~/.docker/config.json), else '' (the daemon's default).
 */
export function chosenDetachKeys(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return flag;
  const dir = env['DOCKER_CONFIG'] || join(env['HOME'] || homedir(), '.docker');
  let text: string;
  try {
    text = readFileSync(join(dir, 'config.json'), 'utf8');
  } catch {
    return '';
  }
  try {
    const keys = (JSON.parse(text) as { detachKeys?: unknown }).detachKeys;
    return typeof keys === 'string' ? keys : '';
  } catch {
    // docker refuses to start on a malformed config; berth only reads this one key from it.
    return '';
  }
}

/**
 * Watches typed input for the escape sequence as moby/term's escape proxy does: bytes that may
 * begin the sequence are held back until a later byte decides; a byte that breaks a partial match
 * releases the held bytes and is itself passed on (not taken as a new start, as in docker).
 */
export class EscapeProxy {
  private matched = 0;

  constructor(private readonly keys: Buffer) {}

  /** The bytes to send on, and whether the sequence was completed (what follows it is dropped). */
  feed(chunk: Uint8Array): { forward: Buffer; detached: boolean } {
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) {
          this.matched = 0;
          return { forward: Buffer.from(out), detached: true };
        }
        continue;
      }
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i]!);
      this.matched = 0;
      out.push(b);
    }
    return { forward: Buffer.from(out), detached: false };
  }
}

import { createHash } from 'node:crypto';
import { invalidArgument } from './errors.js';

/** A content digest in its canonical form, `sha256:<64 lowercase hex>`. */
export type Digest = `sha256:${string}`;

const digestPattern = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): s is Digest {
  return digestPattern.test(s);
}

export function parseDigest(s: string): Digest {
  if (!isDigest(s)) throw invalidArgument(`invalid digest ${JSON.stringify(s)}`);
  return s;
}

export function sha256(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function hexOf(d: Digest): string {
  return d.slice('sha256:'.length);
}

export function shortHex(d: string): string {
  return d.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * A layer's chain id names the stack of layers below and including it (OCI image spec):
 * chain(L0) = diffId(L0); chain(Ln) = sha256(chain(Ln-1) + " " + diffId(Ln)).
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev ? sha256(`${prev} ${d}`) : d);
  }
  return out;
}

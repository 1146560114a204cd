/** What the compatibility suites share when they hold berth's CLI up against docker's. */
import assert from 'node:assert/strict';
import type { RunResult } from './daemon.js';

/** The command's result, once it has exited with `code` (else the test fails with its output). */
export async function must(p: Promise<RunResult>, code = 0): Promise<RunResult> {
  const r = await p;
  assert.equal(r.code, code, `${r.stdout}\n${r.stderr}`);
  return r;
}

/** docker's text with berth's name in it, for comparison. */
export const asBerth = (s: string): string => s.replace(/\bdocker\b/g, 'berth');

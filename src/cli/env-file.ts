import { readFile } from 'node:fs/promises';
import { fsError } from './files.js';

/** Environment variables from the command line: `-e` and `--env-file`, as docker reads them (run, create, exec). */

/** `-e NAME` takes NAME's value from the client's environment when it has one. */
export function withHostValue(entry: string, env: NodeJS.ProcessEnv): string {
  if (entry.includes('=')) return entry;
  const v = env[entry];
  return v === undefined ? entry : `${entry}=${v}`;
}

export function validateEnv(raw: string): string {
  const eq = raw.indexOf('=');
  if ((eq >= 0 ? raw.slice(0, eq) : raw) === '') throw new Error(`invalid environment variable: ${raw}`);
  return raw;
}

/**
 * docker's kvfile format: one VAR=value per line, leading blanks, blank lines and `#` comments
 * skipped, a bare VAR taken from the client's environment (and dropped when unset).
 */
export async function readEnvFiles(files: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (err) {
      throw fsError(err, 'open', file);
    }
    const lines = data.toString('latin1').split('\n');
    if (lines.at(-1) === '') lines.pop();
    const problem = (text: string) => new Error(`invalid env file (${file}): ${text}`);
    for (const [i, raw] of lines.entries()) {
      const bytes = Buffer.from(raw.endsWith('\r') ? raw.slice(0, -1) : raw, 'latin1');
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: i !== 0 }).decode(bytes);
      } catch {
        throw problem(`invalid utf8 bytes at line ${i + 1}: [${[...bytes].join(' ')}]`);
      }
      const line = text.trimStart();
      if (line === '' || line.startsWith('#')) continue;
      const eq = line.indexOf('=');
      const key = eq >= 0 ? line.slice(0, eq) : line;
      if (key === '') throw problem(`no variable name on line '${line}'`);
      if (/[ \t]/.test(key)) throw problem(`variable '${key}' contains whitespaces`);
      if (eq >= 0) out.push(line);
      else if (env[key] !== undefined) out.push(`${key}=${env[key]}`);
    }
  }
  return out;
}

import { invalidArgument } from '../common/errors.js';

/**
 * Dockerfile word processing (used by `--change`, and by Dockerfile instructions): quotes, escapes
 * and variable expansion, without running a shell. Rules as Docker's:
 * - single quotes are literal;
 * - in double quotes a backslash escapes only `"`, `$` and itself, and `$VAR` expands;
 * - outside quotes a backslash escapes any character;
 * - `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+alternative}` expand from `env`; unknown
 *   variables expand to nothing.
 */
export type Env = ReadonlyMap<string, string>;

export function envFromList(list: readonly string[] | null | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of list ?? []) {
    const i = e.indexOf('=');
    if (i > 0) m.set(e.slice(0, i), e.slice(i + 1));
  }
  return m;
}

class Lexer {
  i = 0;
  constructor(
    readonly s: string,
    readonly env: Env,
  ) {}

  get done(): boolean {
    return this.i >= this.s.length;
  }

  peek(): string {
    return this.s[this.i] ?? '';
  }

  /** `$…` at the current position (which is the `$`). */
  variable(): string {
    const s = this.s;
    this.i++;
    if (s[this.i] === '{') {
      const end = s.indexOf('}', this.i);
      if (end < 0) throw invalidArgument(`missing '}' in ${JSON.stringify(s)}`);
      const inner = s.slice(this.i + 1, end);
      this.i = end + 1;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([\s\S]*))?$/.exec(inner);
      if (!m) throw invalidArgument(`bad substitution: \${${inner}}`);
      const value = this.env.get(m[1]!);
      if (m[2] === '-') return value ? value : processWord(m[3]!, this.env);
      if (m[2] === '+') return value ? processWord(m[3]!, this.env) : '';
      return value ?? '';
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(this.i));
    if (!m) return '$';
    this.i += m[0].length;
    return this.env.get(m[0]) ?? '';
  }
}

function lex(input: string, env: Env, split: boolean): string[] {
  const lx = new Lexer(input, env);
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  while (!lx.done) {
    const c = lx.peek();
    if (split && /\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      lx.i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = input.indexOf("'", lx.i + 1);
      if (end < 0) throw invalidArgument(`unexpected end of statement while looking for matching single-quote in ${JSON.stringify(input)}`);
      cur += input.slice(lx.i + 1, end);
      lx.i = end + 1;
    } else if (c === '"') {
      lx.i++;
      for (;;) {
        if (lx.done) throw invalidArgument(`unexpected end of statement while looking for matching double-quote in ${JSON.stringify(input)}`);
        const d = lx.peek();
        if (d === '"') {
          lx.i++;
          break;
        }
        if (d === '\\' && ['"', '$', '\\'].includes(input[lx.i + 1] ?? '')) {
          cur += input[lx.i + 1];
          lx.i += 2;
        } else if (d === '$') cur += lx.variable();
        else {
          cur += d;
          lx.i++;
        }
      }
    } else if (c === '\\') {
      if (lx.i + 1 < input.length) cur += input[lx.i + 1];
      lx.i += 2;
    } else if (c === '$') {
      cur += lx.variable();
    } else {
      cur += c;
      lx.i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** Splits into words at unquoted whitespace, removing quotes and expanding variables. */
export function processWords(input: string, env: Env = new Map()): string[] {
  return lex(input, env, true);
}

/** One word: quotes and variables processed, whitespace kept as it is. */
export function processWord(input: string, env: Env = new Map()): string {
  return lex(input, env, false).join('');
}

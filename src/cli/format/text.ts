/**
 * Small text rules of the docker CLI's formatters: short IDs, the "…" ellipsis and Go's quoting,
 * which `ps` uses for the COMMAND column.
 */

/** `sha256:45bad49c280a…` → `45bad49c280a`: drops an algorithm prefix and keeps 12 characters. */
export function shortId(id: string): string {
  const colon = id.indexOf(':');
  const hex = colon >= 0 ? id.slice(colon + 1) : id;
  return hex.length > 12 ? hex.slice(0, 12) : hex;
}

/**
 * Cuts `s` to `max` display columns, the last one being "…". East Asian wide characters take two
 * columns, as in the terminal (docker measures with go-runewidth).
 */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const runes = Array.from(s);
  if (max === 1) return runes[0] ?? '';
  let total = 0;
  const ends: number[] = [];
  const ascii = /^[\x00-\x7f]*$/.test(s);
  for (const r of runes) {
    total += ascii ? 1 : runeWidth(r.codePointAt(0)!);
    ends.push(total);
  }
  if (total <= max) return s;
  let keep = 0;
  while (keep < runes.length && ends[keep]! <= max - 1) keep++;
  // docker gives up (and keeps the whole text) when not even the first character fits.
  if (keep === 0) return s;
  return runes.slice(0, keep).join('') + '…';
}

function runeWidth(cp: number): number {
  if (cp === 0 || (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f)) return 0;
  const wide =
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const namedEscapes: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};

/** Go's strconv.Quote: printable characters stay, the rest become Go escapes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const named = namedEscapes[ch];
    if (named) {
      out += named;
      continue;
    }
    if (printable.test(ch)) {
      out += ch;
      continue;
    }
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

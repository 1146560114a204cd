/**
 * Query strings as docker's Go client writes them: keys sorted (url.Values.Encode), values escaped
 * with QueryEscape (space as `+`), and filters as a JSON map of sets,
 * `{"label":{"x=y":true},"status":{"running":true}}`.
 */
export type QueryValue = string | number | boolean | readonly string[] | undefined;
export type Query = Record<string, QueryValue>;

/** Filters by name, each with the set of values the user gave (`--filter name=web`). */
export type Filters = Record<string, readonly string[]>;

function escape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** `?a=1&b=x` with sorted keys, or '' when nothing is set. Booleans are sent as docker does: `1`. */
export function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const v = query[key];
    if (v === undefined || v === false) continue;
    const values = Array.isArray(v) ? (v as readonly string[]) : [v === true ? '1' : String(v)];
    for (const item of values) parts.push(`${escape(key)}=${escape(item)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** The `filters` parameter, or undefined when there are none (docker then omits it). */
export function encodeFilters(filters: Filters | undefined): string | undefined {
  if (!filters) return undefined;
  const keys = Object.keys(filters)
    .filter((k) => filters[k]!.length > 0)
    .sort();
  if (keys.length === 0) return undefined;
  const out: Record<string, Record<string, true>> = {};
  for (const k of keys) {
    out[k] = {};
    for (const v of [...filters[k]!].sort()) out[k][v] = true;
  }
  return JSON.stringify(out);
}

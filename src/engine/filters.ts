import { invalidArgument } from '../common/errors.js';

/**
 * Docker's list filters: a map from a key to accepted values. The CLI sends them as
 * `{"status":{"running":true}}` and docker-py / compose as `{"status":["running"]}`; both arrive
 * here as a Filters value.
 */
export type Filters = Map<string, string[]>;

export function emptyFilters(): Filters {
  return new Map();
}

/** Parses the `filters` query parameter in either encoding. */
export function parseFilters(raw: string | undefined | null): Filters {
  const out: Filters = new Map();
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidArgument(`invalid filter: ${raw}`);
  }
  if (parsed === null) return out;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidArgument(`invalid filter: ${raw}`);
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(value)) out.set(key, value.map(String));
    else if (value && typeof value === 'object') {
      out.set(
        key,
        Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v === true || v === 'true')
          .map(([k]) => k),
      );
    } else throw invalidArgument(`invalid filter: ${raw}`);
  }
  return out;
}

/** Rejects keys a list endpoint does not know, with Docker's message. */
export function validateFilterKeys(filters: Filters, allowed: readonly string[]): void {
  for (const key of filters.keys()) {
    if (!allowed.includes(key)) throw invalidArgument(`Invalid filter '${key}'`);
  }
}

/**
 * A label filter value is `key` (present) or `key=value` (equal); every value given must match
 * (Docker ANDs label filters).
 */
export function matchLabels(values: string[] | undefined, labels: Record<string, string> | null | undefined): boolean {
  if (!values || values.length === 0) return true;
  const l = labels ?? {};
  return values.every((v) => {
    const eq = v.indexOf('=');
    if (eq < 0) return Object.prototype.hasOwnProperty.call(l, v);
    const k = v.slice(0, eq);
    return Object.prototype.hasOwnProperty.call(l, k) && l[k] === v.slice(eq + 1);
  });
}

/** True when `values` is empty or contains one value `test` accepts (Docker ORs most filter values). */
export function matchAny(values: string[] | undefined, test: (v: string) => boolean): boolean {
  if (!values || values.length === 0) return true;
  return values.some(test);
}

/** Go's strconv.ParseBool, which Docker uses for query booleans; docker-py sends "True"/"False". */
export function parseBool(v: string | null | undefined, name = 'value'): boolean {
  if (v === null || v === undefined || v === '') return false;
  if (['1', 't', 'T', 'true', 'True', 'TRUE'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'False', 'FALSE'].includes(v)) return false;
  throw invalidArgument(`invalid boolean value for ${name}: ${JSON.stringify(v)}`);
}

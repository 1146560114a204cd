/**
 * Go values for the template engine. docker runs `--format` templates on Go values: decoded API
 * structs (where `{{.State}}` prints `{running true …}` and a nil slice prints `[]`), raw JSON
 * (`map[string]interface {}`, numbers as json.Number) or its formatter contexts (structs with
 * methods). What gets printed, compared and encoded depends on those types, so values carry them.
 */

export type GoType =
  | { kind: 'string'; name: string }
  | { kind: 'int'; name: string }
  | { kind: 'uint'; name: string }
  | { kind: 'float'; name: string }
  | { kind: 'bool'; name: string }
  /** time.Duration: an int64 printed by its String method. */
  | { kind: 'duration'; name: string }
  /** time.Time, kept as its RFC 3339 text. */
  | { kind: 'time'; name: string }
  | { kind: 'iface'; name: string }
  | { kind: 'slice'; name: string; elem: GoType; array?: number }
  | { kind: 'map'; name: string; key: GoType; elem: GoType; methods?: Record<string, GoMethod> }
  | { kind: 'struct'; name: string; fields: StructField[]; methods?: Record<string, GoMethod> }
  | { kind: 'ptr'; name: string; elem: GoType }
  /** A parameter of a built-in function that takes any reflect.Value unchecked. */
  | { kind: 'value'; name: string };

export interface StructField {
  name: string;
  type: GoType;
  /** The JSON key (Go's field name unless tagged). */
  json: string;
  omitempty: boolean;
  /** Fields of an embedded struct are promoted; JSON inlines them. */
  embedded?: boolean;
}

/** A method of a formatter context (`.Label "k"`). */
export interface GoMethod {
  params: GoType[];
  variadic?: boolean;
  fn: (recv: GoValue, args: Val[]) => Val;
}

/** A function callable from a template; throwing FuncError makes "error calling NAME: …". */
export interface GoFunc {
  params: GoType[];
  variadic?: boolean;
  fn: (args: Val[]) => Val;
}

export class FuncError extends Error {}

/**
 * A Go value: its static type and its data. Data by kind: string → string, int/uint/duration →
 * number, float → number, bool → boolean, time → string (RFC 3339), iface → Val (undefined = nil
 * interface), slice → Val[] | null, map → Map<string, Val> | null, struct → Map<string, Val>,
 * ptr → GoValue | null.
 */
export interface GoValue {
  t: GoType;
  v: unknown;
}

/** A value, or undefined for Go's invalid reflect.Value (a missing map key, nil interface). */
export type Val = GoValue | undefined;

// --- constructors

const basic = <K extends 'string' | 'int' | 'uint' | 'float' | 'bool' | 'duration' | 'time' | 'iface' | 'value'>(kind: K, name: string) => ({ kind, name }) as Extract<GoType, { kind: K }>;

export const T = {
  string: basic('string', 'string'),
  int: basic('int', 'int'),
  int64: basic('int', 'int64'),
  uint16: basic('uint', 'uint16'),
  uint64: basic('uint', 'uint64'),
  float64: basic('float', 'float64'),
  bool: basic('bool', 'bool'),
  duration: basic('duration', 'time.Duration'),
  time: basic('time', 'time.Time'),
  iface: basic('iface', 'interface {}'),
  jsonNumber: basic('string', 'json.Number'),
  value: basic('value', 'reflect.Value'),
  slice: (elem: GoType, name?: string): GoType => ({ kind: 'slice', name: name ?? `[]${elem.name}`, elem }),
  map: (key: GoType, elem: GoType, name?: string): GoType => ({ kind: 'map', name: name ?? `map[${key.name}]${elem.name}`, key, elem }),
  ptr: (elem: GoType): GoType => ({ kind: 'ptr', name: `*${elem.name}`, elem }),
};

export const str = (s: string): GoValue => ({ t: T.string, v: s });
export const int = (n: number): GoValue => ({ t: T.int, v: n });
export const bool = (b: boolean): GoValue => ({ t: T.bool, v: b });
export const float = (n: number): GoValue => ({ t: T.float64, v: n });
export const stringSlice = (items: string[] | null): GoValue => ({ t: T.slice(T.string), v: items === null ? null : items.map(str) });

// --- decoding

/**
 * JSON decoded as Go's encoding/json would into `t`. With raw, interface{} numbers become
 * json.Number (docker decodes raw inspect data with UseNumber), otherwise float64.
 */
export function decode(json: unknown, t: GoType, raw = false): GoValue {
  switch (t.kind) {
    case 'iface':
      return { t, v: json === null || json === undefined ? undefined : decodeDynamic(json, raw) };
    case 'string':
      if (json instanceof JsonNumber) return { t, v: json.text };
      return { t, v: typeof json === 'string' ? json : json === null || json === undefined ? '' : String(json) };
    case 'int':
    case 'uint':
    case 'duration':
    case 'float':
      return { t, v: typeof json === 'number' ? json : json instanceof JsonNumber ? Number(json.text) : Number(json ?? 0) || 0 };
    case 'bool':
      return { t, v: json === true };
    case 'time':
      return { t, v: typeof json === 'string' ? json : '0001-01-01T00:00:00Z' };
    case 'slice':
      if (!Array.isArray(json)) return { t, v: t.array !== undefined ? Array.from({ length: t.array }, () => zero(t.elem)) : null };
      return { t, v: json.map((j) => decode(j, t.elem, raw)) };
    case 'map': {
      if (json === null || typeof json !== 'object' || Array.isArray(json) || json instanceof JsonNumber) return { t, v: null };
      const m = new Map<string, Val>();
      for (const [k, j] of Object.entries(json)) m.set(k, decode(j, t.elem, raw));
      return { t, v: m };
    }
    case 'ptr':
      return { t, v: json === null || json === undefined ? null : decode(json, t.elem, raw) };
    case 'struct': {
      const m = new Map<string, Val>();
      const obj = json !== null && typeof json === 'object' && !Array.isArray(json) && !(json instanceof JsonNumber) ? (json as Record<string, unknown>) : {};
      fillStruct(m, t.fields, obj, raw);
      return { t, v: m };
    }
    case 'value':
      return decodeDynamic(json, raw) ?? { t: T.iface, v: undefined };
  }
}

function fillStruct(m: Map<string, Val>, fields: StructField[], obj: Record<string, unknown>, raw: boolean): void {
  const lower = new Map(Object.keys(obj).map((k) => [k.toLowerCase(), k]));
  for (const f of fields) {
    if (f.embedded && f.type.kind === 'struct') {
      fillStruct(m, f.type.fields, obj, raw);
      continue;
    }
    if (f.embedded && f.type.kind === 'ptr' && f.type.elem.kind === 'struct') {
      fillStruct(m, f.type.elem.fields, obj, raw);
      continue;
    }
    // encoding/json matches keys exactly first, then case-insensitively.
    const key = f.json in obj ? f.json : lower.get(f.json.toLowerCase());
    m.set(f.name, key === undefined ? zero(f.type) : decode(obj[key], f.type, raw));
  }
}

/** What an interface{} holds after json.Unmarshal: maps, slices, strings, bools, numbers. */
function decodeDynamic(json: unknown, raw: boolean): GoValue | undefined {
  if (json === null || json === undefined) return undefined;
  if (typeof json === 'string') return str(json);
  if (typeof json === 'boolean') return bool(json);
  if (typeof json === 'number') return raw ? { t: T.jsonNumber, v: numberText(json) } : float(json);
  if (json instanceof JsonNumber) return raw ? { t: T.jsonNumber, v: json.text } : float(Number(json.text));
  if (Array.isArray(json)) return { t: anySlice, v: json.map((j) => ({ t: T.iface, v: decodeDynamic(j, raw) })) };
  const m = new Map<string, Val>();
  for (const [k, j] of Object.entries(json as Record<string, unknown>)) m.set(k, { t: T.iface, v: decodeDynamic(j, raw) });
  return { t: anyMap, v: m };
}

export const anySlice = T.slice(T.iface);
export const anyMap = T.map(T.string, T.iface);

/** A number kept as its JSON text (see parseJsonKeepNumbers). */
export class JsonNumber {
  constructor(readonly text: string) {}
}

function numberText(n: number): string {
  return String(n);
}

/**
 * JSON.parse that keeps every number's text, as Go's json.Number does: `"Pid": 2890` stays
 * `2890`, and 64-bit integers keep their digits. Numbers come back as JsonNumber.
 */
export function parseJsonKeepNumbers(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new SyntaxError(`invalid JSON at offset ${i}`);
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const key = string();
        ws();
        if (text[i++] !== ':') fail();
        out[key] = value();
        ws();
        const sep = text[i++];
        if (sep === '}') return out;
        if (sep !== ',') fail();
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        const sep = text[i++];
        if (sep === ']') return out;
        if (sep !== ',') fail();
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
    return new JsonNumber(m![0]);
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const out = value();
  ws();
  if (i < text.length) fail();
  return out;
}

/** Go's zero value of a type. */
export function zero(t: GoType): GoValue {
  switch (t.kind) {
    case 'string':
      return { t, v: '' };
    case 'int':
    case 'uint':
    case 'float':
    case 'duration':
      return { t, v: 0 };
    case 'bool':
      return { t, v: false };
    case 'time':
      return { t, v: '0001-01-01T00:00:00Z' };
    case 'iface':
    case 'value':
      return { t: T.iface, v: undefined };
    case 'slice':
      return { t, v: t.array !== undefined ? Array.from({ length: t.array }, () => zero(t.elem)) : null };
    case 'map':
      return { t, v: null };
    case 'ptr':
      return { t, v: null };
    case 'struct': {
      const m = new Map<string, Val>();
      fillStruct(m, t.fields, {}, false);
      return { t, v: m };
    }
  }
}

// --- reflection helpers

/** Go's indirect(): through pointers and interfaces; isNil when it stopped at a nil one. */
export function indirect(v: Val): { v: Val; isNil: boolean } {
  let cur = v;
  while (cur && (cur.t.kind === 'ptr' || cur.t.kind === 'iface')) {
    if (cur.t.kind === 'ptr') {
      if (cur.v === null) return { v: cur, isNil: true };
      cur = cur.v as GoValue;
    } else {
      if (cur.v === undefined) return { v: cur, isNil: true };
      cur = cur.v as GoValue;
    }
  }
  return { v: cur, isNil: false };
}

/** Go's indirectInterface(): an interface's dynamic value (undefined for a nil interface). */
export function indirectInterface(v: Val): Val {
  let cur = v;
  while (cur && cur.t.kind === 'iface') cur = cur.v as Val;
  return cur;
}

/** All struct fields, embedded ones flattened, in declaration order. */
export function structFields(t: Extract<GoType, { kind: 'struct' }>): StructField[] {
  const out: StructField[] = [];
  for (const f of t.fields) {
    if (f.embedded && f.type.kind === 'struct') out.push(...structFields(f.type));
    else if (f.embedded && f.type.kind === 'ptr' && f.type.elem.kind === 'struct') out.push(...structFields(f.type.elem));
    else out.push(f);
  }
  return out;
}

/** Go's template truth: false for zero values, empty collections and nil. ok=false if it cannot tell. */
export function isTrue(v: Val): { truth: boolean; ok: boolean } {
  if (!v) return { truth: false, ok: true };
  switch (v.t.kind) {
    case 'string':
      return { truth: (v.v as string).length > 0, ok: true };
    case 'int':
    case 'uint':
    case 'float':
    case 'duration':
      return { truth: (v.v as number) !== 0, ok: true };
    case 'bool':
      return { truth: v.v as boolean, ok: true };
    case 'slice':
      return { truth: ((v.v as Val[] | null) ?? []).length > 0, ok: true };
    case 'map':
      return { truth: ((v.v as Map<string, Val> | null)?.size ?? 0) > 0, ok: true };
    case 'ptr':
      return { truth: v.v !== null, ok: true };
    case 'iface':
      return { truth: v.v !== undefined, ok: true };
    case 'struct':
    case 'time':
      return { truth: true, ok: true };
    default:
      return { truth: true, ok: true };
  }
}

/** Length for `len`, or undefined when the kind has none. */
export function lengthOf(v: GoValue): number | undefined {
  switch (v.t.kind) {
    case 'string':
      return Buffer.byteLength(v.v as string, 'utf8');
    case 'slice':
      return ((v.v as Val[] | null) ?? []).length;
    case 'map':
      return (v.v as Map<string, Val> | null)?.size ?? 0;
    default:
      return undefined;
  }
}

// --- printing (fmt's %v)

/** fmt.Sprint of one value, as a template action prints it. */
export function formatValue(v: Val, depth = 0): string {
  if (!v) return '<nil>';
  switch (v.t.kind) {
    case 'string':
      return v.v as string;
    case 'int':
    case 'uint':
      return intText(v.v as number);
    case 'float':
      return formatFloatG(v.v as number);
    case 'bool':
      return String(v.v);
    case 'duration':
      return durationString(v.v as number);
    case 'time':
      return timeString(v.v as string);
    case 'iface':
      return v.v === undefined ? '<nil>' : formatValue(v.v as GoValue, depth);
    case 'value':
      return '<nil>';
    case 'slice': {
      const items = (v.v as Val[] | null) ?? [];
      return `[${items.map((i) => formatValue(i, depth + 1)).join(' ')}]`;
    }
    case 'map': {
      const m = (v.v as Map<string, Val> | null) ?? new Map<string, Val>();
      const keys = sortedKeys(m, v.t.key);
      return `map[${keys.map((k) => `${formatValue(keyValue(k, v.t.kind === 'map' ? v.t.key : T.string), depth + 1)}:${formatValue(m.get(k), depth + 1)}`).join(' ')}]`;
    }
    case 'struct':
      return formatStruct(v.t, v.v as Map<string, Val>, depth);
    case 'ptr': {
      if (v.v === null) return '<nil>';
      const target = v.v as GoValue;
      // fmt prints &{…} for a pointer to a composite at the top, an address below it.
      const composite = ['struct', 'slice', 'map'].includes(target.t.kind);
      if (depth === 0 && composite) return `&${formatValue(target, depth + 1)}`;
      if (!composite) return '0xc000010000';
      return '0xc000010000';
    }
  }
}

/** `{v1 v2 …}`; an embedded struct is printed as a struct of its own, an embedded pointer as an address. */
function formatStruct(t: Extract<GoType, { kind: 'struct' }>, m: Map<string, Val>, depth: number): string {
  const parts = t.fields.map((f) => {
    if (f.embedded && f.type.kind === 'struct') return formatStruct(f.type, m, depth + 1);
    if (f.embedded && f.type.kind === 'ptr') return '0xc000010000';
    return formatValue(m.get(f.name), depth + 1);
  });
  return `{${parts.join(' ')}}`;
}

function keyValue(k: string, t: GoType): GoValue {
  if (t.kind === 'int' || t.kind === 'uint') return { t, v: Number(k) };
  return { t, v: k };
}

export function sortedKeys(m: Map<string, Val>, keyType: GoType): string[] {
  const keys = [...m.keys()];
  if (keyType.kind === 'int' || keyType.kind === 'uint') return keys.sort((a, b) => Number(a) - Number(b));
  return keys.sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
}

function intText(n: number): string {
  return Number.isInteger(n) ? BigInt(n).toString() : String(Math.trunc(n));
}

/** strconv.FormatFloat(f, 'g', -1, 64), which %v uses: shortest digits, exponent form from 1e+06 or below 1e-04. */
export function formatFloatG(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant, expText] = f.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const digits = mant.replace('-', '').replace('.', '');
  // With the shortest precision strconv switches to %e at an exponent of 6.
  if (exp < -4 || exp >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${f < 0 ? '-' : ''}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(f).replace(/e.*$/, '');
}

/** time.Duration.String(): 1h2m3.5s, 1.5ms, 0s. */
export function durationString(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = BigInt(Math.abs(Math.trunc(ns)));
  let out: string;
  if (u < 1_000_000_000n) {
    let unit: string;
    let scale: bigint;
    if (u < 1000n) return `${neg ? '-' : ''}${u}ns`;
    if (u < 1_000_000n) {
      unit = 'µs';
      scale = 1000n;
    } else {
      unit = 'ms';
      scale = 1_000_000n;
    }
    out = fraction(u, scale) + unit;
  } else {
    const h = u / 3_600_000_000_000n;
    u -= h * 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u -= m * 60_000_000_000n;
    out = `${fraction(u, 1_000_000_000n)}s`;
    if (h > 0n) out = `${h}h${m}m${out}`;
    else if (m > 0n) out = `${m}m${out}`;
  }
  return (neg ? '-' : '') + out;
}

function fraction(v: bigint, scale: bigint): string {
  const whole = v / scale;
  const rest = v % scale;
  if (rest === 0n) return String(whole);
  const digits = String(scale).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** time.Time.String() for an RFC 3339 instant, in UTC: `2026-11-22 06:04:12.251348969 +0000 UTC`. */
export function timeString(rfc3339: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(rfc3339);
  if (!m) return rfc3339;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (m[4] === 'Z') return `${m[1]} ${m[2]}${frac === '.' ? '' : frac} +0000 UTC`;
  const zone = m[4]!.replace(':', '');
  return `${m[1]} ${m[2]}${frac === '.' ? '' : frac} ${zone} ${zone}`;
}

// --- JSON (encoding/json with SetEscapeHTML(false))

/** json.Marshal of the value, as docker's `json` template function prints it. */
export function toJson(v: Val): string {
  if (!v) return 'null';
  switch (v.t.kind) {
    case 'string':
      if (v.t.name === 'json.Number') return (v.v as string) || '0';
      return jsonString(v.v as string);
    case 'int':
    case 'uint':
    case 'duration':
      return intText(v.v as number);
    case 'float':
      return jsonFloat(v.v as number);
    case 'bool':
      return String(v.v);
    case 'time':
      return jsonString(v.v as string);
    case 'iface':
      return toJson(v.v as Val);
    case 'value':
      return 'null';
    case 'slice': {
      const items = v.v as Val[] | null;
      if (items === null) return 'null';
      return `[${items.map(toJson).join(',')}]`;
    }
    case 'map': {
      const m = v.v as Map<string, Val> | null;
      if (m === null) return 'null';
      return `{${sortedKeys(m, v.t.key).map((k) => `${jsonString(k)}:${toJson(m.get(k))}`).join(',')}}`;
    }
    case 'ptr':
      return v.v === null ? 'null' : toJson(v.v as GoValue);
    case 'struct': {
      if (v.t.methods && v.t.fields.length === 0) {
        // A formatter context marshals as a map of what its methods return.
        const entries = Object.keys(v.t.methods)
          .filter((k) => v.t.kind === 'struct' && v.t.methods![k]!.params.length === 0)
          .sort()
          .map((k) => `${jsonString(k)}:${toJson((v.t as Extract<GoType, { kind: 'struct' }>).methods![k]!.fn(v, []))}`);
        return `{${entries.join(',')}}`;
      }
      const m = v.v as Map<string, Val>;
      const parts: string[] = [];
      for (const f of structFields(v.t)) {
        const fv = m.get(f.name);
        if (f.omitempty && isEmptyJson(fv)) continue;
        parts.push(`${jsonString(f.json)}:${toJson(fv)}`);
      }
      return `{${parts.join(',')}}`;
    }
  }
}

function isEmptyJson(v: Val): boolean {
  if (!v) return true;
  switch (v.t.kind) {
    case 'string':
      return v.v === '';
    case 'int':
    case 'uint':
    case 'float':
    case 'duration':
      return v.v === 0;
    case 'bool':
      return v.v === false;
    case 'slice':
      return v.t.array === undefined && ((v.v as Val[] | null) ?? []).length === 0;
    case 'map':
      return ((v.v as Map<string, Val> | null)?.size ?? 0) === 0;
    case 'ptr':
      return v.v === null;
    case 'iface':
      return v.v === undefined;
    default:
      return false;
  }
}

/** Go's float encoding: shortest digits; exponent form below 1e-6 and from 1e21. */
function jsonFloat(f: number): string {
  if (!Number.isFinite(f)) return 'null';
  const abs = Math.abs(f);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    return f.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(f);
}

/** A JSON string as Go writes it without HTML escaping: \u2028 and \u2029 are still escaped. */
export function jsonString(s: string): string {
  return JSON.stringify(s).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

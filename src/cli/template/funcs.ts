/**
 * The functions a docker `--format` template can call: Go's built-ins (and, or, not, len, index,
 * slice, print, printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery, call) and the ones the
 * docker CLI adds (json, split, join, title, lower, upper, pad, truncate), plus the variants
 * docker uses when it renders a table header.
 */
import { sprint, sprintf, sprintln } from './fmt.js';
import { FuncError, T, formatValue, indirect, indirectInterface, isTrue, lengthOf, stringSlice, toJson, zero, type GoFunc, type GoValue, type Val } from './value.js';

type Builtin = GoFunc & { builtin?: boolean };

const V = T.value;
const b = (v: boolean): GoValue => ({ t: T.bool, v });
const s = (v: string): GoValue => ({ t: T.string, v });

type BasicKind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'invalid';

function basicKind(v: Val): BasicKind {
  if (!v) return 'invalid';
  switch (v.t.kind) {
    case 'bool':
      return 'bool';
    case 'int':
    case 'duration':
      return 'int';
    case 'uint':
      return 'uint';
    case 'float':
      return 'float';
    case 'string':
      return 'string';
    default:
      return 'invalid';
  }
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';
const errNoComparison = 'missing argument for comparison';

function eq(arg1: Val, rest: Val[]): boolean {
  const a = indirectInterface(arg1);
  if (rest.length === 0) throw new FuncError(errNoComparison);
  const k1 = basicKind(a);
  for (const raw of rest) {
    const arg = indirectInterface(raw);
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) truth = (a!.v as number) === (arg!.v as number);
      else if (a && arg) throw new FuncError(errBadComparison);
    } else if (k1 !== 'invalid') {
      truth = a!.v === arg!.v;
    } else if (!a || !arg) {
      truth = !a && !arg;
    } else {
      const nil1 = isNilValue(a);
      const nil2 = isNilValue(arg);
      if (nil1 || nil2) truth = nil1 === nil2;
      else if (a.t.kind === 'slice' || a.t.kind === 'map' || arg.t.kind === 'slice' || arg.t.kind === 'map') {
        throw new FuncError(`non-comparable type ${formatValue(arg)}: ${arg.t.name}`);
      } else truth = a.t.name === arg.t.name && toJson(a) === toJson(arg);
    }
    if (truth) return true;
  }
  return false;
}

function isNilValue(v: GoValue): boolean {
  return (v.t.kind === 'ptr' || v.t.kind === 'slice' || v.t.kind === 'map') && v.v === null;
}

function lt(arg1: Val, arg2: Val): boolean {
  const a = indirectInterface(arg1);
  const k1 = basicKind(a);
  if (k1 === 'invalid') throw new FuncError(errBadComparisonType);
  const c = indirectInterface(arg2);
  const k2 = basicKind(c);
  if (k2 === 'invalid') throw new FuncError(errBadComparisonType);
  if (k1 !== k2) {
    if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) return (a!.v as number) < (c!.v as number);
    throw new FuncError(errBadComparison);
  }
  if (k1 === 'bool') throw new FuncError(errBadComparisonType);
  if (k1 === 'string') return Buffer.compare(Buffer.from(a!.v as string), Buffer.from(c!.v as string)) < 0;
  return (a!.v as number) < (c!.v as number);
}

function indexArg(index: Val, cap: number): number {
  const x = indirectInterface(index);
  if (!x) throw new FuncError('cannot index slice/array with nil');
  if (x.t.kind !== 'int' && x.t.kind !== 'uint') throw new FuncError(`cannot index slice/array with type ${x.t.name}`);
  const n = x.v as number;
  if (n < 0 || n >= cap) throw new FuncError(`index out of range: ${n}`);
  return n;
}

function index(item: Val, indexes: Val[]): Val {
  let cur = indirectInterface(item);
  if (!cur) throw new FuncError('index of untyped nil');
  for (const idx of indexes) {
    const i = indirectInterface(idx);
    const ind = indirect(cur);
    if (ind.isNil) throw new FuncError('index of nil pointer');
    cur = ind.v!;
    switch (cur.t.kind) {
      case 'slice': {
        const items = (cur.v as Val[] | null) ?? [];
        cur = items[indexArg(i, items.length)];
        break;
      }
      case 'string': {
        const bytes = Buffer.from(cur.v as string, 'utf8');
        cur = { t: { kind: 'uint', name: 'uint8' }, v: bytes[indexArg(i, bytes.length)]! };
        break;
      }
      case 'map': {
        const keyType = cur.t.key;
        let key: string;
        if (!i) {
          throw new FuncError(`value is nil; should be of type ${keyType.name}`);
        } else if (i.t.name === keyType.name || (keyType.kind === 'iface')) key = String(i.v);
        else if ((i.t.kind === 'int' || i.t.kind === 'uint') && (keyType.kind === 'int' || keyType.kind === 'uint')) key = String(i.v);
        else throw new FuncError(`value has type ${i.t.name}; should be ${keyType.name}`);
        const m = cur.v as Map<string, Val> | null;
        cur = m && m.has(key) ? m.get(key) : zero(cur.t.elem);
        break;
      }
      default:
        throw new FuncError(`can't index item of type ${cur.t.name}`);
    }
    if (!cur) cur = undefined;
  }
  return cur;
}

function slice(item: Val, idx: Val[]): Val {
  const cur = indirectInterface(item);
  if (!cur) throw new FuncError('slice of untyped nil');
  if (idx.length > 3) throw new FuncError(`too many slice indexes: ${idx.length}`);
  const len = cur.t.kind === 'string' ? Buffer.byteLength(cur.v as string) : cur.t.kind === 'slice' ? ((cur.v as Val[] | null) ?? []).length : -1;
  if (len < 0) throw new FuncError(`can't slice item of type ${cur.t.name}`);
  if (cur.t.kind === 'string' && idx.length === 3) throw new FuncError('cannot 3-index slice a string');
  const bounds = [0, len];
  idx.forEach((x, i) => (bounds[i] = indexArg(x, len + 1)));
  if (bounds[0]! > bounds[1]!) throw new FuncError(`invalid slice index: ${bounds[0]} > ${bounds[1]}`);
  if (cur.t.kind === 'string') return { t: cur.t, v: Buffer.from(cur.v as string).subarray(bounds[0], bounds[1]).toString('utf8') };
  return { t: cur.t, v: ((cur.v as Val[] | null) ?? []).slice(bounds[0], bounds[1]) };
}

function len(item: Val): GoValue {
  const { v, isNil } = indirect(item);
  if (isNil) throw new FuncError('len of nil pointer');
  if (!v) throw new FuncError('len of untyped nil');
  const n = lengthOf(v);
  if (n === undefined) throw new FuncError(`len of type ${v.t.name}`);
  return { t: T.int, v: n };
}

function evalArgsText(args: Val[]): string {
  if (args.length === 1) {
    const v = indirectInterface(args[0]);
    if (v && v.t.kind === 'string') return v.v as string;
  }
  return sprint(args);
}

function htmlEscape(t: string): string {
  return t.replace(/[\0"'&<>]/g, (c) => ({ '\0': '\uFFFD', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

function jsEscape(t: string): string {
  let out = '';
  for (const c of t) {
    switch (c) {
      case '\\':
        out += '\\\\';
        break;
      case "'":
        out += "\\'";
        break;
      case '"':
        out += '\\"';
        break;
      case '<':
        out += '\\u003C';
        break;
      case '>':
        out += '\\u003E';
        break;
      case '&':
        out += '\\u0026';
        break;
      case '=':
        out += '\\u003D';
        break;
      default: {
        const cp = c.codePointAt(0)!;
        out += cp < 0x20 ? `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}` : c;
      }
    }
  }
  return out;
}

/** Go's built-in template functions. */
export const builtinFuncs: Record<string, Builtin> = {
  and: { params: [V, V], variadic: true, builtin: true, fn: () => undefined },
  or: { params: [V, V], variadic: true, builtin: true, fn: () => undefined },
  not: { params: [V], fn: ([a]) => b(!isTrue(indirectInterface(a)).truth) },
  len: { params: [V], fn: ([a]) => len(a) },
  index: { params: [V, V], variadic: true, fn: ([item, ...rest]) => index(item, rest) },
  slice: { params: [V, V], variadic: true, fn: ([item, ...rest]) => slice(item, rest) },
  print: { params: [T.iface], variadic: true, fn: (args) => s(sprint(args)) },
  printf: { params: [T.string, T.iface], variadic: true, fn: ([f, ...args]) => s(sprintf(f!.v as string, args)) },
  println: { params: [T.iface], variadic: true, fn: (args) => s(sprintln(args)) },
  eq: { params: [V, V], variadic: true, fn: ([a, ...rest]) => b(eq(a, rest)) },
  ne: { params: [V, V], fn: ([a, c]) => b(!eq(a, [c])) },
  lt: { params: [V, V], fn: ([a, c]) => b(lt(a, c)) },
  le: { params: [V, V], fn: ([a, c]) => b(lt(a, c) || eq(a, [c])) },
  gt: { params: [V, V], fn: ([a, c]) => b(!(lt(a, c) || eq(a, [c]))) },
  ge: { params: [V, V], fn: ([a, c]) => b(!lt(a, c)) },
  html: { params: [T.iface], variadic: true, fn: (args) => s(htmlEscape(evalArgsText(args))) },
  js: { params: [T.iface], variadic: true, fn: (args) => s(jsEscape(evalArgsText(args))) },
  urlquery: {
    params: [T.iface],
    variadic: true,
    fn: (args) => s(encodeURIComponent(evalArgsText(args)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+')),
  },
  call: {
    params: [V, V],
    variadic: true,
    fn: ([f]) => {
      throw new FuncError(`non-function ${formatValue(indirectInterface(f))} of type ${indirectInterface(f)?.t.name ?? '<nil>'}`);
    },
  },
};

const str = (v: Val) => (v!.v as string);

/** strings.Title: the first letter of each word upper-cased. */
function title(t: string): string {
  let prev = ' ';
  let out = '';
  for (const c of t) {
    out += /[\p{L}\p{N}_'’]/u.test(prev) ? c : c.toUpperCase();
    prev = c;
  }
  return out;
}

/** strings.Split. */
function split(t: string, sep: string): string[] {
  if (sep === '') return Array.from(t);
  return t.split(sep);
}

/** docker's template functions (cli/templates.basicFunctions). */
export const dockerFuncs: Record<string, Builtin> = {
  ...builtinFuncs,
  json: { params: [T.iface], fn: ([v]) => s(toJson(v)) },
  split: { params: [T.string, T.string], fn: ([a, c]) => stringSlice(split(str(a), str(c))) },
  join: {
    params: [T.slice(T.string), T.string],
    fn: ([a, c]) => s(((a!.v as Val[] | null) ?? []).map((x) => x!.v as string).join(str(c))),
  },
  title: { params: [T.string], fn: ([a]) => s(title(str(a))) },
  lower: { params: [T.string], fn: ([a]) => s(str(a).toLowerCase()) },
  upper: { params: [T.string], fn: ([a]) => s(str(a).toUpperCase()) },
  pad: { params: [T.string, T.int, T.int], fn: ([a, l, r]) => s(' '.repeat(Math.max(0, l!.v as number)) + str(a) + ' '.repeat(Math.max(0, r!.v as number))) },
  truncate: {
    params: [T.string, T.int],
    fn: ([a, n]) => {
      const bytes = Buffer.from(str(a), 'utf8');
      const length = n!.v as number;
      if (bytes.length < length) return a;
      if (length < 0) throw new FuncError(`slice bounds out of range [:${length}]`);
      return s(bytes.subarray(0, length).toString('utf8'));
    },
  },
};

/**
 * docker's HeaderFunctions: when a table header is rendered, the template runs on the header
 * names, and these functions pass a name through instead of transforming it.
 */
export const headerFuncs: Record<string, Builtin> = {
  ...dockerFuncs,
  json: { params: [T.string], fn: ([a]) => a },
  title: { params: [T.string], fn: ([a]) => a },
  lower: { params: [T.string], fn: ([a]) => a },
  upper: { params: [T.string], fn: ([a]) => a },
  truncate: { params: [T.string, T.int], fn: ([a]) => a },
  split: { params: [T.string, T.string], fn: ([a]) => a },
  join: { params: [T.string, T.string], fn: ([a]) => a },
  pad: { params: [T.string, T.int, T.int], fn: ([a]) => a },
};

/**
 * Go's fmt.Sprint, Sprintln and Sprintf over template values: the verbs people put in
 * `--format` (%s %d %v %q %x %f %t %T …), flags and widths, and fmt's in-band complaints
 * (`%!d(string=/web)`, `%!s(MISSING)`, `%!(EXTRA int=3)`).
 */
import { goQuote, quoteRune } from './lex.js';
import { formatFloatG, formatValue, indirectInterface, sortedKeys, structFields, type GoValue, type Val } from './value.js';

/** fmt.Sprint: operands side by side, with a space between two that are not strings. */
export function sprint(args: Val[]): string {
  let out = '';
  args.forEach((a, i) => {
    const v = indirectInterface(a);
    const isString = v !== undefined && v.t.kind === 'string';
    const prev = i > 0 ? indirectInterface(args[i - 1]) : undefined;
    const prevString = prev !== undefined && prev.t.kind === 'string';
    if (i > 0 && !isString && !prevString) out += ' ';
    out += formatValue(v);
  });
  return out;
}

/** fmt.Sprintln: operands separated by spaces, then a newline. */
export function sprintln(args: Val[]): string {
  return args.map((a) => formatValue(indirectInterface(a))).join(' ') + '\n';
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: Val[]): string {
  let out = '';
  let argNum = 0;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    flags: for (; i < n; i++) {
      switch (format[i]) {
        case '-':
          spec.minus = true;
          spec.zero = false;
          break;
        case '+':
          spec.plus = true;
          break;
        case '#':
          spec.sharp = true;
          break;
        case ' ':
          spec.space = true;
          break;
        case '0':
          spec.zero = !spec.minus;
          break;
        default:
          break flags;
      }
    }
    // width
    if (format[i] === '*') {
      i++;
      const w = indirectInterface(args[argNum++]);
      if (w && (w.t.kind === 'int' || w.t.kind === 'uint')) {
        spec.width = w.v as number;
        if (spec.width < 0) {
          spec.minus = true;
          spec.width = -spec.width;
        }
      } else out += '%!(BADWIDTH)';
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m) {
        spec.width = Number(m[0]);
        i += m[0].length;
      }
    }
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        i++;
        const p = indirectInterface(args[argNum++]);
        if (p && (p.t.kind === 'int' || p.t.kind === 'uint')) spec.prec = Math.max(0, p.v as number);
        else out += '%!(BADPREC)';
      } else {
        const m = /^\d+/.exec(format.slice(i));
        spec.prec = m ? Number(m[0]) : 0;
        if (m) i += m[0].length;
      }
    }
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatArg(args[argNum++], verb, spec);
  }
  if (argNum < args.length) {
    out += `%!(EXTRA ${args
      .slice(argNum)
      .map((a) => {
        const v = indirectInterface(a);
        return v ? `${v.t.name}=${formatValue(v)}` : '<nil>';
      })
      .join(', ')})`;
  }
  return out;
}

function pad(s: string, spec: Spec, zeroOk = true): string {
  const len = Array.from(s).length;
  if (spec.width === undefined || len >= spec.width) return s;
  const fill = spec.width - len;
  if (spec.minus) return s + ' '.repeat(fill);
  if (spec.zero && zeroOk) {
    const sign = /^[+-]/.test(s) ? s[0]! : '';
    return sign + '0'.repeat(fill) + s.slice(sign.length);
  }
  return ' '.repeat(fill) + s;
}

function bad(v: GoValue | undefined, verb: string): string {
  if (!v) return `%!${verb}(<nil>)`;
  return `%!${verb}(${v.t.name}=${formatValue(v)})`;
}

function formatArg(a: Val, verb: string, spec: Spec): string {
  const v = indirectInterface(a);
  if (verb === 'T') return pad(v ? v.t.name : '<nil>', spec, false);
  if (!v) {
    return verb === 'v' ? pad('<nil>', spec, false) : bad(v, verb);
  }
  if (verb === 'v' && spec.plus && v.t.kind === 'struct') {
    const m = v.v as Map<string, Val>;
    return pad(`{${structFields(v.t).map((f) => `${f.name}:${formatValue(m.get(f.name), 1)}`).join(' ')}}`, spec, false);
  }
  switch (v.t.kind) {
    case 'bool':
      if (verb === 't' || verb === 'v') return pad(String(v.v), spec, false);
      return bad(v, verb);
    case 'int':
    case 'uint':
      return formatInt(v, verb, spec);
    case 'float':
      return formatFloatVerb(v, verb, spec);
    case 'string':
    case 'time':
    case 'duration': {
      // time.Duration and time.Time are fmt.Stringers; a Duration is still an integer for %d.
      if (v.t.kind === 'duration' && 'dxXob'.includes(verb)) return formatInt({ t: { kind: 'int', name: 'time.Duration' }, v: v.v }, verb, spec);
      const s = v.t.kind === 'string' ? (v.v as string) : formatValue(v);
      return formatString(s, v, verb, spec);
    }
    case 'slice': {
      if ((verb === 's' || verb === 'q' || verb === 'x' || verb === 'X') && v.t.elem.kind === 'uint' && v.t.elem.name === 'uint8') {
        return formatString(Buffer.from(((v.v as Val[] | null) ?? []).map((b) => (b?.v as number) ?? 0)).toString('latin1'), v, verb, spec);
      }
      const items = (v.v as Val[] | null) ?? [];
      return pad(`[${items.map((it) => formatArg(it, verb, { ...spec, width: undefined })).join(' ')}]`, spec, false);
    }
    case 'map': {
      const m = (v.v as Map<string, Val> | null) ?? new Map<string, Val>();
      const keys = sortedKeys(m, v.t.key);
      const keyType = v.t.key;
      const inner = keys.map((k) => `${formatArg({ t: keyType, v: keyType.kind === 'int' ? Number(k) : k }, verb, { ...spec, width: undefined })}:${formatArg(m.get(k), verb, { ...spec, width: undefined })}`);
      return pad(`map[${inner.join(' ')}]`, spec, false);
    }
    case 'struct': {
      const m = v.v as Map<string, Val>;
      return pad(`{${structFields(v.t).map((f) => formatArg(m.get(f.name), verb, { ...spec, width: undefined })).join(' ')}}`, spec, false);
    }
    case 'ptr':
      if (verb === 'v' || verb === 's') return pad(formatValue(v), spec, false);
      return bad(v, verb);
    default:
      return pad(formatValue(v), spec, false);
  }
}

function formatString(s: string, v: GoValue, verb: string, spec: Spec): string {
  switch (verb) {
    case 'v':
    case 's': {
      const t = spec.prec !== undefined ? Array.from(s).slice(0, spec.prec).join('') : s;
      return pad(t, spec);
    }
    case 'q': {
      const t = spec.prec !== undefined ? Array.from(s).slice(0, spec.prec).join('') : s;
      if (spec.sharp && !t.includes('`')) return pad(`\`${t}\``, spec);
      return pad(spec.plus ? goQuote(t).replace(/[^\x00-\x7f]/gu, (c) => asciiEscape(c)) : goQuote(t), spec);
    }
    case 'x':
    case 'X': {
      let hex = Buffer.from(s, 'utf8').toString('hex');
      if (verb === 'X') hex = hex.toUpperCase();
      if (spec.space) hex = hex.match(/../g)?.join(' ') ?? '';
      if (spec.sharp) hex = (verb === 'X' ? '0X' : '0x') + hex;
      return pad(hex, spec);
    }
    default:
      return bad(v, verb);
  }
}

function asciiEscape(c: string): string {
  const cp = c.codePointAt(0)!;
  return cp < 0x10000 ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`;
}

function formatInt(v: GoValue, verb: string, spec: Spec): string {
  const n = BigInt(Math.trunc(v.v as number));
  const neg = n < 0n;
  const abs = neg ? -n : n;
  let body: string;
  let prefix = '';
  switch (verb) {
    case 'v':
    case 'd':
      body = abs.toString(10);
      break;
    case 'b':
      body = abs.toString(2);
      if (spec.sharp) prefix = '0b';
      break;
    case 'o':
    case 'O':
      body = abs.toString(8);
      if (verb === 'O') prefix = '0o';
      else if (spec.sharp) prefix = '0';
      break;
    case 'x':
      body = abs.toString(16);
      if (spec.sharp) prefix = '0x';
      break;
    case 'X':
      body = abs.toString(16).toUpperCase();
      if (spec.sharp) prefix = '0X';
      break;
    case 'c':
      return pad(String.fromCodePoint(Number(abs)), spec, false);
    case 'q':
      return pad(`'${quoteRune(String.fromCodePoint(Number(abs)), "'")}'`, spec, false);
    case 'U':
      return pad(`U+${abs.toString(16).toUpperCase().padStart(4, '0')}`, spec, false);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case 's':
    case 't':
    default:
      return bad(v, verb);
  }
  if (spec.prec !== undefined) {
    body = spec.prec === 0 && abs === 0n ? '' : body.padStart(spec.prec, '0');
  }
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  const s = sign + prefix + body;
  if (spec.zero && spec.prec === undefined && spec.width !== undefined && !spec.minus && s.length < spec.width) {
    return sign + prefix + body.padStart(spec.width - sign.length - prefix.length, '0');
  }
  return pad(s, spec, false);
}

function formatFloatVerb(v: GoValue, verb: string, spec: Spec): string {
  const f = v.v as number;
  let s: string;
  switch (verb) {
    case 'v':
    case 'g':
    case 'G':
      s = spec.prec !== undefined ? trimG(f.toPrecision(Math.max(1, spec.prec)), spec.prec) : formatFloatG(f);
      if (verb === 'G') s = s.toUpperCase();
      break;
    case 'f':
    case 'F':
      s = f.toFixed(spec.prec ?? 6);
      break;
    case 'e':
    case 'E':
      s = f.toExponential(spec.prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
      if (verb === 'E') s = s.toUpperCase();
      break;
    default:
      return bad(v, verb);
  }
  if (!s.startsWith('-')) {
    if (spec.plus) s = '+' + s;
    else if (spec.space) s = ' ' + s;
  }
  return pad(s, spec);
}

/** %.Ng: toPrecision, but in Go's exponent style and without trailing zeros. */
function trimG(s: string, prec: number): string {
  const m = /^(-?)([\d.]+)e([+-])(\d+)$/.exec(s);
  if (m) {
    const mant = m[2]!.includes('.') ? m[2]!.replace(/\.?0+$/, '') : m[2]!;
    return `${m[1]}${mant}e${m[3]}${m[4]!.padStart(2, '0')}`;
  }
  const exp = Math.floor(Math.log10(Math.abs(Number(s)) || 1));
  if (exp < -4 || exp >= prec) {
    const e = Number(s).toExponential(Math.max(0, prec - 1));
    return trimG(e, prec);
  }
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

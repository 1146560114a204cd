/**
 * Go type declarations, written as Go source and turned into GoTypes, so that the API structs the
 * docker CLI decodes into can be described as they are declared (field order, JSON names,
 * omitempty, embedding).
 *
 *   type container.State struct {
 *     Status string
 *     Health *Health `json:",omitempty"`
 *   }
 *   type nat.Port string
 */
import { T, type GoType, type StructField } from './value.js';

const basics: Record<string, GoType> = {
  string: T.string,
  int: T.int,
  int8: { kind: 'int', name: 'int8' },
  int16: { kind: 'int', name: 'int16' },
  int32: { kind: 'int', name: 'int32' },
  int64: T.int64,
  uint: { kind: 'uint', name: 'uint' },
  uint8: { kind: 'uint', name: 'uint8' },
  uint16: T.uint16,
  uint32: { kind: 'uint', name: 'uint32' },
  uint64: T.uint64,
  float32: { kind: 'float', name: 'float32' },
  float64: T.float64,
  bool: T.bool,
  'time.Duration': T.duration,
  'time.Time': T.time,
  'interface{}': T.iface,
  any: T.iface,
  'json.Number': T.jsonNumber,
};

/** Parses declarations; returns every named type by its qualified and its short name. */
export function declareTypes(source: string): Map<string, GoType> {
  const types = new Map<string, GoType>(Object.entries(basics));
  const pending: Array<() => void> = [];
  const lines = source.split('\n').map((l) => l.replace(/\/\/.*$/, '').trim());
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const m = /^type\s+([\w.]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`gotypes: cannot read ${JSON.stringify(line)}`);
    const name = m[1]!;
    const short = name.includes('.') ? name.slice(name.indexOf('.') + 1) : name;
    const rest = m[2]!;
    if (rest === 'struct {') {
      const t: Extract<GoType, { kind: 'struct' }> = { kind: 'struct', name, fields: [] };
      types.set(name, t);
      types.set(short, t);
      const body: string[] = [];
      while (lines[++i] !== '}') {
        if (i >= lines.length) throw new Error(`gotypes: unterminated struct ${name}`);
        if (lines[i]) body.push(lines[i]!);
      }
      pending.push(() => {
        t.fields = body.map((f) => parseField(f, types));
      });
    } else {
      // A named non-struct type; resolved once all names are known.
      const placeholder = { kind: 'string', name } as GoType;
      types.set(name, placeholder);
      types.set(short, placeholder);
      pending.push(() => {
        const under = typeExpr(rest, types);
        Object.assign(placeholder, under, { name });
      });
    }
  }
  for (const p of pending) p();
  return types;
}

function parseField(line: string, types: Map<string, GoType>): StructField {
  const tag = /`json:"([^"]*)"`$/.exec(line);
  const decl = tag ? line.slice(0, tag.index).trim() : line;
  const [jsonName = '', ...opts] = tag ? tag[1]!.split(',') : [];
  const parts = decl.split(/\s+/);
  if (parts.length === 1) {
    // Embedded: `*ContainerJSONBase` or `Resources`.
    const type = typeExpr(parts[0]!, types);
    const name = parts[0]!.replace(/^\*/, '').replace(/^.*\./, '');
    return { name, type, json: jsonName || name, omitempty: opts.includes('omitempty'), embedded: true };
  }
  const name = parts[0]!;
  return { name, type: typeExpr(parts.slice(1).join(' '), types), json: jsonName || name, omitempty: opts.includes('omitempty') };
}

function typeExpr(src: string, types: Map<string, GoType>): GoType {
  const s = src.trim();
  if (s.startsWith('*')) return T.ptr(typeExpr(s.slice(1), types));
  if (s.startsWith('[]')) return T.slice(typeExpr(s.slice(2), types));
  const arr = /^\[(\d+)\](.*)$/.exec(s);
  if (arr) {
    const elem = typeExpr(arr[2]!, types);
    return { kind: 'slice', name: `[${arr[1]}]${elem.name}`, elem, array: Number(arr[1]) };
  }
  if (s.startsWith('map[')) {
    let depth = 0;
    let end = 4;
    for (; end < s.length; end++) {
      if (s[end] === '[') depth++;
      else if (s[end] === ']') {
        if (depth === 0) break;
        depth--;
      }
    }
    return T.map(typeExpr(s.slice(4, end), types), typeExpr(s.slice(end + 1), types));
  }
  if (s === 'struct{}') return { kind: 'struct', name: 'struct {}', fields: [] };
  const t = types.get(s);
  if (!t) throw new Error(`gotypes: unknown type ${s}`);
  return t;
}

/**
 * The small part of Go's text/template that `inspect -f` is mostly used with: literal text,
 * `{{.A.B}}` field paths and `{{json .A}}`. Anything richer (pipelines, range, if, functions other
 * than json) is refused with a clear message until the full template support lands.
 */
type Piece = { text: string } | { path: string[]; json: boolean };

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export class Template {
  private constructor(private readonly pieces: Piece[]) {}

  static parse(source: string): Template {
    const pieces: Piece[] = [];
    let rest = source;
    while (rest.length) {
      const open = rest.indexOf('{{');
      if (open < 0) {
        pieces.push({ text: rest });
        break;
      }
      if (open > 0) pieces.push({ text: rest.slice(0, open) });
      const close = rest.indexOf('}}', open);
      if (close < 0) throw new TemplateError(`template: inspect:1: unclosed action`);
      const action = rest.slice(open + 2, close).replace(/^-\s|\s-$/g, '').trim();
      rest = rest.slice(close + 2);
      const m = /^(json\s+)?(\.|(?:\.[A-Za-z_][A-Za-z0-9_]*)+)$/.exec(action);
      if (!m) {
        throw new TemplateError(`berth supports only {{.Field.Path}} and {{json .Field}} in --format so far, not {{${action}}}`);
      }
      const path = m[2] === '.' ? [] : m[2]!.slice(1).split('.');
      pieces.push({ path, json: Boolean(m[1]) });
    }
    return new Template(pieces);
  }

  execute(data: unknown): string {
    let out = '';
    for (const p of this.pieces) {
      if ('text' in p) {
        out += p.text;
        continue;
      }
      let v: unknown = data;
      let missing = false;
      for (const key of p.path) {
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && key in v) v = (v as Record<string, unknown>)[key];
        else {
          missing = true;
          break;
        }
      }
      if (p.json) out += missing ? 'null' : JSON.stringify(v);
      else if (missing) out += '<no value>';
      else out += goValue(v);
    }
    return out;
  }
}

/**
 * How Go's fmt prints a value: scalars as text, lists as `[a b]`. An object may be a Go struct or a
 * map, which print differently, so it is refused rather than guessed.
 */
function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') throw new TemplateError('berth cannot print a whole object with --format yet; use {{json .Field}}');
  return String(v);
}

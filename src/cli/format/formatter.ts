/**
 * docker's list formatter (cli/command/formatter): `--format` is a Go template run once per row on
 * a context object (`.ID`, `.Names`, `.Label "k"`), `table …` adds a header row and aligns the
 * columns, `json` prints each row as a JSON object. Only loaded when --format is given, so the
 * default listings do not pay for the template engine.
 */
import {
  T,
  Template,
  TemplateExecError,
  TemplateParseError,
  headerFuncs,
  str,
  type GoMethod,
  type GoType,
  type GoValue,
  type Val,
} from '../template/index.js';
import { StatusError } from '../status.js';
import { tabwrite, tableOptions } from './tabwriter.js';

export interface ParsedFormat {
  table: boolean;
  template: Template;
}

/** docker's preFormat: strips `table`, maps `json` to {{json .}}, turns `\t` and `\n` into the characters. */
export function preFormat(format: string): { table: boolean; text: string } {
  let text = format;
  const table = format.startsWith('table');
  if (table) text = text.slice('table'.length);
  else if (format === 'json') text = '{{json .}}';
  text = text.replace(/^ +| +$/g, '').replaceAll('\\t', '\t').replaceAll('\\n', '\n');
  return { table, text };
}

/** Parses a list format; a mistake is docker's "template parsing error" (exit 1). */
export function parseListFormat(format: string, prefix = 'template parsing error', asTyped = false): ParsedFormat {
  const { table, text } = asTyped ? { table: false, text: format } : preFormat(format);
  try {
    return { table, template: Template.parse(text) };
  } catch (err) {
    if (err instanceof TemplateParseError) throw new StatusError(1, `${prefix}: ${err.message}`);
    throw err;
  }
}

/** A row context: a Go struct type with only methods, each returning a string (or a value). */
export interface ContextType {
  /** Go type name for messages (`*formatter.ContainerContext`). */
  name: string;
  /** Column headers by method name. */
  headers: Record<string, string>;
}

/** Builds a context value whose methods read `row`. */
export function contextValue<R>(
  type: ContextType,
  row: R,
  methods: Record<string, (row: R) => string | GoValue | undefined>,
  withArgs: Record<string, { params: GoType[]; fn: (row: R, args: Val[]) => Val }> = {},
): GoValue {
  const ms: Record<string, GoMethod> = {};
  for (const [name, fn] of Object.entries(methods)) {
    ms[name] = {
      params: [],
      fn: () => {
        const r = fn(row);
        return typeof r === 'string' ? str(r) : r;
      },
    };
  }
  for (const [name, m] of Object.entries(withArgs)) ms[name] = { params: m.params, fn: (_recv, args) => m.fn(row, args) };
  return { t: { kind: 'struct', name: type.name, fields: [], methods: ms }, v: new Map() };
}

/** The header row's context: the column names, plus docker's `Label` for `.Label "k"`. */
function headerValue(headers: Record<string, string>): GoValue {
  const m = new Map<string, Val>(Object.entries(headers).map(([k, v]) => [k, str(v)]));
  const label: GoMethod = {
    params: [T.string],
    fn: (_recv, [name]) => {
      const parts = (name!.v as string).split('.');
      return str(parts[parts.length - 1]!.replace(/[-_]/g, ' '));
    },
  };
  return { t: { kind: 'map', name: 'formatter.SubHeaderContext', key: T.string, elem: T.string, methods: { Label: label } } as GoType, v: m };
}

/**
 * Renders the rows through the template: one line per row; with `table`, a header line first and
 * the whole aligned like docker's tabwriter. An execution error is docker's "template parsing
 * error" (exit 1), and nothing is printed.
 */
export function renderRows(format: ParsedFormat, type: ContextType, rows: GoValue[], prefix = 'template parsing error'): string {
  let body = '';
  for (const row of rows) {
    try {
      body += format.template.execute(row) + '\n';
    } catch (err) {
      if (err instanceof TemplateExecError) throw new StatusError(1, `${prefix}: ${err.message}`);
      throw err;
    }
  }
  if (!format.table) return body;
  let header: string;
  try {
    header = format.template.execute(headerValue(type.headers), { funcs: headerFuncs });
  } catch {
    header = '';
  }
  return tabwrite(`${header}\n${body}`, tableOptions);
}

/** Validates a format against an empty context before any request, as docker's ps does. */
export function precheck(format: ParsedFormat, empty: GoValue): void {
  try {
    format.template.execute(empty);
  } catch (err) {
    if (err instanceof TemplateExecError) throw new StatusError(1, `failed to execute template: ${err.message}`);
    throw err;
  }
}

/** Go's time.Unix(sec, 0).String() in the local zone: `2026-11-22 06:04:12 +0000 UTC`. */
export function unixTimeString(seconds: number): string {
  const d = new Date(seconds * 1000);
  const offset = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + offset * 60_000).toISOString();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const num = `${sign}${String(Math.trunc(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${local.slice(0, 10)} ${local.slice(11, 19)} ${num} ${zoneName(d, offset)}`;
}

function zoneName(d: Date, offset: number): string {
  if (offset === 0 && (process.env['TZ'] === undefined || process.env['TZ'] === '' || /^(UTC|Etc\/UTC|UTC0|:?UTC)$/.test(process.env['TZ']))) return 'UTC';
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
  return part?.value ?? 'UTC';
}

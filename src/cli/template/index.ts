/**
 * Go's text/template for berth's `--format` flags, with docker's functions. Parse once, execute
 * on Go values (see value.ts for how JSON becomes one):
 *
 *   const t = Template.parse('{{.State.Status}}');
 *   t.execute(decode(json, dockerType('container.InspectResponse')));
 *
 * Errors carry Go's messages (TemplateParseError, TemplateExecError); the commands add docker's
 * prefixes ("template parsing error: ", "failed to execute template: ").
 */
import { executeTemplate, TemplateExecError } from './exec.js';
import { dockerFuncs } from './funcs.js';
import { parseTemplate, TemplateParseError, type ParsedTemplate } from './parse.js';
import type { GoFunc, Val } from './value.js';

export { TemplateExecError, TemplateParseError };
export { dockerFuncs, headerFuncs, builtinFuncs } from './funcs.js';
export { dockerType } from './docker-types.js';
export { declareTypes } from './gotypes.js';
export * from './value.js';

export type FuncMap = Record<string, GoFunc & { builtin?: boolean }>;

export class Template {
  private constructor(
    private readonly parsed: ParsedTemplate,
    private readonly funcs: FuncMap,
  ) {}

  /** Parses with the template name docker uses (""), checking function names against `funcs`. */
  static parse(text: string, funcs: FuncMap = dockerFuncs, name = ''): Template {
    return new Template(parseTemplate(text, name, (f) => f in funcs), funcs);
  }

  /** Runs the template; `funcs` may swap implementations (docker's header functions). */
  execute(data: Val, opts: { missingKey?: 'default' | 'error'; funcs?: FuncMap } = {}): string {
    return executeTemplate(this.parsed, data, { funcs: opts.funcs ?? this.funcs, ...(opts.missingKey && { missingKey: opts.missingKey }) });
  }
}

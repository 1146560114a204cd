/**
 * The executor of Go's text/template (text/template/exec.go) over the values of value.ts: field
 * and method lookup, pipelines, variables, if/with/range with else, break/continue, {{template}},
 * and the run-time errors in Go's form, `template: :1:2: executing "" at <.Nope>: …`.
 */
import { nodeString, type ArgNode, type BranchNode, type CommandNode, type FieldNode, type ChainNode, type IdentifierNode, type ListNode, type Node, type ParsedTemplate, type PipeNode, type VariableNode } from './parse.js';
import {
  FuncError,
  T,
  formatValue,
  indirect,
  indirectInterface,
  isTrue,
  sortedKeys,
  structFields,
  zero,
  type GoFunc,
  type GoMethod,
  type GoType,
  type GoValue,
  type Val,
} from './value.js';

/** An execution failure; its message is what Go's Template.Execute returns. */
export class TemplateExecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateExecError';
  }
}

export interface ExecOptions {
  /** Go's missingkey option: "default" prints <no value>, "error" fails. */
  missingKey?: 'default' | 'error';
  funcs: Record<string, GoFunc & { builtin?: boolean }>;
}

const missing: GoValue = { t: { kind: 'iface', name: 'missingVal' }, v: undefined };
const isMissing = (v: Val) => v === missing;

class Break extends Error {}
class Continue extends Error {}

interface Variable {
  name: string;
  value: Val;
}

export function executeTemplate(tmpl: ParsedTemplate, data: Val, opts: ExecOptions): string {
  const s = new State(tmpl, opts, data);
  s.walk(data, tmpl.root);
  return s.out;
}

class State {
  out = '';
  private node: Node | null = null;
  private vars: Variable[];
  private depth = 0;

  constructor(
    private readonly tmpl: ParsedTemplate,
    private readonly opts: ExecOptions,
    data: Val,
  ) {
    this.vars = [{ name: '$', value: data }];
  }

  // --- errors

  private errorf(msg: string): never {
    const name = this.tmpl.name;
    if (!this.node) throw new TemplateExecError(`template: ${name}: ${msg}`);
    const bytes = Buffer.from(this.tmpl.text, 'utf8');
    const pos = this.node.pos;
    const before = bytes.subarray(0, pos).toString('utf8');
    const nl = before.lastIndexOf('\n');
    const col = nl === -1 ? pos : pos - Buffer.byteLength(before.slice(0, nl + 1), 'utf8');
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    throw new TemplateExecError(`template: ${name}:${line}:${col}: executing ${JSON.stringify(name)} at <${nodeString(this.node)}>: ${msg}`);
  }

  private at(n: Node): void {
    this.node = n;
  }

  // --- variables

  private push(name: string, value: Val): void {
    this.vars.push({ name, value });
  }

  private setVar(name: string, value: Val): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private setTopVar(n: number, value: Val): void {
    this.vars[this.vars.length - n]!.value = value;
  }

  private varValue(name: string): Val {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.errorf(`undefined variable: ${name}`);
  }

  // --- walking

  walk(dot: Val, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break':
        throw new Break();
      case 'continue':
        throw new Continue();
      case 'comment':
        return;
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        return this.walkTemplate(dot, node);
      case 'text':
        this.out += node.text;
        return;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkIfOrWith(dot: Val, node: BranchNode): void {
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, node.pipe);
      const { truth, ok } = isTrue(indirectInterface(val));
      if (!ok) this.errorf(`if/with can't use ${formatValue(val)}`);
      if (truth) this.walk(node.type === 'with' ? val : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: Val, r: BranchNode): void {
    this.at(r);
    const mark = this.vars.length;
    try {
      const { v: val } = indirect(this.evalPipeline(dot, r.pipe));
      const mark2 = this.vars.length;
      const one = (index: Val, elem: Val): boolean => {
        if (r.pipe.decl.length > 0) {
          if (r.pipe.isAssign) {
            if (r.pipe.decl.length > 1) {
              this.setVar(r.pipe.decl[0]!.ident[0]!, index);
              this.setVar(r.pipe.decl[1]!.ident[0]!, elem);
            } else this.setVar(r.pipe.decl[0]!.ident[0]!, elem);
          } else {
            this.setTopVar(1, elem);
            if (r.pipe.decl.length > 1) this.setTopVar(2, index);
          }
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e instanceof Break) return false;
          if (!(e instanceof Continue)) throw e;
        } finally {
          this.vars.length = mark2;
        }
        return true;
      };
      if (val) {
        switch (val.t.kind) {
          case 'slice': {
            const items = (val.v as Val[] | null) ?? [];
            if (items.length === 0) break;
            for (let i = 0; i < items.length; i++) if (!one({ t: T.int, v: i }, items[i])) break;
            return;
          }
          case 'map': {
            const m = (val.v as Map<string, Val> | null) ?? new Map<string, Val>();
            if (m.size === 0) break;
            const keyType = val.t.key;
            for (const k of sortedKeys(m, keyType)) {
              if (!one({ t: keyType, v: keyType.kind === 'int' || keyType.kind === 'uint' ? Number(k) : k }, m.get(k))) break;
            }
            return;
          }
          case 'int':
          case 'uint': {
            const n = val.v as number;
            if (n <= 0) break;
            for (let i = 0; i < n; i++) if (!one({ t: val.t, v: i }, { t: val.t, v: i })) break;
            return;
          }
          default:
            this.errorf(`range can't iterate over ${formatValue(val)}`);
        }
      }
      if (r.elseList) this.walk(dot, r.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkTemplate(dot: Val, t: Extract<Node, { type: 'template' }>): void {
    this.at(t);
    const list = this.tmpl.defines.get(t.name);
    if (!list) this.errorf(`no such template ${JSON.stringify(t.name)}`);
    const value = t.pipe ? this.evalPipeline(dot, t.pipe) : undefined;
    if (++this.depth > 100000) this.errorf('exceeded maximum template depth (100000)');
    const saved = this.vars;
    this.vars = [{ name: '$', value }];
    try {
      this.walk(value, list);
    } finally {
      this.vars = saved;
      this.depth--;
    }
  }

  // --- evaluation

  private evalPipeline(dot: Val, pipe: PipeNode): Val {
    this.at(pipe);
    let value: Val = missing;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // An interface{} result is replaced by what it holds.
      if (value && value.t.kind === 'iface' && value !== missing) value = value.v as Val;
    }
    for (const variable of pipe.decl) {
      if (pipe.isAssign) this.setVar(variable.ident[0]!, value);
      else this.push(variable.ident[0]!, value);
    }
    return value;
  }

  private notAFunction(args: ArgNode[], final: Val): void {
    if (args.length > 1 || !isMissing(final)) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private evalCommand(dot: Val, cmd: CommandNode, final: Val): Val {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return { t: T.bool, v: first.value };
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      // eslint-disable-next-line no-fallthrough
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return { t: T.string, v: first.text };
    }
    this.errorf(`can't evaluate command ${JSON.stringify(nodeString(first))}`);
  }

  private idealConstant(n: Extract<ArgNode, { type: 'number' }>): GoValue {
    this.at(n);
    if (n.isFloat && !n.isRune && !/^[+-]?0[xX]/.test(n.text) && /[.eEpP]/.test(n.text)) return { t: T.float64, v: n.float };
    if (n.isRune) return { t: { kind: 'int', name: 'int32' }, v: n.int };
    if (n.isInt) return { t: T.int, v: n.int };
    this.errorf(`${n.text} overflows int`);
  }

  private evalFieldNode(dot: Val, field: FieldNode, args: ArgNode[], final: Val): Val {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: Val, chain: ChainNode, args: ArgNode[], final: Val): Val {
    this.at(chain);
    if (chain.field.length === 0) this.errorf('internal error: no fields in evalChainNode');
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, undefined, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: Val, variable: VariableNode, args: ArgNode[], final: Val): Val {
    this.at(variable);
    const value = this.varValue(variable.ident[0]!);
    if (variable.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: Val, receiver: Val, node: Node, ident: string[], args: ArgNode[], final: Val): Val {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i]!, node, [], missing, receiver);
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver);
  }

  private evalField(dot: Val, fieldName: string, node: Node, args: ArgNode[], final: Val, receiver: Val): Val {
    if (!receiver || isMissing(receiver)) {
      if (this.opts.missingKey === 'error') this.errorf(`nil data; no entry for key ${JSON.stringify(fieldName)}`);
      return undefined;
    }
    const typName = receiver.t.name;
    const { v: r, isNil } = indirect(receiver);
    if (r && r.t.kind === 'iface' && isNil) this.errorf(`nil pointer evaluating ${typName}.${fieldName}`);
    const method = r && !isNil && (r.t.kind === 'struct' || r.t.kind === 'map') ? r.t.methods?.[fieldName] : undefined;
    if (method) return this.evalCall(dot, bindMethod(method, r!), false, node, fieldName, args, final);
    const hasArgs = args.length > 1 || !isMissing(final);
    if (r) {
      switch (r.t.kind) {
        case 'struct': {
          const f = structFields(r.t).find((x) => x.name === fieldName);
          if (f) {
            if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
            return (r.v as Map<string, Val>).get(fieldName);
          }
          break;
        }
        case 'map': {
          if (r.t.key.kind === 'string') {
            if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
            const m = r.v as Map<string, Val> | null;
            if (m && m.has(fieldName)) return m.get(fieldName) ?? { t: r.t.elem, v: undefined };
            if (this.opts.missingKey === 'error') this.errorf(`map has no entry for key ${JSON.stringify(fieldName)}`);
            return undefined;
          }
          break;
        }
        case 'ptr': {
          const elem = r.t.elem;
          if (elem.kind === 'struct' && !structFields(elem).some((x) => x.name === fieldName) && !elem.methods?.[fieldName]) break;
          if (isNil) this.errorf(`nil pointer evaluating ${typName}.${fieldName}`);
          break;
        }
      }
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typName}`);
  }

  private evalFunction(dot: Val, node: IdentifierNode, cmd: Node, args: ArgNode[], final: Val): Val {
    this.at(node);
    const fn = this.opts.funcs[node.ident];
    if (!fn) this.errorf(`${JSON.stringify(node.ident)} is not a defined function`);
    return this.evalCall(dot, fn, fn.builtin === true, cmd, node.ident, args, final);
  }

  private evalCall(dot: Val, fn: GoFunc, isBuiltin: boolean, node: Node, name: string, argNodes: ArgNode[], final: Val): Val {
    const args = argNodes.slice(1);
    let numIn = args.length;
    if (!isMissing(final)) numIn++;
    let numFixed = args.length;
    if (fn.variadic) {
      numFixed = fn.params.length - 1;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${fn.params.length - 1} got ${args.length}`);
    } else if (numIn !== fn.params.length) {
      this.errorf(`wrong number of args for ${name}: want ${fn.params.length} got ${numIn}`);
    }
    // and/or evaluate their arguments only as far as needed.
    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: Val;
      for (const a of args) {
        v = this.evalArg(dot, T.value, a);
        if (isTrue(indirectInterface(v)).truth === (name === 'or')) return v;
      }
      if (!isMissing(final)) v = final;
      return v;
    }
    const argv: Val[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, fn.params[i], args[i]!));
    if (fn.variadic) {
      // The last parameter of a variadic function is given as its element type.
      const t = fn.params[fn.params.length - 1]!;
      for (; i < args.length; i++) argv.push(this.evalArg(dot, t, args[i]!));
    }
    if (!isMissing(final)) {
      const t = fn.variadic && numIn - 1 >= numFixed ? fn.params[fn.params.length - 1]! : fn.params[numIn - 1]!;
      argv.push(this.validateType(final, t));
    }
    try {
      return fn.fn(argv);
    } catch (err) {
      if (err instanceof FuncError) {
        this.at(node);
        this.errorf(`error calling ${name}: ${err.message}`);
      }
      throw err;
    }
  }

  private evalArg(dot: Val, typ: GoType | undefined, n: ArgNode): Val {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ && canBeNil(typ)) return typ.kind === 'value' ? undefined : zero(typ);
        this.errorf(`cannot assign nil to ${typ?.name ?? 'interface {}'}`);
      // eslint-disable-next-line no-fallthrough
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], missing), typ);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, [], missing), typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, [], missing), typ);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, [], missing), typ);
    }
    if (!typ || typ.kind === 'iface' || typ.kind === 'value') return this.evalEmptyInterface(dot, n);
    switch (typ.kind) {
      case 'bool':
        if (n.type === 'bool') return { t: typ, v: n.value };
        this.errorf(`expected bool; found ${nodeString(n)}`);
      // eslint-disable-next-line no-fallthrough
      case 'int':
      case 'uint':
      case 'duration':
        if (n.type === 'number' && n.isInt) {
          if (typ.kind === 'uint' && n.int < 0) this.errorf(`expected unsigned integer; found ${nodeString(n)}`);
          return { t: typ, v: n.int };
        }
        this.errorf(`expected ${typ.kind === 'uint' ? 'unsigned ' : ''}integer; found ${nodeString(n)}`);
      // eslint-disable-next-line no-fallthrough
      case 'float':
        if (n.type === 'number' && n.isFloat) return { t: typ, v: n.float };
        this.errorf(`expected float; found ${nodeString(n)}`);
      // eslint-disable-next-line no-fallthrough
      case 'string':
        if (n.type === 'string') return { t: typ, v: n.text };
        this.errorf(`expected string; found ${nodeString(n)}`);
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${typ.name}`);
  }

  private evalEmptyInterface(dot: Val, n: ArgNode): Val {
    this.at(n);
    switch (n.type) {
      case 'bool':
        return { t: T.bool, v: n.value };
      case 'dot':
        return dot;
      case 'field':
        return this.evalFieldNode(dot, n, [n], missing);
      case 'identifier':
        return this.evalFunction(dot, n, n, [], missing);
      case 'nil':
        this.errorf('evalEmptyInterface: nil (can\'t happen)');
      // eslint-disable-next-line no-fallthrough
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return { t: T.string, v: n.text };
      case 'variable':
        return this.evalVariableNode(dot, n, [], missing);
      case 'pipe':
        return this.evalPipeline(dot, n);
      case 'chain':
        return this.evalChainNode(dot, n, [], missing);
    }
  }

  /** Go's validateType: the value must be assignable to the parameter type. */
  private validateType(value: Val, typ: GoType | undefined): Val {
    if (!value || isMissing(value)) {
      if (!typ || typ.kind === 'value') return undefined;
      if (canBeNil(typ)) return zero(typ);
      this.errorf(`invalid value; expected ${typ.name}`);
    }
    if (!typ || typ.kind === 'value' || typ.kind === 'iface') return value;
    if (value.t.name === typ.name) return value;
    // An interface is looked into; a pointer to an assignable value is dereferenced.
    let v: GoValue = value;
    if (v.t.kind === 'iface' && v.v !== undefined) {
      v = v.v as GoValue;
      if (v.t.name === typ.name) return v;
    }
    if (v.t.kind === 'ptr' && v.v !== null && (v.v as GoValue).t.name === typ.name) return v.v as GoValue;
    this.errorf(`wrong type for value; expected ${typ.name}; got ${v.t.name}`);
  }

  private printValue(n: Node, v: Val): void {
    this.at(n);
    let p = v;
    if (p && p.t.kind === 'ptr') {
      const ind = indirect(p);
      p = ind.isNil ? p : ind.v;
    }
    if (!p || isMissing(p)) {
      this.out += '<no value>';
      return;
    }
    this.out += formatValue(p);
  }
}

function canBeNil(t: GoType): boolean {
  return t.kind === 'iface' || t.kind === 'map' || t.kind === 'ptr' || t.kind === 'slice' || t.kind === 'value';
}

function bindMethod(m: GoMethod, recv: GoValue): GoFunc {
  return { params: m.params, ...(m.variadic && { variadic: true }), fn: (args) => m.fn(recv, args) };
}

export type { ListNode };

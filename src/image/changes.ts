import { invalidArgument } from '../common/errors.js';
import type { ContainerConfig } from '../oci/image.js';

/**
 * Applies Dockerfile-style changes (`docker import --change`, `docker commit --change`) to an image
 * config. Docker accepts the metadata instructions only; anything else is an error with its wording.
 */
const allowed = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

export function applyChanges(base: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const cfg: ContainerConfig = structuredClone(base);
  for (const raw of changes) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^(\S+)(?:\s+([\s\S]*))?$/.exec(line)!;
    const cmd = m[1]!.toUpperCase();
    const rest = (m[2] ?? '').trim();
    if (!allowed.has(cmd)) throw invalidArgument(`${m[1]!.toLowerCase()} is not a valid change command`);
    switch (cmd) {
      case 'CMD':
        cfg.Cmd = commandForm(rest);
        break;
      case 'ENTRYPOINT':
        cfg.Entrypoint = rest === '' ? null : commandForm(rest);
        break;
      case 'ENV': {
        const env = [...(cfg.Env ?? [])];
        for (const [k, v] of keyValues(rest, 'ENV')) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        cfg.Env = env;
        break;
      }
      case 'LABEL': {
        const labels = { ...(cfg.Labels ?? {}) };
        for (const [k, v] of keyValues(rest, 'LABEL')) labels[k] = v;
        cfg.Labels = labels;
        break;
      }
      case 'EXPOSE': {
        const ports = { ...(cfg.ExposedPorts ?? {}) };
        for (const p of splitWords(rest)) {
          const [port, proto = 'tcp'] = p.split('/');
          if (!/^\d+(-\d+)?$/.test(port ?? '')) throw invalidArgument(`invalid containerPort: ${port}`);
          ports[`${port}/${proto.toLowerCase()}`] = {};
        }
        cfg.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = { ...(cfg.Volumes ?? {}) };
        const list = jsonArray(rest) ?? splitWords(rest);
        if (list.length === 0) throw invalidArgument('VOLUME specified can not be an empty string');
        for (const v of list) vols[v] = {};
        cfg.Volumes = vols;
        break;
      }
      case 'USER':
        cfg.User = rest;
        break;
      case 'WORKDIR':
        cfg.WorkingDir = rest.startsWith('/') ? rest : `${cfg.WorkingDir || '/'}/${rest}`.replace(/\/+/g, '/');
        break;
      case 'STOPSIGNAL':
        cfg.StopSignal = rest;
        break;
      case 'ONBUILD':
        cfg.OnBuild = [...(cfg.OnBuild ?? []), rest];
        break;
    }
  }
  return cfg;
}

function jsonArray(s: string): string[] | undefined {
  if (!s.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(s);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // not JSON: the shell form
  }
  return undefined;
}

function commandForm(s: string): string[] {
  return jsonArray(s) ?? ['/bin/sh', '-c', s];
}

function keyValues(s: string, cmd: string): Array<[string, string]> {
  const words = splitWords(s);
  if (words.length === 0) throw invalidArgument(`${cmd} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    // The legacy form `ENV key value with spaces`.
    const m = /^(\S+)\s+([\s\S]*)$/.exec(s);
    if (!m) throw invalidArgument(`${cmd} names can not be blank`);
    return [[m[1]!, m[2]!]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw invalidArgument(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

/** Splits on unquoted whitespace, honouring "double", 'single' quotes and backslash escapes. */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw invalidArgument(`unmatched ${quote} quote in ${JSON.stringify(s)}`);
  if (inWord) out.push(cur);
  return out;
}

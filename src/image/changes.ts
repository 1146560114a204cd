import { invalidArgument } from '../common/errors.js';
import { posix } from 'node:path';
import type { ContainerConfig } from '../oci/image.js';
import { parseSignal } from '../oci/signal.js';
import { envFromList, processWord, processWords, type Env } from './shell-words.js';

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
    const env = envFromList(cfg.Env);
    switch (cmd) {
      case 'CMD':
        cfg.Cmd = commandForm(rest);
        break;
      case 'ENTRYPOINT':
        cfg.Entrypoint = rest === '' ? null : commandForm(rest);
        break;
      case 'ENV': {
        const list = [...(cfg.Env ?? [])];
        for (const [k, v] of keyValues(rest, 'ENV', env)) {
          const i = list.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) list[i] = `${k}=${v}`;
          else list.push(`${k}=${v}`);
          env.set(k, v);
        }
        cfg.Env = list;
        break;
      }
      case 'LABEL': {
        const labels = { ...(cfg.Labels ?? {}) };
        for (const [k, v] of keyValues(rest, 'LABEL', env)) labels[k] = v;
        cfg.Labels = labels;
        break;
      }
      case 'EXPOSE': {
        const ports = { ...(cfg.ExposedPorts ?? {}) };
        for (const p of processWords(rest, env)) {
          const [port, proto = 'tcp'] = p.split('/');
          if (!/^\d+(-\d+)?$/.test(port ?? '')) throw invalidArgument(`invalid containerPort: ${port}`);
          ports[`${port}/${proto.toLowerCase()}`] = {};
        }
        cfg.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = { ...(cfg.Volumes ?? {}) };
        const list = jsonArray(rest) ?? processWords(rest, env);
        if (list.length === 0) throw invalidArgument('VOLUME specified can not be an empty string');
        for (const v of list) vols[v] = {};
        cfg.Volumes = vols;
        break;
      }
      case 'USER':
        cfg.User = processWord(rest, env);
        break;
      case 'WORKDIR': {
        const dir = processWord(rest, env);
        cfg.WorkingDir = posix.normalize(dir.startsWith('/') ? dir : posix.join(cfg.WorkingDir || '/', dir)).replace(/(.)\/$/, '$1');
        break;
      }
      case 'STOPSIGNAL': {
        const sig = processWord(rest, env);
        parseSignal(sig);
        cfg.StopSignal = sig;
        break;
      }
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

/** `k=v k2="v 2"`, or the legacy single pair `k value with spaces`. */
function keyValues(s: string, cmd: string, env: Env): Array<[string, string]> {
  if (s === '') throw invalidArgument(`${cmd} requires at least one argument`);
  const first = processWords(s, env)[0] ?? '';
  if (!first.includes('=')) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(s);
    if (!m) throw invalidArgument(`${cmd} must have two arguments`);
    return [[m[1]!, processWord(m[2]!, env)]];
  }
  return processWords(s, env).map((w) => {
    const i = w.indexOf('=');
    if (i === 0) throw invalidArgument(`${cmd} names can not be blank`);
    if (i < 0) throw invalidArgument(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

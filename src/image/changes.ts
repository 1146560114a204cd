import { parseDuration } from '../common/duration.js';
import { invalidArgument, messageOf } from '../common/errors.js';
import { posix } from 'node:path';
import type { ContainerConfig, HealthConfig } from '../oci/image.js';
import { parseSignal } from '../oci/signal.js';
import { envFromList, processWord, processWords, type Env } from './shell-words.js';

/**
 * Applies Dockerfile-style changes (`docker import --change`, `docker commit --change`) to an image
 * config. Docker accepts the metadata instructions only; anything else is an error with its wording.
 */
const allowed = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

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
      case 'HEALTHCHECK':
        cfg.Healthcheck = healthcheck(rest);
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

const healthFlags = ['interval', 'timeout', 'start-period', 'start-interval', 'retries'] as const;
type HealthFlag = (typeof healthFlags)[number];

/** `HEALTHCHECK NONE` or `HEALTHCHECK [--interval=D …] CMD command`, worded as the Dockerfile parser words its errors. */
export function healthcheck(rest: string): HealthConfig {
  const flags = new Map<HealthFlag, string>();
  let s = rest;
  for (let m; (m = /^--(\S*)\s*/.exec(s)); s = s.slice(m[0].length)) {
    const word = m[1]!;
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    if (!(healthFlags as readonly string[]).includes(name)) throw invalidArgument(`Unknown flag: ${name}`);
    if (eq < 0) throw invalidArgument(`Missing a value on flag: ${name}`);
    flags.set(name as HealthFlag, word.slice(eq + 1));
  }
  const m = /^(\S+)\s*([\s\S]*)$/.exec(s);
  if (!m) throw invalidArgument('HEALTHCHECK requires at least one argument');
  const type = m[1]!.toUpperCase();
  const args = m[2]!.trim();
  if (type === 'NONE') {
    if (args !== '') throw invalidArgument('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  if (type !== 'CMD') throw invalidArgument(`Unknown type ${JSON.stringify(type)} in HEALTHCHECK (try CMD)`);
  const exec = jsonArray(args);
  if (exec ? exec.length === 0 : args === '') throw invalidArgument('Missing command after HEALTHCHECK CMD');
  const out: HealthConfig = { Test: exec ? ['CMD', ...exec] : ['CMD-SHELL', args] };
  const interval = (name: HealthFlag): number => {
    const v = flags.get(name);
    if (v === undefined || v === '') return 0;
    let ns: bigint;
    try {
      ns = parseDuration(v);
    } catch (err) {
      throw invalidArgument(messageOf(err));
    }
    if (ns === 0n) return 0;
    if (ns < 1_000_000n) throw invalidArgument(`Interval ${JSON.stringify(name)} cannot be less than 1ms`);
    return Number(ns);
  };
  const [i, t, sp, si] = [interval('interval'), interval('timeout'), interval('start-period'), interval('start-interval')];
  if (i) out.Interval = i;
  if (t) out.Timeout = t;
  if (sp) out.StartPeriod = sp;
  if (si) out.StartInterval = si;
  const retries = flags.get('retries');
  if (retries !== undefined && retries !== '') {
    if (!/^[+-]?\d+$/.test(retries)) throw invalidArgument(`strconv.ParseInt: parsing ${JSON.stringify(retries)}: invalid syntax`);
    const n = Number(retries);
    if (n < 0) throw invalidArgument(`--retries cannot be negative (${n})`);
    out.Retries = n;
  }
  return out;
}

import { invalidArgument } from '../common/errors.js';
import { isDigest, type Digest } from '../common/digest.js';

/**
 * Image references as Docker understands them: `[domain/]path[:tag][@digest]`, where a name without
 * a domain lives on Docker Hub (`busybox` = `docker.io/library/busybox`). Normalised references keep
 * the full form; the "familiar" form is what users type and what `docker images` shows.
 */
export interface Reference {
  readonly domain: string;
  readonly path: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

export const defaultDomain = 'docker.io';
const legacyDefaultDomain = 'index.docker.io';
const officialRepoPrefix = 'library/';
export const defaultTag = 'latest';

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainRe = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const pathComponent = '[a-z0-9]+(?:(?:[_.]|__|[-]+)[a-z0-9]+)*';
const nameRe = new RegExp(`^(?:(${domainRe})/)?(${pathComponent}(?:/${pathComponent})*)$`);
const tagRe = /^[\w][\w.-]{0,127}$/;
const anchoredFullHex = /^[a-f0-9]{64}$/;
const maxNameLength = 255;

function formatError(detail?: string): Error {
  return invalidArgument(detail ? `invalid reference format: ${detail}` : 'invalid reference format');
}

/**
 * Parses what a user typed (`busybox`, `user/app:1.0`, `localhost:5000/x@sha256:…`) into a normalised
 * reference. No default tag is added here; use withDefaultTag for that.
 */
export function parseNormalizedReference(input: string): Reference {
  if (input === '' || input.length > 512) throw formatError();
  if (anchoredFullHex.test(input)) {
    throw invalidArgument(`invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`);
  }
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) throw formatError();
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!tagRe.test(tag)) throw formatError();
  }
  let domain: string;
  let path: string;
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first;
    path = rest.slice(slash + 1);
  } else {
    domain = defaultDomain;
    path = rest;
  }
  if (domain === legacyDefaultDomain) domain = defaultDomain;
  if (domain === defaultDomain && !path.includes('/')) path = officialRepoPrefix + path;
  if (path !== path.toLowerCase()) throw formatError(`repository name (${path}) must be lowercase`);
  const full = `${domain}/${path}`;
  if (!nameRe.test(full)) throw formatError();
  if (full.length > maxNameLength) throw formatError('repository name must not be more than 255 characters');
  return { domain, path, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

export function withDefaultTag(ref: Reference): Reference {
  if (ref.tag !== undefined || ref.digest !== undefined) return ref;
  return { ...ref, tag: defaultTag };
}

/** Parses a reference and adds `:latest` when it has neither tag nor digest. */
export function parseReference(input: string): Reference {
  return withDefaultTag(parseNormalizedReference(input));
}

export function isValidTag(tag: string): boolean {
  return tagRe.test(tag);
}

/** `docker.io/library/busybox` */
export function fullName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** `busybox`, `user/app`, `localhost:5000/x` */
export function familiarName(ref: Reference): string {
  if (ref.domain !== defaultDomain) return fullName(ref);
  // Only `library/x` is shortened: `library/x/y` shortened to `x/y` would name another repository.
  const rest = ref.path.slice(officialRepoPrefix.length);
  return ref.path.startsWith(officialRepoPrefix) && !rest.includes('/') ? rest : ref.path;
}

/** `busybox:latest`, `user/app@sha256:…` */
export function familiarString(ref: Reference): string {
  let s = familiarName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** `docker.io/library/busybox:latest` */
export function referenceString(ref: Reference): string {
  let s = fullName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

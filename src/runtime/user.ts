import { readFile } from 'node:fs/promises';
import { errnoCode, invalidArgument } from '../common/errors.js';
import { resolveInRoot } from '../common/fs-root.js';

/**
 * Resolving `--user` the way Docker does. runc takes only numbers, so names are looked up in the
 * container's own /etc/passwd and /etc/group, read through resolveInRoot so an image whose
 * /etc/passwd is a symlink to the host's gets its own file or nothing.
 */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 7) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, uid, gid, home: f[5]! });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 4) continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    out.push({ name: f[0]!, gid, members: f[3]!.split(',').filter(Boolean) });
  }
  return out;
}

const isNumeric = (s: string) => /^\d+$/.test(s);

/**
 * `user` is `""`, `name`, `uid`, `name:group`, `uid:gid` (any mix). A numeric uid missing from
 * /etc/passwd is allowed (gid 0, home /); a name that is missing is an error, in Docker's words.
 */
export function resolveUser(user: string, passwd: PasswdEntry[], groups: GroupEntry[], extraGroups: string[] = []): ResolvedUser {
  const [userPart = '', groupPart] = user.split(':', 2) as [string, string | undefined];
  const u = userPart === '' ? 'root' : userPart;
  let entry = isNumeric(u) ? passwd.find((p) => p.uid === Number(u)) : passwd.find((p) => p.name === u);
  if (!entry) {
    if (!isNumeric(u)) {
      // No /etc/passwd entry for root: runc gives HOME=/ then, and so does Docker.
      if (u === 'root') entry = { name: 'root', uid: 0, gid: 0, home: '/' };
      else throw invalidArgument(`unable to find user ${u}: no matching entries in passwd file`);
    }
  }
  const uid = entry ? entry.uid : Number(u);
  let gid = entry ? entry.gid : 0;
  if (groupPart !== undefined && groupPart !== '') {
    if (isNumeric(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw invalidArgument(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  const additional = new Set<number>();
  if (entry && groupPart === undefined) {
    for (const g of groups) if (g.members.includes(entry.name)) additional.add(g.gid);
  }
  for (const extra of extraGroups) {
    if (isNumeric(extra)) additional.add(Number(extra));
    else {
      const g = groups.find((x) => x.name === extra);
      if (!g) throw invalidArgument(`unable to find group ${extra}: no matching entries in group file`);
      additional.add(g.gid);
    }
  }
  additional.add(gid);
  return { uid, gid, additionalGids: [...additional].sort((a, b) => a - b), home: entry?.home || '/' };
}

async function readInRoot(root: string, path: string): Promise<string> {
  try {
    return await readFile(await resolveInRoot(root, path), 'utf8');
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return '';
    throw err;
  }
}

/** Reads the container's /etc/passwd and /etc/group and resolves `user` against them. */
export async function resolveUserInRoot(root: string, user: string, extraGroups: string[] = []): Promise<ResolvedUser> {
  const [passwd, group] = await Promise.all([readInRoot(root, '/etc/passwd'), readInRoot(root, '/etc/group')]);
  return resolveUser(user, parsePasswd(passwd), parseGroup(group), extraGroups);
}

import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Connection } from './connection.js';
import { trimId } from './container-stats.js';
import { readBody } from './streams.js';
import type { PathStat } from '../oci/path-stat.js';

export { goMode, hasGoMode, type PathStat } from '../oci/path-stat.js';

/** One line of `GET /containers/{id}/changes`: 0 modified, 1 added, 2 deleted. */
export interface FilesystemChange {
  Path: string;
  Kind: number;
}

export interface CommitOptions {
  /** Full repository name (`docker.io/berthtest/web`), as docker's client sends it. */
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  changes?: readonly string[];
  /** false sends `pause=0`; the daemon pauses by default. */
  pause?: boolean;
}

function decodeStat(header: string | string[] | undefined): PathStat {
  const text = Buffer.from(Array.isArray(header) ? (header[0] ?? '') : (header ?? ''), 'base64').toString('utf8');
  try {
    return JSON.parse(text) as PathStat;
  } catch (err) {
    throw new Error(`unable to decode container path stat header: ${text === '' ? 'EOF' : (err as Error).message}`);
  }
}

/** A container's files through the API: archive (cp), export, changes (diff) and commit. */
export class ContainerFilesApi {
  constructor(private readonly conn: Connection) {}

  /** `HEAD /containers/{id}/archive`: the stat of a path, without its content. */
  async statPath(id: string, path: string): Promise<PathStat> {
    const name = trimId('container', id);
    const res = await this.conn.call('HEAD', `/containers/${encodeURIComponent(name)}/archive`, { query: { path } });
    await readBody(res);
    return decodeStat(res.headers['x-docker-container-path-stat']);
  }

  /** `GET /containers/{id}/archive`: a tar of the path, with the stat of what was archived. */
  async getArchive(id: string, path: string, signal?: AbortSignal): Promise<{ body: IncomingMessage; stat: PathStat }> {
    const name = trimId('container', id);
    const body = await this.conn.call('GET', `/containers/${encodeURIComponent(name)}/archive`, { query: { path }, ...(signal && { signal }) });
    let stat: PathStat;
    try {
      stat = decodeStat(body.headers['x-docker-container-path-stat']);
    } catch (err) {
      body.destroy();
      throw new Error(`unable to get resource stat from response: ${(err as Error).message}`);
    }
    return { body, stat };
  }

  /**
   * `PUT /containers/{id}/archive`: extracts a tar into the directory `path`. Like docker, an
   * existing directory may not be replaced by a file or the other way round.
   */
  async putArchive(id: string, path: string, content: Readable, opts: { copyUIDGID?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    const name = trimId('container', id);
    await this.conn.empty('PUT', `/containers/${encodeURIComponent(name)}/archive`, {
      query: { path, noOverwriteDirNonDir: 'true', copyUIDGID: opts.copyUIDGID ? 'true' : undefined },
      body: content,
      contentType: 'text/plain',
      ...(opts.signal && { signal: opts.signal }),
    });
  }

  /** `GET /containers/{id}/export`: the container's whole file system as a tar, unread. */
  async export(id: string): Promise<IncomingMessage> {
    const name = trimId('container', id);
    return this.conn.call('GET', `/containers/${encodeURIComponent(name)}/export`);
  }

  async changes(id: string): Promise<FilesystemChange[] | null> {
    const name = trimId('container', id);
    return this.conn.json('GET', `/containers/${encodeURIComponent(name)}/changes`);
  }

  /** `POST /commit`: a new image from the container; resolves with its id. */
  async commit(id: string, opts: CommitOptions = {}): Promise<{ Id: string }> {
    const name = trimId('container', id);
    return this.conn.json('POST', '/commit', {
      query: {
        container: name,
        // docker sends these four even when empty
        repo: opts.repo ?? '',
        tag: opts.tag ?? '',
        comment: opts.comment ?? '',
        author: opts.author ?? '',
        changes: opts.changes && opts.changes.length ? opts.changes : undefined,
        pause: opts.pause === false ? '0' : undefined,
      },
    });
  }
}

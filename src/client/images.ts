import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { HistoryItem, ImageDeleteItem, ImageInspect, ImagePruneReport, ImageSummary } from '../api/types/index.js';
import type { Connection } from './connection.js';
import { encodeFilters, type Filters } from './query.js';

/**
 * Image names go into paths as they are (`/images/berthtest/bb:t1`, `/images/127.0.0.1:5000/x/push`):
 * the daemon matches its routes from the right. Only what would break the URL is escaped.
 */
function imagePath(name: string): string {
  return encodeURIComponent(name).replace(/%2F/gi, '/').replace(/%3A/gi, ':').replace(/%40/gi, '@');
}

export interface ImportOptions {
  /** `REPOSITORY[:TAG]` to give the new image, as typed. */
  repo?: string;
  tag?: string;
  message?: string;
  /** Dockerfile instructions applied to the config (`CMD ["sh"]`). */
  changes?: readonly string[];
}

/** Anonymous registry credentials, docker's base64 of `{}`. */
const anonymousAuth = 'e30=';

export class ImageApi {
  constructor(private readonly conn: Connection) {}

  list(opts: { all?: boolean; filters?: Filters } = {}): Promise<ImageSummary[]> {
    return this.conn.json('GET', '/images/json', { query: { all: opts.all, filters: encodeFilters(opts.filters) } });
  }

  inspect(name: string): Promise<{ value: ImageInspect; raw: string }> {
    return this.conn.raw('GET', `/images/${imagePath(name)}/json`);
  }

  history(name: string): Promise<HistoryItem[]> {
    return this.conn.json('GET', `/images/${imagePath(name)}/history`);
  }

  /** Tags `source` as `repo:tag`; `repo` is the full name (`docker.io/library/x`) as docker sends it. */
  async tag(source: string, repo: string, tag?: string): Promise<void> {
    await this.conn.empty('POST', `/images/${imagePath(source)}/tag`, { query: { repo, tag } });
  }

  remove(name: string, opts: { force?: boolean; noPrune?: boolean } = {}): Promise<ImageDeleteItem[]> {
    return this.conn.json('DELETE', `/images/${imagePath(name)}`, { query: { force: opts.force, noprune: opts.noPrune } });
  }

  /**
   * `docker import`: a root filesystem tar (streamed, or fetched by the daemon from a URL) becomes an
   * image; answers a JSON message stream.
   */
  import(source: Readable | { url: string }, opts: ImportOptions = {}): Promise<IncomingMessage> {
    const fromUrl = 'url' in source;
    return this.conn.call('POST', '/images/create', {
      query: {
        fromSrc: fromUrl ? source.url : '-',
        repo: opts.repo ?? '',
        tag: opts.tag ?? '',
        message: opts.message ?? '',
        changes: opts.changes,
      },
      ...(!fromUrl && { body: source }),
      contentType: 'text/plain',
    });
  }

  /** `docker load`: an image archive; answers a JSON message stream. */
  load(source: Readable, quiet: boolean): Promise<IncomingMessage> {
    return this.conn.call('POST', '/images/load', { query: { quiet: quiet ? '1' : '0' }, body: source, contentType: 'application/x-tar' });
  }

  /** `docker save`: the archive of the named images, as a tar stream. */
  save(names: readonly string[]): Promise<IncomingMessage> {
    return this.conn.call('GET', '/images/get', { query: { names } });
  }

  /** `docker pull` (what `run` falls back to); `fromImage` is the full name. Answers a JSON message stream. */
  pull(fromImage: string, tag: string): Promise<IncomingMessage> {
    return this.conn.call('POST', '/images/create', {
      query: { fromImage, tag },
      headers: { 'X-Registry-Auth': anonymousAuth },
    });
  }

  prune(filters?: Filters): Promise<ImagePruneReport> {
    return this.conn.json('POST', '/images/prune', { query: { filters: encodeFilters(filters) } });
  }
}

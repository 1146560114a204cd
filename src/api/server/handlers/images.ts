import { PassThrough } from 'node:stream';
import { shortHex } from '../../../common/digest.js';
import { invalidArgument, messageOf, notFound, notImplemented } from '../../../common/errors.js';
import { parseFilters } from '../../../engine/filters.js';
import { familiarString, parseReference } from '../../../oci/reference.js';
import type { JsonMessage } from '../../types/index.js';
import { imageInspect, imageSummary } from '../convert.js';
import { commonHeaders, queryBool, sendJson, startStream } from '../http.js';
import type { RequestContext, Router } from '../router.js';
import type { ApiServices } from '../services.js';

/**
 * A JSON message stream (load, import, pull …): one object per line, `\r\n`-terminated like dockerd.
 * The response starts with the first message, so an operation that fails before reporting
 * anything (a malformed or hostile archive) gets a proper 4xx instead of an error inside a 200.
 */
function jsonStream(ctx: RequestContext) {
  const res = ctx.res!;
  const begin = () => {
    if (!res.headersSent) startStream(res, 'application/json');
  };
  return {
    write: (m: JsonMessage) => {
      begin();
      res.write(JSON.stringify(m) + '\r\n');
    },
    fail: (err: unknown) => {
      if (!res.headersSent) throw err;
      const message = messageOf(err);
      res.write(JSON.stringify({ errorDetail: { message }, error: message }) + '\r\n');
    },
    end: () => {
      begin();
      res.end();
    },
  };
}

export function imageRoutes(r: Router, s: ApiServices): void {
  const images = s.images;

  r.add('GET', '/images/json', async (ctx) => {
    const views = await images.list(parseFilters(ctx.query.get('filters')), queryBool(ctx, 'all'));
    sendJson(ctx.res!, 200, views.map((v) => imageSummary(v)));
  });

  r.add('POST', '/images/create', async (ctx) => {
    const fromSrc = ctx.query.get('fromSrc');
    const fromImage = ctx.query.get('fromImage');
    if (fromImage) {
      let shown = fromImage;
      try {
        shown = familiarString(parseReference(ctx.query.get('tag') ? `${fromImage}:${ctx.query.get('tag')}` : fromImage));
      } catch {
        // show it as given
      }
      throw notFound(`pull access denied for ${shown}: berth cannot pull images yet (load or import the image first)`);
    }
    if (fromSrc !== '-') {
      if (fromSrc) throw notImplemented('importing from a URL is not supported yet');
      throw invalidArgument('fromSrc or fromImage is required');
    }
    const changes = ctx.query.getAll('changes');
    const repo = ctx.query.get('repo') || undefined;
    const tag = ctx.query.get('tag') || undefined;
    const message = ctx.query.get('message') || undefined;
    // Validate the name before reading a possibly large body.
    if (repo) parseReference(repo);
    const out = jsonStream(ctx);
    try {
      const id = await images.import(ctx.req, { ...(repo && { repo }), ...(tag && { tag }), changes, ...(message && { message }), signal: ctx.signal });
      out.write({ status: id });
    } catch (err) {
      out.fail(err);
    }
    out.end();
  });

  r.add('POST', '/images/load', async (ctx) => {
    const quiet = queryBool(ctx, 'quiet');
    const out = jsonStream(ctx);
    try {
      const messages = await images.load(ctx.req, ctx.signal, (p) => {
        if (quiet) return;
        out.write({
          status: 'Loading layer',
          progressDetail: { current: p.size, total: p.size },
          progress: `[==================================================>]  ${humanSize(p.size)}/${humanSize(p.size)}`,
          id: shortHex(p.diffId),
        });
      });
      for (const m of messages) out.write({ stream: `${m}\n` });
    } catch (err) {
      out.fail(err);
    }
    out.end();
  });

  const save = async (ctx: RequestContext, names: string[]) => {
    if (names.length === 0) throw invalidArgument('no images given');
    for (const n of names) images.find(n);
    const res = ctx.res!;
    res.writeHead(200, { ...commonHeaders(), 'Content-Type': 'application/x-tar' });
    const pipe = new PassThrough();
    pipe.pipe(res);
    try {
      await images.save(names, pipe, ctx.signal);
    } catch (err) {
      s.log.warn('image save failed', { err });
      res.destroy();
    }
  };
  r.add('GET', '/images/get', (ctx) => save(ctx, ctx.query.getAll('names')));
  r.add('GET', '/images/{name*}/get', (ctx) => save(ctx, [ctx.params[0]!]));

  r.add('POST', '/images/prune', async (ctx) => {
    const { deleted, reclaimed } = await images.prune(parseFilters(ctx.query.get('filters')));
    sendJson(ctx.res!, 200, { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed });
  });

  r.add('GET', '/images/{name*}/json', async (ctx) => {
    const view = await images.view(images.find(ctx.params[0]!));
    sendJson(ctx.res!, 200, imageInspect(view, s.convert.imageLayerDirs(view.record.id)));
  });

  r.add('GET', '/images/{name*}/history', async (ctx) => {
    sendJson(ctx.res!, 200, await images.history(ctx.params[0]!));
  });

  r.add('POST', '/images/{name*}/tag', async (ctx) => {
    await images.tag(ctx.params[0]!, ctx.query.get('repo') ?? '', ctx.query.get('tag') ?? '');
    ctx.res!.writeHead(201, commonHeaders());
    ctx.res!.end();
  });

  r.add('POST', '/images/{name*}/push', async () => {
    throw notImplemented('berth cannot push images yet');
  });

  r.add('DELETE', '/images/{name*}', async (ctx) => {
    const items = await images.remove(ctx.params[0]!, queryBool(ctx, 'force'), !queryBool(ctx, 'noprune'));
    sendJson(ctx.res!, 200, items);
  });
}

/** Docker's HumanSize (decimal units, 3 significant digits), for progress text. */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

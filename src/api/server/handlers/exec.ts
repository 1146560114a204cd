import { frame } from '../../../common/stdcopy.js';
import { invalidArgument } from '../../../common/errors.js';
import type { AttachSession } from '../../../engine/attach-session.js';
import type { ExecConfig } from '../../../engine/exec.js';
import { DetachScanner, parseDetachKeys } from '../detach-keys.js';
import { commonHeaders, hijack, queryInt, readJson, sendEmpty, sendJson, type Hijacked } from '../http.js';
import type { Router } from '../router.js';
import type { ApiServices } from '../services.js';

/**
 * Relays an attach session over a hijacked connection: output framed (or raw with a TTY), stdin
 * through the detach-key scanner; the client's half-close closes stdin, its detach sequence ends
 * the session and leaves the process running.
 */
export function relaySession(
  conn: Hijacked,
  session: AttachSession,
  o: { tty: boolean; stdout: boolean; stderr: boolean; stdin: boolean; detachKeys: Buffer; beforeEnd?: Promise<unknown> },
): Promise<void> {
  const scanner = new DetachScanner(o.detachKeys);
  return new Promise<void>((resolve) => {
    const done = () => {
      void Promise.race([o.beforeEnd ?? Promise.resolve(), new Promise((r) => setTimeout(r, 5000))]).then(() => {
        conn.end();
        resolve();
      });
    };
    session.on('data', (which: string, data: Buffer) => {
      if ((which === 'stdout' && !o.stdout) || (which === 'stderr' && !o.stderr)) return;
      conn.output.write(o.tty ? data : frame(which === 'stderr' ? 2 : 1, data));
    });
    session.once('end', done);
    if (o.stdin) {
      conn.input.on('data', (d: Buffer) => {
        const { forward, detached } = scanner.feed(d);
        if (forward.length) session.write(forward);
        if (detached) {
          session.close();
          conn.end();
          resolve();
        }
      });
      // The client's half-close means "no more stdin", never "stop sending output".
      conn.input.on('end', () => session.closeStdin());
    }
    conn.input.on('error', () => {});
    conn.onClose(() => {
      session.close();
      resolve();
    });
  });
}

export function execRoutes(r: Router, s: ApiServices): void {
  r.add('POST', '/containers/{id}/exec', async (ctx) => {
    const body = (await readJson<ExecConfig>(ctx)) ?? {};
    if (typeof body !== 'object' || Array.isArray(body)) throw invalidArgument('invalid exec configuration');
    if (body.Cmd !== undefined && body.Cmd !== null && (!Array.isArray(body.Cmd) || !body.Cmd.every((c) => typeof c === 'string'))) {
      throw invalidArgument('json: cannot unmarshal into Go struct field ExecConfig.Cmd of type []string');
    }
    if (body.DetachKeys) parseDetachKeys(body.DetachKeys);
    const id = s.exec.create(ctx.params[0]!, body);
    sendJson(ctx.res!, 201, { Id: id });
  });

  r.add('POST', '/exec/{id}/start', async (ctx) => {
    const rec = s.exec.get(ctx.params[0]!);
    const body = (await readJson<{ Detach?: boolean; Tty?: boolean }>(ctx)) ?? {};
    if (body.Detach) {
      await s.exec.start(rec.id, { detach: true });
      if (ctx.upgrade) {
        ctx.upgrade.socket.end(`HTTP/1.1 200 OK\r\n${Object.entries(commonHeaders()).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Content-Length: 0\r\n\r\n`);
      } else sendEmpty(ctx.res!, 200);
      return;
    }
    const { session, failure, finished } = await s.exec.start(rec.id, { detach: false });
    const conn = hijack(ctx);
    if (!session) {
      // As dockerd: the runtime's error inside the stream; the client reads the exit code next.
      const text = Buffer.from(`${failure ?? 'exec failed'}\r\n`);
      conn.output.write(rec.config.Tty ? text : frame(1, text));
      conn.end();
      return;
    }
    await relaySession(conn, session, {
      tty: rec.config.Tty === true,
      stdout: rec.config.AttachStdout !== false,
      stderr: rec.config.AttachStderr !== false,
      stdin: rec.config.AttachStdin === true,
      detachKeys: parseDetachKeys(rec.config.DetachKeys),
      ...(finished && { beforeEnd: finished }),
    });
  });

  r.add('POST', '/exec/{id}/resize', async (ctx) => {
    const h = queryInt(ctx, 'h') ?? 0;
    const w = queryInt(ctx, 'w') ?? 0;
    await s.exec.resize(ctx.params[0]!, h, w);
    sendEmpty(ctx.res!, 200);
  });

  r.add('GET', '/exec/{id}/json', async (ctx) => sendJson(ctx.res!, 200, s.exec.inspect(ctx.params[0]!)));
}

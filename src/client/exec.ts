import type { Connection } from './connection.js';
import type { UpgradedConnection } from './transport.js';

/**
 * `POST /containers/{id}/exec` as CLI 28 sends it at API 1.41 (captures 23_exec, 24_exec_it): every
 * field present, in this order. ConsoleSize only exists from API 1.42 on, so the size goes in a
 * resize call instead.
 */
export interface ExecCreateRequest {
  User: string;
  Privileged: boolean;
  Tty: boolean;
  AttachStdin: boolean;
  AttachStderr: boolean;
  AttachStdout: boolean;
  Detach: boolean;
  DetachKeys: string;
  Env: string[] | null;
  WorkingDir: string;
  Cmd: string[];
}

/** `GET /exec/{id}/json`. ExitCode is null while the process has not exited. */
export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  ProcessConfig: { tty: boolean; entrypoint: string; arguments: string[]; privileged: boolean; user?: string };
  OpenStdin: boolean;
  OpenStderr: boolean;
  OpenStdout: boolean;
  CanRemove: boolean;
  ContainerID: string;
  DetachKeys: string;
  Pid: number;
}

/** Processes started in running containers: create, then start (attached or not), resize, inspect. */
export class ExecApi {
  constructor(private readonly conn: Connection) {}

  async create(container: string, body: ExecCreateRequest): Promise<string> {
    const res = await this.conn.json<{ Id: string }>('POST', `/containers/${encodeURIComponent(container)}/exec`, { json: body });
    return res.Id;
  }

  /** Starts the process attached: the connection carries raw TTY bytes, or multiplexed frames without a TTY. */
  start(id: string, opts: { tty: boolean }): Promise<UpgradedConnection> {
    return this.conn.upgrade('POST', `/exec/${encodeURIComponent(id)}/start`, { json: { Detach: false, Tty: opts.tty } });
  }

  /** Starts the process and lets it run on its own (`exec -d`). */
  async startDetached(id: string, opts: { tty: boolean }): Promise<void> {
    await this.conn.empty('POST', `/exec/${encodeURIComponent(id)}/start`, { json: { Detach: true, Tty: opts.tty } });
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    await this.conn.empty('POST', `/exec/${encodeURIComponent(id)}/resize`, { query: { h: height, w: width } });
  }

  inspect(id: string): Promise<ExecInspect> {
    return this.conn.json('GET', `/exec/${encodeURIComponent(id)}/json`);
  }
}

/**
 * The collecting half of `berth stats`: one stats request per container, each keeping the latest
 * row up to date, with the docker CLI's rules for what a row shows when samples stop coming.
 */
import { jsonLines, type Client, type StatsResponse } from '../client/index.js';
import { emptyEntry, entryFromSample, type StatsEntry } from './stats-calc.js';

/** docker zeroes a row that has had no sample for this long. */
const staleAfterMs = 2000;

export class ContainerStats {
  entry: StatsEntry;
  /** The last failure (the stream ending counts); a row with one is shown as `--`. */
  error: unknown;
  private readonly abort = new AbortController();
  private watchdog?: NodeJS.Timeout;

  constructor(readonly container: string) {
    this.entry = emptyEntry(container);
  }

  /**
   * Starts collecting; resolves once the first sample is in, the request failed or no sample came
   * in time (docker's waitFirst), never rejects. With `stream` false only one sample is read.
   */
  start(client: Client, stream: boolean): Promise<void> {
    return new Promise((resolve) => {
      let first = true;
      const released = () => {
        if (first) {
          first = false;
          resolve();
        }
      };
      const arm = () => {
        clearTimeout(this.watchdog);
        this.watchdog = setTimeout(() => {
          this.resetWithError(new Error('timeout waiting for stats'));
          released();
          if (stream) arm();
        }, staleAfterMs);
      };
      arm();
      void (async () => {
        try {
          const body = await client.containerStats.stats(this.container, stream, this.abort.signal);
          for await (const { value } of jsonLines<StatsResponse>(body)) {
            this.entry = entryFromSample(this.container, value);
            this.error = undefined;
            released();
            if (!stream) break;
            arm();
          }
          if (stream) this.setError(new Error('EOF'));
        } catch (err) {
          if (this.abort.signal.aborted) return;
          this.setError(err);
        } finally {
          if (!stream) clearTimeout(this.watchdog);
          released();
        }
      })();
    });
  }

  stop(): void {
    clearTimeout(this.watchdog);
    this.abort.abort();
  }

  /** Ends collecting and shows the row as failed, as docker's rows are once its context is cancelled. */
  cancel(): void {
    this.stop();
    this.setError(new Error('context canceled'));
  }

  private setError(err: unknown): void {
    this.error = err;
    this.entry = { ...this.entry, invalid: true };
  }

  private resetWithError(err: unknown): void {
    this.error = err;
    this.entry = { ...emptyEntry(this.container), name: this.entry.name, id: this.entry.id, invalid: true };
  }
}

/** The rows being shown, in the order they were added; a container is added once. */
export class StatsSet {
  readonly rows: ContainerStats[] = [];

  constructor(
    private readonly client: Client,
    private readonly stream: boolean,
  ) {}

  /** Adds and starts a row unless there is one for `container`; resolves like ContainerStats.start. */
  add(container: string): Promise<void> {
    if (this.rows.some((r) => r.container === container)) return Promise.resolve();
    const row = new ContainerStats(container);
    this.rows.push(row);
    return row.start(this.client, this.stream);
  }

  remove(container: string): void {
    const i = this.rows.findIndex((r) => r.container === container);
    if (i < 0) return;
    this.rows[i]!.stop();
    this.rows.splice(i, 1);
  }

  stopAll(): void {
    for (const r of this.rows) r.stop();
  }

  cancelAll(): void {
    for (const r of this.rows) r.cancel();
  }
}

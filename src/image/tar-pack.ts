import * as tar from 'tar-stream';

export type TarHeader = Partial<tar.Header> & { name: string };

/**
 * Builds a tar archive in memory from headers and contents, with tar-stream's callbacks turned into
 * promises. For small archives (fixture images, layers in tests); layer diffs are streamed.
 */
export class TarBuilder {
  private readonly pack = tar.pack();
  private readonly result: Promise<Buffer>;

  constructor(private readonly defaults: Partial<tar.Header> = {}) {
    const chunks: Buffer[] = [];
    this.result = new Promise<Buffer>((resolve, reject) => {
      this.pack.on('data', (c: unknown) => chunks.push(c as Buffer));
      this.pack.on('end', () => resolve(Buffer.concat(chunks)));
      this.pack.on('error', reject);
    });
  }

  add(header: TarHeader, data?: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const h = { ...this.defaults, ...header };
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (data !== undefined) this.pack.entry(h, data, cb);
      else this.pack.entry(h, cb);
    });
  }

  finish(): Promise<Buffer> {
    this.pack.finalize();
    return this.result;
  }
}

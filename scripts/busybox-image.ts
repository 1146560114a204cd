/**
 * Builds a `busybox:latest` image from Debian's busybox-static, as an image archive that both
 * `berth load` and `docker load` accept. No registry is needed: tests and the quick start use it.
 *
 *   node dist/scripts/busybox-image.js [output.tar] [--tag name:tag] [--busybox /bin/busybox]
 *
 * The result is reproducible: every timestamp is the busybox binary's mtime, so the same Debian
 * package gives the same image id on every machine.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync, statSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { ImageArchiveWriter } from '../src/image/archive-save.js';
import { TarBuilder, type TarHeader } from '../src/image/tar-pack.js';
import { defaultPath, type ImageConfig } from '../src/oci/image.js';
import { parseReference } from '../src/oci/reference.js';

const passwd = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
`;
const group = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:9:
wheel:x:10:root
cdrom:x:11:
dialout:x:18:
floppy:x:19:
video:x:28:
audio:x:29:
tape:x:32:
www-data:x:33:
operator:x:37:
utmp:x:43:
plugdev:x:46:
staff:x:50:
lock:x:54:
netdev:x:82:
users:x:100:
nogroup:x:65534:
`;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function layerTar(busybox: Buffer, applets: string[], mtime: Date): Promise<Buffer> {
  const tb = new TarBuilder({ uid: 0, gid: 0, uname: 'root', gname: 'root', mtime });
  const add = (h: TarHeader, data?: string | Buffer) => tb.add(h, data);
  for (const [dir, mode] of [
    ['bin', 0o755], ['dev', 0o755], ['etc', 0o755], ['home', 0o755], ['proc', 0o755], ['root', 0o700],
    ['sys', 0o755], ['tmp', 0o1777], ['usr', 0o755], ['usr/sbin', 0o755], ['var', 0o755],
    ['var/spool', 0o755], ['var/spool/mail', 0o755], ['var/www', 0o755],
  ] as const) {
    await add({ name: `${dir}/`, type: 'directory', mode });
  }
  await add({ name: 'bin/busybox', type: 'file', mode: 0o755 }, busybox);
  for (const applet of applets) {
    if (applet === 'busybox') continue;
    await add({ name: `bin/${applet}`, type: 'link', linkname: 'bin/busybox', mode: 0o755 });
  }
  await add({ name: 'etc/passwd', type: 'file', mode: 0o644 }, passwd);
  await add({ name: 'etc/group', type: 'file', mode: 0o644 }, group);
  return tb.finish();
}

async function main(): Promise<void> {
  const out = resolve(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'build/busybox.tar');
  const tag = parseReference(arg('--tag', 'busybox:latest'));
  const busyboxPath = arg('--busybox', '/bin/busybox');
  const busybox = readFileSync(busyboxPath);
  const mtime = new Date(Math.floor(statSync(busyboxPath).mtimeMs / 1000) * 1000);
  const applets = execFileSync(busyboxPath, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => /^[\w.[-]+$/.test(a)).sort();
  const version = /BusyBox v[^\s]+/.exec(execFileSync(busyboxPath, ['--help'], { encoding: 'utf8' }))?.[0] ?? 'BusyBox';
  const layer = await layerTar(busybox, applets, mtime);
  const diffId = `sha256:${createHash('sha256').update(layer).digest('hex')}` as const;
  const created = mtime.toISOString().replace('.000Z', 'Z');
  const config: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    created,
    config: { Env: [`PATH=${defaultPath}`], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [
      { created, created_by: `/bin/sh -c #(nop) ADD busybox-static (${version}, ${applets.length} applets) in / ` },
      { created, created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
    ],
  };
  mkdirSync(dirname(out), { recursive: true });
  const writer = new ImageArchiveWriter(createWriteStream(out));
  await writer.addImage({
    configBytes: Buffer.from(JSON.stringify(config)),
    layers: [{ diffId, size: layer.length, open: async () => Readable.from([layer]) }],
    tags: [tag],
  });
  await writer.finish();
  process.stdout.write(`${out}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`busybox-image: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

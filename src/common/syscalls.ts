import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Bindings to mount(2), umount2(2), mknod(2) and SOCK_SEQPACKET sockets from berth's small native
 * addon (native/sys.c). Node has none of them; spawning mount(8)/umount(8) costs several
 * milliseconds per call on a container's start and exit, and conmon's attach socket is a
 * SOCK_SEQPACKET socket. When the addon was not built, `syscalls` is undefined: mounts fall back to
 * the programs, and attaching is unavailable.
 */
export interface Syscalls {
  mount(source: string, target: string, fstype: string, flags: number, data: string): Promise<void>;
  umount(target: string, flags: number): Promise<void>;
  mknod(path: string, mode: number, major: number, minor: number): Promise<void>;
  /** Connects a SOCK_SEQPACKET socket; `onEvent(kind, data)`: 1 packet, 2 end, 3 error (errno), 4 writable. */
  seqpacketConnect(path: string, onEvent: (kind: number, data?: Buffer | number) => void): number;
  /** Bytes sent, or a negative errno (-11, EAGAIN: wait for the writable event). */
  seqpacketSend(id: number, data: Buffer): number;
  seqpacketShutdown(id: number): void;
  seqpacketClose(id: number): void;
}

export const MNT_DETACH = 2;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

function load(): Syscalls | undefined {
  if (process.env['BERTH_NO_NATIVE'] === '1') return undefined;
  try {
    const require = createRequire(import.meta.url);
    // Resolved from the compiled file (dist/src/common) to the addon built in native/build.
    const addon = fileURLToPath(new URL('../../../native/build/Release/berth_sys.node', import.meta.url));
    return require(addon) as Syscalls;
  } catch {
    return undefined;
  }
}

export const syscalls: Syscalls | undefined = load();

/** The errno name of an error the addon rejected with (EINVAL, EBUSY, …). */
export function errnoOf(err: unknown): number | undefined {
  const n = (err as { errno?: unknown } | null)?.errno;
  return typeof n === 'number' ? n : undefined;
}

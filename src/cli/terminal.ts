import type { Output } from './command.js';

/**
 * The local terminal around an interactive session, as the docker CLI handles it: the "not a TTY"
 * check, raw mode on stdin (restored however the session ends), and the window size sent to the
 * daemon at the start and on every SIGWINCH.
 */

export interface WindowSize {
  rows: number;
  cols: number;
}

/** docker's In.CheckTty: a TTY in the container fed from a pipe or file is refused. */
export function checkTty(attachStdin: boolean, tty: boolean, stdinIsTerminal: boolean): void {
  if (tty && attachStdin && !stdinIsTerminal) throw new Error('the input device is not a TTY');
}

/** The size of the terminal `out` writes to, read afresh; undefined when it is not a terminal. */
export function windowSize(out: Output): WindowSize | undefined {
  const stream = out.stream as { getWindowSize?: () => [number, number] };
  if (!out.isTTY || typeof stream.getWindowSize !== 'function') return undefined;
  try {
    const [cols, rows] = stream.getWindowSize();
    return { rows, cols };
  } catch {
    return undefined;
  }
}

/** docker's create sends the terminal's size (0×0 without one) as HostConfig.ConsoleSize, [rows, cols]. */
export function consoleSize(out: Output): [number, number] {
  const size = windowSize(out);
  return size ? [size.rows, size.cols] : [0, 0];
}

/** A terminal input stream that can go raw (what tty.ReadStream offers). */
interface TerminalInput {
  readonly isTTY?: boolean;
  readonly fd?: number;
  setRawMode?(mode: boolean): unknown;
}

/**
 * Puts the terminal on `stdin` in raw mode, as moby/term's MakeRaw does, and resolves with the
 * function that restores it (callable any number of times). Nothing happens when stdin is not a
 * terminal or NORAW is set (docker's escape hatch).
 *
 * Node's raw mode keeps output post-processing (ONLCR), which would turn every line feed a
 * full-screen program in the container writes into CR LF; docker's turns it off, so stty finishes
 * the job. Node puts back the termios it found at start-up when the process exits, even on a fatal
 * signal, so the terminal is sane afterwards whatever happens here.
 */
export async function enterRawMode(stdin: TerminalInput, env: NodeJS.ProcessEnv): Promise<() => void> {
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function' || env['NORAW']) return () => {};
  stdin.setRawMode(true);
  // Awaited, so that a restore can never be overtaken by this change.
  const { runCommand } = await import('../common/command.js');
  await runCommand('stty', ['-F', `/proc/${process.pid}/fd/${stdin.fd ?? 0}`, '-opost', '-inlcr', '-igncr', '-ignbrk', '-parmrk', '-echonl']).catch(() => undefined);
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    // Back to the termios Node saved when it first went raw, output processing included.
    stdin.setRawMode!(false);
  };
}

export interface SizeMonitorOptions {
  /** Where "failed to resize tty" goes. */
  stderr: Output;
  /**
   * First send a size one row and column larger (docker's attach does): a shell that is re-attached
   * redraws its prompt only when the size changes.
   */
  nudge?: boolean;
}

/**
 * docker's MonitorTtySize: sends the window size now, retrying up to ten times while the daemon
 * cannot take it yet (then says "failed to resize tty, using default size"), and again on every
 * SIGWINCH. Returns the function that stops it.
 */
export function monitorTtySize(out: Output, resize: (rows: number, cols: number) => Promise<void>, opts: SizeMonitorOptions): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const send = (): Promise<void> => {
    const size = windowSize(out);
    // 0×0 is what a detached terminal reports; docker leaves the size alone then.
    if (!size || (size.rows === 0 && size.cols === 0)) return Promise.resolve();
    return resize(size.rows, size.cols);
  };
  const initial = async () => {
    const size = windowSize(out);
    if (opts.nudge && size && (size.rows || size.cols)) await resize(size.rows + 1, size.cols + 1).catch(() => undefined);
    try {
      await send();
    } catch {
      retry(0);
    }
  };
  const retry = (attempt: number) => {
    if (stopped) return;
    if (attempt >= 10) {
      opts.stderr.write('failed to resize tty, using default size\n');
      return;
    }
    timer = setTimeout(() => {
      send().catch(() => retry(attempt + 1));
    }, (attempt + 1) * 10);
  };
  const onWinch = () => {
    if (!stopped) send().catch(() => undefined);
  };
  process.on('SIGWINCH', onWinch);
  void initial();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    process.off('SIGWINCH', onWinch);
  };
}

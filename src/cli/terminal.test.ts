import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Output } from './command.js';
import { checkTty, consoleSize, enterRawMode, monitorTtySize, windowSize } from './terminal.js';

/** An Output on a terminal whose size the test sets. */
function fakeTerminal(size: { cols: number; rows: number }, isTTY = true): Output & { written: string } {
  const out = {
    written: '',
    write(data: string | Uint8Array) {
      out.written += data.toString();
    },
    isTTY,
    columns: size.cols,
    stream: { getWindowSize: () => [size.cols, size.rows] } as unknown as NodeJS.WritableStream,
  };
  return out;
}

test('a TTY with stdin attached needs a terminal on stdin', () => {
  assert.throws(() => checkTty(true, true, false), { message: 'the input device is not a TTY' });
  checkTty(true, true, true);
  checkTty(false, true, false);
  checkTty(true, false, false);
});

test('the window size is read afresh from the output terminal; none without one', () => {
  const size = { cols: 100, rows: 30 };
  const t = fakeTerminal(size);
  assert.deepEqual(windowSize(t), { rows: 30, cols: 100 });
  size.cols = 120;
  assert.deepEqual(consoleSize(t), [30, 120]);
  assert.equal(windowSize(fakeTerminal(size, false)), undefined);
  assert.deepEqual(consoleSize(fakeTerminal(size, false)), [0, 0]);
});

test('the size is sent at once and on every SIGWINCH until stopped', async () => {
  const size = { cols: 100, rows: 30 };
  const sent: string[] = [];
  let notify = () => {};
  const resize = async (h: number, w: number) => {
    sent.push(`${h}x${w}`);
    notify();
  };
  const next = () => new Promise<void>((r) => (notify = r));
  const listeners = process.listenerCount('SIGWINCH');
  let arrived = next();
  const stop = monitorTtySize(fakeTerminal(size), resize, { stderr: fakeTerminal(size) });
  await arrived;
  arrived = next();
  size.rows = 40;
  // Signal handles do not keep Node running; this does until the signal has come.
  const keepAlive = setInterval(() => {}, 1000);
  process.kill(process.pid, 'SIGWINCH');
  await arrived;
  clearInterval(keepAlive);
  stop();
  // Stopped: its SIGWINCH listener is gone.
  assert.equal(process.listenerCount('SIGWINCH'), listeners);
  assert.deepEqual(sent, ['30x100', '40x100']);
});

test("attach's nudge sends one row and column more first, so a re-attached shell redraws", async () => {
  const sent: string[] = [];
  let done = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const stop = monitorTtySize(
    fakeTerminal({ cols: 80, rows: 24 }),
    async (h, w) => {
      sent.push(`${h}x${w}`);
      if (sent.length === 2) done();
    },
    { stderr: fakeTerminal({ cols: 80, rows: 24 }), nudge: true },
  );
  await finished;
  stop();
  assert.deepEqual(sent, ['25x81', '24x80']);
});

test('a size the daemon keeps refusing is retried ten times, then docker gives up aloud', async () => {
  const stderr = fakeTerminal({ cols: 80, rows: 24 });
  let calls = 0;
  let gaveUp = () => {};
  const finished = new Promise<void>((r) => (gaveUp = r));
  const origWrite = stderr.write;
  stderr.write = (d) => {
    origWrite(d);
    gaveUp();
  };
  const stop = monitorTtySize(
    fakeTerminal({ cols: 80, rows: 24 }),
    async () => {
      calls++;
      throw new Error('not yet');
    },
    { stderr },
  );
  await finished;
  stop();
  assert.equal(calls, 11);
  assert.equal(stderr.written, 'failed to resize tty, using default size\n');
});

test('a retry that succeeds ends the retries quietly', async () => {
  const stderr = fakeTerminal({ cols: 80, rows: 24 });
  let calls = 0;
  let ok = () => {};
  const succeeded = new Promise<void>((r) => (ok = r));
  const stop = monitorTtySize(
    fakeTerminal({ cols: 80, rows: 24 }),
    async () => {
      if (++calls < 3) throw new Error('not yet');
      ok();
    },
    { stderr },
  );
  await succeeded;
  stop();
  assert.equal(calls, 3);
  assert.equal(stderr.written, '');
});

test('raw mode: only for a terminal, not with NORAW, restored once', async () => {
  const modes: boolean[] = [];
  // An fd that is no terminal here, so that the stty step cannot touch the runner's terminal.
  const tty = { isTTY: true, fd: 99, setRawMode: (m: boolean) => modes.push(m) };
  const restore = await enterRawMode(tty, {});
  assert.deepEqual(modes, [true]);
  restore();
  restore();
  assert.deepEqual(modes, [true, false]);
  (await enterRawMode(tty, { NORAW: '1' }))();
  (await enterRawMode({ isTTY: false, setRawMode: (m: boolean) => modes.push(m) }, {}))();
  assert.deepEqual(modes, [true, false]);
});
